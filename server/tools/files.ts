/**
 * Reading workspace files for the model: confined, size-capped, binary files refused. Every read
 * opens the file once and reads from that descriptor, after checking that what it opened is inside
 * the workspace; checking a path and then opening it again by path loses to a file swapped for a
 * symlink in between.
 */
import { constants } from 'node:fs';
import { open, readlink, realpath, stat, type FileHandle } from 'node:fs/promises';
import { OutsideWorkspaceError, type WorkspaceFolders } from './confine';
import { redactForModel } from './redact';

export const MAX_FILE_BYTES = 2 * 1024 * 1024;
/** One line shown to the model is cut here: a minified bundle is one line of megabytes. */
export const MAX_LINE_CHARS = 2_000;
/** One read shows at most this many characters; the model is told where to read on. */
export const MAX_READ_CHARS = 100_000;

/**
 * O_NOFOLLOW refuses a final component that became a symlink since it was resolved; O_NONBLOCK
 * keeps a FIFO from blocking the open (it is refused as not a file right after). Windows has
 * neither flag, and there the identity check after the open does the work.
 */
const READ_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);
const UTF8 = new TextDecoder('utf-8', { fatal: true });

export class UnreadableFileError extends Error {}

/** A file opened for reading whose descriptor was checked to be inside the workspace. */
export interface ConfinedFile {
  /** The real path it was opened by. */
  path: string;
  display: string;
  handle: FileHandle;
}

/** A workspace file's text, redacted for the model. */
export interface WorkspaceText {
  path: string;
  display: string;
  text: string;
}

/**
 * Resolves `requested`, opens the real path once and confirms that the open descriptor is inside
 * the workspace. The caller reads from the handle and closes it.
 */
export async function openConfined(folders: WorkspaceFolders, requested: string): Promise<ConfinedFile> {
  const path = folders.resolve(requested);
  const display = folders.display(path);
  const handle = await openForReading(path, display);
  try {
    if (!(await openedInside(folders, handle, path))) throw new OutsideWorkspaceError(requested);
    return { path, display, handle };
  } catch (error) {
    await handle.close();
    throw error;
  }
}

async function openForReading(path: string, display: string): Promise<FileHandle> {
  try {
    return await open(path, READ_FLAGS);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UnreadableFileError(`${display} does not exist.`);
    // The real path had no symlink in it a moment ago, so one appeared since (BSDs answer EMLINK).
    if (code === 'ELOOP' || code === 'EMLINK') throw new UnreadableFileError(`${display} changed while Parley was opening it; try again.`);
    throw error;
  }
}

/**
 * Whether the open descriptor is inside the workspace. On Linux the kernel names the file the
 * descriptor refers to; elsewhere the file must be the one the path's fresh real path names.
 */
async function openedInside(folders: WorkspaceFolders, handle: FileHandle, path: string): Promise<boolean> {
  const opened = process.platform === 'linux' ? await readlink(`/proc/self/fd/${handle.fd}`).catch(() => undefined) : undefined;
  // A file removed after the open is named "<path> (deleted)", which is still judged by its folder.
  return opened !== undefined ? folders.contains(opened) : sameFileInside(folders, handle, path);
}

/**
 * Whether `handle` is the file that `path` names now, and that file is inside the workspace: the
 * check where the descriptor cannot be named (no /proc). Exported for its test on Linux.
 */
export async function sameFileInside(folders: WorkspaceFolders, handle: FileHandle, path: string): Promise<boolean> {
  try {
    const real = await realpath(path);
    if (!folders.contains(real)) return false;
    const [opened, named] = await Promise.all([handle.stat({ bigint: true }), stat(real, { bigint: true })]);
    return opened.dev === named.dev && opened.ino === named.ino;
  } catch {
    return false;
  }
}

/** The whole content of an open file, refusing what is not a regular file or is over the cap. */
async function readCapped(file: ConfinedFile): Promise<Buffer> {
  const info = await file.handle.stat();
  if (!info.isFile()) throw new UnreadableFileError(`${file.display} is not a file.`);
  const tooBig = (size: number) =>
    new UnreadableFileError(`${file.display} is ${Math.round(size / 1024)} KB, more than Parley reads (${MAX_FILE_BYTES / 1024} KB).`);
  if (info.size > MAX_FILE_BYTES) throw tooBig(info.size);
  const buffer = await file.handle.readFile();
  if (buffer.length > MAX_FILE_BYTES) throw tooBig(buffer.length);
  return buffer;
}

/** Text is UTF-8 without NUL bytes, checked over the whole file: a binary tail can follow any amount of text. */
function decodeText(buffer: Buffer, display: string): string {
  if (buffer.includes(0)) throw new UnreadableFileError(`${display} is a binary file.`);
  try {
    return UTF8.decode(buffer);
  } catch {
    throw new UnreadableFileError(`${display} is not UTF-8 text.`);
  }
}

/** Reads a text file whole; refuses binary and oversized files with a reason the model can relay. */
export async function readTextFile(folders: WorkspaceFolders, requested: string): Promise<WorkspaceText> {
  const file = await openConfined(folders, requested);
  try {
    const text = decodeText(await readCapped(file), file.display);
    return { path: file.path, display: file.display, text: redactForModel(file.path, text) };
  } finally {
    await file.handle.close();
  }
}

/** Whether `requested` is a regular file inside the workspace, judged through an open descriptor as a read is. */
export async function isWorkspaceFile(folders: WorkspaceFolders, requested: string): Promise<boolean> {
  const file = await openConfined(folders, requested).catch(() => undefined);
  if (!file) return false;
  try {
    return (await file.handle.stat()).isFile();
  } finally {
    await file.handle.close();
  }
}

function cutLine(line: string): string {
  if (line.length <= MAX_LINE_CHARS) return line;
  return `${line.slice(0, MAX_LINE_CHARS)}… [${line.length - MAX_LINE_CHARS} more characters on this line not shown]`;
}

export interface NumberedLines {
  text: string;
  first: number;
  last: number;
  total: number;
  /** True when the character cap, not the line range, ended the lines shown. */
  cutAtChars: boolean;
}

/**
 * Lines first..last (1-based, inclusive), numbered, so the model can cite and edit them. Long
 * lines are cut, and the lines stop before MAX_READ_CHARS; at least one line is always shown.
 */
export function numberedLines(text: string, first = 1, last?: number, maxLines = 400): NumberedLines {
  const lines = text.split(/\r?\n/);
  const total = lines.length;
  const start = Math.min(Math.max(1, first), total);
  const end = Math.min(last ?? start + maxLines - 1, start + maxLines - 1, total);
  const width = String(end).length;
  const shown: string[] = [];
  let chars = 0;
  for (let number = start; number <= end; number++) {
    const numbered = `${String(number).padStart(width)}  ${cutLine(lines[number - 1]!)}`;
    chars += numbered.length + 1;
    if (shown.length > 0 && chars > MAX_READ_CHARS) break;
    shown.push(numbered);
  }
  const shownLast = start + shown.length - 1;
  return { text: shown.join('\n'), first: start, last: shownLast, total, cutAtChars: shownLast < end };
}
