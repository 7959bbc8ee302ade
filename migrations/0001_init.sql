-- 0001_init: the data model of DESIGN.md §4. docs/schema.md explains every column.
--
-- Conventions (every migration):
--   * The migrator runs each file inside ONE transaction together with
--     `PRAGMA user_version = N`; a file must not contain BEGIN, COMMIT or ROLLBACK.
--   * Timestamps are TEXT, ISO-8601 UTC with milliseconds and Z: 2026-11-23T07:00:00.000Z.
--   * KooDrive IDs are TEXT (they exceed 2^53); module codes are INTEGER 100/101/102.
--   * Names are a public interface: never rename, add a new migration instead.

CREATE TABLE accounts (
  account_id  TEXT NOT NULL PRIMARY KEY,        -- KooDrive user id (X-User-Id)
  name        TEXT,                             -- label from the config; NULL when none
  created_at  TEXT NOT NULL                     -- first poll committed for this account
);

CREATE TABLE devices (
  account_id     TEXT NOT NULL REFERENCES accounts (account_id),
  device_id      TEXT NOT NULL,
  machine_code   TEXT NOT NULL,
  device_name    TEXT NOT NULL,
  device_os      TEXT NOT NULL,
  create_time    TEXT NOT NULL,                 -- as KooDrive sent it
  first_seen_at  TEXT NOT NULL,
  last_seen_at   TEXT NOT NULL,
  removed_at     TEXT,                          -- NULL while the device is bound
  missing_count  INTEGER NOT NULL DEFAULT 0 CHECK (missing_count >= 0),
  PRIMARY KEY (account_id, device_id)
);

CREATE TABLE scopes (
  account_id          TEXT NOT NULL,
  device_id           TEXT NOT NULL,
  module_code         INTEGER NOT NULL CHECK (module_code IN (100, 101, 102)),
  scope_id            TEXT NOT NULL,
  local_path          TEXT NOT NULL,
  target_folder_path  TEXT NOT NULL,
  create_time         TEXT NOT NULL,            -- as KooDrive sent it
  first_seen_at       TEXT NOT NULL,
  last_seen_at        TEXT NOT NULL,
  removed_at          TEXT,                     -- NULL while the scope exists
  missing_count       INTEGER NOT NULL DEFAULT 0 CHECK (missing_count >= 0),
  PRIMARY KEY (account_id, device_id, module_code, scope_id),
  FOREIGN KEY (account_id, device_id) REFERENCES devices (account_id, device_id)
);

-- AUTOINCREMENT: a poll_id is never reused, even after retention prunes old polls, so an id
-- in a log line can never come to mean another poll.
CREATE TABLE polls (
  poll_id      INTEGER PRIMARY KEY AUTOINCREMENT,
  account_id   TEXT NOT NULL REFERENCES accounts (account_id),
  started_at   TEXT NOT NULL,
  finished_at  TEXT NOT NULL,
  outcome      TEXT NOT NULL CHECK (outcome IN ('ok', 'partial', 'failed')),
  requests     INTEGER NOT NULL DEFAULT 0 CHECK (requests >= 0),
  failures     INTEGER NOT NULL DEFAULT 0 CHECK (failures >= 0),
  events       INTEGER NOT NULL DEFAULT 0 CHECK (events >= 0),
  error        TEXT                             -- NULL unless the poll failed or was partial
);

-- AUTOINCREMENT: seq is never reused, even after retention deletes the newest rows; sink
-- cursors (sink_cursors.last_seq) depend on it.
CREATE TABLE events (
  seq          INTEGER PRIMARY KEY AUTOINCREMENT,
  event_id     TEXT NOT NULL UNIQUE,            -- UUID v4; the webhook-id of a delivery
  poll_id      INTEGER NOT NULL REFERENCES polls (poll_id),
  observed_at  TEXT NOT NULL,                   -- the poll's finished_at
  type         TEXT NOT NULL CHECK (type IN (
                 'device.added', 'device.removed', 'device.changed',
                 'scope.added', 'scope.removed', 'scope.changed',
                 'audit.suspect_mass_removal', 'coverage.lost', 'coverage.restored')),
  account_id   TEXT NOT NULL REFERENCES accounts (account_id),
  device_id    TEXT,                            -- NULL for account-wide audit events
  module_code  INTEGER CHECK (module_code IS NULL OR module_code IN (100, 101, 102)),
  scope_id     TEXT,                            -- NULL unless a scope event
  before_json  TEXT,                            -- the whole record before; NULL when added
  after_json   TEXT,                            -- the whole record after; NULL when removed
  cause        TEXT,                            -- e.g. 'device.removed' on a cascade; else NULL
  FOREIGN KEY (account_id, device_id) REFERENCES devices (account_id, device_id),
  CHECK (type NOT GLOB 'device.*'
         OR (device_id IS NOT NULL AND module_code IS NULL AND scope_id IS NULL)),
  CHECK (type NOT GLOB 'scope.*'
         OR (device_id IS NOT NULL AND module_code IS NOT NULL AND scope_id IS NOT NULL))
);

CREATE TABLE fetch_status (
  account_id            TEXT NOT NULL,
  device_id             TEXT NOT NULL,
  module_code           INTEGER NOT NULL CHECK (module_code IN (100, 101, 102)),
  last_attempt_at       TEXT NOT NULL,
  last_success_at       TEXT,                   -- NULL until a fetch has succeeded
  consecutive_failures  INTEGER NOT NULL DEFAULT 0 CHECK (consecutive_failures >= 0),
  last_error            TEXT,                   -- NULL after a success
  PRIMARY KEY (account_id, device_id, module_code),
  FOREIGN KEY (account_id, device_id) REFERENCES devices (account_id, device_id)
);

CREATE TABLE sink_cursors (
  sink        TEXT NOT NULL PRIMARY KEY,
  last_seq    INTEGER NOT NULL DEFAULT 0 CHECK (last_seq >= 0),  -- delivered up to this seq
  updated_at  TEXT NOT NULL
);

-- What operators and the CLI ask: events in a time range, events of one device, the poll's
-- events (also keeps retention's DELETE FROM polls cheap), the last polls of an account.
CREATE INDEX events_by_observed_at ON events (observed_at);
CREATE INDEX events_by_device ON events (account_id, device_id, seq);
CREATE INDEX events_by_poll ON events (poll_id);
CREATE INDEX polls_by_account ON polls (account_id, started_at);
CREATE INDEX polls_by_started_at ON polls (started_at);

CREATE VIEW current_scopes AS
SELECT s.account_id,
       s.device_id,
       d.device_name,
       s.module_code,
       CASE s.module_code
         WHEN 100 THEN 'folder'
         WHEN 101 THEN 'album'
         WHEN 102 THEN 'address_book'
       END AS module,
       s.scope_id,
       s.local_path,
       s.target_folder_path,
       s.create_time,
       s.first_seen_at,
       s.last_seen_at,
       s.missing_count
  FROM scopes AS s
  JOIN devices AS d ON d.account_id = s.account_id AND d.device_id = s.device_id
 WHERE s.removed_at IS NULL;

CREATE VIEW scope_history AS
SELECT e.seq,
       e.event_id,
       e.observed_at,
       e.type,
       e.account_id,
       e.device_id,
       d.device_name,
       e.module_code,
       CASE e.module_code
         WHEN 100 THEN 'folder'
         WHEN 101 THEN 'album'
         WHEN 102 THEN 'address_book'
       END AS module,
       e.scope_id,
       e.before_json,
       e.after_json,
       e.cause,
       e.poll_id
  FROM events AS e
  LEFT JOIN devices AS d ON d.account_id = e.account_id AND d.device_id = e.device_id
 WHERE e.type GLOB 'scope.*'
 ORDER BY e.seq;
