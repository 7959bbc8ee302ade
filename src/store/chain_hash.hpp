#pragma once
// The hash chains of the events and baselines tables (DESIGN.md §5 rule 8; the exact form is in
// docs/schema.md, "The hash chain", with a Python snippet that recomputes it).
//
//   hash = lowercase hex SHA-256 of  prev_hash + "\n" + canonical_columns(row)
//
// canonical_columns is a compact JSON array (no spaces) of the row's columns in the documented
// order: SQL NULL as null, INTEGER as a JSON number, TEXT as a JSON string (the stored text,
// JSON columns included, escaped like Python's json.dumps(..., separators=(",", ":"),
// ensure_ascii=False): \" \\ \b \f \n \r \t, other control characters as \u00xx, everything
// else verbatim). The first row of each chain links to genesis_hash.
//
// Pure functions; the write side (commit_poll, the 0003 migration step) and `verify` both use
// them, so the two can never disagree about the form.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>

namespace kda::store {

// 64 zeros: the prev_hash of the first row of a chain.
inline constexpr std::string_view genesis_hash =
    "0000000000000000000000000000000000000000000000000000000000000000";

// One column as SQLite stores it: NULL, INTEGER or TEXT (the chained tables hold nothing else).
using ChainValue = std::variant<std::monostate, std::int64_t, std::string_view>;

// The JSON array described above.
std::string canonical_columns(std::span<const ChainValue> columns);

// SHA-256 (OpenSSL EVP) of prev_hash + "\n" + canonical_columns(columns), as 64 lowercase hex
// digits. Throws std::runtime_error if OpenSSL fails (it does not for SHA-256 in practice).
std::string chain_hash(std::string_view prev_hash, std::span<const ChainValue> columns);

// TEXT or NULL: the schema stores "none" as NULL, so an empty string is NULL here too, exactly
// as bind_text_or_null writes it.
inline ChainValue text_or_null(std::string_view text) {
  if (text.empty()) return std::monostate{};
  return text;
}

}  // namespace kda::store
