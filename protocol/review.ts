/**
 * The repository review's vocabulary, shared by the server (which finds and reports), the
 * extension (which shows the report) and the command line (which prints it as JSON).
 */

export const REVIEW_SEVERITIES = ['error', 'warning', 'information'] as const;
export type ReviewSeverity = (typeof REVIEW_SEVERITIES)[number];

/** What kind of check produced a finding; `llm` is the model's review. */
export type FindingKind = 'hotspot' | 'large-file' | 'large-function' | 'cycle' | 'todo' | 'untested' | 'diagnostics' | 'llm';

/** Another place a finding involves (the other end of a dependency cycle, say). */
export interface RelatedLocation {
  file: string;
  line: number;
  note: string;
}

/**
 * How sure a finding is: `certain` for a fact read off the code (an import cycle, a compiler's
 * error), `likely` for a judgement from facts (a busy module no test imports), `heuristic` for a
 * rule of thumb (size, churn, name matches, TODO clusters) a maintainer may reasonably overrule.
 */
export const CERTAINTIES = ['certain', 'likely', 'heuristic'] as const;
export type Certainty = (typeof CERTAINTIES)[number];

export interface ReviewFinding {
  /**
   * Stable across reviews of the same repository while the finding is the same (it does not
   * change with line numbers or counts), so that a dismissed finding stays dismissed.
   */
  id: string;
  /** Relative to the reviewed folder, with forward slashes. */
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based, inclusive; absent for a single line. */
  endLine?: number;
  severity: ReviewSeverity;
  kind: FindingKind;
  title: string;
  /** Why it matters. */
  why: string;
  /** What to do about it. */
  fix: string;
  /** `why` and `fix` as one text: what the Problems panel and the command line show. */
  message: string;
  /** Absent for the model's findings, which say so in their own words. */
  certainty?: Certainty;
  related?: RelatedLocation[];
}

export interface LanguageShare {
  language: string;
  files: number;
  lines: number;
}

export interface ModuleSummary {
  /** A folder relative to the root (two levels deep, not counting source roots such as src/), or `.` for files at the root. */
  name: string;
  files: number;
  lines: number;
  /** The module's share of the repository's PageRank (0–1). */
  rank: number;
  /** Modules this one uses, most used first. */
  dependsOn: string[];
}

export interface CentralSymbol {
  name: string;
  kind: string;
  file: string;
  line: number;
  signature: string;
}

/** What the model part of the review did. */
export type LlmReviewState =
  /** Asked the model about each module. */
  | 'reviewed'
  /** No model is configured; `llm.hint` says how to configure one. */
  | 'not-configured'
  /** The user asked for the static review only. */
  | 'skipped';

export interface ReviewSummary {
  /** The reviewed folder, absolute. */
  root: string;
  /** The commit reviewed, when the folder is in a git work tree. */
  commit?: string;
  /** The work tree had no uncommitted changes (only then is a review cached). */
  clean: boolean;
  files: number;
  lines: number;
  languages: LanguageShare[];
  modules: ModuleSummary[];
  centralSymbols: CentralSymbol[];
  /** Files the review did not read, by reason (vendored, generated, binary, too large, excluded). */
  skipped: Record<string, number>;
  findings: Record<ReviewSeverity, number>;
  /** Findings this review found that the user had dismissed for this repository (not shown). */
  dismissed?: number;
  llm: {
    state: LlmReviewState;
    /** Which provider and model answered. */
    model?: string;
    /** Modules the model reviewed. */
    modules: number;
    /** Modules whose review failed, with the reason; the rest of the review still stands. */
    errors: { module: string; error: string }[];
    /** When not configured: what the model part would add and how to set it up. */
    hint?: string;
  };
  /** Whether git history was available for change hotspots. */
  churn: boolean;
  /** git was not run at all: the workspace is not trusted, and a repository's git config can run programs. */
  gitWithheld: boolean;
  reviewedAt: number;
  durationMs: number;
  /** This result came from the cache of an earlier review of the same commit. */
  cached: boolean;
}

export interface ReviewResult {
  summary: ReviewSummary;
  /** Ranked: most severe and most central first. */
  findings: ReviewFinding[];
  /** The Markdown report, with links relative to `reportPath` (or to the root without one). */
  markdown: string;
  /** Where the server wrote the report. */
  reportPath?: string;
}
