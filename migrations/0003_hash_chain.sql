-- 0003_hash_chain: the tamper-evident history of DESIGN.md §5 rule 8 (issue #6).
--
-- Events and baselines each form a hash chain: every row stores the hash of the row before it
-- (prev_hash; 64 zeros for the first) and its own hash, SHA-256 over prev_hash and the row's
-- columns (docs/schema.md, "The hash chain", defines the exact form and shows how to recompute
-- it). `koodrive-audit verify` checks both chains and replays them to rebuild the snapshot.
--
-- After this file, in the same transaction, the migrator runs a C++ step
-- (src/store/chain_backfill.cpp): it hashes the events already stored, in seq order, and records
-- the live devices and scopes of an existing database as baselines with poll_id NULL, the state
-- verify's replay starts from (events up to chain_origin.replay_after_seq are in that state).

ALTER TABLE events ADD COLUMN prev_hash TEXT;  -- hash of the previous event by seq; 64 zeros for the first
ALTER TABLE events ADD COLUMN hash TEXT;       -- SHA-256 of prev_hash and this row's columns (hex)

-- What a silent baseline recorded without an event (DESIGN.md §5 rule 2), so that verify can
-- replay it. Never sent to the sinks, never shown by history or status.
CREATE TABLE baselines (
  baseline_id   INTEGER PRIMARY KEY AUTOINCREMENT,   -- never reused, like events.seq
  poll_id       INTEGER REFERENCES polls (poll_id),  -- NULL: recorded by this migration
  observed_at   TEXT NOT NULL,                       -- the poll's finished_at (or the migration's time)
  account_id    TEXT NOT NULL REFERENCES accounts (account_id),
  device_id     TEXT,                                -- NULL: the account's device list
  module_code   INTEGER CHECK (module_code IS NULL OR module_code IN (100, 101, 102)),
  records_json  TEXT NOT NULL,                       -- JSON array of the device or scope records
  prev_hash     TEXT NOT NULL,                       -- hash of the previous baseline; 64 zeros for the first
  hash          TEXT NOT NULL,                       -- SHA-256 of prev_hash and this row's columns (hex)
  FOREIGN KEY (account_id, device_id) REFERENCES devices (account_id, device_id),
  CHECK ((device_id IS NULL) = (module_code IS NULL))
);
CREATE INDEX baselines_by_poll ON baselines (poll_id);

-- One row: when the chain began. Events with seq <= replay_after_seq were stored before it
-- (their hashes were computed by this migration) and are already in the baselines the
-- migration recorded; verify checks their hashes but does not replay them. 0 on a database
-- created with this migration.
CREATE TABLE chain_origin (
  origin_id         INTEGER PRIMARY KEY CHECK (origin_id = 1),
  created_at        TEXT NOT NULL,
  replay_after_seq  INTEGER NOT NULL CHECK (replay_after_seq >= 0)
);
INSERT INTO chain_origin (origin_id, created_at, replay_after_seq)
VALUES (1, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), (SELECT IFNULL(MAX(seq), 0) FROM events));
