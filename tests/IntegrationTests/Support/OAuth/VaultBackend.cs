using Microsoft.AspNetCore.DataProtection;
using OneMcp.Domain.Backends;
using OneMcp.Infrastructure.Backends.OAuth;
using OneMcp.Infrastructure.Persistence.Repositories;
using OneMcp.IntegrationTests.Persistence;

namespace OneMcp.IntegrationTests.Support.OAuth;

/// <summary>
/// The per-user HTTP backend "vault" of the token source's tests: its stored definition, its client registration and
/// token sets that are expired or valid at a test's time.
/// </summary>
internal static class VaultBackend
{
    public static readonly ServerName Name = ServerName.From("vault");

    public static readonly BackendOAuthClientRegistration Client = new(
        "https://vault.example.com", new Uri("https://vault.example.com/authorize"), new Uri("https://vault.example.com/token"),
        new Uri("https://gateway.example.com/oauth/callback/vault"), "client-1", null, "https://vault.example.com/mcp", Registered: true);

    /// <summary>Stores the backend (per-user, so a user's own tokens can be stored as well as its shared ones).</summary>
    public static Task RegisterAsync(TestDatabase db, IDataProtectionProvider keys, TimeProvider time) =>
        new BackendServiceRepository(db.Factory, keys).AddAsync(
            BackendService.Register(
                new StreamableHttpBackendSettings { Name = Name, Url = new Uri("https://vault.example.com/mcp"), Credentials = BackendCredentialMode.PerUser },
                BackendOrigin.Api,
                time.GetUtcNow()),
            CancellationToken.None);

    public static BackendTokenSet Expired(TimeProvider time, string access, string refresh) =>
        new(access, refresh, time.GetUtcNow().AddHours(-2), time.GetUtcNow().AddHours(-1), ["mcp:read"], Client);

    public static BackendTokenSet Valid(TimeProvider time, string access, string refresh) =>
        new(access, refresh, time.GetUtcNow(), time.GetUtcNow().AddHours(1), ["mcp:read"], Client);
}
