#pragma once
// Collecting config problems so that one load reports all of them, and the spelling help
// ("did you mean …?") shared by unknown keys and unknown enum values.
#include "koodrive_audit/config.hpp"

#include <yaml-cpp/mark.h>

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace kda::config {

// 1-based, as printed.
struct Position {
  int line = 1;
  int column = 1;
};

// yaml-cpp's Mark is 0-based and "null" (-1) for an empty document; that maps to 1:1.
Position position_of(const YAML::Mark& mark) noexcept;

class Diagnostics {
 public:
  explicit Diagnostics(std::string file) : file_(std::move(file)) {}

  // Control bytes in `key` and `message` (quoted input) are kept as \xNN: one line each.
  void error(Position at, std::string key, std::string message);
  void warning(Position at, std::string key, std::string message);

  bool has_errors() const noexcept { return !errors_.empty(); }
  // Whether an error was reported for `key` or below it ("auth", "auth.mode", "auth[…]").
  bool has_error_under(std::string_view key) const noexcept;
  // The errors sorted by position (stable: same position keeps discovery order).
  std::vector<ConfigDiagnostic> take_errors();
  std::vector<std::string> take_warnings();

 private:
  std::string file_;
  std::vector<ConfigDiagnostic> errors_;
  std::vector<ConfigDiagnostic> warnings_;
};

// Optimal string alignment distance (Levenshtein with adjacent transpositions).
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `word`, if close enough to be a plausible typo.
std::optional<std::string_view> closest(std::string_view word,
                                        std::span<const std::string_view> candidates);

// "'a', 'b' or 'c'"
std::string quoted_list(std::span<const std::string_view> items, std::string_view last_joiner = " or ");

}  // namespace kda::config
