// subscriptions/listen with the official TypeScript SDK v2 client pinned to 2026-07-28, driven by the integration tests:
//   node listen.mjs <mcp-url> <filter-json>
// <filter-json> is the listen filter, e.g. '{"toolsListChanged":true,"resourceSubscriptions":["a_1mcp_test://x"]}'.
// It prints one JSON line per event, so the test can act on each as it comes:
//   {"event":"acknowledged","honored":{...}}                   once the gateway acknowledged the subscription
//   {"event":"notification","method":"...","params":{...}}    each change notification, with its _meta
//   {"event":"closed","reason":"local|graceful|remote"}        when the subscription ended
// It closes the subscription when its standard input ends, and exits. An access token comes from ONEMCP_TOKEN.
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';

const [url, filterJson] = process.argv.slice(2);
if (!url || !filterJson) {
  console.error('usage: node listen.mjs <mcp-url> <filter-json>');
  process.exit(2);
}

const print = (line) => process.stdout.write(`${JSON.stringify(line)}\n`);
const headers = process.env.ONEMCP_TOKEN ? { Authorization: `Bearer ${process.env.ONEMCP_TOKEN}` } : {};
const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } });
const client = new Client({ name: 'onemcp-node-listen', version: '1.0.0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });

for (const method of [
  'notifications/tools/list_changed',
  'notifications/prompts/list_changed',
  'notifications/resources/list_changed',
  'notifications/resources/updated',
]) {
  client.setNotificationHandler(method, (notification) => print({ event: 'notification', method, params: notification.params ?? null }));
}

await client.connect(transport);
const subscription = await client.listen(JSON.parse(filterJson));
print({ event: 'acknowledged', protocolVersion: client.getNegotiatedProtocolVersion() ?? null, honored: subscription.honoredFilter });

const stdinEnded = new Promise((resolve) => {
  process.stdin.on('end', resolve);
  process.stdin.resume();
});
const reason = await Promise.race([subscription.closed, stdinEnded.then(() => null)]);
if (reason === null) {
  await subscription.close();
  print({ event: 'closed', reason: await subscription.closed });
} else {
  print({ event: 'closed', reason });
}
await client.close();
