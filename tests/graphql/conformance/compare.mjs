// compare.mjs - the differential conformance test: r5's parser and validator against
// graphql-js on every document of the corpus.
//
// Usage: node compare.mjs GQL_VERDICT_BINARY [CONFORMANCE_DIR] [--verbose] [--corpus=DIR]
//
// The corpus is corpus/<schema>.<group>/*.graphql; each folder's documents are checked
// against schemas/<schema>.graphql (the group only sorts documents by topic). For each document both sides must agree on: whether it
// parses; for a parse error, its line and column; whether it is valid; the set of failing
// rules; and the locations of every validation error (as a multiset of location lists;
// an error graphql-js reports by throwing has no location and matches any one of r5's
// errors of that rule). For a document with more errors than the cap (100), both sides
// must stop at the cap; which errors are kept depends on search order and is not compared.
// Prints the number of documents compared and the number that agree; exits 1 on any
// difference, 77 (CTest's skip) when graphql-js is not installed.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const verbose = process.argv.includes('--verbose');
const corpusOpt = process.argv.find((a) => a.startsWith('--corpus='));
const binary = args[0];
const root = resolve(args[1] || dirname(fileURLToPath(import.meta.url)));
if (!binary) {
  console.error('usage: node compare.mjs GQL_VERDICT_BINARY [CONFORMANCE_DIR] [--verbose] [--corpus=DIR]');
  process.exit(2);
}
if (!existsSync(join(root, 'node_modules', 'graphql', 'package.json'))) {
  console.error(`graphql-js is not installed: run npm ci --prefix ${root}`);
  process.exit(77);
}
const { verdict, loadSchema } = await import('./verdict.mjs');
const gjsVersion = JSON.parse(readFileSync(join(root, 'node_modules', 'graphql', 'package.json'))).version;

function errorKeys(v) {
  return v.errors.map((e) => e.rule + ' ' + JSON.stringify(e.locations)).sort();
}

// True when r5's errors match graphql-js's as multisets of (rule, locations). A graphql-js
// error without locations (a rule that threw) matches any one r5 error of its rule.
function sameErrors(got, ref) {
  const mine = errorKeys(got);
  const wild = [];
  for (const e of ref.errors) {
    if (e.locations === null) { wild.push(e.rule); continue; }
    const k = e.rule + ' ' + JSON.stringify(e.locations);
    const i = mine.indexOf(k);
    if (i < 0) return false;
    mine.splice(i, 1);
  }
  for (const rule of wild) {
    const i = mine.findIndex((k) => k.startsWith(rule + ' '));
    if (i < 0) return false;
    mine.splice(i, 1);
  }
  return mine.length === 0;
}

let compared = 0, agree = 0, messages = 0, sameMessages = 0;
const differences = [];
// --corpus=DIR checks another tree of <schema>.<group>/ folders (mutate.mjs uses it).
const corpus = corpusOpt ? resolve(corpusOpt.slice('--corpus='.length)) : join(root, 'corpus');
for (const folder of readdirSync(corpus).sort()) {
  const schemaName = folder.split('.')[0];
  const schemaPath = join(root, 'schemas', `${schemaName}.graphql`);
  const dir = join(corpus, folder);
  const files = readdirSync(dir).filter((f) => f.endsWith('.graphql')).sort().map((f) => join(dir, f));
  if (files.length === 0) continue;
  const schema = loadSchema(schemaPath);
  const run = spawnSync(binary, [schemaPath, ...files], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (run.status !== 0) {
    console.error(`gql_verdict failed on ${folder} (status ${run.status}):\n${run.stderr}`);
    process.exit(1);
  }
  const ours = new Map(run.stdout.trim().split('\n').filter(Boolean).map((l) => {
    const v = JSON.parse(l);
    return [v.file, v];
  }));
  for (const file of files) {
    const source = readFileSync(file, 'utf8');
    const ref = verdict(schema, file, source);
    const got = ours.get(file);
    compared++;
    const why = [];
    if (!got) why.push('no verdict from gql_verdict');
    else if (got.parses !== ref.parses) {
      why.push(`parses: r5 ${got.parses} (${JSON.stringify(got.parseError)}), graphql-js ${ref.parses} (${JSON.stringify(ref.parseError)})`);
    } else if (!ref.parses) {
      if (got.parseError.line !== ref.parseError.line || got.parseError.column !== ref.parseError.column)
        why.push(`parse error at ${got.parseError.line}:${got.parseError.column} (${got.parseError.message}), graphql-js at ${ref.parseError.line}:${ref.parseError.column} (${ref.parseError.message})`);
    } else if (ref.capped || got.rules.includes('TooManyErrors')) {
      // More errors than the cap: which ones are kept depends on the order each side finds
      // them in, so both must just have stopped at the cap.
      if (!(ref.capped && got.rules.includes('TooManyErrors')))
        why.push(`error cap: r5 ${got.rules.includes('TooManyErrors')}, graphql-js ${ref.capped}`);
    } else {
      if (JSON.stringify(got.rules) !== JSON.stringify(ref.rules))
        why.push(`rules: r5 [${got.rules}], graphql-js [${ref.rules}]`);
      const a = errorKeys(got), b = errorKeys(ref);
      if (!sameErrors(got, ref))
        why.push(`error locations:\n      r5:         ${JSON.stringify(a)}\n      graphql-js: ${JSON.stringify(b)}`);
    }
    if (got && got.parses && ref.parses && !ref.capped) {
      // Messages are compared for information only (r5 truncates very long ones).
      const mine = got.errors.map((e) => e.message);
      for (const e of ref.errors) {
        if (e.locations === null) continue;
        messages++;
        const i = mine.indexOf(e.message);
        if (i >= 0) { sameMessages++; mine.splice(i, 1); }
        else if (verbose) console.log(`MESSAGE ${file.slice(dirname(corpus).length + 1)}: graphql-js "${e.message.slice(0, 200)}"`);
      }
    }
    if (why.length === 0) agree++;
    else differences.push({ file: file.slice(dirname(corpus).length + 1), why, got, ref });
  }
}
for (const d of differences) {
  console.log(`DIFF ${d.file}\n    ${d.why.join('\n    ')}`);
  if (verbose) {
    console.log('    r5 messages:         ' + JSON.stringify(d.got && d.got.errors.map((e) => e.message)));
    console.log('    graphql-js messages: ' + JSON.stringify(d.ref.errors.map((e) => e.message)));
  }
}
console.log(`gql_conformance: validation messages: ${sameMessages} of ${messages} identical to graphql-js's (not a failure criterion)`);
console.log(`gql_conformance: graphql-js ${gjsVersion}: ${compared} documents compared, ${agree} agree, ${compared - agree} differ`);
process.exit(differences.length === 0 && compared > 0 ? 0 : 1);
