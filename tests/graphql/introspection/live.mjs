// live.mjs - a client's view of a running gateway: builds the schema from the
// gateway's introspection answer (getIntrospectionQuery with every option, oneOf
// included) with graphql-js, and requires that it prints exactly as the SDL the
// same gateway serves at /schema.graphql.
//
// usage: node live.mjs BASE_URL TOKEN
// Exit 0 when they match, 1 otherwise (with the first differing line).
import { buildClientSchema, buildSchema, getIntrospectionQuery, printSchema } from 'graphql';

const [base, token] = process.argv.slice(2);
const headers = { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` };
const response = await fetch(`${base}/graphql`, {
  method: 'POST', headers,
  body: JSON.stringify({ query: getIntrospectionQuery({ descriptions: true, specifiedByUrl: true,
    directiveIsRepeatable: true, schemaDescription: true, inputValueDeprecation: true, oneOf: true }) }),
});
const result = await response.json();
if (response.status !== 200 || result.errors) {
  console.error('introspection failed:', response.status, JSON.stringify(result.errors));
  process.exit(1);
}
const sdlResponse = await fetch(`${base}/schema.graphql`, { headers });
if (sdlResponse.status !== 200) {
  console.error('GET /schema.graphql answered', sdlResponse.status);
  process.exit(1);
}
const fromIntrospection = printSchema(buildClientSchema(result.data));
const fromSdl = printSchema(buildSchema(await sdlResponse.text()));
if (fromIntrospection !== fromSdl) {
  const a = fromIntrospection.split('\n');
  const b = fromSdl.split('\n');
  const line = a.findIndex((text, i) => text !== b[i]);
  console.error(`differ at line ${line + 1}:\n  introspection: ${a[line]}\n  sdl:           ${b[line]}`);
  process.exit(1);
}
console.log(`schema round trip ok: ${fromSdl.split('\n').length} lines`);
