/** Reading workspace files for the model: confined, size-capped, binary files refused. */
import { open, stat } from 'node:fs/promises';
import { redactForModel } from './redact';

export const MAX_FILE_BYTES = 2 * 1024 * 1024;
const BINARY_SNIFF_BYTES = 8 * 1024;

export class UnreadableFileError extends Error {}

/** Reads a text file whole; refuses binary and oversized files with a reason the model can relay. */
export async function readTextFile(path: string, display: string): Promise<string> {
  const info = await stat(path).catch(() => undefined);
  if (!info) throw new UnreadableFileError(`${display} does not exist.`);
  if (!info.isFile()) throw new UnreadableFileError(`${display} is not a file.`);
  if (info.size > MAX_FILE_BYTES) throw new UnreadableFileError(`${display} is ${Math.round(info.size / 1024)} KB, more than Parley reads (${MAX_FILE_BYTES / 1024} KB).`);
  const handle = await open(path, 'r');
  try {
    const buffer = await handle.readFile();
    if (buffer.subarray(0, BINARY_SNIFF_BYTES).includes(0)) throw new UnreadableFileError(`${display} is a binary file.`);
    return redactForModel(path, buffer.toString('utf8'));
  } finally {
    await handle.close();
  }
}

/** Lines first..last (1-based, inclusive), numbered, so the model can cite and edit them. */
export function numberedLines(text: string, first = 1, last?: number, maxLines = 400): { text: string; first: number; last: number; total: number } {
  const lines = text.split(/\r?\n/);
  const total = lines.length;
  const start = Math.min(Math.max(1, first), total);
  const end = Math.min(last ?? start + maxLines - 1, start + maxLines - 1, total);
  const width = String(end).length;
  const body = lines
    .slice(start - 1, end)
    .map((line, index) => `${String(start + index).padStart(width)}  ${line}`)
    .join('\n');
  return { text: body, first: start, last: end, total };
}
