// Multi Round-Trip Requests with the official TypeScript SDK v2 client pinned to 2026-07-28, driven by the
// integration tests against the gateway:
//   node mrtr.mjs <mcp-url> <server>   (<server> '' = the backend's own names, for /mcp/<server>)
// It declares elicitation and sampling, answers them through its own handlers (the SDK fulfils the gateway's
// input_required results with them and retries the call), and calls <server>'s `elicit` and `sample` tools,
// whose backend asks its client with ordinary elicitation/create and sampling/createMessage requests.
// An access token, when needed, comes from ONEMCP_TOKEN. It prints one JSON line with what it saw.
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';

const [url, server] = process.argv.slice(2);
if (!url || server === undefined) {
  console.error('usage: node mrtr.mjs <mcp-url> <server>');
  process.exit(2);
}

const headers = process.env.ONEMCP_TOKEN ? { Authorization: `Bearer ${process.env.ONEMCP_TOKEN}` } : {};
const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } });
const client = new Client(
  { name: 'onemcp-node-mrtr', version: '1.0.0' },
  { capabilities: { elicitation: { form: {} }, sampling: {} }, versionNegotiation: { mode: { pin: '2026-07-28' } } },
);

const elicitations = [];
const samplings = [];
client.setRequestHandler('elicitation/create', async (request) => {
  elicitations.push(request.params.message);
  return { action: 'accept', content: { answer: 'node' } };
});
client.setRequestHandler('sampling/createMessage', async (request) => {
  samplings.push(request.params.messages.map((m) => m.content.text ?? '').join(''));
  return { model: 'node-model', role: 'assistant', content: { type: 'text', text: 'four' } };
});

const name = (n) => (server ? `${server}_1mcp_${n}` : n);
const text = (result) => result.content.filter((c) => c.type === 'text').map((c) => c.text).join('');

await client.connect(transport);
try {
  const elicited = text(await client.callTool({ name: name('elicit'), arguments: { message: 'Your name?' } }));
  const sampled = text(await client.callTool({ name: name('sample'), arguments: { prompt: 'What is 2+2?' } }));
  console.log(JSON.stringify({
    protocolVersion: client.getNegotiatedProtocolVersion() ?? null,
    elicited,
    sampled,
    elicitations,
    samplings,
  }));
} finally {
  await client.close();
}
