namespace OneMcp.IntegrationTests.Replicas;

/// <summary>One server line of HAProxy's statistics: its name, its check status (UP, DOWN, ...) and its 2xx responses so far.</summary>
internal sealed record HaproxyServer(string Name, string Status, long OkResponses);
