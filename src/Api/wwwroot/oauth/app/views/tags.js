// Tag scopes: every tag, its description, the backends carrying it and who may grant it (admins edit): everyone,
// administrators, or named users and members of named groups of the identity provider.
import { h, setText, setName, chips, reconcile, td, splitList, nextId } from '../dom.js';

const POLICIES = [
  ['allUsers', 'Every user'],
  ['adminsOnly', 'Administrators only'],
  ['namedUsers', 'Named users or groups'],
];

const policyText = policy => POLICIES.find(([value]) => value === policy)?.[1] ?? policy ?? '';

// Group names come from the identity provider and may hold spaces ("Domain Users"): only commas separate them.
const splitGroups = text => String(text ?? '').split(',').map(s => s.trim()).filter(Boolean);

// "alice, bob, group engineering": who a namedUsers policy names.
const namedText = scope => [...(scope.allowedUsers ?? []), ...(scope.allowedGroups ?? []).map(g => `group ${g}`)].join(', ');

export function create(ctx) {
  const { api } = ctx;
  const admin = ctx.isAdmin;
  const tbody = h('tbody');
  const empty = h('p', { class: 'empty', hidden: true, text: 'No tags yet: give backends tags (mcp.json "tags", or Edit on the Backends tab).' });
  const table = h('table', { class: 'grid', 'aria-label': 'Tag scopes' },
    h('thead', null, h('tr', null,
      h('th', { scope: 'col', text: 'Tag' }), h('th', { scope: 'col', text: 'Description' }),
      h('th', { scope: 'col', text: 'Backends' }), h('th', { scope: 'col', text: 'Who may grant it' }),
      admin ? h('th', { scope: 'col', text: 'Actions' }) : null)),
    tbody);
  const el = h('section', { 'aria-labelledby': 'tags-title' },
    h('div', { class: 'view-head' },
      h('h1', { id: 'tags-title', text: 'Tag scopes' }),
      h('p', null, 'A client asks for ', h('code', { text: 'tag:<tag>' }), ' scopes; the consent page lets a user grant only the tags they may.')),
    empty, table);

  function createRow(scope) {
    const row = h('tr');
    const markDirty = () => { row.dataset.dirty = '1'; };
    if (admin) {
      const description = h('input', { type: 'text', class: 'description', id: nextId('desc'), 'aria-label': `Description of ${scope.tag}` });
      const policy = h('select', { class: 'policy', 'aria-label': `Who may grant ${scope.tag}` },
        POLICIES.map(([value, text]) => h('option', { value, text })));
      const usersInput = h('input', { type: 'text', class: 'users', 'aria-label': `Users who may grant ${scope.tag} (comma-separated)`, placeholder: 'alice, bob', autocomplete: 'off' });
      const groupsInput = h('input', {
        type: 'text', class: 'groups', 'aria-label': `Groups who may grant ${scope.tag} (comma-separated)`,
        title: 'Groups of the identity provider, as it names them', placeholder: 'engineering, sre', autocomplete: 'off',
      });
      // Both lists look alike once filled: each has a small visible name.
      const usersField = h('label', { class: 'named' }, h('span', { class: 'hint', text: 'Users' }), usersInput);
      const groupsField = h('label', { class: 'named' }, h('span', { class: 'hint', text: 'Groups' }), groupsInput);
      const sync = () => { usersField.hidden = groupsField.hidden = policy.value !== 'namedUsers'; };
      policy.addEventListener('change', () => { markDirty(); sync(); });
      description.addEventListener('input', markDirty);
      usersInput.addEventListener('input', markDirty);
      groupsInput.addEventListener('input', markDirty);
      const save = h('button', { type: 'button', class: 'primary', text: 'Save' });
      save.addEventListener('click', async () => {
        const body = {
          description: description.value.trim(),
          policy: policy.value,
          allowedUsers: policy.value === 'namedUsers' ? splitList(usersInput.value) : [],
          allowedGroups: policy.value === 'namedUsers' ? splitGroups(groupsInput.value) : [],
        };
        const saved = await ctx.act(save, () => api.put(`/api/tag-scopes/${api.seg(scope.tag)}`, body), `Tag ${scope.tag} saved.`);
        if (saved !== undefined) {
          delete row.dataset.dirty;
          if (saved?.tag) updateRow(row, saved);
        }
      });
      row.append(
        td('Tag', { class: 'name' }, h('span', { class: 'tag-name title' }), h('span', { class: 'status-note scope' })),
        td('Description', null, description),
        td('Backends', null, h('span', { class: 'chips' })),
        td('Who may grant it', null, h('div', { class: 'inline' }, policy, usersField, groupsField)),
        td('Actions', { class: 'actions-cell' }, h('div', { class: 'actions' }, save)));
      row.sync = sync;
    } else {
      row.append(
        td('Tag', { class: 'name' }, h('span', { class: 'tag-name title' }), h('span', { class: 'status-note scope' })),
        td('Description', { class: 'description-text' }),
        td('Backends', null, h('span', { class: 'chips' })),
        td('Who may grant it', { class: 'policy-text' }));
    }
    return row;
  }

  function updateRow(row, scope) {
    setName(row.querySelector('.tag-name'), scope.tag);
    setText(row.querySelector('.scope'), scope.scope ?? `tag:${scope.tag}`);
    chips(row.querySelector('.chips'), scope.backends);
    if (!admin) {
      setText(row.querySelector('.description-text .cell'), scope.description || '—');
      const named = scope.policy === 'namedUsers' ? namedText(scope) : '';
      setText(row.querySelector('.policy-text .cell'), policyText(scope.policy) + (named ? `: ${named}` : ''));
      return;
    }
    // An edit in progress (or a focused control) is never overwritten by the auto-refresh.
    if (row.dataset.dirty || row.contains(document.activeElement) && document.activeElement.matches('input, select')) return;
    const description = row.querySelector('.description');
    const policy = row.querySelector('.policy');
    const usersInput = row.querySelector('.users');
    if (description.value !== (scope.description ?? '')) description.value = scope.description ?? '';
    if (policy.value !== (scope.policy ?? 'allUsers')) policy.value = scope.policy ?? 'allUsers';
    const users = (scope.allowedUsers ?? []).join(', ');
    if (usersInput.value !== users) usersInput.value = users;
    const groupsInput = row.querySelector('.groups');
    const groups = (scope.allowedGroups ?? []).join(', ');
    if (groupsInput.value !== groups) groupsInput.value = groups;
    row.sync();
  }

  async function refresh() {
    const scopes = (await api.get('/api/tag-scopes')) ?? [];
    empty.hidden = scopes.length > 0;
    table.hidden = scopes.length === 0;
    reconcile(tbody, scopes, 'data-tag', s => s.tag, createRow, updateRow);
  }

  return { el, refresh };
}
