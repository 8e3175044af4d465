using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using OneMcp.Application.Replication;

namespace OneMcp.Infrastructure.Replication;

/// <summary>
/// A change as it travels on the <c>onemcp_changes</c> channel: JSON with the publishing replica (its
/// <see cref="ReplicaIdentity.Id"/>, so it can ignore its own), the kind and the name, far below PostgreSQL's
/// 8000-byte payload limit (a name that would not fit is left out: the receivers then reload the whole kind).
/// </summary>
public sealed record ChangeFeedPayload(string Origin, GatewayChange Change)
{
    /// <summary>The PostgreSQL channel the replicas notify and listen on.</summary>
    public const string Channel = "onemcp_changes";

    /// <summary>Well below PostgreSQL's 8000 bytes.</summary>
    internal const int MaxBytes = 2000;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase, allowIntegerValues: false) },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public string Serialize()
    {
        var text = JsonSerializer.Serialize(new Wire(Origin, Change.Kind, Change.Name), Json);
        return Encoding.UTF8.GetByteCount(text) <= MaxBytes ? text : JsonSerializer.Serialize(new Wire(Origin, Change.Kind, null), Json);
    }

    /// <summary>Reads a payload from the channel; false with the reason when it is not one of ours.</summary>
    public static bool TryParse(string? payload, [NotNullWhen(true)] out ChangeFeedPayload? parsed, [NotNullWhen(false)] out string? error)
    {
        parsed = null;
        if (string.IsNullOrWhiteSpace(payload))
        {
            error = "empty payload";
            return false;
        }

        Wire? wire;
        try
        {
            wire = JsonSerializer.Deserialize<Wire>(payload, Json);
        }
        catch (JsonException e)
        {
            error = $"not a change: {e.Message}";
            return false;
        }

        if (wire is not { Origin.Length: > 0, Kind: { } kind } || !Enum.IsDefined(kind))
        {
            error = "not a change: origin or kind missing";
            return false;
        }

        parsed = new ChangeFeedPayload(wire.Origin, new GatewayChange(kind, string.IsNullOrEmpty(wire.Name) ? null : wire.Name));
        error = null;
        return true;
    }

    private sealed record Wire(string? Origin, GatewayChangeKind? Kind, string? Name);
}
