// MCP flows of the official TypeScript SDK v2 client, driven by the integration tests against the gateway:
//   node flows.mjs <mcp-url> <flow> <server>
// <server> is the backend whose prefixed names (<server>_1mcp_...) the flow uses; an empty <server> ('') uses the
// backends' original names, as /mcp/<server> serves them. Flows:
//   surfaces  resources list/read/templates, prompts list/get and a completion, pinned to 2026-07-28
//   progress  the `progress` tool with an onprogress callback, pinned to 2026-07-28
//   cancel    a `slow` call aborted once the backend runs it, then the backend's `cancellations` count
//   legacy    the same client in `legacy` mode (initialize and a session): tools/list and an echo call
// An access token, when needed, comes from ONEMCP_TOKEN. It prints one JSON line with what the flow saw.
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';

const [url, flow, server] = process.argv.slice(2);
if (!url || !flow || server === undefined) {
  console.error('usage: node flows.mjs <mcp-url> <surfaces|progress|cancel|legacy> <server>');
  process.exit(2);
}

const name = (n) => (server === '' ? n : `${server}_1mcp_${n}`);
const headers = process.env.ONEMCP_TOKEN ? { Authorization: `Bearer ${process.env.ONEMCP_TOKEN}` } : {};
const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } });
const mode = flow === 'legacy' ? 'legacy' : { pin: '2026-07-28' };
const client = new Client({ name: 'onemcp-node-flows', version: '1.0.0' }, { versionNegotiation: { mode } });

const text = (result) => result.content.filter((c) => c.type === 'text').map((c) => c.text).join('');
const callText = async (tool, args, options) => text(await client.callTool({ name: name(tool), arguments: args }, options));
const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function allPages(list, key) {
  const items = [];
  let cursor;
  do {
    const page = await list(cursor ? { cursor } : undefined);
    items.push(...page[key]);
    cursor = page.nextCursor;
  } while (cursor);
  return items;
}

const flows = {
  async surfaces() {
    const resources = await allPages((p) => client.listResources(p), 'resources');
    const templates = await allPages((p) => client.listResourceTemplates(p), 'resourceTemplates');
    const contents = async (uri) => (await client.readResource({ uri })).contents.map((c) => c.text ?? '').join('');
    const readText = await contents(name('test://static/info'));
    const itemText = await contents(name('test://items/7'));
    const prompts = await allPages((p) => client.listPrompts(p), 'prompts');
    const prompt = await client.getPrompt({ name: name('greeting'), arguments: { name: 'node' } });
    const completion = await client.complete({
      ref: { type: 'ref/prompt', name: name('greeting') },
      argument: { name: 'name', value: 'b' },
    });
    const templateCompletion = await client.complete({
      ref: { type: 'ref/resource', uri: name('test://items/{id}') },
      argument: { name: 'id', value: '1' },
    });
    return {
      resources: resources.map((r) => ({ name: r.name, uri: r.uri })),
      resourceTemplates: templates.map((t) => ({ name: t.name, uriTemplate: t.uriTemplate })),
      readText,
      itemText,
      prompts: prompts.map((p) => p.name),
      promptText: prompt.messages.map((m) => (m.content.type === 'text' ? m.content.text : '')).join(''),
      completion: completion.completion.values,
      templateCompletion: templateCompletion.completion.values,
    };
  },

  async progress() {
    const seen = [];
    const result = await callText('progress', { steps: 4, delayMs: 50 }, {
      onprogress: (p) => seen.push({ progress: p.progress, total: p.total ?? null, message: p.message ?? null }),
    });
    return { text: result, progress: seen };
  },

  async cancel() {
    const count = async (tool) => Number(await callText(tool, {}));
    const cancelledBefore = await count('cancellations');
    const startedBefore = await count('slow_started');
    const abort = new AbortController();
    const call = callText('slow', { ms: 30000 }, { signal: abort.signal }).then(
      (t) => ({ outcome: 'completed', detail: t }),
      (e) => ({ outcome: 'aborted', detail: String(e?.name ?? e) }),
    );
    // Generous budgets (15 s each) for a loaded machine; on an idle one both loops end within a few polls.
    let started = startedBefore;
    for (let i = 0; i < 300 && started <= startedBefore; i++) {
      await delay(50);
      started = await count('slow_started');
    }
    abort.abort();
    const settled = await call;
    let cancelledAfter = cancelledBefore;
    for (let i = 0; i < 300 && cancelledAfter <= cancelledBefore; i++) {
      await delay(50);
      cancelledAfter = await count('cancellations');
    }
    return { started: started - startedBefore, call: settled.outcome, cancelled: cancelledAfter - cancelledBefore };
  },

  async legacy() {
    const tools = await allPages((p) => client.listTools(p), 'tools');
    return { tools: tools.map((t) => t.name), text: await callText('echo', { message: 'legacy node' }) };
  },
};

if (!flows[flow]) {
  console.error(`unknown flow '${flow}'`);
  process.exit(2);
}

await client.connect(transport);
try {
  const seen = await flows[flow]();
  console.log(JSON.stringify({
    protocolVersion: client.getNegotiatedProtocolVersion() ?? null,
    era: client.getProtocolEra() ?? null,
    serverName: client.getServerVersion()?.name ?? null,
    ...seen,
  }));
} finally {
  await client.close();
}
