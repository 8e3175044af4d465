#!/usr/bin/env bash
# Builds the solution and runs every test project; ends with the line "N passed, N failed[, N skipped]".
# Works on a fresh machine with the .NET SDK: it installs what else the tests need and can be installed (PostgreSQL, Chromium, HAProxy; as root; the Node test clients with npm).
set -euo pipefail
cd "$(dirname "$0")/.."

results="$(mktemp -d)"
trap 'rm -rf "$results"' EXIT

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

# PostgreSQL: the persistence tests start a throw-away cluster from local initdb/pg_ctl unless
# ONEMCP_TEST_POSTGRES names a server. Chromium: the browser tests drive the system's Chromium
# (/usr/bin/chromium, or ONEMCP_CHROMIUM) through Playwright, never a Playwright download.
# HAProxy: the replica tests put it in front of three gateways (/usr/sbin/haproxy, haproxy on PATH, or ONEMCP_HAPROXY).
# Install what is missing from the system packages (one apt-get update for all).
have_initdb() {
  command -v initdb >/dev/null 2>&1 && return 0
  compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null
}
can_apt=0
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then can_apt=1; fi
packages=()

if [ -z "${ONEMCP_TEST_POSTGRES:-}" ] && ! have_initdb; then
  if [ "$can_apt" -eq 1 ]; then
    packages+=(postgresql)
  else
    echo "warning: PostgreSQL is missing and cannot be installed here; the PostgreSQL tests will fail." >&2
    echo "         Install it (sudo apt-get install postgresql) or set ONEMCP_TEST_POSTGRES to a connection string." >&2
  fi
fi

if [ -n "${ONEMCP_CHROMIUM:-}" ]; then
  if [ ! -x "$ONEMCP_CHROMIUM" ]; then
    echo "warning: ONEMCP_CHROMIUM=$ONEMCP_CHROMIUM is not an executable; the browser tests will fail." >&2
  fi
elif [ ! -x /usr/bin/chromium ]; then
  if [ "$can_apt" -eq 1 ]; then
    packages+=(chromium)
  else
    echo "warning: Chromium (/usr/bin/chromium) is missing and cannot be installed here; the browser tests will fail." >&2
    echo "         Install it (sudo apt-get install chromium) or set ONEMCP_CHROMIUM to a Chromium/Chrome executable." >&2
  fi
fi

if [ -n "${ONEMCP_HAPROXY:-}" ]; then
  if [ ! -x "$ONEMCP_HAPROXY" ]; then
    echo "warning: ONEMCP_HAPROXY=$ONEMCP_HAPROXY is not an executable; the replica tests will fail." >&2
  fi
elif [ ! -x /usr/sbin/haproxy ] && ! command -v haproxy >/dev/null 2>&1; then
  if [ "$can_apt" -eq 1 ]; then
    packages+=(haproxy)
  else
    echo "warning: HAProxy is missing and cannot be installed here; the replica tests will fail." >&2
    echo "         Install it (sudo apt-get install haproxy) or set ONEMCP_HAPROXY to a haproxy executable." >&2
  fi
fi

if [ "${#packages[@]}" -gt 0 ]; then
  echo "==> Installing ${packages[*]} (system packages) for the tests"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}" >/dev/null
fi

# Node: the protocol tests drive the official TypeScript MCP client (tests/NodeClients, versions pinned by
# its package-lock.json).
if command -v npm >/dev/null 2>&1; then
  echo "==> Installing the Node test clients (tests/NodeClients)"
  npm ci --prefix tests/NodeClients --no-audit --no-fund --silent
else
  echo "warning: Node.js/npm is missing; the tests that drive the TypeScript MCP client will fail." >&2
  echo "         Install Node.js 20 or later (sudo apt-get install nodejs npm)." >&2
fi

echo "==> Building OneMcp.sln"
dotnet build OneMcp.sln --nologo -v quiet

status=0
for project in tests/UnitTests tests/IntegrationTests; do
  name="$(basename "$project")"
  echo "==> Testing $name"
  dotnet test "$project" --no-build --nologo \
    --logger "trx;LogFileName=$results/$name.trx" \
    --logger "console;verbosity=minimal" || status=1
done

# Sum the counters of every TRX file so the last line speaks for the whole run.
passed=0 failed=0 skipped=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters="$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)"
  get() { echo "$counters" | sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p"; }
  passed=$((passed + $(get passed)))
  failed=$((failed + $(get failed) + $(get error) + $(get timeout) + $(get aborted)))
  skipped=$((skipped + $(get notExecuted)))
done

if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  # A test host that crashed leaves no counters behind; never report that as green.
  failed=1
fi

line="$passed passed, $failed failed"
[ "$skipped" -gt 0 ] && line="$line, $skipped skipped"
echo "$line"
[ "$failed" -eq 0 ] && [ "$status" -eq 0 ]
