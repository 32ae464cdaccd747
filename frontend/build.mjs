// Builds the static site into dist/ (or, with --tests, the test files into .test-build/).
//
//   node build.mjs            site: dist/index.html, dist/assets/app-<hash>.{js,css}, staticwebapp.config.json
//   node build.mjs --tests    tests: .test-build/{unit,e2e}/*.test.mjs for `node --test`
//
// DT_API_BASE sets the API base URL baked into the site (default "/api", same origin). An absolute
// URL's origin is added to the Content-Security-Policy's connect-src.
import { build } from 'esbuild';
import * as sass from 'sass';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(fileURLToPath(import.meta.url));
const rel = (...p) => path.join(root, ...p);

if (process.argv.includes('--tests')) {
  await buildTests();
} else {
  await buildSite();
}

async function buildSite() {
  const apiBase = (process.env.DT_API_BASE || '/api').replace(/\/+$/, '');
  if (!/^(\/|https?:\/\/)/.test(apiBase)) {
    throw new Error(`DT_API_BASE must be a path starting with / or an http(s) URL, got ${JSON.stringify(apiBase)}`);
  }
  const out = rel('dist');
  fs.rmSync(out, { recursive: true, force: true });
  fs.mkdirSync(path.join(out, 'assets'), { recursive: true });

  const js = await build({
    entryPoints: [rel('src', 'main.ts')],
    bundle: true,
    splitting: true,
    format: 'esm',
    target: ['es2022', 'chrome110', 'firefox110', 'safari16'],
    minify: true,
    sourcemap: 'linked',
    metafile: true,
    outdir: path.join(out, 'assets'),
    entryNames: 'app-[hash]',
    chunkNames: 'chunk-[hash]',
    legalComments: 'none',
    define: {
      __API_BASE__: JSON.stringify(apiBase),
    },
    logLevel: 'warning',
  });
  const outputs = Object.entries(js.metafile.outputs).filter(([f]) => f.endsWith('.js'));
  const entry = outputs.find(([, o]) => o.entryPoint);
  const jsName = path.basename(entry[0]);

  const scss = sass.compile(rel('src', 'styles.scss'), {
    style: 'compressed',
    loadPaths: [rel('node_modules')],
    quietDeps: true,
    silenceDeprecations: ['import', 'global-builtin', 'color-functions', 'if-function'],
  });
  const uplotCss = fs.readFileSync(rel('node_modules', 'uplot', 'dist', 'uPlot.min.css'), 'utf8');
  const css = Buffer.from(scss.css + '\n' + uplotCss);
  const cssName = `app-${hash(css)}.css`;
  fs.writeFileSync(path.join(out, 'assets', cssName), css);

  const html = fs.readFileSync(rel('src', 'index.html'), 'utf8')
    .replace('%CSS%', `/assets/${cssName}`)
    .replace('%JS%', `/assets/${jsName}`);
  fs.writeFileSync(path.join(out, 'index.html'), html);

  for (const f of fs.readdirSync(rel('public'))) fs.copyFileSync(rel('public', f), path.join(out, f));

  const config = JSON.parse(fs.readFileSync(rel('staticwebapp.config.json'), 'utf8'));
  if (/^https?:\/\//.test(apiBase)) {
    const origin = new URL(apiBase).origin;
    const csp = config.globalHeaders['Content-Security-Policy'];
    config.globalHeaders['Content-Security-Policy'] = csp.replace("connect-src 'self'", `connect-src 'self' ${origin}`);
  }
  fs.writeFileSync(path.join(out, 'staticwebapp.config.json'), JSON.stringify(config, null, 2) + '\n');

  const report = (name, buf) => `${name}: ${(buf.length / 1024).toFixed(1)} KiB (${(gzipSync(buf).length / 1024).toFixed(1)} KiB gzipped)`;
  console.log(`frontend built into ${path.relative(process.cwd(), out) || '.'} (API base ${apiBase})`);
  for (const [f] of outputs) {
    console.log('  ' + report(`assets/${path.basename(f)}${f === entry[0] ? '' : ' (loaded with the first chart)'}`, fs.readFileSync(path.resolve(f))));
  }
  console.log('  ' + report(`assets/${cssName}`, css));
}

function hash(buf) {
  return createHash('sha256').update(buf).digest('hex').slice(0, 10);
}

async function buildTests() {
  const out = rel('.test-build');
  fs.rmSync(out, { recursive: true, force: true });
  const entries = [];
  for (const dir of ['unit', 'e2e']) {
    const d = rel('tests', dir);
    if (!fs.existsSync(d)) continue;
    for (const f of fs.readdirSync(d)) if (f.endsWith('.test.ts')) entries.push(path.join(d, f));
  }
  await build({
    entryPoints: entries,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    outdir: out,
    outbase: rel('tests'),
    outExtension: { '.js': '.mjs' },
    sourcemap: 'inline',
    define: { __API_BASE__: '"/api"' },
    logLevel: 'warning',
  });
}
