using OneMcp.Application.Audit;
using OneMcp.Application.Audit.Queries;

namespace OneMcp.UnitTests.Audit;

public sealed class AuditCursorTests
{
    [Theory]
    [InlineData(1L)]
    [InlineData(long.MaxValue)]
    public void TryDecode_WhenGivenAnEncodedCursor_ReturnsTheId(long id)
    {
        AuditCursor.TryDecode(AuditCursor.Encode(id), out var decoded).ShouldBeTrue();
        decoded.ShouldBe(id);
    }

    [Theory]
    [InlineData("")]
    [InlineData("42")]
    [InlineData("not a cursor!")]
    [InlineData("YTE6LTE")] // "a1:-1"
    [InlineData("YjE6NQ")] // "b1:5"
    public void TryDecode_WhenTheCursorWasNotIssued_Fails(string cursor) =>
        AuditCursor.TryDecode(cursor, out _).ShouldBeFalse();

    [Fact]
    public void P95_WhenGivenTwentyDurations_IsTheNineteenth()
    {
        var calls = Enumerable.Range(1, 20).Select(i => new AuditEntry(DateTimeOffset.UnixEpoch, AuditKinds.ToolCall, AuditOutcomes.Success, null, null, null, "b", "t", i, null));

        GetAuditSummaryHandler.P95(calls).ShouldBe(19);
        GetAuditSummaryHandler.P95([]).ShouldBe(0);
    }
}
