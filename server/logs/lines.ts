/**
 * A JSONL file line by line, streamed: memory stays bounded by the longest line kept, and a line
 * longer than `maxLineBytes` is reported and dropped rather than held (a transcript can carry a
 * screenshot as base64 on one line).
 */
import { createReadStream } from 'node:fs';

export interface Line {
  /** 1-based. */
  number: number;
  /** Absent when the line was too long to keep. */
  text?: string;
  /** The file ended without a newline after this line. */
  unterminated: boolean;
}

export interface ReadLinesOptions {
  maxLineBytes: number;
  signal?: AbortSignal;
  /** Bytes read so far, after each chunk. */
  onProgress?: (bytes: number) => void;
}

const NEWLINE = 0x0a;

class LineSplitter {
  private parts: Buffer[] = [];
  private kept = 0;
  private dropping = false;
  private number = 0;

  constructor(private readonly maxLineBytes: number) {}

  *push(chunk: Buffer): Generator<Line> {
    let start = 0;
    for (let end = chunk.indexOf(NEWLINE); end !== -1; end = chunk.indexOf(NEWLINE, start)) {
      this.keep(chunk.subarray(start, end));
      yield this.take(false);
      start = end + 1;
    }
    this.keep(chunk.subarray(start));
  }

  *end(): Generator<Line> {
    if (this.kept > 0 || this.dropping) yield this.take(true);
  }

  private keep(piece: Buffer): void {
    if (this.dropping || piece.length === 0) return;
    if (this.kept + piece.length > this.maxLineBytes) {
      this.dropping = true;
      this.parts = [];
      this.kept = 0;
      return;
    }
    this.parts.push(piece);
    this.kept += piece.length;
  }

  private take(unterminated: boolean): Line {
    this.number += 1;
    const line: Line = this.dropping
      ? { number: this.number, unterminated }
      : { number: this.number, text: Buffer.concat(this.parts, this.kept).toString('utf8'), unterminated };
    this.parts = [];
    this.kept = 0;
    this.dropping = false;
    return line;
  }
}

export async function* readLines(file: string, options: ReadLinesOptions): AsyncGenerator<Line> {
  const splitter = new LineSplitter(options.maxLineBytes);
  const stream = createReadStream(file, { highWaterMark: 1 << 20, signal: options.signal });
  let bytes = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    yield* splitter.push(chunk);
    options.onProgress?.(bytes);
  }
  yield* splitter.end();
}
