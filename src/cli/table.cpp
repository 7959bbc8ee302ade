#include "cli/table.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <iterator>
#include <optional>

namespace kda::cli {

namespace {

struct Decoded {
  char32_t code_point;
  std::size_t length;
};

// One UTF-8 sequence at `pos`, or nullopt when it is not valid UTF-8 (a stray continuation
// byte, a truncated sequence, an overlong form, a surrogate, beyond U+10FFFF).
std::optional<Decoded> decode(std::string_view text, std::size_t pos) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(pos);
  if (lead < 0x80) return Decoded{lead, 1};
  // Sequence length, the lead byte's payload bits, and the smallest code point that needs
  // this length (anything below is an overlong form).
  struct Form {
    unsigned char mask, pattern, payload;
    std::size_t length;
    char32_t min;
  };
  constexpr Form forms[] = {
      {0xE0, 0xC0, 0x1F, 2, 0x80}, {0xF0, 0xE0, 0x0F, 3, 0x800}, {0xF8, 0xF0, 0x07, 4, 0x10000}};
  const auto form = std::find_if(std::begin(forms), std::end(forms),
                                 [&](const Form& f) { return (lead & f.mask) == f.pattern; });
  if (form == std::end(forms)) return std::nullopt;
  const std::size_t length = form->length;
  const char32_t min = form->min;
  char32_t cp = lead & form->payload;
  if (pos + length > text.size()) return std::nullopt;
  for (std::size_t i = 1; i < length; ++i) {
    if ((byte(pos + i) & 0xC0) != 0x80) return std::nullopt;
    cp = (cp << 6) | (byte(pos + i) & 0x3Fu);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return std::nullopt;
  return Decoded{cp, length};
}

// Bidirectional controls reorder what follows them on the line ("Trojan Source"), so a device
// name could make a row read differently from what it holds.
bool is_bidi_control(char32_t cp) {
  return cp == 0x061C || cp == 0x200E || cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) ||
         (cp >= 0x2066 && cp <= 0x2069);
}

bool is_wide(char32_t cp) {
  return (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0x303E) ||
         (cp >= 0x3041 && cp <= 0x33FF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
         (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0xA000 && cp <= 0xA4CF) ||
         (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
         (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
         (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x1F300 && cp <= 0x1F64F) ||
         (cp >= 0x1F900 && cp <= 0x1F9FF) || (cp >= 0x20000 && cp <= 0x2FFFD) ||
         (cp >= 0x30000 && cp <= 0x3FFFD);
}

bool is_zero_width(char32_t cp) {
  return (cp >= 0x0300 && cp <= 0x036F) || (cp >= 0x1AB0 && cp <= 0x1AFF) ||
         (cp >= 0x1DC0 && cp <= 0x1DFF) || (cp >= 0x20D0 && cp <= 0x20FF) ||
         (cp >= 0x200B && cp <= 0x200D) || (cp >= 0xFE00 && cp <= 0xFE0F) ||
         (cp >= 0xFE20 && cp <= 0xFE2F);
}

std::string hex_escape(const char* format, unsigned value) {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, format, value);
  return buffer;
}

}  // namespace

std::string terminal_safe(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t pos = 0; pos < text.size();) {
    const std::optional<Decoded> d = decode(text, pos);
    if (!d) {
      out += hex_escape("\\x%02x", static_cast<unsigned char>(text[pos]));
      ++pos;
      continue;
    }
    const char32_t cp = d->code_point;
    if (cp == '\n') {
      out += "\\n";
    } else if (cp == '\t') {
      out += "\\t";
    } else if (cp == '\r') {
      out += "\\r";
    } else if (cp < 0x20 || cp == 0x7F) {
      out += hex_escape("\\x%02x", static_cast<unsigned>(cp));
    } else if ((cp >= 0x80 && cp <= 0x9F) || is_bidi_control(cp)) {
      out += hex_escape("\\u%04x", static_cast<unsigned>(cp));
    } else {
      out.append(text.substr(pos, d->length));
    }
    pos += d->length;
  }
  return out;
}

std::size_t display_width(std::string_view text) {
  std::size_t width = 0;
  for (std::size_t pos = 0; pos < text.size();) {
    const std::optional<Decoded> d = decode(text, pos);
    if (!d) {
      ++width;
      ++pos;
      continue;
    }
    width += is_zero_width(d->code_point) ? 0 : is_wide(d->code_point) ? 2 : 1;
    pos += d->length;
  }
  return width;
}

std::string format_table(const std::vector<Column>& columns,
                         const std::vector<std::vector<std::string>>& rows,
                         std::string_view indent) {
  std::vector<std::vector<std::string>> cells;
  cells.reserve(rows.size() + 1);
  std::vector<std::string> header;
  for (const Column& column : columns) header.push_back(terminal_safe(column.header));
  cells.push_back(std::move(header));
  for (const std::vector<std::string>& row : rows) {
    std::vector<std::string> safe;
    for (std::size_t i = 0; i < columns.size(); ++i) {
      safe.push_back(i < row.size() ? terminal_safe(row[i]) : std::string{});
    }
    cells.push_back(std::move(safe));
  }

  std::vector<std::size_t> widths(columns.size(), 0);
  for (const std::vector<std::string>& row : cells) {
    for (std::size_t i = 0; i < row.size(); ++i)
      widths[i] = std::max(widths[i], display_width(row[i]));
  }

  std::string out;
  for (const std::vector<std::string>& row : cells) {
    std::string line(indent);
    for (std::size_t i = 0; i < row.size(); ++i) {
      const std::size_t padding = widths[i] - display_width(row[i]);
      const bool last = i + 1 == row.size();
      if (i > 0) line += "  ";
      if (columns[i].right_aligned) {
        line.append(padding, ' ');
        line += row[i];
      } else {
        line += row[i];
        if (!last) line.append(padding, ' ');
      }
    }
    // An empty last cell would leave the separator behind.
    while (!line.empty() && line.back() == ' ' && line.size() > indent.size()) line.pop_back();
    out += line;
    out += '\n';
  }
  return out;
}

}  // namespace kda::cli
