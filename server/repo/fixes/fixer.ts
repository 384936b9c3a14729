/**
 * Computes "Fix with Parley" when the user picks it: reads the file (the editor's copy when it is
 * open, so unsaved changes count), gathers the context (excerpt, repo map, notes), asks the model
 * for a minimal edit and checks it. The result is a WorkspaceEdit whose change annotation needs
 * confirmation, so VS Code shows it as a preview the user accepts or rejects.
 */
import { readFile, stat } from 'node:fs/promises';
import { basename, isAbsolute, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Diagnostic, WorkspaceEdit } from 'vscode-languageserver/node';
import type { ParleySettings } from '../../../protocol/settings';
import type { Logger } from '../../log';
import { ProviderError } from '../../providers/errors';
import type { LlmChat } from '../../providers/llm';
import type { ProviderRegistry } from '../../providers/registry';
import { WorkspaceFolders } from '../../tools/confine';
import type { KnowledgeSearch } from '../../tools/types';
import { languageOf, parsedLanguageOf } from '../languages';
import type { SyntaxJob, SyntaxReport, SyntaxResult } from '../symbols/protocol';
import { messageText, type FixData } from './actions';
import { applyLineEdits, checkEdits, FixRejected, parseFixAnswer, toTextEdits, type LineEdit } from './edit';
import { excerptAround, fixRequest, mentionedNames } from './prompt';
import type { RelatedDefinitions } from './related';

/** The change annotation on every edit of a fix: VS Code previews edits that need confirmation. */
export const FIX_ANNOTATION = 'parley.fix';
/** Files larger than this are not read from disk for a fix. */
const MAX_FILE_BYTES = 2_000_000;
const NOTES = 3;
const NOTES_WAIT_MS = 1500;

export interface OpenDocument {
  text: string;
  version: number;
  languageId: string;
}

export interface FixerDeps {
  settings(): Promise<ParleySettings>;
  providers: ProviderRegistry;
  log: Logger;
  /** The editor's copy of a document, when it is open. */
  document(uri: string): OpenDocument | undefined;
  /** The workspace folders now (from the editor); files outside them are read only when open. */
  workspaceFolders(): Promise<readonly string[]>;
  related?: RelatedDefinitions;
  /** The knowledge base, when it is available. */
  knowledge?: () => KnowledgeSearch | undefined;
  /** Syntax errors in a text, from tree-sitter: a fix that adds some is rejected. */
  syntax?: (job: SyntaxJob, signal?: AbortSignal) => Promise<SyntaxResult>;
}

export interface Fix {
  edit: WorkspaceEdit;
  summary: string;
}

interface Source {
  text: string;
  version: number | null;
  languageId: string;
  /** The file's real path, when it is inside a workspace folder. */
  path?: string;
  folder?: string;
}

export class Fixer {
  constructor(private readonly deps: FixerDeps) {}

  /** Throws FixRejected with a sentence for the user when there is no fix to show. */
  async fix(data: FixData, signal: AbortSignal): Promise<Fix> {
    const model = await this.model();
    const source = await this.source(data.uri);
    const lines = source.text.split(/\r?\n/);
    const eol = source.text.includes('\r\n') ? '\r\n' : '\n';
    if (data.diagnostics.some((d) => d.range.end.line >= lines.length))
      throw new FixRejected('The file has changed since the problem was reported; try again once its problems are refreshed.');
    const displayPath = source.path && source.folder ? new WorkspaceFolders([source.folder]).display(source.path) : basename(fileURLToPath(data.uri));
    const excerpt = excerptAround(displayPath, lines, data.diagnostics);
    const [related, notes] = await Promise.all([this.related(source, lines, data.diagnostics), this.notes(data.diagnostics, lines, signal)]);
    const request = fixRequest({ displayPath, languageId: source.languageId, diagnostics: data.diagnostics, excerpt, related, notes });
    const answer = await this.ask(model, request, signal);
    const proposal = parseFixAnswer(answer);
    const edits = checkEdits(proposal, { lines, first: excerpt.first, last: excerpt.last, masked: excerpt.masked });
    await this.checkSyntax(source, lines, edits, signal);
    const summary = proposal.summary || 'Fix with Parley';
    return {
      summary,
      edit: {
        documentChanges: [{ textDocument: { uri: data.uri, version: source.version }, edits: toTextEdits(edits, lines, eol, FIX_ANNOTATION) }],
        changeAnnotations: { [FIX_ANNOTATION]: { label: 'Fix with Parley', description: summary, needsConfirmation: true } },
      },
    };
  }

  /** The configured model, the server's (providers/registry.ts). */
  private async model(): Promise<LlmChat> {
    const settings = await this.deps.settings();
    try {
      return this.deps.providers.llm(settings);
    } catch (error) {
      if (error instanceof ProviderError) throw new FixRejected(`Fix with Parley needs a language model. ${error.message}`);
      throw error;
    }
  }

  private async source(uri: string): Promise<Source> {
    const open = this.deps.document(uri);
    const folders = await this.folders();
    const located = uri.startsWith('file:') ? this.locate(folders, fileURLToPath(uri)) : {};
    if (open) return { text: open.text, version: open.version, languageId: open.languageId, ...located };
    if (!located.path) throw new FixRejected('Parley reads only files inside the workspace folders, or files open in the editor; open the file and try again.');
    const size = (await stat(located.path)).size;
    if (size > MAX_FILE_BYTES) throw new FixRejected(`The file is too large for Fix with Parley (${Math.round(size / 1e6)} MB).`);
    return { text: await readFile(located.path, 'utf8'), version: null, languageId: languageOf(located.path) ?? '', ...located };
  }

  private async folders(): Promise<WorkspaceFolders> {
    try {
      return new WorkspaceFolders(await this.deps.workspaceFolders());
    } catch (error) {
      this.deps.log.warn('Could not learn the workspace folders; the fix goes without the repository', { error: String(error) });
      return new WorkspaceFolders([]);
    }
  }

  /** The file's real path and workspace folder, or nothing when it lies outside every folder. */
  private locate(folders: WorkspaceFolders, path: string): { path?: string; folder?: string } {
    try {
      const real = folders.resolve(path);
      const folder = folders.folders.find((root) => {
        const inside = relative(root, real);
        return inside === '' || (!inside.startsWith('..') && !isAbsolute(inside));
      });
      return { path: real, ...(folder ? { folder } : {}) };
    } catch {
      return {};
    }
  }

  private async related(source: Source, lines: string[], diagnostics: Diagnostic[]): Promise<string> {
    if (!this.deps.related || !source.path || !source.folder) return '';
    try {
      return await this.deps.related.around(source.folder, source.path, mentionedNames(lines, diagnostics));
    } catch (error) {
      this.deps.log.warn('The repo map for a fix failed; going without it', { error: String(error) });
      return '';
    }
  }

  /** A few notes about the problem from the knowledge base, if it answers quickly. */
  private async notes(diagnostics: Diagnostic[], lines: string[], signal: AbortSignal) {
    const knowledge = this.deps.knowledge?.();
    if (!knowledge) return [];
    const query = [...diagnostics.map(messageText), ...diagnostics.map((d) => lines[d.range.start.line]!.trim())].join(' ').slice(0, 500);
    try {
      return await knowledge.search(query, NOTES, AbortSignal.any([signal, AbortSignal.timeout(NOTES_WAIT_MS)]));
    } catch (error) {
      if (!signal.aborted) this.deps.log.info('No knowledge-base notes for this fix', { error: String(error) });
      return [];
    }
  }

  /**
   * Rejects an edit that leaves the file with more syntax errors than it had (the problem being
   * fixed may itself be one). Languages without a grammar, and a parser that fails, skip the check:
   * the user still sees the edit before it is applied.
   */
  private async checkSyntax(source: Source, lines: string[], edits: LineEdit[], signal: AbortSignal): Promise<void> {
    const language = parsedLanguageOf(source.languageId, source.path);
    if (!this.deps.syntax || !language) return;
    const reports = await Promise.all([lines, applyLineEdits(lines, edits)].map((text) => this.deps.syntax!({ text: text.join('\n'), language }, signal)));
    const failed = reports.find((report) => 'error' in report);
    if (failed) {
      this.deps.log.warn('Could not check the syntax of a fix; it is shown unchecked', { error: failed.error });
      return;
    }
    const [before, after] = reports as [SyntaxReport, SyntaxReport];
    if (after.errors > before.errors) {
      throw new FixRejected(
        `The model's edit would break the file's syntax (${after.errors} syntax error${after.errors === 1 ? '' : 's'} where there ${before.errors === 1 ? 'was 1' : `were ${before.errors}`}, the first at line ${after.firstLine}), so nothing was changed.`,
      );
    }
  }

  private async ask(model: LlmChat, request: ReturnType<typeof fixRequest>, signal: AbortSignal): Promise<string> {
    let answer = '';
    let stopReason: string | undefined;
    for await (const event of model.chat(request, signal)) {
      if (event.type === 'text') answer += event.text;
      else if (event.type === 'done') stopReason = event.stopReason;
    }
    signal.throwIfAborted();
    if (stopReason === 'maxTokens') throw new FixRejected("The model's answer was cut off before the edit was complete; nothing was changed.");
    if (stopReason === 'refusal') throw new FixRejected('The model declined to propose a fix; nothing was changed.');
    return answer;
  }
}
