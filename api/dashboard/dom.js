// Small DOM helpers. Everything shown comes from the API and is untrusted, so
// text only ever goes in through textContent (createTextNode), never as HTML.

/**
 * Creates an element. `props`: `text`, `className`, `hidden`, and any other key
 * as an attribute (`data-*`, `aria-*`, `type`, `href`…; null/undefined skipped).
 * Children are nodes or strings (as text); null/false/undefined are skipped.
 */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'text') node.textContent = String(value);
    else if (key === 'className') node.className = value;
    else if (key === 'hidden') node.hidden = Boolean(value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces a node's children. */
export function fill(node, ...children) {
  node.replaceChildren();
  append(node, children);
  return node;
}

const TONES = {
  good: ['healthy', 'in-sync', 'completed', 'succeeded', 'ok', 'approved'],
  warn: ['degraded', 'drifted', 'running', 'remediating', 'contested', 'started', 'awaiting approval'],
  bad: ['unhealthy', 'error', 'failed', 'refused', 'timed-out', 'rejected'],
};

/** green, amber, red or grey, by status name; anything unknown (paused, unknown, skipped, cancelled…) is grey. */
export function toneOf(status) {
  for (const [tone, names] of Object.entries(TONES)) if (names.includes(status)) return tone;
  return 'neutral';
}

export function badge(status, testId) {
  const text = status || 'unknown';
  return el('span', { className: `badge badge-${toneOf(text)}`, 'data-status': text, 'data-testid': testId, text });
}

/** A `<time>` with the local time (and the date when not today); the full timestamp as its title. */
export function time(iso) {
  if (!iso) return el('span', { className: 'muted', text: '—' });
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return el('span', { text: String(iso) });
  const today = new Date().toDateString() === date.toDateString();
  const text = today ? date.toLocaleTimeString() : date.toLocaleString();
  return el('time', { datetime: date.toISOString(), title: date.toISOString(), text });
}

export function duration(ms) {
  if (ms === null || ms === undefined) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.round(ms / 60_000)} min`;
}

/** A link to another site (the Temporal UI), only for http(s) URLs; otherwise nothing. */
export function externalLink(href, text, label) {
  if (!href) return null;
  let url;
  try {
    url = new URL(href, window.location.href);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  return el('a', { href: url.href, target: '_blank', rel: 'noopener noreferrer', 'aria-label': label, text });
}

/**
 * Brings a table body in line with `items` without rebuilding rows that stay,
 * so a half-typed pause reason or a focused button survives a live update.
 * `create(item)` builds a row once; `update(row, item)` refreshes it.
 */
export function syncRows(tbody, items, keyOf, create, update) {
  const existing = new Map([...tbody.rows].map((row) => [row.dataset.key, row]));
  const wanted = items.map((item) => {
    const key = keyOf(item);
    let row = existing.get(key);
    existing.delete(key);
    if (!row) {
      row = create(item);
      row.dataset.key = key;
    }
    update(row, item);
    return row;
  });
  for (const row of existing.values()) row.remove();
  // Move only rows out of place: moving a row would take focus away from its inputs.
  wanted.forEach((row, index) => {
    if (tbody.rows[index] !== row) tbody.insertBefore(row, tbody.rows[index] ?? null);
  });
}
