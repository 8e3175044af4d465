using Microsoft.Extensions.Time.Testing;
using OneMcp.Application.Connections;
using OneMcp.Domain.Backends;
using OneMcp.UnitTests.TestDoubles;

namespace OneMcp.UnitTests.Backends;

/// <summary>Forgetting a user's cached tokens (their connection changed, committed) is not undone by a read under way.</summary>
public sealed class BackendTokenSourceForgetTests
{
    private static readonly ServerName Files = ServerName.From("files");
    private static readonly ConnectionOwner Alice = new("alice-id");

    private static readonly StreamableHttpBackendSettings PerUserHttp = new()
    {
        Name = Files,
        Url = new Uri("https://svc.example.test/mcp"),
        Credentials = BackendCredentialMode.PerUser,
    };

    [Fact]
    public async Task Forget_WhileTheStoreIsBeingRead_TheNextRequestGetsWhatIsStoredNow()
    {
        await using var database = await SqliteUserTokens.CreateAsync(PerUserHttp, new FakeTimeProvider(new DateTimeOffset(2026, 12, 7, 10, 0, 0, TimeSpan.Zero)));
        await database.StoreAsync(Alice, "alice-old-token");
        var read = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var goOn = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        database.HoldNextRead(read, goOn.Task);

        // A request reads her tokens; before it takes them in, her connection is revoked and the cache told to forget.
        var inFlight = database.Source.GetAccessTokenAsync(Files, Alice, CancellationToken.None).AsTask();
        await read.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await database.RevokeAsync(Alice);
        database.Source.Forget(Files, Alice);
        goOn.SetResult();
        await inFlight;

        (await database.Source.GetAccessTokenAsync(Files, Alice, CancellationToken.None))
            .ShouldBeNull("the revocation was committed before the cache was told; what was read before it must not stay cached");
    }
}
