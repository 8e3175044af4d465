using System.Text.Json.Nodes;
using System.Threading.Channels;
using ModelContextProtocol.Protocol;

namespace OneMcp.Infrastructure.Backends;

/// <summary>
/// Carries a caller's per-request log level (<c>_meta</c> <c>io.modelcontextprotocol/logLevel</c>) to a 2026-07-28
/// backend. The SDK client rebuilds the envelope of every 2026-07-28 request and drops that key, so the gateway sends
/// it under <see cref="StashKey"/> and this transport, the last step before the wire, moves it back into the envelope.
/// A request in a revision with sessions keeps its <c>_meta</c> as the gateway forwarded it; the stash never leaves.
/// </summary>
internal sealed class LogLevelForwardingSessionTransport(ITransport inner) : ITransport
{
    /// <summary>Where the gateway keeps the caller's log level until the request reaches this transport.</summary>
    public const string StashKey = "onemcp/forwardedLogLevel";

    public string? SessionId => inner.SessionId;

    public ChannelReader<JsonRpcMessage> MessageReader => inner.MessageReader;

    public Task SendMessageAsync(JsonRpcMessage message, CancellationToken cancellationToken = default)
    {
        if (message is JsonRpcRequest { Params: JsonObject parameters }
            && parameters["_meta"] is JsonObject meta
            && meta.TryGetPropertyValue(StashKey, out var level))
        {
            meta.Remove(StashKey);
            if (meta.ContainsKey(MetaKeys.ProtocolVersion))
            {
                meta[MetaKeys.LogLevel] = level?.DeepClone();
            }
        }

        return inner.SendMessageAsync(message, cancellationToken);
    }

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
