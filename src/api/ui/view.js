// Rendering for the status page. Everything from the server is set as text (textContent), never
// parsed as HTML.

/** An element with attributes and children (strings become text nodes). */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else el.setAttribute(k, String(v));
  }
  for (const c of children) el.append(c instanceof Node ? c : document.createTextNode(c === undefined || c === null ? '' : String(c)));
  return el;
}

function num(v) {
  return h('td', { class: 'num' }, v === null || v === undefined ? '–' : String(v));
}

function replaceRows(tbody, rows, columns, emptyText) {
  tbody.replaceChildren(...(rows.length ? rows : [h('tr', { class: 'empty' }, h('td', { colspan: columns }, emptyText))]));
}

/** Values can be long or hold newlines: keep a row one screen wide. */
export function short(s, max = 120) {
  const text = JSON.stringify(String(s)).slice(1, -1);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export function renderMembers(tbody, view) {
  const members = [...view.members].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const rows = members.map((m) => {
    const health = !m.reachable ? 'unreachable' : m.ready ? 'ready' : 'not ready';
    return h(
      'tr',
      { 'data-member': m.name, 'data-role': m.role, 'data-health': health, class: m.name === view.leader ? 'is-leader' : undefined },
      h('td', {}, m.name + (m.name === view.self ? ' (this page)' : '')),
      h('td', { class: 'role' }, m.role),
      num(m.term),
      num(m.commitIndex),
      num(m.appliedIndex),
      h('td', { class: m.reachable && m.ready ? 'health-ok' : 'health-bad', title: m.reason }, m.reachable && m.ready ? health : `${health}: ${m.reason}`),
      h('td', { class: 'num' }, m.latencyMs === null ? '–' : `${m.latencyMs} ms`),
      h('td', {}, m.clientUrl),
    );
  });
  replaceRows(tbody, rows, 8, 'no members known');
}

export function renderLeader(el, view) {
  el.dataset.leader = view.leader ?? '';
  const term = view.members.find((m) => m.name === view.leader)?.term;
  el.textContent = view.leader ? `leader: ${view.leader}${term ? ` (term ${term})` : ''}` : 'leader: none';
}

export function renderLocks(tbody, countEl, locks) {
  const rows = locks.map((l) =>
    h('tr', { 'data-lock': l.name }, h('td', {}, short(l.name, 80)), h('td', { class: 'lease' }, l.holder?.lease ?? '–'), h('td', { class: 'num fencing' }, l.holder?.fencingToken ?? '–'), num(l.waiters)),
  );
  countEl.textContent = `(${locks.length} held)`;
  replaceRows(tbody, rows, 4, 'no lock is held');
}

export function renderLeases(tbody, countEl, leases, locks) {
  const held = new Map();
  for (const l of locks) if (l.holder) held.set(l.holder.lease, [...(held.get(l.holder.lease) ?? []), l.name]);
  const rows = leases.map((l) => h('tr', { 'data-lease': l.id }, h('td', {}, l.id), num(l.ttl), h('td', {}, short((held.get(l.id) ?? []).join(', '), 80))));
  countEl.textContent = `(${leases.length})`;
  replaceRows(tbody, rows, 3, 'no leases');
}

/** One revision's events, newest on top; at most `keep` entries stay on the page. */
export function prependEvents(list, revision, events, keep) {
  for (const e of events) {
    const li = h(
      'li',
      { 'data-key': e.kv.key, 'data-type': e.type },
      h('span', { class: 'rev' }, `#${revision} `),
      h('span', { class: e.type }, e.type.toUpperCase().padEnd(7)),
      short(e.kv.key, 200),
      e.type === 'put' ? ` = ${short(e.kv.value, 200)}` : '',
    );
    list.prepend(li);
  }
  while (list.children.length > keep) list.lastElementChild.remove();
}
