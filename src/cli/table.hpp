#pragma once
// Plain-text tables for the CLI's human output (`history`, `status`). Pure: values in, text out.
//
// Cells come from the database and, through it, from KooDrive: a device name is chosen by
// whoever binds the device. terminal_safe() therefore escapes every control character before a
// cell reaches the terminal, so a name can neither forge extra rows nor send escape sequences.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace kda::cli {

// `text` with C0 controls, DEL and C1 controls escaped ("\n", "\t", "\x1b", "\u009b") and each
// invalid UTF-8 byte shown as "\xNN"; everything else, non-ASCII letters included, is kept.
std::string terminal_safe(std::string_view text);

// Columns `text` takes on a terminal: one per code point, two for East Asian wide and
// full-width characters (CJK, Hangul, full-width forms), none for combining marks. Expects
// UTF-8 (terminal_safe's output); an invalid byte counts as one column.
std::size_t display_width(std::string_view text);

struct Column {
  std::string header;
  bool right_aligned = false;  // numbers
};

// A header line and one line per row, each cell padded to its column's widest cell, columns
// two spaces apart, each line prefixed with `indent` and ended by '\n'. The last column is not
// padded, so no line ends in spaces. Cells are passed through terminal_safe. A row with fewer
// cells than columns is padded with empty cells.
std::string format_table(const std::vector<Column>& columns,
                         const std::vector<std::vector<std::string>>& rows,
                         std::string_view indent = {});

}  // namespace kda::cli
