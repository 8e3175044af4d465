using System.Text.Json;
using System.Text.Json.Nodes;
using FluentValidation;
using MediatR;
using OneMcp.Application.Authorization.Commands;

namespace OneMcp.Api.Auth;

/// <summary>
/// RFC 7591 dynamic client registration, which MCP clients use to register themselves: reads the client metadata
/// (a bounded JSON body) into a <see cref="ClientRegistrationRequest"/>, whose rules and registration live in
/// Application, and answers with the registered client or the RFC 7591 error.
/// </summary>
internal static class RegistrationEndpoint
{
    public const string Path = "/register";
    public const int MaxBodyBytes = 16 * 1024;

    public static void MapRegistration(this IEndpointRouteBuilder endpoints) => endpoints.MapPost(Path, HandleAsync).DisableAntiforgery();

    private static async Task<IResult> HandleAsync(HttpContext context, IMediator mediator)
    {
        if (context.Request.ContentLength is > MaxBodyBytes)
        {
            return Error(ClientMetadata.InvalidClientMetadata, $"The client metadata is larger than {MaxBodyBytes} bytes.", StatusCodes.Status413PayloadTooLarge);
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
            return Error(ClientMetadata.InvalidClientMetadata, $"The client metadata is larger than {MaxBodyBytes} bytes.", StatusCodes.Status413PayloadTooLarge);
        }
        catch (JsonException e)
        {
            return Error(ClientMetadata.InvalidClientMetadata, $"The body is not valid JSON client metadata: {e.Message}");
        }

        ClientRegistrationResponse client;
        try
        {
            client = await mediator.Send(Read(metadata), context.RequestAborted);
        }
        catch (ValidationException e)
        {
            // The first rule broken is the answer, as RFC 7591 has one error per response.
            var failure = e.Errors.First();
            return Error(failure.ErrorCode, failure.ErrorMessage);
        }

        var response = new JsonObject
        {
            ["client_id"] = client.ClientId,
            ["client_id_issued_at"] = client.IssuedAt.ToUnixTimeSeconds(),
            ["client_name"] = client.ClientName,
            ["redirect_uris"] = new JsonArray([.. client.RedirectUris.Select(u => (JsonNode)u)]),
            ["grant_types"] = new JsonArray([.. client.GrantTypes.Select(g => (JsonNode)g)]),
            ["response_types"] = new JsonArray("code"),
            ["token_endpoint_auth_method"] = client.TokenEndpointAuthMethod,
            ["application_type"] = client.ApplicationType,
        };
        if (client.ClientSecret is { } secret)
        {
            response["client_secret"] = secret;
            response["client_secret_expires_at"] = 0;
        }

        context.Response.Headers.CacheControl = "no-store";
        return Results.Text(response.ToJsonString(), "application/json", statusCode: StatusCodes.Status201Created);
    }

    /// <summary>The metadata as sent: a member of the wrong JSON type is marked malformed for the rules to refuse.</summary>
    private static ClientRegistrationRequest Read(JsonObject metadata)
    {
        var malformed = new HashSet<string>(StringComparer.Ordinal);
        var redirectUris = metadata[ClientMetadata.RedirectUris] is JsonArray uris ? uris.Select(Text).ToList() : null;
        return new ClientRegistrationRequest(
            redirectUris,
            Strings(metadata, ClientMetadata.GrantTypes, malformed),
            Strings(metadata, ClientMetadata.ResponseTypes, malformed),
            Text(metadata, ClientMetadata.TokenEndpointAuthMethod, malformed),
            Text(metadata, ClientMetadata.ClientName, malformed),
            malformed,
            Text(metadata, ClientMetadata.ApplicationType, malformed));
    }

    // A list of text without repeats; null when absent or (marked malformed) when it is not a list of text.
    private static string[]? Strings(JsonObject metadata, string name, HashSet<string> malformed)
    {
        if (metadata[name] is JsonArray array && array.Select(Text).ToList() is var values && values.All(v => v is not null))
        {
            return [.. values.Select(v => v!).Distinct(StringComparer.Ordinal)];
        }

        if (metadata.ContainsKey(name))
        {
            malformed.Add(name);
        }

        return null;
    }

    // Text; null when absent or JSON null, and (marked malformed) when it is something else.
    private static string? Text(JsonObject metadata, string name, HashSet<string> malformed)
    {
        var node = metadata[name];
        if (node is not null && Text(node) is null)
        {
            malformed.Add(name);
        }

        return node is null ? null : Text(node);
    }

    private static string? Text(JsonNode? node) => node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

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
