using System.Text.Json;
using FluentValidation;
using Microsoft.AspNetCore.Diagnostics;
using OneMcp.Application.Common.Exceptions;
using OneMcp.Domain.Common;
using OneMcp.Domain.Users;

namespace OneMcp.Api.Endpoints;

/// <summary>
/// The one mapping from control-plane exceptions to ProblemDetails (see docs/decisions/0006):
/// validation -> 400 with <c>errors</c> by field; a refused domain rule -> 400, or 409 when the resource's
/// state (not the input) forbids it, with the rule's <c>code</c>; duplicate name and stale version -> 409;
/// not found -> 404; unreadable body -> 400; oversized body -> 413; anything else -> 500 without details.
/// </summary>
internal sealed partial class ApiProblemDetailsHandler(IProblemDetailsService problems, ILogger<ApiProblemDetailsHandler> logger) : IExceptionHandler
{
    /// <summary>Domain codes that describe the resource's state rather than bad input.</summary>
    private static readonly HashSet<string> ConflictCodes = new(
        ["backend.read_only", "backend.not_config", "authorization_request.expired", "authorization_request.already_decided", "authorization_request.already_redeemed"],
        StringComparer.Ordinal);

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var (status, title, detail, extensions) = Map(exception);
        if (status == StatusCodes.Status500InternalServerError)
        {
            LogUnhandled(logger, httpContext.Request.Method, httpContext.Request.Path.Value ?? string.Empty, exception);
        }

        httpContext.Response.StatusCode = status;
        var problem = new Microsoft.AspNetCore.Mvc.ProblemDetails
        {
            Status = status,
            Title = title,
            Detail = detail,
            Instance = httpContext.Request.Path,
        };
        foreach (var (key, value) in extensions)
        {
            problem.Extensions[key] = value;
        }

        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = problem, Exception = exception });
    }

    internal static (int Status, string Title, string? Detail, IReadOnlyDictionary<string, object?> Extensions) Map(Exception exception) => exception switch
    {
        ValidationException v => (
            StatusCodes.Status400BadRequest,
            "The request is invalid.",
            "See 'errors' for each invalid field.",
            new Dictionary<string, object?>
            {
                ["errors"] = v.Errors
                    .GroupBy(e => e.PropertyName, StringComparer.Ordinal)
                    .ToDictionary(g => g.Key, g => g.Select(e => e.ErrorMessage).Distinct(StringComparer.Ordinal).ToArray(), StringComparer.Ordinal),
            }),
        DomainException d => (
            ConflictCodes.Contains(d.Code) ? StatusCodes.Status409Conflict : StatusCodes.Status400BadRequest,
            ConflictCodes.Contains(d.Code) ? "The operation conflicts with the resource's state." : "The request breaks a rule.",
            d.Message,
            new Dictionary<string, object?> { ["code"] = d.Code }),
        LastAdminException last => (
            StatusCodes.Status409Conflict,
            "The operation conflicts with the resource's state.",
            last.Message,
            new Dictionary<string, object?> { ["code"] = "user.last_admin" }),
        DuplicateNameException dup => (StatusCodes.Status409Conflict, "The name is taken.", dup.Message, new Dictionary<string, object?> { ["code"] = "duplicate_name" }),
        ConcurrencyConflictException c => (StatusCodes.Status409Conflict, "The resource was changed by someone else.", c.Message, new Dictionary<string, object?> { ["code"] = "version_conflict" }),
        NotFoundException n => (StatusCodes.Status404NotFound, "Not found.", n.Message, new Dictionary<string, object?>()),
        Application.Backends.OAuth.BackendOAuthException o => (
            StatusCodes.Status502BadGateway, "The backend's authorization server could not be used.", o.Message, new Dictionary<string, object?> { ["code"] = o.Code }),
        BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } => (
            StatusCodes.Status413PayloadTooLarge,
            "The request body is too large.",
            $"The API accepts bodies of at most {ApiRequestLimits.MaxBodyBytes / 1024} KiB.",
            new Dictionary<string, object?>()),
        BadHttpRequestException bad => (StatusCodes.Status400BadRequest, "The request body could not be read.", DescribeBadRequest(bad), new Dictionary<string, object?>()),
        _ => (StatusCodes.Status500InternalServerError, "An unexpected error occurred.", null, new Dictionary<string, object?>()),
    };

    // The framework's own messages name .NET types and parameters; the client gets the JSON location instead.
    private static string DescribeBadRequest(BadHttpRequestException exception)
    {
        if (exception.InnerException is not JsonException json)
        {
            return "The body must be a JSON object.";
        }

        const string unmappedPrefix = "The JSON property '";
        var path = string.IsNullOrEmpty(json.Path) ? "$" : json.Path;
        if (json.Message.StartsWith(unmappedPrefix, StringComparison.Ordinal))
        {
            var end = json.Message.IndexOf('\'', unmappedPrefix.Length);
            var field = end > 0 ? json.Message[unmappedPrefix.Length..end] : "?";
            return $"Unknown field '{field}' at {path}.";
        }

        return json.LineNumber is { } line
            ? $"Malformed JSON or a value of the wrong type at {path} (line {line + 1})."
            : $"Malformed JSON or a value of the wrong type at {path}.";
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled error on {Method} {Path}")]
    private static partial void LogUnhandled(ILogger logger, string method, string path, Exception exception);
}
