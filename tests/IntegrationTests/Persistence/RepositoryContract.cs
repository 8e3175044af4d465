using OneMcp.Infrastructure.Persistence;

namespace OneMcp.IntegrationTests.Persistence;

/// <summary>Base of the repository contract tests: each test starts on an emptied database of the class's engine.</summary>
public abstract class RepositoryContract(ITestDatabaseSource source) : IAsyncLifetime
{
    /// <summary>Not on a microsecond boundary and not in UTC: the store keeps the instant at microsecond precision.</summary>
    protected static readonly DateTimeOffset T0 = new DateTimeOffset(2026, 11, 26, 12, 30, 44, TimeSpan.FromHours(2)).AddTicks(1_234_567);

    protected const string NonAscii = "Zürich – 東京 🚀 «ñ»";

    protected static CancellationToken Ct => CancellationToken.None;

    protected TestDatabase Db { get; private set; } = null!;

    protected IDbConnectionFactory Factory => Db.Factory;

    public async Task InitializeAsync()
    {
        Db = await source.GetAsync();
        await Db.ResetAsync();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>What a timestamp reads back as: the same instant, truncated to whole microseconds, in UTC.</summary>
    protected static DateTimeOffset Stored(DateTimeOffset value) => DbValues.ToStoredPrecision(value);

    protected static void ShouldBeStored(DateTimeOffset actual, DateTimeOffset written)
    {
        actual.ShouldBe(Stored(written));
        actual.Offset.ShouldBe(TimeSpan.Zero);
        actual.UtcTicks.ShouldBe(written.UtcTicks - (((written.UtcTicks % 10) + 10) % 10));
    }
}
