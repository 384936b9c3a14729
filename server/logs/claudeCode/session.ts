/**
 * A Claude Code session analysed from its transcript and the sub-agent transcripts written beside
 * it, streamed line by line with progress, tolerant of every kind of bad line.
 */
import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { ClaudeSessionAnalysis } from '../../../protocol/logs';
import type { PriceTable } from '../../../protocol/pricing';
import { DEFAULT_PRICES } from '../../pricing';
import { readLines } from '../lines';
import { TranscriptAnalyzer } from './analyzer';
import { asObject, asString } from './records';

export interface AnalyzeOptions {
  prices?: PriceTable;
  /** Lines longer than this are counted as skipped, not parsed (default 64 MiB). */
  maxLineBytes?: number;
  signal?: AbortSignal;
  /** Bytes read so far of all the files, and their total. */
  onProgress?: (bytes: number, total: number) => void;
}

const DEFAULT_MAX_LINE_BYTES = 64 * 1024 * 1024;

export async function analyzeClaudeSession(file: string, options: AnalyzeOptions = {}): Promise<ClaudeSessionAnalysis> {
  const analyzer = new TranscriptAnalyzer(options.prices ?? DEFAULT_PRICES);
  const mainSize = await sizeOf(file);
  const files = await transcriptFiles(file, options);
  const sizes = [mainSize, ...(await Promise.all(files.slice(1).map((entry) => sizeOf(entry.file))))];
  const total = sizes.reduce((sum, size) => sum + size, 0);
  let done = 0;
  for (const [i, entry] of files.entries()) {
    analyzer.beginFile(entry.file, entry.agentId);
    await readInto(analyzer, entry.file, options, (bytes) => options.onProgress?.(done + bytes, total));
    done += sizes[i]!;
    analyzer.addBytes(sizes[i]!);
  }
  return analyzer.finish();
}

/** The session's transcript, then its sub-agents' beside it. */
export async function transcriptFiles(file: string, options: { signal?: AbortSignal } = {}): Promise<{ file: string; agentId?: string }[]> {
  return [{ file }, ...(await subagentFiles(file, options))];
}

export async function sizeOf(file: string): Promise<number> {
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new Error('it is not a file');
    return info.size;
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new Error(`Cannot read the transcript ${file}: ${reason}.`);
  }
}

async function readInto(analyzer: TranscriptAnalyzer, file: string, options: AnalyzeOptions, onProgress: (bytes: number) => void): Promise<void> {
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  for await (const line of readLines(file, { maxLineBytes, signal: options.signal, onProgress })) {
    if (line.text === undefined) {
      analyzer.skip(line.number, `longer than ${maxLineBytes} bytes`);
      continue;
    }
    if (line.text.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line.text);
    } catch {
      analyzer.skip(line.number, line.unterminated ? 'cut off at the end of the file (still being written?)' : 'not JSON', line.unterminated);
      continue;
    }
    analyzer.add(value, line.number);
  }
}

/**
 * Sub-agents' transcripts: `<session>/subagents/*.jsonl` beside the session's file (newer Claude
 * Code), or `agent-*.jsonl` in the same folder whose records carry this session's id (older).
 */
async function subagentFiles(file: string, options: { signal?: AbortSignal }): Promise<{ file: string; agentId?: string }[]> {
  if (basename(file).startsWith('agent-')) return [];
  const nested = join(dirname(file), basename(file, '.jsonl'), 'subagents');
  const found = (await jsonlIn(nested)).map((name) => join(nested, name));
  const sessionId = await firstSessionId(file, options);
  if (sessionId) {
    for (const name of await jsonlIn(dirname(file))) {
      if (name.startsWith('agent-') && (await firstSessionId(join(dirname(file), name), options)) === sessionId) found.push(join(dirname(file), name));
    }
  }
  return found.sort().map((path) => ({ file: path, agentId: /agent-([^.]+)\.jsonl$/.exec(path)?.[1] }));
}

async function jsonlIn(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((name) => name.endsWith('.jsonl'));
  } catch {
    return [];
  }
}

/** The `sessionId` of the first record that has one, from the file's first lines. */
async function firstSessionId(file: string, options: { signal?: AbortSignal } = {}): Promise<string | undefined> {
  let lines = 0;
  for await (const line of readLines(file, { maxLineBytes: 1 << 20, signal: options.signal })) {
    if (++lines > 50) break;
    try {
      const id = asString(asObject(JSON.parse(line.text ?? ''))?.sessionId);
      if (id) return id;
    } catch {
      // Not a record; the next line may be.
    }
  }
  return undefined;
}
