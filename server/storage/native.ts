/**
 * Where the native pieces live. In the packaged extension esbuild copies them next to the server
 * bundle (dist/native/…); from a source checkout they are found in node_modules. Keeping the
 * lookup in one place lets the VSIX ship only these files instead of whole packages.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const PREBUILD_PLATFORMS: Record<string, string> = { linux: 'linux', darwin: 'darwin', win32: 'win32' };
const VEC_PLATFORMS: Record<string, string> = { linux: 'linux', darwin: 'darwin', win32: 'windows' };
const VEC_SUFFIX: Record<string, string> = { linux: 'so', darwin: 'dylib', win32: 'dll' };

function isMusl(): boolean {
  if (process.platform !== 'linux') return false;
  const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
  return !report?.header?.glibcVersionRuntime;
}

function platformTag(): string {
  const os = PREBUILD_PLATFORMS[process.platform];
  if (!os) throw new Error(`Parley's storage does not support ${process.platform}-${process.arch}.`);
  return `${isMusl() ? 'linuxmusl' : os}-${process.arch}`;
}

/** The better-sqlite3 addon for this platform. */
export function sqliteAddonPath(nativeDir: string): string {
  const bundled = join(nativeDir, 'better-sqlite3', `${platformTag()}.node`);
  if (existsSync(bundled)) return bundled;
  return join(require.resolve('better-sqlite3/package.json'), '..', 'prebuilds', `${platformTag()}.node`);
}

/** sqlite-vec's loadable extension for this platform. */
export function sqliteVecPath(nativeDir: string): string {
  const os = VEC_PLATFORMS[process.platform];
  const suffix = VEC_SUFFIX[process.platform];
  if (!os || !suffix) throw new Error(`sqlite-vec has no build for ${process.platform}-${process.arch}.`);
  const name = `sqlite-vec-${os}-${process.arch}`;
  const bundled = join(nativeDir, name, `vec0.${suffix}`);
  if (existsSync(bundled)) return bundled;
  return require.resolve(`${name}/vec0.${suffix}`);
}
