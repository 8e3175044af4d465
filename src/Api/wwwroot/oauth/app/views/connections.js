// My connections (every signed-in user): the per-user backends, what each needs (secrets the user enters for
// themselves, an account at the backend) and what the user gave it. Secrets are write-only: an input is never
// filled from the server, which only says when a value was set. Admins also see everyone's connections.
import { h, setText, setAttr, setName, reconcile, replaceIfChanged, td, timeEl, updateTime } from '../dom.js';

const STATUS = { connected: 'Connected', awaiting: 'Awaiting approval', none: 'Not connected' };

const statusOf = c => (c.connected ? 'connected' : c.oauthStatus === 'awaitingApproval' ? 'awaiting' : 'none');

const dateText = iso => new Date(iso).toLocaleString();

export function create(ctx) {
  const { api } = ctx;
  const tbody = h('tbody');
  const empty = h('p', { class: 'empty', hidden: true,
    text: 'No backend asks for your own credentials: every backend of this gateway uses shared ones.' });
  const table = h('table', { class: 'grid', 'aria-label': 'My connections' },
    h('thead', null, h('tr', null,
      h('th', { scope: 'col', text: 'Backend' }), h('th', { scope: 'col', text: 'What it needs' }),
      h('th', { scope: 'col', text: 'Status' }), h('th', { scope: 'col', text: 'Actions' }))),
    tbody);

  const allBody = h('tbody');
  const allEmpty = h('p', { class: 'empty', hidden: true, text: 'Nobody has connected a per-user backend yet.' });
  const allTable = h('table', { class: 'grid', 'aria-label': 'Everyone\'s connections' },
    h('thead', null, h('tr', null,
      h('th', { scope: 'col', text: 'Backend' }), h('th', { scope: 'col', text: 'User' }), h('th', { scope: 'col', text: 'Secrets set' }),
      h('th', { scope: 'col', text: 'Account' }), h('th', { scope: 'col', text: 'Changed' }), h('th', { scope: 'col', text: 'Actions' }))),
    allBody);
  const everyone = ctx.isAdmin
    ? h('section', { class: 'everyone', 'aria-labelledby': 'everyone-title' },
      h('h2', { id: 'everyone-title', text: 'Everyone\'s connections' }),
      h('p', { class: 'muted', text: 'Who connected which backend and when; never the values. Revoke removes a user\'s secrets and tokens.' }),
      allEmpty, allTable)
    : null;

  const el = h('section', { 'aria-labelledby': 'connections-title' },
    h('div', { class: 'view-head' },
      h('h1', { id: 'connections-title', text: 'My connections' }),
      h('p', { text: 'Backends that act as you: enter your own keys or connect your own account. What you enter is never shown again.' })),
    empty, table, everyone);

  function createRow(connection) {
    const name = connection.backend;
    const row = h('tr');
    const save = h('button', { type: 'submit', class: 'primary', text: 'Save' });
    const secretsForm = h('form', { class: 'stack secrets', novalidate: true, 'aria-label': `Secrets for ${name}` },
      h('div', { class: 'secret-fields' }), h('div', { class: 'actions' }, save));
    secretsForm.addEventListener('submit', async event => {
      event.preventDefault();
      const inputs = [...secretsForm.querySelectorAll('input[data-secret]')];
      const values = Object.fromEntries(inputs.filter(i => i.value !== '').map(i => [i.dataset.secret, i.value]));
      if (!Object.keys(values).length) {
        ctx.fail(new Error('Type a value for at least one secret.'));
        return;
      }
      const saved = await ctx.act(save, () => api.put(`/api/me/connections/${api.seg(name)}/secrets`, values), `${name}: saved.`);
      // Write-only: the values leave the page once the gateway has them (and stay for a correction otherwise).
      if (saved !== undefined) {
        for (const input of inputs) input.value = '';
        if (saved?.backend) updateRow(row, saved);
      }
    });

    const connect = h('button', { type: 'button', class: 'primary connect', text: 'Connect account' });
    connect.addEventListener('click', async () => {
      const answer = await ctx.act(connect, () => api.post(`/api/me/connections/${api.seg(name)}/oauth/authorize`));
      if (answer?.authorizationUrl) location.assign(answer.authorizationUrl);
    });
    const disconnect = h('button', { type: 'button', class: 'danger', text: 'Disconnect' });
    disconnect.addEventListener('click', () => {
      if (!confirm(`Disconnect ${name}? Your secrets and tokens for it are deleted.`)) return;
      ctx.act(disconnect, () => api.del(`/api/me/connections/${api.seg(name)}`), `${name}: disconnected.`);
    });

    row.append(
      td('Backend', { class: 'name' }, h('span', { class: 'backend-name title' }), h('span', { class: 'status-note transport' })),
      td('What it needs', { class: 'needs' }, secretsForm,
        h('p', { class: 'oauth-need' }, h('span', { class: 'oauth-text' }))),
      td('Status', null, h('span', { class: 'badge status' })),
      td('Actions', { class: 'actions-cell' }, h('div', { class: 'actions' }, connect, disconnect)));
    row.parts = { secretsForm, connect, disconnect };
    return row;
  }

  function updateRow(row, c) {
    const { secretsForm, connect, disconnect } = row.parts;
    setName(row.querySelector('.backend-name'), c.backend);
    setText(row.querySelector('.transport'), c.transport);

    // The inputs are rebuilt only when the backend's secrets change: a half-typed value survives the auto-refresh.
    const fields = secretsForm.querySelector('.secret-fields');
    replaceIfChanged(fields, JSON.stringify(c.secrets.map(s => s.name)), () => c.secrets.map(secret => {
      const input = h('input', { type: 'password', autocomplete: 'new-password', spellcheck: 'false', 'data-secret': secret.name,
        'aria-label': `${secret.name} for ${c.backend}` });
      return h('div', { class: 'field secret', 'data-secret-of': secret.name },
        h('label', null, h('code', { text: secret.name }), ' ', input), h('span', { class: 'set-on muted' }));
    }));
    for (const secret of c.secrets) {
      const note = fields.querySelector(`[data-secret-of="${CSS.escape(secret.name)}"] .set-on`);
      setText(note, secret.setAt ? `set on ${dateText(secret.setAt)}` : 'not set');
      setAttr(note, 'title', secret.setAt ?? null);
    }
    secretsForm.hidden = c.secrets.length === 0;

    const oauthText = c.oauth
      ? (c.oauthStatus === 'connected' ? `Your account is connected (since ${dateText(c.oauthConnectedAt)}).`
        : c.oauthStatus === 'awaitingApproval' ? 'Your account is connected and waits for an administrator\'s approval.'
          : c.oauthRequired ? 'Needs your account at the backend.' : 'May use your account at the backend.')
      : c.secrets.length ? '' : 'Nothing: it runs for you without credentials of yours.';
    setText(row.querySelector('.oauth-text'), oauthText);
    row.querySelector('.oauth-need').hidden = !oauthText;

    connect.hidden = !c.oauth;
    setText(connect, c.oauthStatus ? 'Reconnect account' : 'Connect account');
    setAttr(connect, 'aria-label', `${c.oauthStatus ? 'Reconnect' : 'Connect'} account for ${c.backend}`);
    disconnect.hidden = !c.updatedAt;
    setAttr(disconnect, 'aria-label', `Disconnect ${c.backend}`);
    setAttr(secretsForm.querySelector('button[type=submit]'), 'aria-label', `Save secrets for ${c.backend}`);

    const status = row.querySelector('.status');
    const state = statusOf(c);
    setText(status, STATUS[state]);
    status.className = `badge status ${state === 'connected' ? 'ok' : state === 'awaiting' ? 'warn' : 'off'}`;
  }

  function createAllRow(c) {
    const row = h('tr');
    const path = `/api/connections/${api.seg(c.backend)}/${api.seg(c.user)}`;
    const approve = h('button', { type: 'button', class: 'primary', text: 'Approve', 'aria-label': `Approve ${c.user}'s connection to ${c.backend}` });
    approve.addEventListener('click', () => ctx.act(approve, () => api.post(`${path}/approve`), `${c.user}'s connection to ${c.backend} approved.`));
    const revoke = h('button', { type: 'button', class: 'danger', text: 'Revoke', 'aria-label': `Revoke ${c.user}'s connection to ${c.backend}` });
    revoke.addEventListener('click', () => {
      if (!confirm(`Revoke ${c.user}'s connection to ${c.backend}? Their secrets and tokens for it are deleted.`)) return;
      ctx.act(revoke, () => api.del(path).then(() => row.remove()), `${c.user}'s connection to ${c.backend} revoked.`);
    });
    row.append(
      td('Backend', { class: 'name' }, h('span', { text: c.backend })),
      td('User', { class: 'connection-user' }, h('span', { text: c.user })),
      td('Secrets set', { class: 'secrets-set' }),
      td('Account', { class: 'oauth-account' }),
      td('Changed', null, timeEl(c.updatedAt)),
      td('Actions', { class: 'actions-cell' }, h('div', { class: 'actions' }, approve, revoke)));
    row.approve = approve;
    return row;
  }

  function updateAllRow(row, c) {
    setText(row.querySelector('.secrets-set .cell'), c.secrets.length ? c.secrets.map(s => s.name).join(', ') : '—');
    setText(row.querySelector('.oauth-account .cell'), c.oauthStatus === 'connected' ? 'Connected'
      : c.oauthStatus === 'awaitingApproval' ? 'Awaiting approval' : '—');
    updateTime(row.querySelector('time'), c.updatedAt);
    row.approve.hidden = c.oauthStatus !== 'awaitingApproval';
  }

  async function refresh() {
    const [mine, all] = await Promise.all([
      api.get('/api/me/connections'),
      ctx.isAdmin ? api.get('/api/connections') : Promise.resolve(null),
    ]);
    empty.hidden = (mine ?? []).length > 0;
    table.hidden = (mine ?? []).length === 0;
    reconcile(tbody, mine ?? [], 'data-connection', c => c.backend, createRow, updateRow);
    if (ctx.isAdmin) {
      allEmpty.hidden = (all ?? []).length > 0;
      allTable.hidden = (all ?? []).length === 0;
      reconcile(allBody, all ?? [], 'data-connection-of', c => `${c.backend}/${c.user}`, createAllRow, updateAllRow);
    }
  }

  return { el, refresh };
}
