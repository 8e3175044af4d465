using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using OneMcp.Application.Backends;
using OneMcp.Application.Gateway.Sessions;

namespace OneMcp.Application.Gateway.Listening;

/// <summary>
/// One open <c>subscriptions/listen</c> stream of a 2026-07-28 client. It sees what the listen request's own
/// <see cref="GatewaySession"/> sees (its filter and its token's grant), receives only the kinds it was granted,
/// and tags everything it is sent with its subscription id (the listen request's JSON-RPC id). Notifications
/// are queued, so the router never waits for a client; the stream sends them in order once the acknowledgement
/// has gone out (nothing may precede it).
/// </summary>
public sealed class Listener
{
    /// <summary>How many notifications may wait for a slow client; beyond it the oldest are dropped.</summary>
    public const int Capacity = 256;

    private readonly Channel<JsonRpcNotification> _pending = Channel.CreateBounded<JsonRpcNotification>(
        new BoundedChannelOptions(Capacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

    private readonly JsonNode? _subscriptionId;

    public Listener(GatewaySession session, RequestId subscriptionId, SubscriptionsListenNotifications granted)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(granted);
        Session = session;
        SubscriptionId = subscriptionId;
        Granted = granted;
        _subscriptionId = JsonSerializer.SerializeToNode(subscriptionId, McpJsonUtilities.DefaultOptions);
        Kinds = (granted.ToolsListChanged == true ? CapabilityKinds.Tools : CapabilityKinds.None)
            | (granted.ResourcesListChanged == true ? CapabilityKinds.Resources : CapabilityKinds.None)
            | (granted.PromptsListChanged == true ? CapabilityKinds.Prompts : CapabilityKinds.None);
    }

    /// <summary>The per-request session of the listen request: its id, filter, grant and resource subscriptions.</summary>
    public GatewaySession Session { get; }

    public RequestId SubscriptionId { get; }

    /// <summary>The subscription id as it goes on the wire (a fresh copy).</summary>
    public JsonNode? SubscriptionIdJson => _subscriptionId?.DeepClone();

    /// <summary>What the listener was granted, as its acknowledgement tells the client.</summary>
    public SubscriptionsListenNotifications Granted { get; }

    /// <summary>The lists whose changes the listener was granted.</summary>
    public CapabilityKinds Kinds { get; }

    /// <summary>The notifications waiting to be sent, in order.</summary>
    public ChannelReader<JsonRpcNotification> Pending => _pending.Reader;

    /// <summary>Queues the <c>list_changed</c> notifications of <paramref name="kinds"/> that the listener was granted.</summary>
    public void NotifyListChanged(CapabilityKinds kinds)
    {
        var wanted = kinds & Kinds;
        if (wanted.HasFlag(CapabilityKinds.Tools))
        {
            Post(NotificationMethods.ToolListChangedNotification, null);
        }

        if (wanted.HasFlag(CapabilityKinds.Resources))
        {
            Post(NotificationMethods.ResourceListChangedNotification, null);
        }

        if (wanted.HasFlag(CapabilityKinds.Prompts))
        {
            Post(NotificationMethods.PromptListChangedNotification, null);
        }
    }

    /// <summary>Queues a notification; <paramref name="parameters"/> becomes the listener's own copy.</summary>
    public void Post(string method, JsonNode? parameters) => _pending.Writer.TryWrite(Tagged(method, parameters));

    /// <summary>The notification as the stream carries it: with the subscription id in its <c>_meta</c>.</summary>
    public JsonRpcNotification Tagged(string method, JsonNode? parameters)
    {
        var tagged = parameters?.DeepClone() as JsonObject ?? [];
        if (tagged["_meta"] is not JsonObject meta)
        {
            meta = [];
            tagged["_meta"] = meta;
        }

        meta[MetaKeys.SubscriptionId] = SubscriptionIdJson;
        return new JsonRpcNotification { Method = method, Params = tagged };
    }

    /// <summary>The stream ended: nothing more is queued.</summary>
    public void Complete() => _pending.Writer.TryComplete();
}
