#!/usr/bin/env bash
# Runs the gateway benchmark set and writes docs/benchmarks.md.
# Each row is one LoadGen --compare run: ROUNDS rounds of the phases gateway, direct, direct, gateway (A B B A) on this
# machine, against the in-repo test server, with the load generator on the same machine; the 2026-07-28 row
# (--stateless) sends self-contained requests from 16 clients without sessions, both ways; the 16-session HTTP run also
# measures the null proxy (bench/NullProxy), --compare-auth the gateway with --enable-auth against itself without, and
# --compare-observability the gateway with its audit log and OTLP export (to a local stand-in) against itself without;
# --compare-replicas 16 legacy sessions through HAProxy (deploy/haproxy.cfg) over two replicas on one PostgreSQL database
# (about half of each session's requests reach the replica that does not hold it and are relayed) against one replica directly.
# Then the scenarios with many backends (cold start with 30 stdio backends, tools/list with 200 backends) and the
# BenchmarkDotNet micro-benchmarks of the engine (bench/Micro); bench/analysis.md is appended as written.
# Environment: DURATION (measured seconds per phase, default 8), WARMUP (unmeasured seconds before each phase, default 8: the gateway's JIT needs more than 3 s under load), ROUNDS (default 2), SETTLE (unmeasured seconds of load on each target before the first phase, default 30), PAIRED_ROUNDS and PAIRED_SETTLE (the same for the aa16, auth16 and obs16 rows, defaults 4 and 60), SKIP_STDIO=1, SKIP_AUTH=1, SKIP_OBSERVABILITY=1, SKIP_REPLICAS=1, SKIP_SCENARIOS=1, SKIP_MICRO=1;
# the replicas row needs HAProxy (/usr/sbin/haproxy or ONEMCP_HAPROXY) and PostgreSQL: ONEMCP_BENCH_POSTGRES (a connection string
# to an empty database), else a throw-away local cluster from initdb/pg_ctl (as the postgres user when run as root);
# START_REPEAT, COLD_BACKENDS, COLD_REPEAT, LIST_BACKENDS (defaults 5, 30, 3, 200) and MICRO_FILTER (default *) only to try the script quickly.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

duration="${DURATION:-8}"
warmup="${WARMUP:-8}"
rounds="${ROUNDS:-2}"
settle="${SETTLE:-30}"
out="docs/benchmarks.md"
results="$(mktemp -d)"
trap 'rm -rf "$results"' EXIT

echo "==> Building the load generator, the gateway, the test server and the micro-benchmarks (Release)"
dotnet build bench/LoadGen/LoadGen.csproj -c Release --nologo -v quiet
dotnet build bench/Micro/Micro.csproj -c Release --nologo -v quiet
dll="bench/LoadGen/bin/Release/net10.0/OneMcp.LoadGen.dll"
micro_dir="bench/Micro/bin/Release/net10.0"

load_before="$(uptime)"
status=0
run() {
  local name="$1"; shift
  local cmd=(dotnet "$dll" "$@" --settle "${row_settle:-$settle}" --rounds "${row_rounds:-$rounds}" --duration "$duration" --warmup "$warmup" --json "$results/$name.json")
  printf '%s\n' "${cmd[*]}" | sed "s#$results/##" >>"$results/commands.txt"
  echo "==> ${cmd[*]}"
  "${cmd[@]}" || status=$?
}

run http16 --compare --floor --backend http --sessions 16
run http1 --compare --backend http --sessions 1
run stateless16 --compare --floor --backend http --sessions 16 --stateless
if [ "${SKIP_STDIO:-0}" != "1" ]; then
  run stdio16 --compare --backend stdio --sessions 16
fi
# The rows whose targets are 5 % apart compare a gateway with itself: PAIRED_ROUNDS rounds after PAIRED_SETTLE seconds,
# and an A/A row (two identical gateways, measured the same way) shows the measure's own error next to them.
# With 2 rounds after 30 s, an A/A run read 0.87 × the throughput and 1.23 × the CPU per call (bench/analysis.md).
row_settle="${PAIRED_SETTLE:-60}" row_rounds="${PAIRED_ROUNDS:-4}"
if [ "${SKIP_AUTH:-0}" != "1" ] || [ "${SKIP_OBSERVABILITY:-0}" != "1" ]; then
  run aa16 --compare-observability --observe none --sessions 16
fi
if [ "${SKIP_AUTH:-0}" != "1" ]; then
  run auth16 --compare-auth --sessions 16
fi
if [ "${SKIP_OBSERVABILITY:-0}" != "1" ]; then
  run obs16 --compare-observability --sessions 16
fi
unset row_settle row_rounds
# A throw-away PostgreSQL cluster for the replicas row (trust auth on 127.0.0.1, in a temp folder, stopped on exit).
pg_root=""
stop_postgres() {
  [ -n "$pg_root" ] || return 0
  local as=(); [ "$(id -u)" -eq 0 ] && as=(runuser -u postgres --)
  "${as[@]}" "$pg_bin/pg_ctl" -D "$pg_root/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$pg_root"
}
start_postgres() {
  # Debian links initdb onto PATH; the real bin folder also holds createdb and the server.
  pg_bin="$(dirname "$(readlink -f "$(command -v initdb 2>/dev/null || ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1)")")"
  [ -x "$pg_bin/initdb" ] || { echo "replicas row: PostgreSQL's initdb not found (apt-get install postgresql) and ONEMCP_BENCH_POSTGRES unset" >&2; return 1; }
  local as=(); [ "$(id -u)" -eq 0 ] && as=(runuser -u postgres --)
  pg_root="$(mktemp -d /tmp/onemcp-bench-pg.XXXXXX)"
  [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$pg_root"
  pg_port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  "${as[@]}" "$pg_bin/initdb" -D "$pg_root/data" -U postgres -A trust -E UTF8 --no-locale --no-sync >/dev/null
  "${as[@]}" "$pg_bin/pg_ctl" -D "$pg_root/data" -l "$pg_root/server.log" -w -t 30 \
    -o "-c listen_addresses=127.0.0.1 -p $pg_port -k $pg_root -c fsync=off -c synchronous_commit=off -c max_connections=200" start >/dev/null
  "${as[@]}" "$pg_bin/createdb" -h 127.0.0.1 -p "$pg_port" -U postgres onemcp_bench
  replicas_db="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=onemcp_bench"
}
trap 'stop_postgres; rm -rf "$results"' EXIT
if [ "${SKIP_REPLICAS:-0}" != "1" ]; then
  if [ -n "${ONEMCP_BENCH_POSTGRES:-}" ]; then
    replicas_db="$ONEMCP_BENCH_POSTGRES"
  else
    replicas_db=""
    start_postgres || { replicas_db=""; status=1; }
  fi
  if [ -n "$replicas_db" ]; then
    run replicas16 --compare-replicas --database "$replicas_db" --sessions 16 --label "16 sessions, HAProxy over two replicas / one replica"
  fi
fi
scenario() {
  local name="$1"; shift
  local cmd=(dotnet "$dll" "$@" --json "$results/$name.json")
  printf '%s\n' "${cmd[*]}" | sed "s#$results/##" >>"$results/commands.txt"
  echo "==> ${cmd[*]}"
  "${cmd[@]}" || status=$?
}

if [ "${SKIP_SCENARIOS:-0}" != "1" ]; then
  scenario start0 --cold-start 0 --repeat "${START_REPEAT:-5}"
  scenario cold30 --cold-start "${COLD_BACKENDS:-30}" --repeat "${COLD_REPEAT:-3}"
  scenario cold30bash --cold-start "${COLD_BACKENDS:-30}" --stdio-server bash --repeat "${COLD_REPEAT:-3}"
  scenario list200 --list-tools "${LIST_BACKENDS:-200}" --list-warmup 100 --requests 200
fi
load_after="$(uptime)"

if [ "${SKIP_MICRO:-0}" != "1" ]; then
  echo "==> dotnet $micro_dir/OneMcp.Micro.dll (BenchmarkDotNet, ShortRun)"
  rm -rf "$micro_dir/BenchmarkDotNet.Artifacts"
  load_micro="$(uptime)"
  (cd "$micro_dir" && dotnet OneMcp.Micro.dll --filter "${MICRO_FILTER:-*}" >"$results/micro.log" 2>&1) || status=$?
  printf '%s\n' "$load_micro" >"$results/micro-load.txt"
  cp "$micro_dir"/BenchmarkDotNet.Artifacts/results/*-report-github.md "$results/" 2>/dev/null || true
fi

mem="$(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
cpu="$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)"

python3 - "$results" "$out" "$rounds" <<PY
import json, os, sys
results, out, rounds = sys.argv[1], sys.argv[2], sys.argv[3]
def load(name):
    path = os.path.join(results, name + ".json")
    return json.load(open(path)) if os.path.exists(path) else None
runs = [(n, load(n)) for n in ("http16", "http1", "stateless16", "stdio16")]
runs = [(n, r) for n, r in runs if r is not None]
start, cold, coldbash, lst, auth, obs, aa = load("start0"), load("cold30"), load("cold30bash"), load("list200"), load("auth16"), load("obs16"), load("aa16")
replicas = load("replicas16")
commands = open(os.path.join(results, "commands.txt")).read().strip().splitlines()
def f(x, d=1):
    return "-" if x is None else f"{x:.{d}f}"
lines = []
w = lines.append
w("# Benchmarks")
w("")
w("Generated by \`bench/run.sh\` (do not edit by hand; run it again). Every row is one run of")
w("\`bench/LoadGen --compare\`: the same test server is measured through the gateway and directly, in")
w(f"{rounds} rounds (the A/A, auth and observability rows: the rounds they name) of the phases gateway, direct, direct, gateway (A B B A) of one run, so that the ratios are side by side")
w("on the same noisy machine. The load generator runs on the same machine. Each session is opened with a raw")
w("streamable-HTTP \`initialize\`; then every session loops \`tools/call\` of \`echo\` (through the gateway:")
w("\`bench_1mcp_echo\`) over one shared HttpClient connection pool. Latencies are client-side, in ms. Ratios are")
w("the median of the rounds' ratios; req/s and latencies the median of the phases. Before the first phase every target")
w("(gateway, direct, null proxy) gets unmeasured load until its JIT has finished with the hot path, so that the phases")
w("measure steady state; what start-up costs is measured by the cold-start rows. The 2026-07-28 row has no sessions: each of")
w("its clients loops self-contained \`tools/call\` POSTs as that revision writes them (\`Mcp-Method\`/\`Mcp-Name\` headers,")
w("protocol version, capabilities and client info in \`_meta\`), through the gateway and directly (the test server then serves")
w("2026-07-28 requests statelessly, \`--session-mode hybrid\`); the gateway speaks 2026-07-28 to the test server too.")
w("")
w("## Conditions")
w("")
w("- date: $(date -u '+%Y-%m-%d %H:%M UTC')")
w("- machine: $(nproc) CPUs ($cpu), $mem memory, $(uname -sr)")
w("- .NET SDK: $(dotnet --version), Release build")
w("- load before: \`$load_before\`")
w("- load after: \`$load_after\`")
w("- per phase: ${warmup} s warm-up, ${duration} s measured; before the first phase, ${settle} s of unmeasured load on each target")
w("")
w("Commands (from the repository root, after \`dotnet build bench/LoadGen/LoadGen.csproj -c Release\`):")
w("")
w("\`\`\`")
w("bench/run.sh")
for c in commands:
    w(c)
w("\`\`\`")
w("")
w("## Results")
w("")
w("| run | sessions | gateway req/s | direct req/s | gateway/direct | p50 gateway / direct (added) | p99 gateway / direct (added) | errors | gateway RSS idle / load (MB) |")
w("|---|---|---|---|---|---|---|---|---|")
labels = {"http16": "HTTP backend", "http1": "HTTP backend", "stateless16": "HTTP backend, 2026-07-28 requests (clients, no session)", "stdio16": "stdio backend (direct: same server over HTTP)"}
for n, r in runs:
    g, d = r["gateway"], r["direct"]
    w(f"| {labels[n]} | {r['sessions']} | {g['reqPerSec']:.0f} | {d['reqPerSec']:.0f} | {r['throughputRatio']:.2f} | "
      f"{g['p50Ms']:.3f} / {d['p50Ms']:.3f} (+{r['addedP50Ms']:.3f}) | {g['p99Ms']:.3f} / {d['p99Ms']:.3f} (+{r['addedP99Ms']:.3f}) | "
      f"{r['errors']} | {f(r['rssIdleMb'])} / {f(r['rssLoadMb'])} |")
def us(x):
    return "-" if x is None else f"{x:.0f}"
w("")
w("CPU per call, in µs, of the process that answered (from its \`/proc/<pid>/stat\` over the measured window, median of the")
w("phases): less noisy than req/s, because it does not depend on how the two cores were shared. \"direct\" is the test server.")
w("")
w("| run | gateway | direct (test server) | null proxy | gateway − test server |")
w("|---|---|---|---|---|")
for n, r in runs:
    g, d = r.get("gatewayCpuUsPerCall"), r.get("directCpuUsPerCall")
    who = "client(s)" if r.get("protocolVersion") == "2026-07-28" else "session(s)"
    w(f"| {labels[n]}, {r['sessions']} {who} | {us(g)} | {us(d)} | {us(r.get('proxyCpuUsPerCall'))} | {us(None if g is None or d is None else g - d)} |")
floored = [(n, r) for n, r in runs if r.get("proxy")]
if floored:
    w("")
    w("The floor: the null proxy (\`bench/NullProxy\`, an ASP.NET Core app with the gateway's runtime settings that forwards")
    w("\`/mcp\` to the same test server byte for byte, with no MCP logic) measured in the same run, phases gateway, proxy,")
    w("direct, direct, proxy, gateway. No process that receives HTTP and sends HTTP on these two cores can do better.")
    w("")
    w("| run | null proxy req/s | null proxy/direct | gateway/null proxy | p50 null proxy (added to direct) | p99 null proxy (added) | CPU per call gateway / null proxy |")
    w("|---|---|---|---|---|---|---|")
    for n, r in floored:
        pr = r["proxy"]
        g, pc = r.get("gatewayCpuUsPerCall"), r.get("proxyCpuUsPerCall")
        w(f"| {labels[n]}, {r['sessions']} | {pr['reqPerSec']:.0f} | {r['floorRatio']:.2f} | {r['gateway']['reqPerSec'] / pr['reqPerSec']:.2f} | "
          f"{pr['p50Ms']:.3f} (+{pr['p50Ms'] - r['direct']['p50Ms']:.3f}) | {pr['p99Ms']:.3f} (+{pr['p99Ms'] - r['direct']['p99Ms']:.3f}) | "
          f"{'-' if not g or not pc else f'{g / pc:.2f} ×'} |")
def comparison(r, on, off, extra_header="", extra=""):
    # One row of a gateway-against-itself comparison: "gateway" is the variant with the feature on, "direct" without.
    g, d = r["gateway"], r["direct"]
    gc, dc = r.get("gatewayCpuUsPerCall"), r.get("directCpuUsPerCall")
    cpu_ratio = f" ({gc / dc:.2f} ×)" if gc and dc else ""
    w(f"| run | {on} req/s | {off} req/s | {on}/{off} | p50 {on} / {off} | p99 {on} / {off} | CPU per call {on} / {off} (µs) |{extra_header} errors |")
    w("|---|---|---|---|---|---|---|" + ("---|" if extra_header else "") + "---|")
    w(f"| HTTP backend, 16 sessions | {g['reqPerSec']:.0f} | {d['reqPerSec']:.0f} | {r['throughputRatio']:.2f} | "
      f"{g['p50Ms']:.3f} / {d['p50Ms']:.3f} | {g['p99Ms']:.3f} / {d['p99Ms']:.3f} | {us(gc)} / {us(dc)}{cpu_ratio} |{extra} {r['errors']} |")
if aa:
    w("")
    w("A/A, the measure's own error for the rows below: \`--compare-observability --observe none\` starts two identical")
    w("gateways (both without the audit log and without export) and measures them exactly as the rows below measure a")
    w(f"gateway against itself ({aa['rounds']} rounds after {aa['settleS']} s of settling). Any distance from 1.00 here is noise or bias of the method,")
    w("not of the gateway.")
    w("")
    comparison(aa, "A", "A'")
if auth:
    w("")
    w("\`--compare-auth\`: two gateways in front of one HTTP test server, one with \`--enable-auth\` (LoadGen registers, signs")
    w("in, approves and uses the access token on every request), phases auth, plain, plain, auth.")
    w("")
    comparison(auth, "auth", "no auth")
if obs:
    w("")
    w("\`--compare-observability\`: two gateways in front of one HTTP test server, one with the audit log on (the default)")
    w("and OpenTelemetry traces and metrics exported over OTLP/HTTP to a local collector stand-in (LoadGen answers every")
    w("export with an empty 200), one with \`--disable-audit\` and no exporter; phases on, off, off, on. Targets: throughput")
    w("≥ 0.95 × and CPU per call ≤ 1.05 × off.")
    w("")
    comparison(obs, "on", "off", " OTLP exports received |",
               f" {obs.get('otlpExports', '-')} ({obs.get('otlpBytes', 0) / 1048576:.1f} MB) |")
if replicas:
    w("")
    w("\`--compare-replicas\`: two replicas on one PostgreSQL database (a throw-away local cluster) in front of the HTTP test")
    w("server, behind HAProxy started from \`deploy/haproxy.cfg\` (round-robin, no stickiness). 16 legacy sessions are opened")
    w("through HAProxy, so each lives on one replica and about half of its requests reach the other, which relays them")
    w("over its internal hop; against 16 sessions on replica 1 directly. CPU per call: both replicas together against")
    w("replica 1 alone (HAProxy's own is not counted). Phases HAProxy, direct, direct, HAProxy.")
    w("")
    comparison(replicas, "HAProxy over 2 replicas", "1 replica")
w("")
w("Phases, in the order they ran (aa16: \"gateway\" is A, \"direct\" A'; auth16: \"gateway\" is the gateway with --enable-auth, \"direct\" the one without; obs16: \"gateway\" audits and exports, \"direct\" does neither):")
w("")
w("| run | phase | req/s | p50 | p90 | p99 | max | requests | errors | CPU µs/call |")
w("|---|---|---|---|---|---|---|---|---|---|")
for n, r in runs + ([("aa16", aa)] if aa else []) + ([("auth16", auth)] if auth else []) + ([("obs16", obs)] if obs else []) + ([("replicas16", replicas)] if replicas else []):
    for p in r["phases"]:
        w(f"| {n} | {p['name']} | {p['reqPerSec']:.0f} | {p['p50Ms']:.3f} | {p['p90Ms']:.3f} | {p['p99Ms']:.3f} | {p['maxMs']:.3f} | {p['requests']} | {p['errors']} | {us(p.get('cpuUsPerCall'))} |")
if start or cold or lst:
    w("")
    w("## Start and many backends")
    w("")
    w("Start: \`--cold-start 0\` launches the gateway with no backend in a fresh folder (a new SQLite database: the schema")
    w("is created) and times it until it prints its listening line and until a new session's first \`tools/list\` is")
    w("answered; then it starts it again on the same folder (a restart: the schema is current) and times the same.")
    w("")
if start:
    w("| run | listening (ms, median) | first tools/list (ms, median) | starts | gateway RSS (MB) |")
    w("|---|---|---|---|---|")
    w(f"| no backend, fresh database | {start['listeningMs']:.0f} | {start['completeMs']:.0f} | {len(start['runs'])} | {f(start.get('rssMb'))} |")
    w(f"| no backend, restart on that database | {start['restartListeningMs']:.0f} | {start['restartCompleteMs']:.0f} | {len(start['runs'])} | - |")
    w("")
if cold or lst:
    w("Cold start: \`--cold-start 30\` launches the gateway with 30 stdio test servers (each its own \`dotnet\` process) and")
    w("times, from launching the gateway process, until it prints its listening line (it listens once every backend has")
    w("tried to connect) and until the first \`tools/list\` of a new session holds the tools of all 30; three starts, the median")
    w("and the range are shown. \`--stdio-server bash\` does the same with \`bench/StdioEcho/server.sh\`, a stdio MCP server")
    w("that starts in milliseconds, so that what is measured is the gateway's own start. \`--list-tools 200\` runs one HTTP test server behind 200 gateway backends (each its own MCP")
    w("session on that server) and times 200 sequential \`tools/list\` of one session after 100 unmeasured ones, which")
    w("let the list path reach tier 1 (the response body is read in full, not parsed).")
    w("")
colds = [(label, c) for label, c in (("dotnet test servers", cold), ("bash servers (bench/StdioEcho)", coldbash)) if c]
if colds:
    w("| run | listening (ms, median) | complete tools/list (ms, median) | range (ms) | tools | gateway RSS (MB) |")
    w("|---|---|---|---|---|---|")
    for label, c in colds:
        tools = c["runs"][0]["tools"] if c.get("runs") else "-"
        w(f"| cold start, {c['backends']} stdio backends: {label} | {c['listeningMs']:.0f} | {c['completeMs']:.0f} | {c['minCompleteMs']:.0f} to {c['maxCompleteMs']:.0f} | {tools} | {f(c.get('rssMb'))} |")
    w("")
if lst:
    w("| run | tools | p50 | p90 | p99 | max | errors | gateway RSS idle / after (MB) |")
    w("|---|---|---|---|---|---|---|---|")
    w(f"| tools/list, {lst['backends']} backends | {lst['tools']} | {lst['p50Ms']:.3f} | {lst['p90Ms']:.3f} | {lst['p99Ms']:.3f} | {lst['maxMs']:.3f} | {lst['errors']} | {f(lst.get('rssIdleMb'))} / {f(lst.get('rssLoadMb'))} |")
    w("")
micro = sorted(p for p in os.listdir(results) if p.endswith("-report-github.md"))
if micro:
    w("## Micro-benchmarks (bench/Micro)")
    w("")
    load_micro = open(os.path.join(results, "micro-load.txt")).read().strip() if os.path.exists(os.path.join(results, "micro-load.txt")) else "-"
    w("BenchmarkDotNet ShortRun (3 warm-up + 3 measured iterations, in process) of the engine's hot paths, on the same")
    w(f"shared machine (load before: \`{load_micro}\`): wide error columns mean noise, not a property of the code.")
    w("\`dotnet bench/Micro/bin/Release/net10.0/OneMcp.Micro.dll [--filter '*Engine*']\`.")
    for p in micro:
        text = open(os.path.join(results, p)).read()
        table = [l for l in text.splitlines() if l.startswith("|")]
        w("")
        w(f"{p.replace('OneMcp.Micro.', '').replace('-report-github.md', '')}:")
        w("")
        for l in table:
            w(l)
    w("")
w("")
w("## Targets (issue 19; the observability row: issue 17)")
w("")
w("| target | measured | met |")
w("|---|---|---|")
def row(target, measured, ok):
    w(f"| {target} | {measured} | {'yes' if ok else '**no**'} |")
by = dict(runs)
for n, what in (("http16", "16 legacy sessions, HTTP backend"), ("stateless16", "16 clients, 2026-07-28 requests, HTTP backend")):
    r = by.get(n)
    if not r:
        continue
    pr = r.get("proxy")
    if not pr:
        row(f"{what}: throughput ≥ 0.8 × the null proxy", "not measured (no --floor)", False)
        continue
    ratio = r["gateway"]["reqPerSec"] / pr["reqPerSec"]
    row(f"{what}: throughput ≥ 0.8 × the null proxy", f"{ratio:.2f} ×", ratio >= 0.8)
    g, pc = r.get("gatewayCpuUsPerCall"), r.get("proxyCpuUsPerCall")
    if g and pc:
        row(f"{what}: gateway CPU per call ≤ 1.5 × the null proxy's", f"{g:.0f} / {pc:.0f} µs = {g / pc:.2f} ×", g / pc <= 1.5)
if "http1" in by:
    r = by["http1"]
    row("1 session: added p50 ≤ 0.25 ms", f"{r['addedP50Ms']:.3f} ms", r["addedP50Ms"] <= 0.25)
    row("1 session: added p99 ≤ 0.6 ms", f"{r['addedP99Ms']:.3f} ms", r["addedP99Ms"] <= 0.6)
if "stdio16" in by:
    r = by["stdio16"]
    row("16 sessions, stdio backend: throughput ≥ 0.7 × the same server directly over HTTP", f"{r['throughputRatio']:.2f} ×", r["throughputRatio"] >= 0.7)
def paired(r, what, against):
    # A gateway against itself: throughput ≥ 0.95 × and CPU per call ≤ 1.05 × the other.
    row(f"{what}: throughput ≥ 0.95 × {against}", f"{r['throughputRatio']:.2f} ×", r["throughputRatio"] >= 0.95)
    on, off = r.get("gatewayCpuUsPerCall"), r.get("directCpuUsPerCall")
    if on and off:
        row(f"{what}: CPU per call ≤ 1.05 × {against}", f"{on / off:.2f} ×", on / off <= 1.05)
if auth:
    paired(auth, "--enable-auth", "without")
if start:
    worst = max(start["listeningMs"], start["restartListeningMs"])
    row("start with no backend: listening ≤ 0.4 s after launch", f"{start['listeningMs'] / 1000:.2f} s fresh, {start['restartListeningMs'] / 1000:.2f} s restart (medians of {len(start['runs'])})", worst <= 400)
if coldbash:
    row(f"cold start, {coldbash['backends']} fast stdio backends (bench/StdioEcho): complete tools/list ≤ 1.0 s", f"{coldbash['completeMs'] / 1000:.2f} s (median of {len(coldbash['runs'])})", coldbash["completeMs"] <= 1000)
row("the gateway's own share of a start with 30 Node backends no larger than 1MCP's", "not measured by bench/run.sh (needs 1MCP)", False)
idle = [r["rssIdleMb"] for _, r in runs if r.get("rssIdleMb") is not None]
loaded = [by[n]["rssLoadMb"] for n in ("http16", "stdio16") if n in by and by[n].get("rssLoadMb") is not None]
if idle:
    row("gateway RSS idle ≤ 80 MB", f"{max(idle):.1f} MB (highest of the runs)", max(idle) <= 80)
if loaded:
    row("gateway RSS under the 16-session load ≤ 120 MB", f"{max(loaded):.1f} MB", max(loaded) <= 120)
if lst:
    row(f"tools/list with {lst['backends']} backends: p99 ≤ 15 ms", f"{lst['p99Ms']:.1f} ms", lst["p99Ms"] <= 15)
if obs:
    paired(obs, "issue 17: audit log and OTLP export on", "off")
if replicas:
    row("16 sessions through HAProxy over two replicas (relay hop): zero errors", str(replicas["errors"]), replicas["errors"] == 0)
errors = sum(r["errors"] for _, r in runs) + sum(x["errors"] for x in (start, cold, coldbash, lst, auth, obs, aa, replicas) if x)
row("zero errors in every run", str(errors), errors == 0)
analysis = "bench/analysis.md"
if os.path.exists(analysis):
    w("")
    w(open(analysis).read().rstrip())
open(out, "w").write("\n".join(lines) + "\n")
PY
echo "==> wrote $out"
exit "$status"
