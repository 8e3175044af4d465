using System.Net;

namespace OneMcp.Application.Authorization;

/// <summary>
/// Which redirect URIs a client may register (RFC 8252, OAuth 2.1): https anywhere, plain http only on loopback,
/// never a fragment or user information. A registered loopback URI then matches on any port (see the
/// application manager in Infrastructure).
/// </summary>
public static class RedirectUriRules
{
    public const int MaxLength = 2000;

    /// <summary>Why a redirect URI cannot be registered, or null when it can.</summary>
    public static string? Problem(string? text)
    {
        if (string.IsNullOrEmpty(text) || text.Length > MaxLength || !Uri.TryCreate(text, UriKind.Absolute, out var uri))
        {
            return $"'{Shorten(text)}' is not an absolute URI.";
        }

        if (!string.IsNullOrEmpty(uri.Fragment))
        {
            return $"'{Shorten(text)}' has a fragment, which redirect URIs may not have.";
        }

        if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            return $"'{Shorten(text)}' carries user information, which redirect URIs may not have.";
        }

        if (uri.Scheme == Uri.UriSchemeHttps || (uri.Scheme == Uri.UriSchemeHttp && IsLoopback(uri)))
        {
            return null;
        }

        return $"'{Shorten(text)}' is neither https nor an http loopback URI (127.0.0.1, [::1] or localhost).";
    }

    /// <summary>A loopback address written as an IP literal or as <c>localhost</c> (not any name that resolves to one).</summary>
    public static bool IsLoopback(Uri uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        return uri.IsLoopback && (string.Equals(uri.Host, "localhost", StringComparison.OrdinalIgnoreCase) || IPAddress.TryParse(uri.Host.Trim('[', ']'), out _));
    }

    private static string Shorten(string? text) => text is null ? string.Empty : text.Length <= 100 ? text : text[..100] + "...";
}
