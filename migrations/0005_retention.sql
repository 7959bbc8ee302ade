-- 0005_retention: what `database.retention` needs (issue #8): pruning old events and polls
-- without breaking the hash chains of 0003.
--
-- Retention deletes the oldest part of the history, whole polls at a time: the events and
-- baselines of every poll up to retention_checkpoint.through_poll_id (src/store/prune.cpp).
-- What verify needs to go on checking the rest is kept here:
--   * where each chain now starts: the seq and hash of the last pruned event and the id and
--     hash of the last pruned baseline (the first retained row's prev_hash must be that hash);
--   * the state the pruned history led to (retention_state): the live devices and scopes
--     after replaying everything pruned, so that verify's replay starts from it.
-- Before deleting, the store checks the hashes of the rows it deletes and replays them from
-- the previous checkpoint; it refuses to prune a history that does not verify.
--
-- No data changes: a database without a retention_checkpoint row has never been pruned.

-- One row once something was pruned; replaced by every prune that deletes events or baselines.
CREATE TABLE retention_checkpoint (
  checkpoint_id          INTEGER PRIMARY KEY CHECK (checkpoint_id = 1),
  pruned_at              TEXT NOT NULL,     -- when this checkpoint was written
  cutoff                 TEXT NOT NULL,     -- the retention cutoff of that prune
  through_poll_id        INTEGER NOT NULL,  -- polls <= this have no events or baselines left
  through_seq            INTEGER NOT NULL,  -- events with seq <= this were pruned (0: none yet)
  through_seq_hash       TEXT NOT NULL,     -- the hash of event through_seq (64 zeros if none)
  through_baseline_id    INTEGER NOT NULL,  -- baselines with baseline_id <= this were pruned
  through_baseline_hash  TEXT NOT NULL,     -- the hash of that baseline (64 zeros if none)
  state_hash             TEXT NOT NULL      -- the hash chain over retention_state (below)
);

-- The devices and scopes the pruned history left live, in the form of `baselines` rows: one
-- row per account's devices (device_id NULL), one per (device, module) with live scopes.
-- verify's replay starts from these. Not foreign keys: a device may be removed and pruned later.
CREATE TABLE retention_state (
  state_id      INTEGER PRIMARY KEY,  -- 1, 2, 3, ... in the order hashed
  account_id    TEXT NOT NULL,
  device_id     TEXT,                 -- NULL: the account's device list
  module_code   INTEGER CHECK (module_code IS NULL OR module_code IN (100, 101, 102)),
  records_json  TEXT NOT NULL,        -- JSON array of device or scope records
  CHECK ((device_id IS NULL) = (module_code IS NULL))
);

-- Live devices whose device.added event was pruned: the diff still treats them as announced
-- (their scopes are news, never a silent baseline), as it did while the event existed.
CREATE TABLE retention_announced (
  account_id  TEXT NOT NULL,
  device_id   TEXT NOT NULL,
  PRIMARY KEY (account_id, device_id),
  FOREIGN KEY (account_id, device_id) REFERENCES devices (account_id, device_id)
);

-- Retention deletes a removed device only when no baseline names it.
CREATE INDEX baselines_by_device ON baselines (account_id, device_id);
