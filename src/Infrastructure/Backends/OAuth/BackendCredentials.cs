namespace OneMcp.Infrastructure.Backends.OAuth;

/// <summary>
/// Everything the gateway keeps about its OAuth relationship with one backend, stored as one encrypted blob
/// (<see cref="BackendCredentialStore"/>): the client it is registered as, the tokens in use, and a flow in progress.
/// </summary>
public sealed record BackendCredentials
{
    public BackendOAuthClientRegistration? Client { get; init; }

    public BackendTokenSet? Tokens { get; init; }

    public PendingBackendFlow? Pending { get; init; }

    public bool IsEmpty => Client is null && Tokens is null && Pending is null;
}
