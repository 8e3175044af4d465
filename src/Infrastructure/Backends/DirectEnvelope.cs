using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;
using OneMcp.Infrastructure.Mcp;

namespace OneMcp.Infrastructure.Backends;

/// <summary>
/// The envelope the SDK client writes into every 2026-07-28 request's <c>_meta</c>, for the direct calls that write
/// such requests themselves: the revision, the gateway's client info, and its client capabilities laid over the
/// caller's (which keeps any the caller added). The parts that never change are serialized once.
/// </summary>
internal sealed class DirectEnvelope(Implementation clientInfo, ClientCapabilities capabilities)
{
    private readonly JsonNode _clientInfo = JsonSerializer.SerializeToNode(clientInfo, McpJson<Implementation>.Info)!;
    private readonly JsonObject _capabilities = (JsonObject)JsonSerializer.SerializeToNode(capabilities, McpJson<ClientCapabilities>.Info)!;

    /// <summary>A new <c>_meta</c>: the caller's (<paramref name="callers"/>, left as it is) with the envelope of <paramref name="version"/>.</summary>
    public JsonObject Meta(JsonObject? callers, string version)
    {
        var meta = new JsonObject();
        if (callers is not null)
        {
            foreach (var (key, value) in callers)
            {
                meta[key] = value?.DeepClone();
            }
        }

        meta[MetaKeys.ProtocolVersion] = version;
        meta[MetaKeys.ClientInfo] = _clientInfo.DeepClone();
        if (meta[MetaKeys.ClientCapabilities] is JsonObject laidOver)
        {
            foreach (var (key, value) in _capabilities)
            {
                laidOver[key] = value?.DeepClone();
            }
        }
        else
        {
            meta[MetaKeys.ClientCapabilities] = _capabilities.DeepClone();
        }

        return meta;
    }

    /// <summary>
    /// What <paramref name="write"/> makes of the caller's <paramref name="parameters"/> with the envelope of
    /// <paramref name="version"/> in their <c>_meta</c>: they carry it only while they are written, and keep the caller's
    /// own <c>_meta</c> afterwards. The request is written as state to a static delegate: no closure per call.
    /// </summary>
    public TWritten Written<TParams, TState, TWritten>(TParams parameters, string version, TState state, Func<TParams, TState, TWritten> write)
        where TParams : RequestParams
    {
        var callers = parameters.Meta;
        parameters.Meta = Meta(callers, version);
        try
        {
            return write(parameters, state);
        }
        finally
        {
            parameters.Meta = callers;
        }
    }
}
