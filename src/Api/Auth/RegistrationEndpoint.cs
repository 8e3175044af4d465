using System.Text.Json;
using System.Text.Json.Nodes;
using FluentValidation;
using MediatR;
using OneMcp.Application.Authorization.Commands;
using OneMcp.Infrastructure.Identity;

namespace OneMcp.Api.Auth;

/// <summary>
/// RFC 7591 dynamic client registration, which MCP clients use to register themselves: reads the client metadata
/// (a bounded JSON body) into a <see cref="ClientRegistrationRequest"/> (<see cref="ClientMetadataJson"/>), whose rules
/// and registration live in Application, and answers with the registered client or the RFC 7591 error.
/// </summary>
internal static class RegistrationEndpoint
{
    public const int MaxBodyBytes = 16 * 1024;

    public static void MapRegistration(this IEndpointRouteBuilder endpoints) => endpoints.MapPost(GatewayAuthPaths.Register, HandleAsync).DisableAntiforgery();

    private static async Task<IResult> HandleAsync(HttpContext context, IMediator mediator)
    {
        var body = context.Request.ContentLength is > MaxBodyBytes ? null : await ReadBoundedAsync(context.Request.Body, context.RequestAborted);
        if (body is null)
        {
            return Error(ClientMetadata.InvalidClientMetadata, $"The client metadata is larger than {MaxBodyBytes} bytes.", StatusCodes.Status413PayloadTooLarge);
        }

        ClientRegistrationResponse client;
        try
        {
            var metadata = JsonNode.Parse(body) as JsonObject ?? throw new JsonException("The client metadata must be a JSON object.");
            client = await mediator.Send(ClientMetadataJson.Read(metadata), context.RequestAborted);
        }
        catch (JsonException e)
        {
            return Error(ClientMetadata.InvalidClientMetadata, $"The body is not valid JSON client metadata: {e.Message}");
        }
        catch (ValidationException e)
        {
            // The first rule broken is the answer, as RFC 7591 has one error per response.
            var failure = e.Errors.First();
            return Error(failure.ErrorCode, failure.ErrorMessage);
        }

        context.Response.Headers.CacheControl = "no-store";
        return Results.Text(ClientMetadataJson.Write(client).ToJsonString(), "application/json", statusCode: StatusCodes.Status201Created);
    }

    // The body, or null as soon as it is larger than allowed (no Content-Length needed).
    private static async Task<byte[]?> ReadBoundedAsync(Stream body, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[4096];
        int read;
        while ((read = await body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    private static IResult Error(string error, string description, int status = StatusCodes.Status400BadRequest) =>
        Results.Json(new Dictionary<string, string> { ["error"] = error, ["error_description"] = description }, statusCode: status);
}
