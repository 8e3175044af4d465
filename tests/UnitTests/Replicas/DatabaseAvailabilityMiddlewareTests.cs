using System.Net.Sockets;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using OneMcp.Infrastructure.Persistence;

namespace OneMcp.UnitTests.Replicas;

/// <summary>A request that failed because the database cannot be reached gets 503 + Retry-After in its surface's format.</summary>
public sealed class DatabaseAvailabilityMiddlewareTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("onemcp-middleware-").FullName;
    private readonly DatabaseAvailability _availability;

    public DatabaseAvailabilityMiddlewareTests() => _availability = new DatabaseAvailability(
        new SqliteConnectionFactory(Path.Combine(_directory, "gateway.db")), new FakeTimeProvider(), NullLogger<DatabaseAvailability>.Instance);

    public void Dispose()
    {
        _availability.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task OnTheMcpEndpoint_AJsonRpcError()
    {
        var (context, body) = await InvokeAsync("/mcp", Unreachable());

        context.Response.StatusCode.ShouldBe(StatusCodes.Status503ServiceUnavailable);
        context.Response.Headers.RetryAfter.ToString().ShouldBe("5");
        using var json = JsonDocument.Parse(body);
        json.RootElement.GetProperty("error").GetProperty("code").GetInt32().ShouldBe(DatabaseAvailabilityMiddleware.JsonRpcCode);
        json.RootElement.GetProperty("error").GetProperty("message").GetString().ShouldBe(DatabaseAvailability.UnavailableMessage);
        _availability.IsUnreachable.ShouldBeTrue();
    }

    [Fact]
    public async Task UnderTheApi_ProblemDetails()
    {
        var (context, body) = await InvokeAsync("/api/backends", Unreachable());

        context.Response.StatusCode.ShouldBe(StatusCodes.Status503ServiceUnavailable);
        context.Response.ContentType.ShouldBe("application/problem+json");
        context.Response.Headers.RetryAfter.ToString().ShouldBe("5");
        using var json = JsonDocument.Parse(body);
        json.RootElement.GetProperty("status").GetInt32().ShouldBe(503);
        json.RootElement.GetProperty("detail").GetString().ShouldBe(DatabaseAvailability.UnavailableMessage);
    }

    [Theory]
    [InlineData("/token")]
    [InlineData("/register")]
    [InlineData("/revoke")]
    public async Task OnTheOAuthEndpointsClientsCall_TheOAuthErrorJson(string path)
    {
        var (context, body) = await InvokeAsync(path, Unreachable());

        context.Response.StatusCode.ShouldBe(StatusCodes.Status503ServiceUnavailable);
        context.Response.ContentType.ShouldBe("application/json");
        context.Response.Headers.RetryAfter.ToString().ShouldBe("5");
        using var json = JsonDocument.Parse(body);
        json.RootElement.GetProperty("error").GetString().ShouldBe("temporarily_unavailable");
        json.RootElement.GetProperty("error_description").GetString().ShouldBe(DatabaseAvailability.UnavailableMessage);
    }

    [Fact]
    public async Task OnASignInForm_APlainPageWithoutTheError()
    {
        var (context, body) = await InvokeAsync("/login", Unreachable());

        context.Response.StatusCode.ShouldBe(StatusCodes.Status503ServiceUnavailable);
        context.Response.ContentType.ShouldBe("text/html; charset=utf-8");
        body.ShouldContain("database cannot be reached");
        body.ShouldNotContain("127.0.0.1");
        body.ShouldNotContain("Exception");
    }

    [Fact]
    public async Task AnyOtherFailure_IsNotAnswered503()
    {
        var failure = new PostgresException("duplicate key value violates unique constraint", "ERROR", "ERROR", "23505");

        await Should.ThrowAsync<PostgresException>(() => InvokeAsync("/api/backends", failure));
        _availability.IsUnreachable.ShouldBeFalse();
    }

    private static NpgsqlException Unreachable() =>
        new("Failed to connect to 127.0.0.1:5432", new SocketException((int)SocketError.ConnectionRefused));

    private async Task<(HttpContext Context, string Body)> InvokeAsync(string path, Exception failure)
    {
        var context = new DefaultHttpContext();
        context.Request.Path = path;
        using var body = new MemoryStream();
        context.Response.Body = body;
        var middleware = new DatabaseAvailabilityMiddleware(_ => throw failure, _availability, p => p.StartsWithSegments("/mcp"));
        await middleware.InvokeAsync(context);
        return (context, System.Text.Encoding.UTF8.GetString(body.ToArray()));
    }
}
