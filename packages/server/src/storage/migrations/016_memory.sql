-- A repo's memory (docs/memory.md): what ABCA learned from earlier tasks and reviews.
CREATE TABLE memory_records (
  id            text PRIMARY KEY,
  repo          text NOT NULL,
  kind          text NOT NULL CHECK (kind IN ('repo_knowledge', 'episode', 'review_rule', 'user_preference')),
  -- Whose preference (user_preference); null for the other kinds.
  user_id       text,
  title         text NOT NULL,
  body          text NOT NULL,
  category      text CHECK (category IN ('nit', 'bug', 'style', 'design', 'scope')),
  citations     jsonb NOT NULL DEFAULT '[]',
  provenance    jsonb NOT NULL,
  pinned        boolean NOT NULL DEFAULT false,
  superseded_by text REFERENCES memory_records (id) ON DELETE SET NULL,
  -- Makes a writer's add idempotent (an episode per task, a rule per comment).
  dedupe_key    text,
  -- The cited paths, split into words, for the search (filled by the adapter).
  path_terms    text NOT NULL DEFAULT '',
  search        tsvector GENERATED ALWAYS AS (
                  setweight(to_tsvector('english', title), 'A') ||
                  setweight(to_tsvector('simple', path_terms), 'A') ||
                  setweight(to_tsvector('english', body), 'B')) STORED,
  created_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
  updated_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
  last_used_at  timestamptz,
  use_count     integer NOT NULL DEFAULT 0
);
CREATE INDEX memory_records_search ON memory_records USING gin (search);
CREATE INDEX memory_records_repo ON memory_records (repo, kind, created_at DESC);
CREATE UNIQUE INDEX memory_records_dedupe ON memory_records (repo, dedupe_key) WHERE dedupe_key IS NOT NULL;

-- Which task's prompt held which record (a use counts once per task).
CREATE TABLE memory_uses (
  task_id   text NOT NULL,
  record_id text NOT NULL REFERENCES memory_records (id) ON DELETE CASCADE,
  used_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (task_id, record_id)
);
CREATE INDEX memory_uses_record ON memory_uses (record_id);

-- A task may leave memory out (`abca eval` runs each task with memory on and off); null: the repo's setting.
ALTER TABLE tasks ADD COLUMN memory boolean;
