// Backends: status of every backend, OAuth actions, enable/disable, and add/edit/remove for API backends.
import { h, setText, setAttr, setName, chips, reconcile, replaceIfChanged, td, timeEl, updateTime, splitList, field } from '../dom.js';

/** The badge of a backend (docs/dashboard-api.md): [text, colour class, note, note class]. A backend connected
 * through OAuth is Connected like any other (DESIGN §6); the "OAuth" marker beside the badge says how. */
export function statusOf(backend) {
  const runtime = backend.runtime ?? {};
  const oauth = runtime.oauth ?? {};
  switch (runtime.status) {
    case 'connected':
      return ['Connected', 'ok', '', ''];
    case 'awaitingOAuth':
      return ['Awaiting OAuth', 'warn', oauth.pendingRequestId ? 'Authorized, waiting for approval' : 'Needs authorization', 'warn'];
    case 'error':
      return ['Error', 'err', runtime.lastError ?? 'The connection failed.', 'err'];
    case 'crashLoop':
      return ['Error', 'err', `Restarted too often${runtime.lastError ? `: ${runtime.lastError}` : '.'}`, 'err'];
    case 'restarting':
      return ['Disconnected', 'off', 'Restarting…', ''];
    case 'disconnected':
      return ['Disconnected', 'off', runtime.lastError ?? '', runtime.lastError ? 'err' : ''];
    case 'connecting':
      // Why it is not connected yet, when the gateway says (a per-user backend waits for its first user's connection).
      return ['Connecting', 'info', runtime.lastError ?? '', ''];
    case 'disabled':
      return ['Disabled', 'off', backend.disabledInConfig ? 'Disabled in mcp.json: enable it there' : '', ''];
    default:
      return [runtime.status ?? 'Unknown', 'off', '', ''];
  }
}

export function create(ctx) {
  const { api } = ctx;
  const admin = ctx.isAdmin;
  let latest = [];

  const form = backendForm(ctx);
  const tbody = h('tbody');
  const empty = h('p', { class: 'empty', hidden: true, text: 'No backends yet. Add one below or in mcp.json.' });
  const table = h('table', { class: 'grid', 'aria-label': 'Backends' },
    h('thead', null, h('tr', null,
      h('th', { scope: 'col', text: 'Name' }), h('th', { scope: 'col', text: 'Transport' }), h('th', { scope: 'col', text: 'Tags' }),
      h('th', { scope: 'col', text: 'Status' }), h('th', { scope: 'col', text: 'Last connected' }), h('th', { scope: 'col', text: 'Tools' }),
      admin ? h('th', { scope: 'col', text: 'Actions' }) : null)),
    tbody);
  const el = h('section', { 'aria-labelledby': 'backends-title' },
    h('div', { class: 'view-head' },
      h('h1', { id: 'backends-title', text: 'Backends' }),
      h('p', { text: 'Every MCP server behind the gateway, its connection and its OAuth state.' })),
    empty, table, admin ? form.el : null);

  function createRow(backend) {
    const row = h('tr');
    row.append(
      td('Name', { class: 'name' }, h('span', { class: 'title' }), ' ', h('span', { class: 'origin' }), h('span', { class: 'warning', hidden: true })),
      td('Transport', { class: 'transport' }, h('span', { class: 'type' }), ' ', h('span', { class: 'chip revision', title: 'The MCP revision the gateway speaks with this backend', hidden: true }),
        h('span', { class: 'status-note target' })),
      td('Tags', null, h('span', { class: 'chips' })),
      td('Status', null, h('span', { class: 'status badge' }), ' ',
        h('span', { class: 'chip oauth-marker', title: 'Connected with OAuth credentials the gateway holds', text: 'OAuth', hidden: true }),
        h('span', { class: 'status-note' })),
      td('Last connected', null, timeEl(backend.runtime?.lastConnectedAt)),
      td('Tools', { class: 'num tools' }),
      admin ? td('Actions', { class: 'actions-cell' }, h('div', { class: 'actions' })) : null);
    return row;
  }

  function updateRow(row, backend) {
    const [text, colour, note, noteClass] = statusOf(backend);
    setName(row.querySelector('.title'), backend.name);
    replaceIfChanged(row.querySelector('.origin'), backend.origin, () =>
      backend.origin === 'api' ? h('span', { class: 'chip origin', title: 'Added through the dashboard or the REST API', text: 'API' }) : null);
    const warning = row.querySelector('.warning');
    setText(warning, backend.scopeWarning ?? '');
    warning.hidden = !backend.scopeWarning;
    setText(row.querySelector('.type'), backend.type);
    const revision = row.querySelector('.revision');
    setText(revision, backend.runtime?.protocolVersion ? `MCP ${backend.runtime.protocolVersion}` : '');
    revision.hidden = !backend.runtime?.protocolVersion;
    setText(row.querySelector('.target'), backend.type === 'stdio' ? [backend.command, ...(backend.args ?? [])].filter(Boolean).join(' ') : backend.url ?? '');
    chips(row.querySelector('.chips'), backend.tags, 'chip tag');
    const badge = row.querySelector('.status');
    setText(badge, text);
    setAttr(badge, 'class', `status badge ${colour}`);
    row.querySelector('.oauth-marker').hidden = !(backend.runtime?.status === 'connected' && backend.runtime?.oauth?.authorized);
    const noteEl = row.querySelector('.status-note:not(.target)');
    setText(noteEl, note);
    setAttr(noteEl, 'class', `status-note ${noteClass}`.trim());
    updateTime(row.querySelector('time'), backend.runtime?.lastConnectedAt);
    setText(row.querySelector('.tools .cell'), String(backend.runtime?.tools ?? 0));
    if (admin) updateActions(row.querySelector('.actions'), backend);
  }

  function updateActions(cell, backend) {
    const runtime = backend.runtime ?? {};
    const oauth = runtime.oauth ?? {};
    const actions = [];
    // Authorize and Restart OAuth act on the one account the gateway holds for everyone: a per-user backend has none
    // (each user connects their own under My connections), and the API refuses both for it.
    const shared = backend.credentials !== 'perUser';
    if (shared && runtime.status === 'awaitingOAuth') actions.push('authorize');
    if (oauth.pendingRequestId) actions.push('review');
    if (shared && oauth.required) actions.push('restart');
    // mcp.json's "disabled": true wins over the API's switch (enabling here would change nothing), so a backend
    // disabled there offers neither Enable nor Disable; its note says where to change it.
    if (!backend.disabledInConfig) actions.push(backend.enabled ? 'disable' : 'enable');
    if (backend.origin === 'api') actions.push('edit', 'remove');
    const name = backend.name;
    const path = `/api/backends/${api.seg(name)}`;
    replaceIfChanged(cell, actions.join(' '), () => actions.map(action => {
      switch (action) {
        case 'authorize':
          return button('Authorize', 'primary', b => ctx.act(b, async () => {
            const answer = await api.post(`${path}/oauth/authorize`);
            if (!answer?.redirectUrl) throw new Error('The gateway gave no authorization address.');
            location.assign(answer.redirectUrl);
          }));
        case 'review':
          return h('a', { class: 'button', href: '#requests', text: 'Review request' });
        case 'restart':
          return button('Restart OAuth', '', b =>
            ctx.act(b, () => api.post(`${path}/oauth/restart`).then(apply), `${name}: stored OAuth credentials discarded; authorize it again.`));
        case 'enable':
          return button('Enable', '', b => ctx.act(b, () => api.post(`${path}/enable`).then(apply), `${name} enabled.`));
        case 'disable':
          return button('Disable', '', b => ctx.act(b, () => api.post(`${path}/disable`).then(apply), `${name} disabled.`));
        case 'edit':
          return button('Edit', '', () => form.edit(latest.find(x => x.name === name) ?? backend));
        case 'remove':
          return button('Remove', 'danger', b => {
            if (!confirm(`Remove the backend ${name}? Its clients lose its tools.`)) return;
            ctx.act(b, () => api.del(path).then(() => tbody.querySelector(`tr[data-backend="${CSS.escape(name)}"]`)?.remove()), `${name} removed.`);
          });
        default:
          return null;
      }
    }));
  }

  /** Shows a backend returned by an action at once (the next refresh confirms it). */
  function apply(backend) {
    if (!backend?.name) return backend;
    const row = tbody.querySelector(`tr[data-backend="${CSS.escape(backend.name)}"]`);
    if (row) updateRow(row, backend);
    return backend;
  }

  function render(list) {
    latest = list;
    empty.hidden = list.length > 0;
    table.hidden = list.length === 0;
    reconcile(tbody, list, 'data-backend', b => b.name, createRow, updateRow);
  }

  async function refresh() {
    render((await api.get('/api/backends')) ?? []);
  }

  form.onSaved = () => ctx.refresh();
  return { el, refresh };
}

function button(text, cls, onClick) {
  const b = h('button', { type: 'button', class: cls || null, text });
  b.addEventListener('click', () => onClick(b));
  return b;
}

/** The add/edit form of API backends (an mcp.json server entry). */
function backendForm(ctx) {
  const { api } = ctx;
  let editing = null;
  const name = h('input', { type: 'text', name: 'name', required: true, autocomplete: 'off', spellcheck: 'false' });
  const type = h('select', { name: 'type' },
    h('option', { value: 'stdio', text: 'stdio (a local command)' }),
    h('option', { value: 'http', text: 'http (streamable HTTP)' }),
    h('option', { value: 'sse', text: 'sse (server-sent events)' }));
  const command = h('input', { type: 'text', name: 'command', autocomplete: 'off', spellcheck: 'false' });
  const args = h('textarea', { name: 'args', rows: 3, spellcheck: 'false' });
  const url = h('input', { type: 'text', name: 'url', inputmode: 'url', autocomplete: 'off', spellcheck: 'false', placeholder: 'https://mcp.example.com/mcp' });
  const tagsInput = h('input', { type: 'text', name: 'tags', autocomplete: 'off', spellcheck: 'false', placeholder: 'web, search' });
  const credentials = h('select', { name: 'credentials' },
    h('option', { value: 'shared', text: 'Shared (one set for everyone)' }),
    h('option', { value: 'perUser', text: 'Per user (each user connects their own)' }));
  const extra = h('textarea', { name: 'extra', rows: 3, spellcheck: 'false', placeholder: '{"env": {"API_KEY": "..."}, "restartOnExit": true}' });
  const stdioFields = h('div', { class: 'fields' },
    field('Command', command), field('Arguments', args, '(one per line)'));
  const urlFields = h('div', { class: 'fields', hidden: true }, field('URL', url));
  const heading = h('span', { text: 'Add backend' });
  const submit = h('button', { type: 'submit', class: 'primary', text: 'Add backend' });
  const cancel = h('button', { type: 'button', text: 'Cancel', hidden: true });
  const editHint = h('p', { class: 'muted small', hidden: true,
    text: 'Environment variables, headers and the OAuth client secret are not shown (they may be secrets): give them again under Extra fields, or they are removed.' });
  const summary = h('summary', null, heading);
  const formEl = h('form', { class: 'stack', novalidate: true },
    h('div', { class: 'fields' }, field('Name', name), field('Type', type), field('Tags', tagsInput, '(comma-separated)')),
    stdioFields, urlFields,
    h('div', { class: 'fields' }, field('Credentials', credentials, '(per user: ${user:NAME} in env or headers, or each user\'s own OAuth account)')),
    field('Extra fields', extra, '(optional JSON object: env, headers, oauth, timeouts… as in mcp.json)'),
    editHint,
    h('div', { class: 'actions' }, submit, cancel));
  const el = h('details', { class: 'panel backend-form' }, summary, formEl);

  const syncType = () => {
    stdioFields.hidden = type.value !== 'stdio';
    urlFields.hidden = type.value === 'stdio';
  };
  type.addEventListener('change', syncType);

  const reset = () => {
    editing = null;
    formEl.reset();
    name.readOnly = false;
    setText(heading, 'Add backend');
    setText(submit, 'Add backend');
    cancel.hidden = true;
    editHint.hidden = true;
    syncType();
  };
  cancel.addEventListener('click', () => {
    reset();
    el.open = false;
  });

  formEl.addEventListener('submit', async event => {
    event.preventDefault();
    let body;
    try {
      body = buildBody();
    } catch (error) {
      ctx.fail(error);
      return;
    }
    const path = editing ? `/api/backends/${api.seg(editing.name)}` : null;
    // An edit saved meanwhile (or an Enable/Disable): the form takes that version and keeps what was typed.
    const result = editing
      ? await ctx.act(submit, () => api.put(path, { ...body, expectedVersion: editing.version }).catch(error => api.rebaseOnConflict(error, path,
        current => { editing = current; },
        current => `${current.name} was changed meanwhile (by someone else, or by Enable or Disable). Your edit is still here: Save changes again to replace the saved definition with it.`)),
      `${editing.name} saved.`)
      : await ctx.act(submit, () => api.post('/api/backends', { name: name.value.trim(), ...body }), `${name.value.trim()} added.`);
    if (result !== undefined) {
      reset();
      el.open = false;
      self.onSaved?.();
    }
  });

  function buildBody() {
    if (!editing && !name.value.trim()) throw new Error('Give the backend a name.');
    let extraFields = {};
    if (extra.value.trim()) {
      try {
        extraFields = JSON.parse(extra.value);
      } catch {
        throw new Error('Extra fields must be a JSON object, for example {"env": {"KEY": "value"}}.');
      }
      if (typeof extraFields !== 'object' || Array.isArray(extraFields) || extraFields === null) throw new Error('Extra fields must be a JSON object.');
    }
    const body = { type: type.value };
    if (type.value === 'stdio') {
      if (command.value.trim()) body.command = command.value.trim();
      const list = args.value.split('\n').map(a => a.trim()).filter(Boolean);
      if (list.length) body.args = list;
    } else if (url.value.trim()) {
      body.url = url.value.trim();
    }
    const tagList = splitList(tagsInput.value);
    if (tagList.length) body.tags = tagList;
    // Shared is the default: said only when it changes something (a new per-user backend, or an edit of one).
    if (credentials.value === 'perUser' || editing?.credentials === 'perUser') body.credentials = credentials.value;
    return { ...body, ...extraFields };
  }

  const self = {
    el,
    onSaved: null,
    edit(backend) {
      editing = backend;
      name.value = backend.name;
      name.readOnly = true;
      type.value = backend.type;
      command.value = backend.command ?? '';
      args.value = (backend.args ?? []).join('\n');
      url.value = backend.url ?? '';
      tagsInput.value = (backend.tags ?? []).join(', ');
      credentials.value = backend.credentials === 'perUser' ? 'perUser' : 'shared';
      const kept = {};
      if (backend.cwd) kept.cwd = backend.cwd;
      if (backend.disabledTools?.length) kept.disabledTools = backend.disabledTools;
      if (backend.toolDescriptionOverrides && Object.keys(backend.toolDescriptionOverrides).length) kept.toolDescriptionOverrides = backend.toolDescriptionOverrides;
      if (backend.instructionOverride) kept.instructionOverride = backend.instructionOverride;
      Object.assign(kept, keptSettings(backend));
      extra.value = Object.keys(kept).length ? JSON.stringify(kept, null, 2) : '';
      setText(heading, `Edit backend ${backend.name}`);
      setText(submit, 'Save changes');
      cancel.hidden = false;
      editHint.hidden = !(Object.keys(backend.env ?? {}).length || Object.keys(backend.headers ?? {}).length || backend.oauth?.clientSecretSet);
      syncType();
      el.open = true;
      el.scrollIntoView({ block: 'start' });
      type.focus();
    },
  };
  return self;
}

// The defaults of the settings below (mcp.json's, in milliseconds), which an edit need not repeat.
const DEFAULTS = { connectionTimeout: 30000, requestTimeout: 60000, maxRestarts: 5, restartDelay: 1000, idleTimeoutMinutes: 15, maxInstances: 20 };

/**
 * The settings of a backend the form has no field for, as an edit must send them again (a PUT replaces the whole
 * definition): timeouts, restarts, per-user limits and approval, and the OAuth client settings (without the secret,
 * which the API never returns). Only what differs from the default, and only where it applies to the backend's
 * transport and credentials (the API refuses a setting that would have no effect).
 */
function keptSettings(backend) {
  const kept = {};
  const differs = key => typeof backend[key] === 'number' && backend[key] !== DEFAULTS[key];
  for (const key of ['connectionTimeout', 'requestTimeout']) if (differs(key)) kept[key] = backend[key];
  const perUser = backend.credentials === 'perUser';
  if (backend.type === 'stdio') {
    if (backend.restartOnExit) kept.restartOnExit = true;
    for (const key of ['maxRestarts', 'restartDelay']) if (differs(key)) kept[key] = backend[key];
    if (perUser) for (const key of ['idleTimeoutMinutes', 'maxInstances']) if (differs(key)) kept[key] = backend[key];
  } else {
    if (perUser && backend.approval === 'admin') kept.approval = 'admin';
    if (backend.oauth) {
      const oauth = {};
      if (backend.oauth.clientId) oauth.clientId = backend.oauth.clientId;
      if (backend.oauth.scopes?.length) oauth.scopes = backend.oauth.scopes;
      if (backend.oauth.redirectUrl) oauth.redirectUrl = backend.oauth.redirectUrl;
      kept.oauth = oauth;
    }
  }
  return kept;
}
