// Requests: pending authorization requests (backend connections and MCP clients' tag requests) to approve or deny.
import { h, setText, reconcile, replaceIfChanged, timeEl, updateTime } from '../dom.js';

export function describe(request) {
  if (request.kind === 'backendConnection') {
    return `Backend ${request.backendName ?? '?'} — connection authorized by ${request.userName ?? 'an operator'}, waiting for approval`;
  }
  const scopes = (request.requestedScopes ?? []).join(', ') || 'no tag';
  return `${request.clientName || request.clientId || 'A client'} for ${request.userName ?? '?'} asks for ${scopes}`;
}

// Where the browser (with the authorization code) goes once a client's request is approved: the host in its ASCII
// (punycode) form, as the consent page names it, and whether that is the user's own computer.
export function returnsTo(request) {
  if (request.kind === 'backendConnection') return null;
  let url;
  try { url = new URL(request.redirectUri); } catch { return { text: 'Return address not recorded: check the client\'s redirect URIs on the Clients tab.', loopback: false }; }
  const name = url.hostname.replace(/^\[|\]$/g, '');
  const loopback = name === 'localhost' || name === '::1' || /^127(\.\d{1,3}){3}$/.test(name);
  return loopback
    ? { text: `Approving returns the browser to ${url.host}, an application on the user's computer.`, loopback }
    : { text: `Approving sends the browser, with the authorization code, to ${url.host}: a site on the internet. Approve only if that is the application the user signs in to.`, loopback };
}

export function create(ctx) {
  const { api } = ctx;
  const list = h('div', { class: 'list', role: 'list', 'aria-label': 'Pending requests' });
  const empty = h('p', { class: 'empty', hidden: true, text: 'No pending requests' });
  const membersNote = h('p', { class: 'empty', text: 'Only administrators decide authorization requests. Your own clients and grants are on the Clients tab.' });
  const el = h('section', { 'aria-labelledby': 'requests-title' },
    h('div', { class: 'view-head' },
      h('h1', { id: 'requests-title', text: 'Authorization requests' }),
      h('p', { text: 'Backend connections waiting for approval, and MCP clients asking for tags their user may not grant alone.' })),
    ctx.isAdmin ? [empty, list] : membersNote);

  function createCard(request) {
    const scopes = h('fieldset', { class: 'scopes', hidden: true },
      h('legend', { text: 'Tags to grant' }));
    const approve = h('button', { type: 'button', class: 'primary', text: 'Approve' });
    const deny = h('button', { type: 'button', class: 'danger', text: 'Deny' });
    const path = `/api/authorization-requests/${api.seg(request.id)}`;
    // One decision per request: while Approve or Deny is on its way, neither sends another.
    const decision = [approve, deny];
    approve.addEventListener('click', () => {
      const boxes = [...scopes.querySelectorAll('input[type=checkbox]')];
      const chosen = boxes.filter(b => b.checked).map(b => b.value);
      // An approval that grants no tag gives the client nothing while its user is told it was approved.
      if (boxes.length && !chosen.length) {
        ctx.fail(new Error('Tick at least one tag to grant, or Deny the request.'));
        return;
      }
      const some = boxes.length && chosen.length !== boxes.length;
      ctx.act(decision, () => api.post(`${path}/approve`, some ? { scopes: chosen } : {}),
        some ? `Approved with ${chosen.join(', ')} only: ${describe(request)}.` : `Approved: ${describe(request)}.`);
    });
    deny.addEventListener('click', () => ctx.act(decision, () => api.post(`${path}/deny`), `Denied: ${describe(request)}.`));
    return h('article', { class: 'card', role: 'listitem' },
      h('div', { class: 'card-head' },
        h('h2', { class: 'title' }),
        h('span', { class: 'badge kind' })),
      h('p', { class: 'summary' }),
      h('p', { class: 'returns', hidden: true }),
      scopes,
      h('p', { class: 'meta' }, 'Asked ', timeEl(request.createdAt), ' · expires ', timeEl(request.expiresAt)),
      h('div', { class: 'actions' }, approve, deny));
  }

  function updateCard(card, request) {
    const backend = request.kind === 'backendConnection';
    setText(card.querySelector('.title'), backend ? `Backend ${request.backendName ?? '?'}` : request.clientName || request.clientId || 'Client');
    const kind = card.querySelector('.kind');
    setText(kind, backend ? 'Backend connection' : 'Client consent');
    kind.className = `badge kind ${backend ? 'warn' : 'info'}`;
    setText(card.querySelector('.summary'), describe(request));
    const returns = card.querySelector('.returns');
    const target = returnsTo(request);
    returns.hidden = !target;
    if (target) {
      setText(returns, target.text);
      returns.className = `returns ${target.loopback ? 'meta' : 'warning'}`;
      returns.title = request.redirectUri ?? '';
    }
    const times = card.querySelectorAll('.meta time');
    updateTime(times[0], request.createdAt);
    updateTime(times[1], request.expiresAt);
    const scopes = card.querySelector('fieldset.scopes');
    const requested = backend ? [] : request.requestedScopes ?? [];
    scopes.hidden = requested.length < 2;
    replaceIfChanged(scopes, JSON.stringify(requested), () => [
      h('legend', { text: 'Tags to grant' }),
      ...requested.map(scope => h('label', null, h('input', { type: 'checkbox', value: scope, checked: true }), scope)),
    ]);
    card.classList.toggle('highlight', request.id === ctx.callbackRequestId);
  }

  async function refresh() {
    if (!ctx.isAdmin) return;
    const pending = ((await api.get('/api/authorization-requests')) ?? [])
      .filter(r => r.id !== ctx.callbackRequestId);
    empty.hidden = pending.length > 0;
    list.hidden = pending.length === 0;
    reconcile(list, pending, 'data-request', r => r.id, createCard, updateCard);
  }

  return { el, refresh };
}
