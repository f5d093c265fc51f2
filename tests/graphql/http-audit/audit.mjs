// graphql-http's auditServer against a live r5 gateway, as a GraphQL-over-HTTP
// client sees it: node audit.mjs <base url> <token>. Every request carries the
// token (the audit's own requests have none, and would all be 401). Prints one
// line per result that is not "ok", then the counts as JSON on the last line.
import { auditServer } from 'graphql-http';

const [base, token] = process.argv.slice(2);
const fetchFn = (input, init = {}) => {
  const headers = new Headers(init.headers || {});
  headers.set('Authorization', 'Bearer ' + token);
  return fetch(input, { ...init, headers });
};
const results = await auditServer({ url: base + '/graphql', fetchFn });
for (const result of results) {
  if (result.status !== 'ok') console.log(result.status, result.name, result.reason || '');
}
const count = (status) => results.filter((result) => result.status === status).length;
console.log(JSON.stringify({ ok: count('ok'), warn: count('warn'), error: count('error'), notice: count('notice') }));
