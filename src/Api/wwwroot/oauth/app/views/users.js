// Users (admins): the gateway's accounts; add, disable/enable, reset password, set role, remove. Users of the identity
// provider sign in there: they have no password here (no reset), and the provider names their groups.
import { h, setText, setName, reconcile, replaceIfChanged, td, timeEl, updateTime, field } from '../dom.js';

export function create(ctx) {
  const { api } = ctx;
  const tbody = h('tbody');
  const empty = h('p', { class: 'empty', hidden: true, text: 'No users yet: add the first administrator below.' });
  const table = h('table', { class: 'grid', 'aria-label': 'Users' },
    h('thead', null, h('tr', null,
      h('th', { scope: 'col', text: 'User' }), h('th', { scope: 'col', text: 'Role' }), h('th', { scope: 'col', text: 'Status' }),
      h('th', { scope: 'col', text: 'Signs in with' }), h('th', { scope: 'col', text: 'Created' }), h('th', { scope: 'col', text: 'Actions' }))),
    tbody);

  const userName = h('input', { type: 'text', name: 'userName', autocomplete: 'off', spellcheck: 'false', required: true });
  const password = h('input', { type: 'password', name: 'password', autocomplete: 'new-password', required: true });
  const role = h('select', { name: 'role' }, h('option', { value: 'member', text: 'Member' }), h('option', { value: 'admin', text: 'Admin' }));
  const add = h('button', { type: 'submit', class: 'primary', text: 'Add user' });
  const form = h('form', { class: 'stack', novalidate: true },
    h('div', { class: 'fields' }, field('User name', userName), field('Password', password), field('Role', role)),
    h('div', { class: 'actions' }, add));
  form.addEventListener('submit', async event => {
    event.preventDefault();
    const name = userName.value.trim();
    if (!name || !password.value) {
      ctx.fail(new Error('Give the new user a name and a password.'));
      return;
    }
    const created = await ctx.act(add, () => api.post('/api/users', { userName: name, password: password.value, role: role.value }), `User ${name} added.`);
    if (created !== undefined) form.reset();
  });

  const el = h('section', { 'aria-labelledby': 'users-title' },
    h('div', { class: 'view-head' },
      h('h1', { id: 'users-title', text: 'Users' }),
      h('p', { text: 'Who may sign in to the dashboard and approve MCP clients. Admins manage the gateway; members grant their own clients.' })),
    empty, table,
    h('details', { class: 'panel' }, h('summary', { text: 'Add user' }), form));

  function createRow(user) {
    const row = h('tr');
    const name = user.userName;
    const path = `/api/users/${api.seg(name)}`;
    const roleSelect = h('select', { class: 'role', 'aria-label': `Role of ${name}` },
      h('option', { value: 'member', text: 'Member' }), h('option', { value: 'admin', text: 'Admin' }));
    roleSelect.addEventListener('change', () => { row.dataset.dirty = '1'; });
    const setRole = h('button', { type: 'button', text: 'Set role' });
    setRole.addEventListener('click', async () => {
      const next = roleSelect.value;
      const done = await ctx.act(setRole, () => api.patch(path, { role: next }), `${name} is now ${next === 'admin' ? 'an admin' : 'a member'}.`);
      if (done !== undefined) delete row.dataset.dirty;
    });
    const newPassword = h('input', { type: 'password', autocomplete: 'new-password', 'aria-label': `New password for ${name}` });
    const savePassword = h('button', { type: 'submit', class: 'primary', text: 'Save password' });
    const cancelPassword = h('button', { type: 'button', text: 'Cancel' });
    const passwordForm = h('form', { class: 'inline', hidden: true }, newPassword, savePassword, cancelPassword);
    const resetButton = h('button', { type: 'button', text: 'Reset password', 'aria-expanded': 'false' });
    const closePassword = () => {
      passwordForm.hidden = true;
      newPassword.value = '';
      resetButton.setAttribute('aria-expanded', 'false');
    };
    resetButton.addEventListener('click', () => {
      passwordForm.hidden = !passwordForm.hidden;
      resetButton.setAttribute('aria-expanded', String(!passwordForm.hidden));
      if (!passwordForm.hidden) newPassword.focus();
    });
    cancelPassword.addEventListener('click', () => { closePassword(); resetButton.focus(); });
    passwordForm.addEventListener('submit', async event => {
      event.preventDefault();
      if (!newPassword.value) {
        ctx.fail(new Error('Type the new password.'));
        return;
      }
      const done = await ctx.act(savePassword, () => api.post(`${path}/password`, { password: newPassword.value }), `Password of ${name} changed.`);
      if (done !== undefined) { closePassword(); resetButton.focus(); }
    });
    const remove = h('button', { type: 'button', class: 'danger', text: 'Remove' });
    remove.addEventListener('click', () => {
      if (!confirm(`Remove the user ${name}? Their grants stop working.`)) return;
      ctx.act(remove, () => api.del(path).then(() => row.remove()), `User ${name} removed.`);
    });
    row.append(
      td('User', { class: 'name' }, h('span', { class: 'user-name title' }), h('span', { class: 'status-note self' })),
      td('Role', null, h('div', { class: 'inline' }, roleSelect, setRole)),
      td('Status', null, h('span', { class: 'badge account-status' })),
      td('Signs in with', null, h('span', { class: 'source' }), h('span', { class: 'chips groups' })),
      td('Created', null, timeEl(user.createdAt)),
      td('Actions', { class: 'actions-cell' }, h('div', { class: 'actions' }, h('span', { class: 'toggle' }), resetButton, remove), passwordForm));
    row.toggleSlot = row.querySelector('.toggle');
    row.path = path;
    row.resetButton = resetButton;
    row.passwordForm = passwordForm;
    return row;
  }

  function updateRow(row, user) {
    const name = user.userName;
    setName(row.querySelector('.user-name'), name);
    setText(row.querySelector('.self'), ctx.session?.user?.name === name ? 'You' : '');
    const select = row.querySelector('.role');
    if (!row.dataset.dirty && document.activeElement !== select && select.value !== user.role) select.value = user.role;
    const badge = row.querySelector('.account-status');
    setText(badge, user.disabled ? 'Disabled' : 'Active');
    badge.className = `badge account-status ${user.disabled ? 'off' : 'ok'}`;
    // A user of the identity provider has no password here: no reset, and the groups the provider named at their last sign-in.
    const provider = user.source === 'provider';
    setText(row.querySelector('.source'), provider ? 'identity provider' : 'password');
    const groups = provider ? user.groups ?? [] : [];
    replaceIfChanged(row.querySelector('.groups'), JSON.stringify(groups), () =>
      groups.map(g => h('span', { class: 'chip', text: g, title: 'Group at the identity provider' })));
    if (row.resetButton.hidden !== provider) {
      row.resetButton.hidden = provider;
      if (provider) row.passwordForm.hidden = true;
    }
    updateTime(row.querySelector('time'), user.createdAt);
    const slot = row.toggleSlot;
    replaceIfChanged(slot, user.disabled ? 'enable' : 'disable', () => {
      const enable = !!user.disabled;
      const b = h('button', { type: 'button', text: enable ? 'Enable' : 'Disable' });
      b.addEventListener('click', () => ctx.act(b, () => api.patch(row.path, { disabled: !enable }), `${name} ${enable ? 'enabled' : 'disabled'}.`));
      return b;
    });
  }

  async function refresh() {
    const users = (await api.get('/api/users')) ?? [];
    empty.hidden = users.length > 0;
    table.hidden = users.length === 0;
    reconcile(tbody, users, 'data-user', u => u.userName, createRow, updateRow);
  }

  return { el, refresh };
}
