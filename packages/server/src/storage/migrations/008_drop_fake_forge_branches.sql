-- The fake forge's remote is a real bare repository on the host now (branches live there), so the
-- table that stood in for its branches is unused.
DROP TABLE IF EXISTS fake_forge_branches;
