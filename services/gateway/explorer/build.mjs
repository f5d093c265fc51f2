// Bundle the GraphQL explorer into static files:
//   node build.mjs --deps DIR --out DIR
// --deps is where `npm ci` installed package.json's packages (the build tree's
// copy; CMake runs both steps). Writes index.html, explorer.js, explorer.css
// and explorer.js.LEGAL.txt (the bundled packages' licence comments) to --out.
// The same lock file and esbuild version give the same bytes.

import { createRequire } from 'node:module';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

function option(name) {
  const index = process.argv.indexOf(name);
  if (index < 0 || !process.argv[index + 1]) {
    console.error('usage: node build.mjs --deps DIR --out DIR');
    process.exit(2);
  }
  return path.resolve(process.argv[index + 1]);
}

const HERE = path.dirname(fileURLToPath(import.meta.url));
const deps = option('--deps');
const out = option('--out');
const modules = path.join(deps, 'node_modules');
const esbuild = createRequire(path.join(deps, 'package.json'))('esbuild');

// react-style-singleton (used by the dialogs' scroll lock) adds a <style>
// element, which style-src 'self' refuses; this copy of its one internal
// module uses a constructed stylesheet instead, which the policy allows.
const cspStyles = {
  name: 'csp-styles',
  setup(build) {
    build.onResolve({ filter: /^\.\/singleton$/ }, (args) =>
      args.importer.includes(`${path.sep}react-style-singleton${path.sep}`)
        ? { path: path.join(HERE, 'src', 'style-singleton.js') }
        : undefined);
  },
};

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const result = await esbuild.build({
  entryPoints: { explorer: path.join(HERE, 'src', 'explorer.jsx') },
  outdir: out,
  bundle: true,
  format: 'esm',
  splitting: false,
  minify: true,
  sourcemap: false,
  target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
  jsx: 'automatic',
  nodePaths: [modules],
  // The UI's own stylesheet stays a separate file, imported at run time.
  external: ['../css/*'],
  define: { 'process.env.NODE_ENV': '"production"' },
  legalComments: 'external',
  charset: 'utf8',
  logLevel: 'warning',
  plugins: [cspStyles],
  metafile: true,
});
copyFileSync(path.join(HERE, 'src', 'index.html'), path.join(out, 'index.html'));
const sizes = Object.entries(result.metafile.outputs)
  .map(([file, { bytes }]) => `${path.basename(file)} ${(bytes / 1024).toFixed(0)} KiB`);
console.log(`explorer: ${sizes.join(', ')}`);
