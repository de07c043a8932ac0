-- Credentials of plain-git repos, kept apart from `repos` (which every member can read through the
-- API) and encrypted with AES-256-GCM under the platform's secret key (ABCA_SECRET_KEY or
-- <ABCA_HOME>/secret.key). The additional authenticated data binds a row to its repo and origin, so
-- a row copied to another repo, or pointed at another host, does not decrypt.
CREATE TABLE repo_credentials (
  repo        text PRIMARY KEY REFERENCES repos(repo) ON DELETE CASCADE,
  -- scheme://host[:port] the credential is sent to (git scopes its header to it).
  origin      text NOT NULL,
  -- The user name for display; NULL when it is itself secret (a lone token as the URL's user name).
  username    text,
  -- Which key sealed the row (a fingerprint, not the key): lets a wrong key be named, and a key be
  -- rotated later by re-sealing the rows of an old id.
  key_id      text NOT NULL,
  iv          bytea NOT NULL CHECK (octet_length(iv) = 12),
  ciphertext  bytea NOT NULL,
  auth_tag    bytea NOT NULL CHECK (octet_length(auth_tag) = 16),
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
