-- 0006_without_rowid: scopes and fetch_status become WITHOUT ROWID tables (issue #7).
--
-- Both are only ever reached by their primary key. As rowid tables each row was stored twice:
-- once in the table and once in the key's automatic index, and every read along the key went
-- through the index and then back to the table. A WITHOUT ROWID table is one B-tree ordered by
-- its key: a first poll of 10,000 devices writes about 10 MB less, and the poll reads a run of
-- devices' scopes in one pass. Columns, constraints, rows and view definitions are unchanged.
--
-- The views that read the tables are dropped and re-created around the rebuild, so that
-- nothing refers to a table while it is renamed. foreign_keys is ON inside the migration's
-- transaction; nothing references these tables, and the rows copied keep their references.

DROP VIEW current_scopes;
DROP VIEW current_fetch_status;

CREATE TABLE scopes_0006 (
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
) WITHOUT ROWID;
INSERT INTO scopes_0006
SELECT account_id, device_id, module_code, scope_id, local_path, target_folder_path,
       create_time, first_seen_at, last_seen_at, removed_at, missing_count
  FROM scopes;
DROP TABLE scopes;
ALTER TABLE scopes_0006 RENAME TO scopes;

CREATE TABLE fetch_status_0006 (
  account_id            TEXT NOT NULL,
  device_id             TEXT NOT NULL,
  module_code           INTEGER NOT NULL CHECK (module_code IN (100, 101, 102)),
  last_attempt_at       TEXT NOT NULL,
  last_success_at       TEXT,                   -- NULL until a fetch has succeeded
  consecutive_failures  INTEGER NOT NULL DEFAULT 0 CHECK (consecutive_failures >= 0),
  last_error            TEXT,                   -- NULL after a success
  PRIMARY KEY (account_id, device_id, module_code),
  FOREIGN KEY (account_id, device_id) REFERENCES devices (account_id, device_id)
) WITHOUT ROWID;
INSERT INTO fetch_status_0006
SELECT account_id, device_id, module_code, last_attempt_at, last_success_at,
       consecutive_failures, last_error
  FROM fetch_status;
DROP TABLE fetch_status;
ALTER TABLE fetch_status_0006 RENAME TO fetch_status;

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
