using Dapper;
using Npgsql;
using OneMcp.IntegrationTests.Persistence;
using OneMcp.IntegrationTests.Support;

namespace OneMcp.IntegrationTests.Replicas;

/// <summary>The address a replica registers for the others to relay to (ADR 0031), seen in the <c>replicas</c> table.</summary>
[Collection(PostgresCollectionDefinition.Name)]
public sealed class ReplicaAddressTests(PostgresFixture postgres) : IDisposable
{
    private readonly TestDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Serve_WithPortZeroAndNoReplicaUrl_RegistersThePortItIsBoundTo()
    {
        var connectionString = postgres.ConnectionStringFor(await postgres.CreateDatabaseAsync());
        await using var gateway = GatewayProcess.Start(["serve", "--port", "0", "--database", connectionString], _directory.Path);
        await gateway.WaitForListeningAsync();

        await using var connection = new NpgsqlConnection(connectionString);
        var url = (await connection.QueryAsync<string>("SELECT url FROM replicas")).ShouldHaveSingleItem();

        new Uri(url).Port.ShouldBe(gateway.BaseUrl.Port, $"the others relay to {url}");
        new Uri(url).Host.ShouldBe(gateway.BaseUrl.Host);
    }
}
