/** What a tool is to the conversation: a definition the model sees and a run the server performs. */
import type { KbPassage } from '../../protocol/knowledge';
import type { EditorState, TextRange } from '../../protocol/lsp';
import type { Citation } from '../../protocol/session';
import type { WorkspaceFolders } from './confine';

import type { ToolInputSchema } from '../providers/llm/types';

export interface ToolResult {
  /** What the model reads back. Text from the workspace is data, never instructions. */
  content: string;
  isError?: boolean;
  citations?: Citation[];
}

/** The knowledge base as tools see it: search only. */
export interface KnowledgeSearch {
  search(query: string, k: number, signal: AbortSignal): Promise<KbPassage[]>;
}

/** What tools may touch: the workspace folders on disk and the editor, through the client. */
export interface ToolContext {
  folders: WorkspaceFolders;
  editorState(): Promise<EditorState>;
  showDocument(path: string, selection?: TextRange): Promise<boolean>;
  /** Asks VS Code to preview an edit; resolves true only if the user accepted it. */
  applyEdit(label: string, path: string, edit: { range?: TextRange; newText: string; create?: boolean }): Promise<boolean>;
  /** Absent when the knowledge base is not available (e.g. its embedder is misconfigured). */
  knowledge?: KnowledgeSearch;
}

export interface Tool {
  name: string;
  description: string;
  /** The JSON Schema of the input, as both vendors' tool APIs take it. */
  inputSchema: ToolInputSchema;
  run(input: Record<string, unknown>, context: ToolContext, signal: AbortSignal): Promise<ToolResult>;
}

/** A tool input that does not match its schema: reported to the model so it can correct itself. */
export class ToolInputError extends Error {}

export function stringField(input: Record<string, unknown>, name: string): string {
  const value = input[name];
  if (typeof value !== 'string' || value === '') throw new ToolInputError(`"${name}" must be a non-empty string`);
  return value;
}

export function optionalString(input: Record<string, unknown>, name: string): string | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new ToolInputError(`"${name}" must be a string`);
  return value;
}

export function optionalLine(input: Record<string, unknown>, name: string): number | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (!Number.isInteger(value) || (value as number) < 1) throw new ToolInputError(`"${name}" must be a line number (1 or more)`);
  return value as number;
}
