/**
 * TypeScript and JavaScript module resolution as the compiler does it for a repository's own
 * files: relative paths with TypeScript's extension rules (`./a.js` means `./a.ts`), index files,
 * `paths` and `baseUrl` of the nearest tsconfig.json (with `extends`), and packages of the
 * workspace by their package.json name (`exports`, `types`, `main`, mapped back from a build
 * folder to the sources when the build is not in the tree). Anything else is an external package.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
// The ESM build: the UMD main loads its parts with a require() the bundler cannot follow.
import { parse } from 'jsonc-parser/lib/esm/main.js';

const SOURCE_EXTENSIONS = ['.ts', '.tsx', '.d.ts', '.js', '.jsx', '.mjs', '.cjs', '.mts', '.cts', '.d.mts', '.d.cts'];
/** An output extension written in a specifier, and the sources it may stand for, in TypeScript's order. */
const WRITTEN_EXTENSIONS: Record<string, string[]> = {
  '.js': ['.ts', '.tsx', '.d.ts', '.js', '.jsx'],
  '.jsx': ['.tsx', '.jsx', '.ts', '.d.ts'],
  '.mjs': ['.mts', '.d.mts', '.mjs'],
  '.cjs': ['.cts', '.d.cts', '.cjs'],
};
const CONDITIONS = new Set(['types', 'import', 'require', 'node', 'default', 'module', 'source', 'development']);
const BUILD_DIRS = /^(dist|lib|build|out|esm|cjs)(\/(esm|cjs|src))?\//;

interface TsConfig {
  /** Folder that `paths` targets are relative to. */
  pathsBase?: string;
  paths?: Record<string, string[]>;
  baseUrl?: string;
}

interface Package {
  dir: string;
  manifest: Record<string, unknown>;
}

export type Resolution = { file: string } | { external: string } | { unresolved: true };

function readJson(root: string, path: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = parse(readFileSync(join(root, path), 'utf8'), [], { allowTrailingComma: true });
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const dirOf = (path: string) => (posix.dirname(path) === '.' ? '' : posix.dirname(path));
const joined = (dir: string, path: string) => posix.normalize(dir ? `${dir}/${path}` : path).replace(/\/$/, '');

export class TsResolver {
  private readonly configs = new Map<string, TsConfig | undefined>();
  private readonly packages = new Map<string, Package>();

  constructor(
    private readonly root: string,
    private readonly files: Set<string>,
  ) {
    for (const path of files) {
      if (posix.basename(path) !== 'package.json') continue;
      const manifest = readJson(root, path);
      if (typeof manifest?.name === 'string' && !this.packages.has(manifest.name)) this.packages.set(manifest.name, { dir: dirOf(path), manifest });
    }
  }

  resolve(from: string, specifier: string): Resolution {
    if (specifier.startsWith('.') || specifier.startsWith('/')) {
      const base = specifier.startsWith('/') ? specifier.slice(1) : joined(dirOf(from), specifier);
      if (base.startsWith('..')) return { unresolved: true };
      const file = this.file(base);
      return file ? { file } : { unresolved: true };
    }
    const config = this.configOf(dirOf(from));
    const viaConfig = config && this.viaConfig(config, specifier);
    if (viaConfig) return { file: viaConfig };
    const viaPackage = this.viaPackage(specifier);
    if (viaPackage) return { file: viaPackage };
    const name = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!;
    return { external: name.replace(/^node:/, '') };
  }

  /** A file for a path as written: itself, with TypeScript's extension substitutions, or its index file. */
  private file(base: string): string | undefined {
    const written = posix.extname(base);
    const stem = base.slice(0, base.length - written.length);
    for (const extension of WRITTEN_EXTENSIONS[written] ?? []) if (this.files.has(stem + extension)) return stem + extension;
    if (written && this.files.has(base) && SOURCE_EXTENSIONS.some((extension) => base.endsWith(extension))) return base;
    for (const extension of SOURCE_EXTENSIONS) if (this.files.has(base + extension)) return base + extension;
    for (const extension of SOURCE_EXTENSIONS) if (this.files.has(`${base}/index${extension}`)) return `${base}/index${extension}`;
    return undefined;
  }

  private viaConfig(config: TsConfig, specifier: string): string | undefined {
    let best: { prefix: string; suffix: string; targets: string[] } | undefined;
    for (const [pattern, targets] of Object.entries(config.paths ?? {})) {
      const star = pattern.indexOf('*');
      const [prefix, suffix] = star < 0 ? [pattern, ''] : [pattern.slice(0, star), pattern.slice(star + 1)];
      const matches =
        star < 0 ? specifier === pattern : specifier.startsWith(prefix) && specifier.endsWith(suffix) && specifier.length >= prefix.length + suffix.length;
      if (matches && (!best || prefix.length > best.prefix.length)) best = { prefix, suffix, targets };
    }
    if (best) {
      const middle = specifier.slice(best.prefix.length, specifier.length - best.suffix.length);
      for (const target of best.targets) {
        const file = this.file(joined(config.pathsBase ?? '', target.replace('*', middle)));
        if (file) return file;
      }
    }
    return config.baseUrl !== undefined ? this.file(joined(config.baseUrl, specifier)) : undefined;
  }

  private viaPackage(specifier: string): string | undefined {
    for (const [name, pkg] of this.packages) {
      if (specifier !== name && !specifier.startsWith(`${name}/`)) continue;
      const subpath = `.${specifier.slice(name.length)}`;
      const targets = [...exportTargets(pkg.manifest.exports, subpath)];
      if (subpath === '.') targets.push(...['types', 'typings', 'module', 'main'].map((field) => pkg.manifest[field]).filter((v) => typeof v === 'string'));
      else targets.push(subpath);
      targets.push(...(subpath === '.' ? ['src/index', 'index'] : [`src/${subpath.slice(2)}`]));
      for (const target of targets) {
        const relativeTarget = posix.normalize(target).replace(/^\.\//, '');
        const file =
          this.file(joined(pkg.dir, relativeTarget)) ??
          this.file(joined(pkg.dir, relativeTarget.replace(BUILD_DIRS, 'src/').replace(/\.d\.(m|c)?ts$/, '.$1js')));
        if (file) return file;
      }
    }
    return undefined;
  }

  /** The nearest tsconfig.json or jsconfig.json at or above `dir`, with what it extends merged in. */
  private configOf(dir: string): TsConfig | undefined {
    if (this.configs.has(dir)) return this.configs.get(dir);
    const own = ['tsconfig.json', 'jsconfig.json'].map((name) => joined(dir, name)).find((path) => existsSync(join(this.root, path)));
    const config = own ? this.load(own, 0) : dir === '' ? undefined : this.configOf(dirOf(dir));
    this.configs.set(dir, config);
    return config;
  }

  private load(path: string, depth: number): TsConfig {
    const json = readJson(this.root, path) ?? {};
    const dir = dirOf(path);
    const extended = ([] as unknown[]).concat(json.extends ?? []).filter((value): value is string => typeof value === 'string' && value.startsWith('.'));
    const base: TsConfig = {};
    for (const parent of extended) {
      const file = joined(dir, parent.endsWith('.json') ? parent : `${parent}.json`);
      if (depth < 8 && existsSync(join(this.root, file))) Object.assign(base, this.load(file, depth + 1));
    }
    const options = (json.compilerOptions ?? {}) as { baseUrl?: string; paths?: Record<string, string[]> };
    if (typeof options.baseUrl === 'string') base.baseUrl = joined(dir, options.baseUrl);
    if (options.paths && typeof options.paths === 'object') {
      base.paths = options.paths;
      base.pathsBase = typeof options.baseUrl === 'string' ? base.baseUrl : dir;
    } else if (base.paths && typeof options.baseUrl === 'string') base.pathsBase = base.baseUrl;
    return base;
  }
}

/** The targets a package's `exports` gives a subpath, in the order Node tries its conditions. */
function exportTargets(exports: unknown, subpath: string): string[] {
  if (exports === undefined || exports === null) return [];
  if (typeof exports === 'string' || Array.isArray(exports)) return subpath === '.' ? conditionTargets(exports) : [];
  const entries = Object.entries(exports as Record<string, unknown>);
  if (!entries.some(([key]) => key.startsWith('.'))) return subpath === '.' ? conditionTargets(exports) : [];
  const exact = entries.find(([key]) => key === subpath);
  if (exact) return conditionTargets(exact[1]);
  for (const [key, value] of entries) {
    const star = key.indexOf('*');
    if (star < 0 || !subpath.startsWith(key.slice(0, star)) || !subpath.endsWith(key.slice(star + 1))) continue;
    const middle = subpath.slice(star, subpath.length - (key.length - star - 1));
    return conditionTargets(value).map((target) => target.replace('*', middle));
  }
  return [];
}

function conditionTargets(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(conditionTargets);
  if (!value || typeof value !== 'object') return [];
  return Object.entries(value as Record<string, unknown>).flatMap(([condition, target]) => (CONDITIONS.has(condition) ? conditionTargets(target) : []));
}
