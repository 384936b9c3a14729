/**
 * What a user gave the hub (their documents and the feedback they left) and what their team
 * shares. Team figures count shared documents only: a teammate's private note adds to no count.
 */
import type { KbTeamStats } from '../../protocol/knowledge';
import { qualityScore } from '../knowledge/store';
import type { HubDatabase, Identity } from './database';
import type { HubVisibility } from './documents';

export interface MyDocument {
  documentId: number;
  path: string;
  title: string;
  visibility: HubVisibility;
  category: string | null;
  tags: string[];
  chunks: number;
  votes: { up: number; down: number };
  quality: number;
  corrections: number;
  updatedAt: string;
}

export interface MyFeedback {
  kind: 'helpful' | 'not_helpful' | 'correction' | 'tag';
  documentId: number;
  title: string;
  /** A passage of the document holding the passage the feedback was given on; null when it is no longer there. */
  chunkId: number | null;
  detail: string;
  createdAt: string;
}

/** What GET /api/kb/shared/stats answers: the shape the editor shows (protocol/knowledge.ts). */
export type TeamStats = KbTeamStats;

const LIMIT = 500;

export async function myContributions(db: HubDatabase, who: Identity): Promise<{ documents: MyDocument[]; feedback: MyFeedback[] }> {
  return db.asUser(who, async (client) => {
    const documents = await client.query<Omit<MyDocument, 'quality' | 'votes'> & { up: number; down: number }>(
      `SELECT d.id AS "documentId", d.path, d.title, d.visibility, d.category, d.tags, to_char(d.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "updatedAt",
              (SELECT count(*) FROM hub_chunks c WHERE c.document_id = d.id)::int AS chunks,
              (SELECT count(*) FROM hub_votes v WHERE v.document_id = d.id AND v.vote = 1 AND EXISTS (SELECT 1 FROM hub_chunks c WHERE c.document_id = d.id AND c.passage = v.passage))::int AS up,
              (SELECT count(*) FROM hub_votes v WHERE v.document_id = d.id AND v.vote = -1 AND EXISTS (SELECT 1 FROM hub_chunks c WHERE c.document_id = d.id AND c.passage = v.passage))::int AS down,
              (SELECT count(*) FROM hub_corrections k WHERE k.document_id = d.id)::int AS corrections
       FROM hub_documents d WHERE d.team_id = $1 AND d.owner_id = $2 ORDER BY d.updated_at DESC, d.id DESC LIMIT ${LIMIT}`,
      [who.teamId, who.userId],
    );
    const feedback = await client.query<MyFeedback>(
      `SELECT x.kind, x.document_id AS "documentId", d.title, x.detail, to_char(x.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "createdAt",
              (SELECT min(c.id) FROM hub_chunks c WHERE c.document_id = x.document_id AND c.passage = x.passage) AS "chunkId"
       FROM (SELECT CASE WHEN vote = 1 THEN 'helpful' ELSE 'not_helpful' END AS kind, document_id, passage, '' AS detail, updated_at AS at
               FROM hub_votes WHERE user_id = $2 AND team_id = $1
             UNION ALL SELECT 'correction', document_id, passage, 'version ' || version || ': ' || text, created_at FROM hub_corrections WHERE user_id = $2 AND team_id = $1
             UNION ALL SELECT 'tag', document_id, passage, '#' || tag, created_at FROM hub_passage_tags WHERE user_id = $2 AND team_id = $1) x
       JOIN hub_documents d ON d.id = x.document_id AND d.team_id = $1 AND (d.visibility = 'shared' OR d.owner_id = $2)
       ORDER BY x.at DESC LIMIT ${LIMIT}`,
      [who.teamId, who.userId],
    );
    return {
      documents: documents.rows.map(({ up, down, ...row }) => ({ ...row, votes: { up, down }, quality: qualityScore(up, down) })),
      feedback: feedback.rows,
    };
  });
}

export async function teamStats(db: HubDatabase, who: Identity): Promise<TeamStats> {
  return db.asUser(who, async (client) => {
    const shared = "d.team_id = $1 AND d.visibility = 'shared'";
    const counts = await client.query<Omit<TeamStats, 'team' | 'topCategories' | 'topContributors'>>(
      `SELECT (SELECT count(*) FROM hub_documents d WHERE ${shared})::int AS documents,
              (SELECT count(*) FROM hub_chunks c WHERE c.team_id = $1 AND c.visibility = 'shared')::int AS passages,
              (SELECT count(DISTINCT d.owner_id) FROM hub_documents d WHERE ${shared})::int AS contributors,
              (SELECT count(*) FROM hub_votes v JOIN hub_documents d ON d.id = v.document_id WHERE v.team_id = $1 AND ${shared})::int AS votes,
              (SELECT count(*) FROM hub_corrections k JOIN hub_documents d ON d.id = k.document_id WHERE k.team_id = $1 AND ${shared})::int AS corrections`,
      [who.teamId],
    );
    const categories = await client.query<{ category: string; documents: number }>(
      `SELECT d.category, count(*)::int AS documents FROM hub_documents d WHERE ${shared} AND d.category IS NOT NULL
       GROUP BY d.category ORDER BY documents DESC, d.category LIMIT 10`,
      [who.teamId],
    );
    const contributors = await client.query<{ name: string; documents: number }>(
      `SELECT u.name, count(*)::int AS documents FROM hub_documents d JOIN hub_users u ON u.id = d.owner_id
       WHERE ${shared} AND u.credit GROUP BY u.name ORDER BY documents DESC, u.name LIMIT 10`,
      [who.teamId],
    );
    return { team: who.teamName, ...counts.rows[0]!, topCategories: categories.rows, topContributors: contributors.rows };
  });
}
