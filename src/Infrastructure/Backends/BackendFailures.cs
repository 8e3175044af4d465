using System.Net;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using OneMcp.Application.Backends;
using OneMcp.Infrastructure.Backends.OAuth;

namespace OneMcp.Infrastructure.Backends;

/// <summary>How a backend's failures read in its state and in the errors its callers get: short, for operators.</summary>
internal static class BackendFailures
{
    /// <summary>The backend answered 401, possibly wrapped by the transport.</summary>
    public static bool IsUnauthorized(Exception e) =>
        e is HttpRequestException { StatusCode: HttpStatusCode.Unauthorized }
        || (e.InnerException is not null && IsUnauthorized(e.InnerException));

    /// <summary>The backend's OAuth tokens expired and could not be renewed, possibly wrapped by the transport.</summary>
    public static bool IsAuthorizationRequired(Exception e) => FindAuthorizationRequired(e) is not null;

    // The SDK client's transport, when a POST's stream ends without the answer and cannot be resumed (2.4,
    // StreamableHttpClientSessionTransport): a plain McpException, told apart from the others only by its text.
    private const string SdkAnswerLost = "Streamable HTTP POST response completed without a reply to request with ID: ";

    /// <summary>
    /// How a request whose answer is lost (the backend accepted it, its stream ended before the answer) says so, in the
    /// gateway's words whether it went directly (<see cref="DirectAnswerLostException"/>) or through the SDK client; null
    /// for any other failure.
    /// </summary>
    public static string? AnswerLost(Exception e) => e switch
    {
        DirectAnswerLostException lost => lost.Message,
        McpException sdk when sdk is not McpProtocolException && sdk.Message.StartsWith(SdkAnswerLost, StringComparison.Ordinal) =>
            DirectAnswerLostException.Describe(sdk.Message[SdkAnswerLost.Length..], why: null),
        _ => null,
    };

    public static string DescribeConnectFailure(Exception e) => e switch
    {
        _ when FindAuthorizationRequired(e) is { } required => required.Message,
        _ when IsUnauthorized(e) => "The server requires OAuth authorization.",
        TimeoutException => e.Message,
        HttpRequestException { StatusCode: { } code } => $"HTTP {(int)code} {code}.",
        HttpRequestException h => h.InnerException?.Message ?? h.Message,
        _ => e.InnerException is { } inner && e.Message.Length < 20 ? inner.Message : e.Message,
    };

    public static string DescribeExit(ClientCompletionDetails? details) => details switch
    {
        StdioClientCompletionDetails { ExitCode: { } code } => $"exit code {code}",
        HttpClientCompletionDetails { HttpStatusCode: { } status } => $"HTTP {(int)status}",
        { Exception: { } e } => e.Message,
        _ => "closed",
    };

    public static string Describe(BackendStatus status) => status switch
    {
        BackendStatus.AwaitingOAuth => "awaiting OAuth authorization",
        BackendStatus.CrashLoop => "stopped after repeated crashes",
        _ => status.ToString().ToLowerInvariant(),
    };

    private static BackendAuthorizationRequiredException? FindAuthorizationRequired(Exception? e) => e switch
    {
        null => null,
        BackendAuthorizationRequiredException required => required,
        _ => FindAuthorizationRequired(e.InnerException),
    };
}
