/**
 * `parley review <dir> [--json] [--static-only]`: the repository review from the command line.
 * JSON has the summary and the ranked findings with paths relative to <dir>; without --json the
 * Markdown report is printed, its links relative to <dir>. The model comes from PARLEY_LLM and
 * the vendors' key variables, as for every command.
 */
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { stderrLogger } from '../../log';
import { Keys } from '../../providers/keys';
import { ProviderRegistry } from '../../providers/registry';
import { settingsFromEnv } from '../../settings';
import { RepoIndex } from '../index';
import { Dismissals } from './dismissals';
import { DEFAULT_MAX_MODULES, runReview, withDismissed } from './review';

export const REVIEW_USAGE =
  'parley review <dir> [--json] [--static-only] [--exclude glob,...] [--max-modules N] [--no-cache] [--dismiss <finding id>] [--restore-dismissed]';

const CLI_CONFIGURE_HINT =
  'On the command line: set ANTHROPIC_API_KEY or OPENAI_API_KEY (with PARLEY_LLM=openai), or PARLEY_LLM=openai-compatible with PARLEY_LLM_BASE_URL and PARLEY_LLM_MODEL for a local server.';

/** Bad arguments: the command line exits with 2. */
export class ReviewUsageError extends Error {}

interface ReviewArgs {
  root: string;
  json: boolean;
  staticOnly: boolean;
  exclude: string[];
  maxModules: number;
  cache: boolean;
  dismiss?: string;
  restoreDismissed: boolean;
}

function parse(args: string[]): ReviewArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        json: { type: 'boolean' },
        'static-only': { type: 'boolean' },
        exclude: { type: 'string' },
        'max-modules': { type: 'string' },
        'no-cache': { type: 'boolean' },
        dismiss: { type: 'string' },
        'restore-dismissed': { type: 'boolean' },
      },
    });
  } catch (error) {
    throw new ReviewUsageError(`parley review: ${(error as Error).message.split('\n')[0]!.split('. ')[0]!.replace(/\.?$/, '.')} Usage: ${REVIEW_USAGE}`);
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1)
    throw new ReviewUsageError(`parley review: ${positionals.length ? 'one folder at a time' : 'which folder?'} Usage: ${REVIEW_USAGE}`);
  const root = resolve(positionals[0]!);
  if (!statSync(root, { throwIfNoEntry: false })?.isDirectory()) throw new Error(`parley review: ${positionals[0]} is not a folder.`);
  const maxModules = values['max-modules'] === undefined ? DEFAULT_MAX_MODULES : Number(values['max-modules']);
  if (!Number.isInteger(maxModules) || maxModules < 1)
    throw new ReviewUsageError(`parley review: --max-modules must be a positive whole number, not "${values['max-modules']}".`);
  return {
    root,
    json: values.json === true,
    staticOnly: values['static-only'] === true,
    exclude: (values.exclude ?? '')
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean),
    maxModules,
    cache: values['no-cache'] !== true,
    ...(values.dismiss !== undefined ? { dismiss: values.dismiss } : {}),
    restoreDismissed: values['restore-dismissed'] === true,
  };
}

function cacheHome(env: NodeJS.ProcessEnv): string {
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'parley');
}

/** Runs `parley review`; returns what to print. Bad input throws with a one-line message. */
export async function reviewCommand(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const options = parse(args);
  const log = stderrLogger(env.PARLEY_LOG === 'info' ? 'info' : 'warn');
  const settings = settingsFromEnv(env, log);
  const exclude = options.exclude.length ? options.exclude : settings.review.exclude;
  const cache = cacheHome(env);
  // The same symbol cache as `parley repomap`, so either command warms it for the other.
  const cacheFile = options.cache ? join(cache, 'repomap', `${createHash('sha1').update(options.root).digest('hex').slice(0, 16)}.json`) : undefined;
  const index = new RepoIndex(options.root, { exclude, cacheFile, nativeDir: join(__dirname, 'native') });
  // Dismissed findings live with the review cache, per repository, as the editor keeps them in its storage.
  const dismissals = new Dismissals(join(cache, 'review'), (message) => log.warn(message));
  if (options.restoreDismissed) log.warn(`Restored ${dismissals.restore(options.root)} dismissed findings of ${options.root}.`);
  try {
    let result = await runReview({
      index,
      settings: { ...settings, review: { exclude } },
      providers: new ProviderRegistry(new Keys(env), log),
      log,
      staticOnly: options.staticOnly,
      ...(options.cache ? { cacheDir: join(cache, 'review') } : {}),
      linkBase: { dir: options.root },
      configureHint: CLI_CONFIGURE_HINT,
      maxModules: options.maxModules,
      dismissed: dismissals.ids(options.root),
    });
    if (options.dismiss !== undefined) {
      const dismissed = result.findings.find((finding) => finding.id === options.dismiss);
      if (!dismissed)
        throw new ReviewUsageError(`parley review: no finding ${options.dismiss} in this review of ${options.root} (the ids are in --json and in the report).`);
      dismissals.dismiss(options.root, dismissed);
      result = withDismissed(result, dismissals.ids(options.root), { dir: options.root });
    }
    if (!options.json) return result.markdown.trimEnd();
    const findings = result.findings.map(({ id, file, line, severity, title, message, certainty }) => ({
      id,
      file,
      line,
      severity,
      title,
      message,
      ...(certainty ? { certainty } : {}),
    }));
    return JSON.stringify({ summary: result.summary, findings }, null, 2);
  } finally {
    await index.dispose();
  }
}
