/** Messages between the parser pool and its worker threads. */
import type { ParsedLanguage } from '../languages';
import type { WasmPaths } from './grammars';
import type { FileSymbols } from './types';

export interface ParseJob {
  /** Absolute path; the worker reads the file itself so contents never cross threads twice. */
  file: string;
  language: ParsedLanguage;
}

export type ParseResult = { symbols: FileSymbols } | { error: string };

export interface WorkerInit {
  wasm: WasmPaths;
}

export interface BatchRequest {
  id: number;
  jobs: ParseJob[];
}

export interface BatchResponse {
  id: number;
  results: ParseResult[];
}
