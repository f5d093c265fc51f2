// scopes.js: the sixteen token scopes as eight resource types with a read and
// a write each, the short readable summary of a scope list, and the
// read/write checkbox grid with its row and column helpers.

import { h, uniqueId } from './dom.js';

export const RESOURCES = [
  { key: 'incidents', label: 'Incidents' },
  { key: 'teams', label: 'Teams' },
  { key: 'escalationPolicies', label: 'Escalation policies' },
  { key: 'schedules', label: 'Schedules' },
  { key: 'integrations', label: 'Integrations' },
  { key: 'users', label: 'Users' },
  { key: 'contactMethods', label: 'Contact methods' },
  { key: 'notificationRules', label: 'Notification rules' },
];

const ACCESS = ['Read', 'Write'];

// The enum value for a resource and an access ('Read' or 'Write').
export function scopeName(resource, access) {
  return resource + access;
}

// "Incidents: read · Teams: read, write", in the grid's order; a token with
// no scope can still say who its user is.
export function summarize(scopes) {
  const granted = new Set(scopes || []);
  const parts = [];
  for (const resource of RESOURCES) {
    const accesses = ACCESS.filter((access) => granted.has(scopeName(resource.key, access)));
    if (accesses.length) parts.push(`${resource.label}: ${accesses.map((a) => a.toLowerCase()).join(', ')}`);
  }
  if (!parts.length) return 'No scopes (can only see who you are)';
  if (parts.length === RESOURCES.length && granted.size === RESOURCES.length * 2) return 'Everything: read, write';
  return parts.join(' · ');
}

// Build the scope grid inside container. onChange is called with the chosen
// scopes after every change. Returns { get(), set(scopes), focus() }.
export function scopeGrid(container, onChange = () => {}) {
  const id = uniqueId('scopes');
  const boxes = new Map();              // scope name -> checkbox
  const rowButtons = [];                 // [button, readBox, writeBox]
  const columnButtons = {};              // access -> button

  const toggle = (text, label) => h('button', { type: 'button', class: 'toggle', 'aria-pressed': 'false', 'aria-label': label }, text);

  columnButtons.Read = toggle('All read', 'Read access to every resource');
  columnButtons.Write = toggle('All write', 'Write access to every resource');
  const clear = h('button', { type: 'button', class: 'toggle' }, 'Clear all');

  const body = h('tbody');
  for (const resource of RESOURCES) {
    const cells = ACCESS.map((access) => {
      const box = h('input', { type: 'checkbox', id: `${id}-${resource.key}${access}`, value: scopeName(resource.key, access) });
      boxes.set(box.value, box);
      return h('td', { class: 'scope-cell' },
        h('label', { class: 'check', for: box.id }, box,
          h('span', { class: 'check-text' }, access, h('span', { class: 'visually-hidden' }, ` ${resource.label.toLowerCase()}`))));
    });
    const both = toggle([h('span', { class: 'wide-only' }, 'Read + write'), h('span', { class: 'narrow-only' }, 'Both')],
      `${resource.label}: read and write`);
    rowButtons.push([both, boxes.get(scopeName(resource.key, 'Read')), boxes.get(scopeName(resource.key, 'Write'))]);
    body.append(h('tr', {}, h('th', { scope: 'row' }, resource.label), ...cells, h('td', { class: 'scope-both' }, both)));
  }

  const table = h('table', { class: 'scope-grid' },
    h('caption', { class: 'visually-hidden' }, 'Read and write access per resource type'),
    h('thead', {}, h('tr', {},
      h('th', { scope: 'col' }, 'Resource'),
      h('th', { scope: 'col' }, 'Read'),
      h('th', { scope: 'col' }, 'Write'),
      h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Both')))),
    body);

  container.replaceChildren(
    h('div', { class: 'scope-helpers', role: 'group', 'aria-label': 'Select scopes in bulk' },
      columnButtons.Read, columnButtons.Write, clear),
    h('div', { class: 'scope-grid-wrap' }, table));

  const get = () => [...boxes.values()].filter((b) => b.checked).map((b) => b.value);

  // Keep every helper's pressed state true to the boxes it controls.
  const refresh = () => {
    for (const [button, read, write] of rowButtons) button.setAttribute('aria-pressed', String(read.checked && write.checked));
    for (const access of ACCESS) {
      const all = RESOURCES.every((r) => boxes.get(scopeName(r.key, access)).checked);
      columnButtons[access].setAttribute('aria-pressed', String(all));
    }
  };
  const changed = () => {
    refresh();
    onChange(get());
  };

  for (const box of boxes.values()) box.addEventListener('change', changed);
  for (const [button, read, write] of rowButtons) {
    button.addEventListener('click', () => {
      const on = !(read.checked && write.checked);
      read.checked = on;
      write.checked = on;
      changed();
    });
  }
  for (const access of ACCESS) {
    columnButtons[access].addEventListener('click', () => {
      const column = RESOURCES.map((r) => boxes.get(scopeName(r.key, access)));
      const on = !column.every((b) => b.checked);
      for (const box of column) box.checked = on;
      changed();
    });
  }
  clear.addEventListener('click', () => {
    for (const box of boxes.values()) box.checked = false;
    changed();
  });

  return {
    get,
    set(scopes) {
      const wanted = new Set(scopes || []);
      for (const box of boxes.values()) box.checked = wanted.has(box.value);
      refresh();
    },
    focus() {
      boxes.values().next().value.focus();
    },
  };
}

// ---------------------------------------------------------------- teams

// The most teams a token can be restricted to (r5-token's limit).
export const MAX_TEAMS = 50;

// "All teams", or "Teams: Payments, Search" with the names known (an id the
// page cannot name, say a team deleted since, shows as "1 other team").
export function summarizeTeams(teamIds, names = new Map()) {
  if (!teamIds || !teamIds.length) return 'All teams';
  const known = teamIds.filter((id) => names.has(id)).map((id) => names.get(id));
  const others = teamIds.length - known.length;
  if (others) known.push(`${others} other team${others === 1 ? '' : 's'}`);
  return 'Teams: ' + known.join(', ');
}

// Build the team picker inside container: an "All teams" box (the default:
// no restriction) and one box per team of the account. Ticking a team
// unticks "All teams"; ticking "All teams" clears the teams. onChange gets
// the chosen ids ([] for all teams). Returns { get(), set(ids), setTeams(teams),
// allTeams() }.
export function teamPicker(container, onChange = () => {}) {
  const id = uniqueId('teams');
  const all = h('input', { type: 'checkbox', id: `${id}-all`, checked: '' });
  const list = h('ul', { class: 'team-list', 'aria-label': 'Teams' });
  const empty = h('p', { class: 'hint', hidden: '' }, 'Your account has no teams yet.');
  let boxes = new Map();                 // team id -> checkbox
  let wanted = [];                       // ids set before the teams were known

  container.replaceChildren(
    h('label', { class: 'check team-all', for: all.id }, all, h('span', { class: 'check-text' }, 'All teams')),
    list, empty);

  const get = () => (all.checked ? [] : [...boxes.values()].filter((b) => b.checked).map((b) => b.value));
  const changed = () => onChange(get());
  all.addEventListener('change', () => {
    if (all.checked) for (const box of boxes.values()) box.checked = false;
    changed();
  });

  const set = (ids) => {
    wanted = [...(ids || [])];
    all.checked = wanted.length === 0;
    for (const [teamId, box] of boxes) box.checked = wanted.includes(teamId);
  };

  return {
    get,
    set,
    allTeams: () => all.checked,
    setTeams(teams) {
      boxes = new Map();
      list.replaceChildren(...teams.map((team) => {
        const box = h('input', { type: 'checkbox', id: `${id}-${team.id}`, value: team.id });
        box.addEventListener('change', () => {
          if (box.checked) all.checked = false;
          changed();
        });
        boxes.set(team.id, box);
        return h('li', {}, h('label', { class: 'check', for: box.id }, box, h('span', { class: 'check-text' }, team.name)));
      }));
      empty.hidden = teams.length > 0;
      set(wanted);
    },
  };
}
