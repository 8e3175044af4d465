using OneMcp.Domain.Backends;

namespace OneMcp.Application.Backends;

/// <summary>
/// A backend's error as a member (a signed-in user without the admin role) may read it: a start failure names what
/// failed ("... working directory '/srv/x' ...", a server's stderr echoing its <c>--api-key=...</c>), so the values
/// that say how the backend is started (command, arguments, working folder, URL query and user info) and the values
/// nobody is shown (environment and header values, the OAuth client secret) are cut out.
/// Every surface that shows members an error uses it: the backend list (<see cref="BackendView.ForMember"/>) and
/// <c>/health</c>.
/// </summary>
public static class BackendErrorRedaction
{
    /// <summary><paramref name="error"/> with every value of <paramref name="hidden"/> (3 characters or more) replaced by <see cref="BackendView.Redacted"/>.</summary>
    public static string? Redact(string? error, IEnumerable<string?> hidden)
    {
        ArgumentNullException.ThrowIfNull(hidden);
        if (string.IsNullOrEmpty(error))
        {
            return error;
        }

        // Longest first: a value that contains another is cut out whole.
        foreach (var value in hidden.Where(v => v is { Length: >= 3 }).Distinct(StringComparer.Ordinal).OrderByDescending(v => v!.Length))
        {
            error = error.Replace(value!, BackendView.Redacted, StringComparison.Ordinal);
        }

        return error;
    }

    /// <summary>
    /// <paramref name="text"/> (a line of the backend's standard error, a failure that quotes it) without the values of
    /// <paramref name="settings"/> nobody is shown (<see cref="SecretValuesOf"/>): what the gateway writes to its log.
    /// </summary>
    public static string? WithoutSecrets(string? text, BackendSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return Redact(text, SecretValuesOf(settings));
    }

    /// <summary><paramref name="error"/> without what <paramref name="settings"/> say about how the backend is started.</summary>
    public static string? ForMember(string? error, BackendSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return Redact(error, HiddenValuesOf(settings));
    }

    private static IEnumerable<string?> HiddenValuesOf(BackendSettings settings) => settings switch
    {
        StdioBackendSettings stdio => [stdio.Command, stdio.WorkingDirectory, .. stdio.Args, .. SecretValuesOf(stdio)],
        HttpBackendSettings { Url.IsAbsoluteUri: true } http =>
        [
            http.Url.OriginalString, http.Url.AbsoluteUri, http.Url.Query.TrimStart('?'), http.Url.UserInfo,
            Uri.UnescapeDataString(http.Url.Query.TrimStart('?')), .. SecretValuesOf(http),
        ],
        HttpBackendSettings http => [http.Url.OriginalString, .. SecretValuesOf(http)],
        _ => [],
    };

    /// <summary>
    /// The environment and header values (and the OAuth client secret): usually credentials, which a server that
    /// fails to start often names ("invalid API key sk-..."). Nobody is shown them, so no member reads them in an error.
    /// </summary>
    internal static IEnumerable<string?> SecretValuesOf(BackendSettings settings) => settings switch
    {
        StdioBackendSettings stdio => [.. stdio.Environment.Values],
        HttpBackendSettings http => [.. http.Headers.Values, http.OAuth?.ClientSecret],
        _ => [],
    };
}
