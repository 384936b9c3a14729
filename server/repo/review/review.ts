/**
 * A whole repository review: the static checks, then (with a model configured) one model review
 * per main module, merged and ranked, with the summary the report opens with. A clean commit
 * reviewed before opens from the cache.
 *
 *   const result = await runReview({ index, settings, providers, log, diagnostics, cacheDir, linkBase, signal, onProgress });
 */
import type { WorkspaceDiagnostic } from '../../../protocol/lsp';
import type { ReviewFinding, ReviewResult, ReviewSeverity, ReviewSummary } from '../../../protocol/review';
import type { ParleySettings } from '../../../protocol/settings';
import { errorMessage, type Logger } from '../../log';
import type { LlmChat } from '../../providers/llm';
import type { ProviderRegistry } from '../../providers/registry';
import { diagnosticFindings, gatherFacts, staticFindings, type RepoFacts } from '../findings';
import { headState } from '../findings/git';
import { isWorkspaceTrusted } from '../../process/trust';
import type { RepoIndex } from '../index';
import { ReviewCache, reviewCacheKey } from './cache';
import { reviewModules, type ModuleReview } from './llm';
import { centralSymbols, languages, mainModules } from './overview';
import { DEFAULT_PROMPT_TOKENS, modulesToReview } from './prompt';
import { rank } from './rank';
import { renderReport, type LinkBase } from './report';

export interface ReviewProgress {
  message: string;
  /** 0–100. */
  percentage: number;
}

export interface ReviewOptions {
  /** The repository's index (its root is the folder reviewed); refreshed by the review. */
  index: RepoIndex;
  /** The model (`llm`) the review asks; exclusions are the index's. */
  settings: ParleySettings;
  /** The server's stages: every run asks the same model, under one circuit breaker. */
  providers: ProviderRegistry;
  log: Logger;
  staticOnly?: boolean;
  /** The editor's diagnostics, absolute paths. */
  diagnostics?: WorkspaceDiagnostic[];
  /** Where reviews are cached by commit; no caching without it. */
  cacheDir?: string;
  /** Where the report's links point from. */
  linkBase: LinkBase;
  /** How to configure a model, added to the provider's hint (the command line names its variables). */
  configureHint?: string;
  maxModules?: number;
  promptTokens?: number;
  /** Ids of findings the user dismissed for this repository: left out, and counted in the summary. */
  dismissed?: ReadonlySet<string>;
  signal?: AbortSignal;
  onProgress?: (progress: ReviewProgress) => void;
}

export const DEFAULT_MAX_MODULES = 8;

type Model = { chat: LlmChat; id: string } | { hint: string } | undefined;

/** The model to ask, the sentence saying how to configure one, or undefined when the user wants no model. */
function chooseModel(options: ReviewOptions): Model {
  if (options.staticOnly) return undefined;
  try {
    const { llm } = options.settings;
    return { chat: options.providers.llm(options.settings), id: `${llm.provider} ${llm.model} ${llm.baseUrl}` };
  } catch (error) {
    return { hint: [errorMessage(error), options.configureHint].filter(Boolean).join(' ') };
  }
}

function severityCounts(findings: ReviewFinding[]): Record<ReviewSeverity, number> {
  const counts: Record<ReviewSeverity, number> = { error: 0, warning: 0, information: 0 };
  for (const finding of findings) counts[finding.severity]++;
  return counts;
}

/** Diagnostics inside the root with paths relative to it, for the model's context. */
function relativeDiagnostics(root: string, diagnostics: WorkspaceDiagnostic[]): WorkspaceDiagnostic[] {
  const prefix = root.endsWith('/') ? root : `${root}/`;
  return diagnostics.filter((d) => d.path.startsWith(prefix)).map((d) => ({ ...d, path: d.path.slice(prefix.length) }));
}

/** A review, and the findings it left out because the user had dismissed them (for the server, which can bring them back). */
export type RunReviewResult = ReviewResult & { dismissedFindings: ReviewFinding[] };

/** The review as the user sees it: without the findings they dismissed, which the summary counts. */
function shown(summary: ReviewSummary, all: ReviewFinding[], options: Pick<ReviewOptions, 'dismissed' | 'linkBase'>): RunReviewResult {
  const isDismissed = (finding: ReviewFinding) => options.dismissed?.has(finding.id) === true;
  const findings = all.filter((finding) => !isDismissed(finding));
  const dismissedFindings = all.filter(isDismissed);
  const counted: ReviewSummary = {
    ...summary,
    findings: severityCounts(findings),
    ...(dismissedFindings.length > 0 ? { dismissed: dismissedFindings.length } : {}),
  };
  return { summary: counted, findings, dismissedFindings, markdown: renderReport({ summary: counted, findings }, options.linkBase) };
}

/** `result` again with `dismissed` left out (a finding the user dismissed just now), without reviewing again. */
export function withDismissed(result: RunReviewResult, dismissed: ReadonlySet<string>, linkBase: LinkBase): RunReviewResult {
  return shown(result.summary, [...result.findings, ...result.dismissedFindings], { dismissed, linkBase });
}

/** A cached review with today's diagnostics in place of those of the day it was made. */
function fromCache(cached: { summary: ReviewSummary; findings: ReviewFinding[] }, options: ReviewOptions, started: number): RunReviewResult {
  const severity = ['error', 'warning', 'information'];
  const findings = [...cached.findings.filter((f) => f.kind !== 'diagnostics'), ...diagnosticFindings(options.index.root, options.diagnostics ?? [])].sort(
    (a, b) => severity.indexOf(a.severity) - severity.indexOf(b.severity),
  );
  return shown({ ...cached.summary, cached: true, durationMs: Math.round(performance.now() - started) }, findings, options);
}

function summarize(facts: RepoFacts, findings: ReviewFinding[], llm: ReviewSummary['llm'], started: number): ReviewSummary {
  const skipped: Record<string, number> = {};
  for (const { reason } of facts.skipped) skipped[reason] = (skipped[reason] ?? 0) + 1;
  return {
    root: facts.root,
    ...(facts.head ? { commit: facts.head.commit } : {}),
    clean: facts.head?.clean ?? false,
    files: facts.files.length,
    lines: facts.files.reduce((sum, file) => sum + file.lines, 0),
    languages: languages(facts),
    modules: mainModules(facts),
    centralSymbols: centralSymbols(facts),
    skipped,
    findings: severityCounts(findings),
    llm,
    churn: facts.churn !== undefined,
    gitWithheld: !isWorkspaceTrusted(),
    reviewedAt: Date.now(),
    durationMs: Math.round(performance.now() - started),
    cached: false,
  };
}

async function askModel(options: ReviewOptions, facts: RepoFacts, found: ReviewFinding[], chat: LlmChat): Promise<ModuleReview[]> {
  const modules = modulesToReview(facts, options.maxModules ?? DEFAULT_MAX_MODULES);
  const progress = (done: number) =>
    options.onProgress?.({
      message: `Reviewing modules with the model ${done}/${modules.length}`,
      percentage: 40 + Math.round((55 * done) / Math.max(1, modules.length)),
    });
  progress(0);
  return reviewModules({
    chat,
    facts,
    modules,
    staticFindings: found,
    diagnostics: relativeDiagnostics(facts.root, options.diagnostics ?? []),
    budget: { tokens: options.promptTokens ?? DEFAULT_PROMPT_TOKENS },
    log: options.log,
    signal: options.signal,
    onModule: (_review, done) => progress(done),
  });
}

export async function runReview(options: ReviewOptions): Promise<RunReviewResult> {
  const started = performance.now();
  const { index, signal } = options;
  const model = chooseModel(options);
  const head = await headState(index.root, signal);
  const cache = options.cacheDir ? new ReviewCache(options.cacheDir) : undefined;
  const key = reviewCacheKey({
    commit: head?.commit,
    staticOnly: options.staticOnly === true,
    model: model && 'chat' in model ? model.id : 'none',
    exclude: options.settings.review.exclude,
    maxModules: options.maxModules,
    promptTokens: options.promptTokens,
  });
  const cached = head?.clean ? cache?.get(index.root, key) : undefined;
  if (cached) return fromCache(cached, options, started);

  options.onProgress?.({ message: 'Reading the repository', percentage: 0 });
  const refresh = await index.refresh(undefined, signal);
  options.onProgress?.({ message: `Checking ${refresh.files} files`, percentage: 30 });
  const facts = await gatherFacts(index, { signal });
  const found = await staticFindings(facts, { diagnostics: options.diagnostics, signal });
  // What the user dismissed is not put to the model as a known problem.
  const undismissed = options.dismissed?.size ? found.filter((finding) => !options.dismissed!.has(finding.id)) : found;
  const reviews = model && 'chat' in model ? await askModel(options, facts, undismissed, model.chat) : [];
  const findings = rank([...found, ...reviews.flatMap((review) => review.findings)], (path) => facts.rank.get(path) ?? 0);
  const llm: ReviewSummary['llm'] = !model
    ? { state: 'skipped', modules: 0, errors: [] }
    : 'hint' in model
      ? { state: 'not-configured', modules: 0, errors: [], hint: model.hint }
      : {
          state: 'reviewed',
          modules: reviews.length,
          errors: reviews.flatMap((r) => (r.error ? [{ module: r.module, error: r.error }] : [])),
          ...(reviews.find((r) => r.model) ? { model: reviews.find((r) => r.model)!.model! } : {}),
        };
  const summary = summarize(facts, findings, llm, started);
  // A review with failed modules is not kept: asking again should retry them.
  if (facts.head?.clean && llm.errors.length === 0) cache?.set(index.root, key, summary, findings);
  options.onProgress?.({ message: 'Writing the report', percentage: 100 });
  return shown(summary, findings, options);
}
