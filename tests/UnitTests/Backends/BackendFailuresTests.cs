using System.Net;
using OneMcp.Application.Backends;
using OneMcp.Infrastructure.Backends;
using OneMcp.Infrastructure.Backends.OAuth;

namespace OneMcp.UnitTests.Backends;

public sealed class BackendFailuresTests
{
    [Fact]
    public void IsUnauthorized_FindsA401_EvenWrappedByTheTransport()
    {
        var unauthorized = new HttpRequestException("401", null, HttpStatusCode.Unauthorized);

        BackendFailures.IsUnauthorized(unauthorized).ShouldBeTrue();
        BackendFailures.IsUnauthorized(new InvalidOperationException("wrapped", unauthorized)).ShouldBeTrue();
        BackendFailures.IsUnauthorized(new HttpRequestException("503", null, HttpStatusCode.ServiceUnavailable)).ShouldBeFalse();
    }

    [Fact]
    public void DescribeConnectFailure_GivesTheReasonTheGatewayHasForAnAuthorizationItNeeds()
    {
        var required = new BackendAuthorizationRequiredException("Run the backend's OAuth flow: its refresh token was refused.");

        BackendFailures.DescribeConnectFailure(new InvalidOperationException("wrapped", required))
            .ShouldBe("Run the backend's OAuth flow: its refresh token was refused.");
        BackendFailures.DescribeConnectFailure(new HttpRequestException("401", null, HttpStatusCode.Unauthorized))
            .ShouldBe("The server requires OAuth authorization.");
    }

    [Fact]
    public void DescribeConnectFailure_IsShortForTimeoutsAndHttpErrors()
    {
        BackendFailures.DescribeConnectFailure(new TimeoutException("No answer within the connection timeout of 5 s."))
            .ShouldBe("No answer within the connection timeout of 5 s.");
        BackendFailures.DescribeConnectFailure(new HttpRequestException("bad gateway", null, HttpStatusCode.BadGateway))
            .ShouldBe("HTTP 502 BadGateway.");
        BackendFailures.DescribeConnectFailure(new HttpRequestException("send failed", new IOException("Connection refused (127.0.0.1:9)")))
            .ShouldBe("Connection refused (127.0.0.1:9)");
    }

    [Fact]
    public void DescribeConnectFailure_PrefersTheInnerMessage_WhenTheOuterSaysLittle()
    {
        BackendFailures.DescribeConnectFailure(new InvalidOperationException("Failed", new IOException("The process exited with code 2.")))
            .ShouldBe("The process exited with code 2.");
        BackendFailures.DescribeConnectFailure(new InvalidOperationException("The server sent an invalid initialize result.", new IOException("detail")))
            .ShouldBe("The server sent an invalid initialize result.");
    }

    [Fact]
    public void DescribeExit_WithoutDetails_SaysClosed()
    {
        BackendFailures.DescribeExit(null).ShouldBe("closed");
    }

    [Theory]
    [InlineData(BackendStatus.AwaitingOAuth, "awaiting OAuth authorization")]
    [InlineData(BackendStatus.CrashLoop, "stopped after repeated crashes")]
    [InlineData(BackendStatus.Restarting, "restarting")]
    [InlineData(BackendStatus.Error, "error")]
    public void Describe_NamesTheStatusForAnError(BackendStatus status, string description)
    {
        BackendFailures.Describe(status).ShouldBe(description);
    }
}
