-- 0007_plain_checks: the checks of scopes, fetch_status, baselines and events are written as
-- comparisons instead of `IN (...)` lists (issue #7).
--
-- SQLite codes a CHECK with an IN list of three or more constants as a temporary B-tree that is
-- built afresh for every row inserted or updated: a first poll of 10,000 devices built 150,000
-- of them, more than half of its commit's instructions (callgrind); an event had two (its type
-- and its module). `module_code = 100 OR module_code = 101 OR module_code = 102` accepts and
-- refuses exactly the same values and costs three comparisons. The tables are rebuilt as 0006
-- did (a CHECK cannot be altered in place); columns, keys, references, indexes, rows,
-- AUTOINCREMENT counters and view definitions are unchanged. polls and retention_state keep
-- their IN checks: they take one row a poll, or a few a day.
--
-- The views that read the rebuilt tables are dropped and re-created around the rebuild,
-- so that nothing refers to a table while it is renamed. foreign_keys is ON inside the
-- migration's transaction; nothing references these tables, and the rows copied keep their
-- references.

DROP VIEW current_scopes;
DROP VIEW current_fetch_status;
DROP VIEW scope_history;

CREATE TABLE scopes_0007 (
  account_id          TEXT NOT NULL,
  device_id           TEXT NOT NULL,
  module_code         INTEGER NOT NULL CHECK (module_code = 100 OR module_code = 101 OR module_code = 102),
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
) WITHOUT ROWID;
INSERT INTO scopes_0007
SELECT account_id, device_id, module_code, scope_id, local_path, target_folder_path,
       create_time, first_seen_at, last_seen_at, removed_at, missing_count
  FROM scopes;
DROP TABLE scopes;
ALTER TABLE scopes_0007 RENAME TO scopes;

CREATE TABLE fetch_status_0007 (
  account_id            TEXT NOT NULL,
  device_id             TEXT NOT NULL,
  module_code           INTEGER NOT NULL CHECK (module_code = 100 OR module_code = 101 OR module_code = 102),
  last_attempt_at       TEXT NOT NULL,
  last_success_at       TEXT,                   -- NULL until a fetch has succeeded
  consecutive_failures  INTEGER NOT NULL DEFAULT 0 CHECK (consecutive_failures >= 0),
  last_error            TEXT,                   -- NULL after a success
  PRIMARY KEY (account_id, device_id, module_code),
  FOREIGN KEY (account_id, device_id) REFERENCES devices (account_id, device_id)
) WITHOUT ROWID;
INSERT INTO fetch_status_0007
SELECT account_id, device_id, module_code, last_attempt_at, last_success_at,
       consecutive_failures, last_error
  FROM fetch_status;
DROP TABLE fetch_status;
ALTER TABLE fetch_status_0007 RENAME TO fetch_status;

CREATE TABLE baselines_0007 (
  baseline_id   INTEGER PRIMARY KEY AUTOINCREMENT,   -- never reused, like events.seq
  poll_id       INTEGER REFERENCES polls (poll_id),  -- NULL: recorded by migration 0003
  observed_at   TEXT NOT NULL,                       -- the poll's finished_at (or the migration's time)
  account_id    TEXT NOT NULL REFERENCES accounts (account_id),
  device_id     TEXT,                                -- NULL: the account's device list
  module_code   INTEGER CHECK (module_code IS NULL OR module_code = 100 OR module_code = 101 OR
                               module_code = 102),
  records_json  TEXT NOT NULL,                       -- JSON array of the device or scope records
  prev_hash     TEXT NOT NULL,                       -- hash of the previous baseline; 64 zeros for the first
  hash          TEXT NOT NULL,                       -- SHA-256 of prev_hash and this row's columns (hex)
  FOREIGN KEY (account_id, device_id) REFERENCES devices (account_id, device_id),
  CHECK ((device_id IS NULL) = (module_code IS NULL))
);
INSERT INTO baselines_0007
SELECT baseline_id, poll_id, observed_at, account_id, device_id, module_code, records_json,
       prev_hash, hash
  FROM baselines;
-- The AUTOINCREMENT counter may be above every id left (retention prunes the oldest baselines,
-- and can prune them all): the new table takes it over, so that no id is ever given twice.
-- DROP TABLE removes the old table's counter and RENAME renames the new one's.
INSERT INTO sqlite_sequence (name, seq)
SELECT 'baselines_0007', seq FROM sqlite_sequence
 WHERE name = 'baselines'
   AND NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'baselines_0007');
UPDATE sqlite_sequence
   SET seq = max(seq, (SELECT seq FROM sqlite_sequence WHERE name = 'baselines'))
 WHERE name = 'baselines_0007'
   AND EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'baselines');
DROP TABLE baselines;
ALTER TABLE baselines_0007 RENAME TO baselines;
CREATE INDEX baselines_by_poll ON baselines (poll_id);
CREATE INDEX baselines_by_device ON baselines (account_id, device_id);

CREATE TABLE events_0007 (
  seq          INTEGER PRIMARY KEY AUTOINCREMENT,
  event_id     TEXT NOT NULL UNIQUE,            -- UUID v4; the webhook-id of a delivery
  poll_id      INTEGER NOT NULL REFERENCES polls (poll_id),
  observed_at  TEXT NOT NULL,                   -- the poll's finished_at
  type         TEXT NOT NULL CHECK (
                 type = 'device.added' OR type = 'device.removed' OR type = 'device.changed' OR
                 type = 'scope.added' OR type = 'scope.removed' OR type = 'scope.changed' OR
                 type = 'audit.suspect_mass_removal' OR type = 'coverage.lost' OR
                 type = 'coverage.restored'),
  account_id   TEXT NOT NULL REFERENCES accounts (account_id),
  device_id    TEXT,                            -- NULL for account-wide audit events
  module_code  INTEGER CHECK (module_code IS NULL OR module_code = 100 OR module_code = 101 OR
                              module_code = 102),
  scope_id     TEXT,                            -- NULL unless a scope event
  before_json  TEXT,                            -- the whole record before; NULL when added
  after_json   TEXT,                            -- the whole record after; NULL when removed
  cause        TEXT,                            -- e.g. 'device.removed' on a cascade; else NULL
  prev_hash    TEXT,                            -- hash of the previous event by seq (0003)
  hash         TEXT,                            -- SHA-256 of prev_hash and this row's columns (0003)
  FOREIGN KEY (account_id, device_id) REFERENCES devices (account_id, device_id),
  CHECK (type NOT GLOB 'device.*'
         OR (device_id IS NOT NULL AND module_code IS NULL AND scope_id IS NULL)),
  CHECK (type NOT GLOB 'scope.*'
         OR (device_id IS NOT NULL AND module_code IS NOT NULL AND scope_id IS NOT NULL))
);
INSERT INTO events_0007
SELECT seq, event_id, poll_id, observed_at, type, account_id, device_id, module_code, scope_id,
       before_json, after_json, cause, prev_hash, hash
  FROM events;
-- The counter is taken over as for baselines above.
INSERT INTO sqlite_sequence (name, seq)
SELECT 'events_0007', seq FROM sqlite_sequence
 WHERE name = 'events'
   AND NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'events_0007');
UPDATE sqlite_sequence
   SET seq = max(seq, (SELECT seq FROM sqlite_sequence WHERE name = 'events'))
 WHERE name = 'events_0007'
   AND EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'events');
DROP TABLE events;
ALTER TABLE events_0007 RENAME TO events;
CREATE INDEX events_by_observed_at ON events (observed_at);
CREATE INDEX events_by_device ON events (account_id, device_id, seq);
CREATE INDEX events_by_poll ON events (poll_id);

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


-- The account's last poll that got the device list (ok or partial): polls_by_account serves it.
CREATE VIEW current_fetch_status AS
SELECT f.account_id,
       f.device_id,
       d.device_name,
       f.module_code,
       CASE f.module_code
         WHEN 100 THEN 'folder'
         WHEN 101 THEN 'album'
         WHEN 102 THEN 'address_book'
       END AS module,
       CASE WHEN f.consecutive_failures = 0 AND d.removed_at IS NULL AND d.missing_count = 0
                 AND listed.at > f.last_attempt_at
            THEN listed.at ELSE f.last_attempt_at END AS last_attempt_at,
       CASE WHEN f.consecutive_failures = 0 AND d.removed_at IS NULL AND d.missing_count = 0
                 AND f.last_success_at IS NOT NULL AND listed.at > f.last_success_at
            THEN listed.at ELSE f.last_success_at END AS last_success_at,
       f.consecutive_failures,
       f.last_error
  FROM fetch_status AS f
  JOIN devices AS d ON d.account_id = f.account_id AND d.device_id = f.device_id
  LEFT JOIN (SELECT account_id, max(finished_at) AS at
               FROM polls
              WHERE outcome IN ('ok', 'partial')
              GROUP BY account_id) AS listed ON listed.account_id = f.account_id;

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
