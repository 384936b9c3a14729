/**
 * Downloads a speech model when the user asks (Parley: Download Speech Model), into
 * `<models folder>/<file>.part`, resuming a part left by an interrupted or cancelled download with
 * an HTTP Range request (a source that ignores the range sends the whole file again, and the part
 * starts over). Only a file whose SHA-1 is the one published for the model is renamed to its own
 * name, which is what makes it installed (models.ts); a file that does not match is deleted.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { errorMessage } from '../../../log';
import type { SpeechModelEntry } from './models';

export interface DownloadProgress {
  phase: 'downloading' | 'verifying';
  /** Bytes of the file on disk so far (a resumed download starts at what was kept). */
  received: number;
  /** The file's size, once the source has said it. */
  total?: number;
}

export interface DownloadOptions {
  dir: string;
  /** The address the files are under (DEFAULT_MODEL_SOURCE, or a mirror). */
  source: string;
  signal?: AbortSignal;
  onProgress?: (progress: DownloadProgress) => void;
  /** Connections dropped mid-file that are resumed before the download gives up (default 3). */
  resumes?: number;
  /** A source that sends nothing for this long has dropped the connection (default 30 s). */
  idleMs?: number;
}

/** Why a download did not end with an installed model; the message says what to do. */
export class DownloadError extends Error {
  override readonly name = 'DownloadError';
  constructor(
    message: string,
    readonly kind: 'cancelled' | 'interrupted' | 'checksum' | 'source' | 'busy',
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

const downloading = new Set<string>();
const MIB = 1024 * 1024;
const PROGRESS_EVERY_MS = 200;

/** Downloads `entry` and returns the path of the installed, verified file. */
export async function downloadModel(entry: SpeechModelEntry, options: DownloadOptions): Promise<string> {
  const target = join(options.dir, entry.file);
  if (downloading.has(target)) throw new DownloadError(`${entry.name} is already being downloaded.`, 'busy');
  downloading.add(target);
  try {
    await mkdir(options.dir, { recursive: true });
    const part = `${target}.part`;
    const url = `${options.source.replace(/\/+$/, '')}/${entry.file}`;
    const total = await fetchInto(part, url, entry, options);
    options.onProgress?.({ phase: 'verifying', received: total, total });
    const sha1 = await fileSha1(part, options.signal).catch(async (error: unknown) => {
      throw options.signal?.aborted ? cancelled(entry, await sizeOf(part)) : error;
    });
    if (sha1 !== entry.sha1) {
      await rm(part, { force: true });
      throw new DownloadError(
        `The downloaded ${entry.file} is not the published file (SHA-1 ${sha1}, expected ${entry.sha1}), so it was deleted. Download it again; if this happens again, the source (${options.source}) serves another file.`,
        'checksum',
      );
    }
    await rename(part, target);
    return target;
  } finally {
    downloading.delete(target);
  }
}

/** Fetches `url` into `part`, resuming what is there; resolves with the file's size. */
async function fetchInto(part: string, url: string, entry: SpeechModelEntry, options: DownloadOptions): Promise<number> {
  let resumesLeft = options.resumes ?? 3;
  for (;;) {
    const kept = await sizeOf(part);
    try {
      return await fetchOnce(part, url, kept, options);
    } catch (error) {
      if (error instanceof DownloadError) throw error;
      if (options.signal?.aborted) throw cancelled(entry, await sizeOf(part));
      if (resumesLeft-- > 0) continue;
      const now = await sizeOf(part);
      throw new DownloadError(
        `The download of ${entry.name} stopped at ${mib(now)} (${errorMessage(error)}). What arrived is kept: run Parley: Download Speech Model again to resume from there.`,
        'interrupted',
        { cause: error },
      );
    }
  }
}

async function fetchOnce(part: string, url: string, kept: number, options: DownloadOptions): Promise<number> {
  const idle = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, idle.signal]) : idle.signal;
  const idleMs = options.idleMs ?? 30_000;
  let timer = setTimeout(() => idle.abort(new Error(`nothing arrived for ${idleMs / 1000} s`)), idleMs);
  const stillAlive = () => {
    clearTimeout(timer);
    timer = setTimeout(() => idle.abort(new Error(`nothing arrived for ${idleMs / 1000} s`)), idleMs);
  };
  try {
    const response = await fetch(url, { signal, redirect: 'follow', headers: kept > 0 ? { range: `bytes=${kept}-` } : {} });
    if (response.status === 416 && kept > 0) {
      await response.body?.cancel();
      // The part is the whole file (the last download stopped before checking it); else it is no prefix of the file: start over.
      if (unsatisfiedTotal(response.headers.get('content-range')) === kept) return kept;
      await rm(part, { force: true });
      return fetchOnce(part, url, 0, options);
    }
    if (response.status !== 200 && response.status !== 206) {
      await response.body?.cancel();
      throw new DownloadError(
        `The model source answered ${response.status} ${response.statusText} for ${url}. Check parley.speechModels.source (empty uses Hugging Face) and your connection.`,
        'source',
      );
    }
    const resumed = response.status === 206 && rangeStart(response.headers.get('content-range')) === kept;
    if (response.status === 206 && !resumed) {
      await response.body?.cancel();
      await rm(part, { force: true });
      return fetchOnce(part, url, 0, options);
    }
    const start = resumed ? kept : 0;
    const length = Number(response.headers.get('content-length') ?? NaN);
    const total = rangeTotal(response.headers.get('content-range')) ?? (Number.isFinite(length) ? start + length : undefined);
    const file = await open(part, resumed ? 'a' : 'w');
    let received = start;
    let reportedAt = 0;
    try {
      options.onProgress?.({ phase: 'downloading', received, total });
      if (!response.body) throw new Error('the source sent no body');
      for await (const chunk of response.body) {
        stillAlive();
        await file.write(chunk);
        received += chunk.byteLength;
        if (Date.now() - reportedAt >= PROGRESS_EVERY_MS) {
          reportedAt = Date.now();
          options.onProgress?.({ phase: 'downloading', received, total });
        }
      }
    } finally {
      await file.close();
    }
    if (total !== undefined && received !== total) throw new Error(`the connection closed after ${mib(received)} of ${mib(total)}`);
    options.onProgress?.({ phase: 'downloading', received, total: total ?? received });
    return received;
  } catch (error) {
    // The idle timer's reason is the better message than fetch's "This operation was aborted".
    throw idle.signal.aborted && !options.signal?.aborted ? idle.signal.reason : error;
  } finally {
    clearTimeout(timer);
  }
}

function cancelled(entry: SpeechModelEntry, kept: number): DownloadError {
  return new DownloadError(
    `The download of ${entry.name} was cancelled${kept > 0 ? `; the ${mib(kept)} that arrived are kept, and running Parley: Download Speech Model again resumes from there` : ''}.`,
    'cancelled',
  );
}

/** `bytes 100-199/1000` → 100. */
function rangeStart(header: string | null): number | undefined {
  const match = header?.match(/^bytes (\d+)-\d+\/(\d+|\*)$/);
  return match ? Number(match[1]) : undefined;
}

/** The size in a 416's Content-Range, which reads "bytes", a star, a slash and the size. */
function unsatisfiedTotal(header: string | null): number | undefined {
  const match = header?.match(/^bytes \*\/(\d+)$/);
  return match ? Number(match[1]) : undefined;
}

/** `bytes 100-199/1000` → 1000. */
function rangeTotal(header: string | null): number | undefined {
  const match = header?.match(/^bytes \d+-\d+\/(\d+)$/);
  return match ? Number(match[1]) : undefined;
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

async function fileSha1(path: string, signal?: AbortSignal): Promise<string> {
  const hash = createHash('sha1');
  for await (const chunk of createReadStream(path, { signal })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function mib(bytes: number): string {
  return `${(bytes / MIB).toFixed(1)} MiB`;
}
