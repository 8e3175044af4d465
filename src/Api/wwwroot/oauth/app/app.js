// OneMcp OAuth management dashboard (/oauth): plain ES modules, no build step, nothing loaded from elsewhere.
//
// Stable selectors (browser tests and scripts rely on them; keep them):
//   navigation      links by their text: "Backends", "Requests", "Clients", "Tag scopes", "Presets", "Activity",
//                   "My connections", "Users" (hash routes #backends, #requests, #clients, #tags, #presets, #activity,
//                   #connections, #users; "Users" only for admins)
//   backend row     tr[data-backend="<name>"] (a card at phone width, same element), containing
//                   .status whose text is exactly Connected | Awaiting OAuth | Error | Disconnected |
//                   Connecting | Disabled (details such as the last error are in .status-note, outside .status)
//   buttons         by accessible name: Authorize, Restart OAuth, Enable, Disable, Edit, Remove, Approve, Deny,
//                   Revoke, Save, Sign out
//   request         [data-request="<id>"] (Requests view rows, and the "Approve the connection of <backend>?"
//                   panel shown after a backend's authorization page sent the browser back with ?request=<id>;
//                   while that panel is shown, the Requests view leaves that request out, so the id is unique)
//   client          [data-client="<clientId>"]; grant rows [data-grant="<id>"]
//   tag scope row   [data-tag="<tag>"]; user row [data-user="<userName>"]
//   preset row      tr[data-preset="<name>"] with .backends (chips of the backends it selects now) and input.url (the client
//                   URL, Copy beside it); admins: input.expression, input.description, Save, Remove, and the form
//                   "Add preset" with input[name=presetName], input[name=expression], input[name=description]
//   my connections  rows tr[data-connection="<backend>"] with .status exactly Connected | Not connected | Awaiting
//                   approval, one input[type=password][data-secret="<NAME>"] per secret (never filled) whose
//                   [data-secret-of="<NAME>"] .set-on says "set on <date>" or "not set", buttons Save, Connect account
//                   (Reconnect account), Disconnect; admins: tr[data-connection-of="<backend>/<user>"] with Approve
//                   and Revoke
//   activity        filters select[name=backend], select[name=outcome], input[name=user]; audit rows
//                   tr[data-audit="<id>"] (cells .user .kind .backend .target .outcome .duration); per-backend
//                   chart cards [data-activity-backend="<name>"] with .n-calls .n-errors .n-p95 and svg.chart
//                   (one g.bucket per 5 minutes)
//   banners         #error[role=alert] (the API's ProblemDetails detail), #note[role=status] (success notes)
//   dialogs         Remove (backend, user, preset), Revoke and Disconnect ask window.confirm first: tests must accept the dialog
//                   (Playwright dismisses dialogs by default, and a dismissed confirm does nothing)

import * as api from './api.js';
import { h, setText, timeEl } from './dom.js';
import * as backends from './views/backends.js';
import * as requests from './views/requests.js';
import * as clients from './views/clients.js';
import * as tags from './views/tags.js';
import * as presets from './views/presets.js';
import * as users from './views/users.js';
import * as activity from './views/activity.js';
import * as connections from './views/connections.js';

const REFRESH_MS = 3000;
const LOGIN_URL = '/login?returnUrl=%2Foauth';

const routes = {
  backends: { module: backends, title: 'Backends' },
  requests: { module: requests, title: 'Requests' },
  clients: { module: clients, title: 'Clients' },
  tags: { module: tags, title: 'Tag scopes' },
  presets: { module: presets, title: 'Presets' },
  activity: { module: activity, title: 'Activity' },
  connections: { module: connections, title: 'My connections' },
  users: { module: users, title: 'Users', adminOnly: true },
};

const errorBanner = document.getElementById('error');
const noteBanner = document.getElementById('note');
const viewsEl = document.getElementById('views');
const callbackEl = document.getElementById('callback');
const instances = new Map();
const busy = new WeakSet();
let errorSource = null;
let noteTimer = 0;
let current = null;
let refreshing = null;

const ctx = {
  session: null,
  isAdmin: true,
  callbackRequestId: null,
  api,
  notify,
  fail,
  clearError,
  act,
  refresh: () => refreshNow(),
  go: route => { if (location.hash !== `#${route}`) location.hash = route; },
};

function showError(message, source) {
  errorSource = source;
  const text = h('div', null, h('strong', { text: 'Error: ' }), message);
  const dismiss = h('button', { type: 'button', class: 'dismiss', text: 'Dismiss', onclick: () => clearError() });
  if (errorBanner.hidden || errorBanner.dataset.message !== message) {
    errorBanner.dataset.message = message;
    errorBanner.replaceChildren(text, dismiss);
  }
  errorBanner.hidden = false;
}

/** Shows an error in the alert banner; source lets a later success of the same source clear it. */
function fail(error, source = 'action') {
  showError(error?.message || String(error), source);
}

function clearError(source) {
  if (source && errorSource !== source) return;
  errorSource = null;
  errorBanner.hidden = true;
  delete errorBanner.dataset.message;
  errorBanner.replaceChildren();
}

function notify(message) {
  clearTimeout(noteTimer);
  setText(noteBanner, message);
  noteTimer = setTimeout(() => setText(noteBanner, ''), 8000);
}

/**
 * Runs an action started by a button: one at a time per button (the button keeps its focus: it is marked
 * busy rather than disabled), errors to the banner, success to the note, then a refresh of the view.
 * buttons may be one button or the group that makes one decision (Approve and Deny): while one of them
 * works, a click on any of them sends nothing.
 */
async function act(buttons, work, success) {
  const group = [buttons ?? []].flat();
  if (group.some(b => busy.has(b))) return undefined;
  for (const b of group) {
    busy.add(b);
    b.setAttribute('aria-busy', 'true');
  }
  try {
    const result = await work();
    clearError('action');
    if (success) notify(typeof success === 'function' ? success(result) : success);
    refreshNow();
    return result;
  } catch (error) {
    fail(error, 'action');
    return undefined;
  } finally {
    for (const b of group) {
      busy.delete(b);
      b.removeAttribute('aria-busy');
    }
  }
}

function routeFromHash() {
  const name = location.hash.replace(/^#/, '');
  if (routes[name] && (!routes[name].adminOnly || ctx.isAdmin)) return name;
  return null;
}

function show(name) {
  if (!name) return;
  current = name;
  for (const link of document.querySelectorAll('#nav a[data-route]')) {
    if (link.dataset.route === name) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  let instance = instances.get(name);
  if (!instance) {
    instance = routes[name].module.create(ctx);
    instance.el.classList.add('view');
    instance.el.dataset.view = name;
    instances.set(name, instance);
    viewsEl.append(instance.el);
  }
  for (const [key, other] of instances) other.el.hidden = key !== name;
  viewsEl.querySelector('.loading')?.remove();
  document.title = `${routes[name].title} · OneMcp`;
  refreshNow();
}

function refreshNow() {
  if (!current) return Promise.resolve();
  if (refreshing) {
    refreshing.again = true;
    return refreshing.promise;
  }
  const state = { again: false, promise: null };
  refreshing = state;
  state.promise = (async () => {
    do {
      state.again = false;
      const name = current;
      try {
        await instances.get(name).refresh();
        clearError(`view:${name}`);
      } catch (error) {
        fail(error, `view:${name}`);
      }
    } while (state.again);
    refreshing = null;
  })();
  return state.promise;
}

function renderAccount(session) {
  const account = document.getElementById('account');
  if (!session.authEnabled) {
    account.replaceChildren(h('span', { class: 'chip', title: 'Started without --enable-auth: every action is open to whoever reaches this address.', text: 'Authentication off' }));
    return;
  }
  const user = session.user ?? { name: '?', role: 'member' };
  account.replaceChildren(
    h('span', { class: 'visually-hidden', text: 'Signed in as' }),
    h('span', { class: 'user', text: user.name }),
    h('span', { class: 'chip', text: user.role === 'admin' ? 'Admin' : 'Member' }),
    h('form', { method: 'post', action: '/logout' },
      h('button', { type: 'submit', text: 'Sign out' })));
}

/**
 * Back from a backend's authorization page: ?request=<id> (approve it here), a user's own connection
 * (?connected=<backend> or ?awaiting=<backend>, on #connections) or ?error=<code>&backend=<name> (what failed is in
 * the cookie the callback set).
 */
async function handleCallback() {
  const params = new URLSearchParams(location.search);
  const cleanUrl = () => history.replaceState(null, '', `/oauth${location.hash}`);
  if (params.has('error')) {
    // What failed comes from the cookie the gateway's callback set, never from the URL: anyone can write a link
    // with any text in it, and this alert speaks with the gateway's voice.
    const failure = takeCallbackError();
    showError(failure
      ? `Authorization of ${failure.backend} failed: ${failure.description} (${failure.code})`
      : 'An authorization was not completed. Start it again from Backends or My connections.', 'callback');
    cleanUrl();
    return;
  }
  if (params.has('connected') || params.has('awaiting')) {
    const named = params.get('connected') ?? params.get('awaiting');
    cleanUrl();
    // Anyone can write a link with any text in it: the banner names a backend only when it is one of the user's own
    // per-user backends (and then with the gateway's spelling of it), else it says nothing.
    const mine = await api.get('/api/me/connections').catch(() => []);
    const backend = (mine ?? []).map(c => c.backend).find(b => b === named);
    if (!backend) return;
    notify(params.has('connected')
      ? `Connected: your calls to ${backend} now run with your account.`
      : `Your account at ${backend} is connected and waits for an administrator's approval.`);
    return;
  }
  const id = params.get('request');
  if (!id) return;
  ctx.callbackRequestId = id;
  const title = h('span', { text: 'the backend' });
  const detail = h('p', { class: 'muted', text: 'The backend\'s authorization page granted access. The tokens are kept and the backend connects only once you approve.' });
  // Who started it, which backend, what it obtained and when: an administrator approves knowing what the team gets.
  const facts = h('dl', { class: 'facts', hidden: true });
  const finish = (message) => {
    ctx.callbackRequestId = null;
    callbackEl.replaceChildren();
    cleanUrl();
    notify(message);
    refreshNow();
  };
  // Enabled once the request is known to be a backend connection: this panel approves nothing else.
  const approve = h('button', { type: 'button', class: 'primary', text: 'Approve', disabled: true });
  const deny = h('button', { type: 'button', class: 'danger', text: 'Deny', disabled: true });
  const enable = () => { approve.disabled = false; deny.disabled = false; };
  approve.addEventListener('click', () => act([approve, deny], () => api.post(`/api/authorization-requests/${api.seg(id)}/approve`, {}))
    .then(r => { if (r !== undefined) finish(`Approved: ${title.textContent} connects now.`); }));
  deny.addEventListener('click', () => act([approve, deny], () => api.post(`/api/authorization-requests/${api.seg(id)}/deny`))
    .then(r => { if (r !== undefined) finish(`Denied: the connection of ${title.textContent} was refused.`); }));
  const panel = h('section', { class: 'panel callout', 'data-request': id, 'aria-labelledby': 'callback-title' },
    h('h2', { id: 'callback-title' }, 'Approve the connection of ', title, '?'),
    detail,
    facts,
    ctx.isAdmin ? h('div', { class: 'actions' }, approve, deny) : h('p', { text: 'An administrator must approve it.' }));
  callbackEl.replaceChildren(panel);
  if (!location.hash) history.replaceState(null, '', `${location.pathname}${location.search}#requests`);

  // Which backend: from the pending requests, else from the backend waiting on this request.
  try {
    const pending = await api.get('/api/authorization-requests');
    const found = (pending ?? []).find(r => r.id === id);
    if (found && found.kind !== 'backendConnection') {
      // A client's request for tags (a link to it can come from anyone who waits for one): it is decided in
      // Requests, where each tag is chosen, never here as if it were a backend's connection.
      ctx.callbackRequestId = null;
      callbackEl.replaceChildren(h('section', { class: 'panel callout', 'data-callback': 'client-request' },
        h('p', { text: `This is ${found.userName ?? 'a user'}'s request for tags for the client ${found.clientName || found.clientId || '?'}: decide it in Requests below, where each tag is chosen.` })));
      refreshNow();
      return;
    }
    if (found) {
      setText(title, found.backendName ?? '?');
      detail.textContent = `Authorized by ${found.userName ?? 'unknown'} on the backend's page. The tokens are kept and the backend connects only once you approve.`;
      showRequestFacts(facts, found);
      enable();
    } else {
      detail.textContent = 'This request is no longer pending: it was decided already or it expired.';
    }
  } catch {
    try {
      const list = await api.get('/api/backends');
      const backend = (list ?? []).find(b => b.runtime?.oauth?.pendingRequestId === id);
      if (backend) {
        setText(title, backend.name);
        enable();
      }
    } catch {
      // The panel still works without the name.
    }
  }
}

/** The failed callback's {code, backend, description}, once: the cookie is removed as it is read. */
function takeCallbackError() {
  const name = 'onemcp_oauth_error';
  const entry = document.cookie.split('; ').find(c => c.startsWith(`${name}=`));
  if (!entry) return null;
  document.cookie = `${name}=; Path=/oauth; Max-Age=0; SameSite=Lax`;
  try {
    const failure = JSON.parse(decodeURIComponent(entry.slice(name.length + 1)));
    return typeof failure?.description === 'string' && typeof failure.backend === 'string' && typeof failure.code === 'string' ? failure : null;
  } catch {
    return null;
  }
}

/** The facts of a pending request in the approval prompt: requester, backend (or client), scopes, times. */
function showRequestFacts(facts, request) {
  const scopes = request.requestedScopes ?? [];
  const backendKind = request.kind === 'backendConnection';
  const row = (name, label, ...value) => [h('dt', { text: label }), h('dd', { 'data-fact': name }, ...value)];
  facts.replaceChildren(
    ...row('requester', 'Requested by', request.userName ?? 'unknown'),
    ...(backendKind
      ? row('backend', 'Backend', request.backendName ?? '?')
      : row('client', 'Client', request.clientName || request.clientId || '?')),
    ...row('scopes', backendKind ? 'Scopes obtained' : 'Scopes requested',
      scopes.length ? scopes.join(' ') : (backendKind ? 'none named by the backend\'s token' : 'none')),
    ...row('created', 'Started', timeEl(request.createdAt), ` (${new Date(request.createdAt).toLocaleString()})`),
    ...row('expires', 'Expires', timeEl(request.expiresAt)));
  facts.hidden = false;
}

async function start() {
  api.configure({ unauthorized: () => location.assign(LOGIN_URL) });
  let session;
  try {
    session = await api.loadSession();
  } catch (error) {
    if (error.status === 401) {
      location.assign(LOGIN_URL);
      return;
    }
    // Who is signed in is unknown: show what can be read, offer no admin action.
    fail(error, 'session');
    session = { authEnabled: true, user: null, unknown: true };
  }
  ctx.session = session;
  ctx.isAdmin = !session.unknown && (!session.authEnabled || session.user?.role === 'admin');
  renderAccount(session);
  document.querySelector('#nav a[data-route="users"]').hidden = !ctx.isAdmin;

  document.querySelector('.skip').addEventListener('click', event => {
    event.preventDefault();
    document.getElementById('main').focus();
  });

  handleCallback();
  window.addEventListener('hashchange', () => show(routeFromHash()));
  show(routeFromHash() ?? 'backends');
  setInterval(() => {
    if (!document.hidden) refreshNow();
  }, REFRESH_MS);
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden) refreshNow();
  });
}

start();
