// A 2026-07-28 MCP server built with the official TypeScript SDK v2 (@modelcontextprotocol/server), served over
// streamable HTTP without sessions, for the integration tests to put behind the gateway as a backend:
//   node modern-server.mjs <port>      (0 picks a free port)
// Once it listens it prints one line, "LISTENING http://127.0.0.1:<port>/mcp", and serves until killed.
// Tools: echo; ask_name (input_required with an elicitation, completes with the answer), and the same as ask_naïve; ask_model
// (input_required with a sampling request, completes with the model's text); add_tool (registers a tool that
// echoes, and announces the change on every open subscriptions/listen stream); touch_resource (announces a
// resource update to the listens that follow it); log_level (the per-request log level it was sent). A resource
// and a prompt.
import http from 'node:http';
import {
  McpServer, createMcpHandler, fromJsonSchema, inputRequired, inputResponse,
} from '@modelcontextprotocol/server';

const port = Number(process.argv[2] ?? '0');
const added = [];

const messageSchema = () => fromJsonSchema({
  type: 'object', properties: { message: { type: 'string' } }, required: ['message'],
});
const text = (value) => ({ content: [{ type: 'text', text: value }] });

function createServer() {
  const server = new McpServer(
    { name: 'modern', version: '1.0.0' },
    {
      capabilities: {
        tools: { listChanged: true },
        resources: { listChanged: true, subscribe: true },
        prompts: { listChanged: true },
      },
    },
  );

  server.registerTool('echo', { description: 'Echoes its message.', inputSchema: messageSchema() },
    async ({ message }) => text(message));

  const askName = async (ctx) => {
    const answer = inputResponse(ctx.mcpReq.inputResponses, 'name');
    if (answer.kind !== 'elicit') {
      return inputRequired({
        inputRequests: {
          name: inputRequired.elicit({
            message: 'What is your name?',
            requestedSchema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] },
          }),
        },
      });
    }

    return text(answer.action === 'accept' ? `hello ${answer.content?.name}` : `no name (${answer.action})`);
  };
  server.registerTool('ask_name', { description: 'Asks the user for a name (elicitation), then greets it.' }, askName);
  // The same under a name beyond ASCII, which a 2026-07-28 request carries Base64-encoded in its Mcp-Name header.
  server.registerTool('ask_naïve', { description: 'ask_name under a name that is not plain ASCII.' }, askName);

  server.registerTool('ask_model', { description: 'Asks the client\'s model (sampling), then returns its answer.' },
    async (ctx) => {
      const answer = inputResponse(ctx.mcpReq.inputResponses, 'model');
      if (answer.kind !== 'sampling') {
        return inputRequired({
          inputRequests: {
            model: inputRequired.createMessage({
              messages: [{ role: 'user', content: { type: 'text', text: 'Say something.' } }],
              maxTokens: 50,
            }),
          },
        });
      }

      const content = Array.isArray(answer.result.content) ? answer.result.content[0] : answer.result.content;
      return text(`model said: ${content?.text}`);
    });

  server.registerTool('add_tool', {
    description: 'Registers a tool that echoes its message, and announces the change.',
    inputSchema: fromJsonSchema({ type: 'object', properties: { name: { type: 'string' } }, required: ['name'] }),
  }, async ({ name }) => {
    if (!added.includes(name)) {
      added.push(name);
      handler.notify.toolsChanged();
    }

    return text(`added ${name}`);
  });

  server.registerTool('touch_resource', {
    description: 'Announces that a resource changed (on the listen streams that follow it).',
    inputSchema: fromJsonSchema({ type: 'object', properties: { uri: { type: 'string' } }, required: ['uri'] }),
  }, async ({ uri }) => {
    handler.notify.resourceUpdated(uri);
    return text(`touched ${uri}`);
  });

  server.registerTool('log_level', { description: 'Returns the log level the request asked for in _meta, or "none".' },
    async (ctx) => text(String(ctx.mcpReq.envelope?.logLevel ?? ctx.mcpReq.envelope?.['io.modelcontextprotocol/logLevel'] ?? 'none')));

  for (const name of added) {
    server.registerTool(name, { description: 'dynamic tool', inputSchema: messageSchema() },
      async ({ message }) => text(message));
  }

  server.registerResource('greeting', 'modern://greeting', { mimeType: 'text/plain' },
    async (uri) => ({ contents: [{ uri: uri.href, text: 'hello from modern' }] }));

  server.registerPrompt('welcome', { description: 'A welcome message.' },
    () => ({ messages: [{ role: 'user', content: { type: 'text', text: 'welcome to modern' } }] }));

  return server;
}

// Every HTTP request gets a fresh server instance from the factory; the dynamic tools live in `added`.
const handler = createMcpHandler(() => createServer(), { legacy: 'reject' });

// node:http in front of the web-standard handler: the request body is read whole, the response (JSON or an SSE
// stream, e.g. subscriptions/listen) is piped back, and a client that disconnects aborts the exchange.
const httpServer = http.createServer(async (req, res) => {
  try {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const body = Buffer.concat(chunks);
    const aborted = new AbortController();
    res.on('close', () => aborted.abort());
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      for (const item of Array.isArray(value) ? value : [value]) headers.append(name, item);
    }

    const request = new Request(`http://127.0.0.1:${httpServer.address().port}${req.url}`, {
      method: req.method, headers, body: body.length > 0 ? body : undefined, signal: aborted.signal,
    });
    const response = await handler.fetch(request);
    res.writeHead(response.status, Object.fromEntries(response.headers));
    if (response.body) {
      for await (const chunk of response.body) res.write(chunk);
    }

    res.end();
  } catch (error) {
    console.error(`modern-server: ${error?.stack ?? error}`);
    if (!res.headersSent) res.writeHead(500);
    res.end();
  }
});

httpServer.listen(port, '127.0.0.1', () => {
  console.log(`LISTENING http://127.0.0.1:${httpServer.address().port}/mcp`);
});
