-- Honest costs. `priced`: whether the task's tokens were priced from a price table (or free);
-- false: its model has no price, so `cost_usd` counts nothing for it; null: no model call yet.
ALTER TABLE tasks ADD COLUMN priced boolean;
-- A user's monthly budget in USD (calendar month, UTC); null: none. Set by an admin.
ALTER TABLE users ADD COLUMN monthly_budget_usd numeric(12, 2) CHECK (monthly_budget_usd > 0);
-- Spend of a user or a repo in a month: tasks by creation time.
CREATE INDEX tasks_repo_created ON tasks (repo, created_at);
CREATE INDEX tasks_created ON tasks (created_at);
