/**
 * The workspace's vocabulary for the voice: the names a user is likely to say, most relevant
 * first. Identifiers the problems name come first (the user is looking at them), then the
 * definitions of the repository map around the active file (personalised to it and the open
 * editors, ranked by PageRank), the open editors' file names and the map's other files.
 *
 * The recognizers are given the head of it within each API's limits (Deepgram's keyterms: 100
 * terms and 500 tokens; OpenAI transcription's prompt), and what they write is mapped onto it
 * afterwards (identifiers.ts).
 */
import { basename, sep } from 'node:path';
import type { EditorState } from '../../protocol/lsp';
import type { MapFile } from '../repo';

/** Names kept, at most. */
const MAX_NAMES = 400;
/** Deepgram: "up to 100" keyterms, 500 tokens in all (an over-limit list stops transcription). */
export const MAX_KEYTERMS = 100;
const KEYTERM_TOKENS = 450;
/** OpenAI transcription reads the prompt's last 224 tokens (whisper-1); this stays well inside. */
const PROMPT_CHARS = 600;

export interface VocabularySources {
  state: EditorState;
  /** The repository map's files around the active file, most important first, when one is ready. */
  map?: readonly MapFile[];
}

/** A name as code writes it: letters, digits, `_`, `$`, and dots or dashes inside (file names). */
const NAME = /^[\p{L}_$][\p{L}\p{N}_$]*(?:[.-][\p{L}\p{N}_$]+)*$/u;

export function workspaceVocabulary({ state, map = [] }: VocabularySources): string[] {
  const names = new Set<string>();
  const add = (name: string) => {
    if (names.size < MAX_NAMES && NAME.test(name)) names.add(name);
  };
  for (const diagnostic of state.diagnostics) for (const quoted of diagnostic.message.matchAll(/['"`‘“]([^'"`’”\s]{2,80})['"`’”]/gu)) add(quoted[1]!);
  const active = state.activeEditor?.path;
  if (active) add(basename(active));
  const symbols = map.flatMap((file) => file.symbols).sort((a, b) => b.rank - a.rank);
  for (const symbol of symbols) add(symbol.name);
  for (const path of state.openFiles) add(basename(path));
  for (const file of map) add(basename(file.path));
  return [...names];
}

/** Tokens of the repository map the vocabulary is taken from: a few hundred definitions. */
const MAP_TOKENS = 3_000;
/** How long a read waits for the repository index (a first build takes seconds; the next read has it). */
const MAP_WAIT_MS = 500;

export interface VocabularyReader {
  editorState(): Promise<EditorState>;
  /** The map's files around `path` and the `focus` files of `folder` (RelatedDefinitions.filesAround). */
  filesAround?(folder: string, path: string, focus: string[], tokens: number, waitMs: number): Promise<MapFile[] | undefined>;
}

/** The workspace's vocabulary as it is now: the editor's state, and the map around the active file when its index is ready in time. */
export async function readVocabulary(reader: VocabularyReader): Promise<string[]> {
  const state = await reader.editorState();
  const active = state.activeEditor?.path;
  const folder = active && state.workspaceFolders.find((root) => active.startsWith(root + sep));
  const map = folder && reader.filesAround ? await reader.filesAround(folder, active, state.openFiles, MAP_TOKENS, MAP_WAIT_MS) : undefined;
  return workspaceVocabulary({ state, ...(map ? { map } : {}) });
}

/** The head of `names` as Deepgram keyterms: at most MAX_KEYTERMS, within its token limit (a token taken as 3 characters, to be safe). */
export function keyterms(names: readonly string[], more: readonly string[] = []): string[] {
  const terms: string[] = [];
  let tokens = 0;
  for (const name of new Set([...more, ...names])) {
    const cost = Math.ceil(name.length / 3) + 1;
    if (terms.length >= MAX_KEYTERMS || tokens + cost > KEYTERM_TOKENS) break;
    terms.push(name);
    tokens += cost;
  }
  return terms;
}

/**
 * The head of `names` as a transcription prompt (OpenAI's, whisper.cpp's initial prompt), after
 * the user's own prompt if they set one, in at most `maxChars`.
 */
export function transcriptionPrompt(names: readonly string[], own = '', maxChars = PROMPT_CHARS): string {
  const listed: string[] = [];
  let length = 0;
  for (const name of names) {
    if (length + name.length + 2 > maxChars) break;
    listed.push(name);
    length += name.length + 2;
  }
  const vocabulary = listed.length > 0 ? `Names in this code: ${listed.join(', ')}.` : '';
  return [own.trim(), vocabulary].filter(Boolean).join(' ');
}
