-- Memory at scale (docs/memory.md, "The store"): how many records of a repo hold each word, so a
-- search on a repo with 100,000 records matches on the words that tell records apart and leaves out
-- those most records hold (as "test" or "file"), which would make it rank the whole repo.
CREATE TABLE memory_lexemes (
  repo   text NOT NULL,
  lexeme text NOT NULL,
  ndoc   integer NOT NULL,
  PRIMARY KEY (repo, lexeme)
);

-- Kept by statement-level triggers: one aggregated upsert per statement, however many rows.
CREATE FUNCTION memory_lexemes_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO memory_lexemes (repo, lexeme, ndoc)
    SELECT a.repo, l.lexeme, count(*) FROM added a, unnest(tsvector_to_array(a.search)) AS l(lexeme)
     GROUP BY 1, 2 ORDER BY 1, 2
  ON CONFLICT (repo, lexeme) DO UPDATE SET ndoc = memory_lexemes.ndoc + excluded.ndoc;
  RETURN NULL;
END $$;

CREATE FUNCTION memory_lexemes_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE memory_lexemes m SET ndoc = m.ndoc - r.n
    FROM (SELECT o.repo, l.lexeme, count(*) AS n FROM removed o, unnest(tsvector_to_array(o.search)) AS l(lexeme)
           GROUP BY 1, 2) r
   WHERE m.repo = r.repo AND m.lexeme = r.lexeme;
  RETURN NULL;
END $$;

-- An edit changes the words: the old ones out, the new ones in (rows whose words did not change skip).
CREATE FUNCTION memory_lexemes_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE memory_lexemes m SET ndoc = m.ndoc - r.n
    FROM (SELECT o.repo, l.lexeme, count(*) AS n
            FROM removed o JOIN added a ON a.id = o.id AND a.search IS DISTINCT FROM o.search,
                 unnest(tsvector_to_array(o.search)) AS l(lexeme)
           GROUP BY 1, 2) r
   WHERE m.repo = r.repo AND m.lexeme = r.lexeme;
  INSERT INTO memory_lexemes (repo, lexeme, ndoc)
    SELECT a.repo, l.lexeme, count(*)
      FROM added a JOIN removed o ON a.id = o.id AND a.search IS DISTINCT FROM o.search,
           unnest(tsvector_to_array(a.search)) AS l(lexeme)
     GROUP BY 1, 2 ORDER BY 1, 2
  ON CONFLICT (repo, lexeme) DO UPDATE SET ndoc = memory_lexemes.ndoc + excluded.ndoc;
  RETURN NULL;
END $$;

CREATE TRIGGER memory_lexemes_insert AFTER INSERT ON memory_records
  REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION memory_lexemes_added();
CREATE TRIGGER memory_lexemes_delete AFTER DELETE ON memory_records
  REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION memory_lexemes_removed();
CREATE TRIGGER memory_lexemes_update AFTER UPDATE ON memory_records
  REFERENCING OLD TABLE AS removed NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION memory_lexemes_changed();

-- Records stored before this migration.
INSERT INTO memory_lexemes (repo, lexeme, ndoc)
  SELECT r.repo, l.lexeme, count(*) FROM memory_records r, unnest(tsvector_to_array(r.search)) AS l(lexeme)
   GROUP BY 1, 2;

-- The repo inside the full-text index (btree_gin), so a word common in other repos costs this one
-- nothing: where the extension exists (the embedded PostgreSQL has it) and may be created.
-- Elsewhere the plain GIN index of 016 stays and the repo is checked on the rows it finds.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'btree_gin') THEN
    BEGIN
      CREATE EXTENSION IF NOT EXISTS btree_gin;
      CREATE INDEX memory_records_repo_search ON memory_records USING gin (repo, search);
      DROP INDEX memory_records_search;
    EXCEPTION WHEN insufficient_privilege OR feature_not_supported OR undefined_file THEN
      RAISE NOTICE 'btree_gin unavailable (%): memory search keeps the plain GIN index', SQLERRM;
    END;
  END IF;
END $$;
