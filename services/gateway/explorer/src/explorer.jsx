// The r5 API explorer: GraphiQL against the gateway's /graphql with the
// signed-in person's session cookie. Served at /explorer/ next to the web UI.
//
// Start-up: ask who is signed in (no session: back to the UI's log-in page,
// which returns here afterwards); ask for the schema by introspection and give
// it to GraphiQL (documentation, completion, checking as you type); where the
// server has introspection off, say so plainly and let queries run without it.

import { createRoot } from 'react-dom/client';
import { GraphiQL } from 'graphiql';
import { buildClientSchema, getIntrospectionQuery, parse } from 'graphql';
import './explorer.css';

const ENDPOINT = '/graphql';
const LOGIN = '../#/explorer';   // the UI's router sends this back here once logged in

// Lines short enough for the editor beside the result. The variable has a
// default so the query runs as is; the Variables pane below can change it.
const DEFAULT_QUERY = `# Welcome to the r5 API explorer.
#
# Queries run as you, with your session:
# they can do what you can do.
#
#   Ctrl-Enter   run the query
#   Ctrl-Space   complete a field or argument
#   book icon    documentation of every type and field

query Me($first: Int = 5) {
  viewer {
    id
    name
    role
  }
  teams(first: $first) {
    nodes {
      name
    }
  }
}
`;

const byId = (id) => document.getElementById(id);

// Same-origin POST: the browser adds the session cookie and the Origin header
// the gateway's CSRF check wants; the body is always application/json.
async function post(path, body) {
  return fetch(path, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify(body),
  });
}

async function readJson(response) {
  try {
    return await response.json();
  } catch {
    return null;
  }
}

function code(json) {
  const first = json && Array.isArray(json.errors) ? json.errors[0] : null;
  return first && first.extensions ? first.extensions.code : undefined;
}

// A message above the editors; parts are strings or [text, href] links.
function notice(...parts) {
  const box = byId('explorer-notice');
  const line = document.createElement('p');
  for (const part of parts) {
    if (Array.isArray(part)) {
      const link = document.createElement('a');
      link.href = part[1];
      link.textContent = part[0];
      line.append(link);
    } else if (part && typeof part === 'object') {
      line.append(part);
    } else {
      line.append(document.createTextNode(part));
    }
  }
  box.replaceChildren(line);
  box.hidden = false;
}

function codeElement(text) {
  const element = document.createElement('code');
  element.textContent = text;
  return element;
}

function sessionEnded() {
  notice('Your session has ended, so queries are refused. ', ['Log in again', LOGIN],
    ' and you come back here with your query as you left it.');
}

// The operation to run: GraphiQL's choice when the query defines it. Without a
// schema GraphiQL can keep the name of an operation that is gone from the
// editor; then the server picks (the only operation, or says which is needed).
function operationName(query, wanted) {
  if (!wanted) return undefined;
  try {
    const names = parse(query).definitions
      .filter((d) => d.kind === 'OperationDefinition' && d.name).map((d) => d.name.value);
    return names.includes(wanted) ? wanted : undefined;
  } catch {
    return wanted;   // the server reports the syntax error
  }
}

// GraphiQL's fetcher: every operation goes to /graphql with the session.
// GraphiQL shows whatever comes back in its result panel; answers that are not
// GraphQL JSON (a proxy's error page, a lost connection) become one error.
async function fetcher(params) {
  let response;
  try {
    response = await post(ENDPOINT, {
      query: params.query,
      operationName: operationName(params.query, params.operationName),
      variables: params.variables || undefined,
    });
  } catch {
    return { errors: [{ message: 'Cannot reach r5. Check your connection and try again.' }] };
  }
  const json = await readJson(response);
  if (response.status === 401 || code(json) === 'UNAUTHENTICATED') sessionEnded();
  if (json && typeof json === 'object') return json;
  return { errors: [{ message: `r5 answered HTTP ${response.status} without a GraphQL result.` }] };
}

// The schema by introspection: a GraphQLSchema, or null with the reason.
async function loadSchema() {
  const options = { descriptions: true, inputValueDeprecation: true, specifiedByUrl: true };
  let json = await readJson(await post(ENDPOINT, { query: getIntrospectionQuery(options) }));
  if (code(json) !== 'INTROSPECTION_DISABLED' && !(json && json.data && json.data.__schema)) {
    // An older server may not know the newer introspection fields: ask plainly.
    json = await readJson(await post(ENDPOINT, { query: getIntrospectionQuery() }));
  }
  if (json && json.data && json.data.__schema) return { schema: buildClientSchema(json.data) };
  return { schema: null, disabled: code(json) === 'INTROSPECTION_DISABLED',
    message: json && json.errors && json.errors[0] ? json.errors[0].message : '' };
}

async function logout() {
  try {
    await post('/auth/logout', {});
  } finally {
    location.assign('../#/login');
  }
}

async function start() {
  let viewer;
  try {
    const response = await post(ENDPOINT, { query: 'query ExplorerViewer { viewer { id name } }' });
    const json = await readJson(response);
    if (response.status === 401 || code(json) === 'UNAUTHENTICATED') {
      location.replace(LOGIN);
      return;
    }
    viewer = json && json.data && json.data.viewer;
    if (!viewer) throw new Error((json && json.errors && json.errors[0] && json.errors[0].message) || `HTTP ${response.status}`);
  } catch (error) {
    byId('explorer-loading').textContent = `r5 cannot be reached (${error.message}). Reload the page to try again.`;
    return;
  }
  byId('nav-name').textContent = viewer.name;
  byId('account-nav').hidden = false;
  byId('logout').addEventListener('click', logout);

  let loaded;
  try {
    loaded = await loadSchema();
  } catch {
    loaded = { schema: null, message: 'the schema could not be loaded' };
  }
  if (!loaded.schema) {
    if (loaded.disabled) {
      notice('This r5 server has introspection turned off (', codeElement('R5_INTROSPECTION=false'),
        '), so the explorer has no schema: no documentation, no completion and no checking as you type. '
        + 'Queries you write still run, as you.');
    } else {
      notice(`The explorer could not load the schema (${loaded.message || 'no answer'}): `
        + 'documentation and completion are off, queries still run. Reload the page to try again.');
    }
  }

  byId('explorer-loading').remove();
  createRoot(byId('explorer')).render(
    <GraphiQL
      fetcher={fetcher}
      schema={loaded.schema}
      defaultQuery={DEFAULT_QUERY}
      defaultEditorToolsVisibility="variables"
      isHeadersEditorEnabled={false}
      shouldPersistHeaders={false}
    >
      <GraphiQL.Logo>r5 API</GraphiQL.Logo>
    </GraphiQL>,
  );
}

start();
