using System.Globalization;

namespace OneMcp.LoadGen;

/// <summary>What to measure, and how long, from the command line.</summary>
internal sealed class Options
{
    public const string Usage = """
        usage: OneMcp.LoadGen (--target <mcp url> | --gateway | --direct | --compare | --compare-replicas | --cold-start K | --list-tools K) [options]
          --target <url>     measure an MCP endpoint that is already running (streamable HTTP)
          --gateway          start an HTTP test server and the built gateway in front of it; measure the gateway
          --direct           start an HTTP test server; measure it without the gateway
          --compare          start both; run the phases gateway, direct, direct, gateway and print ratios
          --compare-auth     start an HTTP test server and two gateways in front of it, one with --enable-auth;
                             run the phases gateway, gateway+auth, gateway+auth, gateway and print ratios
          --compare-observability  start an HTTP test server, a local OTLP/HTTP collector stand-in and two gateways:
                             one with the audit log and OTLP export to the stand-in, one with --disable-audit and no
                             export; run the phases on, off, off, on and print ratios
          --compare-replicas start an HTTP test server and two gateway replicas on one PostgreSQL database (--database)
                             behind HAProxy (deploy/haproxy.cfg, round-robin, no stickiness); run the phases HAProxy,
                             replica 1 directly, replica 1 directly, HAProxy. Sessions opened through HAProxy live on one
                             replica and about half their requests reach the other, which relays them (the hop is measured)
          --database <cs>    --compare-replicas: the PostgreSQL connection string the replicas share (an empty database)
          --observe <what>   --compare-observability: what the measured gateway turns on: both (default), audit, otlp, or none
                             (an A/A run of two identical gateways: the measure's own bias between them)
          --rounds N         compare modes: run the A B B A phases N times (default 1); ratios are the median of the rounds
          --floor            --compare: also measure the null proxy (bench/NullProxy, an HTTP hop without MCP logic) in
                             front of the same test server, in phases of its own (gateway, proxy, direct, direct, proxy, gateway)
          --backend <kind>   the gateway's backend: http (default) or stdio (the direct phase stays HTTP)
          --cold-start K     start the gateway with K stdio test servers; time until one session's tools/list
                             holds the tools of all K (--repeat times; the median is reported). K = 0: the gateway's
                             own start, each run followed by a restart on the same database
          --list-tools K     start one HTTP test server and the gateway with K backends on it; time --requests
                             sequential tools/list of one session (after --list-warmup unmeasured ones)
          --stdio-server S   --cold-start's backends: dotnet (the in-repo test server, default) or bash
                             (bench/StdioEcho/server.sh, which starts in milliseconds: the gateway's own start)
          --repeat N         cold starts to measure (default 3)
          --requests N       tools/list requests to measure (default 200)
          --list-warmup N    unmeasured tools/list requests before them (default 20)
          --sessions N       concurrent MCP sessions (default 16); with --stateless, concurrent clients
          --stateless        every client speaks MCP 2026-07-28: self-contained tools/call POSTs (Mcp-Method and
                             Mcp-Name headers, protocol version, capabilities and client info in _meta), no
                             initialize and no session; the test server then runs with --session-mode hybrid
          --duration S       measured seconds per phase (default 10)
          --warmup S         unmeasured seconds before each phase (default 2)
          --settle S         compare modes: before the first phase, S unmeasured seconds of load on each target in turn,
                             so that every phase measures code the JIT has finished with (default 0)
          --tool <name>      the tool to call (default echo; through the gateway: bench_1mcp_<name>)
          --label <text>     the first column of the Markdown row
          --json <file>      also write the JSON result to this file
        Environment: ONEMCP_BENCH_GATEWAY runs another gateway build (a published onemcp.dll) instead of the one built
        next to this load generator. With --compare-observability --observe none, ONEMCP_BENCH_GATEWAY_B runs the second
        gateway from another build: an A/B of two builds in one run, measured as the A/A row is; ONEMCP_BENCH_GATEWAY_B_ENV
        gives that second gateway runtime settings (space-separated NAME=VALUE, e.g. DOTNET_GCgen0size=0x2000000), an A/B
        of a setting. ONEMCP_BENCH_GATEWAY_ENV gives every gateway a run starts such settings.
        """;

    public string Mode { get; private set; } = string.Empty;

    public Uri? Target { get; private set; }

    public string Backend { get; private set; } = "http";

    public int Sessions { get; private set; } = 16;

    public double Duration { get; private set; } = 10;

    public double Warmup { get; private set; } = 2;

    /// <summary>Unmeasured load on each target before the compare modes' first phase.</summary>
    public double Settle { get; private set; }

    public string Tool { get; private set; } = "echo";

    public string? Label { get; private set; }

    public string? JsonPath { get; private set; }

    /// <summary>K of --cold-start and --list-tools: how many backends the gateway runs.</summary>
    public int Backends { get; private set; }

    public int Repeat { get; private set; } = 3;

    /// <summary>What --cold-start launches as its stdio backends: dotnet or bash.</summary>
    public string StdioServer { get; private set; } = "dotnet";

    /// <summary>How many times the compare modes run their A B B A phases.</summary>
    public int Rounds { get; private set; } = 1;

    /// <summary>--compare also measures the null proxy.</summary>
    public bool Floor { get; private set; }

    /// <summary>--compare-observability: what the measured gateway turns on (both, audit, otlp).</summary>
    public string Observe { get; private set; } = "both";

    public int Requests { get; private set; } = 200;

    /// <summary>The clients speak 2026-07-28 (no initialize, no session) instead of opening sessions.</summary>
    public bool Stateless { get; private set; }

    /// <summary>--compare-replicas: the PostgreSQL database the two replicas share.</summary>
    public string? Database { get; private set; }

    public int ListWarmup { get; private set; } = 20;

    public static bool TryParse(string[] args, out Options options, out string error)
    {
        options = new Options();
        error = string.Empty;
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            string Next() => i + 1 < args.Length ? args[++i] : throw new FormatException($"{arg} needs a value");
            try
            {
                switch (arg)
                {
                    case "--target":
                        options.Mode = "target";
                        options.Target = new Uri(Next());
                        break;
                    case "--gateway":
                    case "--direct":
                    case "--compare":
                    case "--compare-auth":
                    case "--compare-observability":
                    case "--compare-replicas":
                        options.Mode = arg[2..];
                        break;
                    case "--cold-start":
                    case "--list-tools":
                        options.Mode = arg[2..];
                        options.Backends = int.Parse(Next(), CultureInfo.InvariantCulture);
                        break;
                    case "--rounds":
                        options.Rounds = int.Parse(Next(), CultureInfo.InvariantCulture);
                        break;
                    case "--stdio-server":
                        options.StdioServer = OneOf(arg, Next(), "dotnet", "bash");
                        break;
                    case "--observe":
                        options.Observe = OneOf(arg, Next(), "both", "audit", "otlp", "none");
                        break;
                    case "--floor":
                        options.Floor = true;
                        break;
                    case "--stateless":
                        options.Stateless = true;
                        break;
                    case "--repeat":
                        options.Repeat = int.Parse(Next(), CultureInfo.InvariantCulture);
                        break;
                    case "--list-warmup":
                        options.ListWarmup = int.Parse(Next(), CultureInfo.InvariantCulture);
                        break;
                    case "--requests":
                        options.Requests = int.Parse(Next(), CultureInfo.InvariantCulture);
                        break;
                    case "--backend":
                        options.Backend = OneOf(arg, Next(), "http", "stdio");
                        break;
                    case "--sessions":
                        options.Sessions = int.Parse(Next(), CultureInfo.InvariantCulture);
                        break;
                    case "--duration":
                        options.Duration = double.Parse(Next(), CultureInfo.InvariantCulture);
                        break;
                    case "--warmup":
                        options.Warmup = double.Parse(Next(), CultureInfo.InvariantCulture);
                        break;
                    case "--settle":
                        options.Settle = double.Parse(Next(), CultureInfo.InvariantCulture);
                        break;
                    case "--tool":
                        options.Tool = Next();
                        break;
                    case "--label":
                        options.Label = Next();
                        break;
                    case "--database":
                        options.Database = Next();
                        break;
                    case "--json":
                        options.JsonPath = Next();
                        break;
                    default:
                        throw new FormatException($"unknown argument '{arg}'");
                }
            }
            catch (FormatException e)
            {
                error = e.Message;
                return false;
            }
        }

        if (options.Mode.Length == 0)
        {
            error = "one of --target, --gateway, --direct or --compare is required";
            return false;
        }

        if (options.Sessions is < 1 or > 1024 || options.Duration is <= 0 or > 3600 || options.Warmup is < 0 or > 600 || options.Settle is < 0 or > 600)
        {
            error = "--sessions is 1..1024, --duration 0..3600 s, --warmup and --settle 0..600 s";
            return false;
        }

        if (options.Mode is "cold-start" or "list-tools" && (options.Backends < (options.Mode == "cold-start" ? 0 : 1) || options.Backends > 1000 || options.Repeat is < 1 or > 100 || options.Requests is < 1 or > 1_000_000 || options.ListWarmup is < 0 or > 1_000_000))
        {
            error = "--cold-start takes 0..1000 backends, --list-tools 1..1000, --repeat is 1..100, --requests 1..1000000, --list-warmup 0..1000000";
            return false;
        }

        if (options.Rounds is < 1 or > 20 || (options.Floor && options.Mode != "compare"))
        {
            error = "--rounds is 1..20; --floor goes with --compare";
            return false;
        }

        if (options.Stateless && options.Mode is "cold-start" or "list-tools")
        {
            error = "--stateless goes with --target, --gateway, --direct and the compare modes";
            return false;
        }

        if ((options.Mode == "compare-replicas") != (options.Database is not null))
        {
            error = "--compare-replicas needs --database, and --database goes with --compare-replicas only";
            return false;
        }

        if (options.Target is not null && !options.Target.IsLoopback)
        {
            error = "--target must be a loopback address (127.0.0.1)";
            return false;
        }

        return true;
    }

    private static string OneOf(string flag, string value, params string[] allowed) =>
        allowed.Contains(value, StringComparer.Ordinal) ? value : throw new FormatException($"{flag} is {string.Join(" or ", allowed)}");
}
