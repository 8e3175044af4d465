#!/usr/bin/env bash
# Builds the solution and runs every test project; ends with the line "N passed, N failed[, N skipped]".
# Works on a fresh machine with the .NET SDK: it installs nothing else the current tests need.
set -euo pipefail
cd "$(dirname "$0")/.."

results="$(mktemp -d)"
trap 'rm -rf "$results"' EXIT

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

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
