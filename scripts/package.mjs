// `npm run package [-- <target>…]`: one VSIX per VS Code target, dist/parley-<target>.vsix, each
// with only that platform's native files (scripts/natives.mjs), and dist/parley.vsix, a copy of
// this machine's, which the end-to-end tests and benchmarks install. With no target named it builds
// all of them.
//
// The bundles are built once; each target is staged in .cache/vsix/<target>/ (the manifest, the
// README, media/, dist/ with that target's dist/native/) and packed from there with the repository's
// .vscodeignore. Packing from a small folder also spares vsce walking the whole checkout (.git,
// code-server in .cache/), and the six archives are compressed at the same time.
import { createVSIX } from '@vscode/vsce';
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hostTarget, isPlatformFolder, TARGETS, targetFiles } from './natives.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const STAGE = join(ROOT, '.cache', 'vsix');
const DIST = join(ROOT, 'dist');
/** What the VSIX is made of besides dist/; .vscodeignore then lets in only what runs. */
const TOP_LEVEL = ['package.json', 'README.md', 'LICENSE.md', '.vscodeignore', 'media'];

const targets = process.argv.slice(2).length > 0 ? process.argv.slice(2) : TARGETS;
const unknown = targets.filter((target) => !TARGETS.includes(target));
if (unknown.length > 0) {
  console.error(`package: unknown target ${unknown.join(', ')}; known: ${TARGETS.join(', ')}`);
  process.exit(2);
}

/** A copy of the checkout's extension files with the target's native files in dist/native/. */
function stage(target, files) {
  const dir = join(STAGE, target);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const name of TOP_LEVEL) cpSync(join(ROOT, name), join(dir, name), { recursive: true });
  cpSync(DIST, join(dir, 'dist'), {
    recursive: true,
    // The host's native files and earlier VSIXes stay behind; the shared ones (model, grammars) come along.
    filter: (source) => !source.endsWith('.vsix') && !(dirname(source) === join(DIST, 'native') && isPlatformFolder(source.split(/[\\/]/).pop())),
  });
  for (const { from, to } of files) {
    mkdirSync(dirname(join(dir, 'dist', 'native', to)), { recursive: true });
    copyFileSync(from, join(dir, 'dist', 'native', to));
  }
  return dir;
}

async function pack(target, files) {
  const packagePath = join(DIST, `parley-${target}.vsix`);
  rmSync(packagePath, { force: true });
  await createVSIX({ cwd: stage(target, files), target, packagePath, dependencies: false, allowMissingRepository: true, rewriteRelativeLinks: false });
  return packagePath;
}

/** Every target's files, gathered (and fetched) before any VSIX is written; a missing one stops the build. */
function allTargetFiles() {
  try {
    return new Map(targets.map((target) => [target, targetFiles(target)]));
  } catch (error) {
    console.error(`package: ${error.message}`);
    process.exit(1);
  }
}

const started = performance.now();
execFileSync(process.execPath, [join(ROOT, 'esbuild.mjs'), '--production'], { cwd: ROOT, stdio: 'inherit' });
const files = allTargetFiles();
const built = await Promise.all(targets.map((target) => pack(target, files.get(target))));
if (targets.includes(hostTarget())) copyFileSync(join(DIST, `parley-${hostTarget()}.vsix`), join(DIST, 'parley.vsix'));
rmSync(STAGE, { recursive: true, force: true });
for (const path of built) console.log(`${path.slice(ROOT.length + 1)}: ${(statSync(path).size / 1024 / 1024).toFixed(1)} MB`);
console.log(
  `Packaged ${built.length} VSIX${built.length === 1 ? '' : 'es'} in ${((performance.now() - started) / 1000).toFixed(1)} s${targets.includes(hostTarget()) ? `; dist/parley.vsix is ${hostTarget()}'s` : ''}.`,
);
