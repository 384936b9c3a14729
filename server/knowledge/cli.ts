/**
 * `parley kb index|search|stats`: the knowledge base headless, on a database file of the user's
 * choosing, for scripts and benchmarks. The embedder follows PARLEY_EMBEDDINGS (default builtin).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { KbPassage, Visibility } from '../../protocol/knowledge';
import { VISIBILITY_LEVELS } from '../../protocol/knowledge';
import { stderrLogger, type Logger } from '../log';
import { Keys } from '../providers/keys';
import { settingsFromEnv } from '../settings';
import { openDatabase } from '../storage/database';
import { KNOWLEDGE_MIGRATIONS } from '../storage/migrations';
import { createEmbedder } from './embed';
import { KnowledgeBase } from './knowledgeBase';
import type { SearchMode } from './search';

export const KB_USAGE = `  kb index <folder|file> [--db <file>] [--json]
                                      add notes to the knowledge base (re-running syncs them)
  kb search "<query>" [--db <file>] [--k 10] [--json] [--tag <t>] [--visibility shared,public]
  kb search --queries <file> ...      one query per line; prints one JSON array per line
  kb stats [--db <file>] [--json]     documents, passages, embedder, sources`;

export class KbUsageError extends Error {}

const OPTIONS = {
  db: { type: 'string' },
  json: { type: 'boolean' },
  k: { type: 'string' },
  queries: { type: 'string' },
  tag: { type: 'string' },
  visibility: { type: 'string' },
  mode: { type: 'string' },
  storage: { type: 'string' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

export async function kbCommand(args: string[], env: NodeJS.ProcessEnv, defaultDb: string, nativeDir: string): Promise<string> {
  const [sub, ...rest] = args;
  const { values, positionals } = parseArgs({ args: rest, options: OPTIONS, allowPositionals: true, strict: true });
  const log = stderrLogger(env.PARLEY_LOG === 'info' ? 'info' : 'warn');
  const file = values.db ?? defaultDb;
  switch (sub) {
    case 'index':
      return withKnowledgeBase(file, env, nativeDir, log, (kb) => index(kb, positionals, values));
    case 'search':
      return withKnowledgeBase(file, env, nativeDir, log, (kb) => search(kb, positionals, values));
    case 'stats':
      return withKnowledgeBase(file, env, nativeDir, log, (kb) => stats(kb, values));
    default:
      throw new KbUsageError(sub ? `Unknown kb command "${sub}".` : 'kb needs a command: index, search or stats.');
  }
}

async function withKnowledgeBase(
  file: string,
  env: NodeJS.ProcessEnv,
  nativeDir: string,
  log: Logger,
  use: (kb: KnowledgeBase) => Promise<string>,
): Promise<string> {
  const { db } = openDatabase({ file, migrations: KNOWLEDGE_MIGRATIONS, nativeDir, log, label: 'knowledge base' });
  try {
    const embedder = await createEmbedder(settingsFromEnv(env, log).embeddings, { keys: new Keys(env), log, nativeDir });
    const kb = new KnowledgeBase({ db, file, embedder, log, notesDir: join(file, '..', 'notes') });
    try {
      return await use(kb);
    } finally {
      kb.dispose();
    }
  } finally {
    db.close();
  }
}

async function index(kb: KnowledgeBase, positionals: string[], values: Values): Promise<string> {
  const [path] = positionals;
  if (!path || positionals.length > 1) throw new KbUsageError('kb index needs one folder or file.');
  const result = await kb.add(path);
  const { documents, chunks, embedded } = kb.stats();
  const summary = { ...result, skipped: result.skipped.length, documents, chunks, embeddedTotal: embedded, embedder: kb.embedder.id };
  if (values.json) return JSON.stringify(summary, null, 2);
  const lines = [
    `Indexed ${result.indexed} notes (${result.unchanged} unchanged, ${result.removed} removed, ${result.skipped.length} skipped) in ${Math.round(result.elapsedMs)} ms.`,
    `The knowledge base holds ${documents} documents, ${chunks} passages, ${embedded} with vectors (${kb.embedder.id}).`,
    ...(result.embeddingError ? [`Embedding failed: ${result.embeddingError}`] : []),
  ];
  return lines.join('\n');
}

function searchArgs(values: Values): { k: number; visibility?: Visibility[]; tag?: string; mode: SearchMode } {
  const k = values.k === undefined ? 10 : Number(values.k);
  if (!Number.isInteger(k) || k < 1 || k > 1000) throw new KbUsageError(`--k must be a whole number from 1 to 1000, not "${values.k}".`);
  const visibility = values.visibility?.split(',').map((v) => v.trim()) as Visibility[] | undefined;
  const unknown = visibility?.find((v) => !VISIBILITY_LEVELS.includes(v));
  if (unknown !== undefined) throw new KbUsageError(`--visibility takes ${VISIBILITY_LEVELS.join(', ')}; "${unknown}" is not one.`);
  const mode = (values.mode ?? 'hybrid') as SearchMode;
  if (!['hybrid', 'bm25', 'vector'].includes(mode)) throw new KbUsageError(`--mode is hybrid, bm25 or vector, not "${values.mode}".`);
  return { k, visibility, tag: values.tag, mode };
}

function briefly(passages: KbPassage[]): { path: string; heading: string; score: number; snippet: string }[] {
  return passages.map((p) => ({ path: p.relPath, heading: p.heading, score: Number(p.score.toFixed(6)), snippet: p.snippet }));
}

async function search(kb: KnowledgeBase, positionals: string[], values: Values): Promise<string> {
  const { k, visibility, tag, mode } = searchArgs(values);
  const run = async (query: string) => briefly(await kb.search({ query, k, mode, filters: { visibility, tag } }));
  if (values.queries) {
    if (positionals.length > 0) throw new KbUsageError('kb search takes a query or --queries <file>, not both.');
    // Every line gets an answer line, a blank one too ([]), so line n of the output answers line n.
    const queries = (await readFile(values.queries, 'utf8')).replace(/\r?\n$/, '').split(/\r?\n/);
    const lines: string[] = [];
    for (const query of queries) lines.push(JSON.stringify(await run(query)));
    return lines.join('\n');
  }
  const query = positionals.join(' ').trim();
  if (!query) throw new KbUsageError('kb search needs a query.');
  const results = await run(query);
  if (values.json) return JSON.stringify(results, null, 2);
  if (results.length === 0) return 'No passages match.';
  return results.map((r, i) => `${i + 1}. ${r.path}${r.heading ? ` › ${r.heading}` : ''}  (${r.score.toFixed(4)})\n   ${r.snippet}`).join('\n');
}

async function stats(kb: KnowledgeBase, values: Values): Promise<string> {
  const s = kb.stats();
  if (values.json) return JSON.stringify(s, null, 2);
  const when = s.lastSyncAt ? new Date(s.lastSyncAt).toISOString() : 'never';
  return [
    `${s.documents} documents, ${s.chunks} passages (${s.embedded} with vectors), embedder ${s.embedder}, last sync ${when}`,
    `visibility: ${s.byVisibility.private} private, ${s.byVisibility.shared} shared, ${s.byVisibility.public} public; ${s.votes} votes, ${s.corrections} corrections`,
    ...s.sources.map((source) => `${source.kind.padEnd(6)} ${source.path} (${source.documents} documents)`),
    `database: ${s.database}`,
  ].join('\n');
}
