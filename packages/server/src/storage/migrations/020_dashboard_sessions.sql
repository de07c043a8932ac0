-- The dashboard's sign-in sessions (docs/dashboard.md). A person signs in with an API key; the
-- browser then holds only a random session id in an HttpOnly cookie, stored here as a SHA-256.
-- A session lives as long as its key: revoking the key ends it.
CREATE TABLE dashboard_sessions (
  session_hash  text PRIMARY KEY,
  key_id        text NOT NULL REFERENCES api_keys (key_id) ON DELETE CASCADE,
  -- The token every form and every state-changing request carries (CSRF).
  csrf_token    text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
  last_seen_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
  expires_at    timestamptz NOT NULL
);
CREATE INDEX dashboard_sessions_expiry ON dashboard_sessions (expires_at);
