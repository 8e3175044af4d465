using System.Text.Json;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using OneMcp.Application.Gateway.Sessions;

namespace OneMcp.Application.Gateway.InputRequests;

/// <summary>
/// One 2026-07-28 request that may need the client's input: who sent it, what it asks (its digest binds a
/// <c>requestState</c> to it), what its client can answer, and the stream this attempt is answered on.
/// </summary>
public sealed class BridgedRequest
{
    private readonly (string Method, string Target, IDictionary<string, JsonElement>? Arguments) _digested;
    private string? _requestDigest;

    /// <summary>An attempt whose digest is known already.</summary>
    public BridgedRequest(
        GatewaySession session, IClientPeer stream, string requestDigest, ClientCapabilities? capabilities,
        string? requestState, IDictionary<string, InputResponse>? inputResponses)
        : this(session, stream, capabilities, requestState, inputResponses, default)
    {
        ArgumentException.ThrowIfNullOrEmpty(requestDigest);
        _requestDigest = requestDigest;
    }

    private BridgedRequest(
        GatewaySession session, IClientPeer stream, ClientCapabilities? capabilities,
        string? requestState, IDictionary<string, InputResponse>? inputResponses,
        (string Method, string Target, IDictionary<string, JsonElement>? Arguments) digested)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(stream);
        Session = session;
        Stream = stream;
        Capabilities = capabilities;
        RequestState = requestState;
        InputResponses = inputResponses;
        _digested = digested;
    }

    public GatewaySession Session { get; }

    /// <summary>Where this attempt's progress and answer go.</summary>
    public IClientPeer Stream { get; }

    public ClientCapabilities? Capabilities { get; }

    /// <summary>The <c>requestState</c> of a retry; null on a first attempt.</summary>
    public string? RequestState { get; }

    public IDictionary<string, InputResponse>? InputResponses { get; }

    /// <summary>
    /// The request's <see cref="InputRequiredBridge.Digest"/>. Taken when it is first needed, that is when a backend
    /// asks something or a retry is checked: most calls ask nothing, and serialising their arguments to hash them is
    /// a measurable share of a call (bench/analysis.md). The arguments are the request's own, which nothing changes
    /// while the call runs.
    /// </summary>
    public string RequestDigest => _requestDigest ??= InputRequiredBridge.Digest(_digested.Method, _digested.Target, _digested.Arguments);

    /// <summary>Who may continue the request: its token's user and client (anonymous without authentication).</summary>
    public string Principal => $"{Session.Actor.Subject ?? "-"}|{Session.Actor.ClientId ?? "-"}";

    /// <summary>
    /// One attempt of <paramref name="request"/> (a <c>tools/call</c>, <c>prompts/get</c> or <c>resources/read</c>
    /// naming <paramref name="target"/>), answered on <paramref name="stream"/>: its capabilities from its <c>_meta</c>,
    /// its <c>requestState</c> and <c>inputResponses</c> when it is a retry.
    /// </summary>
    public static BridgedRequest For<TParams>(
        GatewaySession session, IClientPeer stream, RequestContext<TParams> request, string target, IDictionary<string, JsonElement>? arguments)
        where TParams : RequestParams =>
        For(session, stream, request.JsonRpcRequest.Method, request.Params, target, arguments, request.JsonRpcRequest.Context?.ClientCapabilities);

    /// <summary>The same, from the request's parts: its method, parameters and the capabilities its <c>_meta</c> declares.</summary>
    public static BridgedRequest For(
        GatewaySession session, IClientPeer stream, string method, RequestParams? parameters, string target,
        IDictionary<string, JsonElement>? arguments, ClientCapabilities? capabilities) =>
        new(session, stream, capabilities, parameters?.RequestState, parameters?.InputResponses, (method, target, arguments));
}
