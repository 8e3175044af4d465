using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;
using OneMcp.Application.Gateway;
using OneMcp.Domain.Backends;
using OneMcp.UnitTests.TestDoubles;

namespace OneMcp.UnitTests.Gateway;

public sealed class CapabilityCatalogTests
{
    private static FakeBackend Docs() =>
        Backend.Named("docs").Tagged("docs").Connected(Caps.New().Tools("search").Resources("file:///a").Templates("file:///{p}").Prompts("p"));

    [Fact]
    public void ListTools_WhenABackendListsANamelessCapability_LeavesItOutAndStillListsEveryBackend()
    {
        // A faulty backend's tool, prompt, resource or template without a name or URI cannot be named to the gateway
        // anyway. Prefixing it threw, and every tools/list, resources/list and prompts/list that saw the backend failed.
        var faulty = Backend.Named("faulty").Connected(Caps.New().Tools("", "ok").Resources("", "file:///a").Templates("").Prompts(""));
        using var fixture = new EngineFixture(faulty, Docs());
        var session = fixture.Session();

        fixture.Engine.ListTools(session, null).Tools.Select(t => t.Name).ShouldBe(["docs_1mcp_search", "faulty_1mcp_ok"]);
        fixture.Engine.ListResources(session, null).Resources.Select(r => r.Uri).ShouldBe(["docs_1mcp_file:///a", "faulty_1mcp_file:///a"]);
        fixture.Engine.ListResourceTemplates(session, null).ResourceTemplates.Select(t => t.UriTemplate).ShouldBe(["docs_1mcp_file:///{p}"]);
        fixture.Engine.ListPrompts(session, null).Prompts.Select(p => p.Name).ShouldBe(["docs_1mcp_p"]);
    }

    [Fact]
    public void For_WhenNothingChanged_ReturnsTheSameInstanceAndLists()
    {
        var catalog = new CapabilityCatalog();
        var docs = Docs();

        var first = catalog.For(docs);
        var second = catalog.For(docs);

        second.ShouldBeSameAs(first);
        second.Tools.ShouldBeSameAs(first.Tools);
        second.Resources.ShouldBeSameAs(first.Resources);
        second.ResourceTemplates.ShouldBeSameAs(first.ResourceTemplates);
        second.Prompts.ShouldBeSameAs(first.Prompts);
    }

    [Fact]
    public void For_WhenCapabilitiesReplacedEvenWithEqualContent_Rebuilds()
    {
        var catalog = new CapabilityCatalog();
        var docs = Docs();
        var first = catalog.For(docs);

        docs.Capabilities = docs.Capabilities with { };
        var second = catalog.For(docs);

        second.ShouldNotBeSameAs(first);
        second.Tools.ShouldNotBeSameAs(first.Tools);
        second.Tools.Select(t => t.Name).ShouldBe(first.Tools.Select(t => t.Name));
        catalog.For(docs).ShouldBeSameAs(second);
    }

    [Fact]
    public void For_WhenCapabilitiesChange_ShowsTheNewOnes()
    {
        var catalog = new CapabilityCatalog();
        var docs = Docs();
        _ = catalog.For(docs);

        docs.Capabilities = Caps.New().Tools("search", "index").Build();

        catalog.For(docs).Tools.Select(t => t.Name).ShouldBe(["docs_1mcp_search", "docs_1mcp_index"]);
    }

    [Fact]
    public void For_WhenSettingsInstanceChanges_RebuildsWithTheNewMetadata()
    {
        var catalog = new CapabilityCatalog();
        var docs = Docs();
        var first = catalog.For(docs);

        docs.Settings = docs.Settings with { ToolDescriptionOverrides = new Dictionary<string, string>(StringComparer.Ordinal) { ["search"] = "Find docs." } };
        var second = catalog.For(docs);

        second.ShouldNotBeSameAs(first);
        second.Tools.Single().Description.ShouldBe("Find docs.");
        first.Tools.Single().Description.ShouldBe("the search tool");
    }

    [Fact]
    public void For_WhenEqualButNewSettingsInstance_Rebuilds()
    {
        var catalog = new CapabilityCatalog();
        var docs = Docs();
        var first = catalog.For(docs);

        docs.Settings = docs.Settings with { };

        catalog.For(docs).ShouldNotBeSameAs(first);
    }

    [Fact]
    public void For_WhenTwoBackends_CachesEachSeparately()
    {
        var catalog = new CapabilityCatalog();
        var docs = Docs();
        var web = Backend.Named("web").Connected(Caps.New().Tools("fetch"));

        var docsExposed = catalog.For(docs);
        var webExposed = catalog.For(web);

        webExposed.Tools.Single().Name.ShouldBe("web_1mcp_fetch");
        catalog.For(docs).ShouldBeSameAs(docsExposed);
        catalog.For(web).ShouldBeSameAs(webExposed);
    }

    [Fact]
    public void ListTools_WhenNothingChanged_ReturnsTheCachedToolObjects()
    {
        using var fixture = new EngineFixture(Docs());
        var session = fixture.Session();

        var first = fixture.Engine.ListTools(session, null).Tools;
        var second = fixture.Engine.ListTools(session, null).Tools;

        second.Single().ShouldBeSameAs(first.Single());
    }

    [Fact]
    public void Build_WhenToolHasFieldsBeyondNameAndDescription_KeepsThemInTheCopy()
    {
        var tool = Mcp.Tool("search");
        tool.Title = "Search";
        tool.Annotations = new ToolAnnotations { ReadOnlyHint = true };
        tool.Meta = new JsonObject { ["vendor"] = "x" };
        tool.OutputSchema = JsonSerializer.SerializeToElement(new { type = "object" });
        var settings = Backend.Named("docs").Build();

        var exposed = CapabilityCatalog.Build(settings, Caps.New().Tools(tool).Build()).Tools.Single();

        exposed.ShouldNotBeSameAs(tool);
        exposed.Name.ShouldBe("docs_1mcp_search");
        exposed.Title.ShouldBe("Search");
        exposed.Annotations!.ReadOnlyHint.ShouldBe(true);
        exposed.Meta!["vendor"]!.GetValue<string>().ShouldBe("x");
        exposed.OutputSchema!.Value.GetProperty("type").GetString().ShouldBe("object");
        tool.Name.ShouldBe("search");
    }

    [Theory]
    [InlineData("search", true)]
    [InlineData("hidden", false)]
    [InlineData("missing", false)]
    [InlineData("SEARCH", false)]
    public void IsToolExposed_WhenAsked_AgreesWithTheList(string tool, bool expected)
    {
        var docs = Backend.Named("docs").DisablingTools("hidden").Connected(Caps.New().Tools("search", "hidden"));

        CapabilityCatalog.IsToolExposed(docs, tool).ShouldBe(expected);
        new CapabilityCatalog().For(docs).Tools.Any(t => t.Name == CapabilityName.Compose(ServerName.From("docs"), tool)).ShouldBe(expected);
    }

    [Fact]
    public void For_AOneBackendSession_GivesOriginalNames_CachedApartFromThePrefixedOnes()
    {
        var catalog = new CapabilityCatalog();
        var docs = Docs();
        var only = new OneMcp.Application.Gateway.Sessions.GatewaySession("a", OneMcp.Application.Gateway.Filtering.SessionFilter.None) { OnlyBackend = ServerName.From("docs") };

        var original = catalog.For(docs, only);
        var prefixed = catalog.For(docs);

        original.Tools.Select(t => t.Name).ShouldBe(["search"]);
        original.Resources.Select(r => r.Uri).ShouldBe(["file:///a"]);
        original.ResourceTemplates.Select(t => t.UriTemplate).ShouldBe(["file:///{p}"]);
        original.Prompts.Select(p => p.Name).ShouldBe(["p"]);
        prefixed.Tools.Select(t => t.Name).ShouldBe(["docs_1mcp_search"]);
        catalog.For(docs, only).ShouldBeSameAs(original);
        catalog.For(docs).ShouldBeSameAs(prefixed);
        docs.Capabilities.Tools.Single().Name.ShouldBe("search");
    }
}
