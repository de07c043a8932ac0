-- A checkpoint keeps the commits it was verified to hold, so finalization can reuse it as it is
-- when the workspace did not change since (oldest first: sha and subject).
ALTER TABLE workspace_snapshots ADD COLUMN commits jsonb NOT NULL DEFAULT '[]'::jsonb;
