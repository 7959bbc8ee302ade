#pragma once
// The SQLite store: schema migrations, the snapshot the diff starts from, the atomic commit of
// one account poll (snapshot rows + events + poll row + fetch status), and the event outbox
// the sinks read. The schema is DESIGN.md §4, documented column by column in docs/schema.md.
//
// Ownership: a Store owns one SQLite connection to one database file; it is movable, not
//   copyable. Other processes (sqlite3, `koodrive-audit status`) may open the same file: the
//   connection uses WAL and waits up to 5 s for a lock (busy_timeout).
// Threading: single-threaded. A Store and everything it returns must be used from one thread;
//   never share it. Nothing here blocks on the network; a call may wait on the database lock.
// Errors: every failure throws a std::runtime_error: StoreError from open() and migrate()
//   (the message starts with the database path) and from our own checks (a write for a row
//   that does not exist, an unknown outcome); SQLite::Exception for any other database error
//   (busy beyond the timeout, disk full, a constraint). A failed call leaves the database as it
//   was: commit_poll, prune and each migration are single transactions. A moved-from Store may only
//   be destroyed or assigned to.
#include "koodrive_audit/clock.hpp"
#include "koodrive_audit/model.hpp"
#include "koodrive_audit/packed_scopes.hpp"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace kda {

class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// commit_poll refused a poll because another process committed a poll of the same account
// after this one read its snapshot head (PollCommit::expected_newest_poll): nothing was
// written, and the next poll diffs again. The database took the write lock, so it is not a
// sign that the database is unwritable.
class PollConflict : public StoreError {
 public:
  using StoreError::StoreError;
};

// One schema step, from migrations/NNNN_name.sql.
struct Migration {
  int number = 0;          // NNNN; the database's PRAGMA user_version after it is applied
  std::string_view name;   // "0001_init"
  std::string_view sql;    // the file's text
};

// The migrations compiled into this binary (generated from migrations/*.sql at build time),
// in order, numbered 1..N without gaps (checked at build time and again by migrate()).
std::span<const Migration> embedded_migrations();

struct MigrationReport {
  int from_version = 0;
  int to_version = 0;
  friend bool operator==(const MigrationReport&, const MigrationReport&) = default;
};

// One (device, module) fetch attempted by a poll; recorded in fetch_status at finished_at.
// ok: last_success_at = finished_at, consecutive_failures = 0, last_error = NULL.
// failed: consecutive_failures + 1, last_error = error; last_success_at is kept.
struct PairAttempt {
  PairKey pair;
  bool ok = false;
  std::string error;  // why it failed; ignored when ok
};

// Everything one account poll writes, committed by Store::commit_poll in one transaction.
// Every event's observed_at, every row's last_seen_at / removed_at and every fetch_status
// attempt use finished_at.
struct PollCommit {
  std::string account_id;
  std::string account_name;  // label from the config; empty = none (stored as NULL)
  SystemTime started_at;
  SystemTime finished_at;
  std::string outcome;       // "ok" | "partial" | "failed"; a failed poll writes no rows
  int requests = 0;
  int failures = 0;
  std::string error;         // empty = none (stored as NULL)
  std::vector<DeviceWrite> device_writes;
  std::vector<ScopeWrite> scope_writes;  // each scope's device must exist after device_writes
  // More `seen` scope writes (missing_count 0), a pair at a time (DiffResult::new_pair_scopes):
  // pairs with no write in scope_writes. Written in one (device, module, scope_id) order with
  // scope_writes when both lists are in that order.
  PackedPairScopes new_pair_scopes;
  std::vector<Change> changes;           // become events in this order
  std::vector<PairAttempt> attempts;
  // The silent baselines (DESIGN.md §5 rule 2), written to `baselines` so that verify can
  // replay them: whether the devices of the account's first device list were recorded
  // silently, and the (device, module) pairs whose first fetch was. Their records are the
  // `seen` writes of those devices / pairs that carry no event. A failed poll has none.
  bool device_list_baseline = false;
  std::vector<PairKey> baseline_pairs;
  // Set by a poll whose diff read the snapshot while it fetched (SnapshotHead): the commit
  // throws StoreError, writing nothing, if the account's newest poll is no longer this one
  // (another process polled the account meanwhile, so the diff may be stale). 0 = no poll yet.
  std::optional<std::int64_t> expected_newest_poll;
};

// What Store::load_snapshot_head reads.
struct SnapshotHead {
  Snapshot snapshot;             // without scopes
  std::int64_t newest_poll = 0;  // the poll_id of the account's newest poll; 0 when none
};

struct CommitResult {
  std::int64_t poll_id = 0;
  std::int64_t first_seq = 0;  // 0 when the poll produced no event
  std::int64_t last_seq = 0;   // 0 when the poll produced no event
  std::vector<std::string> event_ids;  // one per change, in order
  // Rows inserted, updated or deleted (sqlite3_total_changes): O(accounts) for a poll that
  // sees nothing new, since only rows whose state changes are written.
  std::int64_t rows_written = 0;
};

// An event row as sinks and `history` read it. Text columns that are NULL in the database
// read as "" here, except before_json / after_json, which read as "null" so that they always
// hold JSON (record_to_json's output for the record, or for std::monostate).
struct StoredEvent {
  std::int64_t seq = 0;
  std::string event_id;
  std::int64_t poll_id = 0;
  std::string observed_at;
  std::string type;
  std::string account_id;
  std::string device_id;
  std::string device_name;  // the device's current name (joined from devices), "" if none
  std::optional<int> module_code;
  std::string scope_id;
  std::string before_json;
  std::string after_json;
  std::string cause;
  friend bool operator==(const StoredEvent&, const StoredEvent&) = default;
};

// ---------------------------------------------------------------------------------------------
// Read side for the CLI (`history`, `status`): the records the read queries below return.
// Timestamps are the stored text (ISO-8601 UTC with milliseconds, "2026-11-23T07:00:00.000Z"),
// which orders correctly as text. "" stands for NULL, as in StoredEvent.

// Which events Store::history returns; an unset field does not filter.
struct HistoryFilter {
  std::optional<std::string> since;      // observed_at >= since, in the stored form above
  std::optional<std::string> device_id;  // events of this device (in any account)
  std::optional<std::string> type;       // events of this type, e.g. "scope.removed"
  std::optional<std::size_t> limit;      // only the newest `limit` matching events
};

// A row of `accounts`.
struct AccountRow {
  std::string account_id;
  std::string name;  // the label from the config; "" = none
  std::string created_at;
  friend bool operator==(const AccountRow&, const AccountRow&) = default;
};

// A row of `polls`.
struct PollRow {
  std::int64_t poll_id = 0;
  std::string account_id;
  std::string started_at;
  std::string finished_at;
  std::string outcome;  // "ok" | "partial" | "failed"
  std::int64_t requests = 0;
  std::int64_t failures = 0;
  std::int64_t events = 0;
  std::string error;  // "" = none
  friend bool operator==(const PollRow&, const PollRow&) = default;
};

// A (device, module) of a bound device whose last fetch attempts failed (fetch_status with
// consecutive_failures > 0).
struct FailingPair {
  std::string device_id;
  std::string device_name;  // the device's current name
  int module_code = 0;
  std::int64_t consecutive_failures = 0;
  std::string last_attempt_at;
  std::string last_success_at;  // "" = it never succeeded
  std::string last_error;
  // The first failed attempt of this run of failures. fetch_status keeps no start time, so it is
  // derived from `polls`: the partial polls of the account since the last success (and since the
  // device was first seen), up to the last attempt. Each failed attempt made its poll partial, so
  // when there are exactly consecutive_failures of them they are those attempts, and the oldest
  // one is the answer. Otherwise (retention pruned polls, the device left the list for a while,
  // the module was unconfigured) it is std::nullopt: unknown rather than guessed.
  std::optional<std::string> failing_since;
  friend bool operator==(const FailingPair&, const FailingPair&) = default;
};

// How a sink's deliveries are going, as the daemon records it for `status`.
struct SinkHealth {
  int failures = 0;                         // consecutive failed deliveries; 0 = healthy
  std::optional<SystemTime> failing_since;  // the first failure of the current run
  std::string last_error;                   // "" while healthy
  std::optional<SystemTime> next_attempt_at;
  std::optional<SystemTime> disabled_at;    // the receiver answered 410 Gone
  friend bool operator==(const SinkHealth&, const SinkHealth&) = default;
};

// What Store::verify found. A problem is one line naming the row it concerns: "seq 12: …",
// "baseline 3: …", "poll 7: …", "device <account>/<device>: …",
// "scope <account>/<device>/<module>/<scope>: …".
struct VerifyProblem {
  std::string text;
  std::optional<std::int64_t> seq;          // the event it concerns, if one
  std::optional<std::int64_t> baseline_id;  // the baseline it concerns, if one
  friend bool operator==(const VerifyProblem&, const VerifyProblem&) = default;
};

struct VerifyReport {
  std::int64_t events = 0;           // rows in the events chain
  std::int64_t baselines = 0;        // rows in the baselines chain
  std::int64_t replayed_events = 0;  // device.* and scope.* events the replay applied
  std::int64_t devices = 0;          // live devices (every account) the replay reproduced
  std::int64_t scopes = 0;           // live scopes the replay reproduced
  // The events chain's problems (by seq), then the baselines chain's, then the replay's (in
  // replay order), then the cross-checks (sqlite_sequence, polls.events), then the
  // differences between the replayed and the live snapshot.
  std::vector<VerifyProblem> problems;
  bool ok() const noexcept { return problems.empty(); }
  // The smallest seq any problem names; std::nullopt when none does.
  std::optional<std::int64_t> first_bad_seq() const;
};

// What Store::prune deletes (database.retention, issue #8).
struct PruneRequest {
  SystemTime cutoff;  // now - database.retention: what was observed before it may go
  SystemTime now;     // recorded as retention_checkpoint.pruned_at
  // The sinks of the running configuration: an event one of them has not delivered (seq above
  // its cursor; a sink without a cursor row has delivered nothing) is kept, and so is every
  // event after it. Cursors of sinks not listed (removed from the config) hold nothing back.
  std::vector<std::string> sinks;
  bool dry_run = false;  // count what would go, then roll back
};

struct PruneReport {
  std::int64_t events = 0;     // rows deleted from each table
  std::int64_t baselines = 0;
  std::int64_t polls = 0;
  std::int64_t devices = 0;    // removed devices (removed_at before the cutoff)
  std::int64_t scopes = 0;     // removed scopes (removed_at before the cutoff)
  std::int64_t through_seq = 0;  // events with seq <= this are gone (0: none ever pruned)
  // The configured sink whose cursor kept older events ("" when no sink held any back).
  std::string held_by_sink;
  friend bool operator==(const PruneReport&, const PruneReport&) = default;
};

struct StoreOptions {
  // Test seam: called inside commit_poll's transaction after each stage's writes, with the
  // stage name: "account", "poll", "devices", "scopes", "events", "baselines", "fetch_status",
  // "before_commit". An exception thrown from it rolls the whole commit back and propagates.
  std::function<void(std::string_view stage)> on_commit_stage;
};

class Store {
 public:
  // Opens the database file, creating it (mode 0640, less the umask) when it does not exist,
  // and sets up the connection: WAL, foreign_keys=ON, busy_timeout 5 s, synchronous=FULL.
  // Does not migrate: call migrate() before anything else touches the schema.
  static Store open(const std::filesystem::path& path, StoreOptions options = {});

  Store(Store&&) noexcept;
  Store& operator=(Store&&) noexcept;
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;
  ~Store();

  // Applies the embedded migrations not yet applied, each in its own transaction together with
  // its user_version. Re-running is a no-op. A database newer than this binary is refused:
  // "<path>: schema version 7 is newer than this koodrive-audit supports (1); upgrade koodrive-audit".
  MigrationReport migrate();
  // The same with a given list (tests, tools). The list must be numbered 1..N without gaps.
  MigrationReport migrate(std::span<const Migration> migrations);
  // PRAGMA user_version.
  int schema_version();

  // The live devices and scopes of an account (removed_at IS NULL) with their missing_count;
  // fetched_pairs = pairs whose fetch_status has a last_success_at; device_list_fetched_before
  // = the account has a poll with outcome ok or partial; pair_failures = fetch_status's
  // consecutive_failures where > 0; device_list_failures = failed polls since the last ok or
  // partial one.
  Snapshot load_snapshot(const std::string& account_id);

  // load_snapshot() without the scopes, for a StreamingDiff, which reads them pair by pair
  // (live_scopes below): the head and the account's newest poll, which a commit made from this
  // head checks (PollCommit::expected_newest_poll). With HeadPairs::leave_out, also without
  // fetched_pairs, for a reader that takes them a run at a time (fetched_pairs_between): a set
  // of 30,000 pairs is 60,000 allocations to build and a tree to search for every answer.
  enum class HeadPairs { load, leave_out };
  SnapshotHead load_snapshot_head(const std::string& account_id,
                                  HeadPairs pairs = HeadPairs::load);
  // How many live scopes the account has: a scan of its scopes (30 ms at 90,000), so a poll
  // counts them only when it has removals to weigh (the mass-removal guard's base).
  std::size_t live_scope_count(const std::string& account_id);
  // The live scopes of one device (every module), or of one (device, module), with their
  // missing_count, in (module_code, scope_id) order. One indexed query each.
  std::vector<ScopeRow> live_scopes(const std::string& account_id, const std::string& device_id);
  std::vector<ScopeRow> live_scopes(const std::string& account_id, const PairKey& pair);
  // The live scopes of the devices from `first_device` to `last_device` (inclusive, byte order),
  // in (device_id, module_code, scope_id) order: one range of the primary key. They are written
  // over rows[0, n), n returned, growing `rows` when needed and leaving the elements past n as
  // they were: a reader that reuses `rows` reuses its strings' capacity, instead of allocating
  // four strings for every scope of every poll.
  std::size_t live_scopes_between(const std::string& account_id, const std::string& first_device,
                                  const std::string& last_device, std::vector<ScopeRow>& rows);
  // Snapshot::fetched_pairs of the devices from `first_device` to `last_device`, in PairKey
  // order, written over pairs[0, n) like live_scopes_between.
  std::size_t fetched_pairs_between(const std::string& account_id,
                                    const std::string& first_device,
                                    const std::string& last_device, std::vector<PairKey>& pairs);

  // Writes one account poll in ONE transaction, all or nothing: the account row (name
  // updated), the poll row (events = changes.size()), the snapshot rows, one event per change
  // (a fresh UUID v4 event_id, the next seq, observed_at = finished_at), fetch_status.
  //   DeviceWrite/ScopeWrite seen: insert (first_seen_at = finished_at) or update the fields;
  //     last_seen_at = finished_at, missing_count = 0, removed_at = NULL.
  //   missing: missing_count = n.   removed: removed_at = finished_at, missing_count = n.
  //   missing/removed of a row that does not exist throws StoreError.
  // Each event continues the events hash chain (prev_hash, hash: docs/schema.md), each silent
  // baseline the baselines chain (one row per device list or pair, see PollCommit).
  CommitResult commit_poll(const PollCommit& poll);

  // Events with seq > after_seq, oldest first, at most `limit`.
  std::vector<StoredEvent> events_after(std::int64_t after_seq, std::size_t limit);
  // The newest seq ever assigned (also counts deleted rows; 0 when none).
  std::int64_t last_seq();

  // A sink's delivery cursor: the seq it has delivered up to, 0 for a sink never seen.
  std::int64_t sink_cursor(std::string_view sink);
  void set_sink_cursor(std::string_view sink, std::int64_t seq, SystemTime now);
  // A sink's delivery health (sink_cursors' health columns); a default SinkHealth for a sink
  // never seen. set_sink_health creates the row (cursor 0) when needed and leaves the cursor.
  SinkHealth sink_health(std::string_view sink);
  void set_sink_health(std::string_view sink, const SinkHealth& health, SystemTime now);

  // Retention (database.retention), in ONE write transaction, all or nothing:
  //  - the events and baselines of the oldest polls, whole polls at a time, up to the newest
  //    poll that finished before the cutoff and whose events every listed sink has delivered;
  //    the chains then start at retention_checkpoint, which records the last pruned hashes and
  //    the devices and scopes the pruned history left live (retention_state), so verify still
  //    checks everything kept;
  //  - polls that finished before the cutoff and that no kept event or baseline names, except
  //    each account's newest ok or partial poll and those after it (the diff's "device list
  //    fetched before" and failure streak come from them);
  //  - scopes removed before the cutoff, then devices removed before the cutoff that no kept
  //    scope, event or baseline names (with their fetch_status rows).
  // Never a live device or scope, never accounts or sink cursors. Before deleting, the rows to
  // go are checked like verify does (hashes, links, replay from the previous checkpoint): a
  // history that does not verify is not pruned (StoreError naming the first problem).
  // Idempotent: a second call with the same request deletes nothing.
  PruneReport prune(const PruneRequest& request);
  // Gives up to `max_pages` free pages back to the file system (PRAGMA incremental_vacuum) and
  // returns how many it gave back: 0 when there are none, or when the database was created
  // before auto_vacuum=INCREMENTAL (docs/schema.md: a one-time VACUUM converts it). One short
  // write transaction per call, so a caller can do a bounded step at a time.
  std::int64_t reclaim_space(std::int64_t max_pages);
  // PRAGMA page_size: 16384 for a database this version created, 4096 for an older one.
  std::int64_t page_size();
  // PRAGMA auto_vacuum == INCREMENTAL: reclaim_space can shrink the file.
  bool incremental_vacuum_enabled();

  // Rows inserted, updated or deleted through this connection since it was opened
  // (sqlite3_total_changes64): lets tests prove that a poll without changes writes no row.
  std::int64_t total_changes();

  const std::filesystem::path& path() const noexcept;

  // -------------------------------------------------------------------------------------------
  // Read side for the CLI. Every call below only reads, and none migrates or checks the schema:
  // compare schema_version() with embedded_migrations().size() first.

  // Opens an EXISTING database read-only (SQLITE_OPEN_READONLY): it never creates the file,
  // never migrates, never writes; a write call (migrate, commit_poll, set_sink_cursor) on it
  // throws SQLite::Exception. While the daemon writes, reads see committed polls only (WAL).
  // Throws StoreError naming the path when the file does not exist, cannot be read, or is not
  // a database.
  static Store open_read_only(const std::filesystem::path& path);

  // Runs `reads` inside one read transaction, so that every query it makes sees the same
  // commit (a poll committed meanwhile is seen by all of them or by none). Not reentrant.
  void read_consistently(const std::function<void()>& reads);

  // The events that pass `filter`, oldest first (by seq).
  std::vector<StoredEvent> history(const HistoryFilter& filter);
  // Whether a device with this device_id was ever recorded, in any account.
  bool has_device(std::string_view device_id);
  // Every row of `accounts`, by account_id.
  std::vector<AccountRow> accounts();
  // The newest `n` polls of an account, newest first.
  std::vector<PollRow> recent_polls(const std::string& account_id, std::size_t n);
  // The failing (device, module) pairs of an account's bound devices (a removed device's stale
  // fetch_status is left out), most consecutive failures first, then by device name.
  std::vector<FailingPair> failing_pairs(const std::string& account_id);
  // A sink's backlog: events with seq > its cursor (0 for a sink never seen) whose type is in
  // `types` (empty = every type) -- what the outbox would still hand it.
  std::int64_t backlog(std::string_view sink, std::span<const std::string> types);

  // `koodrive-audit verify` (DESIGN.md §5 rule 8), in one read transaction:
  //  1. both hash chains (events by seq, baselines by baseline_id): each row's hash recomputed
  //     from its columns, each prev_hash linked to the row before it (genesis for the first);
  //     sqlite_sequence must not be ahead of the newest row, and each poll's `events` count must
  //     match its rows in `events`;
  //  2. a replay, per account, of the baselines and the device.* / scope.* events in poll order
  //     (a poll's baselines before its events; events up to chain_origin.replay_after_seq are
  //     already in the baselines migration 0003 recorded), checking that each event's `before`
  //     is the replayed state;
  //  3. the replayed snapshot against the live devices and scopes (removed_at IS NULL), every
  //     field of every record.
  // Problems are values in the report; a database error throws (SQLite::Exception).
  VerifyReport verify();

 private:
  struct Impl;
  explicit Store(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace kda
