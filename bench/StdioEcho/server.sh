#!/usr/bin/env bash
# A minimal MCP server over stdio (newline-delimited JSON-RPC) in plain bash: 15 tools that answer with a fixed
# text. bench/LoadGen --cold-start K --stdio-server bash starts K of these behind the gateway, so that the measured
# start is the gateway's own: a bash process starts in a few milliseconds, where the in-repo .NET test server takes
# about 0.9 s of CPU (30 of them need 13 s of two cores before the gateway can list anything).
# It reads only what it needs (id, method, the protocol version asked for) with patterns, not a JSON parser: a fixture
# for the benchmark, not an example of a server.
name="${1:-echo}"
tools=""
for i in $(seq 0 14); do
  tool="echo_$i"
  [ "$i" = 0 ] && tool="echo"
  tools+="${tools:+,}{\"name\":\"$tool\",\"description\":\"Answers with a fixed text ($name).\",\"inputSchema\":{\"type\":\"object\",\"properties\":{\"message\":{\"type\":\"string\"}}}}"
done

while IFS= read -r line; do
  [[ $line =~ \"id\":(\"[^\"]*\"|[0-9]+) ]] || continue # notifications need no answer
  id="${BASH_REMATCH[1]}"
  [[ $line =~ \"method\":\"([^\"]*)\" ]] || continue # an answer to a request this server never sends
  case "${BASH_REMATCH[1]}" in
    initialize)
      version="2025-06-18"
      [[ $line =~ \"protocolVersion\":\"([^\"]*)\" ]] && version="${BASH_REMATCH[1]}"
      printf '{"jsonrpc":"2.0","id":%s,"result":{"protocolVersion":"%s","capabilities":{"tools":{}},"serverInfo":{"name":"%s","version":"1.0.0"}}}\n' "$id" "$version" "$name" ;;
    ping)
      printf '{"jsonrpc":"2.0","id":%s,"result":{}}\n' "$id" ;;
    tools/list)
      printf '{"jsonrpc":"2.0","id":%s,"result":{"tools":[%s]}}\n' "$id" "$tools" ;;
    tools/call)
      printf '{"jsonrpc":"2.0","id":%s,"result":{"content":[{"type":"text","text":"ok"}]}}\n' "$id" ;;
    *)
      printf '{"jsonrpc":"2.0","id":%s,"error":{"code":-32601,"message":"Method not found"}}\n' "$id" ;;
  esac
done
