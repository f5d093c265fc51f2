// verdict.mjs - graphql-js's side of the differential conformance test.
//
// Usage: node verdict.mjs SCHEMA.graphql DOCUMENT.graphql...
//
// Prints one JSON line per document, in the format of gql_verdict.c:
//   {"file", "parses", "parseError": {line, column, message} | null,
//    "rules": [sorted failing rule names], "errors": [{rule, locations, message}],
//    "capped": whether validate() with every rule stops at its error cap}
// The failing rules are learnt by running each of graphql-js's specifiedRules on its own
// (validate(schema, doc, [rule])), never by reading message text. Columns are counted in
// Unicode code points (graphql-js counts UTF-16 units; r5 counts code points, and the
// two differ only after a character outside the BMP on the same line).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse, validate, specifiedRules, buildSchema, GraphQLError } from 'graphql';

// graphql-js's default `maxErrors` (validate() stops after that many).
const MAX_ERRORS = 100;

// The rule's name as r5 spells it: graphql-js's function name without "Rule".
export function ruleName(rule) {
  return rule.name.replace(/Rule$/, '');
}

// Column of a position of `source` in code points, 1-based.
function codePointColumn(source, position, utf16Column) {
  const lineStart = position - (utf16Column - 1);
  return [...source.slice(lineStart, position)].length + 1;
}

function locationsOf(error, source) {
  const out = [];
  const positions = error.positions || [];
  (error.locations || []).forEach((loc, i) => {
    const col = positions[i] !== undefined ? codePointColumn(source, positions[i], loc.column)
                                           : loc.column;
    out.push([loc.line, col]);
  });
  return out;
}

export function loadSchema(path) {
  return buildSchema(readFileSync(path, 'utf8'));
}

export function verdict(schema, file, source) {
  let doc;
  try {
    doc = parse(source);
  } catch (e) {
    if (!(e instanceof GraphQLError)) throw e;
    const [line, column] = locationsOf(e, source)[0] || [0, 0];
    return { file, parses: false, parseError: { line, column, message: e.message },
             rules: [], errors: [] };
  }
  const rules = new Set();
  const errors = [];
  for (const rule of specifiedRules) {
    const name = ruleName(rule);
    let found;
    try {
      found = validate(schema, doc, [rule]);
    } catch (e) {
      // A rule that throws out of validate() (SingleFieldSubscriptions does when a
      // @skip/@include on a subscription root selection has no literal Boolean `if`)
      // counts as one failure of that rule, at a location graphql-js does not give.
      found = [{ message: `threw: ${e.message}`, threw: true }];
    }
    found.forEach((e, i) => {
      // validate() stops after MAX_ERRORS errors and appends one more, without locations,
      // saying so: r5 reports that one as its own rule.
      const r = i === MAX_ERRORS ? 'TooManyErrors' : name;
      rules.add(r);
      errors.push({ rule: r, locations: e.threw ? null : locationsOf(e, source), message: e.message });
    });
  }
  // With all rules at once (as a server runs them), does validate() hit its error cap?
  let capped;
  try {
    capped = validate(schema, doc).length > MAX_ERRORS;
  } catch (e) {
    capped = false;
  }
  return { file, parses: true, parseError: null, rules: [...rules].sort(), errors, capped };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [schemaPath, ...docs] = process.argv.slice(2);
  if (!schemaPath) {
    console.error('usage: node verdict.mjs SCHEMA.graphql DOCUMENT.graphql...');
    process.exit(2);
  }
  const schema = loadSchema(schemaPath);
  for (const file of docs)
    console.log(JSON.stringify(verdict(schema, file, readFileSync(file, 'utf8'))));
}
