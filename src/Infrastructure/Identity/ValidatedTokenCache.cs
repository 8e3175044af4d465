using System.Collections.Concurrent;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using OpenIddict.Validation;

namespace OneMcp.Infrastructure.Identity;

/// <summary>
/// Remembers access tokens that passed validation (including the store checks) for a few seconds, so a
/// client's stream of MCP requests does not read the store on every one. Any token or authorization
/// change in this process (a revocation, a redemption, a refresh replay) empties it at once; another
/// gateway's revocation is seen here within <see cref="Lifetime"/>. Bounded; keyed by a hash of the token.
/// </summary>
public sealed class ValidatedTokenCache(OAuthStoreChanges changes, IOptionsMonitor<OpenIddictValidationOptions> validation)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(10);
    private const int MaxEntries = 10_000;

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    /// <summary>The store version to pass to <see cref="Add"/>: read it before validating.</summary>
    public long Version => changes.Version;

    public bool TryGet(string authorization, out ClaimsPrincipal principal)
    {
        principal = null!;
        if (!_entries.TryGetValue(Key(authorization), out var entry))
        {
            return false;
        }

        if (entry.Version != changes.Version || Now() >= entry.NotAfter)
        {
            _entries.TryRemove(Key(authorization), out _);
            return false;
        }

        principal = entry.Principal;
        return true;
    }

    public void Add(string authorization, ClaimsPrincipal principal, long version)
    {
        if (_entries.Count >= MaxEntries)
        {
            _entries.Clear();
        }

        var notAfter = Now() + Lifetime;
        if (principal.GetExpirationDate() is { } expires && expires < notAfter)
        {
            notAfter = expires;
        }

        _entries[Key(authorization)] = new Entry(principal, version, notAfter);
    }

    // The validation's own clock, so a cached token expires exactly when validation would refuse it.
    private DateTimeOffset Now() => (validation.CurrentValue.TimeProvider ?? TimeProvider.System).GetUtcNow();

    private static string Key(string authorization) => Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(authorization)));

    private sealed record Entry(ClaimsPrincipal Principal, long Version, DateTimeOffset NotAfter);
}
