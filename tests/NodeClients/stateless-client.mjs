// A 2026-07-28 MCP client built with the official TypeScript SDK v2, pinned to that revision (no fallback
// to initialize). The integration tests run it against the gateway's /mcp:
//   node stateless-client.mjs <mcp-url> <tool-to-call> <message>
// An access token, when needed, comes from the ONEMCP_TOKEN environment variable. It prints one JSON line:
// the negotiated revision, the names of the listed tools and the text of the call's result.
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';

const [url, tool, message] = process.argv.slice(2);
if (!url || !tool) {
  console.error('usage: node stateless-client.mjs <mcp-url> <tool> <message>');
  process.exit(2);
}

const headers = process.env.ONEMCP_TOKEN ? { Authorization: `Bearer ${process.env.ONEMCP_TOKEN}` } : {};
const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } });
const client = new Client(
  { name: 'onemcp-node-stateless-client', version: '1.0.0' },
  { versionNegotiation: { mode: { pin: '2026-07-28' } } },
);

await client.connect(transport);
try {
  const tools = [];
  let cursor;
  do {
    const page = await client.listTools(cursor ? { cursor } : undefined);
    tools.push(...page.tools.map((t) => t.name));
    cursor = page.nextCursor;
  } while (cursor);

  const result = await client.callTool({ name: tool, arguments: { message } });
  const text = result.content.filter((c) => c.type === 'text').map((c) => c.text).join('');
  console.log(JSON.stringify({
    protocolVersion: client.getNegotiatedProtocolVersion(),
    serverName: client.getServerVersion()?.name ?? null,
    tools,
    isError: result.isError === true,
    text,
  }));
} finally {
  await client.close();
}
