-- The data the bot sends: every webhook as received, and the same responses normalised for views and exports.
-- Free text (open answers, comments) lives in its own table so it can be kept for a shorter time than scores.

-- Every verified webhook, once (webhook-id is the idempotency key). `payload` is cleared when the free-text
-- retention period ends or the respondent is erased; the row stays so a late retry is still recognised.
CREATE TABLE webhook_events (
  webhook_id   text PRIMARY KEY,
  type         text NOT NULL,
  payload      jsonb,
  received_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE flow_versions (
  flow_id      text NOT NULL,
  version      integer NOT NULL,
  hash         text NOT NULL,
  first_seen_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (flow_id, version, hash)
);

-- A case is the worker's reference (caseRef) for one family; team_ref is the check-in's team, when it had one.
CREATE TABLE cases (
  case_ref     text PRIMARY KEY,
  team_ref     text,
  first_seen_at timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX cases_team ON cases (team_ref);

CREATE TABLE responses (
  id           text PRIMARY KEY,
  webhook_id   text NOT NULL REFERENCES webhook_events (webhook_id),
  type         text NOT NULL CHECK (type IN ('response.completed', 'response.partial')),
  checkin_id   text NOT NULL,
  case_ref     text REFERENCES cases (case_ref),
  team_ref     text,
  flow_id      text NOT NULL,
  flow_version integer NOT NULL,
  flow_hash    text NOT NULL,
  respondent_role text NOT NULL,
  respondent_age_band text,
  respondent_pseudonym text NOT NULL,
  locale       text NOT NULL,
  channel      text NOT NULL,
  started_at   timestamptz NOT NULL,
  completed_at timestamptz NOT NULL,
  received_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX responses_case ON responses (case_ref, completed_at);
CREATE INDEX responses_flow ON responses (flow_id, flow_version, completed_at);
CREATE INDEX responses_pseudonym ON responses (respondent_pseudonym);

-- One row per answer (long form). value_num for scale values, value_code for choice options; the text of an
-- open item is never here but in free_texts.
CREATE TABLE answers (
  response_id  text NOT NULL REFERENCES responses (id) ON DELETE CASCADE,
  position     integer NOT NULL,
  item         text NOT NULL,
  status       text NOT NULL CHECK (status IN ('answered', 'dontKnow', 'skipped')),
  value_num    double precision,
  value_code   text,
  score        double precision,
  label        text,
  answered_at  timestamptz NOT NULL,
  PRIMARY KEY (response_id, item)
);

-- What the respondent typed: an open item's answer (source 'answer') or a comment on an item ('comment').
CREATE TABLE free_texts (
  response_id  text NOT NULL REFERENCES responses (id) ON DELETE CASCADE,
  item         text NOT NULL,
  source       text NOT NULL CHECK (source IN ('answer', 'comment')),
  body         text NOT NULL,
  answered_at  timestamptz NOT NULL,
  PRIMARY KEY (response_id, item, source)
);
CREATE INDEX free_texts_age ON free_texts (answered_at);

CREATE TABLE domain_scores (
  response_id  text NOT NULL REFERENCES responses (id) ON DELETE CASCADE,
  domain       text NOT NULL,
  score        double precision,
  answered     integer NOT NULL,
  of           integer NOT NULL,
  PRIMARY KEY (response_id, domain)
);

CREATE TABLE flags (
  response_id  text NOT NULL REFERENCES responses (id) ON DELETE CASCADE,
  flag         text NOT NULL,
  value        boolean NOT NULL,
  PRIMARY KEY (response_id, flag)
);

-- Someone must acknowledge each signal: who (a user id, see 002), when and what was done.
CREATE TABLE safety_signals (
  id           text PRIMARY KEY,
  webhook_id   text NOT NULL REFERENCES webhook_events (webhook_id),
  checkin_id   text NOT NULL,
  case_ref     text REFERENCES cases (case_ref),
  team_ref     text,
  flow_id      text NOT NULL,
  flow_version integer NOT NULL,
  respondent_role text NOT NULL,
  respondent_age_band text,
  respondent_pseudonym text NOT NULL,
  categories   text[] NOT NULL,
  item         text,
  signalled_at timestamptz NOT NULL,
  received_at  timestamptz NOT NULL DEFAULT now(),
  acknowledged_at timestamptz,
  acknowledged_by bigint,
  action_taken text
);
CREATE INDEX safety_signals_open ON safety_signals (signalled_at) WHERE acknowledged_at IS NULL;
CREATE INDEX safety_signals_pseudonym ON safety_signals (respondent_pseudonym);

-- Erasures done (a respondent's /wis, or an admin's answer to a request): counts only, never whose.
CREATE TABLE erasure_log (
  id           bigserial PRIMARY KEY,
  erased_at    timestamptz NOT NULL DEFAULT now(),
  reason       text NOT NULL,
  responses    integer NOT NULL,
  signals      integer NOT NULL
);
