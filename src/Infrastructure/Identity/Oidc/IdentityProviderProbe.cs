using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OneMcp.Infrastructure.Settings;

namespace OneMcp.Infrastructure.Identity.Oidc;

/// <summary>
/// Reads the identity provider's metadata at start-up. A provider that answers with something that cannot work (no
/// metadata there, another issuer, no authorization code flow) is a misconfiguration: the start stops with one line. A
/// provider that does not answer is not: the gateway starts, the sign-in page says the provider cannot be reached, and
/// the metadata is asked for again in the background until it answers.
/// </summary>
internal sealed partial class IdentityProviderProbe(
    OidcOptions oidc, IdentityProviderStatus status, IHttpClientFactory clients, TimeProvider time, ILogger<IdentityProviderProbe> logger)
    : IHostedService, IDisposable
{
    public const string HttpClientName = "onemcp-oidc-probe";
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(15);

    private readonly CancellationTokenSource _stopping = new();
    private Task? _retrying;

    private Uri MetadataUri => new(IdentityProviderSignIn.IssuerText(oidc.Issuer) + "/.well-known/openid-configuration");

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var unreachable = await CheckAsync(cancellationToken);
        if (unreachable is null)
        {
            return;
        }

        status.Unreachable(unreachable);
        LogUnreachable(logger, MetadataUri, unreachable);
        _retrying = RetryAsync(_stopping.Token);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        if (_retrying is not null)
        {
            await _retrying.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    public void Dispose() => _stopping.Dispose();

    private async Task RetryAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(RetryInterval, time, cancellationToken);
                if (await CheckAsync(cancellationToken) is { } problem)
                {
                    status.Unreachable(problem);
                    continue;
                }

                status.Reachable();
                LogReachable(logger, MetadataUri);
                return;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (InvalidOperationException e)
            {
                // It answers now, wrongly: sign-in keeps failing with this reason until the settings are fixed.
                status.Unreachable(e.Message);
                LogMisconfigured(logger, e.Message);
                return;
            }
        }
    }

    /// <summary>Null when the metadata is usable; the reason when the provider does not answer; throws when it answers wrongly.</summary>
    private async Task<string?> CheckAsync(CancellationToken cancellationToken)
    {
        using var http = clients.CreateClient(HttpClientName);
        HttpResponseMessage response;
        try
        {
            response = await http.GetAsync(MetadataUri, cancellationToken);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return $"{oidc.DisplayName} cannot be reached ({Reason(e)}).";
        }

        using (response)
        {
            if (response.StatusCode >= HttpStatusCode.InternalServerError || response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                return $"{oidc.DisplayName} is not answering (HTTP {(int)response.StatusCode}).";
            }

            if (!response.IsSuccessStatusCode)
            {
                throw Misconfigured($"it has no OpenID Connect metadata at {MetadataUri} (HTTP {(int)response.StatusCode})");
            }

            JsonElement metadata;
            try
            {
                await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
                metadata = (await JsonDocument.ParseAsync(body, cancellationToken: cancellationToken)).RootElement;
            }
            catch (JsonException)
            {
                throw Misconfigured($"{MetadataUri} is not OpenID Connect metadata (not JSON)");
            }

            // Compared as OpenIddict's client compares them at every sign-in (as URIs: "https://idp" and "https://idp/"
            // are one, "https://idp/realm" and "https://idp/realm/" are not), so that a mismatch stops the start here
            // instead of failing every sign-in as "cannot be reached".
            var issuer = Text(metadata, "issuer");
            if (issuer is null || !Uri.TryCreate(issuer, UriKind.Absolute, out var named) || named != oidc.Issuer)
            {
                var hint = issuer is not null && issuer.TrimEnd('/') == IdentityProviderSignIn.IssuerText(oidc.Issuer)
                    ? $" (they must match exactly: --oidc-issuer {issuer})"
                    : string.Empty;
                throw Misconfigured($"its metadata names the issuer '{issuer}', not '{oidc.Issuer}'{hint}");
            }

            if (Text(metadata, "authorization_endpoint") is null || Text(metadata, "token_endpoint") is null)
            {
                throw Misconfigured("its metadata has no authorization or token endpoint");
            }

            if (metadata.TryGetProperty("response_types_supported", out var types) && types.ValueKind == JsonValueKind.Array
                && !types.EnumerateArray().Any(t => t.ValueKind == JsonValueKind.String && t.GetString() == "code"))
            {
                throw Misconfigured("it does not offer the authorization code flow (response type 'code')");
            }

            return null;
        }
    }

    private InvalidOperationException Misconfigured(string why) =>
        new($"--oidc-issuer {oidc.Issuer} cannot be used: {why}.");

    private static string? Text(JsonElement metadata, string name) =>
        metadata.ValueKind == JsonValueKind.Object && metadata.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    private static string Reason(Exception e) => e switch
    {
        TaskCanceledException => $"no answer within {RequestTimeout.TotalSeconds:0} s",
        HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError } => "connection refused",
        HttpRequestException { HttpRequestError: HttpRequestError.NameResolutionError } => "unknown host",
        HttpRequestException { HttpRequestError: HttpRequestError.SecureConnectionError } => "TLS failed",
        _ => "network error",
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "The identity provider's metadata at {MetadataUri} cannot be read: {Problem} Sign-in with it is unavailable until it answers; asking again in the background.")]
    private static partial void LogUnreachable(ILogger logger, Uri metadataUri, string problem);

    [LoggerMessage(Level = LogLevel.Information, Message = "The identity provider answers again ({MetadataUri}): sign-in with it is available.")]
    private static partial void LogReachable(ILogger logger, Uri metadataUri);

    [LoggerMessage(Level = LogLevel.Error, Message = "The identity provider answered, but cannot be used: {Problem}")]
    private static partial void LogMisconfigured(ILogger logger, string problem);
}
