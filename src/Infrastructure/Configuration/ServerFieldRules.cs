using System.Globalization;
using OneMcp.Domain.Backends;

namespace OneMcp.Infrastructure.Configuration;

/// <summary>
/// The checks on the value of one server field, whatever it was read from: the mcp.json reader and the REST
/// definition reader both apply them, so a value is valid or invalid, with the same message, on both surfaces.
/// Each check reports its problem at the given path and says whether the value may be used.
/// </summary>
internal static class ServerFieldRules
{
    public static long? CheckMilliseconds(long ms, string path, bool allowZero, ConfigDiagnostics diagnostics)
    {
        if (ms < 0 || (ms == 0 && !allowZero))
        {
            diagnostics.Error(path, allowZero ? "Must not be negative." : "Must be a positive number of milliseconds.");
            return null;
        }

        // Timers take at most int.MaxValue milliseconds (about 24 days); anything longer is a mistake.
        if (ms > int.MaxValue)
        {
            diagnostics.Error(path, string.Create(CultureInfo.InvariantCulture, $"Must be at most {int.MaxValue} milliseconds."));
            return null;
        }

        return ms;
    }

    public static int? CheckCount(int count, string path, ConfigDiagnostics diagnostics)
    {
        if (count < 0)
        {
            diagnostics.Error(path, "Must not be negative (0 means unlimited).");
            return null;
        }

        return count;
    }

    public static int? CheckAtLeast(int count, int minimum, string path, ConfigDiagnostics diagnostics)
    {
        if (count < minimum)
        {
            diagnostics.Error(path, string.Create(CultureInfo.InvariantCulture, $"Must be a whole number of at least {minimum}."));
            return null;
        }

        return count;
    }

    /// <summary>
    /// A number of minutes that a timer can wait: at least one second (a shorter idle timeout would stop a user's
    /// process between two calls; a tiny one rounds to zero) and at most about 24 days, as milliseconds.
    /// </summary>
    public static double? CheckMinutes(double minutes, string path, ConfigDiagnostics diagnostics)
    {
        if (double.IsNaN(minutes) || minutes <= 0)
        {
            diagnostics.Error(path, "Must be a positive number of minutes.");
            return null;
        }

        if (minutes * 60_000 < 1_000)
        {
            diagnostics.Error(path, "Must be at least one second (0.0167 minutes).");
            return null;
        }

        if (double.IsInfinity(minutes) || minutes * 60_000 > int.MaxValue)
        {
            diagnostics.Error(path, string.Create(CultureInfo.InvariantCulture, $"Must be at most {Math.Floor(int.MaxValue / 60_000d)} minutes."));
            return null;
        }

        return minutes;
    }

    /// <summary>
    /// Minutes checked by <see cref="CheckMinutes"/> as whole milliseconds, the precision a backend is stored with: a
    /// finer value would never equal the stored one, and every start and reload would restart the backend.
    /// </summary>
    public static TimeSpan MinutesAsWholeMilliseconds(double minutes) => TimeSpan.FromMilliseconds(Math.Round(minutes * 60_000));

    /// <summary>
    /// A header value after substitution: no CR, LF or NUL, which HTTP cannot carry (a secret read from a file often
    /// ends in a newline). The value is not repeated in the message: it is often a credential.
    /// </summary>
    public static bool CheckHeaderValue(string value, string path, ConfigDiagnostics diagnostics)
    {
        if (value.AsSpan().IndexOfAny('\r', '\n') >= 0)
        {
            diagnostics.Error(path, "The value contains a line break (CR or LF), which an HTTP header value cannot hold; a secret read from a file often ends in one.");
            return false;
        }

        if (value.Contains('\0', StringComparison.Ordinal))
        {
            diagnostics.Error(path, "The value contains a NUL character, which an HTTP header value cannot hold.");
            return false;
        }

        return true;
    }

    /// <summary>
    /// An environment value after substitution: no NUL, which a process environment cannot hold. Line breaks are
    /// valid (a PEM key). The value is not repeated in the message.
    /// </summary>
    public static bool CheckEnvironmentValue(string value, string path, ConfigDiagnostics diagnostics)
    {
        if (value.Contains('\0', StringComparison.Ordinal))
        {
            diagnostics.Error(path, "The value contains a NUL character, which an environment variable cannot hold.");
            return false;
        }

        return true;
    }

    /// <summary><c>credentials</c>: <c>shared</c> or <c>perUser</c>.</summary>
    public static BackendCredentialMode? CheckCredentials(Located<string> value, ConfigDiagnostics diagnostics)
    {
        switch (value.Value)
        {
            case "shared":
                return BackendCredentialMode.Shared;
            case "perUser":
                return BackendCredentialMode.PerUser;
            default:
                diagnostics.Error(value.Path, $"Unknown credentials mode '{value.Value}'; expected shared or perUser.");
                return null;
        }
    }

    /// <summary><c>approval</c>: <c>self</c> or <c>admin</c>.</summary>
    public static ConnectionApproval? CheckApproval(Located<string> value, ConfigDiagnostics diagnostics)
    {
        switch (value.Value)
        {
            case "self":
                return ConnectionApproval.Self;
            case "admin":
                return ConnectionApproval.Admin;
            default:
                diagnostics.Error(value.Path, $"Unknown approval '{value.Value}'; expected self or admin.");
                return null;
        }
    }

    /// <summary>
    /// The <c>${user:NAME}</c> references of a value: well formed, and only where a user's own secret can go (a header
    /// or environment value of a per-user backend). <paramref name="allowed"/> says whether this value is such a place.
    /// </summary>
    public static bool CheckUserReferences(string value, string path, bool allowed, ConfigDiagnostics diagnostics)
    {
        if (!value.Contains(UserSecretReferences.Prefix, StringComparison.Ordinal))
        {
            return true;
        }

        if (UserSecretReferences.HasMalformedReference(value))
        {
            diagnostics.Error(path, "A user's secret is written ${user:NAME}: NAME a letter or underscore, then letters, digits or underscores (at most 64).");
            return false;
        }

        if (!allowed)
        {
            diagnostics.Error(path, "'${user:NAME}' is a secret each user enters for themselves: only header and env values of a backend with \"credentials\": \"perUser\" may reference one.");
            return false;
        }

        return true;
    }

    public static bool CheckEnvironmentKey(string key, string path, ConfigDiagnostics diagnostics)
    {
        if (IsEnvironmentKey(key))
        {
            return true;
        }

        diagnostics.Error(path, $"'{key}' is not a valid environment variable name.");
        return false;
    }

    public static bool IsEnvironmentKey(string key) =>
        key.Length > 0 && !key.Contains('=', StringComparison.Ordinal) && !key.Contains('\0', StringComparison.Ordinal)
        && !key.Any(char.IsWhiteSpace);

    /// <summary>A valid header name not already in <paramref name="seen"/> (names are case-insensitive).</summary>
    public static bool CheckHeaderName(string name, HashSet<string> seen, string path, ConfigDiagnostics diagnostics)
    {
        if (!IsHeaderName(name))
        {
            diagnostics.Error(path, $"'{name}' is not a valid HTTP header name.");
            return false;
        }

        if (!seen.Add(name))
        {
            diagnostics.Error(path, $"Header '{name}' is set more than once (header names are case-insensitive).");
            return false;
        }

        return true;
    }

    /// <summary>Parses the tags in order, dropping repeats.</summary>
    public static List<Tag> CheckTags(IEnumerable<Located<string>> items, ConfigDiagnostics diagnostics)
    {
        var tags = new List<Tag>();
        foreach (var item in items)
        {
            if (!Tag.TryParse(item.Value, out var tag, out var error))
            {
                diagnostics.Error(item.Path, error);
            }
            else if (!tags.Contains(tag))
            {
                tags.Add(tag);
            }
        }

        return tags;
    }

    public static HashSet<string> CheckDisabledTools(IEnumerable<Located<string>> items, ConfigDiagnostics diagnostics)
    {
        var tools = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in items)
        {
            if (string.IsNullOrWhiteSpace(item.Value))
            {
                diagnostics.Error(item.Path, "A tool name must not be empty.");
            }
            else
            {
                tools.Add(item.Value);
            }
        }

        return tools;
    }

    /// <summary>The tool name of a description override (the key); checked before its description.</summary>
    public static bool CheckOverriddenTool(string tool, string path, ConfigDiagnostics diagnostics)
    {
        if (string.IsNullOrWhiteSpace(tool) || !string.Equals(tool, tool.Trim(), StringComparison.Ordinal))
        {
            diagnostics.Error(path, "A tool name must not be empty or start or end with whitespace.");
            return false;
        }

        return true;
    }

    public static bool CheckDescriptionOverride(Located<string> description, ConfigDiagnostics diagnostics)
    {
        if (string.IsNullOrWhiteSpace(description.Value))
        {
            // An empty description would hide what the tool does from the model; use disabledTools.
            diagnostics.Error(description.Path, "A description override must not be blank; use 'disabledTools' to hide a tool.");
            return false;
        }

        return true;
    }

    // RFC 9110 token characters.
    private static bool IsHeaderName(string name) =>
        name.Length > 0 && name.All(c => char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c, StringComparison.Ordinal));
}
