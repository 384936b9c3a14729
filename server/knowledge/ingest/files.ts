/** Finding the note files under a folder and reading them, with a reason for every file left out. */
import { open, readdir, realpath, stat } from 'node:fs/promises';
import type { Dirent, Stats } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { parseNote, parsePlainText, type ParsedNote } from './note';

export type NoteKind = 'markdown' | 'text';

export interface NoteFile {
  path: string;
  /** Relative to the folder that was listed, with '/' separators on every platform. */
  relPath: string;
  kind: NoteKind;
  size: number;
  mtimeMs: number;
}

export interface SkippedFile {
  path: string;
  reason: string;
}

export interface ListOptions {
  /** Files larger than this are skipped; 2 MB by default. */
  maxBytes?: number;
  signal?: AbortSignal;
}

export const DEFAULT_MAX_NOTE_BYTES = 2 * 1024 * 1024;

// Obsidian's settings, version control, trash and dependencies: never notes the user wrote.
const SKIPPED_FOLDER = /^\.|^node_modules$/;
const BINARY_SNIFF_BYTES = 8 * 1024;

/** The kind of note a file name holds, or undefined for files that are not notes. */
export function noteKind(path: string): NoteKind | undefined {
  const extension = extname(path).toLowerCase();
  if (extension === '.md' || extension === '.markdown') return 'markdown';
  return extension === '.txt' ? 'text' : undefined;
}

/**
 * Every note under `root`, sorted by path. Symbolic links are followed only while they stay inside
 * `root`, and each real folder is visited once, so a link loop cannot run forever.
 */
export async function listNoteFiles(root: string, options: ListOptions = {}): Promise<{ files: NoteFile[]; skipped: SkippedFile[] }> {
  const walk: Walk = {
    root,
    realRoot: await realpath(root),
    maxBytes: options.maxBytes ?? DEFAULT_MAX_NOTE_BYTES,
    signal: options.signal,
    visited: new Set(),
    files: [],
    skipped: [],
  };
  await walkFolder(walk, root);
  walk.files.sort((a, b) => (a.relPath < b.relPath ? -1 : a.relPath > b.relPath ? 1 : 0));
  return { files: walk.files, skipped: walk.skipped };
}

interface Walk {
  root: string;
  realRoot: string;
  maxBytes: number;
  signal?: AbortSignal;
  visited: Set<string>;
  files: NoteFile[];
  skipped: SkippedFile[];
}

async function walkFolder(walk: Walk, folder: string): Promise<void> {
  walk.signal?.throwIfAborted();
  let entries: Dirent[];
  try {
    const real = await realpath(folder);
    if (walk.visited.has(real)) return;
    walk.visited.add(real);
    // Sorted, so that which path wins when a folder is reachable twice does not depend on the disk.
    entries = (await readdir(folder, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1));
  } catch (error) {
    walk.skipped.push({ path: folder, reason: unreadable(error) });
    return;
  }
  for (const entry of entries) {
    const path = join(folder, entry.name);
    if (entry.isDirectory() && !SKIPPED_FOLDER.test(entry.name)) await walkFolder(walk, path);
    else if (entry.isFile()) await addFile(walk, path);
    else if (entry.isSymbolicLink()) await followLink(walk, path, entry.name);
  }
}

/** A link is followed like the folder or file it points to, unless it points outside the root. */
async function followLink(walk: Walk, path: string, name: string): Promise<void> {
  let target: string;
  let info: Stats;
  try {
    target = await realpath(path);
    info = await stat(target);
  } catch {
    return; // A dangling link: there is nothing to read.
  }
  if (!info.isDirectory() && !noteKind(name)) return;
  if (info.isDirectory() && SKIPPED_FOLDER.test(name)) return;
  if (!isInside(walk.realRoot, target)) {
    walk.skipped.push({ path, reason: `a link to ${target}, outside the folder` });
    return;
  }
  if (info.isDirectory()) await walkFolder(walk, path);
  else await addFile(walk, path);
}

async function addFile(walk: Walk, path: string): Promise<void> {
  const kind = noteKind(path);
  if (!kind) return;
  try {
    const info = await stat(path);
    if (info.size > walk.maxBytes) walk.skipped.push({ path, reason: tooLarge(info.size, walk.maxBytes) });
    else walk.files.push({ path, relPath: relative(walk.root, path).split(sep).join('/'), kind, size: info.size, mtimeMs: info.mtimeMs });
  } catch (error) {
    walk.skipped.push({ path, reason: unreadable(error) });
  }
}

function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !rel.startsWith(sep) && !/^[a-zA-Z]:/.test(rel));
}

/** Reads and parses one note; binary, oversized and non-UTF-8 files come back as skipped, with why. */
export async function readNote(file: NoteFile, options: { maxBytes?: number } = {}): Promise<{ note: ParsedNote } | { skipped: SkippedFile }> {
  const skip = (reason: string) => ({ skipped: { path: file.path, reason } });
  let bytes: Buffer;
  try {
    const read = await readUpTo(file.path, options.maxBytes ?? DEFAULT_MAX_NOTE_BYTES);
    if ('size' in read) return skip(tooLarge(read.size, options.maxBytes ?? DEFAULT_MAX_NOTE_BYTES));
    bytes = read.bytes;
  } catch (error) {
    return skip(unreadable(error));
  }
  if (bytes.subarray(0, BINARY_SNIFF_BYTES).includes(0)) return skip('binary (NUL byte in the first 8 KB)');
  const text = decodeUtf8(bytes);
  if (text === undefined) return skip('invalid UTF-8 (the file is not UTF-8 text)');
  const parse = file.kind === 'markdown' ? parseNote : parsePlainText;
  return { note: parse(text, file.relPath) };
}

/** The file's bytes, or its size when that is over the limit (the file may have grown since it was listed). */
async function readUpTo(path: string, maxBytes: number): Promise<{ bytes: Buffer } | { size: number }> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    if (size > maxBytes) return { size };
    // One read of the size just measured: faster than readFile, which reads in chunks.
    const { bytesRead, buffer } = await handle.read(Buffer.alloc(size), 0, size, 0);
    return { bytes: buffer.subarray(0, bytesRead) };
  } finally {
    await handle.close();
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}

function unreadable(error: unknown): string {
  return `unreadable: ${error instanceof Error ? error.message : String(error)}`;
}

function tooLarge(size: number, maxBytes: number): string {
  return `too large (${formatBytes(size)}, the limit is ${formatBytes(maxBytes)})`;
}

/** '3.2 MB', '2 MB', '900 KB', '12 bytes'. */
export function formatBytes(bytes: number): string {
  const units: [number, string][] = [
    [1024 * 1024, 'MB'],
    [1024, 'KB'],
  ];
  for (const [size, unit] of units) {
    if (bytes >= size) return `${Number((bytes / size).toFixed(1))} ${unit}`;
  }
  return `${bytes} bytes`;
}
