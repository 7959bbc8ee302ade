#include "store/chain_hash.hpp"

#include <boost/json/serializer.hpp>
#include <openssl/evp.h>

#include <array>
#include <memory>
#include <stdexcept>

namespace kda::store {

namespace {

// Writes the canonical JSON array of `columns` to `write` (a callable taking string_view) in
// pieces: canonical_columns collects them, chain_hash feeds them to the digest, so both produce
// one form from one piece of code, and a megabyte record is never copied whole to be hashed.
// Boost.JSON escapes exactly as Python's json.dumps with ensure_ascii=False does (short forms
// for \b \f \n \r \t, \u00xx in lowercase for the other control characters, UTF-8 verbatim),
// which is what lets an operator recompute a hash without our code.
template <class Write>
void write_columns(std::span<const ChainValue> columns, Write&& write) {
  write("[");
  std::array<char, 4096> chunk;
  for (std::size_t i = 0; i < columns.size(); ++i) {
    if (i > 0) write(",");
    if (std::holds_alternative<std::monostate>(columns[i])) {
      write("null");
    } else if (const auto* number = std::get_if<std::int64_t>(&columns[i])) {
      write(std::to_string(*number));
    } else {
      const std::string_view text = std::get<std::string_view>(columns[i]);
      boost::json::serializer serializer;
      serializer.reset(boost::json::string_view(text.data(), text.size()));
      while (!serializer.done()) {
        const boost::json::string_view part = serializer.read(chunk.data(), chunk.size());
        write(std::string_view(part.data(), part.size()));
      }
    }
  }
  write("]");
}

const EVP_MD* sha256() {
  // Fetched once: the implicit fetch behind EVP_sha256() costs a lookup per digest, and a
  // baseline commit hashes one row per event.
  static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  if (md == nullptr) throw std::runtime_error("OpenSSL: SHA-256 is not available");
  return md;
}

}  // namespace

std::string canonical_columns(std::span<const ChainValue> columns) {
  std::string out;
  write_columns(columns, [&out](std::string_view piece) { out += piece; });
  return out;
}

std::string chain_hash(std::string_view prev_hash, std::span<const ChainValue> columns) {
  const std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(),
                                                                          &EVP_MD_CTX_free);
  if (!context || EVP_DigestInit_ex(context.get(), sha256(), nullptr) != 1) {
    throw std::runtime_error("OpenSSL: SHA-256 failed");
  }
  const auto update = [&](std::string_view bytes) {
    if (EVP_DigestUpdate(context.get(), bytes.data(), bytes.size()) != 1) {
      throw std::runtime_error("OpenSSL: SHA-256 failed");
    }
  };
  update(prev_hash);
  update("\n");
  write_columns(columns, update);

  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  if (EVP_DigestFinal_ex(context.get(), digest.data(), &size) != 1) {
    throw std::runtime_error("OpenSSL: SHA-256 failed");
  }
  static constexpr char hex[] = "0123456789abcdef";
  std::string out(2 * size, '\0');
  for (unsigned int i = 0; i < size; ++i) {
    out[2 * i] = hex[digest[i] >> 4];
    out[2 * i + 1] = hex[digest[i] & 0x0f];
  }
  return out;
}

}  // namespace kda::store
