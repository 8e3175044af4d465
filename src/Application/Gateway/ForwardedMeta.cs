using System.Text.Json.Nodes;

namespace OneMcp.Application.Gateway;

/// <summary>What of a client's <c>_meta</c> is passed on to a backend, and what stays between the client and the gateway.</summary>
internal static class ForwardedMeta
{
    // The revision a 2026-07-28 request names in _meta is that of the hop from the client to the gateway. The backend is
    // spoken to in its own revision by the gateway's own client, and the SDK takes a revision found there as the one to
    // send: passed on, it made an older backend refuse the call. What the client can do and the log level it wants stay:
    // a 2026-07-28 backend asks through them, and the gateway bridges its questions back to the client.
    private static readonly string[] HopKeys = ["io.modelcontextprotocol/protocolVersion"];

    public static JsonObject? WithoutHopKeys(JsonObject? meta)
    {
        if (meta is null || !Array.Exists(HopKeys, meta.ContainsKey))
        {
            return meta;
        }

        var copy = (JsonObject)meta.DeepClone();
        foreach (var key in HopKeys)
        {
            copy.Remove(key);
        }

        return copy.Count == 0 ? null : copy;
    }

    // The client's progress token means something only between the client and the gateway; the backend
    // connection is shared, so the connection assigns its own token and reports back through IProgress.
    public static JsonObject? WithoutProgressToken(JsonObject? meta)
    {
        if (meta is null || !meta.ContainsKey("progressToken"))
        {
            return meta;
        }

        var copy = (JsonObject)meta.DeepClone();
        copy.Remove("progressToken");
        return copy.Count == 0 ? null : copy;
    }
}
