using ModelContextProtocol.Protocol;

namespace OneMcp.Infrastructure.Backends;

/// <summary>
/// Encodes the <c>Mcp-Name</c> header of every request to an HTTP backend as SEP-2243 says and the SDK's server reads
/// it: printable ASCII as it is, anything else (a tool or prompt name or resource URI with characters beyond ASCII, with
/// blanks at either end, or that looks like an encoded value itself) as <c>=?base64?...?=</c>.
/// </summary>
/// <remarks>
/// Requests come from two places: the gateway's own direct calls (ADR 0039), which name the header raw and leave the
/// encoding here, and the SDK client (a call's retry with the answers to an <c>input_required</c>, for one), which puts
/// the name in the header as it is: .NET's HTTP client refuses to send such a request ("Request headers must contain
/// only ASCII characters"), and a backend trims the blanks and refuses the mismatch.
/// </remarks>
internal sealed class McpNameHeaderHandler : DelegatingHandler
{
    internal const string Header = "Mcp-Name";

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Encode(request);
        return base.SendAsync(request, cancellationToken);
    }

    protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Encode(request);
        return base.Send(request, cancellationToken);
    }

    internal static void Encode(HttpRequestMessage request)
    {
        if (!request.Headers.NonValidated.TryGetValues(Header, out var values) || values.Count != 1)
        {
            return;
        }

        var value = values.ToString();
        var encoded = McpHeaderEncoder.EncodeValue(value);
        if (!string.Equals(encoded, value, StringComparison.Ordinal))
        {
            request.Headers.Remove(Header);
            request.Headers.TryAddWithoutValidation(Header, encoded);
        }
    }
}
