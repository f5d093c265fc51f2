// The API explorer (/explorer/, GraphiQL bundled by the build) in a real
// browser: Debian's chromium, driven by playwright-core, against the real r5
// suite (deploy/r5suite.py), once as it ships and once with introspection off.
//
//   R5_BUILD_DIR=build node --test tests/browser/explorer.test.mjs
//
// Screenshots land in $R5_BUILD_DIR/browser-artifacts-explorer/.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const { chromium } = await import('playwright-core').catch((error) => {
  throw new Error(`cannot load playwright-core (${error.message}): run \`npm ci --prefix tests/browser\` first`);
});

const HERE = path.dirname(fileURLToPath(import.meta.url));
const SOURCE_DIR = process.env.R5_SOURCE_DIR || path.resolve(HERE, '..', '..');
const BUILD_DIR = path.resolve(process.env.R5_BUILD_DIR || path.join(SOURCE_DIR, 'build'));
const ARTIFACTS = path.join(BUILD_DIR, 'browser-artifacts-explorer');
const CHROMIUM = process.env.R5_CHROMIUM || '/usr/bin/chromium';
const DESKTOP = { width: 1280, height: 860 };
const PHONE = { width: 375, height: 812 };
const STEP_TIMEOUT = 15_000;

const QUERY = 'query($first: Int) { viewer { id name } teams(first: $first) { nodes { name } } }';

let scratch = '';
let suite = null;        // the running r5suite.py child
let base = '';
let context = null;
let page = null;
const problems = [];     // console errors and page errors
const violations = [];   // securitypolicyviolation events, as the page saw them
let shots = 0;

// ---------------------------------------------------------------- helpers

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
        child.removeAllListeners('exit');
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
    if (!child || child.exitCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

async function shot(name, { phone = false, dark = false } = {}) {
  shots += 1;
  const number = String(shots).padStart(2, '0');
  await page.screenshot({ path: path.join(ARTIFACTS, `${number}-${name}.png`) });
  if (phone) {
    await page.setViewportSize(PHONE);
    await page.screenshot({ path: path.join(ARTIFACTS, `${number}-${name}-375px.png`) });
    await page.setViewportSize(DESKTOP);
  }
  if (dark) {
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({ path: path.join(ARTIFACTS, `${number}-${name}-dark.png`) });
    await page.emulateMedia({ colorScheme: 'light' });
  }
}

const heading = (name) => page.getByRole('heading', { name });

// Sign up through the UI's own form; the page then goes where it was asked to.
async function signUp(person) {
  const form = page.locator('#view-signup');
  await heading('Create your account').waitFor();
  await form.getByLabel('Organization name').fill(person.account);
  await form.getByLabel('Your name').fill(person.name);
  await form.getByLabel('Email').fill(person.email);
  await form.getByLabel('Password', { exact: true }).fill(person.password);
  await page.getByRole('button', { name: 'Create account' }).click();
}

// GraphiQL's editors are CodeMirror 5 instances; the page gives them text the
// way a paste would (typing would fight the editor's auto-closing brackets).
function setEditor(selector, text) {
  return page.locator(`${selector} .CodeMirror`).first().evaluate((element, value) => {
    element.CodeMirror.setValue(value);
  }, text);
}

function editorText(selector) {
  return page.locator(`${selector} .CodeMirror`).first().evaluate((element) => element.CodeMirror.getValue());
}

// Wait until the result panel holds JSON that satisfies check; return it.
async function result(check) {
  let last = '';
  const deadline = Date.now() + STEP_TIMEOUT;
  while (Date.now() < deadline) {
    last = await editorText('.graphiql-response');
    try {
      const json = JSON.parse(last);
      if (check(json)) return json;
    } catch {
      // still empty, or still the previous answer
    }
    await page.waitForTimeout(100);
  }
  throw new Error(`the result panel never showed the expected answer; it shows:\n${last}`);
}

const run = () => page.getByRole('button', { name: /Execute query/ }).click();

// ---------------------------------------------------------------- set-up

before(async () => {
  rmSync(ARTIFACTS, { recursive: true, force: true });
  mkdirSync(ARTIFACTS, { recursive: true });
  scratch = mkdtempSync(path.join(tmpdir(), 'r5-explorer-'));
  const started = await startSuite(path.join(scratch, 'data'));
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
  context.setDefaultTimeout(STEP_TIMEOUT);
  // Every CSP violation in any page, reported before the page's own scripts run.
  await context.exposeFunction('r5ReportViolation', (text) => violations.push(text));
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      window.r5ReportViolation(`${event.violatedDirective} blocked ${event.blockedURI || 'inline'} `
        + `at ${event.sourceFile || event.documentURI}:${event.lineNumber}`);
    });
  });
  page = context.pages()[0] || await context.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
});

after(async () => {
  if (context) await context.close().catch(() => {});
  await stopSuite(suite);
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  const lines = [...problems, ...violations.map((v) => `csp: ${v}`)];
  if (lines.length) writeFileSync(path.join(ARTIFACTS, 'console-problems.txt'), lines.join('\n') + '\n');
});

// ---------------------------------------------------------------- the scenario

const person = {
  account: 'Acme Rescue',
  name: 'Grace Hopper',
  email: `grace+${Date.now()}@example.com`,
  password: 'correct horse battery staple',
};

test('a signed-in person explores the API in GraphiQL', async (t) => {
  await t.test('the explorer is served with the same strict content security policy', async () => {
    const response = await fetch(base + '/explorer/');
    assert.equal(response.status, 200);
    const csp = response.headers.get('content-security-policy') || '';
    assert.match(csp, /default-src 'none'; script-src 'self'; style-src 'self';/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|blob:/);
    assert.match(await response.text(), /<title>API explorer · r5<\/title>/);
    for (const file of ['explorer.js', 'explorer.css']) {
      assert.equal((await fetch(`${base}/explorer/${file}`)).status, 200, file);
    }
  });

  await t.test('without a session it leads to log in, and back to the explorer after sign-up', async () => {
    await page.goto(base + '/explorer/');
    await heading('Log in').waitFor();
    assert.equal(new URL(page.url()).hash, '#/login');
    await page.getByRole('link', { name: 'Create an account' }).click();
    await signUp(person);
    await page.waitForURL(`${base}/explorer/`);
    await page.locator('.graphiql-container').waitFor();
    assert.equal(await page.locator('#nav-name').textContent(), person.name);
    assert.equal(await page.getByRole('link', { name: 'API explorer' }).getAttribute('aria-current'), 'page');
  });

  await t.test('the UI links the explorer from its navigation', async () => {
    await page.goto(base + '/#/security');
    await heading('Personal access tokens').waitFor();
    await page.getByRole('link', { name: 'API explorer' }).click();
    await page.waitForURL(`${base}/explorer/`);
    await page.locator('.graphiql-query-editor .CodeMirror').waitFor();
    // The default tab explains itself and runs as is.
    assert.match(await editorText('.graphiql-query-editor'), /query Me\(\$first: Int = 5\)/);
    await shot('explorer-start', { phone: true });
  });

  await t.test('the editor completes field names from the schema', async () => {
    await setEditor('.graphiql-query-editor', '{\n  \n}');
    await page.locator('.graphiql-query-editor .CodeMirror').evaluate((element) => {
      element.CodeMirror.focus();
      element.CodeMirror.setCursor({ line: 1, ch: 2 });
    });
    await page.keyboard.type('vie');
    const hints = page.locator('.CodeMirror-hints');
    await hints.getByText('viewer', { exact: true }).waitFor();
    await shot('explorer-completion');
    await page.keyboard.press('Enter');
    assert.match(await editorText('.graphiql-query-editor'), /viewer/);
  });

  await t.test('a query with a variable runs with the session and shows the viewer', async () => {
    // A team to list, made with the same session (from inside the page).
    const made = await page.evaluate(async () => {
      const response = await fetch('/graphql', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ query: 'mutation { createTeam(input: {name: "Night shift"}) { team { name } } }' }),
      });
      return response.json();
    });
    assert.equal(made.data.createTeam.team.name, 'Night shift');

    await setEditor('.graphiql-query-editor', QUERY);
    await page.getByRole('button', { name: 'Variables' }).click();
    await setEditor('.graphiql-editor-tool', '{ "first": 1 }');
    await run();
    const json = await result((body) => body.data && body.data.viewer);
    assert.equal(json.data.viewer.name, person.name);
    assert.deepEqual(json.data.teams.nodes, [{ name: 'Night shift' }]);
    assert.equal(json.errors, undefined);
    await page.locator('.graphiql-response').getByText(person.name).first().waitFor();
    await shot('explorer-result', { dark: true });
  });

  await t.test('a wrong variable type is the server\'s error, shown in the result', async () => {
    await setEditor('.graphiql-editor-tool', '{ "first": "many" }');
    await run();
    const json = await result((body) => Array.isArray(body.errors));
    assert.ok(json.errors[0].message.length > 0);
    await setEditor('.graphiql-editor-tool', '{ "first": 1 }');
  });

  await t.test('the documentation panel describes the schema', async () => {
    await page.getByRole('button', { name: 'Show Documentation Explorer' }).click();
    const docs = page.locator('.graphiql-doc-explorer');
    await docs.waitFor();
    await docs.getByText('Root Types').waitFor();
    await docs.getByRole('link', { name: 'Query' }).first().click();
    await docs.getByRole('link', { name: 'viewer' }).first().waitFor();
    await docs.getByRole('link', { name: 'teams' }).first().waitFor();
    await shot('explorer-docs', { phone: true, dark: true });
  });

  await t.test('GraphiQL\'s dialogs open under the policy too', async () => {
    await page.getByRole('button', { name: 'Open settings dialog' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    await shot('explorer-settings');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
  });

  await t.test('a session that ends under the page says so, with a way back', async () => {
    await context.clearCookies();
    await run();
    const notice = page.locator('#explorer-notice');
    await notice.getByText('Your session has ended').waitFor();
    assert.equal(await notice.getByRole('link', { name: 'Log in again' }).getAttribute('href'), '../#/explorer');
    await result((body) => Array.isArray(body.errors));
    await shot('explorer-session-ended');
  });
});

test('with introspection off the explorer says why it has no schema', async (t) => {
  await t.test('a suite with R5_INTROSPECTION=false', async () => {
    await stopSuite(suite);
    const started = await startSuite(path.join(scratch, 'data-closed'), { R5_INTROSPECTION: 'false' });
    suite = started.child;
    base = started.url;
    await page.goto(base + '/#/signup');
    await signUp({ ...person, email: `closed+${Date.now()}@example.com` });
    await heading('Your profile').waitFor();
  });

  await t.test('the explorer shows a clear message and still runs queries', async () => {
    await page.getByRole('link', { name: 'API explorer' }).click();
    await page.waitForURL(`${base}/explorer/`);
    const notice = page.locator('#explorer-notice');
    await notice.getByText(/introspection turned off/).waitFor();
    assert.match(await notice.textContent(), /R5_INTROSPECTION=false.*no documentation, no completion/);
    await page.locator('.graphiql-query-editor .CodeMirror').waitFor();
    await setEditor('.graphiql-query-editor', QUERY);
    await run();
    const json = await result((body) => body.data && body.data.viewer);
    assert.equal(json.data.viewer.name, person.name);
    await shot('explorer-introspection-off', { phone: true });
  });

  await t.test('nothing broke the content security policy or threw', async () => {
    assert.deepEqual(violations, []);
    // The 401 that the ended session answered shows up as a failed load.
    assert.deepEqual(problems.filter((p) => !/status of 401/.test(p)), []);
    assert.ok(readdirSync(ARTIFACTS).filter((f) => f.endsWith('.png')).length >= 10, 'screenshots were written');
  });
});
