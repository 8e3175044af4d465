using OneMcp.Application.Audit.Queries;

namespace OneMcp.UnitTests.Audit;

public sealed class ListAuditValidatorTests
{
    [Theory]
    [InlineData("since")]
    [InlineData("until")]
    public async Task ListAudit_WhenAUrlTurnedTheOffsetsPlusIntoASpace_SaysToEncodeIt(string parameter)
    {
        // What ?since=2026-12-03T10:00:00+01:00 arrives as: a query string reads + as a space.
        const string Decoded = "2026-12-03T10:00:00 01:00";
        var query = parameter == "since" ? new ListAuditQuery(Since: Decoded) : new ListAuditQuery(Until: Decoded);

        var result = await new ListAuditValidator().ValidateAsync(query);

        var error = result.Errors.ShouldHaveSingleItem();
        error.PropertyName.ShouldBe(parameter);
        error.ErrorMessage.ShouldContain("%2B");
    }

    [Theory]
    [InlineData("2026-12-03T10:00:00")]
    [InlineData("2026-12-03")]
    [InlineData("yesterday")]
    public async Task ListAudit_WhenATimeHasNoOffset_AsksForOne(string since)
    {
        var result = await new ListAuditValidator().ValidateAsync(new ListAuditQuery(Since: since));

        var error = result.Errors.ShouldHaveSingleItem();
        error.PropertyName.ShouldBe("since");
        error.ErrorMessage.ShouldBe("since must be an ISO 8601 time with an offset, e.g. 2026-12-03T10:00:00Z.");
    }

    [Theory]
    [InlineData("2026-12-03T10:00:00+01:00")]
    [InlineData("2026-12-03T10:00:00-05:00")]
    [InlineData("2026-12-03T10:00:00Z")]
    public async Task ListAudit_WhenATimeHasAnOffset_IsAccepted(string since)
    {
        var result = await new ListAuditValidator().ValidateAsync(new ListAuditQuery(Since: since));

        result.IsValid.ShouldBeTrue();
    }
}
