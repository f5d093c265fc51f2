// app.js: start-up, the hash router, the header, log in / sign up / log out
// and the profile tabs. The Security tab's token screens live in security.js.
//
// Routes: #/login  #/signup  #/profile  #/security  #/security/new
//         #/security/<token id>
//         #/explorer: the API explorer, a page of its own (explorer/); the
//         route exists so that log in can return to it.

import { auth, describe, graphql, onSessionEnded } from './api.js';
import { announce, busy, byId, formError, setFieldError, validate } from './dom.js';
import { security } from './security.js';

const state = {
  viewer: null,          // { id, name, email, role } while logged in
  afterLogin: null,      // the route to return to once logged in again
  pending: null,         // [text, kind] to announce after the next route
  keepFocus: false,      // the next route must not move focus (tab keys)
};

const VIEWS = ['view-loading', 'view-unreachable', 'view-login', 'view-signup', 'view-profile'];
const PUBLIC = new Set(['#/login', '#/signup']);
const ROLES = {
  OWNER: ['Owner', 'You own this account and can manage everything in it.'],
  ADMINISTRATOR: ['Administrator', 'You can manage the users and teams of this account.'],
  MEMBER: ['Member', 'You can work with the teams you belong to and the incidents you are part of.'],
};

// Navigate; text (optional) is announced once the new screen is shown.
export function go(hash, text, kind = 'status') {
  state.pending = text ? [text, kind] : null;
  if (location.hash === hash) route();
  else location.hash = hash;
}

function showView(id) {
  for (const view of VIEWS) byId(view).hidden = view !== id;
  // Messages line up with the narrow card of the log-in and sign-up screens.
  byId('main').classList.toggle('main-narrow', byId(id).classList.contains('view-narrow'));
}

// Each screen names itself in the window title, which screen readers read
// on arrival and which tells browser tabs apart.
function setTitle(hash) {
  const names = [['#/login', 'Log in'], ['#/signup', 'Create your account'], ['#/security/new', 'Create a token'],
    ['#/security/', 'Edit token'], ['#/security', 'Security'], ['#/profile', 'Profile']];
  const found = names.find(([prefix]) => hash.startsWith(prefix));
  document.title = found ? `${found[1]} · r5` : 'r5';
}

// Move focus to a screen's heading, so keyboard and screen reader users start
// there; skipped on the first screen and when tab keys changed the route.
let firstRoute = true;
export function focusHeading(heading) {
  if (firstRoute || state.keepFocus) return;
  heading.focus();
}

function setViewer(viewer) {
  state.viewer = viewer;
  byId('account-nav').hidden = !viewer;
  byId('nav-name').textContent = viewer ? viewer.name : '';
  if (!viewer) return;
  const [label, note] = ROLES[viewer.role] || [viewer.role, ''];
  byId('profile-name').textContent = viewer.name;
  byId('profile-email').textContent = viewer.email;
  byId('profile-role').textContent = label;
  byId('profile-role-note').textContent = note;
}

// ---------------------------------------------------------------- router

function route() {
  if (!location.hash || location.hash === '#/') {
    // Name the screen in the address, so reload and Back keep it.
    location.replace(state.viewer ? '#/profile' : '#/login');
    return;
  }
  const hash = location.hash;
  const pending = state.pending;
  state.pending = null;
  announce('');
  if (!state.viewer && !PUBLIC.has(hash)) {
    state.afterLogin = hash;
    if (location.hash !== '#/login') {
      state.pending = pending;
      location.replace('#/login');
      return;
    }
  }
  if (hash === '#/explorer') {
    location.replace('explorer/');
    return;
  }
  security.leave();
  setTitle(hash);
  if (hash === '#/login' || hash === '#/signup') {
    if (state.viewer) {
      location.replace('#/profile');
      return;
    }
    const name = hash.slice(2);
    showView('view-' + name);
    focusHeading(byId(name + '-title'));
  } else {
    showView('view-profile');
    const securityRoute = hash.startsWith('#/security');
    selectTab(securityRoute ? 'tab-security' : 'tab-profile');
    if (securityRoute) {
      const rest = hash.slice('#/security'.length).replace(/^\//, '');
      if (rest === '') security.showList();
      else if (rest === 'new') security.showCreate();
      else security.showEdit(decodeURIComponent(rest));
    } else {
      focusHeading(byId('tab-profile'));
    }
  }
  if (pending) announce(...pending);
  firstRoute = false;
  state.keepFocus = false;
}

// ---------------------------------------------------------------- tabs

function selectTab(id) {
  for (const tab of document.querySelectorAll('[role="tab"]')) {
    const selected = tab.id === id;
    tab.setAttribute('aria-selected', String(selected));
    tab.tabIndex = selected ? 0 : -1;
    byId(tab.getAttribute('aria-controls')).hidden = !selected;
  }
}

function wireTabs() {
  const tabs = [...document.querySelectorAll('[role="tab"]')];
  for (const tab of tabs) {
    tab.addEventListener('click', () => {
      if (tab.getAttribute('aria-selected') !== 'true') go(tab.dataset.route);
    });
    // Arrow keys, Home and End move between tabs and show the one reached.
    tab.addEventListener('keydown', (event) => {
      const index = tabs.indexOf(tab);
      const next = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: tabs.length - 1 }[event.key];
      if (next === undefined) return;
      event.preventDefault();
      const target = tabs[(next + tabs.length) % tabs.length];
      selectTab(target.id);
      target.focus();
      state.keepFocus = true;
      go(target.dataset.route);
    });
  }
}

// ---------------------------------------------------------------- auth forms

function formValues(form) {
  return Object.fromEntries([...form.querySelectorAll('input[name]')].map((f) => [f.name, f.value.trim()]));
}

// The auth endpoints' errors, said for the form they came from.
function authMessage(error, action) {
  if (error.code === 'UNAUTHENTICATED' && action === 'login') return 'The email or password is not right. Check both and try again.';
  if (error.code === 'CONFLICT' && action === 'signup') return 'An account with this email already exists. Log in instead, or use another email.';
  if (error.code === 'FORBIDDEN' && error.serverMessage) return describe(error).replace('Not allowed: ', 'Not possible: ');
  if (error.code === 'RATE_LIMITED') return 'Too many attempts. ' + describe(error).replace('Too many requests. ', '');
  return describe(error);
}

// Put a server message about one field (password, email, name) under it.
function fieldFor(form, error) {
  if (error.code !== 'BAD_USER_INPUT') return null;
  const message = error.serverMessage;
  for (const [word, name] of [['password', 'password'], ['email', 'email'], ['accountname', 'accountName'], ['name', 'name']]) {
    if (message.toLowerCase().replace(/\s/g, '').startsWith(word)) return form.querySelector(`input[name="${name}"]`);
  }
  return null;
}

function wireAuthForm(formId, action) {
  const form = byId(formId);
  for (const field of form.querySelectorAll('input[name]')) {
    field.addEventListener('input', () => setFieldError(field, ''));
  }
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    formError(form, '');
    if (!validate(form)) return;
    const values = formValues(form);
    values.password = form.querySelector('input[name="password"]').value;   // never trimmed
    const button = form.querySelector('button[type="submit"]');
    const done = busy(button, action === 'login' ? 'Logging in…' : 'Creating your account…');
    try {
      const { user } = await auth(action, values);
      form.reset();
      setViewer(user);
      const target = state.afterLogin && !PUBLIC.has(state.afterLogin) ? state.afterLogin : '#/profile';
      state.afterLogin = null;
      go(target, action === 'login' ? `Welcome back, ${user.name}.` : `Welcome, ${user.name}. Your account is ready.`);
    } catch (error) {
      const field = fieldFor(form, error);
      const message = authMessage(error, action);
      if (field) {
        setFieldError(field, message);
        field.focus();
      } else {
        formError(form, message);
      }
    } finally {
      done();
    }
  });
}

async function logout() {
  const button = byId('logout');
  const done = busy(button, 'Logging out…');
  try {
    await auth('logout', {});
  } catch (error) {
    // A session that had already ended is logged out all the same.
    if (error.code !== 'UNAUTHENTICATED') {
      done();
      announce('Could not log out: ' + describe(error), 'error');
      return;
    }
  }
  done();
  setViewer(null);
  state.afterLogin = null;
  go('#/login', 'You have logged out.', 'info');
}

// ---------------------------------------------------------------- start

async function start() {
  showView('view-loading');
  try {
    const data = await graphql('query Viewer { viewer { id name email role } }');
    setViewer(data.viewer);
  } catch (error) {
    if (error.code !== 'UNAUTHENTICATED') {
      showView('view-unreachable');
      byId('unreachable-reason').textContent = describe(error);
      return;
    }
  }
  route();
}

onSessionEnded(() => {
  if (!state.viewer) return;
  setViewer(null);
  state.afterLogin = location.hash;
  go('#/login', 'Your session has ended. Log in again to continue.', 'info');
});

document.addEventListener('DOMContentLoaded', () => {
  wireTabs();
  wireAuthForm('login-form', 'login');
  wireAuthForm('signup-form', 'signup');
  for (const toggle of document.querySelectorAll('.show-password')) {
    toggle.addEventListener('change', () => {
      byId(toggle.dataset.for).type = toggle.checked ? 'text' : 'password';
    });
  }
  byId('logout').addEventListener('click', logout);
  byId('unreachable-retry').addEventListener('click', start);
  security.init({ go, focusHeading });
  window.addEventListener('hashchange', route);
  start();
});
