// security.js: the Security tab: the list of the user's personal access
// tokens, creating one, showing its value once, editing its description,
// scopes and teams, regenerating and deleting it, the effective-permission
// preview, and the notices of tokens found in public (and revoked) until
// dismissed.

import { describe, graphql } from './api.js';
import { announce, busy, byId, confirmDialog, copyText, formError, h, setFieldError, timeElement, validate } from './dom.js';
import { MAX_TEAMS, RESOURCES, scopeGrid, summarize, summarizeTeams, teamPicker } from './scopes.js';

const TOKEN_FIELDS = 'id description scopes teamIds hint createdAt lastUsedAt';
const PAGE_SIZE = 50;

const LIST = `query Tokens($first: Int, $after: String) {
  personalAccessTokens(first: $first, after: $after) {
    nodes { ${TOKEN_FIELDS} }
    pageInfo { hasNextPage endCursor }
  }
}`;
const ONE = `query Token($id: ID!) {
  personalAccessToken(id: $id) { ${TOKEN_FIELDS} lastUsedIp usedFrom { address userAgent lastUsedAt } }
}`;
const EVENTS = `query TokenEvents($id: ID!) {
  personalAccessToken(id: $id) { id events(first: 10) { nodes { type at scopesBefore scopesAfter teamIdsAfter ip reason } } }
}`;
const CREATE = `mutation CreateToken($input: CreatePersonalAccessTokenInput!) {
  createPersonalAccessToken(input: $input) { personalAccessToken { ${TOKEN_FIELDS} } value }
}`;
const UPDATE = `mutation UpdateToken($id: ID!, $input: UpdatePersonalAccessTokenInput!) {
  updatePersonalAccessToken(id: $id, input: $input) { personalAccessToken { ${TOKEN_FIELDS} } }
}`;
const REGENERATE = `mutation RegenerateToken($id: ID!) {
  regeneratePersonalAccessToken(id: $id) { personalAccessToken { ${TOKEN_FIELDS} } value }
}`;
const DELETE = `mutation DeleteToken($id: ID!) { deletePersonalAccessToken(id: $id) { deletedId } }`;
const NOTICES = `query TokenNotices {
  viewer { tokenNotices { id description hint url reportedAt } }
}`;
const DISMISS = `mutation DismissTokenNotice($id: ID!) { dismissTokenNotice(input: { id: $id }) { dismissedId } }`;
const VIEWER_FIELDS = 'query ViewerFields { __type(name: "Viewer") { fields { name } } }';
const PREVIEW = `query Preview($scopes: [TokenScope!]!) {
  viewer { effectivePermissions(scopes: $scopes) { scope allowed summary } }
}`;
const PREVIEW_TEAMS = `query PreviewTeams($scopes: [TokenScope!]!, $teamIds: [ID!]) {
  viewer { effectivePermissions(scopes: $scopes, teamIds: $teamIds) { scope allowed summary } }
}`;
const TEAMS = `query Teams($after: String) {
  teams(first: 100, after: $after) { nodes { id name } pageInfo { hasNextPage endCursor } }
}`;

const SUBVIEWS = ['tokens-list-view', 'token-create-view', 'token-reveal-view', 'token-edit-view'];

let app = null;           // { go, focusHeading } from app.js
let generation = 0;       // bumped on every screen change: late answers are dropped
let current = null;       // the token open in the editor
let revealReturn = '#/security';
let createGrid = null;
let editGrid = null;
let createTeams = null;
let editTeams = null;
let teamNames = new Map();     // the account's teams, id -> name, for pickers and summaries
let listCursor = null;
let previewSupported = null;   // a promise of true/false, asked once per page load

function show(id) {
  for (const view of SUBVIEWS) byId(view).hidden = view !== id;
}

function errorText(error) {
  return error.code === 'UNAUTHENTICATED' ? '' : describe(error);
}

// ---------------------------------------------------------------- list

function tokenItem(token) {
  return h('li', { class: 'token' },
    h('div', { class: 'token-head' },
      h('a', { class: 'token-name', href: '#/security/' + encodeURIComponent(token.id) }, token.description),
      h('code', { class: 'token-hint' }, token.hint)),
    h('p', { class: 'token-scopes' }, summarize(token.scopes)),
    h('p', { class: 'token-teams' }, summarizeTeams(token.teamIds, teamNames)),
    h('p', { class: 'token-meta' },
      h('span', {}, 'Created ', timeElement(token.createdAt)),
      h('span', {}, 'Last used ', timeElement(token.lastUsedAt, 'never'))));
}

async function loadTokens(more) {
  const mine = generation;
  const list = byId('tokens');
  const loading = byId('tokens-loading');
  const moreButton = byId('tokens-more');
  let done = null;
  if (more) {
    done = busy(moreButton, 'Loading…');
  } else {
    list.replaceChildren();
    list.hidden = true;
    byId('tokens-empty').hidden = true;
    byId('tokens-more-wrap').hidden = true;
    loading.hidden = false;
    listCursor = null;
  }
  try {
    if (!more) await loadTeams();
    const data = await graphql(LIST, { first: PAGE_SIZE, after: more ? listCursor : null });
    if (mine !== generation) return;
    const page = data.personalAccessTokens;
    list.append(...page.nodes.map(tokenItem));
    list.hidden = list.children.length === 0;
    byId('tokens-empty').hidden = list.children.length !== 0;
    listCursor = page.pageInfo.endCursor;
    byId('tokens-more-wrap').hidden = !page.pageInfo.hasNextPage;
  } catch (error) {
    if (mine !== generation) return;
    const text = errorText(error);
    if (text) announce('Could not load your tokens. ' + text, 'error');
  } finally {
    loading.hidden = true;
    if (done) done();
  }
}

// ---------------------------------------------------------------- notices

// Where the value was found: a link when it is a web address, else the text.
function foundAt(url) {
  return /^https?:\/\//i.test(url)
    ? h('a', { href: url, rel: 'noopener noreferrer nofollow', target: '_blank' }, url)
    : h('code', {}, url);
}

function noticeItem(notice) {
  const item = h('li', { class: 'token-notice', role: 'alert' },
    h('p', {},
      'Your token ', h('strong', {}, notice.description), ' (', h('code', {}, notice.hint), ')',
      ' was found in public at ', foundAt(notice.url), ' and revoked ', timeElement(notice.reportedAt), '.'),
    h('p', { class: 'token-notice-hint' }, 'It no longer works. Create a new token for whatever used it, and remove the value from where it was found.'));
  const dismiss = h('button', { type: 'button', class: 'token-notice-dismiss' }, 'Dismiss');
  dismiss.addEventListener('click', async () => {
    const done = busy(dismiss, 'Dismissing…');
    try {
      await graphql(DISMISS, { id: notice.id });
      item.remove();
    } catch (error) {
      // Already dismissed (another window): it is gone either way.
      if (error.code === 'NOT_FOUND') item.remove();
      else {
        const text = errorText(error);
        if (text) announce('Could not dismiss the notice. ' + text, 'error');
      }
    } finally {
      done();
    }
    byId('token-notices').hidden = byId('token-notices').children.length === 0;
  });
  item.append(dismiss);
  return item;
}

async function loadNotices() {
  const mine = generation;
  const list = byId('token-notices');
  list.replaceChildren();
  list.hidden = true;
  try {
    const data = await graphql(NOTICES);
    if (mine !== generation) return;
    const notices = (data.viewer && data.viewer.tokenNotices) || [];
    list.append(...notices.map(noticeItem));
    list.hidden = notices.length === 0;
  } catch (error) {
    if (mine !== generation) return;
    const text = errorText(error);
    if (text) announce('Could not load notices about your tokens. ' + text, 'error');
  }
}

// ---------------------------------------------------------------- teams

// The account's teams (every page, a thousand at most), for the pickers and
// the list's summaries. A failure leaves the pickers as they were: a token
// can still be made for all teams.
async function loadTeams() {
  const teams = [];
  let after = null;
  try {
    for (let page = 0; page < 10; page++) {
      const data = await graphql(TEAMS, { after });
      teams.push(...data.teams.nodes);
      if (!data.teams.pageInfo.hasNextPage) break;
      after = data.teams.pageInfo.endCursor;
    }
  } catch (error) {
    if (error.code !== 'UNAUTHENTICATED') announce('Could not load your teams. ' + errorText(error), 'error');
    return;
  }
  teamNames = new Map(teams.map((team) => [team.id, team.name]));
  createTeams.setTeams(teams);
  editTeams.setTeams(teams);
}

// The teams a form would restrict its token to, or null with the form's
// error shown (none ticked without "All teams", or too many).
function chosenTeams(form, picker) {
  const teams = picker.get();
  if (!picker.allTeams() && teams.length === 0) {
    formError(form, 'Choose at least one team, or All teams.');
    return null;
  }
  if (teams.length > MAX_TEAMS) {
    formError(form, `A token can be limited to at most ${MAX_TEAMS} teams.`);
    return null;
  }
  return teams;
}

// ---------------------------------------------------------------- preview

// The effective-permission preview needs Viewer.effectivePermissions on the
// server; the page never works permissions out itself.
function hasPreview() {
  if (!previewSupported) {
    previewSupported = graphql(VIEWER_FIELDS)
      .then((data) => Boolean(data.__type && data.__type.fields.some((f) => f.name === 'effectivePermissions')))
      .catch((error) => {
        // A passing failure is asked again next time; a refusal (introspection
        // switched off) is an answer.
        if (['NETWORK', 'UNAUTHENTICATED', 'UNAVAILABLE', 'RATE_LIMITED'].includes(error.code)) previewSupported = null;
        return false;
      });
  }
  return previewSupported;
}

function scopeLabel(scope) {
  for (const resource of RESOURCES) {
    if (scope === resource.key + 'Read') return `${resource.label}: read`;
    if (scope === resource.key + 'Write') return `${resource.label}: write`;
  }
  return scope;
}

function previewer(host) {
  let timer = 0;
  let asked = 0;
  const note = (text) => host.replaceChildren(h('p', { class: 'hint' }, text));
  const run = async (scopes, teamIds) => {
    const mine = ++asked;
    if (!(await hasPreview())) {
      host.closest('.preview').classList.add('preview-off');
      note('A preview of what these scopes allow for your account is not available on this server yet. '
        + 'Whatever you choose, a token can never do more than you can.');
      return;
    }
    host.closest('.preview').classList.remove('preview-off');
    if (!scopes.length) {
      note('Choose scopes to see what this token could do for your account.');
      return;
    }
    try {
      const data = teamIds && teamIds.length
        ? await graphql(PREVIEW_TEAMS, { scopes, teamIds })
        : await graphql(PREVIEW, { scopes });
      if (mine !== asked) return;
      const rows = data.viewer.effectivePermissions.map((p) => h('li', { class: p.allowed ? 'allowed' : 'denied' },
        h('span', { class: 'preview-mark', 'aria-hidden': 'true' }, p.allowed ? '✓' : '–'),
        h('span', {}, h('strong', {}, scopeLabel(p.scope)), h('span', { class: 'visually-hidden' }, p.allowed ? ' (allowed)' : ' (grants nothing for you)'),
          p.summary ? ': ' + p.summary : '')));
      host.replaceChildren(h('ul', { class: 'preview-list' }, rows));
    } catch (error) {
      if (mine !== asked) return;
      note('The preview is not available right now. ' + errorText(error));
    }
  };
  return {
    update(scopes, teamIds) {
      clearTimeout(timer);
      timer = setTimeout(() => run(scopes, teamIds), 250);
    },
    now(scopes, teamIds) {
      clearTimeout(timer);
      run(scopes, teamIds);
    },
  };
}

// ---------------------------------------------------------------- reveal

function reveal(title, token, value, returnTo) {
  revealReturn = returnTo;
  byId('reveal-title').textContent = title;
  byId('reveal-description').textContent = token.description;
  const field = byId('reveal-value');
  field.value = value;
  byId('reveal-copy').textContent = 'Copy';
  show('token-reveal-view');
  byId('reveal-title').focus();
}

function wireReveal() {
  const field = byId('reveal-value');
  // Closing or reloading the page while a value is on screen loses it for
  // good: let the browser ask first.
  window.addEventListener('beforeunload', (event) => {
    if (field.value && !byId('token-reveal-view').hidden) event.preventDefault();
  });
  // One click selects the whole value, ready to copy by hand.
  field.addEventListener('focus', () => field.select());
  byId('reveal-copy').addEventListener('click', async () => {
    if (await copyText(field)) {
      byId('reveal-copy').textContent = 'Copied';
      announce('The token value is on your clipboard.');
    } else {
      field.focus();
      field.select();
      announce('Copying is blocked here. The value is selected: press Ctrl+C (⌘C on a Mac) to copy it.', 'error');
    }
  });
  byId('reveal-done').addEventListener('click', () => {
    field.value = '';
    app.go(revealReturn);
  });
}

// ---------------------------------------------------------------- create

// One key per token being created: pressing Create again after an error
// (say, a lost answer) can never make a second token. crypto.randomUUID
// exists only in secure contexts; getRandomValues everywhere.
let createKey = null;
function idempotencyKey() {
  if (!createKey) {
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    createKey = 'ui-' + [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
  }
  return createKey;
}

function wireCreate() {
  const form = byId('create-form');
  const preview = previewer(byId('create-preview'));
  createGrid = scopeGrid(byId('create-scopes'), (scopes) => {
    createKey = null;
    preview.update(scopes, createTeams.get());
  });
  createTeams = teamPicker(byId('create-teams'), (teamIds) => {
    createKey = null;
    preview.update(createGrid.get(), teamIds);
  });
  createGrid.preview = preview;
  const description = byId('create-description');
  description.addEventListener('input', () => {
    createKey = null;
    setFieldError(description, '');
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    formError(form, '');
    if (!validate(form)) return;
    const teamIds = chosenTeams(form, createTeams);
    if (!teamIds) return;
    const done = busy(form.querySelector('button[type="submit"]'), 'Creating…');
    try {
      const input = { description: description.value.trim(), scopes: createGrid.get(), teamIds,
        idempotencyKey: idempotencyKey() };
      const data = await graphql(CREATE, { input });
      const { personalAccessToken: token, value } = data.createPersonalAccessToken;
      createKey = null;
      form.reset();
      createGrid.set([]);
      createTeams.set([]);
      // Back must not reopen the form: the list is where this screen came from.
      history.replaceState(null, '', '#/security');
      reveal('Token created', token, value, '#/security');
    } catch (error) {
      const text = errorText(error);
      if (error.code === 'BAD_USER_INPUT' && /description/i.test(error.serverMessage)) setFieldError(description, text);
      else if (text) formError(form, text);
    } finally {
      done();
    }
  });
}

// ---------------------------------------------------------------- edit

function fillEditor(token) {
  current = token;
  byId('edit-title').textContent = 'Edit “' + token.description + '”';
  byId('edit-hint').textContent = token.hint;
  byId('edit-created').replaceChildren(timeElement(token.createdAt));
  byId('edit-last-used').replaceChildren(timeElement(token.lastUsedAt, 'never'),
    token.lastUsedIp ? ` from ${token.lastUsedIp}` : '');
  showUsedFrom(token.usedFrom || []);
  const description = byId('edit-description');
  description.value = token.description;
  setFieldError(description, '');
  editGrid.set(token.scopes);
  editTeams.set(token.teamIds || []);
  editGrid.preview.now(token.scopes, token.teamIds || []);
  for (const span of document.querySelectorAll('.dialog-token')) span.textContent = token.description;
}

// Where the token was used: one row per address and User-Agent, newest
// first, as the server keeps them. The User-Agent is the client's own text:
// it goes in as text, never as markup.
function showUsedFrom(places) {
  byId('used-from-empty').hidden = places.length > 0;
  byId('used-from-table').hidden = places.length === 0;
  byId('used-from-list').replaceChildren(...places.map((place) => h('tr', {},
    h('td', {}, place.address || 'unknown'),
    h('td', { class: 'user-agent' }, place.userAgent || '(none sent)'),
    h('td', {}, timeElement(place.lastUsedAt)))));
}

const EVENT_TEXT = {
  CREATED: 'Created',
  UPDATED: 'Changed',
  REGENERATED: 'Regenerated',
  DELETED: 'Deleted',
  AUTHENTICATION_FAILED: 'Refused a request',
  REPORTED_LEAKED: 'Found in public and revoked',
};

// The audit trail is a bonus: if the server cannot give it, it stays hidden.
async function loadActivity(id, mine) {
  const section = byId('activity');
  section.hidden = true;
  try {
    const data = await graphql(EVENTS, { id });
    if (mine !== generation || !data.personalAccessToken) return;
    const events = (data.personalAccessToken.events && data.personalAccessToken.events.nodes) || [];
    if (!events.length) return;
    byId('activity-list').replaceChildren(...events.map((e) => {
      const details = [];
      if (e.type === 'UPDATED' && e.scopesAfter) details.push(`scopes now ${summarize(e.scopesAfter)}`);
      if (e.type === 'UPDATED' && e.teamIdsAfter) details.push(`teams now ${summarizeTeams(e.teamIdsAfter, teamNames)}`);
      if (e.reason) details.push(e.reason);
      if (e.ip) details.push(`from ${e.ip}`);
      return h('li', {}, timeElement(e.at), ' — ', EVENT_TEXT[e.type] || e.type, details.length ? ` (${details.join('; ')})` : '');
    }));
    section.hidden = false;
  } catch {
    // Older servers: no activity section.
  }
}

async function openEditor(id) {
  const mine = generation;
  show('token-edit-view');
  byId('edit-title').textContent = 'Edit token';
  byId('edit-body').hidden = true;
  byId('edit-loading').hidden = false;
  formError(byId('edit-form'), '');
  app.focusHeading(byId('edit-title'));
  try {
    const data = await graphql(ONE, { id });
    if (mine !== generation) return;
    if (!data.personalAccessToken) {
      app.go('#/security', 'That token no longer exists. It may have been deleted in another window.', 'error');
      return;
    }
    fillEditor(data.personalAccessToken);
    byId('edit-body').hidden = false;
    loadActivity(id, mine);
  } catch (error) {
    if (mine !== generation) return;
    const text = errorText(error);
    if (text) app.go('#/security', 'Could not open the token. ' + text, 'error');
  } finally {
    if (mine === generation) byId('edit-loading').hidden = true;
  }
}

function wireEditor() {
  const form = byId('edit-form');
  const preview = previewer(byId('edit-preview'));
  editGrid = scopeGrid(byId('edit-scopes'), (scopes) => preview.update(scopes, editTeams.get()));
  editTeams = teamPicker(byId('edit-teams'), (teamIds) => preview.update(editGrid.get(), teamIds));
  editGrid.preview = preview;
  const description = byId('edit-description');
  description.addEventListener('input', () => setFieldError(description, ''));

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    formError(form, '');
    if (!validate(form)) return;
    const teamIds = chosenTeams(form, editTeams);
    if (!teamIds) return;
    const done = busy(form.querySelector('button[type="submit"]'), 'Updating…');
    try {
      const input = { description: description.value.trim(), scopes: editGrid.get(), teamIds };
      const data = await graphql(UPDATE, { id: current.id, input });
      const token = data.updatePersonalAccessToken.personalAccessToken;
      app.go('#/security', `Updated “${token.description}”. Its scopes and teams apply from its next request: `
        + `${summarize(token.scopes)}; ${summarizeTeams(token.teamIds, teamNames)}.`);
    } catch (error) {
      const text = errorText(error);
      if (error.code === 'NOT_FOUND') app.go('#/security', text, 'error');
      else if (error.code === 'BAD_USER_INPUT' && /description/i.test(error.serverMessage)) setFieldError(description, text);
      else if (text) formError(form, text);
    } finally {
      done();
    }
  });

  byId('regenerate').addEventListener('click', async () => {
    if (!(await confirmDialog(byId('regenerate-dialog')))) return;
    const done = busy(byId('regenerate'), 'Regenerating…');
    try {
      const data = await graphql(REGENERATE, { id: current.id });
      const { personalAccessToken: token, value } = data.regeneratePersonalAccessToken;
      fillEditor(token);
      reveal('Token regenerated', token, value, '#/security/' + encodeURIComponent(token.id));
      announce('The old value no longer works.');
    } catch (error) {
      const text = errorText(error);
      if (error.code === 'NOT_FOUND') app.go('#/security', text, 'error');
      else if (text) announce('Could not regenerate the token. ' + text, 'error');
    } finally {
      done();
    }
  });

  byId('delete').addEventListener('click', async () => {
    if (!(await confirmDialog(byId('delete-dialog')))) return;
    const done = busy(byId('delete'), 'Deleting…');
    try {
      await graphql(DELETE, { id: current.id });
      app.go('#/security', `Deleted “${current.description}”. It no longer works.`);
    } catch (error) {
      const text = errorText(error);
      if (error.code === 'NOT_FOUND') app.go('#/security', text, 'error');
      else if (text) announce('Could not delete the token. ' + text, 'error');
    } finally {
      done();
    }
  });
}

// ---------------------------------------------------------------- screens

export const security = {
  init(hooks) {
    app = hooks;
    wireReveal();
    wireCreate();
    wireEditor();
    byId('tokens-more').addEventListener('click', () => loadTokens(true));
  },

  // Called before every route: a value on screen is dropped when leaving it.
  leave() {
    generation += 1;
    byId('reveal-value').value = '';
    for (const dialog of document.querySelectorAll('dialog[open]')) dialog.close();
  },

  showList() {
    show('tokens-list-view');
    app.focusHeading(byId('tokens-title'));
    loadNotices();
    loadTokens(false);
  },

  showCreate() {
    show('token-create-view');
    formError(byId('create-form'), '');
    app.focusHeading(byId('create-title'));
    createGrid.preview.now(createGrid.get(), createTeams.get());
    loadTeams();
  },

  showEdit(id) {
    // The token's own teams are ticked once both have arrived, in either order.
    loadTeams();
    openEditor(id);
  },
};
