/** The knowledge base as the extension, the sidebar and the command line see it. */
import type * as z from 'zod';
import type { KbSearchFiltersSchema, KbSearchParamsSchema } from './params';

export type Visibility = 'private' | 'shared' | 'public';
export const VISIBILITY_LEVELS: readonly Visibility[] = ['private', 'shared', 'public'];

/** Longest search query the server accepts, in characters. */
export const KB_MAX_QUERY_CHARS = 2_000;
/** Most passages one search returns. */
export const KB_MAX_RESULTS = 100;
/** Longest correction of a passage, in characters. */
export const KB_MAX_CORRECTION_CHARS = 20_000;
/** Whose notes a sidebar search looks in: the user's own, the team hub's, or both. */
export const KB_TEAM_SCOPES = ['mine', 'team', 'both'] as const;
export type KbTeamScope = (typeof KB_TEAM_SCOPES)[number];
/** Longest tag, in characters. */
export const KB_MAX_TAG_CHARS = 200;

export type KbSearchFilters = z.infer<typeof KbSearchFiltersSchema>;
export type KbSearchParams = z.input<typeof KbSearchParamsSchema>;

export interface KbCorrection {
  text: string;
  version: number;
  createdAt: number;
}

export interface KbPassage {
  chunkId: number;
  documentId: number;
  /** Absolute path of the note. */
  path: string;
  /** Path relative to the folder it was added with (the file name for single files). */
  relPath: string;
  title: string;
  /** The deepest heading, '' before the first heading. */
  heading: string;
  /** Note title › h1 › h2 … */
  headingPath: string[];
  /** 0-based line of the heading in the file. */
  line: number;
  snippet: string;
  /** [start, end) character ranges of `snippet` that matched the query. */
  highlights: [number, number][];
  tags: string[];
  visibility: Visibility;
  score: number;
  /** The vote-based quality, 0.5 when nobody voted. */
  quality: number;
  votes: { up: number; down: number };
  correction?: KbCorrection;
  /**
   * Set on a passage from the team hub: who contributed it (null: they chose to stay anonymous)
   * and whether it is the user's own. Its ids are the hub's; its path is the hub's address and
   * the note's path there.
   */
  team?: { contributor: string | null; mine: boolean };
}

/** What the language model did for one sidebar search (parley.knowledgeBase.modelHelp). */
export interface KbModelHelpReport {
  /** "provider model" that answered. */
  model: string;
  /** The question as the model also wrote it, in the words a note would use (when rewriting is on). */
  queries: string[];
  /** How many passages the model read; it put `ranked` of them in an order of its own. */
  read: number;
  ranked: number;
  inputTokens: number;
  outputTokens: number;
  /** Absent when the model's price is unknown (parley.pricing). */
  costUsd?: number;
  durationMs: number;
  /** What went wrong (the model timed out, answered in the wrong shape): the passages are in the search's own order then. */
  problem?: string;
}

/** A team hub's figures for the user's team (GET /api/kb/shared/stats). */
export interface KbTeamStats {
  team: string;
  documents: number;
  passages: number;
  contributors: number;
  votes: number;
  corrections: number;
  topCategories: { category: string; documents: number }[];
  /** The contributors who chose to be credited, by shared documents; the others count only in `contributors`. */
  topContributors: { name: string; documents: number }[];
}

/** A teammate's note as the team hub keeps it, to read (not edit) in the editor. */
export interface KbTeamDocument {
  documentId: number;
  /** The note's path on the hub: its folder's name, then its path in that folder. */
  path: string;
  title: string;
  /** Who shared it (null: they chose to stay anonymous), and whether it is the user's own. */
  contributor: string | null;
  mine: boolean;
  updatedAt: string;
  content: string;
  /** The passages' text joined, not the file: the note was uploaded before the hub kept whole notes. */
  fromPassages: boolean;
}

/** The team hub's figures, or why there are none: no hub set, or the hub unavailable. */
export type KbTeamStatsAnswer = { hub: string; stats: KbTeamStats } | { hub: string; unavailable: string } | { hub: null };

/** A sidebar search's answer. */
export interface KbSearchAnswer {
  passages: KbPassage[];
  tookMs: number;
  /** Whether the sidebar may offer "Ask the model" (parley.knowledgeBase.modelHelp). */
  modelHelp: 'off' | 'rerank' | 'rewriteAndRerank';
  /** Set when the model was asked. */
  model?: KbModelHelpReport;
  /** The team hub's part of the search, when a hub is set: searched, connected (a search of the user's notes only), or why it is unavailable. */
  team?: { state: 'searched'; passages: number } | { state: 'unavailable'; reason: string } | { state: 'connected' };
}

export interface KbSourceInfo {
  id: number;
  kind: 'folder' | 'file' | 'note';
  path: string;
  documents: number;
  syncedAt: number | null;
  watching: boolean;
}

export interface KbStats {
  documents: number;
  chunks: number;
  embedded: number;
  embedder: string;
  sources: KbSourceInfo[];
  byVisibility: Record<Visibility, number>;
  votes: number;
  corrections: number;
  lastSyncAt: number | null;
  /** The file the knowledge base lives in. */
  database: string;
  /** Set while a sync or re-embedding runs. */
  busy?: string;
}

export interface KbIngestResult {
  indexed: number;
  unchanged: number;
  removed: number;
  skipped: { path: string; reason: string }[];
  embedded: number;
  embeddingError?: string;
  elapsedMs: number;
  cancelled?: boolean;
}

export interface KbContribution {
  kind: 'vote' | 'correction' | 'tag' | 'note';
  createdAt: number;
  /** What it was about: the passage's note and heading, or the note's path. */
  title: string;
  path?: string;
  detail: string;
}
