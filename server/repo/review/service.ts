/**
 * Parley: Review Repository inside the language server: answers `parley/review` with work-done
 * progress and cancellation, writes the Markdown report to the workspace storage folder and
 * publishes the findings as diagnostics with source "Parley", replacing the previous review's.
 */
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DiagnosticSeverity, LSPErrorCodes, ResponseError, type CancellationToken, type Connection, type Diagnostic } from 'vscode-languageserver/node';
import {
  ReviewDismissalsRequest,
  ReviewRequest,
  type DismissedFinding,
  type EditorState,
  type ReviewDismissals,
  type ReviewParams,
} from '../../../protocol/lsp';
import type { ReviewFinding, ReviewResult, ReviewSeverity } from '../../../protocol/review';
import type { ParleySettings } from '../../../protocol/settings';
import type { Logger } from '../../log';
import { onRequest } from '../../rpc';
import type { ProviderRegistry } from '../../providers/registry';
import { REVIEW_SOURCE } from '../findings';
import type { RepoIndexes } from '../indexes';
import { Dismissals } from './dismissals';
import { runReview, type RunReviewResult } from './review';
import { requestEditorState } from '../../tools/lspContext';

export interface ReviewServiceOptions {
  settings: (scopeUri?: string) => Promise<ParleySettings>;
  providers: ProviderRegistry;
  log: Logger;
  /** The workspace storage folder: reports and the review cache go under it. */
  storageDir: string;
  /** The server's repository indexes, shared with Fix with Parley and the conversation. */
  indexes: RepoIndexes;
}

const SEVERITY: Record<ReviewSeverity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  information: DiagnosticSeverity.Information,
};
/** Past any line's end: VS Code clamps it, so the squiggle covers the finding's first line. */
const LINE_END = 10_000;
const NO_EDITOR: EditorState = { workspaceFolders: [], openFiles: [], diagnostics: [] };

function uriOf(root: string, file: string): string {
  return pathToFileURL(join(root, file)).href;
}

export function toDiagnostic(root: string, finding: ReviewFinding): Diagnostic {
  const line = finding.line - 1;
  return {
    range: { start: { line, character: 0 }, end: { line, character: LINE_END } },
    severity: SEVERITY[finding.severity],
    source: REVIEW_SOURCE,
    code: finding.kind,
    message: `${finding.title}\n${finding.message}`,
    ...(finding.related?.length
      ? {
          relatedInformation: finding.related.map((r) => ({
            location: { uri: uriOf(root, r.file), range: { start: { line: r.line - 1, character: 0 }, end: { line: r.line - 1, character: LINE_END } } },
            message: r.note,
          })),
        }
      : {}),
    data: { kind: finding.kind, fix: finding.fix, id: finding.id, folder: root },
  };
}

export class ReviewService {
  /** The URIs each folder's last review put diagnostics on, to clear them on the next. */
  private readonly published = new Map<string, Set<string>>();
  /** Each folder's latest review, all of its findings, dismissed ones included. */
  private readonly latest = new Map<string, ReviewFinding[]>();
  private readonly dismissals: Dismissals;

  constructor(private readonly options: ReviewServiceOptions) {
    this.dismissals = new Dismissals(join(options.storageDir, 'review'), (message) => options.log.warn(message));
  }

  register(connection: Connection): void {
    onRequest(connection, ReviewRequest, (params, token) => this.review(connection, params, token));
    onRequest(connection, ReviewDismissalsRequest, (params) => this.changeDismissals(connection, params));
  }

  /** Dismisses, restores or lists a folder's dismissed findings; the folder's diagnostics follow at once. */
  async changeDismissals(connection: Connection, params: ReviewDismissals): Promise<{ dismissed: DismissedFinding[]; changed: number }> {
    const root = params.folder;
    let changed = 0;
    if (params.action === 'dismiss') {
      const finding = this.latest.get(root)?.find((candidate) => candidate.id === params.id);
      if (!finding) throw new Error(`Finding ${params.id} is not in the latest review of ${root}; review the repository again, then dismiss it.`);
      this.dismissals.dismiss(root, finding);
      changed = 1;
    } else if (params.action === 'restore') changed = this.dismissals.restore(root, params.ids);
    const all = this.latest.get(root);
    if (changed > 0 && all) await this.publish(connection, root, this.undismissed(root, all));
    if (changed > 0) this.options.log.info(`Review findings ${params.action === 'dismiss' ? 'dismissed' : 'restored'}`, { root, changed });
    return { dismissed: this.dismissals.list(root), changed };
  }

  private undismissed(root: string, findings: ReviewFinding[]): ReviewFinding[] {
    const dismissed = this.dismissals.ids(root);
    return findings.filter((finding) => !dismissed.has(finding.id));
  }

  async review(connection: Connection, params: ReviewParams, token?: CancellationToken): Promise<ReviewResult> {
    // The editor's diagnostics go into the review; without an editor (a test, a client that does not answer) there are none.
    const state = await requestEditorState(connection).catch(() => NO_EDITOR);
    const root = params.folder ?? state.workspaceFolders[0];
    if (!root) throw new Error('Open a folder first: Parley reviews the repository of a workspace folder.');
    if (!statSync(root, { throwIfNoEntry: false })?.isDirectory()) throw new Error(`${root} is not a folder.`);
    const settings = await this.options.settings(pathToFileURL(root).href);
    const reportDir = join(this.options.storageDir, 'review');
    const controller = new AbortController();
    token?.onCancellationRequested(() => controller.abort());
    const progress = connection.window.attachWorkDoneProgress(params.workDoneToken);
    progress.begin(`Parley: reviewing ${basename(root)}`, 0, 'Starting', true);
    let result: RunReviewResult;
    try {
      result = await runReview({
        index: this.options.indexes.get(root, settings.review.exclude),
        settings,
        providers: this.options.providers,
        log: this.options.log,
        staticOnly: params.staticOnly === true,
        diagnostics: state.diagnostics,
        dismissed: this.dismissals.ids(root),
        cacheDir: reportDir,
        linkBase: { dir: reportDir },
        signal: controller.signal,
        onProgress: (p) => progress.report(p.percentage, p.message),
      });
    } catch (error) {
      if (controller.signal.aborted) throw new ResponseError(LSPErrorCodes.RequestCancelled, 'The review was cancelled.');
      throw error;
    } finally {
      progress.done();
    }
    const reportPath = join(reportDir, `${basename(root) || 'repository'}-review.md`);
    mkdirSync(reportDir, { recursive: true });
    writeFileSync(reportPath, result.markdown);
    const { dismissedFindings, ...shown } = result;
    this.latest.set(root, [...shown.findings, ...dismissedFindings]);
    await this.publish(connection, root, shown.findings);
    this.options.log.info('Repository reviewed', { root, findings: result.findings.length, cached: result.summary.cached, ms: result.summary.durationMs });
    return { ...shown, reportPath };
  }

  /** Sends each file's findings, and empties the files the previous review of `root` had findings in. */
  private async publish(connection: Connection, root: string, findings: ReviewFinding[]): Promise<void> {
    const byUri = new Map<string, Diagnostic[]>();
    for (const finding of findings) {
      const uri = uriOf(root, finding.file);
      byUri.set(uri, [...(byUri.get(uri) ?? []), toDiagnostic(root, finding)]);
    }
    for (const uri of this.published.get(root) ?? []) if (!byUri.has(uri)) byUri.set(uri, []);
    this.published.set(root, new Set([...byUri].filter(([, list]) => list.length > 0).map(([uri]) => uri)));
    await Promise.all([...byUri].map(([uri, diagnostics]) => connection.sendDiagnostics({ uri, diagnostics })));
  }
}
