using OneMcp.Application.Audit;
using OneMcp.Application.Audit.Queries;

namespace OneMcp.UnitTests.Audit;

public sealed class AuditCsvTests
{
    [Fact]
    public void Write_QuotesTextFieldsDoublesQuotesAndEndsLinesWithCrLf()
    {
        var item = new AuditItem(7, new DateTimeOffset(2026, 12, 3, 10, 0, 0, TimeSpan.Zero), "tool_call", "success",
            "alice", "s-1", null, "web", "say \"hi\", twice", 12, null) { Credentials = AuditCredentials.Shared };

        var csv = AuditCsv.Write(new AuditPage([item], NextCursor: null));

        csv.ShouldBe(
            "id,time,kind,outcome,user,subject,clientId,backend,name,durationMs,errorCode,credentials,target\r\n" +
            "7,\"2026-12-03T10:00:00.0000000+00:00\",\"tool_call\",\"success\",\"alice\",\"s-1\",,\"web\",\"say \"\"hi\"\", twice\",12,,\"shared\",\r\n");
    }

    [Fact]
    public void Write_TheTarget_IsTheLastColumn_SoScriptsReadingColumnsByPositionKeepWorking()
    {
        var item = new AuditItem(8, DateTimeOffset.UnixEpoch, "change", "success", "ada", "s-ada", null, null, "UpdateUser", 3, null) { Target = "bob" };

        var lines = AuditCsv.Write(new AuditPage([item], NextCursor: null)).Split("\r\n");

        lines[0].Split(',')[^1].ShouldBe("target");
        lines[1].ShouldEndWith(",\"change\",\"success\",\"ada\",\"s-ada\",,,\"UpdateUser\",3,,,\"bob\"");
    }

    [Theory]
    [InlineData("=cmd()")]
    [InlineData("+1+cmd|' /C calc'!A0")]
    [InlineData("-2+3")]
    [InlineData("-1.5e3")]
    [InlineData("@SUM(A1)")]
    public void Write_WhenAFieldStartsLikeAFormula_PrefixesAQuote(string name)
    {
        var item = new AuditItem(1, DateTimeOffset.UnixEpoch, "tool_call", "failure", null, null, null, null, name, 0, null);

        var csv = AuditCsv.Write(new AuditPage([item], NextCursor: null));

        csv.ShouldContain($",\"'{name}\",");
    }

    [Theory]
    [InlineData("-32602")]
    [InlineData("-1.5")]
    [InlineData("+7")]
    public void Write_WhenAFieldIsAPlainNumber_KeepsItAsItIs(string errorCode)
    {
        // A failed call's error code is the JSON-RPC code the client saw: a negative number, and no formula.
        var item = new AuditItem(1, DateTimeOffset.UnixEpoch, "tools/call", "failure", null, null, null, null, "echo", 0, errorCode);

        var csv = AuditCsv.Write(new AuditPage([item], NextCursor: null));

        csv.ShouldContain($",\"{errorCode}\",");
    }
}
