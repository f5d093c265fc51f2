// The web UI in a real browser: Debian's chromium, driven by playwright-core,
// against the real r5 suite (deploy/r5suite.py). Everything happens through
// the page as a person would do it; the API is then called from here with the
// token value read off the screen, to see the page's actions take effect.
//
//   R5_BUILD_DIR=build node --test tests/browser/security_tab.test.mjs
//
// Screenshots of every step land in $R5_BUILD_DIR/browser-artifacts/.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, mkdirSync, rmSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// playwright-core comes from `npm ci --prefix tests/browser`; say so plainly.
const { chromium } = await import('playwright-core').catch((error) => {
  throw new Error(`cannot load playwright-core (${error.message}): run \`npm ci --prefix tests/browser\` first`);
});

const HERE = path.dirname(fileURLToPath(import.meta.url));
const SOURCE_DIR = process.env.R5_SOURCE_DIR || path.resolve(HERE, '..', '..');
const BUILD_DIR = path.resolve(process.env.R5_BUILD_DIR || path.join(SOURCE_DIR, 'build'));
const ARTIFACTS = path.join(BUILD_DIR, 'browser-artifacts');
const CHROMIUM = process.env.R5_CHROMIUM || '/usr/bin/chromium';
const DESKTOP = { width: 1280, height: 860 };
const PHONE = { width: 375, height: 812 };
const STEP_TIMEOUT = 15_000;

let suite = null;        // the r5suite.py child process
let base = '';           // http://127.0.0.1:PORT
let scratch = '';        // data dir and browser profile
let context = null;
let page = null;
const problems = [];     // console errors, CSP violations, page errors
let shots = 0;

// ---------------------------------------------------------------- helpers

// Start the suite and resolve with its URL once it prints its ready line.
function startSuite(dataDir, env = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/python3', [path.join(SOURCE_DIR, 'deploy', 'r5suite.py'), 'run',
      '--build-dir', BUILD_DIR, '--data-dir', dataDir, '--port', '0'],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      reject(new Error(`r5 did not start within 90 s:\n${out}\n${err}`));
    }, 90_000);
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const match = /r5 is running at (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        child.stdout.removeAllListeners('data');
        child.stdout.resume();
        resolve({ child, url: match[1] });
      }
    });
    child.stderr.on('data', (chunk) => { err += chunk; });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`r5suite.py exited with ${code} before it was ready:\n${err}`));
    });
  });
}

function stopSuite(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

// Screenshot the page at desktop width, and also at phone width when asked.
// A modal dialog is shot as the screen shows it, not as the whole page.
async function shot(name, { phone = false, dark = false, fullPage = true } = {}) {
  shots += 1;
  const number = String(shots).padStart(2, '0');
  await page.screenshot({ path: path.join(ARTIFACTS, `${number}-${name}.png`), fullPage });
  if (phone) {
    await page.setViewportSize(PHONE);
    await page.screenshot({ path: path.join(ARTIFACTS, `${number}-${name}-375px.png`), fullPage });
    await page.setViewportSize(DESKTOP);
  }
  if (dark) {
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({ path: path.join(ARTIFACTS, `${number}-${name}-dark.png`), fullPage });
    await page.emulateMedia({ colorScheme: 'light' });
  }
}

// POST a GraphQL query with a bearer token, as an API client would (with
// its own User-Agent when given; Node's "node" otherwise).
async function api(token, query, variables = {}, userAgent = undefined) {
  const response = await fetch(base + '/graphql', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}`,
      ...(userAgent ? { 'User-Agent': userAgent } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = await response.json();
  return { status: response.status, body, headers: response.headers };
}

// The same, but from inside the page with its session cookie.
function sessionQuery(query, variables = {}) {
  return page.evaluate(async ([q, v]) => {
    const response = await fetch('/graphql', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ query: q, variables: v }),
    });
    return { status: response.status, body: await response.json() };
  }, [query, variables]);
}

function errorCode(body) {
  return body.errors && body.errors[0] && body.errors[0].extensions && body.errors[0].extensions.code;
}

// A secret scanner's key: the gateway holds its public half (GitHub's key
// file format), reports are signed with the private half.
const SCANNER_KEY_ID = 'browser-test-scanner';
const scanner = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });

// Report values as a secret scanner does: the answer's labels.
async function reportLeaked(values, url) {
  const body = JSON.stringify(values.map((token) => ({ token, type: 'r5_personal_access_token', url, source: 'content' })));
  const response = await fetch(base + '/secret-scanning/verify', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'Github-Public-Key-Identifier': SCANNER_KEY_ID,
      'Github-Public-Key-Signature': sign('sha256', Buffer.from(body), scanner.privateKey).toString('base64') },
    body,
  });
  assert.equal(response.status, 200);
  return (await response.json()).map((entry) => entry.label);
}

const status = () => page.locator('#page-status');
const heading = (name) => page.getByRole('heading', { name });

// ---------------------------------------------------------------- set-up

before(async () => {
  rmSync(ARTIFACTS, { recursive: true, force: true });
  mkdirSync(ARTIFACTS, { recursive: true });
  scratch = mkdtempSync(path.join(tmpdir(), 'r5-browser-'));
  const keysFile = path.join(scratch, 'secret-scanning-keys.json');
  writeFileSync(keysFile, JSON.stringify({ public_keys: [{ key_identifier: SCANNER_KEY_ID, is_current: true,
    key: scanner.publicKey.export({ type: 'spki', format: 'pem' }) }] }));
  const started = await startSuite(path.join(scratch, 'data'), { R5_SECRET_SCANNING_KEYS: keysFile });
  suite = started.child;
  base = started.url;
  context = await chromium.launchPersistentContext(path.join(scratch, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: DESKTOP,
    locale: 'en-US',
    timezoneId: 'UTC',
  });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
  context.setDefaultTimeout(STEP_TIMEOUT);
  page = context.pages()[0] || await context.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
});

after(async () => {
  if (context) await context.close().catch(() => {});
  if (suite) await stopSuite(suite);
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  if (problems.length) writeFileSync(path.join(ARTIFACTS, 'console-problems.txt'), problems.join('\n') + '\n');
});

// ---------------------------------------------------------------- the scenario

const person = {
  account: 'Acme Rescue',
  name: 'Ada Lovelace',
  email: `ada+${Date.now()}@example.com`,
  password: 'correct horse battery staple',
};
let tokenId = '';
let firstValue = '';
let secondValue = '';

test('a person manages personal access tokens in the Security tab', async (t) => {
  await t.test('the page is served with the strict content security policy', async () => {
    const response = await fetch(base + '/');
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-security-policy') || '', /script-src 'self'/);
    assert.match(await response.text(), /<title>r5<\/title>/);
  });

  await t.test('a visitor is shown the log-in page', async () => {
    await page.goto(base + '/');
    await heading('Log in').waitFor();
    assert.equal(new URL(page.url()).hash, '#/login');
    await shot('login', { phone: true });
  });

  await t.test('sign up checks the form, then creates the account and logs in', async () => {
    await page.getByRole('link', { name: 'Create an account' }).click();
    const signup = page.locator('#view-signup');
    await heading('Create your account').waitFor();
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByText('Enter the name of your organization or team.').waitFor();
    assert.equal(await signup.getByLabel('Organization name').getAttribute('aria-invalid'), 'true');
    assert.ok(await signup.getByLabel('Organization name').evaluate((el) => el === document.activeElement),
      'the first field with a problem has the focus');
    await signup.getByLabel('Password', { exact: true }).fill('short');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByText('Use at least 8 characters.').waitFor();
    await shot('signup-errors', { phone: true });

    await signup.getByLabel('Organization name').fill(person.account);
    await signup.getByLabel('Your name').fill(person.name);
    await signup.getByLabel('Email').fill(person.email);
    await signup.getByLabel('Password', { exact: true }).fill(person.password);
    await page.getByRole('button', { name: 'Create account' }).click();
    await heading('Your profile').waitFor();
    await status().getByText(`Welcome, ${person.name}.`).waitFor();
    assert.equal(await page.locator('#profile-email').textContent(), person.email);
    assert.equal(await page.locator('#profile-role').textContent(), 'Owner');
    assert.equal(await page.locator('#nav-name').textContent(), person.name);
    await shot('profile', { phone: true });
  });

  await t.test('the Security tab starts empty', async () => {
    await page.getByRole('tab', { name: 'Security' }).click();
    assert.equal(await page.getByRole('tab', { name: 'Security' }).getAttribute('aria-selected'), 'true');
    await page.getByText('You have no tokens yet.').waitFor();
    await shot('security-empty', { phone: true });
  });

  await t.test('the tabs follow the arrow keys', async () => {
    await page.getByRole('tab', { name: 'Security' }).focus();
    await page.keyboard.press('ArrowLeft');
    await page.locator('#tab-profile[aria-selected="true"]').waitFor();
    await page.locator('#panel-profile').waitFor();
    assert.ok(await page.getByRole('tab', { name: 'Profile' }).evaluate((el) => el === document.activeElement));
    await page.keyboard.press('ArrowRight');
    await page.locator('#tab-security[aria-selected="true"]').waitFor();
    await page.getByText('You have no tokens yet.').waitFor();
  });

  await t.test('creating a token shows its value once, with a working Copy button', async () => {
    await page.getByRole('link', { name: 'Create token' }).click();
    await heading('Create a token').waitFor();
    await page.locator('#token-create-view').getByLabel('Description').fill('Nightly incident report');
    // Keyboard order: description, then the bulk helpers, then the grid.
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.textContent), 'All read');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.value), 'incidentsRead');
    await page.keyboard.press('Space');
    assert.ok(await page.getByRole('checkbox', { name: 'Read incidents' }).isChecked());
    await page.keyboard.press('Space');
    await page.getByRole('checkbox', { name: 'Read incidents' }).check();
    // The row helper ticks both boxes of its resource.
    await page.getByRole('button', { name: 'Teams: read and write' }).click();
    assert.ok(await page.getByRole('checkbox', { name: 'Read teams' }).isChecked());
    assert.ok(await page.getByRole('checkbox', { name: 'Write teams' }).isChecked());
    assert.equal(await page.getByRole('button', { name: 'Teams: read and write' }).getAttribute('aria-pressed'), 'true');
    // The column helpers tick and untick a whole column.
    await page.getByRole('button', { name: 'Read access to every resource' }).click();
    assert.ok(await page.getByRole('checkbox', { name: 'Read notification rules' }).isChecked());
    await page.getByRole('button', { name: 'Read access to every resource' }).click();
    assert.equal(await page.getByRole('checkbox', { name: 'Read notification rules' }).isChecked(), false);
    assert.equal(await page.getByRole('checkbox', { name: 'Read incidents' }).isChecked(), false);
    await page.getByRole('checkbox', { name: 'Read incidents' }).check();
    await page.getByRole('checkbox', { name: 'Read teams' }).check();

    // The preview asks the server what these scopes allow this user.
    await page.locator('#create-preview .preview-list li').first().waitFor();
    await shot('create-form', { phone: true });

    await page.getByRole('button', { name: 'Create token' }).click();
    await heading('Token created').waitFor();
    await page.getByText('It will not be shown again').waitFor();
    const field = page.getByLabel(/Token value for/);
    firstValue = await field.inputValue();
    assert.match(firstValue, /^r5p_[0-9A-Za-z]{36}$/);
    assert.equal(await field.getAttribute('readonly'), '');
    await page.getByRole('button', { name: 'Copy' }).click();
    await page.getByRole('button', { name: 'Copied', exact: true }).waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), firstValue);
    await shot('token-created', { phone: true });
  });

  await t.test('the token works on the API, within its scopes', async () => {
    const viewer = await api(firstValue, '{ viewer { id name email role } }');
    assert.equal(viewer.status, 200);
    assert.equal(viewer.body.data.viewer.email, person.email);
    assert.equal(viewer.body.data.viewer.role, 'OWNER');
    // Token management needs a login session: a token cannot list tokens.
    const listing = await api(firstValue, '{ personalAccessTokens(first: 5) { nodes { id } } }');
    assert.equal(errorCode(listing.body), 'FORBIDDEN');
    // The token's scopes decide: incidents and teams are granted, users are not.
    const incidents = await api(firstValue, '{ incidents(first: 1) { nodes { id } } }');
    assert.equal(errorCode(incidents.body), undefined, 'incidentsRead lets the token list incidents');
    const users = await api(firstValue, '{ users(first: 1) { nodes { id } } }');
    assert.equal(errorCode(users.body), 'SCOPE_MISSING', 'no usersRead yet');
  });

  await t.test('the list shows the token with a readable scope summary', async () => {
    await page.getByRole('button', { name: 'I have copied it' }).click();
    await heading('Personal access tokens').waitFor();
    const item = page.locator('.token').filter({ hasText: 'Nightly incident report' });
    await item.waitFor();
    assert.equal(await item.locator('.token-scopes').textContent(), 'Incidents: read · Teams: read, write');
    assert.equal(await item.locator('.token-hint').textContent(), `r5p_…${firstValue.slice(-4)}`);
    // The value is gone from the page once the person has moved on.
    assert.equal(await page.locator('#reveal-value').inputValue(), '');
    await shot('token-list', { phone: true, dark: true });
  });

  await t.test('editing description and scopes takes effect on the next request', async () => {
    await page.getByRole('link', { name: 'Nightly incident report' }).click();
    await heading('Edit “Nightly incident report”').waitFor();
    tokenId = decodeURIComponent(new URL(page.url()).hash.replace('#/security/', ''));
    assert.ok(await page.getByRole('checkbox', { name: 'Write teams' }).isChecked());
    await shot('token-edit', { phone: true, dark: true });

    await page.locator('#token-edit-view').getByLabel('Description').fill('Nightly report (read only)');
    await page.getByRole('checkbox', { name: 'Write teams' }).uncheck();
    await page.getByRole('checkbox', { name: 'Read users' }).check();
    await page.getByRole('button', { name: 'Update' }).click();
    await heading('Personal access tokens').waitFor();
    await status().getByText('Updated “Nightly report (read only)”').waitFor();
    const item = page.locator('.token').filter({ hasText: 'Nightly report (read only)' });
    assert.equal(await item.locator('.token-scopes').textContent(), 'Incidents: read · Teams: read · Users: read');
    await shot('token-updated');

    const seen = await sessionQuery('query($id: ID!) { personalAccessToken(id: $id) { description scopes } }', { id: tokenId });
    assert.equal(seen.body.data.personalAccessToken.description, 'Nightly report (read only)');
    assert.deepEqual([...seen.body.data.personalAccessToken.scopes].sort(), ['incidentsRead', 'teamsRead', 'usersRead']);
    const read = await api(firstValue, '{ users(first: 1) { nodes { id } } }');
    assert.equal(errorCode(read.body), undefined, 'usersRead is granted now');
    const write = await api(firstValue, 'mutation { createTeam(input: {name: "Made by the token"}) { team { id } } }');
    assert.equal(errorCode(write.body), 'SCOPE_MISSING', 'teamsWrite was taken away');
  });

  await t.test('the token page shows where the token was used', async () => {
    for (let i = 0; i < 2; i++) {
      const used = await api(firstValue, '{ viewer { id } }', {}, 'nightly-report/2.1 (<b>cron</b>)');
      assert.equal(used.status, 200);
    }
    await page.getByRole('link', { name: 'Nightly report (read only)' }).click();
    await heading('Edit “Nightly report (read only)”').waitFor();
    const places = page.locator('#used-from-list tr');
    const row = places.filter({ hasText: 'nightly-report/2.1 (<b>cron</b>)' });
    await row.waitFor();
    assert.equal(await row.locator('td').first().textContent(), '127.0.0.1');
    assert.match(await row.locator('time').getAttribute('datetime'), /^\d{4}-\d\d-\d\dT/);
    // Newest first (the earlier calls came with Node's own User-Agent), and
    // used twice, listed once.
    assert.ok(await places.count() >= 2, 'the earlier calls are another place');
    assert.equal(await places.first().locator('td').nth(1).textContent(), 'nightly-report/2.1 (<b>cron</b>)');
    assert.equal(await row.count(), 1, 'each place once');
    assert.equal(await page.locator('#used-from-list b').count(), 0, 'a User-Agent is text, never markup');
    assert.ok(await page.locator('#used-from-empty').isHidden());
    // Its audit trail (PersonalAccessToken.events, a connection), newest
    // first: the edit above, then the creation.
    const activity = page.locator('#activity-list li');
    await activity.first().waitFor();
    assert.match(await activity.first().textContent(), /Changed/);
    assert.match(await activity.last().textContent(), /Created/);
    await shot('token-used-from', { phone: true, dark: true });
    await page.getByRole('link', { name: 'Back to tokens' }).click();
    await heading('Personal access tokens').waitFor();
  });

  await t.test('regenerate asks first, Escape backs out, then the old value stops working', async () => {
    await page.getByRole('link', { name: 'Nightly report (read only)' }).click();
    await heading('Edit “Nightly report (read only)”').waitFor();
    const regenerate = page.getByRole('button', { name: 'Regenerate token' });
    await regenerate.click();
    const dialog = page.getByRole('dialog', { name: 'Regenerate this token?' });
    await dialog.waitFor();
    await shot('regenerate-confirm', { phone: true, fullPage: false });
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    assert.ok(await regenerate.evaluate((el) => el === document.activeElement), 'focus returns to the button');
    assert.equal((await api(firstValue, '{ viewer { id } }')).status, 200, 'cancelling changed nothing');

    await regenerate.click();
    await dialog.getByRole('button', { name: 'Regenerate' }).click();
    await heading('Token regenerated').waitFor();
    secondValue = await page.getByLabel(/Token value for/).inputValue();
    assert.match(secondValue, /^r5p_[0-9A-Za-z]{36}$/);
    assert.notEqual(secondValue, firstValue);
    await shot('token-regenerated', { phone: true });

    const old = await api(firstValue, '{ viewer { id } }');
    assert.equal(old.status, 401);
    assert.match(old.headers.get('www-authenticate') || '', /^Bearer/);
    const fresh = await api(secondValue, '{ viewer { email } }');
    assert.equal(fresh.status, 200);
    assert.equal(fresh.body.data.viewer.email, person.email);

    await page.getByRole('button', { name: 'I have copied it' }).click();
    await heading('Edit “Nightly report (read only)”').waitFor();
    assert.equal(await page.locator('#edit-hint').textContent(), `r5p_…${secondValue.slice(-4)}`);
  });

  await t.test('delete asks first, then the token is gone everywhere', async () => {
    await page.getByRole('button', { name: 'Delete token' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete this token?' });
    await dialog.waitFor();
    await shot('delete-confirm', { fullPage: false });
    await dialog.getByRole('button', { name: 'Delete token' }).click();
    await heading('Personal access tokens').waitFor();
    await status().getByText('Deleted “Nightly report (read only)”').waitFor();
    await page.getByText('You have no tokens yet.').waitFor();
    await shot('token-deleted');
    assert.equal((await api(secondValue, '{ viewer { id } }')).status, 401);
  });

  await t.test('log out, then back in with the wrong and the right password', async () => {
    await page.getByRole('button', { name: 'Log out' }).click();
    await heading('Log in').waitFor();
    await status().getByText('You have logged out.').waitFor();
    assert.ok(await page.locator('#account-nav').isHidden());
    assert.equal((await sessionQuery('{ viewer { id } }')).status, 401, 'the session cookie no longer works');
    await shot('logged-out');

    // A page that needs a session leads to the log-in page and back after it.
    await page.goto(base + '/#/security');
    const login = page.locator('#view-login');
    await heading('Log in').waitFor();
    await login.getByLabel('Email').fill(person.email);
    await login.getByLabel('Password', { exact: true }).fill('not my password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByText('The email or password is not right.').waitFor();
    await shot('login-failed', { phone: true });

    await login.getByLabel('Password', { exact: true }).fill(person.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await heading('Personal access tokens').waitFor();
    await status().getByText(`Welcome back, ${person.name}.`).waitFor();
    assert.equal(new URL(page.url()).hash, '#/security');
  });

  await t.test('what a person types is shown as text, never as markup', async () => {
    const description = '<img src=x onerror="window.pwned=1"> <b>deploy</b> & "ci"';
    await page.getByRole('link', { name: 'Create token' }).click();
    await heading('Create a token').waitFor();
    await page.locator('#token-create-view').getByLabel('Description').fill(description);
    await page.getByRole('button', { name: 'Create token' }).click();
    await heading('Token created').waitFor();
    assert.equal(await page.locator('#reveal-description').textContent(), description);
    await page.getByRole('button', { name: 'I have copied it' }).click();
    const name = page.locator('.token-name').first();
    await name.waitFor();
    assert.equal(await name.textContent(), description);
    assert.equal(await page.locator('.token-list img, .token-list b').count(), 0);
    assert.equal(await page.evaluate(() => window.pwned), undefined);
    assert.equal(await page.locator('.token-scopes').first().textContent(), 'No scopes (can only see who you are)');
  });

  await t.test('the preview panel lists what the server says the scopes allow', async () => {
    // The server decides (Viewer.effectivePermissions, from r5-authz with this
    // user's live role and teams); the page only shows it. This user is an owner.
    await page.goto(base + '/#/security/new');
    await page.reload();
    await heading('Create a token').waitFor();
    await page.getByRole('checkbox', { name: 'Read incidents' }).check();
    await page.getByRole('checkbox', { name: 'Write teams' }).check();
    const items = page.locator('#create-preview .preview-list li');
    await items.nth(1).waitFor();
    assert.equal(await items.count(), 2);
    assert.match(await items.nth(0).textContent(), /Incidents: read \(allowed\): you can read every one of the account's incidents/);
    assert.match(await items.nth(1).textContent(), /Teams: write \(allowed\): you can create, change and delete any team/);
    await shot('create-preview', { phone: true });
    await page.goto(base + '/#/security');
    await page.reload();
    await heading('Personal access tokens').waitFor();
  });

  await t.test('a token found in public is revoked and its owner sees a notice until dismissing it', async () => {
    const created = await sessionQuery(`mutation { createPersonalAccessToken(input: {description: "Deploy bot",
      scopes: [incidentsRead]}) { value } }`);
    const value = created.body.data.createPersonalAccessToken.value;
    assert.equal((await api(value, '{ viewer { id } }')).status, 200);
    const url = 'https://github.com/acme/deploy/blob/4f2a9c1/.env';
    assert.deepEqual(await reportLeaked([value], url), ['true_positive']);
    assert.equal((await api(value, '{ viewer { id } }')).status, 401, 'revoked at once');

    await page.reload();
    await heading('Personal access tokens').waitFor();
    const notice = page.locator('.token-notice');
    await notice.waitFor();
    assert.equal(await notice.count(), 1);
    const text = await notice.locator('p').first().textContent();
    assert.match(text, new RegExp(`^Your token Deploy bot \\(r5p_…${value.slice(-4)}\\) was found in public at `));
    assert.ok(text.includes(`${url} and revoked`), text);
    assert.equal(await notice.getByRole('link', { name: url }).getAttribute('href'), url);
    await shot('token-leak-notice', { phone: true, dark: true });

    // Reported again: nothing live, no second notice.
    assert.deepEqual(await reportLeaked([value], url), ['false_positive']);
    await page.reload();
    await notice.waitFor();
    assert.equal(await notice.count(), 1);

    await notice.getByRole('button', { name: 'Dismiss' }).click();
    await notice.waitFor({ state: 'detached' });
    assert.ok(await page.locator('#token-notices').isHidden());
    await page.reload();
    await heading('Personal access tokens').waitFor();
    await page.locator('.token-list .token').first().waitFor();
    assert.equal(await page.locator('.token-notice').count(), 0, 'gone after a reload');
    await shot('token-leak-notice-dismissed');
  });

  await t.test('a token limited to chosen teams: pick teams, create, edit', async () => {
    // Two teams of the account, made through the API with the page's session.
    const made = {};
    for (const name of ['Payments', 'Search']) {
      const created = await sessionQuery('mutation($n: String!) { createTeam(input: {name: $n}) { team { id } } }', { n: name });
      made[name] = created.body.data.createTeam.team.id;
    }
    await page.goto(base + '/#/security/new');
    await page.reload();
    await heading('Create a token').waitFor();
    const form = page.locator('#token-create-view');
    await form.getByLabel('Description').fill('Payments on-call bot');
    await page.getByRole('checkbox', { name: 'Read teams' }).check();
    await page.getByRole('checkbox', { name: 'Write schedules' }).check();
    // "All teams" is the default; ticking a team replaces it.
    const allTeams = form.getByRole('checkbox', { name: 'All teams' });
    assert.ok(await allTeams.isChecked());
    await form.getByRole('checkbox', { name: 'Payments' }).check();
    assert.equal(await allTeams.isChecked(), false);
    // The preview shows the restriction, as the server words it.
    const items = page.locator('#create-preview .preview-list li');
    await page.locator('#create-preview').getByText('of the 1 team chosen only').waitFor();
    assert.match(await items.nth(0).textContent(), /Teams: read \(allowed\): you can read the teams of the 1 team chosen only/);
    assert.match(await items.nth(1).textContent(),
      /Schedules: write \(allowed\): you can create, change and delete the schedules of 1 of the 1 team chosen, and of no other team/);
    await shot('create-teams', { phone: true });
    // No team and not "All teams": the form says so and sends nothing.
    await form.getByRole('checkbox', { name: 'Payments' }).uncheck();
    await page.getByRole('button', { name: 'Create token' }).click();
    await form.getByText('Choose at least one team, or All teams.').waitFor();
    await form.getByRole('checkbox', { name: 'Payments' }).check();
    await page.getByRole('button', { name: 'Create token' }).click();
    await heading('Token created').waitFor();
    const value = await page.getByLabel(/Token value for/).inputValue();
    await page.getByRole('button', { name: 'I have copied it' }).click();
    await heading('Personal access tokens').waitFor();
    const item = page.locator('.token').filter({ hasText: 'Payments on-call bot' });
    assert.equal(await item.locator('.token-teams').textContent(), 'Teams: Payments');
    await shot('token-list-teams', { phone: true });

    // The token sees Payments only, and the other team is not found.
    const teams = async () => (await api(value, '{ teams(first: 100) { nodes { name } } }')).body.data.teams.nodes
      .map((n) => n.name).sort();
    assert.deepEqual(await teams(), ['Payments']);
    const other = await api(value, 'query($id: ID!) { team(id: $id) { id } }', { id: made.Search });
    assert.equal(errorCode(other.body), 'NOT_FOUND');

    // Edit: Search too. The editor shows the current restriction first.
    await item.getByRole('link', { name: 'Payments on-call bot' }).click();
    await heading('Edit “Payments on-call bot”').waitFor();
    const editor = page.locator('#token-edit-view');
    await editor.getByRole('checkbox', { name: 'Payments' }).waitFor();
    assert.ok(await editor.getByRole('checkbox', { name: 'Payments' }).isChecked());
    assert.equal(await editor.getByRole('checkbox', { name: 'All teams' }).isChecked(), false);
    await editor.getByRole('checkbox', { name: 'Search' }).check();
    await page.locator('#edit-preview').getByText('of the 2 teams chosen only').waitFor();
    await shot('token-edit-teams', { phone: true, dark: true });
    await page.getByRole('button', { name: 'Update' }).click();
    await heading('Personal access tokens').waitFor();
    await status().getByText('Teams: Payments, Search').waitFor();
    assert.equal(await page.locator('.token').filter({ hasText: 'Payments on-call bot' }).locator('.token-teams').textContent(),
      'Teams: Payments, Search');
    // The change counts from the token's next request.
    assert.deepEqual(await teams(), ['Payments', 'Search']);
    // Back to all teams.
    await page.locator('.token').filter({ hasText: 'Payments on-call bot' }).getByRole('link').click();
    await heading('Edit “Payments on-call bot”').waitFor();
    await editor.getByRole('checkbox', { name: 'All teams' }).check();
    assert.equal(await editor.getByRole('checkbox', { name: 'Search' }).isChecked(), false);
    await page.getByRole('button', { name: 'Update' }).click();
    await heading('Personal access tokens').waitFor();
    assert.equal(await page.locator('.token').filter({ hasText: 'Payments on-call bot' }).locator('.token-teams').textContent(),
      'All teams');
    const seen = await sessionQuery('{ personalAccessTokens { nodes { description teamIds } } }');
    assert.deepEqual(seen.body.data.personalAccessTokens.nodes.find((n) => n.description === 'Payments on-call bot').teamIds, []);
    await shot('token-list-all-teams');
  });

  await t.test('a session that ends under the page leads back to log in', async () => {
    await page.getByRole('link', { name: 'Create token' }).click();
    await heading('Create a token').waitFor();
    await context.clearCookies();
    await page.locator('#token-create-view').getByLabel('Description').fill('after the session ended');
    await page.getByRole('button', { name: 'Create token' }).click();
    await heading('Log in').waitFor();
    await status().getByText('Your session has ended.').waitFor();
    await shot('session-ended');
  });

  await t.test('nothing in the page broke the content security policy or threw', async () => {
    // 401 answers the test asked for show up as failed loads; anything else is a fault.
    const real = problems.filter((p) => !/status of 401/.test(p));
    assert.deepEqual(real, []);
    assert.ok(readdirSync(ARTIFACTS).filter((f) => f.endsWith('.png')).length >= 20, 'screenshots were written');
  });
});
