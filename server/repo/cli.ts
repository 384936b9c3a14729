/**
 * `parley repomap <dir> [--tokens N] [--json] [--focus file,...]`: the ranked map of a repository
 * as the LLM sees it. Symbols are cached per repository in the user's cache folder, so a second
 * run parses only what changed.
 */
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { parseArgs } from 'node:util';
import { RepoIndex } from './index';
import type { RepoMap } from './repomap';

export const REPOMAP_USAGE = 'parley repomap <dir> [--tokens N] [--json] [--focus file,...] [--exclude glob,...] [--cache <file> | --no-cache]';
const DEFAULT_TOKENS = 1024;

interface RepomapArgs {
  root: string;
  tokens: number;
  json: boolean;
  focus: string[];
  exclude: string[];
  cacheFile: string | undefined;
}

function list(value: string | boolean | undefined): string[] {
  return typeof value === 'string'
    ? value
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean)
    : [];
}

/** Where `parley repomap` and `parley voice` keep a folder's symbol cache. */
export function defaultCacheFile(root: string, env: NodeJS.ProcessEnv): string {
  const base = env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'parley', 'repomap', `${createHash('sha1').update(root).digest('hex').slice(0, 16)}.json`);
}

function parseTokens(value: string | undefined): number {
  if (value === undefined) return DEFAULT_TOKENS;
  const tokens = Number(value);
  if (!Number.isInteger(tokens) || tokens <= 0) throw new Error(`parley repomap: --tokens must be a positive whole number, not "${value}".`);
  return tokens;
}

function existingFolder(dir: string | undefined): string {
  if (!dir) throw new Error(`parley repomap: which folder? Usage: ${REPOMAP_USAGE}`);
  const root = resolve(dir);
  if (!statSync(root, { throwIfNoEntry: false })?.isDirectory()) throw new Error(`parley repomap: ${dir} is not a folder.`);
  return root;
}

/** A focus path as the index names files: relative to the root, forward slashes. */
function inRoot(root: string, path: string): string {
  return relative(root, isAbsolute(path) ? path : resolve(root, path))
    .split(sep)
    .join('/');
}

export function parseRepomapArgs(args: string[], env: NodeJS.ProcessEnv = process.env): RepomapArgs {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      tokens: { type: 'string' },
      json: { type: 'boolean' },
      focus: { type: 'string' },
      exclude: { type: 'string' },
      cache: { type: 'string' },
      'no-cache': { type: 'boolean' },
    },
  });
  if (positionals.length > 1) throw new Error(`parley repomap: one folder at a time. Usage: ${REPOMAP_USAGE}`);
  const root = existingFolder(positionals[0]);
  const cacheFile = values['no-cache'] ? undefined : (values.cache ?? defaultCacheFile(root, env));
  return {
    root,
    tokens: parseTokens(values.tokens),
    json: values.json === true,
    focus: list(values.focus).map((path) => inRoot(root, path)),
    exclude: list(values.exclude),
    cacheFile,
  };
}

function asJson(map: RepoMap, extra: Record<string, number>): string {
  const files = map.files.map(({ path, rank, symbols }) => ({
    path,
    rank,
    symbols: symbols.map(({ name, kind, line, signature }) => ({ name, kind, line, signature })),
  }));
  return JSON.stringify({ files, stats: { ...map.stats, tokens: map.tokens, ...extra } }, null, 2);
}

/** Runs `parley repomap`; returns what to print. Bad input throws an Error with a one-line message. */
export async function repomapCommand(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<string> {
  let options: RepomapArgs;
  try {
    options = parseRepomapArgs(args, env);
  } catch (error) {
    throw error instanceof TypeError ? new Error(`parley repomap: ${error.message.split('\n')[0]} Usage: ${REPOMAP_USAGE}`) : error;
  }
  const started = performance.now();
  const index = new RepoIndex(options.root, { exclude: options.exclude, cacheFile: options.cacheFile, nativeDir: join(__dirname, 'native') });
  try {
    const refresh = await index.refresh();
    const map = index.map({ tokens: options.tokens, focus: options.focus });
    if (!options.json) return map.text;
    return asJson(map, {
      parsed: refresh.parsed,
      failed: refresh.failed.length,
      skipped: index.scan().skipped.length,
      ms: Math.round(performance.now() - started),
    });
  } finally {
    await index.dispose();
  }
}
