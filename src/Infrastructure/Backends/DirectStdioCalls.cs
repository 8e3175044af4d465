using System.Text.Json.Serialization.Metadata;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using OneMcp.Application.Gateway.Sessions;
using OneMcp.Infrastructure.Mcp;

namespace OneMcp.Infrastructure.Backends;

/// <summary>How a stdio backend's forwarded calls reach its pipe directly: through the session its transport connected last.</summary>
internal sealed record DirectStdioRoute(StdioBackendTransport Transport) : DirectRoute
{
    public override IDirectCalls? Open(McpClient client, Action<JsonRpcMessage> deliver, Implementation clientInfo, ClientCapabilities capabilities) =>
        Transport.Session is { } session ? new DirectStdioCalls(session, client, new DirectEnvelope(clientInfo, capabilities)) : null;
}

/// <summary>
/// Sends a forwarded <c>tools/call</c>, <c>resources/read</c> or <c>prompts/get</c> to a stdio backend without the SDK
/// client's per-message pipeline (ADR 0044): the request line is written straight from its typed parameters into the
/// pipe the SDK client uses, and the result is read straight from the answer's line, which the session hands to the
/// call before anything parses it. Everything else the backend sends meanwhile (progress, log messages, questions to
/// the client) reaches the SDK client as before, through the session. A cancelled call is cancelled on the backend, as
/// the SDK client does. A 2026-07-28 backend gets the envelope the SDK client writes into every request's <c>_meta</c>;
/// when it answers with <c>input_required</c>, the SDK client sends the request again and runs the rounds of questions.
/// </summary>
internal sealed class DirectStdioCalls(StdioBackendSession session, McpClient client, DirectEnvelope envelope) : IDirectCalls
{
    public bool Serves(McpClient current) => ReferenceEquals(current, client) && session.IsConnected;

    public async ValueTask<DirectAnswer<TResult>> SendAsync<TParams, TResult>(
        string method, string name, TParams parameters, JsonTypeInfo<TParams> parametersType, JsonTypeInfo<TResult> resultType, CancellationToken cancellationToken)
        where TParams : RequestParams
        where TResult : Result
    {
        var number = DirectMessages.NextNumber();
        var id = DirectMessages.Id(number);
        var version = client.NegotiatedProtocolVersion;
        var perRequest = ProtocolEra.IsPerRequest(version);
        var line = perRequest
            ? envelope.Written(parameters, version!, (id, method, parametersType), static (enveloped, request) => Line(request.id, request.method, enveloped, request.parametersType))
            : Line(id, method, parameters, parametersType);
        var answer = session.Expect(number);
        try
        {
            await session.WriteLineAsync(line, cancellationToken);
            var message = await answer.WaitAsync(cancellationToken);
            var result = DirectMessages.TryReadReply(message, out _, out var reply)
                ? DirectMessages.Result(reply, resultType)
                : throw new McpException($"The answer to request {id} is not a JSON-RPC response.");

            return DirectMessages.Answer(result, perRequest);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            DirectMessages.TellCancelled(client, id);
            throw;
        }
        finally
        {
            session.Forget(number);
        }
    }

    private static byte[] Line<TParams>(string id, string method, TParams parameters, JsonTypeInfo<TParams> parametersType) =>
        McpJsonWriter.ToLine(
            (id, method, parameters, parametersType),
            static (json, request) => DirectMessages.WriteRequest(json, request.id, request.method, request.parameters, request.parametersType));
}
