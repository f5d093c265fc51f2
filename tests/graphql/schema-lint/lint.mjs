// lint.mjs - runs graphql-eslint (eslint.config.mjs beside this file) over the gateway's
// schema, services/gateway/schema.graphql, prints every problem, the rules on and off, and
// how many types, fields, arguments, input fields and enum values carry a description.
//
// usage: node lint.mjs
// Exit 0 when the schema passes, 1 when any rule reports, 77 (CTest's skip) when the
// packages are not installed (npm ci --prefix tests/graphql/schema-lint).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
if (!existsSync(join(here, 'node_modules', 'eslint', 'package.json'))) {
  console.error(`eslint is not installed: run npm ci --prefix ${here}`);
  process.exit(77);
}
const { ESLint } = await import('eslint');
const root = resolve(here, '..', '..', '..');
const eslint = new ESLint({ cwd: root, overrideConfigFile: join(here, 'eslint.config.mjs') });
const results = await eslint.lintFiles(['services/gateway/schema.graphql']);
const formatter = await eslint.loadFormatter('stylish');
const text = await formatter.format(results);
if (text) console.log(text);
const config = await eslint.calculateConfigForFile(join(root, 'services/gateway/schema.graphql'));
const rules = Object.entries(config.rules);
const off = rules.filter(([, v]) => (Array.isArray(v) ? v[0] : v) === 0 || (Array.isArray(v) ? v[0] : v) === 'off');
const problems = results.reduce((n, r) => n + r.errorCount + r.warningCount, 0);
console.log(`schema lint: ${rules.length - off.length} rules on, ${off.length} off` +
            (off.length ? ` (${off.map(([k]) => k.replace('@graphql-eslint/', '')).join(', ')})` : '') +
            `; ${problems} problems`);

// How much of the schema is described (user-defined elements, built-ins left out).
const { buildSchema, isEnumType, isInputObjectType, isIntrospectionType, isObjectType, isInterfaceType,
        isSpecifiedScalarType } = await import('graphql');
const sdl = readFileSync(join(root, 'services/gateway/schema.graphql'), 'utf8');
const count = { types: [0, 0], fields: [0, 0], arguments: [0, 0], 'input fields': [0, 0], 'enum values': [0, 0] };
const tally = (kind, element) => { count[kind][1]++; if (element.description) count[kind][0]++; };
for (const type of Object.values(buildSchema(sdl).getTypeMap())) {
  if (isIntrospectionType(type) || isSpecifiedScalarType(type)) continue;
  tally('types', type);
  if (isObjectType(type) || isInterfaceType(type)) {
    for (const field of Object.values(type.getFields())) {
      tally('fields', field);
      field.args.forEach((arg) => tally('arguments', arg));
    }
  }
  if (isInputObjectType(type)) Object.values(type.getFields()).forEach((f) => tally('input fields', f));
  if (isEnumType(type)) type.getValues().forEach((v) => tally('enum values', v));
}
console.log('described: ' + Object.entries(count).map(([k, [d, n]]) => `${k} ${d} of ${n}`).join(', '));
process.exit(problems ? 1 : 0);
