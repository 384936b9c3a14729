/** What a tool is to the conversation: a definition the model sees and a run the server performs. */
import type { KbPassage } from '../../protocol/knowledge';
import type { EditorState, TextRange } from '../../protocol/lsp';
import type { Citation, SessionType } from '../../protocol/session';
import type { WorkspaceFolders } from './confine';

import * as z from 'zod';
import type { ToolInputSchema } from '../providers/llm/types';
import type { EmbeddingMeter } from '../knowledge/embed/embedder';

export interface ToolResult {
  /** What the model reads back. Text from the workspace is data, never instructions. */
  content: string;
  isError?: boolean;
  citations?: Citation[];
}

/** The knowledge base as tools see it: search only. */
export interface KnowledgeSearch {
  /** `meter` is told the tokens an embedding provider that bills by the token read for the query. */
  search(query: string, k: number, signal: AbortSignal, meter?: EmbeddingMeter): Promise<KbPassage[]>;
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
  /** The repository map around a workspace file (ranked definitions and their uses); absent when there is no index. */
  repoMap?(path: string): Promise<string>;
  /** A Log Analysis session's transcript as a table (JSON Lines, server/logs/claudeCode/table.ts). */
  transcriptTable?: string;
  /** Counts what a search had an embedding provider read toward the answer in progress. */
  meterEmbeddings?: EmbeddingMeter;
  /** Adds words to the answer in progress (shown, and spoken in voice mode), e.g. asking the user to approve a command in the panel. */
  announce?(text: string): void;
}

/**
 * A tool's input is declared once, as a zod object schema: the model is shown its JSON Schema
 * (`inputSchema`, derived by defineTool) and runTool parses the model's input with it, so `run`
 * gets typed values and a malformed call comes back to the model as an error it can correct.
 */
export interface Tool<S extends z.ZodObject = z.ZodObject> {
  name: string;
  description: string;
  input: S;
  /** The JSON Schema of the input, as both vendors' tool APIs take it. */
  inputSchema: ToolInputSchema;
  run(input: z.output<S>, context: ToolContext, signal: AbortSignal): Promise<ToolResult>;
  /** The session types that offer the tool; absent: every type. */
  sessionTypes?: readonly SessionType[];
  /** Whether the model is offered the tool now, in the answer whose signal this is; absent: always. */
  offered?(answer: AbortSignal): boolean;
}

/** The JSON Schema a model gets for `input`: what it may send (defaults make fields optional), without the draft's $schema key. */
export function toolInputSchema(input: z.ZodObject): ToolInputSchema {
  const { $schema: _draft, ...schema } = z.toJSONSchema(input, { io: 'input', override: ({ jsonSchema }) => dropSafeIntegerBounds(jsonSchema) });
  return { ...schema, type: 'object' };
}

/** zod bounds every integer by the safe range; a model needs only the bounds a tool sets. */
function dropSafeIntegerBounds(schema: { minimum?: number; maximum?: number }): void {
  if (schema.minimum === Number.MIN_SAFE_INTEGER) delete schema.minimum;
  if (schema.maximum === Number.MAX_SAFE_INTEGER) delete schema.maximum;
}

export function defineTool<S extends z.ZodObject>(tool: Omit<Tool<S>, 'inputSchema'>): Tool<S> {
  return { ...tool, inputSchema: toolInputSchema(tool.input) };
}

/** A workspace path as tools take it. */
export const pathField = (description: string) => z.string().min(1, { error: 'must not be empty' }).describe(description);

/** A 1-based line number. */
export const lineField = (description: string) => z.number().int().min(1).describe(description);
