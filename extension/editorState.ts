/**
 * Answers the server's `parley/editorState` request: the active editor, its selection and
 * visible range, the open files and the diagnostics of every source. The server decides what of
 * it goes to the model; this only reads, with caps so one huge file cannot flood the request.
 */
import * as vscode from 'vscode';
import type { DiagnosticSeverityName, EditorState, TextRange, WorkspaceDiagnostic } from '../protocol/lsp';

const MAX_SELECTED_CHARS = 8_000;
const MAX_VISIBLE_CHARS = 16_000;
const MAX_DIAGNOSTICS = 500;

const SEVERITY: Record<vscode.DiagnosticSeverity, DiagnosticSeverityName> = {
  [vscode.DiagnosticSeverity.Error]: 'error',
  [vscode.DiagnosticSeverity.Warning]: 'warning',
  [vscode.DiagnosticSeverity.Information]: 'information',
  [vscode.DiagnosticSeverity.Hint]: 'hint',
};

const range = (r: vscode.Range): TextRange => ({
  start: { line: r.start.line, character: r.start.character },
  end: { line: r.end.line, character: r.end.character },
});

function cap(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}\n… (${text.length - max} more characters not shown)`;
}

function diagnostics(): WorkspaceDiagnostic[] {
  const all = vscode.languages.getDiagnostics().flatMap(([uri, list]) =>
    uri.scheme !== 'file'
      ? []
      : list.map((d) => ({
          path: uri.fsPath,
          range: range(d.range),
          severity: SEVERITY[d.severity],
          message: d.message,
          ...(d.source ? { source: d.source } : {}),
          ...(d.code !== undefined ? { code: String(typeof d.code === 'object' ? d.code.value : d.code) } : {}),
        })),
  );
  const order: DiagnosticSeverityName[] = ['error', 'warning', 'information', 'hint'];
  return all.sort((a, b) => order.indexOf(a.severity) - order.indexOf(b.severity)).slice(0, MAX_DIAGNOSTICS);
}

export function editorState(): EditorState {
  const editor = vscode.window.activeTextEditor;
  const visible = editor?.visibleRanges[0];
  return {
    workspaceFolders: (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath),
    ...(editor && editor.document.uri.scheme === 'file'
      ? {
          activeEditor: {
            path: editor.document.uri.fsPath,
            languageId: editor.document.languageId,
            lineCount: editor.document.lineCount,
            selection: range(editor.selection),
            selectedText: cap(editor.document.getText(editor.selection), MAX_SELECTED_CHARS),
            visibleRange: range(visible ?? editor.selection),
            visibleText: visible ? cap(editor.document.getText(visible), MAX_VISIBLE_CHARS) : '',
          },
        }
      : {}),
    openFiles: vscode.window.tabGroups.all.flatMap((group) =>
      group.tabs.flatMap((tab) => (tab.input instanceof vscode.TabInputText && tab.input.uri.scheme === 'file' ? [tab.input.uri.fsPath] : [])),
    ),
    diagnostics: diagnostics(),
  };
}
