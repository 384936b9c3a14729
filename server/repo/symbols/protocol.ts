/** Messages between the parser pool and its worker threads. */
import type { ParsedLanguage } from '../languages';
import type { WasmPaths } from './grammars';
import type { FileSymbols } from './types';

/** The symbols of a file on disk. */
export interface ParseJob {
  /** Absolute path; the worker reads the file itself so contents never cross threads twice. */
  file: string;
  language: ParsedLanguage;
}

export type ParseResult = { symbols: FileSymbols } | { error: string };

/** The syntax errors in a text (a file as a proposed edit would leave it). */
export interface SyntaxJob {
  text: string;
  language: ParsedLanguage;
}

export interface SyntaxReport {
  /** ERROR and MISSING nodes in the tree. */
  errors: number;
  /** The 1-based line of the first one. */
  firstLine?: number;
}

export type SyntaxResult = SyntaxReport | { error: string };

export type WorkerJob = ParseJob | SyntaxJob;
export type WorkerResult = ParseResult | SyntaxResult;

export interface WorkerInit {
  wasm: WasmPaths;
}

export interface BatchRequest {
  id: number;
  jobs: WorkerJob[];
}

export interface BatchResponse {
  id: number;
  results: WorkerResult[];
}
