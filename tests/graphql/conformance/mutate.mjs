// mutate.mjs - a cheap search for disagreements beyond the corpus: writes random token-level
// mutants of every corpus document (tokens deleted, inserted or replaced by tokens taken
// from the corpus) to a temporary folder and runs compare.mjs on them. Not a CTest (the
// documents are random); run it after changing the parser or the validator:
//
//   node tests/graphql/conformance/mutate.mjs build/tests/graphql/gql_verdict \
//        [--seed=N] [--per-doc=K] [--keep] [--verbose]
//
// Differences are printed by compare.mjs; a crash of gql_verdict (e.g. under ASan) fails
// the run. Known differences are listed in docs/graphql-validation.md.
import { readFileSync, readdirSync, writeFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join, dirname } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const binary = process.argv[2];
const opt = (name, dflt) => {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`));
  return a ? Number(a.split('=')[1]) : dflt;
};
if (!binary) {
  console.error('usage: node mutate.mjs GQL_VERDICT_BINARY [--seed=N] [--per-doc=K]');
  process.exit(2);
}
let seed = opt('seed', 1) >>> 0 || 1;
const perDoc = opt('per-doc', 6);
// xorshift32: reproducible for a seed.
const rand = () => {
  seed ^= seed << 13; seed >>>= 0;
  seed ^= seed >>> 17;
  seed ^= seed << 5; seed >>>= 0;
  return seed / 4294967296;
};
const pick = (a) => a[Math.floor(rand() * a.length)];
const TOKEN = /\s+|[A-Za-z_][A-Za-z0-9_]*|\$[a-z]+|"[^"\n]*"|-?\d+(?:\.\d+)?|\.\.\.|[\s\S]/gu;

const corpus = join(here, 'corpus');
const out = mkdtempSync(join(tmpdir(), 'gql-mutants-'));
const docs = [];
const pool = new Set();
for (const folder of readdirSync(corpus).sort())
  for (const f of readdirSync(join(corpus, folder)).sort()) {
    const text = readFileSync(join(corpus, folder, f), 'utf8');
    if (text.length > 5000) continue;
    const toks = text.match(TOKEN) || [];
    docs.push({ folder, f, toks });
    for (const t of toks) if (t.trim()) pool.add(t);
  }
const tokens = [...pool].sort();
let n = 0;
for (const { folder, f, toks } of docs) {
  mkdirSync(join(out, folder), { recursive: true });
  for (let k = 0; k < perDoc; k++) {
    const t = [...toks];
    const edits = 1 + Math.floor(rand() * 3);
    for (let e = 0; e < edits; e++) {
      const i = Math.floor(rand() * (t.length + 1));
      const r = rand();
      if (r < 0.3 && t.length) t.splice(Math.min(i, t.length - 1), 1);
      else if (r < 0.6) t.splice(i, 0, ` ${pick(tokens)} `);
      else if (t.length) t[Math.min(i, t.length - 1)] = pick(tokens);
    }
    writeFileSync(join(out, folder, `${f.replace(/\.graphql$/, '')}-m${k}.graphql`), t.join(''));
    n++;
  }
}
console.log(`mutate: ${n} mutants of ${docs.length} documents in ${out}`);
const passOn = process.argv.filter((a) => a === '--verbose');
const run = spawnSync(process.execPath,
                      [join(here, 'compare.mjs'), binary, here, `--corpus=${out}`, ...passOn],
                      { stdio: 'inherit' });
if (!process.argv.includes('--keep')) rmSync(out, { recursive: true, force: true });
process.exit(run.status ?? 1);
