-- Memory's writers (docs/memory.md, "What is learned, and from what").
-- The files a checkpointed task's commits change, computed on the host (for its episode).
ALTER TABLE workspace_snapshots ADD COLUMN paths jsonb;

-- What the learning passes already handled, so a pass re-run learns nothing twice:
-- `comment:<watch id>:<comment id>` (a review comment read for rules, whatever came of it),
-- `pr-outcome:<task id>` (the outcome of the task's PR, once written into its episode).
CREATE TABLE memory_learned (
  key         text PRIMARY KEY,
  -- What came of it: `rule`, `no_rule`, `not_writer`, `refused`, `bounded`, `failed`, `merged`, ...
  result      text NOT NULL,
  learned_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);
