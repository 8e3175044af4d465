using System.Buffers;
using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using OpenIddict.Validation;

namespace OneMcp.Infrastructure.Identity;

/// <summary>
/// Remembers access tokens that passed validation (including the store checks), so a client's stream of MCP requests
/// does not read the store on every one. An entry is fresh for <see cref="Lifetime"/>, then revalidated; it is kept
/// until the token itself expires, so that while the store cannot be reached a token already validated stays
/// accepted (<see cref="TryGetWhileStoreUnreachable"/>) until its own expiry. Any token or authorization change
/// (<see cref="OAuthStoreChanges"/>: a revocation, a redemption, a refresh replay, another replica's change as the
/// change feed reports it) drops every entry at once. Bounded; keyed by a hash of the token.
/// </summary>
public sealed class ValidatedTokenCache(OAuthStoreChanges changes, IOptionsMonitor<OpenIddictValidationOptions> validation)
{
    /// <summary>How long a validation is trusted while the store answers.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(10);
    private const int MaxEntries = 10_000;

    private readonly ConcurrentDictionary<TokenKey, Entry> _entries = new();

    /// <summary>The store version to pass to <see cref="Add"/>: read it before validating.</summary>
    public long Version => changes.Version;

    /// <summary>A validation still fresh (within <see cref="Lifetime"/>, no store change since): no need to ask the store.</summary>
    public bool TryGet(string authorization, out ClaimsPrincipal principal) => TryGet(authorization, fresh: true, out principal);

    /// <summary>
    /// The store cannot be reached: a token validated before, unexpired and with no store change since, is still
    /// accepted, however long ago it was validated. A token never validated here is not.
    /// </summary>
    public bool TryGetWhileStoreUnreachable(string authorization, out ClaimsPrincipal principal) => TryGet(authorization, fresh: false, out principal);

    public void Add(string authorization, ClaimsPrincipal principal, long version)
    {
        if (_entries.Count >= MaxEntries)
        {
            _entries.Clear();
        }

        var now = Now();
        var freshUntil = now + Lifetime;
        var expires = principal.GetExpirationDate() ?? freshUntil;
        _entries[Key(authorization)] = new Entry(principal, version, expires < freshUntil ? expires : freshUntil, expires);
    }

    private bool TryGet(string authorization, bool fresh, out ClaimsPrincipal principal)
    {
        principal = null!;
        var key = Key(authorization);
        if (!_entries.TryGetValue(key, out var entry))
        {
            return false;
        }

        var now = Now();
        if (entry.Version != changes.Version || now >= entry.Expires)
        {
            _entries.TryRemove(key, out _);
            return false;
        }

        if (fresh && now >= entry.FreshUntil)
        {
            // Kept: it serves while the store is unreachable; revalidation replaces it.
            return false;
        }

        principal = entry.Principal;
        return true;
    }

    // The validation's own clock, so a cached token expires exactly when validation would refuse it.
    private DateTimeOffset Now() => (validation.CurrentValue.TimeProvider ?? TimeProvider.System).GetUtcNow();

    /// <summary>The SHA-256 of the header's UTF-8 bytes, computed without allocating: this runs on every MCP request.</summary>
    private static TokenKey Key(string authorization)
    {
        const int StackLimit = 4096;
        var length = Encoding.UTF8.GetByteCount(authorization);
        byte[]? rented = null;
        Span<byte> utf8 = length <= StackLimit ? stackalloc byte[length] : (rented = ArrayPool<byte>.Shared.Rent(length));
        var written = 0;
        try
        {
            written = Encoding.UTF8.GetBytes(authorization, utf8);
            Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
            SHA256.HashData(utf8[..written], hash);
            return MemoryMarshal.Read<TokenKey>(hash);
        }
        finally
        {
            // The token's bytes do not outlive the hashing, on the stack or in the pool.
            utf8[..written].Clear();
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>A token's hash as a value: equal hashes, equal keys.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private readonly record struct TokenKey(ulong A, ulong B, ulong C, ulong D);

    private sealed record Entry(ClaimsPrincipal Principal, long Version, DateTimeOffset FreshUntil, DateTimeOffset Expires);
}
