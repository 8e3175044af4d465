// Clients: OAuth clients registered with the gateway and their active grants, with Revoke.
import { h, setText, chips, reconcile, td, timeEl, updateTime } from '../dom.js';

export function create(ctx) {
  const { api } = ctx;
  const list = h('div', { class: 'list' });
  const empty = h('p', { class: 'empty', hidden: true, text: 'No registered clients' });
  const el = h('section', { 'aria-labelledby': 'clients-title' },
    h('div', { class: 'view-head' },
      h('h1', { id: 'clients-title', text: 'Clients' }),
      h('p', { text: ctx.isAdmin ? 'MCP clients registered with the gateway, and what each user granted them.' : 'MCP clients and the access you granted them.' })),
    empty, list);

  function createClient() {
    const tbody = h('tbody');
    return h('article', { class: 'card' },
      h('div', { class: 'card-head' }, h('h2', { class: 'title' }), h('span', { class: 'badge info type' })),
      h('p', { class: 'meta' }, 'Client id ', h('code', { class: 'id' }), h('span', { class: 'uris' })),
      h('p', { class: 'muted small no-grants', text: 'No active grants' }),
      h('table', { class: 'grid grants', 'aria-label': 'Grants' },
        h('thead', null, h('tr', null,
          h('th', { scope: 'col', text: 'User' }), h('th', { scope: 'col', text: 'Scopes' }),
          h('th', { scope: 'col', text: 'Granted' }), h('th', { scope: 'col', text: 'Actions' }))),
        tbody));
  }

  function updateClient(card, client) {
    setText(card.querySelector('.title'), client.name || client.clientId);
    setText(card.querySelector('.type'), client.type === 'confidential' ? 'Confidential' : 'Public');
    setText(card.querySelector('.id'), client.clientId);
    const uris = client.redirectUris ?? [];
    setText(card.querySelector('.uris'), uris.length ? ` · redirects to ${uris.join(', ')}` : '');
    const grants = client.grants ?? [];
    card.querySelector('.no-grants').hidden = grants.length > 0;
    card.querySelector('table.grants').hidden = grants.length === 0;
    reconcile(card.querySelector('tbody'), grants, 'data-grant', g => g.id, g => createGrant(client, g), updateGrant);
  }

  function createGrant(client, grant) {
    const revoke = h('button', { type: 'button', class: 'danger', text: 'Revoke' });
    revoke.addEventListener('click', () => {
      if (!confirm(`Revoke the access of ${client.name || client.clientId} for ${grant.userName}? Its tokens stop working at once.`)) return;
      ctx.act(revoke, () => api.del(`/api/grants/${api.seg(grant.id)}`), `Revoked: ${client.name || client.clientId} for ${grant.userName}.`);
    });
    return h('tr', null,
      td('User', { class: 'name user' }),
      td('Scopes', null, h('span', { class: 'chips' })),
      td('Granted', null, timeEl(grant.createdAt)),
      td('Actions', { class: 'actions-cell' }, h('div', { class: 'actions' }, revoke)));
  }

  function updateGrant(row, grant) {
    setText(row.querySelector('.user .cell'), grant.userName);
    chips(row.querySelector('.chips'), grant.scopes, 'chip tag');
    updateTime(row.querySelector('time'), grant.createdAt);
  }

  async function refresh() {
    const clients = (await api.get('/api/clients')) ?? [];
    empty.hidden = clients.length > 0;
    reconcile(list, clients, 'data-client', c => c.clientId, createClient, updateClient);
  }

  return { el, refresh };
}
