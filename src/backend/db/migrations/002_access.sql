-- Who may look: users with one role, their sessions, and the audit log of who viewed which case.

CREATE TABLE users (
  id           bigserial PRIMARY KEY,
  email        text NOT NULL UNIQUE CHECK (email = lower(email)),
  role         text NOT NULL CHECK (role IN ('worker', 'researcher', 'admin')),
  -- A worker sees the cases of this team (cases.team_ref); researchers and admins have none or ignore it.
  team_ref     text,
  password_hash text NOT NULL,
  -- A researcher sees free text only with this grant.
  free_text_granted boolean NOT NULL DEFAULT false,
  created_at   timestamptz NOT NULL DEFAULT now(),
  disabled_at  timestamptz
);

-- The cookie carries a random token; only its SHA-256 is stored, so a copy of the table signs nobody in.
CREATE TABLE sessions (
  token_hash   text PRIMARY KEY,
  user_id      bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at   timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE audit_log (
  id           bigserial PRIMARY KEY,
  at           timestamptz NOT NULL DEFAULT now(),
  user_id      bigint REFERENCES users (id) ON DELETE SET NULL,
  action       text NOT NULL,
  case_ref     text,
  detail       jsonb
);
CREATE INDEX audit_log_case ON audit_log (case_ref, at);

ALTER TABLE safety_signals
  ADD CONSTRAINT safety_signals_acknowledged_by FOREIGN KEY (acknowledged_by) REFERENCES users (id) ON DELETE SET NULL;
