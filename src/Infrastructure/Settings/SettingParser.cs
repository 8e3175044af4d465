using System.Globalization;
using Microsoft.Extensions.Logging;
using OneMcp.Application.Authorization;
using OneMcp.Infrastructure.Audit;
using OneMcp.Infrastructure.Diagnostics;
using OneMcp.Infrastructure.Persistence.DataProtection;

namespace OneMcp.Infrastructure.Settings;

/// <summary>
/// The gateway's settings from their text (a flag or an <c>ONEMCP_*</c> variable): each value checked against its
/// rule, or <see cref="InvalidSettingException"/> with one line saying what was expected.
/// </summary>
public static class SettingParser
{
    /// <summary>A TCP port, 0 to 65535; null when not given.</summary>
    public static int? Port(string? value)
    {
        if (value is null)
        {
            return null;
        }

        return int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is >= 0 and <= 65535
            ? port
            : throw new InvalidSettingException($"invalid port '{value}': expected a number from 0 to 65535.");
    }

    /// <summary>An address or host name to bind; null when not given.</summary>
    /// <remarks>Kestrel binds every interface for a host it cannot parse, so a typo must not get that far.</remarks>
    public static string? Host(string? value)
    {
        if (value is null)
        {
            return null;
        }

        var bare = value.StartsWith('[') && value.EndsWith(']') ? value[1..^1] : value;
        return value is "*" or "+" || Uri.CheckHostName(bare) != UriHostNameType.Unknown
            ? value
            : throw new InvalidSettingException($"invalid host '{value}': expected an IP address, localhost or a host name.");
    }

    /// <summary>The absolute http(s) URL clients reach the gateway at, without a query or a trailing slash.</summary>
    public static Uri? ExternalUrl(string? value)
    {
        if (value is null)
        {
            return null;
        }

        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || !string.IsNullOrEmpty(uri.Query))
        {
            throw new InvalidSettingException($"invalid external URL '{value}': expected an absolute http or https URL without a query.");
        }

        if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            // Not echoed: the part before '@' may be a password. The URL is published (OAuth metadata, sign-in links).
            throw new InvalidSettingException("invalid external URL: it carries a user name or password before '@'; give the URL clients reach the gateway at, without them.");
        }

        return new Uri(uri.GetLeftPart(UriPartial.Path).TrimEnd('/'));
    }

    /// <summary>
    /// The identity provider's issuer: an absolute https URL (http only on a loopback address, a provider on this
    /// machine), without a query or fragment; its metadata is at <c>/.well-known/openid-configuration</c> under it.
    /// </summary>
    public static Uri OidcIssuer(string value)
    {
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")
            || !string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment) || !string.IsNullOrEmpty(uri.UserInfo))
        {
            throw new InvalidSettingException($"invalid --oidc-issuer '{value}': expected the provider's absolute https URL, without a query.");
        }

        if (uri.Scheme == "http" && !uri.IsLoopback)
        {
            throw new InvalidSettingException($"invalid --oidc-issuer '{value}': an identity provider on another machine must be reached over https.");
        }

        return uri;
    }

    /// <summary>The scopes asked of the identity provider, separated by spaces or commas; <c>openid</c> among them.</summary>
    public static IReadOnlyList<string> OidcScopes(string value)
    {
        var scopes = List(value.Replace(' ', ','));
        return scopes.Contains("openid", StringComparer.Ordinal)
            ? scopes
            : throw new InvalidSettingException($"invalid --oidc-scopes '{value}': OpenID Connect sign-in needs the scope openid.");
    }

    /// <summary>E-mail domains (<c>example.com</c>, a leading <c>@</c> allowed), separated by commas.</summary>
    public static IReadOnlyList<string> EmailDomains(string? value)
    {
        var domains = List(value).Select(d => d.TrimStart('@').ToLowerInvariant()).ToList();
        var bad = domains.FirstOrDefault(d => Uri.CheckHostName(d) != UriHostNameType.Dns || !d.Contains('.', StringComparison.Ordinal));
        return bad is null ? domains : throw new InvalidSettingException($"invalid --oidc-allowed-domains: '{bad}' is not an e-mail domain such as example.com.");
    }

    /// <summary>Values separated by commas, trimmed, empty ones dropped, each once.</summary>
    public static IReadOnlyList<string> List(string? value) =>
        value is null ? [] : [.. value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Distinct(StringComparer.Ordinal)];

    /// <summary>The absolute http(s) URL other replicas reach this one at (scheme, host, port; no path, query or user).</summary>
    public static Uri? ReplicaUrl(string? value)
    {
        if (value is null)
        {
            return null;
        }

        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || !string.IsNullOrEmpty(uri.Query)
            || !string.IsNullOrEmpty(uri.UserInfo) || uri.AbsolutePath != "/")
        {
            throw new InvalidSettingException($"invalid replica URL '{value}': expected an absolute http or https URL of this replica without a path or query, e.g. http://10.0.0.5:3050.");
        }

        return new Uri(uri.GetLeftPart(UriPartial.Authority));
    }

    /// <summary>trace, debug, info, warn or error; Information when not given.</summary>
    public static LogLevel LogLevelOf(string? value) => value?.ToLowerInvariant() switch
    {
        null => LogLevel.Information,
        "trace" => LogLevel.Trace,
        "debug" => LogLevel.Debug,
        "info" or "information" => LogLevel.Information,
        "warn" or "warning" => LogLevel.Warning,
        "error" => LogLevel.Error,
        _ => throw new InvalidSettingException($"invalid log level '{value}': expected trace, debug, info, warn or error."),
    };

    /// <summary>text or json; text when not given.</summary>
    public static LogFormat LogFormatOf(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        null or "text" => LogFormat.Text,
        "json" => LogFormat.Json,
        _ => throw new InvalidSettingException($"invalid log format '{value}': expected text or json."),
    };

    /// <summary>all or any; all when not given.</summary>
    public static ScopeMatch ScopeMatchOf(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        null or "all" => ScopeMatch.All,
        "any" => ScopeMatch.Any,
        _ => throw new InvalidSettingException($"invalid scope match '{value}': expected all or any."),
    };

    /// <summary>The access-token lifetime in minutes; null when not given.</summary>
    public static TimeSpan? SessionTtl(string? value)
    {
        if (value is null)
        {
            return null;
        }

        // Up to 30 days, the lifetime of a refresh-token family: an access token never outlives its grant.
        return int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var minutes) && minutes is >= 1 and <= 43200
            ? TimeSpan.FromMinutes(minutes)
            : throw new InvalidSettingException($"invalid session TTL '{value}': expected a number of minutes from 1 to 43200.");
    }

    /// <summary>How many days the audit log keeps its entries.</summary>
    public static TimeSpan AuditRetention(string? value)
    {
        if (value is null)
        {
            return TimeSpan.FromDays(AuditOptions.DefaultRetentionDays);
        }

        // Up to ten years: anything longer is "forever" in practice, and TimeSpan arithmetic stays far from overflow.
        return int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var days) && days is >= 1 and <= 3650
            ? TimeSpan.FromDays(days)
            : throw new InvalidSettingException($"invalid audit retention '{value}': expected a number of days from 1 to 3650.");
    }

    /// <summary>Comma-separated IP addresses or CIDR ranges.</summary>
    public static List<System.Net.IPNetwork> TrustedProxies(string? value)
    {
        if (value is null)
        {
            return [];
        }

        var networks = new List<System.Net.IPNetwork>();
        foreach (var part in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (System.Net.IPNetwork.TryParse(part, out var network))
            {
                networks.Add(network);
            }
            else if (System.Net.IPAddress.TryParse(part, out var address))
            {
                networks.Add(new System.Net.IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? 128 : 32));
            }
            else
            {
                throw new InvalidSettingException($"invalid trusted proxy '{part}': expected an IP address or a CIDR range such as 10.0.0.0/8.");
            }
        }

        return networks;
    }

    /// <summary>A boolean environment variable: 1, true or yes; 0, false, no or empty.</summary>
    public static bool Bool(string? value, string variable) => value?.Trim().ToLowerInvariant() switch
    {
        null or "" or "0" or "false" or "no" => false,
        "1" or "true" or "yes" => true,
        _ => throw new InvalidSettingException($"invalid {variable} '{value}': expected true or false."),
    };

    /// <summary>With PostgreSQL, or whenever it is set: a valid <c>ONEMCP_DATA_PROTECTION_KEY</c>.</summary>
    /// <remarks>
    /// The key that encrypts the Data Protection key ring (tokens, backend credentials and secrets) in the database. SQLite
    /// keeps one in a file beside the database; a shared PostgreSQL database has no such place, and without the key its
    /// key ring, and with it every secret, would be readable by whoever reads the database.
    /// </remarks>
    public static void EnsureKeyRingKey(string? connectionString, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        if (environment(KeyRingEncryptionKey.EnvironmentVariable) is { } value && !string.IsNullOrWhiteSpace(value))
        {
            try
            {
                KeyRingEncryptionKey.FromBase64(value);
            }
            catch (InvalidOperationException e)
            {
                throw new InvalidSettingException(e.Message, e);
            }
        }
        else if (connectionString is not null)
        {
            throw new InvalidSettingException(
                $"{KeyRingEncryptionKey.EnvironmentVariable} is required with PostgreSQL: it encrypts the keys that protect tokens and backend secrets in the shared database. " +
                "Create one with `openssl rand -base64 32`, give every replica the same value and keep a copy (without it the stored secrets cannot be read).");
        }
    }
}
