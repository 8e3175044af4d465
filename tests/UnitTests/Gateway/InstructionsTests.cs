using OneMcp.Application.Backends;
using OneMcp.UnitTests.TestDoubles;

namespace OneMcp.UnitTests.Gateway;

public sealed class InstructionsTests
{
    [Fact]
    public void BuildInstructions_WhenBackendsHaveInstructions_ListsVisibleServersAndWrapsEachBlock()
    {
        using var fixture = new EngineFixture(
            Backend.Named("git").Connected(Caps.New().Instructions("  Use git_log first.\n")),
            Backend.Named("db").Connected(Caps.New().Instructions("Read-only.")));

        var text = fixture.Engine.BuildInstructions(fixture.Session());

        text.ShouldBe(
            "OneMcp gateway in front of 2 MCP servers: db, git. Tools and prompts are named <server>_1mcp_<name>; resource URIs are prefixed the same way."
            + "\n\n<db>\nRead-only.\n</db>"
            + "\n\n<git>\nUse git_log first.\n</git>");
    }

    [Fact]
    public void BuildInstructions_WhenOneServer_UsesTheSingular()
    {
        using var fixture = new EngineFixture(Backend.Named("only").Connected(Caps.New()));

        var text = fixture.Engine.BuildInstructions(fixture.Session());

        text.ShouldStartWith("OneMcp gateway in front of 1 MCP server: only. ");
        text.ShouldNotContain("<only>");
    }

    [Fact]
    public void BuildInstructions_WhenNoServerVisible_SaysZeroAndListsNone()
    {
        using var fixture = new EngineFixture(Backend.Named("web").Tagged("web").Connected(Caps.New().Instructions("hidden")));

        var text = fixture.Engine.BuildInstructions(fixture.Session(tags: "db"));

        text.ShouldStartWith("OneMcp gateway in front of 0 MCP servers. Tools");
        text.ShouldNotContain("hidden");
        text.ShouldNotContain("web");
    }

    [Fact]
    public void BuildInstructions_WhenBackendsHiddenByFilterStateOrSettings_LeavesThemOut()
    {
        using var fixture = new EngineFixture(
            Backend.Named("shown").Tagged("team").Connected(Caps.New().Instructions("shown text")),
            Backend.Named("filtered").Tagged("other").Connected(Caps.New().Instructions("filtered text")),
            Backend.Named("broken").Tagged("team").In(BackendStatus.Error, Caps.New().Instructions("broken text")),
            Backend.Named("off").Tagged("team").Disabled().Connected(Caps.New().Instructions("off text")));

        var text = fixture.Engine.BuildInstructions(fixture.Session(tags: "team"));

        text.ShouldContain("1 MCP server: shown.");
        text.ShouldContain("<shown>\nshown text\n</shown>");
        text.ShouldNotContain("filtered");
        text.ShouldNotContain("broken");
        text.ShouldNotContain("off text");
    }

    [Fact]
    public void BuildInstructions_WhenOverrideSet_ReplacesTheBackendsInstructions()
    {
        using var fixture = new EngineFixture(
            Backend.Named("db").WithInstructionOverride("Use our rules.").Connected(Caps.New().Instructions("Theirs.")));

        var text = fixture.Engine.BuildInstructions(fixture.Session());

        text.ShouldEndWith("\n\n<db>\nUse our rules.\n</db>");
        text.ShouldNotContain("Theirs.");
    }

    [Fact]
    public void BuildInstructions_WhenOverrideSetAndBackendHasNone_UsesTheOverride()
    {
        using var fixture = new EngineFixture(Backend.Named("db").WithInstructionOverride("Added.").Connected(Caps.New()));

        fixture.Engine.BuildInstructions(fixture.Session()).ShouldEndWith("<db>\nAdded.\n</db>");
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void BuildInstructions_WhenOverrideEmpty_DropsTheBackendsInstructionsButStillNamesIt(string empty)
    {
        using var fixture = new EngineFixture(
            Backend.Named("db").WithInstructionOverride(empty).Connected(Caps.New().Instructions("Theirs.")));

        var text = fixture.Engine.BuildInstructions(fixture.Session());

        text.ShouldContain("1 MCP server: db.");
        text.ShouldNotContain("Theirs.");
        text.ShouldNotContain("<db>");
    }

    [Fact]
    public void BuildInstructions_WhenBackendInstructionsBlank_AddsNoEmptyBlock()
    {
        using var fixture = new EngineFixture(Backend.Named("db").Connected(Caps.New().Instructions(" \n ")));

        fixture.Engine.BuildInstructions(fixture.Session()).ShouldNotContain("<db>");
    }
}
