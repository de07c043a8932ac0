-- The built-in agent's conversation, saved after every turn so a run resumes after a crash.
CREATE TABLE agent_transcripts (
  task_id     text PRIMARY KEY REFERENCES tasks(task_id) ON DELETE CASCADE,
  transcript  jsonb NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);
