-- Pull requests of plain-git repos: ABCA keeps them itself (the remote only gets the branch).
CREATE TABLE change_requests (
  number       serial PRIMARY KEY,
  repo         text NOT NULL,
  task_id      text,
  branch       text NOT NULL,
  base         text NOT NULL,
  title        text NOT NULL,
  body         text NOT NULL,
  draft        boolean NOT NULL,
  state        text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'closed', 'merged')),
  base_commit  text,
  head_commit  text,
  commits      jsonb NOT NULL DEFAULT '[]',
  diff         text NOT NULL DEFAULT '',
  created_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
  updated_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
  UNIQUE (repo, branch)
);
CREATE INDEX change_requests_task ON change_requests (task_id);
