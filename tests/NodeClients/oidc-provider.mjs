// A real, independent OpenID Provider for the single sign-on tests: the certified npm package `oidc-provider`
// (pinned in package.json), with one confidential client, accounts read from a JSON file, and its own tiny
// sign-in page instead of the package's development views.
//
//   node tests/NodeClients/oidc-provider.mjs --accounts <file> --redirect-uri <uri> [options]
//
// Every option is a --flag (--flag value or --flag=value) or, when the flag is absent, an environment variable:
//
//   --port <n>                        OIDC_PORT                       port on 127.0.0.1; 0 (default) picks a free one.
//                                                                     The issuer is http://127.0.0.1:<port> (no trailing slash).
//   --client-id <id>                  OIDC_CLIENT_ID                  default "onemcp".
//   --client-secret <secret>          OIDC_CLIENT_SECRET              default "onemcp-secret".
//   --redirect-uri <uri>              OIDC_REDIRECT_URIS              required; the flag may be repeated, the variable holds
//                                                                     URIs separated by spaces or commas.
//   --post-logout-redirect-uri <uri>  OIDC_POST_LOGOUT_REDIRECT_URIS  optional, same shapes as the redirect URIs.
//   --token-endpoint-auth-method <m>  OIDC_TOKEN_ENDPOINT_AUTH_METHOD client_secret_basic (default) or client_secret_post.
//                                                                     oidc-provider registers exactly one method per client
//                                                                     and refuses the other, so only that one is advertised
//                                                                     in discovery (token_endpoint_auth_methods_supported):
//                                                                     a client that negotiates from the metadata uses it.
//   --par                             OIDC_PAR=1                      enable pushed authorization requests (RFC 9126). Off by
//                                                                     default: a client that finds PAR in the metadata uses it
//                                                                     (OpenIddict's client does), and the tests need the
//                                                                     authorization request's parameters (nonce, state...) in
//                                                                     the browser's URL to tamper with them.
//   --accounts <file>                 OIDC_ACCOUNTS_FILE              required; JSON object, key = sub:
//          { "ada": { "email": "ada@corp.example", "email_verified": true, "name": "Ada Admin",
//                     "preferred_username": "ada", "groups": ["onemcp-admins", "engineering"] } }
//          The file is read again on every account lookup, so a test can change a user's groups (or remove the
//          user) between two sign-ins by rewriting it (write a temporary file and rename it over this one).
//   --clock-offset=<seconds>          OIDC_CLOCK_OFFSET               default 0 (write a negative value with "=", as
//          --clock-offset=-7200: node's argument parser takes "-7200" after a space for an option). Shifts the provider's "now" (Date.now is
//          replaced at start) by that many seconds: with -7200 every token it issues (iat, exp, auth_time) is two hours
//          old, so its ID token (lifetime one hour) has already expired when the client receives it. The interaction
//          and session lifetimes are lengthened by the same amount so their cookies are still alive on the client's
//          (real) clock.
//
// Client: grant authorization_code, response type code, PKCE with S256 required (code_challenge_methods_supported
// is ["S256"]). Scopes and claims: openid -> sub; profile -> name, preferred_username, groups; email -> email,
// email_verified. The claims go into the ID token as well (conformIdTokenClaims: false) and are served from
// userinfo. Authorization responses carry `iss` (RFC 9207; discovery says
// authorization_response_iss_parameter_supported: true).
//
// Sign-in: GET /interaction/<uid> shows a form (POST /interaction/<uid>/login, one field "username", button
// "Sign in"). No password: a name that exists in the accounts file signs in, and consent to everything requested is
// given in the same step; an unknown name shows the form again with "Unknown user". A consent prompt that still
// follows is granted without a page.
//
// Output: exactly one line on stdout when ready, "oidc-provider listening <issuer>"; errors, and the time each step
// of the start took, go to stderr. SIGTERM (or SIGINT) closes the server and exits 0. The package warns on stderr
// that Node 20 is not a supported runtime (it wants Node 22 LTS); it works on Node 20.20.

import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';

import { Provider, errors } from 'oidc-provider';

const { values: flags } = parseArgs({
  options: {
    port: { type: 'string' },
    'client-id': { type: 'string' },
    'client-secret': { type: 'string' },
    'redirect-uri': { type: 'string', multiple: true },
    'post-logout-redirect-uri': { type: 'string', multiple: true },
    'token-endpoint-auth-method': { type: 'string' },
    par: { type: 'boolean' },
    accounts: { type: 'string' },
    'clock-offset': { type: 'string' },
  },
  strict: true,
});

const env = process.env;
const list = (value) => (value ?? '').split(/[\s,]+/).filter(Boolean);

const options = {
  port: Number(flags.port ?? env.OIDC_PORT ?? 0),
  clientId: flags['client-id'] ?? env.OIDC_CLIENT_ID ?? 'onemcp',
  clientSecret: flags['client-secret'] ?? env.OIDC_CLIENT_SECRET ?? 'onemcp-secret',
  redirectUris: flags['redirect-uri'] ?? list(env.OIDC_REDIRECT_URIS),
  postLogoutRedirectUris: flags['post-logout-redirect-uri'] ?? list(env.OIDC_POST_LOGOUT_REDIRECT_URIS),
  tokenEndpointAuthMethod: flags['token-endpoint-auth-method'] ?? env.OIDC_TOKEN_ENDPOINT_AUTH_METHOD ?? 'client_secret_basic',
  par: flags.par ?? ['1', 'true'].includes(env.OIDC_PAR ?? ''),
  accountsFile: flags.accounts ?? env.OIDC_ACCOUNTS_FILE,
  clockOffset: Number(flags['clock-offset'] ?? env.OIDC_CLOCK_OFFSET ?? 0),
};

function fail(message) {
  console.error(`oidc-provider.mjs: ${message}`);
  process.exit(2);
}

if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535) fail('--port must be 0..65535');
if (!options.accountsFile) fail('--accounts <file> (or OIDC_ACCOUNTS_FILE) is required');
if (options.redirectUris.length === 0) fail('at least one --redirect-uri (or OIDC_REDIRECT_URIS) is required');
if (!['client_secret_basic', 'client_secret_post'].includes(options.tokenEndpointAuthMethod)) {
  fail('--token-endpoint-auth-method must be client_secret_basic or client_secret_post');
}
if (!Number.isFinite(options.clockOffset)) fail('--clock-offset must be a number of seconds');

// The provider's clock. oidc-provider, jose and the cookie module all read Date.now at call time.
if (options.clockOffset !== 0) {
  const realNow = Date.now.bind(Date);
  const shift = options.clockOffset * 1000;
  Date.now = () => realNow() + shift;
}

function readAccounts() {
  return JSON.parse(readFileSync(options.accountsFile, 'utf8'));
}

function lookUpAccount(id) {
  const accounts = readAccounts();
  return Object.hasOwn(accounts, id) ? accounts[id] : undefined;
}

async function findAccount(ctx, id) {
  const account = lookUpAccount(id);
  if (!account) return undefined;
  return {
    accountId: id,
    // oidc-provider keeps only the claims the granted scopes (and the claims parameter) allow.
    async claims() {
      const current = lookUpAccount(id) ?? account;
      return { ...current, sub: id };
    },
  };
}

const html = (value) => String(value)
  .replaceAll('&', '&amp;')
  .replaceAll('<', '&lt;')
  .replaceAll('>', '&gt;')
  .replaceAll('"', '&quot;')
  .replaceAll("'", '&#39;');

function page(title, body) {
  return `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>${html(title)}</title></head>
<body>
${body}
</body>
</html>`;
}

function loginPage(uid, clientId, error, username) {
  return page('Sign in - test identity provider', `<h1>Sign in to continue to ${html(clientId)}</h1>
${error ? `<p role="alert" class="error">${html(error)}</p>` : ''}
<form method="post" action="/interaction/${html(uid)}/login">
  <label for="username">User name</label>
  <input id="username" name="username" autocomplete="username" autofocus value="${html(username ?? '')}">
  <button type="submit">Sign in</button>
</form>`);
}

// Consent to everything the request asks for: its OpenID scopes, the claims named by a claims parameter, and what a
// consent prompt reports as missing.
async function grantEverything(provider, details, accountId) {
  const { params, prompt } = details;
  const grant = details.grantId
    ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId, clientId: params.client_id });

  if (typeof params.scope === 'string' && params.scope) grant.addOIDCScope(params.scope);
  if (typeof params.claims === 'string' && params.claims) {
    try {
      const requested = JSON.parse(params.claims);
      const names = [...Object.keys(requested.id_token ?? {}), ...Object.keys(requested.userinfo ?? {})];
      if (names.length) grant.addOIDCClaims(names);
    } catch {
      // An unreadable claims parameter was already refused by the authorization endpoint.
    }
  }
  const missing = prompt?.details ?? {};
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  if (missing.missingResourceScopes) {
    for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes)) {
      grant.addResourceScope(indicator, scopes.join(' '));
    }
  }

  const grantId = await grant.save();
  return details.grantId ? {} : { grantId };
}

async function finish(ctx, provider, result) {
  const returnTo = await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: true });
  ctx.status = 303;
  ctx.redirect(returnTo);
}

async function readForm(ctx) {
  const chunks = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    size += chunk.length;
    if (size > 64 * 1024) ctx.throw(413, 'form too large');
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

// The interaction routes, in front of oidc-provider's own (which never use /interaction/...).
function interactions(provider) {
  const show = /^\/interaction\/([\w-]+)$/;
  const login = /^\/interaction\/([\w-]+)\/login$/;

  return async (ctx, next) => {
    const isShow = ctx.method === 'GET' && show.test(ctx.path);
    const isLogin = ctx.method === 'POST' && login.test(ctx.path);
    if (!isShow && !isLogin) return next();

    ctx.set('cache-control', 'no-store');
    try {
      const details = await provider.interactionDetails(ctx.req, ctx.res);
      const { uid, prompt, params } = details;

      if (prompt.name === 'consent') {
        const consent = await grantEverything(provider, details, details.session.accountId);
        return await finish(ctx, provider, { consent });
      }

      if (isShow) {
        ctx.type = 'html';
        ctx.body = loginPage(uid, params.client_id);
        return undefined;
      }

      const form = await readForm(ctx);
      const username = (form.get('username') ?? '').trim();
      if (!username || !lookUpAccount(username)) {
        ctx.type = 'html';
        ctx.body = loginPage(uid, params.client_id, 'Unknown user', username);
        return undefined;
      }

      const consent = await grantEverything(provider, { ...details, grantId: undefined }, username);
      return await finish(ctx, provider, { login: { accountId: username }, consent });
    } catch (err) {
      if (err instanceof errors.SessionNotFound) {
        ctx.status = 400;
        ctx.type = 'html';
        ctx.body = page('Sign-in expired', `<h1>This sign-in has expired or was not started here</h1><p>${html(err.error_description ?? err.message)}</p>`);
        return undefined;
      }
      throw err;
    }
  };
}

// Each step of the start on stderr, with the time since the modules were loaded: a start that stalls shows where.
const loaded = performance.now();
const step = (name) => console.error(`oidc-provider.mjs: ${name} after ${Math.round(performance.now() - loaded)} ms`);

const server = createServer();
await new Promise((resolve, reject) => {
  server.once('error', reject);
  server.listen(options.port, '127.0.0.1', resolve);
});
const issuer = `http://127.0.0.1:${server.address().port}`;
step('socket bound');

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), use: 'sig', alg: 'RS256', kid: 'test-signing-key' };
step('signing key generated');

// A negative clock offset would otherwise give the interaction and session cookies an expiry already past on the
// client's clock.
const lag = Math.max(0, -options.clockOffset);

const provider = new Provider(issuer, {
  clients: [{
    client_id: options.clientId,
    client_secret: options.clientSecret,
    redirect_uris: options.redirectUris,
    post_logout_redirect_uris: options.postLogoutRedirectUris,
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: options.tokenEndpointAuthMethod,
  }],
  clientAuthMethods: [options.tokenEndpointAuthMethod],
  findAccount,
  claims: {
    openid: ['sub'],
    profile: ['name', 'preferred_username', 'groups'],
    email: ['email', 'email_verified'],
  },
  scopes: ['openid'],
  responseTypes: ['code'],
  conformIdTokenClaims: false,
  pkce: { required: () => true },
  features: {
    devInteractions: { enabled: false },
    pushedAuthorizationRequests: { enabled: options.par },
    rpInitiatedLogout: { enabled: true },
  },
  jwks: { keys: [signingKey] },
  cookies: { keys: [randomBytes(32).toString('base64url')] },
  ttl: {
    AccessToken: 3600,
    AuthorizationCode: 60,
    IdToken: 3600,
    Grant: 14 * 24 * 3600,
    Interaction: 3600 + lag,
    Session: 14 * 24 * 3600 + lag,
  },
});

for (const event of ['server_error', 'authorization.error', 'grant.error', 'userinfo.error', 'end_session.error', 'discovery.error', 'jwks.error']) {
  provider.on(event, (ctx, err) => {
    const detail = err?.error_description ? `${err.message}: ${err.error_description}` : (err?.stack ?? String(err));
    console.error(`oidc-provider ${event}: ${ctx?.method ?? ''} ${ctx?.path ?? ''} ${detail}`);
  });
}

provider.use(interactions(provider));
server.on('request', provider.callback());

function stop() {
  server.close(() => process.exit(0));
  server.closeAllConnections();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

console.log(`oidc-provider listening ${issuer}`);
