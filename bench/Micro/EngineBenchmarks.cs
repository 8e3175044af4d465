using BenchmarkDotNet.Attributes;
using OneMcp.Application.Gateway;
using OneMcp.Application.Gateway.Filtering;
using OneMcp.Application.Gateway.Sessions;
using OneMcp.Domain.Backends;

namespace OneMcp.Micro;

/// <summary>Splitting and building prefixed names: every forwarded call parses one.</summary>
[MemoryDiagnoser]
public class CapabilityNameBenchmarks
{
    private readonly ServerName _server = ServerName.From("github-enterprise");
    private readonly string _prefixed = "github-enterprise_1mcp_search_issues";
    private readonly string _unprefixed = "search_issues";

    [Benchmark]
    public bool TryParse() => CapabilityName.TryParse(_prefixed, out _, out _);

    [Benchmark]
    public bool TryParseUnknownForm() => CapabilityName.TryParse(_unprefixed, out _, out _);

    [Benchmark]
    public string Compose() => CapabilityName.Compose(_server, "search_issues");
}

/// <summary>The merged lists and the routing of one session with 200 backends of 20 tools each.</summary>
[MemoryDiagnoser]
public class EngineBenchmarks
{
    private GatewayEngine _engine = null!;
    private StaticPool _pool = null!;
    private GatewaySession _everything = null!;
    private GatewaySession _filtered = null!;
    private CallToolRequestParamsHolder _call = null!;

    [Params(200)]
    public int Backends { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        // Every 4th backend is tagged "web", every 10th "db"; all are "team".
        _pool = new StaticPool(Micro.Backends.Create(Backends, 20, i => i % 10 == 0 ? ["team", "db"] : i % 4 == 0 ? ["team", "web"] : ["team"]));
        var catalog = new CapabilityCatalog();
        _engine = new GatewayEngine(_pool, catalog, new InFlightRequests(), new ResourceSubscriptions(), OneMcp.Application.Audit.NullAuditLog.Instance, TimeProvider.System);
        _everything = new GatewaySession("all", SessionFilter.None);
        _filtered = new GatewaySession("web", SessionFilter.FromQuery(null, "web and not db", null, _ => null));
        _call = new CallToolRequestParamsHolder($"b{Backends / 2:000}_1mcp_tool_07");

        // The catalog builds each backend's exposed list once; the benchmarks measure the steady state.
        _engine.ListTools(_everything, null);
    }

    [Benchmark]
    public int ListToolsAllBackends() => _engine.ListTools(_everything, null).Tools.Count;

    [Benchmark]
    public int ListToolsTagFiltered() => _engine.ListTools(_filtered, null).Tools.Count;

    [Benchmark]
    public int BuildCatalogEntries()
    {
        // What a list costs right after every backend changed (reconnect, list_changed): one rebuild each.
        var catalog = new CapabilityCatalog();
        var total = 0;
        foreach (var backend in _pool.Backends)
        {
            total += catalog.For(backend).Tools.Count;
        }

        return total;
    }

    [Benchmark]
    public bool RouteToolCall() =>
        CapabilityName.TryParse(_call.Name, out var server, out var tool)
        && _pool.TryGet(server, out var backend)
        && _everything.CanSee(backend)
        && CapabilityCatalog.IsToolExposed(backend, tool);

    private sealed record CallToolRequestParamsHolder(string Name);
}

/// <summary>Tag filters: parsed once per session, evaluated for every backend of every list and call.</summary>
[MemoryDiagnoser]
public class TagFilterBenchmarks
{
    private readonly string _expression = "(web or api) and not (db or legacy) and team";
    private readonly TagFilter _filter = TagFilter.Parse("(web or api) and not (db or legacy) and team");
    private readonly TagFilter _anyOf = TagFilter.ParseTagList("web,api,search");
    private readonly IReadOnlyCollection<Tag> _matching = [Tag.From("team"), Tag.From("web"), Tag.From("search")];
    private readonly IReadOnlyCollection<Tag> _notMatching = [Tag.From("team"), Tag.From("web"), Tag.From("db")];

    [Benchmark]
    public TagFilter Parse() => TagFilter.Parse(_expression);

    [Benchmark]
    public bool MatchExpression() => _filter.Matches(_matching);

    [Benchmark]
    public bool MatchExpressionExcluded() => _filter.Matches(_notMatching);

    [Benchmark]
    public bool MatchTagList() => _anyOf.Matches(_matching);
}
