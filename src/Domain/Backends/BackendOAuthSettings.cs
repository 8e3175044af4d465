namespace OneMcp.Domain.Backends;

/// <summary>The gateway's own OAuth client settings toward a backend that requires authorization.</summary>
public sealed record BackendOAuthSettings(string? ClientId, string? ClientSecret, IReadOnlyList<string> Scopes, Uri? RedirectUrl)
{
    public bool Equals(BackendOAuthSettings? other) =>
        other is not null
        && string.Equals(ClientId, other.ClientId, StringComparison.Ordinal)
        && string.Equals(ClientSecret, other.ClientSecret, StringComparison.Ordinal)
        && Scopes.SequenceEqual(other.Scopes, StringComparer.Ordinal)
        && BackendSettings.SameUri(RedirectUrl, other.RedirectUrl);

    public override int GetHashCode() => HashCode.Combine(ClientId, RedirectUrl, Scopes.Count);

    // The secret must never reach a log through a record's generated ToString.
    public override string ToString() => $"BackendOAuthSettings {{ ClientId = {ClientId}, Scopes = [{string.Join(' ', Scopes)}] }}";
}
