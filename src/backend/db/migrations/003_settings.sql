-- Installation secrets the backend generates itself on first use (e.g. the key that pseudonymises case
-- references in research exports). Never leaves the database.
CREATE TABLE backend_settings (
  name         text PRIMARY KEY,
  value        text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now()
);
