-- How rare each of a repo's words is (docs/memory.md, "Search and ranking"): memory_lexemes (017)
-- counts the records holding each word; this counts a repo's records, so a search weighs a word it
-- matches by its rarity in the repo (a word few records hold tells more than one most hold).
CREATE TABLE memory_repo_sizes (
  repo text PRIMARY KEY,
  nrec integer NOT NULL
);

-- Kept by statement-level triggers, as memory_lexemes is (an update never moves a record to another repo).
CREATE FUNCTION memory_repo_sizes_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO memory_repo_sizes (repo, nrec)
    SELECT a.repo, count(*) FROM added a GROUP BY 1 ORDER BY 1
  ON CONFLICT (repo) DO UPDATE SET nrec = memory_repo_sizes.nrec + excluded.nrec;
  RETURN NULL;
END $$;

CREATE FUNCTION memory_repo_sizes_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE memory_repo_sizes s SET nrec = s.nrec - r.n
    FROM (SELECT o.repo, count(*) AS n FROM removed o GROUP BY 1) r
   WHERE s.repo = r.repo;
  RETURN NULL;
END $$;

CREATE TRIGGER memory_repo_sizes_insert AFTER INSERT ON memory_records
  REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION memory_repo_sizes_added();
CREATE TRIGGER memory_repo_sizes_delete AFTER DELETE ON memory_records
  REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION memory_repo_sizes_removed();

-- Records stored before this migration.
INSERT INTO memory_repo_sizes (repo, nrec) SELECT repo, count(*) FROM memory_records GROUP BY 1;
