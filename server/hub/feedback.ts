/**
 * Votes, corrections and tags on passages the user can see. A vote belongs to the passage within
 * its document (the document and the hash of its text), one per user: voting again replaces the
 * earlier vote. A correction is the passage's next version, kept beside the original text, and
 * made searchable with the passage.
 */
import * as z from 'zod';
import { KB_MAX_CORRECTION_CHARS, KB_MAX_TAG_CHARS } from '../../protocol/knowledge';
import { qualityScore } from '../knowledge/store';
import type { PoolClient } from 'pg';
import type { HubDatabase, Identity } from './database';
import { checkTags } from './documents';
import { invalid, notFound } from './errors';

export const FeedbackSchema = z.discriminatedUnion('feedbackType', [
  z.object({ chunkId: z.number().int().positive(), feedbackType: z.enum(['helpful', 'not_helpful']) }).strict(),
  z
    .object({
      chunkId: z.number().int().positive(),
      feedbackType: z.literal('correction'),
      correctionText: z.string().trim().min(1, 'A correction needs some text.').max(KB_MAX_CORRECTION_CHARS),
    })
    .strict(),
  z.object({ chunkId: z.number().int().positive(), feedbackType: z.literal('tag'), tag: z.string().min(1).max(KB_MAX_TAG_CHARS) }).strict(),
]);
export type FeedbackInput = z.infer<typeof FeedbackSchema>;

export type FeedbackResult =
  | { chunkId: number; feedbackType: 'helpful' | 'not_helpful'; vote: 1 | -1; up: number; down: number; quality: number }
  | { chunkId: number; feedbackType: 'correction'; version: number; text: string; original: string }
  | { chunkId: number; feedbackType: 'tag'; tags: string[] };

interface PassageRef {
  documentId: number;
  passage: string;
  text: string;
}

/** The passage behind a chunk id, if this user may see it; anything else is "not found". */
async function visiblePassage(client: PoolClient, who: Identity, chunkId: number): Promise<PassageRef> {
  const { rows } = await client.query<{ document_id: number; passage: string; text: string }>(
    "SELECT document_id, passage, text FROM hub_chunks WHERE id = $1 AND team_id = $2 AND (visibility = 'shared' OR owner_id = $3)",
    [chunkId, who.teamId, who.userId],
  );
  const row = rows[0];
  if (!row) throw notFound(`Passage ${chunkId}`);
  return { documentId: row.document_id, passage: row.passage, text: row.text };
}

export async function giveFeedback(db: HubDatabase, who: Identity, input: FeedbackInput): Promise<FeedbackResult> {
  return db.asUser(who, async (client) => {
    const ref = await visiblePassage(client, who, input.chunkId);
    switch (input.feedbackType) {
      case 'helpful':
      case 'not_helpful':
        return { chunkId: input.chunkId, feedbackType: input.feedbackType, ...(await vote(client, who, ref, input.feedbackType === 'helpful' ? 1 : -1)) };
      case 'correction':
        return { chunkId: input.chunkId, feedbackType: 'correction', ...(await correct(client, who, ref, input.correctionText)) };
      case 'tag':
        return { chunkId: input.chunkId, feedbackType: 'tag', tags: await tag(client, who, ref, input.tag) };
    }
  });
}

async function vote(client: PoolClient, who: Identity, ref: PassageRef, value: 1 | -1): Promise<{ vote: 1 | -1; up: number; down: number; quality: number }> {
  await client.query(
    `INSERT INTO hub_votes (document_id, passage, user_id, team_id, vote) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (document_id, passage, user_id) DO UPDATE SET vote = excluded.vote, updated_at = now()`,
    [ref.documentId, ref.passage, who.userId, who.teamId, value],
  );
  const { up, down } = await votesOn(client, ref);
  return { vote: value, up, down, quality: qualityScore(up, down) };
}

async function votesOn(client: PoolClient, ref: PassageRef): Promise<{ up: number; down: number }> {
  const { rows } = await client.query<{ up: number; down: number }>(
    'SELECT count(*) FILTER (WHERE vote = 1)::int AS up, count(*) FILTER (WHERE vote = -1)::int AS down FROM hub_votes WHERE document_id = $1 AND passage = $2',
    [ref.documentId, ref.passage],
  );
  return rows[0]!;
}

/**
 * Two corrections of one passage at once would both take the next version number; the loser of
 * that race takes the one after (a savepoint keeps the transaction usable).
 */
async function correct(client: PoolClient, who: Identity, ref: PassageRef, text: string): Promise<{ version: number; text: string; original: string }> {
  for (let attempt = 0; ; attempt++) {
    await client.query('SAVEPOINT correction');
    try {
      const { rows } = await client.query<{ version: number }>(
        `INSERT INTO hub_corrections (document_id, passage, team_id, user_id, version, text, original)
         SELECT $1, $2, $3, $4, coalesce(max(version), 0) + 1, $5, $6 FROM hub_corrections WHERE document_id = $1 AND passage = $2
         RETURNING version`,
        [ref.documentId, ref.passage, who.teamId, who.userId, text, ref.text],
      );
      await client.query('RELEASE SAVEPOINT correction');
      return { version: rows[0]!.version, text, original: ref.text };
    } catch (error) {
      await client.query('ROLLBACK TO SAVEPOINT correction');
      if ((error as { code?: string }).code !== '23505' || attempt >= 4) throw error;
    }
  }
}

async function tag(client: PoolClient, who: Identity, ref: PassageRef, raw: string): Promise<string[]> {
  const tags = checkTags([raw]);
  if (tags.length !== 1) throw invalid('Give one tag at a time.');
  await client.query('INSERT INTO hub_passage_tags (document_id, passage, team_id, user_id, tag) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING', [
    ref.documentId,
    ref.passage,
    who.teamId,
    who.userId,
    tags[0],
  ]);
  const { rows } = await client.query<{ tag: string }>('SELECT DISTINCT tag FROM hub_passage_tags WHERE document_id = $1 AND passage = $2 ORDER BY tag', [
    ref.documentId,
    ref.passage,
  ]);
  return rows.map((row) => row.tag);
}
