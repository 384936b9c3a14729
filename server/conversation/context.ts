/**
 * The per-turn context the model gets about the editor, within a budget. Sections go in priority
 * order, and when the budget runs out a section is cut and says so, so the model knows it saw
 * only part of something:
 *   1. the active file, language and selection (the selection is what "this" usually means);
 *   2. problems in the active file;
 *   3. the visible lines of the active file;
 *   4. problems elsewhere in the workspace, errors first, summarized per file past a limit;
 *   5. the other open files, by name.
 * A debugging session puts the problems (2 and 4) first.
 */
import type { EditorState, WorkspaceDiagnostic } from '../../protocol/lsp';
import type { WorkspaceFolders } from '../tools/confine';
import { redactForModel } from '../tools/redact';

/** A rough token estimate for budgeting (English text and code run near 4 characters a token). */
export const CHARS_PER_TOKEN = 4;
export const DEFAULT_CONTEXT_TOKENS = 6_000;
/** A voice turn waits this long at most for the repository map; it is ready for the next turn. */
export const REPO_MAP_WAIT_MS = 150;

function fit(text: string, budget: { chars: number }): string {
  if (budget.chars <= 0) return '';
  if (text.length <= budget.chars) {
    budget.chars -= text.length;
    return text;
  }
  const kept = text.slice(0, Math.max(0, budget.chars - 40));
  budget.chars = 0;
  return `${kept}\n… (cut to fit the context budget)`;
}

function problem(d: WorkspaceDiagnostic, where: string): string {
  return `- ${where}:${d.range.start.line + 1}:${d.range.start.character + 1} ${d.severity}${d.source ? ` [${d.source}]` : ''}: ${d.message}`;
}

/** Which sections come first (and so are cut last); a debugging session puts the problems first. */
export type ContextOrder = 'editor-first' | 'problems-first';

export function editorContext(state: EditorState, folders: WorkspaceFolders, maxTokens = DEFAULT_CONTEXT_TOKENS, order: ContextOrder = 'editor-first'): string {
  const budget = { chars: maxTokens * CHARS_PER_TOKEN };
  const entries: { problems: boolean; title: string; body: string }[] = [];
  const add = (title: string, body: string, problems = false) => entries.push({ problems, title, body });
  const editor = state.activeEditor;
  const name = (path: string) => folders.display(path);
  if (editor) {
    const selection = editor.selectedText
      ? `\nSelected (lines ${editor.selection.start.line + 1}–${editor.selection.end.line + 1}):\n\`\`\`\n${redactForModel(editor.path, editor.selectedText)}\n\`\`\``
      : '\nNothing selected.';
    add('Active file', `${name(editor.path)} (${editor.languageId}, ${editor.lineCount} lines)${selection}`);
    const here = state.diagnostics.filter((d) => d.path === editor.path);
    add('Problems in the active file', here.length ? here.map((d) => problem(d, name(d.path))).join('\n') : 'None.', true);
    const first = editor.visibleRange.start.line + 1;
    const numbered = redactForModel(editor.path, editor.visibleText)
      .split('\n')
      .map((line, index) => `${first + index}  ${line}`)
      .join('\n');
    add(`Visible lines ${first}–${editor.visibleRange.end.line + 1}`, `\`\`\`${editor.languageId}\n${numbered}\n\`\`\``);
  } else {
    add('Active file', 'No file is open in the editor.');
  }
  const elsewhere = state.diagnostics.filter((d) => d.path !== editor?.path);
  if (elsewhere.length) {
    const listed = elsewhere.slice(0, 30).map((d) => problem(d, name(d.path)));
    const rest = elsewhere.length > 30 ? `\n… and ${elsewhere.length - 30} more problems` : '';
    add('Problems elsewhere in the workspace', listed.join('\n') + rest, true);
  }
  const others = state.openFiles.filter((path) => path !== editor?.path);
  if (others.length) add('Other open files', others.map(name).join(', '));
  // A stable sort: within each group the sections keep the order above.
  const ordered = order === 'problems-first' ? [...entries].sort((a, b) => Number(b.problems) - Number(a.problems)) : entries;
  return ordered
    .map((entry) => fit(`## ${entry.title}\n${entry.body}`, budget))
    .filter(Boolean)
    .join('\n\n');
}
