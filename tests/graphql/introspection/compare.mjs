// compare.mjs - holds r5's introspection answer against graphql-js 16's for the same SDL.
//
// usage: node compare.mjs DUMP_BINARY SCHEMA.graphql...
// For each SDL file and each query below, runs graphql-js (buildSchema + graphqlSync) and
// our gql_introspect_dump, and requires deep equality of the two responses; then requires
// printSchema(buildClientSchema(ours)) === printSchema(buildSchema(sdl)).
// Exit status 0 when everything matches, 1 otherwise (the first difference is printed),
// 77 when graphql-js is not installed (npm ci --prefix tests/graphql/introspection).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';

let graphql;
try {
  graphql = await import('graphql');
} catch {
  console.error('graphql-js is not installed: run npm ci --prefix tests/graphql/introspection');
  process.exit(77); // CTest's SKIP_RETURN_CODE
}
const { buildClientSchema, buildSchema, getIntrospectionQuery, graphqlSync, printSchema } = graphql;

const [dump, ...sdlFiles] = process.argv.slice(2);
if (!dump || sdlFiles.length === 0) {
  console.error('usage: node compare.mjs DUMP_BINARY SCHEMA.graphql...');
  process.exit(2);
}

const queries = {
  'getIntrospectionQuery()': getIntrospectionQuery(),
  'getIntrospectionQuery(all options)': getIntrospectionQuery({
    descriptions: true,
    specifiedByUrl: true,
    directiveIsRepeatable: true,
    schemaDescription: true,
    inputValueDeprecation: true,
  }),
  'getIntrospectionQuery(all options, oneOf)': getIntrospectionQuery({
    descriptions: true,
    specifiedByUrl: true,
    directiveIsRepeatable: true,
    schemaDescription: true,
    inputValueDeprecation: true,
    oneOf: true,
  }),
  'getIntrospectionQuery(no descriptions)': getIntrospectionQuery({ descriptions: false }),
  'deprecated filters off': `{
    __schema { directives { name args { name } } }
    a: __type(name: "Role") { enumValues { name } all: enumValues(includeDeprecated: true) { name } }
    b: __type(name: "User") { fields { name } all: fields(includeDeprecated: true) { name } }
    c: __type(name: "Query") { fields { name args { name } all: args(includeDeprecated: true) { name isDeprecated deprecationReason } } }
    d: __type(name: "IncidentFilter") { inputFields { name } all: inputFields(includeDeprecated: true) { name defaultValue } }
    e: __type(name: "NoSuchType") { name }
    f: __type(name: "Float") { name kind }
    g: __type(name: "SearchResult") { kind possibleTypes { name } __typename isOneOf }
    h: __type(name: "IncidentBy") { isOneOf inputFields { name type { isOneOf } } }
    __typename
  }`,
};

// Returns the path of the first difference between a and b, or null.
function firstDifference(a, b, path = '$') {
  if (isDeepStrictEqual(a, b)) return null;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) {
    return `${path}: ours ${JSON.stringify(a)} != graphql-js ${JSON.stringify(b)}`;
  }
  if (Array.isArray(a) !== Array.isArray(b)) return `${path}: array vs object`;
  if (Array.isArray(a) && a.length !== b.length) {
    const na = a.map((x) => x?.name ?? JSON.stringify(x)).join(',');
    const nb = b.map((x) => x?.name ?? JSON.stringify(x)).join(',');
    return `${path}: length ${a.length} != ${b.length}\n  ours: ${na}\n  js:   ${nb}`;
  }
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) {
    const d = firstDifference(a[k], b[k], `${path}.${k}${a[k]?.name ? `(${a[k].name})` : ''}`);
    if (d) return d;
  }
  return `${path}: differs`;
}

let failures = 0;
for (const file of sdlFiles) {
  const sdl = readFileSync(file, 'utf8');
  const schema = buildSchema(sdl);
  for (const [label, query] of Object.entries(queries)) {
    const expected = JSON.parse(JSON.stringify(graphqlSync({ schema, source: query })));
    if (expected.errors) {
      console.error(`${file} ${label}: graphql-js failed: ${JSON.stringify(expected.errors)}`);
      failures++;
      continue;
    }
    let ours;
    try {
      ours = JSON.parse(execFileSync(dump, [file], { input: query, maxBuffer: 64 << 20 }));
    } catch (e) {
      console.error(`${file} ${label}: ${dump} failed: ${e.message}`);
      failures++;
      continue;
    }
    const diff = firstDifference(ours, expected);
    if (diff) {
      console.error(`${file} ${label}: MISMATCH ${diff}`);
      failures++;
    } else {
      console.log(`${file} ${label}: identical`);
    }
    if (label === 'getIntrospectionQuery(all options, oneOf)' && ours.data) {
      let printed;
      try {
        printed = printSchema(buildClientSchema(ours.data));
      } catch (e) {
        printed = `buildClientSchema failed: ${e.message}`;
      }
      if (printed !== printSchema(schema)) {
        console.error(`${file}: printSchema(buildClientSchema(ours)) != printSchema(buildSchema(sdl))`);
        console.error(printed);
        failures++;
      } else {
        console.log(`${file} printSchema(buildClientSchema(ours)): identical`);
      }
    }
  }
}
process.exit(failures ? 1 : 0);
