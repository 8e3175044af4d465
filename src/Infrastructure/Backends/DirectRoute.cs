using System.Text.Json.Serialization.Metadata;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace OneMcp.Infrastructure.Backends;

/// <summary>
/// Forwarded <c>tools/call</c>, <c>resources/read</c> and <c>prompts/get</c> requests sent to a backend without the SDK
/// client's per-message pipeline, over the connection its SDK client holds: <see cref="DirectBackendCalls"/> for a
/// streamable HTTP backend (ADR 0039), <see cref="DirectStdioCalls"/> for a stdio one (ADR 0044).
/// </summary>
internal interface IDirectCalls
{
    /// <summary>Whether a request about to go out over <paramref name="current"/> can be sent here.</summary>
    bool Serves(McpClient current);

    /// <summary>
    /// The result; or none when the SDK client has to send the request after all (<see cref="DirectAnswer{TResult}"/>).
    /// </summary>
    /// <param name="method">The request's method.</param>
    /// <param name="name">The tool, prompt or resource it names.</param>
    /// <param name="parameters">The request's parameters.</param>
    /// <param name="parametersType">How they are written.</param>
    /// <param name="resultType">How the result is read.</param>
    /// <param name="cancellationToken">Cancels the call; the backend is told.</param>
    ValueTask<DirectAnswer<TResult>> SendAsync<TParams, TResult>(
        string method, string name, TParams parameters, JsonTypeInfo<TParams> parametersType, JsonTypeInfo<TResult> resultType, CancellationToken cancellationToken)
        where TParams : RequestParams
        where TResult : Result;
}

/// <summary>How a backend's transport can be reached without the SDK client's pipeline, once its client is connected.</summary>
internal abstract record DirectRoute
{
    /// <summary>The direct calls over <paramref name="client"/>'s connection, or none when this connection has no way for them.</summary>
    public abstract IDirectCalls? Open(McpClient client, Action<JsonRpcMessage> deliver, Implementation clientInfo, ClientCapabilities capabilities);
}
