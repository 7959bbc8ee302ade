// A commit that fails at any stage leaves the database exactly as it was (DESIGN.md §5 rule 5),
// and the store stays usable. Like Beast's test stream failing the Nth operation, the loop
// reaches every failure point the store exposes.
#include "store_fixture.hpp"

#include <stdexcept>
#include <string>
#include <vector>

namespace kda::test {
namespace {

const std::vector<std::string> all_stages{"account", "poll",      "devices",      "scopes",
                                          "events",  "baselines", "fetch_status", "before_commit"};

struct InjectedFault : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A poll that touches every table: a new account name, new and changed rows, missing and
// removed rows, events, successful and failed fetches.
PollCommit busy_poll() {
  const Device laptop = make_device("d1", "laptop (renamed)");
  const Device phone = make_device("d2", "phone");
  const Device tablet = make_device("d3", "tablet");
  PollCommit poll = make_poll("acc", at("2026-11-23T07:05:00.000Z"), "partial");
  poll.account_name = "renamed";
  poll.failures = 1;
  poll.error = "1 of 6 fetches failed";
  poll.device_writes = {{RowWrite::seen, laptop, 0},
                        {RowWrite::missing, phone, 1},
                        {RowWrite::seen, tablet, 0}};
  poll.scope_writes = {{RowWrite::removed, "d1", make_scope("s1", module_folder), 1},
                       {RowWrite::missing, "d1", make_scope("s2", module_album), 1},
                       {RowWrite::seen, "d3", make_scope("s9", module_folder), 0}};
  poll.changes = {
      Change{ChangeType::device_changed, "d1", "laptop (renamed)", std::nullopt, "",
             make_device("d1", "laptop"), laptop, ""},
      Change{ChangeType::device_added, "d3", "tablet", std::nullopt, "", {}, tablet, ""},
      Change{ChangeType::scope_added, "d3", "tablet", module_folder, "s9", {},
             make_scope("s9", module_folder), ""},
      Change{ChangeType::scope_removed, "d1", "laptop (renamed)", module_folder, "s1",
             make_scope("s1", module_folder), {}, ""},
  };
  poll.attempts = {{{"d1", module_folder}, true, ""},
                   {{"d1", module_album}, false, "HTTP 503"},
                   {{"d3", module_folder}, true, ""},
                   {{"d3", module_album}, true, ""}};
  poll.baseline_pairs = {{"d3", module_album}};  // fetched for the first time: a baseline row
  return poll;
}

class FaultStoreTest : public StoreTest {
 protected:
  // Seeds the database with one earlier poll so that every table has rows to damage.
  Store seeded_store() {
    Store store = open_migrated(StoreOptions{[this](std::string_view stage) {
      stages_seen_.emplace_back(stage);
      if (stage == fail_at_) throw InjectedFault("injected at " + fail_at_);
    }});
    PollCommit seed = make_poll("acc", at("2026-11-23T07:00:00.000Z"));
    seed.device_writes = {{RowWrite::seen, make_device("d1", "laptop"), 0},
                          {RowWrite::seen, make_device("d2", "phone"), 0}};
    seed.scope_writes = {{RowWrite::seen, "d1", make_scope("s1", module_folder), 0},
                         {RowWrite::seen, "d1", make_scope("s2", module_album), 0}};
    seed.changes = {Change{ChangeType::device_added, "d2", "phone", std::nullopt, "", {},
                           make_device("d2", "phone"), ""}};
    seed.attempts = {{{"d1", module_folder}, true, ""}, {{"d1", module_album}, false, "timeout"}};
    store.commit_poll(seed);
    store.set_sink_cursor("log", 1, at("2026-11-23T07:00:01.000Z"));
    return store;
  }

  std::string fail_at_;
  std::vector<std::string> stages_seen_;
};

TEST_F(FaultStoreTest, StagesAreReportedInOrder) {
  Store store = seeded_store();
  stages_seen_.clear();
  store.commit_poll(busy_poll());
  EXPECT_EQ(stages_seen_, all_stages);
}

TEST_F(FaultStoreTest, FailureAtEachStageLeavesTheDatabaseUnchanged) {
  for (const std::string& stage : all_stages) {
    SCOPED_TRACE("failing at stage " + stage);
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directory(dir_);
    fail_at_.clear();
    Store store = seeded_store();
    const std::string before = dump(db_path());
    const Snapshot snapshot_before = store.load_snapshot("acc");
    const std::int64_t last_seq_before = store.last_seq();

    fail_at_ = stage;
    EXPECT_THROW(store.commit_poll(busy_poll()), InjectedFault);

    EXPECT_EQ(dump(db_path()), before);
    const Snapshot snapshot_after = store.load_snapshot("acc");
    EXPECT_EQ(snapshot_after.devices, snapshot_before.devices);
    EXPECT_EQ(snapshot_after.scopes, snapshot_before.scopes);
    EXPECT_EQ(snapshot_after.fetched_pairs, snapshot_before.fetched_pairs);
    EXPECT_EQ(store.events_after(last_seq_before, 100).size(), 0u);

    // The same store, retried, commits: no statement or transaction was left behind. A seq
    // handed out inside the rolled-back transaction is handed out again, since no one saw it.
    fail_at_.clear();
    const CommitResult retry = store.commit_poll(busy_poll());
    EXPECT_EQ(retry.first_seq, last_seq_before + 1);
    EXPECT_EQ(retry.last_seq, last_seq_before + 4);
    EXPECT_EQ(store.load_snapshot("acc").devices.size(), 3u);
    EXPECT_NE(dump(db_path()), before);
  }
}

TEST_F(FaultStoreTest, DatabaseErrorMidwayRollsBackEverything) {
  Store store = seeded_store();
  const std::string before = dump(db_path());
  PollCommit poll = busy_poll();
  // Violates the events CHECK (a scope event needs a module): fails at the third event, after
  // the snapshot rows and two events were written.
  poll.changes[2].module_code.reset();
  EXPECT_THROW(store.commit_poll(poll), std::runtime_error);
  EXPECT_EQ(dump(db_path()), before);
  EXPECT_NO_THROW(store.commit_poll(busy_poll()));
}

}  // namespace
}  // namespace kda::test
