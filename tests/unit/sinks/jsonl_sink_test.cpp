// The JSONL sink's file: created mode 0640 whatever the umask (the lines carry device names and
// backup paths), appended to, and an existing file keeps the mode its owner gave it.
#include "koodrive_audit/sinks.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace kda {
namespace {

namespace fs = std::filesystem;

// Sets the umask for the scope, so a test shows the mode the sink asks for, not the umask.
class Umask {
 public:
  explicit Umask(mode_t mask) : previous_(::umask(mask)) {}
  ~Umask() { ::umask(previous_); }
  Umask(const Umask&) = delete;
  Umask& operator=(const Umask&) = delete;

 private:
  mode_t previous_;
};

unsigned mode_of(const fs::path& path) {
  struct stat info {};
  EXPECT_EQ(::stat(path.c_str(), &info), 0) << path;
  return info.st_mode & 07777;
}

class JsonlSinkFile : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "kda-jsonl-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }

  Result<void> deliver(Sink& sink, std::vector<StoredEvent> events) {
    boost::asio::io_context io;
    auto done = boost::asio::co_spawn(io, sink.deliver(events), boost::asio::use_future);
    io.run();
    return done.get();
  }

  static StoredEvent event(std::int64_t seq) {
    StoredEvent e;
    e.seq = seq;
    e.event_id = "id-" + std::to_string(seq);
    e.type = "device.added";
    e.device_id = "1";
    e.before_json = "null";
    e.after_json = R"({"device_id":"1"})";
    return e;
  }

  fs::path dir_;
};

TEST_F(JsonlSinkFile, IsCreated0640EvenWithUmaskZero) {
  const Umask umask(0);
  const fs::path file = dir_ / "events.jsonl";
  auto sink = make_jsonl_sink("archive", file);
  ASSERT_TRUE(deliver(*sink, {event(1), event(2)}));
  EXPECT_EQ(mode_of(file), 0640u);
  std::ifstream in(file);
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 2);
}

TEST_F(JsonlSinkFile, AStricterUmaskMakesItStricterStill) {
  const Umask umask(077);
  const fs::path file = dir_ / "events.jsonl";
  ASSERT_TRUE(deliver(*make_jsonl_sink("archive", file), {event(1)}));
  EXPECT_EQ(mode_of(file), 0600u);
}

TEST_F(JsonlSinkFile, AnExistingFileKeepsItsModeAndIsAppendedTo) {
  const Umask umask(0);
  const fs::path file = dir_ / "events.jsonl";
  std::ofstream(file) << "{\"earlier\":true}\n";
  fs::permissions(file, fs::perms::owner_read | fs::perms::owner_write);
  ASSERT_TRUE(deliver(*make_jsonl_sink("archive", file), {event(3)}));
  EXPECT_EQ(mode_of(file), 0600u);
  std::ifstream in(file);
  std::string first;
  std::getline(in, first);
  EXPECT_EQ(first, "{\"earlier\":true}");
}

}  // namespace
}  // namespace kda
