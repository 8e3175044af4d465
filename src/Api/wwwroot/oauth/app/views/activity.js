// Activity: the audit log's recent entries with filters (user, backend, outcome), with what each change or decision
// was made to (its target: a user, preset, tag, grant ...), and per backend the calls, errors and p95 latency of the
// last hour as a small inline SVG chart drawn from GET /api/audit/summary.
import { h, setText, reconcile, replaceIfChanged, td, timeEl, updateTime, field } from '../dom.js';

const SVG = 'http://www.w3.org/2000/svg';
// Rows shown at first and added by each "Show older entries"; at most the API's largest page (older ones: the CSV).
const PAGE = 50;
const MOST = 1000;
const CHART_W = 240;
const CHART_H = 48;

function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs ?? {})) el.setAttribute(key, String(value));
  for (const child of children) el.append(child);
  return el;
}

/** One bar per bucket: its height is the calls, the red part the errors; the p95 is in each bar's tooltip. */
function chart(backend) {
  const buckets = backend.buckets ?? [];
  const max = Math.max(1, ...buckets.map(b => b.calls));
  const slot = CHART_W / Math.max(1, buckets.length);
  const bars = buckets.map((b, i) => {
    const x = i * slot + 1;
    const w = Math.max(1, slot - 2);
    const total = (b.calls / max) * (CHART_H - 2);
    const errors = (b.errors / max) * (CHART_H - 2);
    const when = new Date(b.start).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
    return s('g', { class: 'bucket' },
      s('title', null, `${when}: ${b.calls} calls, ${b.errors} errors, p95 ${b.p95Ms} ms`),
      s('rect', { class: 'bar calls', x, y: CHART_H - total, width: w, height: total }),
      s('rect', { class: 'bar errors', x, y: CHART_H - errors, width: w, height: errors }));
  });
  return s('svg', {
    class: 'chart', viewBox: `0 0 ${CHART_W} ${CHART_H}`, width: CHART_W, height: CHART_H, role: 'img',
    'aria-label': `${backend.backend}: ${backend.calls} calls, ${backend.errors} errors, p95 ${backend.p95Ms} ms in the last hour`,
  }, s('line', { class: 'axis', x1: 0, y1: CHART_H - 0.5, x2: CHART_W, y2: CHART_H - 0.5 }), ...bars);
}

export function create(ctx) {
  const { api } = ctx;
  const user = h('input', { type: 'search', name: 'user', autocomplete: 'off', placeholder: 'any user' });
  const backend = h('select', { name: 'backend' }, h('option', { value: '', text: 'All backends' }));
  const outcome = h('select', { name: 'outcome' },
    h('option', { value: '', text: 'Any outcome' }), h('option', { value: 'success', text: 'Success' }), h('option', { value: 'failure', text: 'Failure' }));
  const csv = h('a', { class: 'button', href: '/api/audit?format=csv', download: 'onemcp-audit.csv', text: 'Export CSV' });
  let shown = PAGE;
  const more = h('button', { type: 'button', class: 'button more', hidden: true, text: 'Show older entries' });
  const rest = h('p', { class: 'small', hidden: true, text: `Only the newest ${MOST} entries are shown here: Export CSV has every matching one.` });
  more.addEventListener('click', () => {
    shown = Math.min(MOST, shown + PAGE);
    ctx.refresh();
  });
  const filtered = () => {
    shown = PAGE;
    ctx.refresh();
  };
  let typing = 0;
  user.addEventListener('input', () => {
    clearTimeout(typing);
    typing = setTimeout(filtered, 300);
  });
  backend.addEventListener('change', filtered);
  outcome.addEventListener('change', filtered);

  const charts = h('div', { class: 'activity-charts' });
  const noCharts = h('p', { class: 'empty', text: 'No calls in the last hour' });
  const tbody = h('tbody');
  const empty = h('p', { class: 'empty', hidden: true, text: 'No matching activity' });
  const table = h('table', { class: 'grid activity', 'aria-label': 'Recent activity' },
    h('thead', null, h('tr', null, ...['Time', 'User', 'Kind', 'Backend', 'Name', 'Target', 'Outcome', 'Duration'].map(t => h('th', { scope: 'col', text: t })))),
    tbody);

  const el = h('section', { 'aria-labelledby': 'activity-title' },
    h('div', { class: 'view-head' },
      h('h1', { id: 'activity-title', text: 'Activity' }),
      h('p', { text: ctx.isAdmin ? 'Calls, sign-ins, consents and changes of every user (never arguments or results).' : 'Your calls, sign-ins, consents and changes.' })),
    h('section', { class: 'panel', 'aria-labelledby': 'activity-hour' },
      h('h2', { id: 'activity-hour', text: 'Last hour per backend' }),
      noCharts, charts),
    h('form', { class: 'filters', role: 'search', onsubmit: e => { e.preventDefault(); filtered(); } },
      field('User', user), field('Backend', backend), field('Outcome', outcome), csv),
    empty, table, more, rest);

  function query() {
    const params = new URLSearchParams();
    if (user.value.trim()) params.set('user', user.value.trim());
    if (backend.value) params.set('backend', backend.value);
    if (outcome.value) params.set('outcome', outcome.value);
    return params;
  }

  function createRow(item) {
    return h('tr', null,
      td('Time', null, timeEl(item.time)),
      td('User', { class: 'user' }),
      td('Kind', { class: 'kind' }),
      td('Backend', { class: 'backend' }),
      td('Name', { class: 'target name' }),
      td('Target', { class: 'target concerns' }),
      td('Outcome', { class: 'outcome' }, h('span', { class: 'badge' })),
      td('Duration', { class: 'num duration' }));
  }

  function updateRow(row, item) {
    updateTime(row.querySelector('time'), item.time);
    setText(row.querySelector('.user .cell'), item.user ?? '—');
    setText(row.querySelector('.kind .cell'), item.kind);
    setText(row.querySelector('.backend .cell'), item.backend ?? '—');
    setText(row.querySelector('.name .cell'), item.name ?? '');
    setText(row.querySelector('.concerns .cell'), item.target ?? '—');
    const badge = row.querySelector('.outcome .badge');
    setText(badge, item.outcome === 'success' ? 'Success' : `Failure${item.errorCode ? ` (${item.errorCode})` : ''}`);
    badge.className = `badge ${item.outcome === 'success' ? 'ok' : 'err'}`;
    setText(row.querySelector('.duration .cell'), `${item.durationMs} ms`);
  }

  function updateChart(card, activity) {
    setText(card.querySelector('.title'), activity.backend);
    setText(card.querySelector('.n-calls'), String(activity.calls));
    setText(card.querySelector('.n-errors'), String(activity.errors));
    setText(card.querySelector('.n-p95'), `${activity.p95Ms} ms`);
    replaceIfChanged(card.querySelector('.plot'), JSON.stringify(activity.buckets), () => chart(activity));
  }

  function createChart() {
    return h('article', { class: 'activity-card' },
      h('h3', { class: 'title' }),
      h('p', { class: 'small stats' },
        h('span', { class: 'n-calls' }), ' calls · ', h('span', { class: 'n-errors' }), ' errors · p95 ', h('span', { class: 'n-p95' })),
      h('div', { class: 'plot' }));
  }

  function updateBackendOptions(names) {
    const wanted = ['', ...names];
    const have = [...backend.options].map(o => o.value);
    if (JSON.stringify(have) === JSON.stringify(wanted)) return;
    const selected = backend.value;
    backend.replaceChildren(h('option', { value: '', text: 'All backends' }), ...names.map(n => h('option', { value: n, text: n })));
    backend.value = names.includes(selected) ? selected : '';
  }

  async function refresh() {
    const params = query();
    // Without a limit the CSV is the whole filtered log, not a page of it.
    const csvParams = new URLSearchParams(params);
    csvParams.set('format', 'csv');
    csv.setAttribute('href', `/api/audit?${csvParams}`);
    params.set('limit', String(shown));
    const [page, summary, backends] = await Promise.all([
      api.get(`/api/audit?${params}`),
      api.get('/api/audit/summary'),
      api.get('/api/backends').catch(() => []),
    ]);
    const names = [...new Set([...(backends ?? []).map(b => b.name), ...(summary?.backends ?? []).map(b => b.backend)])].sort();
    updateBackendOptions(names);
    const activity = summary?.backends ?? [];
    noCharts.hidden = activity.length > 0;
    reconcile(charts, activity, 'data-activity-backend', a => a.backend, createChart, updateChart);
    const items = page?.items ?? [];
    empty.hidden = items.length > 0;
    table.hidden = items.length === 0;
    reconcile(tbody, items, 'data-audit', i => i.id, createRow, updateRow);
    const older = Boolean(page?.nextCursor);
    more.hidden = !older || shown >= MOST;
    rest.hidden = !older || shown < MOST;
  }

  return { el, refresh };
}
