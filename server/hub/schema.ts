/**
 * The hub's tables in PostgreSQL, as versioned migrations run on start. Several hub processes may
 * start at once against one database: they take turns under an advisory lock, and each migration
 * commits with its version row, so a start that waited finds the work done and a start that
 * crashed leaves whole migrations only.
 *
 * Tenancy is enforced twice. The hub's own queries name the team and the user; behind them,
 * row-level security holds every request to its team (and a private document to its owner) as
 * long as the request runs as `parley_hub_tenant`, a role without the right to bypass the
 * policies, which the hub takes for each request's transaction (database.ts). Table owners and
 * superusers are not subject to the policies, which is why requests never run as them.
 */
import type { PoolClient } from 'pg';
import type { Logger } from '../log';
import { bm25Migration } from './ranking';

/** The role every request runs as, so the row-level security policies apply to it. */
export const TENANT_ROLE = 'parley_hub_tenant';
/** The advisory lock key the hub's migrations run under ("parley-hub" in ASCII, as one bigint). */
export const MIGRATION_LOCK = '7089075329937117045';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

const ROLE = `
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${TENANT_ROLE}') THEN
    BEGIN
      CREATE ROLE ${TENANT_ROLE} NOLOGIN NOBYPASSRLS;
    EXCEPTION
      -- Another database of this cluster created it at the same moment.
      WHEN duplicate_object OR unique_violation THEN NULL;
      WHEN insufficient_privilege THEN
        RAISE EXCEPTION 'The hub needs the role ${TENANT_ROLE}, and % may not create roles. Ask an administrator to run: CREATE ROLE ${TENANT_ROLE} NOLOGIN; GRANT ${TENANT_ROLE} TO %;', current_user, current_user;
    END;
  END IF;
  IF NOT pg_has_role(current_user, '${TENANT_ROLE}', 'MEMBER') THEN
    EXECUTE format('GRANT ${TENANT_ROLE} TO %I', current_user);
  END IF;
END $$;`;

const TABLES = `
CREATE TABLE hub_meta (key text PRIMARY KEY, value text NOT NULL);

CREATE TABLE hub_teams (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE hub_users (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  team_id bigint NOT NULL REFERENCES hub_teams,
  name text NOT NULL,
  -- Whether the user's name is shown on their shared passages; anonymous otherwise.
  credit boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (team_id, name)
);

-- Only the SHA-256 of a token is kept: a copy of this table lets nobody in.
CREATE TABLE hub_tokens (
  hash text PRIMARY KEY,
  user_id bigint NOT NULL REFERENCES hub_users ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz
);

-- Requests per token per minute, counted here so that every hub process shares one limit.
CREATE TABLE hub_rate (
  token_hash text NOT NULL,
  window_start timestamptz NOT NULL,
  hits integer NOT NULL,
  PRIMARY KEY (token_hash, window_start)
);

CREATE TABLE hub_documents (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  team_id bigint NOT NULL REFERENCES hub_teams,
  owner_id bigint NOT NULL REFERENCES hub_users,
  path text NOT NULL,
  title text NOT NULL,
  category text,
  tags text[] NOT NULL DEFAULT '{}',
  visibility text NOT NULL CHECK (visibility IN ('private', 'shared')),
  size integer NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (team_id, owner_id, path)
);

-- A document's passages. Team, owner, visibility and category are copied from the document so
-- that each search leg filters on the passage row itself.
CREATE TABLE hub_chunks (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  document_id bigint NOT NULL REFERENCES hub_documents ON DELETE CASCADE,
  team_id bigint NOT NULL,
  owner_id bigint NOT NULL,
  visibility text NOT NULL,
  category text,
  ord integer NOT NULL,
  title text NOT NULL,
  heading text NOT NULL,
  heading_path text[] NOT NULL,
  line integer NOT NULL,
  text text NOT NULL,
  -- The passage's identity within its document (the hash of its text): votes and corrections are
  -- keyed by it, so they outlive a re-upload that leaves the passage unchanged.
  passage text NOT NULL,
  tags text[] NOT NULL,
  search_tags text NOT NULL,
  -- Tags and the newest correction that users added, kept current by the triggers below.
  extra_tags text NOT NULL DEFAULT '',
  correction text NOT NULL DEFAULT '',
  -- The built-in embedder's word stems, for the query's inverse document frequencies.
  stems text[] NOT NULL,
  embedding real[] NOT NULL,
  tsv tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('english'::regconfig, title), 'A') ||
    setweight(to_tsvector('english'::regconfig, heading), 'B') ||
    setweight(to_tsvector('english'::regconfig, search_tags || ' ' || extra_tags), 'B') ||
    setweight(to_tsvector('english'::regconfig, correction), 'C') ||
    setweight(to_tsvector('english'::regconfig, text), 'D')
  ) STORED
);
CREATE INDEX hub_chunks_tsv ON hub_chunks USING gin (tsv);
CREATE INDEX hub_chunks_stems ON hub_chunks USING gin (stems);
CREATE INDEX hub_chunks_document ON hub_chunks (document_id, passage);
CREATE INDEX hub_chunks_team ON hub_chunks (team_id, visibility);

-- One vote per user per passage: a second vote replaces the first.
CREATE TABLE hub_votes (
  document_id bigint NOT NULL REFERENCES hub_documents ON DELETE CASCADE,
  passage text NOT NULL,
  user_id bigint NOT NULL REFERENCES hub_users ON DELETE CASCADE,
  team_id bigint NOT NULL,
  vote smallint NOT NULL CHECK (vote IN (-1, 1)),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (document_id, passage, user_id)
);

-- Corrections are versions beside the original passage, which stays as uploaded.
CREATE TABLE hub_corrections (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  document_id bigint NOT NULL REFERENCES hub_documents ON DELETE CASCADE,
  passage text NOT NULL,
  team_id bigint NOT NULL,
  user_id bigint NOT NULL REFERENCES hub_users ON DELETE CASCADE,
  version integer NOT NULL,
  text text NOT NULL,
  original text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (document_id, passage, version)
);

CREATE TABLE hub_passage_tags (
  document_id bigint NOT NULL REFERENCES hub_documents ON DELETE CASCADE,
  passage text NOT NULL,
  team_id bigint NOT NULL,
  user_id bigint NOT NULL REFERENCES hub_users ON DELETE CASCADE,
  tag text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (document_id, passage, user_id, tag)
);`;

/**
 * The token check and the rate count in one call. It runs with its owner's rights, so the
 * tenant role needs no access to the tokens at all; the window is the database's minute, the same
 * for every hub process.
 */
const AUTHENTICATE = `
CREATE FUNCTION hub_authenticate(p_hash text)
RETURNS TABLE (user_id bigint, team_id bigint, user_name text, team_name text, hits integer, retry_after_ms integer)
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
#variable_conflict use_column
DECLARE
  found_user bigint;
  this_window timestamptz := date_trunc('minute', now());
  counted integer;
BEGIN
  SELECT u.id INTO found_user FROM hub_tokens t JOIN hub_users u ON u.id = t.user_id WHERE t.hash = p_hash AND t.revoked_at IS NULL;
  IF found_user IS NULL THEN RETURN; END IF;
  INSERT INTO hub_rate AS r (token_hash, window_start, hits) VALUES (p_hash, this_window, 1)
    ON CONFLICT (token_hash, window_start) DO UPDATE SET hits = r.hits + 1 RETURNING r.hits INTO counted;
  IF counted = 1 THEN DELETE FROM hub_rate r WHERE r.window_start < this_window - interval '2 minutes'; END IF;
  RETURN QUERY SELECT u.id, u.team_id, u.name, tm.name, counted,
    ceil(extract(epoch FROM (this_window + interval '1 minute' - clock_timestamp())) * 1000)::integer
    FROM hub_users u JOIN hub_teams tm ON tm.id = u.team_id WHERE u.id = found_user;
END $$;`;

/**
 * Corrections and tags are written by people other than the passage's owner, who may not update
 * its row; these triggers, with their owner's rights, put them into its full-text row.
 */
const TRIGGERS = `
CREATE FUNCTION hub_index_correction() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
  UPDATE hub_chunks c SET correction = coalesce((SELECT k.text FROM hub_corrections k
      WHERE k.document_id = NEW.document_id AND k.passage = NEW.passage ORDER BY k.version DESC LIMIT 1), '')
    WHERE c.document_id = NEW.document_id AND c.passage = NEW.passage;
  RETURN NULL;
END $$;
CREATE TRIGGER hub_corrections_indexed AFTER INSERT ON hub_corrections FOR EACH ROW EXECUTE FUNCTION hub_index_correction();

CREATE FUNCTION hub_index_tags() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
  UPDATE hub_chunks c SET extra_tags = coalesce((SELECT string_agg(DISTINCT t.tag, ' ') FROM hub_passage_tags t
      WHERE t.document_id = NEW.document_id AND t.passage = NEW.passage), '')
    WHERE c.document_id = NEW.document_id AND c.passage = NEW.passage;
  RETURN NULL;
END $$;
CREATE TRIGGER hub_passage_tags_indexed AFTER INSERT ON hub_passage_tags FOR EACH ROW EXECUTE FUNCTION hub_index_tags();`;

/**
 * The policies: a request sees its own team only, a document and its passages only when shared
 * or its own, and feedback only on documents it can see; it writes only as itself, in its team,
 * on passages it can see.
 */
const POLICIES = `
CREATE FUNCTION hub_team() RETURNS bigint LANGUAGE sql STABLE AS $$ SELECT nullif(current_setting('parley.team_id', true), '')::bigint $$;
CREATE FUNCTION hub_user() RETURNS bigint LANGUAGE sql STABLE AS $$ SELECT nullif(current_setting('parley.user_id', true), '')::bigint $$;

ALTER TABLE hub_teams ENABLE ROW LEVEL SECURITY;
ALTER TABLE hub_users ENABLE ROW LEVEL SECURITY;
ALTER TABLE hub_tokens ENABLE ROW LEVEL SECURITY;
ALTER TABLE hub_rate ENABLE ROW LEVEL SECURITY;
ALTER TABLE hub_documents ENABLE ROW LEVEL SECURITY;
ALTER TABLE hub_chunks ENABLE ROW LEVEL SECURITY;
ALTER TABLE hub_votes ENABLE ROW LEVEL SECURITY;
ALTER TABLE hub_corrections ENABLE ROW LEVEL SECURITY;
ALTER TABLE hub_passage_tags ENABLE ROW LEVEL SECURITY;

CREATE POLICY team_only ON hub_teams FOR SELECT USING (id = hub_team());
CREATE POLICY team_only ON hub_users FOR SELECT USING (team_id = hub_team());

CREATE POLICY readable ON hub_documents FOR SELECT USING (team_id = hub_team() AND (visibility = 'shared' OR owner_id = hub_user()));
CREATE POLICY own ON hub_documents FOR INSERT WITH CHECK (team_id = hub_team() AND owner_id = hub_user());
CREATE POLICY own_update ON hub_documents FOR UPDATE USING (team_id = hub_team() AND owner_id = hub_user()) WITH CHECK (team_id = hub_team() AND owner_id = hub_user());
CREATE POLICY own_delete ON hub_documents FOR DELETE USING (team_id = hub_team() AND owner_id = hub_user());

CREATE POLICY readable ON hub_chunks FOR SELECT USING (team_id = hub_team() AND (visibility = 'shared' OR owner_id = hub_user()));
CREATE POLICY own ON hub_chunks FOR INSERT WITH CHECK (team_id = hub_team() AND owner_id = hub_user());
CREATE POLICY own_update ON hub_chunks FOR UPDATE USING (team_id = hub_team() AND owner_id = hub_user()) WITH CHECK (team_id = hub_team() AND owner_id = hub_user());
CREATE POLICY own_delete ON hub_chunks FOR DELETE USING (team_id = hub_team() AND owner_id = hub_user());

CREATE POLICY readable ON hub_votes FOR SELECT USING (team_id = hub_team() AND EXISTS (SELECT 1 FROM hub_documents d WHERE d.id = document_id));
CREATE POLICY mine ON hub_votes FOR INSERT WITH CHECK (team_id = hub_team() AND user_id = hub_user()
  AND EXISTS (SELECT 1 FROM hub_chunks c WHERE c.document_id = hub_votes.document_id AND c.passage = hub_votes.passage));
CREATE POLICY mine_update ON hub_votes FOR UPDATE USING (team_id = hub_team() AND user_id = hub_user()) WITH CHECK (team_id = hub_team() AND user_id = hub_user());
CREATE POLICY mine_delete ON hub_votes FOR DELETE USING (team_id = hub_team() AND user_id = hub_user());

CREATE POLICY readable ON hub_corrections FOR SELECT USING (team_id = hub_team() AND EXISTS (SELECT 1 FROM hub_documents d WHERE d.id = document_id));
CREATE POLICY mine ON hub_corrections FOR INSERT WITH CHECK (team_id = hub_team() AND user_id = hub_user()
  AND EXISTS (SELECT 1 FROM hub_chunks c WHERE c.document_id = hub_corrections.document_id AND c.passage = hub_corrections.passage));

CREATE POLICY readable ON hub_passage_tags FOR SELECT USING (team_id = hub_team() AND EXISTS (SELECT 1 FROM hub_documents d WHERE d.id = document_id));
CREATE POLICY mine ON hub_passage_tags FOR INSERT WITH CHECK (team_id = hub_team() AND user_id = hub_user()
  AND EXISTS (SELECT 1 FROM hub_chunks c WHERE c.document_id = hub_passage_tags.document_id AND c.passage = hub_passage_tags.passage));

GRANT SELECT ON hub_teams, hub_users TO ${TENANT_ROLE};
GRANT SELECT, INSERT, UPDATE, DELETE ON hub_documents, hub_chunks, hub_votes, hub_corrections, hub_passage_tags TO ${TENANT_ROLE};
DO $$ BEGIN EXECUTE format('GRANT USAGE ON SCHEMA %I TO ${TENANT_ROLE}', current_schema()); END $$;`;

/**
 * How many passages each user has in each visibility, kept by statement triggers on the passages
 * (one upsert per statement, not per row), so that a search learns how many passages its user can
 * see from a few rows instead of counting a team's whole corpus. Rows are written in key order,
 * so two uploads never take each other's counter rows in the opposite order. The counts are
 * readable under the same rule as the passages: a teammate's private count is nobody else's.
 */
const PASSAGE_COUNTS = `
CREATE TABLE hub_passage_counts (
  team_id bigint NOT NULL,
  owner_id bigint NOT NULL,
  visibility text NOT NULL,
  passages bigint NOT NULL,
  PRIMARY KEY (team_id, owner_id, visibility)
);

CREATE FUNCTION hub_count_passages() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
  changed text := CASE TG_OP
    WHEN 'INSERT' THEN 'SELECT team_id, owner_id, visibility, 1 AS n FROM new_rows'
    WHEN 'DELETE' THEN 'SELECT team_id, owner_id, visibility, -1 AS n FROM old_rows'
    ELSE 'SELECT team_id, owner_id, visibility, 1 AS n FROM new_rows UNION ALL SELECT team_id, owner_id, visibility, -1 FROM old_rows' END;
BEGIN
  EXECUTE 'INSERT INTO hub_passage_counts AS p (team_id, owner_id, visibility, passages)
    SELECT team_id, owner_id, visibility, sum(n) FROM (' || changed || ') d
    GROUP BY team_id, owner_id, visibility HAVING sum(n) <> 0 ORDER BY team_id, owner_id, visibility
    ON CONFLICT (team_id, owner_id, visibility) DO UPDATE SET passages = p.passages + excluded.passages';
  RETURN NULL;
END $$;
CREATE TRIGGER hub_chunks_counted_insert AFTER INSERT ON hub_chunks REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION hub_count_passages();
CREATE TRIGGER hub_chunks_counted_delete AFTER DELETE ON hub_chunks REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION hub_count_passages();
CREATE TRIGGER hub_chunks_counted_update AFTER UPDATE ON hub_chunks REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION hub_count_passages();

-- The triggers hold off writers from here to the commit, so the count below misses none of them.
INSERT INTO hub_passage_counts (team_id, owner_id, visibility, passages)
  SELECT team_id, owner_id, visibility, count(*) FROM hub_chunks GROUP BY team_id, owner_id, visibility;

ALTER TABLE hub_passage_counts ENABLE ROW LEVEL SECURITY;
CREATE POLICY readable ON hub_passage_counts FOR SELECT USING (team_id = hub_team() AND (visibility = 'shared' OR owner_id = hub_user()));
GRANT SELECT ON hub_passage_counts TO ${TENANT_ROLE};`;

/** A user may choose, for themselves only, whether their name is shown on what they share. */
const OWN_CREDIT = `
CREATE POLICY own_credit ON hub_users FOR UPDATE USING (id = hub_user() AND team_id = hub_team()) WITH CHECK (id = hub_user() AND team_id = hub_team());
GRANT UPDATE (credit) ON hub_users TO ${TENANT_ROLE};`;

/**
 * How many of each user's passages in each visibility hold each word stem, kept like the passage
 * counts: the document frequencies a search weighs its words by, read from a few rows per word
 * instead of counted over the team's passages (a common word is in tens of thousands of them).
 * Readable under the passages' rule, so a teammate's private words count for nobody else.
 */
const STEM_COUNTS = `
CREATE TABLE hub_stem_counts (
  team_id bigint NOT NULL,
  stem text NOT NULL,
  owner_id bigint NOT NULL,
  visibility text NOT NULL,
  passages bigint NOT NULL,
  PRIMARY KEY (team_id, stem, owner_id, visibility)
);

CREATE FUNCTION hub_count_stems() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
  changed text := CASE TG_OP
    WHEN 'INSERT' THEN 'SELECT team_id, owner_id, visibility, stems, 1 AS n FROM new_rows'
    WHEN 'DELETE' THEN 'SELECT team_id, owner_id, visibility, stems, -1 AS n FROM old_rows'
    ELSE 'SELECT team_id, owner_id, visibility, stems, 1 AS n FROM new_rows UNION ALL SELECT team_id, owner_id, visibility, stems, -1 FROM old_rows' END;
BEGIN
  EXECUTE 'INSERT INTO hub_stem_counts AS p (team_id, stem, owner_id, visibility, passages)
    SELECT d.team_id, s.stem, d.owner_id, d.visibility, sum(d.n) FROM (' || changed || ') d CROSS JOIN LATERAL unnest(d.stems) AS s(stem)
    GROUP BY d.team_id, s.stem, d.owner_id, d.visibility HAVING sum(d.n) <> 0 ORDER BY d.team_id, s.stem, d.owner_id, d.visibility
    ON CONFLICT (team_id, stem, owner_id, visibility) DO UPDATE SET passages = p.passages + excluded.passages';
  RETURN NULL;
END $$;
CREATE TRIGGER hub_chunks_stems_insert AFTER INSERT ON hub_chunks REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION hub_count_stems();
CREATE TRIGGER hub_chunks_stems_delete AFTER DELETE ON hub_chunks REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION hub_count_stems();
CREATE TRIGGER hub_chunks_stems_update AFTER UPDATE ON hub_chunks REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION hub_count_stems();

-- As for the passage counts, the triggers hold off writers from here to the commit.
INSERT INTO hub_stem_counts (team_id, stem, owner_id, visibility, passages)
  SELECT c.team_id, s.stem, c.owner_id, c.visibility, count(*) FROM hub_chunks c CROSS JOIN LATERAL unnest(c.stems) AS s(stem)
  GROUP BY c.team_id, s.stem, c.owner_id, c.visibility;

ALTER TABLE hub_stem_counts ENABLE ROW LEVEL SECURITY;
CREATE POLICY readable ON hub_stem_counts FOR SELECT USING (team_id = hub_team() AND (visibility = 'shared' OR owner_id = hub_user()));
GRANT SELECT ON hub_stem_counts TO ${TENANT_ROLE};`;

/**
 * The passages of the user's team they may see that match a full-text query: the ids only. Under
 * row-level security PostgreSQL may not use the full-text index (`@@` is not leakproof, so it
 * must not run before the policies), and every search read the team's whole corpus; run by its
 * owner, this query uses the index and applies the policies' rule itself, with the team and user
 * of the request's own settings. The search still reads the passages of these ids under the
 * policies, so an id of another team's passage would find nothing.
 */
const TEXT_MATCHES = `
CREATE FUNCTION hub_text_matches(p_query tsquery, p_category text) RETURNS SETOF bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT AS $$
  SELECT c.id FROM hub_chunks c
  WHERE c.tsv @@ p_query AND c.team_id = hub_team() AND (c.visibility = 'shared' OR c.owner_id = hub_user())
    AND (p_category IS NULL OR c.category = p_category)
$$;
REVOKE EXECUTE ON FUNCTION hub_text_matches(tsquery, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION hub_text_matches(tsquery, text) TO ${TENANT_ROLE};`;

/**
 * The uploaded Markdown itself, so that a teammate can read the whole note a search found. Notes
 * uploaded before this version have none until they are uploaded again; the hub then answers
 * with their passages' text (documents.ts).
 */
const DOCUMENT_TEXT = `ALTER TABLE hub_documents ADD COLUMN content text;`;

export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'teams, users, documents, passages and feedback', sql: [ROLE, TABLES, AUTHENTICATE, TRIGGERS, POLICIES].join('\n') },
  { version: 2, name: 'passage counts per user and visibility; users set their own credit', sql: [PASSAGE_COUNTS, OWN_CREDIT].join('\n') },
  { version: 3, name: 'word stem counts per user and visibility; full-text matches through the index', sql: [STEM_COUNTS, TEXT_MATCHES].join('\n') },
  { version: 4, name: 'documents keep their text, for teammates to read', sql: DOCUMENT_TEXT },
  { version: 5, name: 'passage and note lengths for BM25; notes indexed whole', sql: bm25Migration(TENANT_ROLE) },
];

export const LATEST_VERSION = MIGRATIONS.at(-1)!.version;

/**
 * Applies the migrations this database lacks, up to `upTo` (all by default), under the advisory
 * lock; returns the versions it applied. Another process holding the lock is waited for.
 */
export async function migrate(client: PoolClient, log: Logger, upTo = LATEST_VERSION): Promise<number[]> {
  await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
  try {
    await client.query(
      'CREATE TABLE IF NOT EXISTS hub_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const applied = new Set((await client.query<{ version: number }>('SELECT version FROM hub_migrations')).rows.map((row) => row.version));
    const done: number[] = [];
    for (const migration of MIGRATIONS) {
      if (migration.version > upTo || applied.has(migration.version)) continue;
      await inTransaction(client, async () => {
        await client.query(migration.sql);
        await client.query('INSERT INTO hub_migrations (version, name) VALUES ($1, $2)', [migration.version, migration.name]);
      });
      log.info('Hub database migrated', { version: migration.version, name: migration.name });
      done.push(migration.version);
    }
    return done;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
  }
}

/** The newest migration applied to this database; 0 for a database the hub has never started on. */
export async function schemaVersion(client: { query: PoolClient['query'] }): Promise<number> {
  const exists = await client.query<{ found: boolean }>("SELECT to_regclass('hub_migrations') IS NOT NULL AS found");
  if (!exists.rows[0]!.found) return 0;
  const { rows } = await client.query<{ version: number | null }>('SELECT max(version) AS version FROM hub_migrations');
  return rows[0]!.version ?? 0;
}

export async function inTransaction<T>(client: PoolClient, work: () => Promise<T>): Promise<T> {
  await client.query('BEGIN');
  try {
    const result = await work();
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
