-- Comments on plain-git change requests (ABCA keeps them, as it keeps the change requests).
-- `path`/`line` are set for review comments on a line of the diff, null for general comments.
CREATE TABLE change_request_comments (
  id          serial PRIMARY KEY,
  number      integer NOT NULL REFERENCES change_requests (number) ON DELETE CASCADE,
  author      text NOT NULL,
  body        text NOT NULL,
  path        text,
  line        integer,
  resolved    boolean NOT NULL DEFAULT false,
  created_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX change_request_comments_number ON change_request_comments (number, id);
