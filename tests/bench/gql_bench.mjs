// gql_bench.mjs: parse + validate throughput of graphql-js on the same
// documents as gql_bench.c.   node gql_bench.mjs <schema> <seconds> <document>...
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(new URL('../graphql/conformance/', import.meta.url));
const { buildSchema, parse, validate } = require('graphql');
const [schemaFile, seconds, ...documents] = process.argv.slice(2);
const schema = buildSchema(readFileSync(schemaFile, 'utf8'));
for (const file of documents) {
  const text = readFileSync(file, 'utf8');
  let runs = 0, valid = false;
  const start = process.hrtime.bigint();
  let elapsed = 0;
  do {
    for (let batch = 0; batch < 100; batch++, runs++)
      valid = validate(schema, parse(text)).length === 0;
    elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  } while (elapsed < Number(seconds));
  console.log(`${file} ${Math.round(runs / elapsed)} ${(elapsed * 1e6 / runs).toFixed(2)} ${valid ? 'valid' : 'INVALID'}`);
}
