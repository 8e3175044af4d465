namespace OneMcp.IntegrationTests.Support;

/// <summary>Waits for an asynchronous outcome (a backend restart, a reload) without fixed sleeps.</summary>
internal static class Eventually
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    public static async Task<T> ValueAsync<T>(Func<Task<T>> probe, Func<T, bool> until, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? DefaultTimeout);
        T value;
        Exception? last = null;
        while (true)
        {
            try
            {
                value = await probe();
                if (until(value))
                {
                    return value;
                }
            }
            catch (Exception e) when (e is not ShouldAssertException)
            {
                last = e;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out waiting for {what}." + (last is null ? string.Empty : $" Last error: {last.Message}"));
            }

            await Task.Delay(50);
        }
    }

    public static Task TrueAsync(Func<bool> condition, string what, TimeSpan? timeout = null) =>
        ValueAsync(() => Task.FromResult(condition()), v => v, what, timeout);
}

/// <summary>Collects notifications of one method and lets a test await them.</summary>
internal sealed class NotificationLog
{
    private readonly Lock _gate = new();
    private readonly List<System.Text.Json.Nodes.JsonNode?> _received = [];

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _received.Count;
            }
        }
    }

    public IReadOnlyList<System.Text.Json.Nodes.JsonNode?> Received
    {
        get
        {
            lock (_gate)
            {
                return [.. _received];
            }
        }
    }

    public ValueTask Record(ModelContextProtocol.Protocol.JsonRpcNotification notification, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _received.Add(notification.Params?.DeepClone());
        }

        return ValueTask.CompletedTask;
    }

    public Task AtLeastAsync(int count, string what) => Eventually.TrueAsync(() => Count >= count, what);
}
