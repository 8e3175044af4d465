using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using OneMcp.Application.Common.Exceptions;
using OneMcp.Infrastructure.Persistence;

namespace OneMcp.Api.Endpoints;

/// <summary>
/// The one mapping from control-plane exceptions to ProblemDetails (see docs/decisions/0006): a use case's error
/// (<see cref="ControlPlaneError"/>) by its kind, 400, 404, 409 or 502, with its <c>code</c> or its <c>errors</c> by
/// field; unreadable body -> 400; oversized body -> 413; database unreachable -> 503 with Retry-After; anything else -> 500 without details.
/// </summary>
internal sealed partial class ApiProblemDetailsHandler(IProblemDetailsService problems, ILogger<ApiProblemDetailsHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var error = ControlPlaneError.Of(exception);
        var (status, title, detail) = error is not null ? (StatusOf(error.Kind), error.Title, error.Detail) : exception switch
        {
            BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } => (
                StatusCodes.Status413PayloadTooLarge, "The request body is too large.", $"The API accepts bodies of at most {ApiRequestLimits.MaxBodyBytes / 1024} KiB."),
            BadHttpRequestException bad => (StatusCodes.Status400BadRequest, "The request body could not be read.", DescribeBadRequest(bad)),
            _ when DatabaseAvailability.Classify(exception) is not null => (StatusCodes.Status503ServiceUnavailable, "Service Unavailable", DatabaseAvailability.UnavailableMessage),
            _ => (StatusCodes.Status500InternalServerError, "An unexpected error occurred.", (string?)null),
        };
        if (status == StatusCodes.Status500InternalServerError)
        {
            LogUnhandled(logger, httpContext.Request.Method, httpContext.Request.Path.Value ?? string.Empty, exception);
        }

        httpContext.Response.StatusCode = status;
        if (status == StatusCodes.Status503ServiceUnavailable)
        {
            httpContext.RequestServices.GetRequiredService<DatabaseAvailability>().ReportFailure(exception);
            DatabaseAvailabilityMiddleware.SetUnavailable(httpContext.Response);
        }

        var problem = new Microsoft.AspNetCore.Mvc.ProblemDetails { Status = status, Title = title, Detail = detail, Instance = httpContext.Request.Path };
        if (error?.Errors is { } errors)
        {
            problem.Extensions["errors"] = errors;
        }

        if (error?.Code is { } code)
        {
            problem.Extensions["code"] = code;
        }

        if (await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = problem, Exception = exception }))
        {
            return true;
        }

        // The writer declines a client whose Accept names no JSON (text/csv for the audit export): the error is still
        // the API's ProblemDetails, not an empty body (or, for a 404, a 500 the framework would make of it).
        await Results.Problem(problem).ExecuteAsync(httpContext);
        return true;
    }

    private static int StatusOf(ControlPlaneErrorKind kind) => kind switch
    {
        ControlPlaneErrorKind.Conflict => StatusCodes.Status409Conflict,
        ControlPlaneErrorKind.NotFound => StatusCodes.Status404NotFound,
        ControlPlaneErrorKind.Upstream => StatusCodes.Status502BadGateway,
        _ => StatusCodes.Status400BadRequest,
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
