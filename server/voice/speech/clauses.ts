/**
 * Streamed model text → speakable clauses. Feed each delta as it arrives; every clause comes out
 * as soon as its end is certain, so speech can start while the model is still writing.
 *
 *   const splitter = new ClauseSplitter();
 *   for await (const delta of reply) for (const clause of splitter.push(delta)) tts.pushText(clause);
 *   for (const clause of splitter.flush()) tts.pushText(clause);
 *
 * Code is never read out: a fenced block is replaced by one short hint the first time, tables
 * likewise; Markdown is reduced to what a listener needs (see inline.ts). Every line end closes a
 * clause: model replies keep a paragraph on one line, and list items and headings rarely end
 * with punctuation.
 */
import { findBoundary, type BoundaryRules } from './boundaries';
import { classifyLineStart, classifyWholeLine, closesFence, type LineStart, type WholeLine } from './blocks';
import { hasSpeech } from '../../providers/tts/text';
import { speakable } from './inline';

export const CODE_HINT = 'The code is in the panel.';
export const TABLE_HINT = 'The table is in the panel.';

export interface ClauseSplitterOptions extends Partial<BoundaryRules> {
  /** Said once per reply where the first code block was; null says nothing. */
  codeHint?: string | null;
  /** Said once per reply where the first table was; null says nothing. */
  tableHint?: string | null;
}

export const DEFAULT_BOUNDARY_RULES: BoundaryRules = { minCommaChars: 20, maxClauseChars: 250 };

type Mode = 'lineStart' | 'prose' | 'wholeLine' | 'fenceInfo' | 'fence';
type Hint = 'code' | 'table';

/** A fence's closing line is short; longer code lines need not be kept to recognise it. */
const FENCE_LINE_KEEP = 64;

export class ClauseSplitter {
  readonly #rules: BoundaryRules;
  readonly #hints: Record<Hint, string | null>;
  #mode: Mode = 'lineStart';
  /** The start of the current line until it is classified; inside a fence, the current code line. */
  #line = '';
  #fence: { char: string; length: number } | undefined;
  /** Raw text of the clause being built. */
  #clause = '';
  #said = new Set<Hint>();
  #out: string[] = [];

  constructor(options: ClauseSplitterOptions = {}) {
    this.#rules = {
      minCommaChars: options.minCommaChars ?? DEFAULT_BOUNDARY_RULES.minCommaChars,
      maxClauseChars: options.maxClauseChars ?? DEFAULT_BOUNDARY_RULES.maxClauseChars,
    };
    this.#hints = {
      code: options.codeHint === undefined ? CODE_HINT : options.codeHint,
      table: options.tableHint === undefined ? TABLE_HINT : options.tableHint,
    };
  }

  /** Takes the next piece of the reply; returns the clauses it completed, in order. */
  push(delta: string): string[] {
    for (const char of delta) this.#take(char);
    if (this.#mode === 'prose') this.#drain(false);
    return this.#takeOut();
  }

  /** The reply is complete: returns what is left, and readies the splitter for the next reply. */
  flush(): string[] {
    if (this.#mode !== 'fence' && this.#mode !== 'fenceInfo') this.#endLine();
    const out = this.#takeOut();
    this.reset();
    return out;
  }

  /** Forgets everything, for a reply that was abandoned (barge-in). */
  reset(): void {
    this.#mode = 'lineStart';
    this.#line = '';
    this.#fence = undefined;
    this.#clause = '';
    this.#said.clear();
    this.#out = [];
  }

  #take(char: string): void {
    if (char === '\r') return;
    if (char === '\n') return this.#endLine();
    switch (this.#mode) {
      case 'prose':
        this.#clause += char;
        return;
      case 'lineStart':
        this.#line += char;
        return this.#apply(classifyLineStart(this.#line));
      case 'wholeLine':
        this.#line += char;
        return;
      case 'fence':
        if (this.#line.length < FENCE_LINE_KEEP) this.#line += char;
        return;
      case 'fenceInfo':
        return;
    }
  }

  #apply(verdict: LineStart | WholeLine): void {
    switch (verdict.kind) {
      case 'wait':
      case 'drop':
        return;
      case 'prose':
        this.#clause += this.#line.slice(verdict.skip);
        this.#line = '';
        this.#mode = 'prose';
        return;
      case 'wholeLine':
        this.#mode = 'wholeLine';
        return;
      case 'table':
        return this.#hint('table');
      case 'fence':
        this.#hint('code');
        this.#fence = { char: verdict.char, length: verdict.length };
        this.#line = '';
        this.#mode = 'fenceInfo';
        return;
    }
  }

  #endLine(): void {
    switch (this.#mode) {
      case 'fenceInfo':
        this.#mode = 'fence';
        return;
      case 'fence':
        if (closesFence(this.#line, this.#fence!)) this.#startLine();
        this.#line = '';
        return;
      case 'lineStart':
      case 'wholeLine':
        this.#apply(classifyWholeLine(this.#line));
        break;
    }
    if (this.#mode === 'prose') this.#drain(true);
    // A line that opened a fence ("```" alone) goes on into the fence.
    if (this.#fence) this.#mode = 'fence';
    else this.#startLine();
  }

  #startLine(): void {
    this.#mode = 'lineStart';
    this.#line = '';
    this.#fence = undefined;
  }

  /** Emits every clause whose end is certain; `final` means the text cannot grow any more. */
  #drain(final: boolean): void {
    for (;;) {
      const boundary = findBoundary(this.#clause, final, this.#rules);
      if (typeof boundary === 'string') break;
      this.#emit(this.#clause.slice(0, boundary.at));
      this.#clause = this.#clause.slice(boundary.at).trimStart();
    }
    if (final) {
      this.#emit(this.#clause);
      this.#clause = '';
    }
  }

  #emit(raw: string): void {
    const text = speakable(raw);
    if (hasSpeech(text)) this.#out.push(text);
  }

  #hint(kind: Hint): void {
    this.#drain(true);
    const hint = this.#hints[kind];
    if (hint && !this.#said.has(kind)) this.#out.push(hint);
    this.#said.add(kind);
  }

  #takeOut(): string[] {
    const out = this.#out;
    this.#out = [];
    return out;
  }
}
