// cli/table.hpp: alignment by display width, and cells that cannot take over the terminal.
#include "cli/table.hpp"

#include <gtest/gtest.h>

namespace kda::cli {
namespace {

TEST(Table, ColumnsTakeTheWidestCellAndLinesDoNotEndInSpaces) {
  const std::string table = format_table({{"NAME"}, {"TYPE"}, {"NOTE"}},
                                         {{"log", "log", "x"}, {"webhook-2", "webhook", ""}});
  EXPECT_EQ(table,
            "NAME       TYPE     NOTE\n"
            "log        log      x\n"
            "webhook-2  webhook\n");
}

TEST(Table, RightAlignedColumnsAndIndent) {
  const std::string table =
      format_table({{"SINK"}, {"BACKLOG", true}}, {{"log", "0"}, {"jsonl", "12345678"}}, "  ");
  EXPECT_EQ(table,
            "  SINK    BACKLOG\n"
            "  log           0\n"
            "  jsonl  12345678\n");
}

TEST(Table, MissingCellsAreEmpty) {
  EXPECT_EQ(format_table({{"A"}, {"B"}, {"C"}}, {{"1"}}), "A  B  C\n1\n");
}

TEST(Table, WideCharactersTakeTwoColumns) {
  EXPECT_EQ(display_width("Laptop"), 6u);
  EXPECT_EQ(display_width("华为手机"), 8u);
  EXPECT_EQ(display_width("Größe"), 5u);
  EXPECT_EQ(display_width("e\xcc\x81"), 1u);  // e + combining acute
  EXPECT_EQ(display_width("→"), 1u);
  const std::string table =
      format_table({{"DEVICE"}, {"OS"}}, {{"华为手机", "android"}, {"P60", "harmony"}});
  EXPECT_EQ(table,
            "DEVICE    OS\n"
            "华为手机  android\n"
            "P60       harmony\n");
}

TEST(Table, ControlCharactersCannotForgeRowsOrEscapeSequences) {
  EXPECT_EQ(terminal_safe("Laptop\n2026-11-23T00:00:00.000Z  scope.removed"),
            "Laptop\\n2026-11-23T00:00:00.000Z  scope.removed");
  EXPECT_EQ(terminal_safe("a\tb\rc"), "a\\tb\\rc");
  EXPECT_EQ(terminal_safe("\x1b[2J\x1b]0;owned\x07"), "\\x1b[2J\\x1b]0;owned\\x07");
  EXPECT_EQ(terminal_safe("del\x7f"), "del\\x7f");
  EXPECT_EQ(terminal_safe("c1 \xc2\x9b"
                          "31m"),
            "c1 \\u009b31m");  // 8-bit CSI
  EXPECT_EQ(terminal_safe("abc\xe2\x80\xae"
                          "fdp.exe"),
            "abc\\u202efdp.exe");                               // RIGHT-TO-LEFT OVERRIDE
  EXPECT_EQ(terminal_safe("bad \xff\xc3"), "bad \\xff\\xc3");   // invalid, truncated UTF-8
  EXPECT_EQ(terminal_safe("\xc0\xaf"), "\\xc0\\xaf");           // overlong '/'
  EXPECT_EQ(terminal_safe("\xed\xa0\x80"), "\\xed\\xa0\\x80");  // a UTF-16 surrogate
  EXPECT_EQ(terminal_safe("Größe 华为 /DCIM C:\\Users"), "Größe 华为 /DCIM C:\\Users");

  const std::string table = format_table({{"DEVICE"}, {"TYPE"}}, {{"evil\nname", "x"}});
  EXPECT_EQ(table, "DEVICE      TYPE\nevil\\nname  x\n");
}

}  // namespace
}  // namespace kda::cli
