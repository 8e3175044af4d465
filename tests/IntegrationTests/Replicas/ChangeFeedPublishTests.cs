using System.Data.Common;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using OneMcp.Application.Replication;
using OneMcp.Infrastructure.Persistence;
using OneMcp.Infrastructure.Replication;
using OneMcp.IntegrationTests.Persistence;

namespace OneMcp.IntegrationTests.Replicas;

/// <summary>
/// A committed change whose notification could not be sent (a broken pooled connection, no free slot for a moment)
/// still reaches the replicas that kept listening: the feed sends it again once the database answers.
/// </summary>
[Collection(PostgresCollectionDefinition.Name)]
public sealed class ChangeFeedPublishTests(PostgresFixture pg) : RepositoryContract(pg.DatabaseFor<ChangeFeedPublishTests>())
{
    [Fact]
    public async Task Publish_WhenTheFirstConnectionFails_SendsTheNotificationToTheListeningReplicasOnceTheDatabaseAnswers()
    {
        await using var listener = new NpgsqlConnection(Db.Options.ConnectionString);
        await listener.OpenAsync();
        await using (var listen = new NpgsqlCommand("LISTEN " + ChangeFeedPayload.Channel, listener))
        {
            await listen.ExecuteNonQueryAsync();
        }

        string? received = null;
        listener.Notification += (_, e) => received = e.Payload;
        var replica = new ReplicaIdentity();
        using var feed = new PostgresChangeFeed(new FailingOnce(Factory), replica, TimeProvider.System, NullLogger<PostgresChangeFeed>.Instance);

        await feed.PublishAsync(new GatewayChange(GatewayChangeKind.Backends, "late"), Ct);

        // Waits for the notification itself; without the retry none ever comes.
        (await listener.WaitAsync(TimeSpan.FromSeconds(30))).ShouldBeTrue("the other replicas hear of the committed change");
        ChangeFeedPayload.TryParse(received, out var parsed, out var error).ShouldBeTrue(error);
        parsed.ShouldBe(new ChangeFeedPayload(replica.Id, new GatewayChange(GatewayChangeKind.Backends, "late")));
    }

    /// <summary>The pool handing out a connection that turns out broken once, then the database answering again.</summary>
    private sealed class FailingOnce(IDbConnectionFactory inner) : IDbConnectionFactory
    {
        private int _failures = 1;

        public SqlDialect Dialect => inner.Dialect;

        public Task<DbConnection> OpenAsync(CancellationToken cancellationToken) =>
            Interlocked.Decrement(ref _failures) >= 0
                ? Task.FromException<DbConnection>(new NpgsqlException("Exception while reading from stream"))
                : inner.OpenAsync(cancellationToken);
    }
}
