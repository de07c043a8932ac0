-- The fake forge's PR loop (tests and demos): a pull request's state, the reviews people and tasks
-- post, and review threads (comments on lines, replies, resolution), shaped like the plain-git
-- change request tables so the same thread logic reads both.
ALTER TABLE fake_forge_pulls
  ADD COLUMN state text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'closed', 'merged')),
  ADD COLUMN merged_at timestamptz,
  ADD COLUMN closed_at timestamptz,
  ADD COLUMN labels text[] NOT NULL DEFAULT '{}';

CREATE TABLE fake_forge_reviews (
  id          serial PRIMARY KEY,
  pull        integer NOT NULL REFERENCES fake_forge_pulls (number) ON DELETE CASCADE,
  author      text NOT NULL,
  verdict     text NOT NULL CHECK (verdict IN ('comment', 'approve', 'request_changes')),
  body        text NOT NULL,
  commit_sha  text,
  -- One review per task and pull request, whatever retries happen.
  task_id     text,
  created_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX fake_forge_reviews_pull ON fake_forge_reviews (pull, id);
CREATE UNIQUE INDEX fake_forge_reviews_task ON fake_forge_reviews (pull, task_id) WHERE task_id IS NOT NULL;

CREATE TABLE fake_forge_review_comments (
  id          serial PRIMARY KEY,
  pull        integer NOT NULL REFERENCES fake_forge_pulls (number) ON DELETE CASCADE,
  author      text NOT NULL,
  body        text NOT NULL,
  path        text NOT NULL,
  line        integer,
  in_reply_to integer REFERENCES fake_forge_review_comments (id) ON DELETE CASCADE,
  review_id   integer REFERENCES fake_forge_reviews (id) ON DELETE CASCADE,
  resolved    boolean NOT NULL DEFAULT false,
  task_id     text,
  created_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX fake_forge_review_comments_pull ON fake_forge_review_comments (pull, id);
-- A task replies once per thread.
CREATE UNIQUE INDEX fake_forge_review_comments_task
  ON fake_forge_review_comments (pull, task_id, coalesce(in_reply_to, 0))
  WHERE task_id IS NOT NULL AND review_id IS NULL;
