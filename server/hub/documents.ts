/**
 * A user's documents on the hub: uploading a Markdown note (parsed and chunked exactly as the
 * local knowledge base does, embedded by the same built-in embedder), changing who sees it,
 * removing it, and what they contributed. Each upload is one transaction: a note is stored whole
 * or not at all, and uploading the same path again replaces it, keeping the votes and corrections
 * of the passages that did not change.
 */
import type { PoolClient } from 'pg';
import { KB_MAX_TAG_CHARS } from '../../protocol/knowledge';
import { words, type BuiltinEmbedder } from '../knowledge/embed/builtin';
import { parseNote } from '../knowledge/ingest/note';
import { dedupeTags, normalizeTag } from '../knowledge/ingest/obsidian';
import { embeddingText, passageKey } from '../knowledge/store';
import { stem } from '../knowledge/text';
import type { HubDatabase, Identity } from './database';
import { HubError, invalid, notFound } from './errors';

export type HubVisibility = 'private' | 'shared';
export const HUB_VISIBILITY: readonly HubVisibility[] = ['private', 'shared'];

export interface UploadInput {
  /** The note's path in the user's knowledge base, relative: the key a re-upload replaces. */
  path: string;
  content: string;
  visibility: HubVisibility;
  category?: string;
  tags: string[];
}

export interface UploadResult {
  documentId: number;
  chunks: number;
  /** Whether a document at this path was replaced. */
  replaced: boolean;
  /** Problems found in the note that did not stop it being stored (unreadable frontmatter). */
  warnings: string[];
}

const MAX_PATH_CHARS = 1_000;
const MAX_CATEGORY_CHARS = 100;
const MAX_TAGS = 50;

/** A relative path with no way out of its folder: no leading '/', no drive, no '..' or empty segment. */
export function checkPath(raw: string): string {
  const path = raw.replace(/\\/g, '/').trim();
  if (!path || path.length > MAX_PATH_CHARS) throw invalid(`A document path is 1-${MAX_PATH_CHARS} characters.`);
  if (path.startsWith('/') || /^[a-z]:/i.test(path)) throw invalid(`A document path is relative to the knowledge base; "${raw}" is absolute.`);
  if (path.split('/').some((part) => part === '' || part === '.' || part === '..'))
    throw invalid(`A document path has no empty, "." or ".." parts; "${raw}" does.`);
  if (/\p{Cc}/u.test(path)) throw invalid('A document path has no control characters.');
  return path;
}

export function checkCategory(raw: string | undefined): string | undefined {
  const category = raw?.trim();
  if (!category) return undefined;
  if (category.length > MAX_CATEGORY_CHARS || /\p{Cc}/u.test(category)) throw invalid(`A category is at most ${MAX_CATEGORY_CHARS} printable characters.`);
  return category;
}

/** Tags as Obsidian writes them, '#' optional; an unusable one is refused, not dropped. */
export function checkTags(raw: readonly string[]): string[] {
  const tags = raw.flatMap((entry) => entry.split(/[,\s]+/)).filter(Boolean);
  if (tags.length > MAX_TAGS) throw invalid(`At most ${MAX_TAGS} tags.`);
  return dedupeTags(
    tags.map((tag) => {
      const normal = normalizeTag(tag);
      if (!normal || normal.length > KB_MAX_TAG_CHARS)
        throw invalid(`"${tag}" is not a tag: use letters, digits, _, - and / (nested tags), with at least one letter.`);
      return normal;
    }),
  );
}

interface ChunkRow {
  ord: number;
  title: string;
  heading: string;
  heading_path: string[];
  line: number;
  text: string;
  passage: string;
  tags: string[];
  search_tags: string;
  stems: string[];
  embedding: number[];
}

/** Parses, embeds and stores a note for its owner, replacing the one at the same path. */
export async function uploadDocument(db: HubDatabase, who: Identity, embedder: BuiltinEmbedder, input: UploadInput): Promise<UploadResult> {
  const note = parseNote(input.content, input.path);
  const title = [note.title, ...note.aliases].join(' · ');
  const documentTags = dedupeTags([...input.tags, ...note.tags]);
  const vectors = await embedder.embed(note.chunks.map((chunk) => embeddingText(chunk)));
  const rows: ChunkRow[] = note.chunks.map((chunk, ord) => {
    const tags = dedupeTags([...chunk.tags, ...input.tags]);
    const searchTags = tags.join(' ');
    return {
      ord,
      title,
      heading: chunk.headingPath.slice(1).join(' › '),
      heading_path: chunk.headingPath,
      line: chunk.line,
      text: chunk.text,
      passage: passageKey(chunk.text),
      tags,
      search_tags: searchTags,
      stems: [...new Set(words(`${title} ${embeddingText(chunk)} ${searchTags}`).map(stem))],
      embedding: Array.from(vectors[ord]!),
    };
  });
  const size = Buffer.byteLength(input.content, 'utf8');
  return db.asUser(who, async (client) => {
    const { rows: written } = await client.query<{ id: number; replaced: boolean }>(
      `INSERT INTO hub_documents AS d (team_id, owner_id, path, title, category, tags, visibility, size, content)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (team_id, owner_id, path) DO UPDATE SET title = excluded.title, category = excluded.category, tags = excluded.tags,
         visibility = excluded.visibility, size = excluded.size, content = excluded.content, updated_at = now()
       RETURNING d.id, (d.xmax::text <> '0') AS replaced`,
      [who.teamId, who.userId, input.path, note.title, input.category ?? null, documentTags, input.visibility, size, input.content],
    );
    const { id: documentId, replaced } = written[0]!;
    await client.query('DELETE FROM hub_chunks WHERE document_id = $1 AND owner_id = $2', [documentId, who.userId]);
    await insertChunks(client, documentId, who, input, rows);
    if (replaced) await restoreFeedback(client, documentId);
    return { documentId, chunks: rows.length, replaced, warnings: note.frontmatterError ? [`frontmatter: ${note.frontmatterError}`] : [] };
  });
}

async function insertChunks(client: PoolClient, documentId: number, who: Identity, input: UploadInput, rows: ChunkRow[]): Promise<void> {
  await client.query(
    `INSERT INTO hub_chunks (document_id, team_id, owner_id, visibility, category, ord, title, heading, heading_path, line, text, passage, tags, search_tags, stems, embedding)
     SELECT $1, $2, $3, $4, $5, r.ord, r.title, r.heading, ARRAY(SELECT jsonb_array_elements_text(r.heading_path)), r.line, r.text, r.passage,
            ARRAY(SELECT jsonb_array_elements_text(r.tags)), r.search_tags, ARRAY(SELECT jsonb_array_elements_text(r.stems)),
            ARRAY(SELECT jsonb_array_elements_text(r.embedding)::real)
     FROM jsonb_to_recordset($6::jsonb) AS r(ord integer, title text, heading text, heading_path jsonb, line integer, text text, passage text,
                                              tags jsonb, search_tags text, stems jsonb, embedding jsonb)`,
    [documentId, who.teamId, who.userId, input.visibility, input.category ?? null, JSON.stringify(rows)],
  );
}

/** Puts the newest corrections and the users' tags of unchanged passages back into their search rows. */
async function restoreFeedback(client: PoolClient, documentId: number): Promise<void> {
  await client.query(
    `UPDATE hub_chunks c SET correction = k.text
     FROM (SELECT DISTINCT ON (passage) passage, text FROM hub_corrections WHERE document_id = $1 ORDER BY passage, version DESC) k
     WHERE c.document_id = $1 AND c.passage = k.passage`,
    [documentId],
  );
  await client.query(
    `UPDATE hub_chunks c SET extra_tags = t.tags
     FROM (SELECT passage, string_agg(DISTINCT tag, ' ') AS tags FROM hub_passage_tags WHERE document_id = $1 GROUP BY passage) t
     WHERE c.document_id = $1 AND c.passage = t.passage`,
    [documentId],
  );
}

/** A document as a teammate reads it (GET /api/kb/documents/{id}). */
export interface HubDocument {
  documentId: number;
  path: string;
  title: string;
  category: string | null;
  tags: string[];
  visibility: HubVisibility;
  /** The owner's name when they chose to be credited (always for one's own); null: anonymous. */
  contributor: string | null;
  mine: boolean;
  updatedAt: string;
  content: string;
  /**
   * Whether `content` is the passages' text joined, not the file: a document uploaded before the
   * hub kept its text (schema version 4) has only its passages until it is uploaded again.
   */
  fromPassages: boolean;
}

/** A document this user may read: their own, or one shared in their team; any other is "not found". */
export async function readDocument(db: HubDatabase, who: Identity, documentId: number): Promise<HubDocument> {
  return db.asUser(who, async (client) => {
    const { rows } = await client.query<{
      path: string;
      title: string;
      category: string | null;
      tags: string[];
      visibility: HubVisibility;
      owner_id: number;
      owner_name: string;
      credit: boolean;
      updated_at: Date;
      content: string | null;
      passages: string | null;
    }>(
      `SELECT d.path, d.title, d.category, d.tags, d.visibility, d.owner_id, u.name AS owner_name, u.credit, d.updated_at, d.content,
              CASE WHEN d.content IS NULL THEN (SELECT string_agg(c.text, E'\n\n' ORDER BY c.ord) FROM hub_chunks c WHERE c.document_id = d.id) END AS passages
       FROM hub_documents d JOIN hub_users u ON u.id = d.owner_id
       WHERE d.id = $1 AND d.team_id = $2 AND (d.visibility = 'shared' OR d.owner_id = $3)`,
      [documentId, who.teamId, who.userId],
    );
    const row = rows[0];
    if (!row) throw notFound(`Document ${documentId}`);
    const mine = row.owner_id === who.userId;
    return {
      documentId,
      path: row.path,
      title: row.title,
      category: row.category,
      tags: row.tags,
      visibility: row.visibility,
      contributor: mine || row.credit ? row.owner_name : null,
      mine,
      updatedAt: row.updated_at.toISOString(),
      content: row.content ?? row.passages ?? '',
      fromPassages: row.content === null,
    };
  });
}

/**
 * The document, if this user may see it, and whether it is theirs. Someone else's private
 * document and another team's are "not found" alike: their existence is not to be learnt.
 */
async function ownedDocument(client: PoolClient, who: Identity, documentId: number): Promise<void> {
  const { rows } = await client.query<{ owner_id: number }>(
    "SELECT owner_id FROM hub_documents WHERE id = $1 AND team_id = $2 AND (visibility = 'shared' OR owner_id = $3)",
    [documentId, who.teamId, who.userId],
  );
  const row = rows[0];
  if (!row) throw notFound(`Document ${documentId}`);
  if (row.owner_id !== who.userId) throw new HubError(403, 'not_owner', `Document ${documentId} is a teammate's; only its owner can change or remove it.`);
}

/** Makes a document private or shared, for every search from the moment this returns. */
export async function setVisibility(
  db: HubDatabase,
  who: Identity,
  documentId: number,
  visibility: HubVisibility,
): Promise<{ documentId: number; visibility: HubVisibility }> {
  return db.asUser(who, async (client) => {
    await ownedDocument(client, who, documentId);
    await client.query('UPDATE hub_documents SET visibility = $2, updated_at = now() WHERE id = $1 AND owner_id = $3', [documentId, visibility, who.userId]);
    await client.query('UPDATE hub_chunks SET visibility = $2 WHERE document_id = $1 AND owner_id = $3', [documentId, visibility, who.userId]);
    return { documentId, visibility };
  });
}

/** Removes a document with its passages and the feedback given on them. */
export async function deleteDocument(db: HubDatabase, who: Identity, documentId: number): Promise<{ documentId: number; deleted: true }> {
  return db.asUser(who, async (client) => {
    await ownedDocument(client, who, documentId);
    await client.query('DELETE FROM hub_documents WHERE id = $1 AND owner_id = $2', [documentId, who.userId]);
    return { documentId, deleted: true };
  });
}
