// Presets: named tag filters a client selects with /mcp?preset=<name>. Everyone sees each preset's filter, the backends it
// selects now and the URL to hand out; admins add, edit and remove them. Sessions opened with a preset follow its edits.
import { h, setText, setName, chips, reconcile, td, field } from '../dom.js';

/** The URL a client connects to for this preset, as this browser reaches the gateway. */
const urlOf = name => `${location.origin}/mcp?preset=${encodeURIComponent(name)}`;

/** Puts the URL on the clipboard; where the browser refuses (a page not served over HTTPS), selects it to copy by hand. */
async function copy(input, ctx) {
  try {
    await navigator.clipboard.writeText(input.value);
    ctx.notify('URL copied.');
  } catch {
    input.focus();
    input.select();
    ctx.notify('The browser did not allow copying: the URL is selected, press Ctrl+C (⌘C) to copy it.');
  }
}

export function create(ctx) {
  const { api } = ctx;
  const admin = ctx.isAdmin;
  const tbody = h('tbody');
  const empty = h('p', {
    class: 'empty', hidden: true,
    text: admin ? 'No presets yet: add one below.' : 'No presets yet: an administrator adds them.',
  });
  const table = h('table', { class: 'grid presets', 'aria-label': 'Presets' },
    h('thead', null, h('tr', null,
      h('th', { scope: 'col', text: 'Preset' }), h('th', { scope: 'col', text: 'Filter' }),
      h('th', { scope: 'col', text: 'Selects now' }), h('th', { scope: 'col', text: 'Client URL' }),
      admin ? h('th', { scope: 'col', text: 'Actions' }) : null)),
    tbody);

  const children = [
    h('div', { class: 'view-head' },
      h('h1', { id: 'presets-title', text: 'Presets' }),
      h('p', null, 'Named tag filters: a client that connects to ', h('code', { text: '/mcp?preset=<name>' }),
        ' sees only the backends the filter selects, and its session follows the preset when it changes.')),
    empty, table,
  ];
  if (admin) children.push(addForm());
  const el = h('section', { 'aria-labelledby': 'presets-title' }, ...children);

  function addForm() {
    const name = h('input', { type: 'text', name: 'presetName', autocomplete: 'off', spellcheck: 'false', required: true, maxlength: 64 });
    const expression = h('input', { type: 'text', name: 'expression', autocomplete: 'off', spellcheck: 'false', required: true, placeholder: 'web and not prod' });
    const description = h('input', { type: 'text', name: 'description', autocomplete: 'off' });
    const add = h('button', { type: 'submit', class: 'primary', text: 'Add preset' });
    const form = h('form', { class: 'stack', novalidate: true },
      h('div', { class: 'fields' },
        field('Name', name, 'letters, digits, - _ .'),
        field('Filter', expression, 'tags with and, or, not and parentheses'),
        field('Description', description)),
      h('div', { class: 'actions' }, add));
    form.addEventListener('submit', async event => {
      event.preventDefault();
      const presetName = name.value.trim();
      if (!presetName || !expression.value.trim()) {
        ctx.fail(new Error('Give the preset a name and a filter.'));
        return;
      }
      const body = { name: presetName, expression: expression.value.trim(), description: description.value.trim() };
      const created = await ctx.act(add, () => api.post('/api/presets', body),
        preset => `Preset ${presetName} added: it selects ${selectsText(preset)}.`);
      if (created !== undefined) form.reset();
    });
    return h('details', { class: 'panel' }, h('summary', { text: 'Add preset' }), form);
  }

  function createRow(preset) {
    const row = h('tr');
    const name = preset.name;
    const url = h('input', { type: 'text', class: 'url', readonly: true, 'aria-label': `Client URL of ${name}`, value: urlOf(name) });
    url.addEventListener('focus', () => url.select());
    const copyButton = h('button', { type: 'button', text: 'Copy', 'aria-label': `Copy the client URL of ${name}` });
    copyButton.addEventListener('click', () => copy(url, ctx));
    const urlCell = td('Client URL', null, h('div', { class: 'inline' }, url, copyButton));
    if (!admin) {
      row.append(
        td('Preset', { class: 'name' }, h('span', { class: 'preset-name title' }), h('span', { class: 'status-note description-text' })),
        td('Filter', { class: 'filter' }, h('code', { class: 'filter-text' })),
        td('Selects now', null, h('span', { class: 'chips backends' })),
        urlCell);
      return row;
    }

    const markDirty = () => { row.dataset.dirty = '1'; };
    const expression = h('input', { type: 'text', class: 'expression', spellcheck: 'false', autocomplete: 'off', 'aria-label': `Filter of ${name}` });
    const description = h('input', { type: 'text', class: 'description', autocomplete: 'off', 'aria-label': `Description of ${name}` });
    expression.addEventListener('input', markDirty);
    description.addEventListener('input', markDirty);
    const path = `/api/presets/${api.seg(name)}`;
    const save = h('button', { type: 'button', class: 'primary', text: 'Save' });
    save.addEventListener('click', async () => {
      // Based on the version shown: an edit saved meanwhile elsewhere is not overwritten (409, said in the banner).
      const body = { expression: expression.value.trim(), description: description.value.trim(), expectedVersion: Number(row.dataset.version) };
      // Else, the row takes the version saved meanwhile (the refresh leaves an edited row alone) and keeps the edit.
      const saved = await ctx.act(save, () => api.put(path, body).catch(error => api.rebaseOnConflict(error, path,
        current => { row.dataset.version = String(current.version); },
        current => `Someone else saved the preset ${name} meanwhile: its filter is now ${current.expression}. Your edit is still here: Save again to replace theirs.`)),
      preset => `Preset ${name} saved: it selects ${selectsText(preset)}.`);
      if (saved?.name) {
        delete row.dataset.dirty;
        updateRow(row, saved);
      }
    });
    const remove = h('button', { type: 'button', class: 'danger', text: 'Remove' });
    remove.addEventListener('click', () => {
      if (!confirm(`Remove the preset ${name}? Clients connected with it see no backend until it is added again.`)) return;
      ctx.act(remove, () => api.del(path).then(() => row.remove()), `Preset ${name} removed.`);
    });
    row.append(
      td('Preset', { class: 'name' }, h('span', { class: 'preset-name title' }), description),
      td('Filter', { class: 'filter' }, expression, h('span', { class: 'status-note canonical' })),
      td('Selects now', null, h('span', { class: 'chips backends' })),
      urlCell,
      td('Actions', { class: 'actions-cell' }, h('div', { class: 'actions' }, save, remove)));
    return row;
  }

  function updateRow(row, preset) {
    setName(row.querySelector('.preset-name'), preset.name);
    chips(row.querySelector('.backends'), preset.backends);
    if (!admin) {
      setText(row.querySelector('.filter-text'), preset.filter);
      setText(row.querySelector('.description-text'), preset.description ?? '');
      return;
    }
    // An edit in progress (or a focused field) is never overwritten by the auto-refresh, nor the version it is based on.
    if (row.dataset.dirty || row.contains(document.activeElement) && document.activeElement.matches('input.expression, input.description')) return;
    row.dataset.version = String(preset.version);
    const expression = row.querySelector('.expression');
    const description = row.querySelector('.description');
    if (expression.value !== preset.expression) expression.value = preset.expression;
    if (description.value !== (preset.description ?? '')) description.value = preset.description ?? '';
    // The form the gateway reads it in, when the text typed differs from it (case, symbols, parentheses).
    setText(row.querySelector('.canonical'), preset.filter !== preset.expression ? `read as: ${preset.filter}` : '');
    description.placeholder = 'no description';
  }

  async function refresh() {
    const presets = (await api.get('/api/presets')) ?? [];
    empty.hidden = presets.length > 0;
    table.hidden = presets.length === 0;
    reconcile(tbody, presets, 'data-preset', p => p.name, createRow, updateRow);
  }

  return { el, refresh };
}

function selectsText(preset) {
  const backends = preset?.backends ?? [];
  return backends.length ? backends.join(', ') : 'no backend yet';
}
