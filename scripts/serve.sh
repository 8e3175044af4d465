#!/usr/bin/env bash
# Builds the gateway and the demo backends, then runs the gateway on the embedded defaults with the
# example configuration (examples/mcp.json) at http://127.0.0.1:3050/mcp. Extra arguments go to
# 'onemcp serve', e.g. scripts/serve.sh --port 4000 --log-level debug.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build src/Api --nologo -v quiet
dotnet build tests/TestServer --nologo -v quiet
exec dotnet src/Api/bin/Debug/net10.0/onemcp.dll serve --config examples/mcp.json "$@"
