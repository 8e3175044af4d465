using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace OneMcp.Api.Auth;

/// <summary>
/// RFC 7591 dynamic client registration, which MCP clients use to register themselves. Redirect URIs must
/// be https or loopback (RFC 8252; a loopback URI then matches on any port); PKCE is always required.
/// </summary>
internal static class RegistrationEndpoint
{
    public const string Path = "/register";
    public const int MaxBodyBytes = 16 * 1024;
    public const int MaxRedirectUris = 10;
    public const int MaxClientNameLength = 200;

    public static void MapRegistration(this IEndpointRouteBuilder endpoints) => endpoints.MapPost(Path, HandleAsync).DisableAntiforgery();

    private static async Task<IResult> HandleAsync(HttpContext context, IOpenIddictApplicationManager applications, TimeProvider time)
    {
        if (context.Request.ContentLength is > MaxBodyBytes)
        {
            return Error("invalid_client_metadata", $"The client metadata is larger than {MaxBodyBytes} bytes.", StatusCodes.Status413PayloadTooLarge);
        }

        JsonObject metadata;
        try
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(new LimitedStream(body, MaxBodyBytes), context.RequestAborted);
            metadata = JsonNode.Parse(body.ToArray()) as JsonObject
                ?? throw new JsonException("The client metadata must be a JSON object.");
        }
        catch (LimitExceededException)
        {
            return Error("invalid_client_metadata", $"The client metadata is larger than {MaxBodyBytes} bytes.", StatusCodes.Status413PayloadTooLarge);
        }
        catch (JsonException e)
        {
            return Error("invalid_client_metadata", $"The body is not valid JSON client metadata: {e.Message}");
        }

        if (Validate(metadata) is { } problem)
        {
            return problem;
        }

        var redirectUris = metadata["redirect_uris"]!.AsArray().Select(n => n!.GetValue<string>()).Distinct(StringComparer.Ordinal).ToArray();
        var grantTypes = Strings(metadata, "grant_types") ?? [GrantTypes.AuthorizationCode];
        var authMethod = (string?)metadata["token_endpoint_auth_method"] ?? ClientAuthenticationMethods.ClientSecretBasic;
        var clientName = ((string?)metadata["client_name"])?.Trim();
        var isPublic = authMethod == ClientAuthenticationMethods.None;

        var descriptor = new OpenIddictApplicationDescriptor
        {
            ClientId = RandomToken(16),
            ClientType = isPublic ? ClientTypes.Public : ClientTypes.Confidential,
            ApplicationType = isPublic ? ApplicationTypes.Native : ApplicationTypes.Web,
            DisplayName = string.IsNullOrEmpty(clientName) ? "Unnamed application" : clientName,
        };
        string? secret = null;
        if (!isPublic)
        {
            secret = RandomToken(32);
            descriptor.ClientSecret = secret;
        }

        foreach (var uri in redirectUris)
        {
            descriptor.RedirectUris.Add(new Uri(uri));
        }

        descriptor.Permissions.UnionWith([
            Permissions.Endpoints.Authorization, Permissions.Endpoints.Token, Permissions.Endpoints.Revocation,
            Permissions.GrantTypes.AuthorizationCode, Permissions.ResponseTypes.Code]);
        if (grantTypes.Contains(GrantTypes.RefreshToken))
        {
            descriptor.Permissions.Add(Permissions.GrantTypes.RefreshToken);
        }

        descriptor.Requirements.Add(Requirements.Features.ProofKeyForCodeExchange);
        await applications.CreateAsync(descriptor, context.RequestAborted);

        var response = new JsonObject
        {
            ["client_id"] = descriptor.ClientId,
            ["client_id_issued_at"] = time.GetUtcNow().ToUnixTimeSeconds(),
            ["client_name"] = descriptor.DisplayName,
            ["redirect_uris"] = new JsonArray([.. redirectUris.Select(u => (JsonNode)u)]),
            ["grant_types"] = new JsonArray([.. grantTypes.Select(g => (JsonNode)g)]),
            ["response_types"] = new JsonArray("code"),
            ["token_endpoint_auth_method"] = authMethod,
        };
        if (secret is not null)
        {
            response["client_secret"] = secret;
            response["client_secret_expires_at"] = 0;
        }

        context.Response.Headers.CacheControl = "no-store";
        return Results.Text(response.ToJsonString(), "application/json", statusCode: StatusCodes.Status201Created);
    }

    private static IResult? Validate(JsonObject metadata)
    {
        if (metadata["redirect_uris"] is not JsonArray uris || uris.Count == 0)
        {
            return Error("invalid_redirect_uri", "redirect_uris is required: a list of https or loopback URIs.");
        }

        if (uris.Count > MaxRedirectUris)
        {
            return Error("invalid_redirect_uri", $"At most {MaxRedirectUris} redirect URIs may be registered.");
        }

        foreach (var node in uris)
        {
            var text = node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
            if (RedirectUriProblem(text) is { } reason)
            {
                return Error("invalid_redirect_uri", reason);
            }
        }

        var grants = Strings(metadata, "grant_types");
        if (metadata.ContainsKey("grant_types") && grants is null)
        {
            return Error("invalid_client_metadata", "grant_types must be a list of strings.");
        }

        if (grants?.FirstOrDefault(g => g is not (GrantTypes.AuthorizationCode or GrantTypes.RefreshToken)) is { } grant)
        {
            return Error("invalid_client_metadata", $"The grant type '{grant}' is not supported; use authorization_code and refresh_token.");
        }

        if (grants is not null && !grants.Contains(GrantTypes.AuthorizationCode))
        {
            return Error("invalid_client_metadata", "grant_types must include authorization_code.");
        }

        var responses = Strings(metadata, "response_types");
        if ((metadata.ContainsKey("response_types") && responses is null) || responses?.Any(r => r != ResponseTypes.Code) == true)
        {
            return Error("invalid_client_metadata", "Only the response type 'code' is supported.");
        }

        if (metadata["token_endpoint_auth_method"] is { } method
            && (method is not JsonValue mv || !mv.TryGetValue<string>(out var m)
                || m is not (ClientAuthenticationMethods.None or ClientAuthenticationMethods.ClientSecretBasic or ClientAuthenticationMethods.ClientSecretPost)))
        {
            return Error("invalid_client_metadata", "token_endpoint_auth_method must be none, client_secret_basic or client_secret_post.");
        }

        if (metadata["client_name"] is { } name
            && (name is not JsonValue nv || !nv.TryGetValue<string>(out var n) || n.Length > MaxClientNameLength || n.Any(char.IsControl)))
        {
            return Error("invalid_client_metadata", $"client_name must be text of at most {MaxClientNameLength} characters.");
        }

        return null;
    }

    /// <summary>Why a redirect URI cannot be registered, or null when it can.</summary>
    internal static string? RedirectUriProblem(string? text)
    {
        if (string.IsNullOrEmpty(text) || text.Length > 2000 || !Uri.TryCreate(text, UriKind.Absolute, out var uri))
        {
            return $"'{Shorten(text)}' is not an absolute URI.";
        }

        if (!string.IsNullOrEmpty(uri.Fragment))
        {
            return $"'{Shorten(text)}' has a fragment, which redirect URIs may not have.";
        }

        if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            return $"'{Shorten(text)}' carries user information, which redirect URIs may not have.";
        }

        if (uri.Scheme == Uri.UriSchemeHttps || (uri.Scheme == Uri.UriSchemeHttp && IsLoopback(uri)))
        {
            return null;
        }

        return $"'{Shorten(text)}' is neither https nor an http loopback URI (127.0.0.1, [::1] or localhost).";
    }

    internal static bool IsLoopback(Uri uri) =>
        uri.IsLoopback && (string.Equals(uri.Host, "localhost", StringComparison.OrdinalIgnoreCase) || IPAddress.TryParse(uri.Host.Trim('[', ']'), out _));

    private static string[]? Strings(JsonObject metadata, string name)
    {
        if (metadata[name] is not JsonArray array)
        {
            return null;
        }

        var values = new List<string>();
        foreach (var node in array)
        {
            if (node is not JsonValue value || !value.TryGetValue<string>(out var text))
            {
                return null;
            }

            values.Add(text);
        }

        return [.. values.Distinct(StringComparer.Ordinal)];
    }

    private static string Shorten(string? text) => text is null ? string.Empty : text.Length <= 100 ? text : text[..100] + "...";

    private static string RandomToken(int bytes) => Base64UrlEncode(RandomNumberGenerator.GetBytes(bytes));

    private static string Base64UrlEncode(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static IResult Error(string error, string description, int status = StatusCodes.Status400BadRequest) =>
        Results.Json(new Dictionary<string, string> { ["error"] = error, ["error_description"] = description }, statusCode: status);

    private sealed class LimitExceededException : Exception;

    // Copies into the buffer and stops as soon as the body is larger than allowed (no Content-Length needed).
    private sealed class LimitedStream(Stream inner, int limit) : Stream
    {
        private long _written;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => _written;

        public override long Position { get => _written; set => throw new NotSupportedException(); }

        public override void Flush() => inner.Flush();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count)
        {
            _written += count;
            if (_written > limit)
            {
                throw new LimitExceededException();
            }

            inner.Write(buffer, offset, count);
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            _written += buffer.Length;
            return _written > limit ? throw new LimitExceededException() : inner.WriteAsync(buffer, cancellationToken);
        }
    }
}
