using System.Text.Json.Serialization;
using OneMcp.Domain.Backends;

namespace OneMcp.Application.Connections;

/// <summary>A secret a backend references (<c>${user:NAME}</c>): set by the user on <see cref="SetAt"/>, or not yet (null). Never its value.</summary>
public sealed record ConnectionSecretView(string Name, DateTimeOffset? SetAt);

/// <summary>
/// One per-user backend as the signed-in user sees it in "My connections": what it needs (the secrets it references,
/// an OAuth account for HTTP and SSE) and what they have given it. Never a value.
/// </summary>
/// <remarks>JSON names as docs/dashboard-api.md and the dashboard spell them (<c>oauth</c>, not the camel case of <c>OAuth</c>).</remarks>
/// <param name="Backend">The backend's name.</param>
/// <param name="Transport"><c>stdio</c>, <c>http</c> or <c>sse</c>, as the backend list says it.</param>
/// <param name="OAuth">The backend takes an account at the backend (HTTP and SSE): "Connect account" applies.</param>
/// <param name="OAuthRequired">
/// Calls need the user's tokens: an HTTP backend with OAuth settings, or one that references no secret (its
/// credentials can only be an account). One that takes secrets only may still be given an account.
/// </param>
/// <param name="OAuthStatus"><c>connected</c> (tokens in use), <c>awaitingApproval</c> (an administrator must approve them) or null.</param>
/// <param name="Secrets">Every secret the backend references, in order of first use.</param>
/// <param name="OAuthConnectedAt">When the user's tokens were obtained; null without tokens.</param>
/// <param name="Connected">Every secret is set and, when <paramref name="OAuthRequired"/>, the tokens are in use: calls run as the user.</param>
/// <param name="UpdatedAt">When the user last changed the connection; null when nothing is stored.</param>
public sealed record MyConnectionView(
    string Backend,
    string Transport,
    IReadOnlyList<ConnectionSecretView> Secrets,
    [property: JsonPropertyName("oauth")] bool OAuth,
    [property: JsonPropertyName("oauthRequired")] bool OAuthRequired,
    [property: JsonPropertyName("oauthStatus")] string? OAuthStatus,
    [property: JsonPropertyName("oauthConnectedAt")] DateTimeOffset? OAuthConnectedAt,
    bool Connected,
    DateTimeOffset? UpdatedAt)
{
    public const string OAuthConnected = "connected";
    public const string OAuthAwaitingApproval = "awaitingApproval";

    public static MyConnectionView From(BackendSettings settings, UserConnectionSummary? stored)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var names = UserSecretReferences.In(settings);

        // A secret set while the backend pointed elsewhere is not sent here: to this user it is not set.
        var destination = UserSecretReferences.DestinationOf(settings);
        var secrets = names
            .Select(n => new ConnectionSecretView(n, stored?.Secrets.FirstOrDefault(s => string.Equals(s.Name, n, StringComparison.Ordinal) && s.GoesTo(destination))?.SetAt))
            .ToList();
        var http = settings as HttpBackendSettings;
        var oauthRequired = http is not null && (http.OAuth is not null || names.Count == 0);
        var status = StatusOf(stored);
        return new MyConnectionView(
            settings.Name.Value,
            TransportOf(settings.Transport),
            secrets,
            http is not null,
            oauthRequired,
            status,
            stored?.OAuthConnectedAt,
            secrets.All(s => s.SetAt is not null) && (!oauthRequired || status == OAuthConnected),
            stored?.UpdatedAt);
    }

    internal static string? StatusOf(UserConnectionSummary? stored) => stored switch
    {
        { AwaitingApproval: true } => OAuthAwaitingApproval,
        { HasOAuthTokens: true } => OAuthConnected,
        _ => null,
    };

    internal static string TransportOf(BackendTransport transport) => transport switch
    {
        BackendTransport.Stdio => "stdio",
        BackendTransport.Sse => "sse",
        _ => "http",
    };
}

/// <summary>
/// One user's connection to one per-user backend as an administrator sees it: who (by user name; <c>local</c>
/// without authentication), which secrets they set and when, whether they hold OAuth tokens. Never a value.
/// </summary>
/// <param name="Backend">The backend's name.</param>
/// <param name="User">The user's name; <c>local</c> without authentication; the owner key when the user is gone.</param>
/// <param name="Secrets">The secrets the user set and when (names only).</param>
/// <param name="OAuthStatus">As in <see cref="MyConnectionView.OAuthStatus"/>.</param>
/// <param name="OAuthConnectedAt">When the user's tokens were obtained; null without tokens.</param>
/// <param name="CreatedAt">When the user first stored something for this backend.</param>
/// <param name="UpdatedAt">When they last changed it.</param>
public sealed record ConnectionView(
    string Backend,
    string User,
    IReadOnlyList<ConnectionSecretView> Secrets,
    [property: JsonPropertyName("oauthStatus")] string? OAuthStatus,
    [property: JsonPropertyName("oauthConnectedAt")] DateTimeOffset? OAuthConnectedAt,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    public static ConnectionView From(UserConnectionSummary stored, string user)
    {
        ArgumentNullException.ThrowIfNull(stored);
        return new ConnectionView(
            stored.Backend.Value,
            user,
            [.. stored.Secrets.Select(s => new ConnectionSecretView(s.Name, s.SetAt))],
            MyConnectionView.StatusOf(stored),
            stored.OAuthConnectedAt,
            stored.CreatedAt,
            stored.UpdatedAt);
    }
}
