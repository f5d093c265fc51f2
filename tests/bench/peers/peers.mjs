// The gateway's peers for tests/bench/viewer.py: r5's own schema served by
// graphql-jit or by Apollo Server, answering the viewer query for one known
// bearer token from memory (what r5's gateway does with a cached verdict).
// One node process per core (node's cluster module), as node is deployed.
//
//   node peers.mjs jit|apollo SCHEMA_FILE TOKEN
//
// Prints "peer ready port=N" once every process listens.
import cluster from 'node:cluster';
import http from 'node:http';
import os from 'node:os';
import { readFileSync } from 'node:fs';
import { GraphQLError, buildSchema, parse, validate } from 'graphql';

const [kind, schemaFile, token] = process.argv.slice(2);
if (!['jit', 'apollo'].includes(kind) || !schemaFile || !token) {
  console.error('usage: node peers.mjs jit|apollo SCHEMA_FILE TOKEN');
  process.exit(2);
}
const VIEWER = { id: '6650f1a2b3c4d5e6f7a8b9c0', name: 'Bench User', email: 'bench@example.com', role: 'OWNER' };
const cores = os.availableParallelism ? os.availableParallelism() : os.cpus().length;

// The caller's viewer, or null: the token is the bearer value.
function viewerOf(authorization) {
  return authorization === `Bearer ${token}` ? VIEWER : null;
}

function unauthenticated(res) {
  res.writeHead(401, { 'content-type': 'application/json' });
  res.end('{"errors":[{"message":"authentication required","extensions":{"code":"UNAUTHENTICATED"}}]}');
}

// graphql-jit as its README deploys it: a compiled query per document text.
async function serveJit() {
  const { compileQuery, isCompiledQuery } = await import('graphql-jit');
  const schema = buildSchema(readFileSync(schemaFile, 'utf8'));
  schema.getQueryType().getFields().viewer.resolve = (_root, _args, context) => context.viewer;
  const compiled = new Map();
  return http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      const viewer = viewerOf(req.headers.authorization);
      if (!viewer)
        return unauthenticated(res);
      let body;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString());
      } catch {
        res.writeHead(400, { 'content-type': 'application/json' });
        return res.end('{"errors":[{"message":"body is not JSON"}]}');
      }
      let query = compiled.get(body.query);
      if (!query) {
        const document = parse(body.query);
        const errors = validate(schema, document);
        query = errors.length ? { errors } : compileQuery(schema, document, body.operationName);
        compiled.set(body.query, query);
      }
      res.writeHead(200, { 'content-type': 'application/graphql-response+json' });
      if (!isCompiledQuery(query))
        return res.end(JSON.stringify({ errors: query.errors }));
      const result = query.query(undefined, { viewer }, body.variables || {});
      res.end(query.stringify(result));
    });
  });
}

async function serveApollo() {
  const { ApolloServer } = await import('@apollo/server');
  const { startStandaloneServer } = await import('@apollo/server/standalone');
  const server = new ApolloServer({
    typeDefs: readFileSync(schemaFile, 'utf8'),
    resolvers: { Query: { viewer: (_root, _args, context) => context.viewer } },
  });
  const { url } = await startStandaloneServer(server, {
    listen: { port: Number(process.env.PEER_PORT), host: '127.0.0.1' },
    context: async ({ req }) => {
      const viewer = viewerOf(req.headers.authorization);
      if (!viewer)
        throw new GraphQLError('authentication required', { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
      return { viewer };
    },
  });
  return url;
}

if (cluster.isPrimary) {
  // Every worker listens on the same port (the primary hands out connections).
  const port = await new Promise((resolve) => {
    const probe = http.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
  let listening = 0;
  for (let i = 0; i < cores; i++) {
    cluster.fork({ PEER_PORT: String(port) }).on('message', (message) => {
      if (message === 'listening' && ++listening === cores)
        console.log(`peer ready port=${port} processes=${cores}`);
    });
  }
  cluster.on('exit', (_worker, code) => {
    if (code)
      process.exit(code);
  });
} else if (kind === 'jit') {
  const server = await serveJit();
  server.listen(Number(process.env.PEER_PORT), '127.0.0.1', () => process.send('listening'));
} else {
  await serveApollo();
  process.send('listening');
}
