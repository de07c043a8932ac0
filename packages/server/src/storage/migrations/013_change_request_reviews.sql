-- The PR loop on plain git: review threads (a reply names the comment that opened its thread),
-- reviews with a verdict, and when a change request was merged or closed.
ALTER TABLE change_request_comments
  ADD COLUMN in_reply_to integer REFERENCES change_request_comments (id) ON DELETE CASCADE;

CREATE TABLE change_request_reviews (
  id          serial PRIMARY KEY,
  number      integer NOT NULL REFERENCES change_requests (number) ON DELETE CASCADE,
  author      text NOT NULL,
  verdict     text NOT NULL CHECK (verdict IN ('comment', 'approve', 'request_changes')),
  body        text NOT NULL,
  -- The task that posted it: one review per task and change request, whatever retries happen.
  task_id     text,
  created_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX change_request_reviews_number ON change_request_reviews (number, id);
CREATE UNIQUE INDEX change_request_reviews_task ON change_request_reviews (number, task_id)
  WHERE task_id IS NOT NULL;

-- A line comment made as part of a review (posted with it, in one transaction).
ALTER TABLE change_request_comments
  ADD COLUMN review_id integer REFERENCES change_request_reviews (id) ON DELETE CASCADE;

-- A task's comment is one per change request and thread (its status comment, one reply per thread
-- it answered); the comments of its review are keyed by the review.
DROP INDEX change_request_comments_task;
CREATE UNIQUE INDEX change_request_comments_task
  ON change_request_comments (number, task_id, coalesce(in_reply_to, 0))
  WHERE task_id IS NOT NULL AND review_id IS NULL;

ALTER TABLE change_requests
  ADD COLUMN merged_at timestamptz,
  ADD COLUMN closed_at timestamptz;
