/**
 * What the user has on screen, as the extension answers `parley/editorState`, declared once as a
 * schema: the types (re-exported by protocol/lsp.ts) are derived from it and the server parses the
 * extension's answer with it (server/tools/lspContext.ts, readEditorState). zod's mini build, as
 * the extension bundles protocol/.
 */
import * as z from 'zod/mini';
import { firstIssue } from './issues';

export const PositionSchema = z.object({ line: z.number(), character: z.number() });
export type Position = z.infer<typeof PositionSchema>;

export const TextRangeSchema = z.object({ start: PositionSchema, end: PositionSchema });
export type TextRange = z.infer<typeof TextRangeSchema>;

export const DIAGNOSTIC_SEVERITY_NAMES = ['error', 'warning', 'information', 'hint'] as const;
export type DiagnosticSeverityName = (typeof DIAGNOSTIC_SEVERITY_NAMES)[number];

export const WorkspaceDiagnosticSchema = z.object({
  path: z.string(),
  range: TextRangeSchema,
  severity: z.enum(DIAGNOSTIC_SEVERITY_NAMES),
  message: z.string(),
  source: z.optional(z.string()),
  code: z.optional(z.string()),
});
export type WorkspaceDiagnostic = z.infer<typeof WorkspaceDiagnosticSchema>;

/** Texts are capped by the extension. */
export const EditorStateSchema = z.object({
  workspaceFolders: z.array(z.string()),
  activeEditor: z.optional(
    z.object({
      path: z.string(),
      languageId: z.string(),
      lineCount: z.number(),
      selection: TextRangeSchema,
      selectedText: z.string(),
      visibleRange: TextRangeSchema,
      visibleText: z.string(),
    }),
  ),
  openFiles: z.array(z.string()),
  /** Diagnostics of every source (language servers, linters, tasks), errors first. */
  diagnostics: z.array(WorkspaceDiagnosticSchema),
});
export type EditorState = z.infer<typeof EditorStateSchema>;

/** The extension's answer, parsed; an error naming the first field that is wrong when Parley cannot read it. */
export function parseEditorState(answer: unknown): EditorState {
  const parsed = EditorStateSchema.safeParse(answer);
  if (parsed.success) return parsed.data;
  throw new Error(`the editor sent an editor state Parley cannot read: ${firstIssue(parsed.error, 'state')}`);
}
