namespace OneMcp.Infrastructure.Identity.Oidc;

/// <summary>
/// Whether the identity provider answered the last time the gateway asked for its metadata: the sign-in page says so
/// in one sentence while it does not, instead of sending people to a page that will not load.
/// </summary>
public sealed class IdentityProviderStatus
{
    private volatile string? _problem;

    /// <summary>Null while the provider answers (or before the first check), else why it does not, in one sentence.</summary>
    public string? Problem => _problem;

    public void Reachable() => _problem = null;

    public void Unreachable(string problem) => _problem = problem;
}
