/**
 * What a command printed, kept within bounds. A command may print hundreds of megabytes; Parley
 * keeps its first and last bytes and counts what it dropped between them, so memory stays flat
 * however much flows through the pipes. Escape sequences are stripped for a model and reduced to
 * their colours (SGR) for the panel, which renders those and nothing else.
 */
import ansiRegex from 'ansi-regex';

export type Stream = 'stdout' | 'stderr';

/** One chunk of output as it arrived, stdout and stderr interleaved in arrival order. */
export interface OutputEvent {
  stream: Stream;
  text: string;
}

const ANSI = ansiRegex();
const SGR = /^\u001b\[[\d;:]*m$|^\u009b[\d;:]*m$/;

/** The text without any escape sequence (colours, cursor moves, titles, hyperlinks): what a model reads. */
export function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}

/** The text with its colour and style codes (SGR) kept and every other escape sequence removed: what the panel renders. */
export function keepSgr(text: string): string {
  return text.replace(ANSI, (sequence) => (SGR.test(sequence) ? sequence : ''));
}

/** Keeps the first `headChars` and the last `tailChars` characters of a stream of text, and counts the bytes (UTF-8) of the rest. */
export class BoundedCapture {
  private head = '';
  private tail: string[] = [];
  private tailLength = 0;
  private dropped = 0;

  constructor(
    private readonly headChars: number,
    private readonly tailChars: number,
  ) {}

  push(text: string): void {
    if (this.head.length < this.headChars) {
      const room = this.headChars - this.head.length;
      this.head += text.slice(0, room);
      text = text.slice(room);
    }
    if (text.length === 0) return;
    this.tail.push(text);
    this.tailLength += text.length;
    this.trimTail();
  }

  /** Bytes (UTF-8) dropped between the head and the tail. */
  get droppedBytes(): number {
    return this.dropped;
  }

  /** Bytes (UTF-8) before the part `tailText()` returns: the head and what was dropped after it. */
  get bytesBeforeTail(): number {
    return this.dropped > 0 ? this.dropped + Buffer.byteLength(this.head) : 0;
  }

  /** Head and tail, with a line saying how much was left out between them. */
  text(): string {
    const tail = this.tail.join('');
    return this.dropped > 0 ? `${this.head}\n… ${this.dropped} bytes of output left out …\n${tail}` : this.head + tail;
  }

  /** The tail alone (the head too when nothing was dropped): where a failure's reason usually is. */
  tailText(): string {
    return this.dropped > 0 ? this.tail.join('') : this.head + this.tail.join('');
  }

  private trimTail(): void {
    while (this.tailLength > this.tailChars) {
      const first = this.tail[0]!;
      const excess = this.tailLength - this.tailChars;
      if (first.length <= excess) {
        this.tail.shift();
        this.tailLength -= first.length;
        this.dropped += Buffer.byteLength(first);
      } else {
        this.tail[0] = first.slice(excess);
        this.tailLength -= excess;
        this.dropped += Buffer.byteLength(first.slice(0, excess));
      }
    }
  }
}
