using System.Text.RegularExpressions;

namespace OneMcp.Domain.Backends;

/// <summary>
/// <c>${user:NAME}</c> in a header or environment value: a secret each user enters for themselves (per-user
/// backends only). NAME is a letter or underscore, then letters, digits or underscores. The references stay in the
/// definition as written; <see cref="Resolve"/> puts one user's values in, for that user's connection only.
/// </summary>
public static partial class UserSecretReferences
{
    public const string Prefix = "${user:";

    /// <summary>Every secret name the backend's headers and environment reference, in order of first use.</summary>
    public static IReadOnlyList<string> In(BackendSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var names = new List<string>();
        foreach (var value in ValuesOf(settings))
        {
            foreach (Match match in Reference().Matches(value))
            {
                var name = match.Groups[1].Value;
                if (!names.Contains(name, StringComparer.Ordinal))
                {
                    names.Add(name);
                }
            }
        }

        return names;
    }

    /// <summary>
    /// Where the backend's secrets go: the origin (scheme, host and port) of an HTTP backend's URL, as in
    /// <c>https://api.example.com</c>; null for a stdio backend, whose values stay on the gateway's host. A user's secret
    /// goes only to the origin it was set for: an edit that points the backend elsewhere needs the user to set it again.
    /// </summary>
    public static string? DestinationOf(BackendSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return settings is HttpBackendSettings { Url.IsAbsoluteUri: true } http ? http.Url.GetLeftPart(UriPartial.Authority) : null;
    }

    /// <summary>
    /// Whether a secret set for <paramref name="setFor"/> may go to <paramref name="destination"/> (both from
    /// <see cref="DestinationOf"/>): the same origin, or a secret stored before its origin was recorded (null).
    /// </summary>
    public static bool MayGo(string? setFor, string? destination) =>
        setFor is null || string.Equals(setFor, destination, StringComparison.OrdinalIgnoreCase);

    /// <summary>True when <paramref name="value"/> has a <c>${user:</c> that is not a well-formed reference.</summary>
    public static bool HasMalformedReference(string value) =>
        value.Contains(Prefix, StringComparison.Ordinal) && Reference().Replace(value, string.Empty).Contains(Prefix, StringComparison.Ordinal);

    public static bool IsValidName(string? name) => name is { Length: > 0 and <= 64 } && NameOnly().IsMatch(name);

    /// <summary>
    /// The settings one user's connection runs with: each reference replaced by that user's value.
    /// </summary>
    /// <exception cref="KeyNotFoundException">A referenced secret has no value in <paramref name="secrets"/>.</exception>
    public static BackendSettings Resolve(BackendSettings settings, IReadOnlyDictionary<string, string> secrets)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(secrets);
        return settings switch
        {
            HttpBackendSettings http => http with { Headers = Substitute(http.Headers, secrets, StringComparer.OrdinalIgnoreCase) },
            StdioBackendSettings stdio => stdio with { Environment = Substitute(stdio.Environment, secrets, StringComparer.Ordinal) },
            _ => settings,
        };
    }

    private static Dictionary<string, string> Substitute(IReadOnlyDictionary<string, string> values, IReadOnlyDictionary<string, string> secrets, StringComparer comparer)
    {
        var resolved = new Dictionary<string, string>(comparer);
        foreach (var (key, value) in values)
        {
            resolved[key] = Reference().Replace(value, m => secrets.TryGetValue(m.Groups[1].Value, out var secret)
                ? secret
                : throw new KeyNotFoundException($"No value for the secret '{m.Groups[1].Value}'."));
        }

        return resolved;
    }

    private static IEnumerable<string> ValuesOf(BackendSettings settings) => settings switch
    {
        HttpBackendSettings http => http.Headers.Values,
        StdioBackendSettings stdio => stdio.Environment.Values,
        _ => [],
    };

    [GeneratedRegex(@"\$\{user:([A-Za-z_][A-Za-z0-9_]{0,63})\}", RegexOptions.CultureInvariant)]
    private static partial Regex Reference();

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_]*$", RegexOptions.CultureInvariant)]
    private static partial Regex NameOnly();
}
