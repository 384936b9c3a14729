// The native files the server loads at run time, per VS Code target: better-sqlite3's addon,
// sqlite-vec's loadable extension and the ONNX runtime that runs the Silero VAD. esbuild.mjs fills
// dist/native/ with the host's; scripts/package.mjs stages each target's into its own VSIX.
// A file that is not installed is fetched from the npm registry with `npm pack`, checked against the
// lockfile's (or the pinned) integrity and cached in .cache/natives/; when it cannot be had the
// build stops and says which file, never ships a VSIX without it.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CACHE = join(ROOT, '.cache', 'natives');

/** The VS Code targets Parley is packaged for. */
export const TARGETS = ['linux-x64', 'linux-arm64', 'darwin-x64', 'darwin-arm64', 'win32-x64', 'win32-arm64'];

export function hostTarget() {
  return `${process.platform}-${process.arch}`;
}

const VEC_OS = { linux: 'linux', darwin: 'darwin', win32: 'windows' };
const VEC_SUFFIX = { linux: 'so', darwin: 'dylib', win32: 'dll' };

/**
 * sqlite-vec publishes no Windows ARM64 build (0.1.9 has none on npm). PhotoStructure's maintained
 * fork builds the same C sources for it with a static runtime (its DLL imports only KERNEL32, as
 * upstream's x64 DLL does), and answers Parley's vec0 table and queries like upstream on linux-x64.
 */
const VEC_FALLBACK = {
  'win32-arm64': {
    name: '@photostructure/sqlite-vec',
    version: '2.0.1',
    integrity: 'sha512-M2ZzNjuQM5bzpaMs0GpM20rWbhmJG6apCsXNpwKFKvG9/GrgCNOlv+/s2Jf1IRJHvRgWKqdXZRh0xueiG50Xwg==',
    file: 'dist/win32-arm64/vec0.dll',
  },
};

/**
 * What each ONNX Runtime addon links against (its ELF NEEDED, Mach-O LC_LOAD_DYLIB or PE import of
 * the runtime library). The package also holds a second copy of the macOS library under its full
 * version, and on Windows DirectML.dll, dxcompiler.dll and dxil.dll, which only the DirectML and
 * WebGPU execution providers load (onnxruntime.dll delay-loads DirectML.dll); the VAD uses the CPU
 * provider, so those 40–90 MB stay out.
 */
const ORT_LIBRARY = { linux: 'libonnxruntime.so.1', darwin: 'libonnxruntime.1.dylib', win32: 'onnxruntime.dll' };
/** onnxruntime-web's Node loader and the one WebAssembly build it uses with one thread. */
const ORT_WEB_FILES = ['ort-wasm-simd-threaded.mjs', 'ort-wasm-simd-threaded.wasm'];

// Parley's own dependencies, read where npm installs them (some export no package.json).
const packageDir = (name) => join(ROOT, 'node_modules', name);
const installedVersion = (name) => JSON.parse(readFileSync(join(packageDir(name), 'package.json'), 'utf8')).version;

function split(target) {
  const [platform, arch] = target.split('-');
  if (!TARGETS.includes(target)) throw new Error(`Parley is not packaged for ${target}; targets: ${TARGETS.join(', ')}.`);
  return { platform, arch };
}

/** better-sqlite3 ships its addon for every target in prebuilds/. */
function betterSqlite3(target) {
  const from = join(packageDir('better-sqlite3'), 'prebuilds', `${target}.node`);
  if (!existsSync(from)) throw new Error(`better-sqlite3 ${installedVersion('better-sqlite3')} has no prebuilt addon for ${target} (${from}).`);
  return [{ from, to: `better-sqlite3/${target}.node` }];
}

/** sqlite-vec's loadable extension: the installed platform package, else the same version fetched. */
function sqliteVec(target) {
  const { platform, arch } = split(target);
  const name = `sqlite-vec-${VEC_OS[platform]}-${arch}`;
  const to = `${name}/vec0.${VEC_SUFFIX[platform]}`;
  const version = installedVersion('sqlite-vec');
  const installed = join(ROOT, 'node_modules', name);
  if (existsSync(join(installed, 'package.json')) && JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')).version === version) {
    return [{ from: join(installed, `vec0.${VEC_SUFFIX[platform]}`), to }];
  }
  const fallback = VEC_FALLBACK[target];
  if (fallback) return [{ from: join(fetchPackage(fallback.name, fallback.version, fallback.integrity), fallback.file), to }];
  return [{ from: join(fetchPackage(name, version, lockfileIntegrity(name, version)), `vec0.${VEC_SUFFIX[platform]}`), to }];
}

/** onnxruntime-node's addon and runtime library where it builds them; onnxruntime-web's WebAssembly elsewhere. */
function onnxRuntime(target) {
  const { platform, arch } = split(target);
  const dir = join(packageDir('onnxruntime-node'), 'bin', 'napi-v6', platform, arch);
  if (existsSync(dir))
    return ['onnxruntime_binding.node', ORT_LIBRARY[platform]].map((file) => ({ from: join(dir, file), to: `onnxruntime/${target}/${file}` }));
  // ONNX Runtime stopped building for Intel Macs with 1.24 (onnxruntime-node 1.30 has no darwin/x64).
  const web = join(packageDir('onnxruntime-web'), 'dist');
  return ORT_WEB_FILES.map((file) => ({ from: join(web, file), to: `onnxruntime-web/${file}` }));
}

/**
 * whisper.cpp's CPU addon for the local recognizer (@fugood/node-whisper-<target>: index.node, and
 * on some targets the libraries beside it): the installed platform package, else the same version fetched.
 */
function whisper(target) {
  const name = `@fugood/node-whisper-${target}`;
  const version = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).optionalDependencies[name];
  if (!version) throw new Error(`package.json names no ${name} among its optionalDependencies.`);
  const installed = packageDir(name);
  const dir =
    existsSync(join(installed, 'package.json')) && installedVersion(name) === version
      ? installed
      : fetchPackage(name, version, lockfileIntegrity(name, version));
  const files = readdirSync(dir).filter((file) => file === 'index.node' || /\.(so|dylib|dll)(\.\d+)*$/.test(file));
  return files.map((file) => ({ from: join(dir, file), to: `whisper/${target}/${file}` }));
}

/** Whether a folder of dist/native holds one platform's files (the rest, the model and grammars, serve every platform). */
export function isPlatformFolder(name) {
  return /^(better-sqlite3|sqlite-vec-.+|onnxruntime|onnxruntime-web|whisper)$/.test(name);
}

/** Every platform-specific file of a target, as { from, to } with `to` relative to dist/native. */
export function targetFiles(target) {
  const files = [...betterSqlite3(target), ...sqliteVec(target), ...onnxRuntime(target), ...whisper(target)];
  const missing = files.filter((file) => !existsSync(file.from));
  if (missing.length > 0) throw new Error(`Files for ${target} are missing: ${missing.map((file) => file.from).join(', ')}.`);
  return files;
}

/** The integrity package-lock.json records for another platform's optional package. */
function lockfileIntegrity(name, version) {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8'));
  const entry = lock.packages?.[`node_modules/${name}`];
  if (!entry || entry.version !== version || !entry.integrity) {
    throw new Error(`package-lock.json records no integrity for ${name}@${version}; run npm install so the lockfile lists sqlite-vec's platform packages.`);
  }
  return entry.integrity;
}

function integrityOf(file, algorithm) {
  return `${algorithm}-${createHash(algorithm).update(readFileSync(file)).digest('base64')}`;
}

/**
 * `npm pack name@version` into .cache/natives/ (npm checks the tarball against the registry's
 * integrity), then the tarball is checked against the expected integrity and unpacked. A cached
 * tarball is checked again before each use. Returns the unpacked package folder.
 */
export function fetchPackage(name, version, integrity) {
  const base = `${name.replace('@', '').replace('/', '-')}-${version}`;
  const tarball = join(CACHE, `${base}.tgz`);
  const unpacked = join(CACHE, base);
  const algorithm = integrity.split('-')[0];
  if (!existsSync(tarball) || integrityOf(tarball, algorithm) !== integrity) {
    mkdirSync(CACHE, { recursive: true });
    rmSync(tarball, { force: true });
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    try {
      const [packed] = JSON.parse(
        execFileSync(npm, ['pack', `${name}@${version}`, '--json', '--pack-destination', CACHE], {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'pipe'],
          shell: process.platform === 'win32',
        }),
      );
      renameSync(join(CACHE, packed.filename), tarball);
    } catch (error) {
      throw new Error(`Could not fetch ${name}@${version} from the npm registry (needed for a VSIX): ${error.stderr?.toString().trim() || error.message}`, {
        cause: error,
      });
    }
    const actual = integrityOf(tarball, algorithm);
    if (actual !== integrity) {
      rmSync(tarball, { force: true });
      throw new Error(`${name}@${version} from the registry has integrity ${actual}, expected ${integrity}; not used.`);
    }
    rmSync(unpacked, { recursive: true, force: true });
  }
  if (!existsSync(unpacked)) {
    // Unpacked beside and renamed, so an interrupted run leaves no half-filled folder behind.
    const partial = `${unpacked}.partial`;
    rmSync(partial, { recursive: true, force: true });
    mkdirSync(partial, { recursive: true });
    execFileSync('tar', ['-xzf', tarball, '-C', partial, '--strip-components=1']);
    if (readdirSync(partial).length === 0) throw new Error(`${tarball} unpacked to nothing.`);
    renameSync(partial, unpacked);
  }
  return unpacked;
}
