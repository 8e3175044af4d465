using OneMcp.Application.Gateway.Sessions;

namespace OneMcp.UnitTests.Gateway.Sessions;

public sealed class ProtocolEraTests
{
    [Theory]
    [InlineData("2026-07-28", true)]
    [InlineData("2027-01-15", true)]
    [InlineData("2025-11-25", false)]
    [InlineData("2025-06-18", false)]
    [InlineData("2024-11-05", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void IsPerRequest_FromTheFirstRevisionWithoutSessionsOn(string? version, bool expected) =>
        ProtocolEra.IsPerRequest(version).ShouldBe(expected);
}
