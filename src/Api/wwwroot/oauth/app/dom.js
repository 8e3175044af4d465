// Small DOM helpers: element creation, in-place text updates and keyed reconciliation, so the 3-second
// auto-refresh changes only what changed (no flicker, focus and half-typed forms left alone).

/** Creates an element. props: class, text, dataset, on<event>, boolean/property values, other attributes. */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key === 'text') el.textContent = value;
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (key === 'value' || key === 'checked' || key === 'selected') el[key] = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Sets text only when it differs (no needless DOM mutation). */
export function setText(el, text) {
  const value = text ?? '';
  if (el.textContent !== value) el.textContent = value;
}

/**
 * Sets a name shown on one line (ellipsized past its column's width, never broken mid-word: class "title" in a name
 * cell) and keeps the whole name in its tooltip.
 */
export function setName(el, name) {
  setText(el, name);
  setAttr(el, 'title', name || null);
}

export function setAttr(el, name, value) {
  if (value === null || value === undefined || value === false) {
    if (el.hasAttribute(name)) el.removeAttribute(name);
  } else {
    const v = value === true ? '' : String(value);
    if (el.getAttribute(name) !== v) el.setAttribute(name, v);
  }
}

/**
 * Replaces the children of el only when signature changed; keeps focus inside el on the first button when
 * the user was on one of the replaced controls (e.g. Disable becomes Enable after a click).
 */
export function replaceIfChanged(el, signature, build) {
  if (el.dataset.sig === signature) return false;
  const controls = () => [...el.querySelectorAll('button, a, input, select')];
  const hadFocus = el.contains(document.activeElement);
  const focusedName = hadFocus ? document.activeElement.textContent : null;
  const focusedIndex = hadFocus ? controls().indexOf(document.activeElement) : -1;
  el.dataset.sig = signature;
  el.replaceChildren(...[build()].flat(Infinity).filter(Boolean));
  if (hadFocus) {
    // Same control if it is still there, else the one in the same place (Disable became Enable).
    const now = controls();
    (now.find(b => b.textContent === focusedName) ?? now[Math.min(Math.max(focusedIndex, 0), now.length - 1)])?.focus();
  }
  return true;
}

/** Chips for a list of strings, rebuilt only when the list changes. */
export function chips(el, values, cls = 'chip') {
  replaceIfChanged(el, JSON.stringify(values ?? []), () =>
    (values ?? []).length ? (values ?? []).map(v => h('span', { class: cls, text: v })) : h('span', { class: 'muted', text: '—' }));
}

/**
 * Keyed reconciliation of parent's children with items: existing elements (attribute keyAttr) are updated in
 * place, new ones created, gone ones removed; elements are moved only when the order changed.
 */
export function reconcile(parent, items, keyAttr, keyOf, create, update) {
  const existing = new Map();
  for (const child of [...parent.children]) {
    if (child.hasAttribute(keyAttr)) existing.set(child.getAttribute(keyAttr), child);
  }
  const seen = new Set();
  let previous = null;
  for (const item of items) {
    const key = String(keyOf(item));
    seen.add(key);
    let el = existing.get(key);
    if (!el) {
      el = create(item);
      el.setAttribute(keyAttr, key);
    }
    update(el, item);
    const expected = previous ? previous.nextElementSibling : parent.firstElementChild;
    if (el !== expected) parent.insertBefore(el, expected);
    previous = el;
  }
  for (const [key, el] of existing) {
    if (!seen.has(key)) el.remove();
  }
}

/** "12 s ago", "5 min ago", "in 3 min"; the exact time is in the title. */
export function relativeTime(iso) {
  if (!iso) return 'never';
  const when = new Date(iso);
  if (Number.isNaN(when.getTime())) return String(iso);
  const seconds = Math.round((Date.now() - when.getTime()) / 1000);
  const future = seconds < 0;
  const s = Math.abs(seconds);
  let text;
  if (s < 5) return future ? 'in a moment' : 'just now';
  if (s < 60) text = `${s} s`;
  else if (s < 3600) text = `${Math.floor(s / 60)} min`;
  else if (s < 86400) text = `${Math.floor(s / 3600)} h`;
  else text = `${Math.floor(s / 86400)} d`;
  return future ? `in ${text}` : `${text} ago`;
}

/** A <time> element kept current by updateTime. */
export function timeEl(iso) {
  const el = h('time');
  updateTime(el, iso);
  return el;
}

export function updateTime(el, iso) {
  setAttr(el, 'datetime', iso || null);
  setAttr(el, 'title', iso ? new Date(iso).toLocaleString() : null);
  setText(el, relativeTime(iso));
}

/** A labelled table cell (the label shows on phone-width cards). */
export function td(label, props, ...children) {
  return h('td', { 'data-label': label, ...(props ?? {}) }, h('div', { class: 'cell' }, ...children));
}

/** Splits "a, b c" into ["a","b","c"]. */
export function splitList(text) {
  return String(text ?? '').split(/[\s,]+/).map(s => s.trim()).filter(Boolean);
}

let uid = 0;
export function nextId(prefix) {
  uid += 1;
  return `${prefix}-${uid}`;
}

/** A label + control pair. */
export function field(labelText, control, hint) {
  if (!control.id) control.id = nextId('f');
  return h('div', { class: 'field' },
    h('label', { for: control.id }, labelText, hint ? h('span', { class: 'hint', text: ` ${hint}` }) : null),
    control);
}
