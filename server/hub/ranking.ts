/**
 * What the hub keeps so that its full-text ranking is BM25, the local knowledge base's (SQLite
 * FTS5's bm25 with the same column weights), rather than PostgreSQL's ts_rank: ts_rank neither
 * saturates a word's repeats nor weighs a passage's length against the average, and on the bench's
 * team corpus it found the right note in the top 10 for half the questions where BM25 found it
 * for five in six (bench/README.md).
 *
 * BM25 needs each passage's length and the average length of the passages a user can see, and the
 * hub's whole-note leg the same of notes. Lengths are counted by PostgreSQL's own parser, as
 * positions in a tsvector; the averages come from sums kept per user and visibility by statement
 * triggers, as the passage counts are (schema.ts), so a search reads a few rows, not a team's
 * corpus. A note's own words (its title with aliases, its headings, its passages' text) are
 * counted from its passages as they are stored.
 */

/** FTS5's bm25 parameters, which the local knowledge base ranks with. */
export const BM25_K1 = 1.2;
export const BM25_B = 0.75;

/**
 * A note's text beyond this many characters is left out of its own tsvector: PostgreSQL refuses a
 * tsvector over 1 MB, which a 5 MB note of varied words could reach, and positions stop counting
 * at 16,383 words anyway. Its passages are all indexed whatever its length.
 */
const NOTE_TEXT_CHARS = 200_000;

/**
 * Each passage's and each note's words, as BM25 reads them: a map of each lexeme to its frequency
 * weighted by the columns it occurs in (the tsvector's labels: A the title, 5; B headings and tags,
 * 2; C the correction and D the text, 1), and the length in words. A search looks up its few
 * words in the map of each candidate, where reading them out of the tsvector meant unnesting all
 * of its lexemes: 1.5× the time of the whole full-text leg (bench/README.md). PostgreSQL leaves
 * stop words out, where FTS5 counts them: a roughly constant share of every text, which BM25's
 * ratio of a length to the average mostly cancels.
 *
 * The passages' map is generated from the same expression as their tsvector (schema.ts, version 1).
 */
const WORDS = `
CREATE FUNCTION hub_term_frequencies(v tsvector) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT coalesce(jsonb_object_agg(u.lexeme,
           array_length(u.weights, 1) + 4 * cardinality(array_positions(u.weights, 'A')) + cardinality(array_positions(u.weights, 'B'))), '{}'::jsonb)
  FROM unnest(v) AS u $$;
CREATE FUNCTION hub_tsv_length(v tsvector) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT coalesce(sum(array_length(u.positions, 1)), 0)::int FROM unnest(v) AS u $$;

ALTER TABLE hub_chunks
  ADD COLUMN frequencies jsonb GENERATED ALWAYS AS (hub_term_frequencies(
    setweight(to_tsvector('english'::regconfig, title), 'A') ||
    setweight(to_tsvector('english'::regconfig, heading), 'B') ||
    setweight(to_tsvector('english'::regconfig, search_tags || ' ' || extra_tags), 'B') ||
    setweight(to_tsvector('english'::regconfig, correction), 'C') ||
    setweight(to_tsvector('english'::regconfig, text), 'D'))) STORED,
  ADD COLUMN length integer GENERATED ALWAYS AS (hub_tsv_length(to_tsvector('english'::regconfig,
    title || ' ' || heading || ' ' || search_tags || ' ' || extra_tags || ' ' || correction || ' ' || text))) STORED;

ALTER TABLE hub_documents ADD COLUMN frequencies jsonb NOT NULL DEFAULT '{}', ADD COLUMN length integer NOT NULL DEFAULT 0;

-- A note's own words: its title with aliases, its headings, and its passages' text.
CREATE FUNCTION hub_note_words(p_documents bigint[]) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path FROM CURRENT AS $$
  UPDATE hub_documents d SET frequencies = hub_term_frequencies(n.tsv), length = hub_tsv_length(n.tsv)
  FROM (SELECT x.id, coalesce((
          SELECT setweight(to_tsvector('english'::regconfig, min(c.title)), 'A') ||
                 setweight(to_tsvector('english'::regconfig, coalesce(string_agg(DISTINCT c.heading, ' › '), '')), 'B') ||
                 setweight(to_tsvector('english'::regconfig, left(string_agg(c.text, E'\\n' ORDER BY c.ord), ${NOTE_TEXT_CHARS})), 'D')
          FROM hub_chunks c WHERE c.document_id = x.id), ''::tsvector) AS tsv
        FROM unnest(p_documents) AS x(id)) n
  WHERE d.id = n.id
$$;
REVOKE EXECUTE ON FUNCTION hub_note_words(bigint[]) FROM PUBLIC;

-- A note's passages are replaced together (an upload deletes them, then inserts the new ones), so
-- its words are counted after each: after the delete too, for a note uploaded again without text.
CREATE FUNCTION hub_index_notes() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM hub_note_words(ARRAY(SELECT DISTINCT document_id FROM new_rows ORDER BY document_id));
  ELSE
    PERFORM hub_note_words(ARRAY(SELECT DISTINCT document_id FROM old_rows ORDER BY document_id));
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER hub_chunks_notes_insert AFTER INSERT ON hub_chunks REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION hub_index_notes();
CREATE TRIGGER hub_chunks_notes_delete AFTER DELETE ON hub_chunks REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION hub_index_notes();

SELECT hub_note_words(ARRAY(SELECT id FROM hub_documents));`;

/**
 * A statement trigger's function that keeps `counts` (a row per team, owner and visibility) at
 * the number of rows and the sum of their `length`, in `count` and `words`: one upsert per
 * statement, written in key order, as the passage counts of schema.ts.
 */
function countingFunction(name: string, counts: string, count: string): string {
  const rows = (sign: '' | '-', table: string) => `SELECT team_id, owner_id, visibility, ${sign}1 AS n, ${sign}length AS w FROM ${table}`;
  return `
CREATE OR REPLACE FUNCTION ${name}() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
  changed text := CASE TG_OP
    WHEN 'INSERT' THEN '${rows('', 'new_rows')}'
    WHEN 'DELETE' THEN '${rows('-', 'old_rows')}'
    ELSE '${rows('', 'new_rows')} UNION ALL ${rows('-', 'old_rows')}' END;
BEGIN
  EXECUTE 'INSERT INTO ${counts} AS p (team_id, owner_id, visibility, ${count}, words)
    SELECT team_id, owner_id, visibility, sum(n), sum(w) FROM (' || changed || ') d
    GROUP BY team_id, owner_id, visibility HAVING sum(n) <> 0 OR sum(w) <> 0 ORDER BY team_id, owner_id, visibility
    ON CONFLICT (team_id, owner_id, visibility) DO UPDATE SET ${count} = p.${count} + excluded.${count}, words = p.words + excluded.words';
  RETURN NULL;
END $$;`;
}

/** The passages' words per user and visibility, beside their number. */
const PASSAGE_WORDS = `
ALTER TABLE hub_passage_counts ADD COLUMN words bigint NOT NULL DEFAULT 0;
${countingFunction('hub_count_passages', 'hub_passage_counts', 'passages')}

-- ALTER TABLE above holds off every writer of the passages until this migration commits.
UPDATE hub_passage_counts p SET words = s.words
FROM (SELECT team_id, owner_id, visibility, sum(length) AS words FROM hub_chunks GROUP BY team_id, owner_id, visibility) s
WHERE (p.team_id, p.owner_id, p.visibility) = (s.team_id, s.owner_id, s.visibility);`;

/** How many notes each user has in each visibility, and their words: the whole-note leg's average. */
const NOTE_COUNTS = `
CREATE TABLE hub_note_counts (
  team_id bigint NOT NULL,
  owner_id bigint NOT NULL,
  visibility text NOT NULL,
  notes bigint NOT NULL,
  words bigint NOT NULL,
  PRIMARY KEY (team_id, owner_id, visibility)
);

${countingFunction('hub_count_notes', 'hub_note_counts', 'notes')}
CREATE TRIGGER hub_documents_counted_insert AFTER INSERT ON hub_documents REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION hub_count_notes();
CREATE TRIGGER hub_documents_counted_delete AFTER DELETE ON hub_documents REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION hub_count_notes();
CREATE TRIGGER hub_documents_counted_update AFTER UPDATE ON hub_documents REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION hub_count_notes();

INSERT INTO hub_note_counts (team_id, owner_id, visibility, notes, words)
  SELECT team_id, owner_id, visibility, count(*), sum(length) FROM hub_documents GROUP BY team_id, owner_id, visibility;

ALTER TABLE hub_note_counts ENABLE ROW LEVEL SECURITY;
CREATE POLICY readable ON hub_note_counts FOR SELECT USING (team_id = hub_team() AND (visibility = 'shared' OR owner_id = hub_user()));`;

/** The migration that gives the hub what BM25 needs; `tenant` is the role requests run as. */
export function bm25Migration(tenant: string): string {
  return [WORDS, PASSAGE_WORDS, NOTE_COUNTS, `GRANT SELECT ON hub_note_counts TO ${tenant};`].join('\n');
}
