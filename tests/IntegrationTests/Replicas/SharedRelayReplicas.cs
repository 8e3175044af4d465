using OneMcp.IntegrationTests.Persistence;
using OneMcp.IntegrationTests.Support;

namespace OneMcp.IntegrationTests.Replicas;

/// <summary>
/// <see cref="RelayReplicas"/> pairs shared by the tests of one class (a class fixture), for the tests that leave both
/// replicas running: a pair per set of arguments, started by the first test that asks for it (on the PostgreSQL
/// collection's server, which a class fixture cannot be given) and stopped after the class. Each pair has its own
/// directory and database. The tests sharing a pair use sessions, users and tools of their own, and judge the pair's
/// counters and log by what changed during the test.
/// </summary>
public sealed class SharedRelayReplicas : IAsyncLifetime
{
    private readonly Dictionary<string, (TestDirectory Directory, Task<RelayReplicas> Started)> _pairs = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var (directory, started) in _pairs.Values)
        {
            if (started.IsCompletedSuccessfully)
            {
                await started.Result.DisposeAsync();
            }

            directory.Dispose();
        }
    }

    /// <summary>The running pair started with these arguments (see <see cref="RelayReplicas.StartAsync"/>), started now if none is.</summary>
    internal Task<RelayReplicas> StartedAsync(PostgresFixture postgres, string[]? extraArgs = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        string[] parts = [.. extraArgs ?? [], .. (environment ?? new Dictionary<string, string>()).OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => $"{e.Key}={e.Value}")];
        var key = string.Join('\n', parts);
        lock (_lock)
        {
            if (!_pairs.TryGetValue(key, out var pair))
            {
                var directory = new TestDirectory();
                pair = (directory, RelayReplicas.StartAsync(postgres, directory, extraArgs, environment));
                _pairs[key] = pair;
            }

            return pair.Started;
        }
    }
}
