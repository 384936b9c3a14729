/**
 * The local knowledge base's side of a team hub (`parley hub`, server/hub/): notes the user marked
 * shared (or public) are uploaded to it and removed from it when made private or deleted, the
 * sidebar's Team and Both scopes search it, and votes and corrections on its passages go to it.
 * The hub is reached with the user's token (Parley: Connect to Team Hub keeps it in SecretStorage);
 * when it cannot be reached, local search goes on and the sidebar says the team part is unavailable.
 *
 * What is on the hub is recorded in the local database (hub_uploads: the local note, the hub's
 * document id, the hash of what was sent), so a sync sends only what changed and a note that is no
 * longer shared can be removed even after it was deleted locally.
 */
import type { Database } from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { KbCorrection, KbPassage, KbTeamDocument, KbTeamStats } from '../../protocol/knowledge';
import type { HubPassage } from '../hub/search';
import { errorMessage, type Logger } from '../log';

export interface TeamHubOptions {
  url: string;
  token: string;
  db: Database;
  log: Logger;
  /** A hub that has not answered in this long is unavailable for this request (default 5 s). */
  timeoutMs?: number;
}

/** Why the team part of a search or a vote could not be had, in words for the sidebar. */
export class TeamHubUnavailable extends Error {
  override readonly name = 'TeamHubUnavailable';
}

interface SharedNote {
  id: number;
  path: string;
  relPath: string;
  sourcePath: string;
  tags: string;
}

interface Upload {
  document_id: number;
  hub_document_id: number;
  hub_path: string;
  content_hash: string;
}

/** What one reconciliation did. */
export interface HubSyncResult {
  uploaded: number;
  removed: number;
  unchanged: number;
  failed: { path: string; reason: string }[];
}

const SYNC_DELAY_MS = 500;

export class TeamHub {
  readonly url: string;
  #timer: NodeJS.Timeout | undefined;
  #syncing: Promise<HubSyncResult> | undefined;
  #again = false;
  /** The last reconciliation's failure, if it could not reach the hub. */
  lastProblem: string | undefined;

  constructor(private readonly options: TeamHubOptions) {
    this.url = options.url.replace(/\/+$/, '');
  }

  /** A change to the notes: reconcile soon (changes in a burst are one reconciliation). */
  schedule(): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.sync().catch(() => undefined), SYNC_DELAY_MS);
    this.#timer.unref();
  }

  /** Makes the hub hold exactly the user's shared and public notes, as they are now. */
  sync(): Promise<HubSyncResult> {
    if (this.#syncing) {
      this.#again = true;
      return this.#syncing;
    }
    this.#syncing = this.#reconcile().finally(() => {
      this.#syncing = undefined;
      if (this.#again) {
        this.#again = false;
        this.schedule();
      }
    });
    return this.#syncing;
  }

  dispose(): void {
    clearTimeout(this.#timer);
  }

  async #reconcile(): Promise<HubSyncResult> {
    const { db, log } = this.options;
    const result: HubSyncResult = { uploaded: 0, removed: 0, unchanged: 0, failed: [] };
    const shared = db
      .prepare(
        `SELECT d.id, d.path, d.rel_path AS relPath, s.path AS sourcePath, d.tags
           FROM documents d JOIN sources s ON s.id = d.source_id WHERE d.visibility IN ('shared', 'public')`,
      )
      .all() as SharedNote[];
    const uploads = new Map(
      (db.prepare('SELECT document_id, hub_document_id, hub_path, content_hash FROM hub_uploads WHERE hub_url = ?').all(this.url) as Upload[]).map((row) => [
        row.document_id,
        row,
      ]),
    );
    try {
      for (const note of shared) {
        const upload = uploads.get(note.id);
        uploads.delete(note.id);
        let content: Buffer;
        try {
          content = await readFile(note.path);
        } catch (error) {
          result.failed.push({ path: note.path, reason: errorMessage(error) });
          continue;
        }
        const path = hubPath(note);
        const hash = createHash('sha256').update(path).update('\0').update(note.tags).update('\0').update(content).digest('hex');
        if (upload?.content_hash === hash) {
          result.unchanged++;
          continue;
        }
        try {
          const { documentId } = await this.#upload(note, path, content);
          // A note that moved (or a new note under a reused id) leaves its old copy behind otherwise.
          if (upload && upload.hub_document_id !== documentId) await this.#request('DELETE', `/api/kb/documents/${upload.hub_document_id}`, undefined, [404]);
          db.prepare(
            `INSERT INTO hub_uploads (document_id, hub_url, hub_document_id, hub_path, content_hash, uploaded_at) VALUES (?, ?, ?, ?, ?, ?)
             ON CONFLICT (document_id, hub_url) DO UPDATE SET hub_document_id = excluded.hub_document_id, hub_path = excluded.hub_path,
               content_hash = excluded.content_hash, uploaded_at = excluded.uploaded_at`,
          ).run(note.id, this.url, documentId, path, hash, Date.now());
          result.uploaded++;
        } catch (error) {
          if (error instanceof TeamHubUnavailable) throw error;
          result.failed.push({ path: note.path, reason: errorMessage(error) });
        }
      }
      // What is left was shared once and is not now (made private, or deleted): off the hub.
      for (const upload of uploads.values()) {
        await this.#request('DELETE', `/api/kb/documents/${upload.hub_document_id}`, undefined, [404]);
        db.prepare('DELETE FROM hub_uploads WHERE document_id = ? AND hub_url = ?').run(upload.document_id, this.url);
        result.removed++;
      }
      this.lastProblem = undefined;
    } catch (error) {
      this.lastProblem = errorMessage(error);
      log.warn('The team hub could not be brought up to date; it is tried again at the next change', { hub: this.url, error: this.lastProblem });
      throw error;
    }
    for (const failure of result.failed) log.warn('A shared note was not uploaded to the team hub', failure);
    if (result.uploaded || result.removed) log.info('Team hub up to date', { hub: this.url, uploaded: result.uploaded, removed: result.removed });
    return result;
  }

  async #upload(note: SharedNote, path: string, content: Buffer): Promise<{ documentId: number }> {
    const form = new FormData();
    form.set('path', path);
    form.set('visibility', 'shared');
    const tags = (JSON.parse(note.tags) as string[]).filter((tag) => /^[\p{L}\p{N}_\-/]+$/u.test(tag) && /\p{L}/u.test(tag));
    if (tags.length > 0) form.set('tags', tags.join(','));
    form.set('file', new Blob([new Uint8Array(content)], { type: 'text/markdown' }), basename(note.path));
    return (await this.#request('POST', '/api/kb/upload', form)) as { documentId: number };
  }

  /** The team's passages for `query`, as the sidebar shows them. */
  async search(query: string, k: number, signal?: AbortSignal): Promise<KbPassage[]> {
    const params = new URLSearchParams({ query: query.slice(0, 1000), k: String(Math.min(k, 50)) });
    const { passages } = (await this.#request('GET', `/api/kb/shared/search?${params}`, undefined, [], signal)) as { passages: HubPassage[] };
    return passages.map((passage) => teamPassage(passage, this.url));
  }

  /** The team's figures: documents, passages, contributors, votes, top categories and credited contributors. */
  async stats(): Promise<KbTeamStats> {
    return (await this.#request('GET', '/api/kb/shared/stats')) as KbTeamStats;
  }

  /** A note on the hub, whole, if the user may read it: their own, or one shared in their team. */
  async document(documentId: number): Promise<KbTeamDocument> {
    const document = (await this.#request('GET', `/api/kb/documents/${documentId}`)) as KbTeamDocument;
    const { path, title, contributor, mine, updatedAt, content, fromPassages } = document;
    return { documentId, path, title, contributor, mine, updatedAt, content, fromPassages };
  }

  /** A vote on a team passage: the passage's votes and quality after it. */
  async vote(chunkId: number, vote: 1 | -1): Promise<{ quality: number; up: number; down: number }> {
    const answer = (await this.#request('POST', '/api/kb/feedback', { chunkId, feedbackType: vote === 1 ? 'helpful' : 'not_helpful' })) as {
      quality: number;
      up: number;
      down: number;
    };
    return { quality: answer.quality, up: answer.up, down: answer.down };
  }

  /** A correction of a team passage, kept on the hub beside the original. */
  async correct(chunkId: number, text: string): Promise<KbCorrection> {
    const answer = (await this.#request('POST', '/api/kb/feedback', { chunkId, feedbackType: 'correction', correctionText: text })) as {
      version: number;
      text: string;
    };
    return { text: answer.text, version: answer.version, createdAt: Date.now() };
  }

  /**
   * One request to the hub. A hub that cannot be reached, times out or answers 5xx is unavailable
   * (TeamHubUnavailable); any other error answer is an Error with the hub's own message.
   */
  async #request(method: string, path: string, body?: FormData | object, acceptedErrors: number[] = [], signal?: AbortSignal): Promise<unknown> {
    const timeout = AbortSignal.timeout(this.options.timeoutMs ?? 5_000);
    let response: Response;
    try {
      response = await fetch(`${this.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${this.options.token}`, ...(body && !(body instanceof FormData) ? { 'content-type': 'application/json' } : {}) },
        body: body instanceof FormData ? body : body ? JSON.stringify(body) : undefined,
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
    } catch (error) {
      if (signal?.aborted) throw error;
      throw new TeamHubUnavailable(
        timeout.aborted
          ? `the team hub at ${this.url} did not answer within ${(this.options.timeoutMs ?? 5_000) / 1000} s`
          : `the team hub at ${this.url} cannot be reached (${causeOf(error)})`,
      );
    }
    const text = await response.text();
    if (response.ok || acceptedErrors.includes(response.status)) return text ? (JSON.parse(text) as unknown) : undefined;
    const message = hubMessage(text) ?? `${response.status} ${response.statusText}`;
    if (response.status >= 500) throw new TeamHubUnavailable(`the team hub at ${this.url} is unavailable: ${message}`);
    if (response.status === 401) throw new TeamHubUnavailable(`the team hub refused the token: ${message} Run Parley: Connect to Team Hub again.`);
    if (response.status === 429) throw new TeamHubUnavailable(`the team hub is busy for this token (${message})`);
    throw new Error(`The team hub answered: ${message}`);
  }
}

/** Where a note goes on the hub: its folder's name, then its path in that folder (the key a re-upload replaces). */
function hubPath(note: Pick<SharedNote, 'relPath' | 'sourcePath' | 'path'>): string {
  const folder = basename(note.sourcePath);
  const relative = note.relPath.replace(/\\/g, '/');
  return folder && relative !== basename(note.path) ? `${folder}/${relative}` : relative;
}

function teamPassage(passage: HubPassage, hubUrl: string): KbPassage {
  return {
    chunkId: passage.chunkId,
    documentId: passage.documentId,
    path: `${hubUrl}/${passage.path}`,
    relPath: passage.path,
    title: passage.title,
    heading: passage.heading,
    headingPath: passage.headingPath,
    line: passage.line,
    snippet: passage.snippet,
    highlights: passage.highlights,
    tags: passage.tags,
    visibility: 'shared',
    score: passage.score,
    quality: passage.quality,
    votes: passage.votes,
    ...(passage.correction ? { correction: { ...passage.correction, createdAt: 0 } } : {}),
    team: { contributor: passage.contributor, mine: passage.mine },
  };
}

function hubMessage(text: string): string | undefined {
  try {
    return (JSON.parse(text) as { error?: { message?: string } }).error?.message;
  } catch {
    return undefined;
  }
}

function causeOf(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  return errorMessage(cause);
}
