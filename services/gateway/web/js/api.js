// api.js: the two ways the page talks to the gateway (the /auth endpoints and
// POST /graphql), and one table that turns every error into a sentence a
// person can act on. Nothing here touches the DOM.

export class ApiError extends Error {
  // code: a GraphQL extensions.code, or NETWORK / BAD_RESPONSE for failures
  // before an answer could be read; retryAfter: seconds, when the server said.
  constructor(code, serverMessage, { status = 0, retryAfter = 0, path = null } = {}) {
    super(serverMessage || code);
    this.code = code;
    this.serverMessage = serverMessage || '';
    this.status = status;
    this.retryAfter = retryAfter;
    this.path = path;
  }
}

let sessionEnded = () => {};

// The app registers what to do when the server says the session is gone.
export function onSessionEnded(callback) {
  sessionEnded = callback;
}

// Server messages follow git style ("description must not be empty"); shown to
// a person they read better as a sentence.
function sentence(text) {
  const trimmed = (text || '').trim();
  if (!trimmed) return '';
  const first = trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(first) ? first : first + '.';
}

function retrySeconds(response) {
  const value = Number.parseInt(response.headers.get('Retry-After') || '', 10);
  return Number.isFinite(value) && value > 0 ? value : 0;
}

// What a person should read for an error from either endpoint.
export function describe(error) {
  if (!(error instanceof ApiError)) {
    return 'Something unexpected went wrong in this page. Reload it and try again.';
  }
  switch (error.code) {
    case 'NETWORK':
      return 'Cannot reach r5. Check your connection and try again.';
    case 'UNAUTHENTICATED':
      return 'Your session has ended. Log in again to continue.';
    case 'FORBIDDEN':
    case 'SCOPE_MISSING':
      return error.serverMessage && error.serverMessage !== 'not allowed'
        ? 'Not allowed: ' + sentence(error.serverMessage).replace(/^./, (c) => c.toLowerCase())
        : 'You are not allowed to do that.';
    case 'NOT_FOUND':
      return 'That token no longer exists. It may have been deleted in another window.';
    case 'BAD_USER_INPUT':
      return error.serverMessage && error.serverMessage !== 'invalid input'
        ? sentence(error.serverMessage)
        : 'Some of what you entered was not accepted. Check the form and try again.';
    case 'CONFLICT':
      return error.serverMessage && error.serverMessage !== 'conflict'
        ? sentence(error.serverMessage)
        : 'This clashes with a change made elsewhere. Reload and try again.';
    case 'RATE_LIMITED':
      return error.retryAfter
        ? `Too many requests. Wait ${error.retryAfter} second${error.retryAfter === 1 ? '' : 's'} and try again.`
        : 'Too many requests. Wait a moment and try again.';
    case 'UNAVAILABLE':
      return 'r5 is temporarily unavailable. Try again in a moment.';
    case 'INTERNAL':
      return 'Something went wrong on our side. Try again; if it keeps happening, tell your administrator.';
    case 'BAD_RESPONSE':
      return 'The server sent an answer this page cannot read. Reload the page and try again.';
    default:
      // Parse, validation and complexity errors mean this page and the server disagree.
      return `The server refused this page's request (${error.code}). Reload the page and try again.`;
  }
}

async function readJson(response) {
  try {
    return await response.json();
  } catch {
    return null;
  }
}

async function post(path, body) {
  try {
    // Same-origin fetch sends the Origin header and the session cookie itself.
    return await fetch(path, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify(body),
    });
  } catch {
    throw new ApiError('NETWORK');
  }
}

const AUTH_CODES = { 400: 'BAD_USER_INPUT', 401: 'UNAUTHENTICATED', 403: 'FORBIDDEN', 404: 'NOT_FOUND',
  409: 'CONFLICT', 429: 'RATE_LIMITED', 503: 'UNAVAILABLE' };

// POST to /auth/signup, /auth/login or /auth/logout. Returns the JSON body;
// throws ApiError with the HTTP status and the server's message.
export async function auth(action, body = {}) {
  const response = await post('/auth/' + action, body);
  const json = await readJson(response);
  if (response.ok) return json || {};
  const code = AUTH_CODES[response.status] || (response.status >= 500 ? 'INTERNAL' : 'BAD_USER_INPUT');
  throw new ApiError(code, json && typeof json.error === 'string' ? json.error : '',
    { status: response.status, retryAfter: retrySeconds(response) });
}

// Run one GraphQL operation with the session cookie. Returns data; throws the
// first error as ApiError (a 401 also tells the app the session is over).
export async function graphql(query, variables = {}, { partial = false } = {}) {
  const response = await post('/graphql', { query, variables });
  const json = await readJson(response);
  const first = json && Array.isArray(json.errors) && json.errors.length ? json.errors[0] : null;
  const code = first && first.extensions && first.extensions.code;
  if (response.status === 401 || code === 'UNAUTHENTICATED') {
    const error = new ApiError('UNAUTHENTICATED', first ? first.message : '', { status: 401 });
    sessionEnded(error);
    throw error;
  }
  if (!json) {
    throw new ApiError(response.status === 503 ? 'UNAVAILABLE' : 'BAD_RESPONSE', '', { status: response.status });
  }
  if (first && !(partial && json.data)) {
    throw new ApiError(code || (response.status === 429 ? 'RATE_LIMITED' : 'INTERNAL'), first.message,
      { status: response.status, retryAfter: retrySeconds(response), path: first.path || null });
  }
  return json.data || {};
}
