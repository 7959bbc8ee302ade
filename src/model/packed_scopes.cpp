#include "koodrive_audit/packed_scopes.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>

namespace kda {

namespace {

// A scope in a chunk: its module code and the lengths of its four texts, then the texts.
struct ScopeHeader {
  std::int32_t module_code = 0;
  std::uint32_t lengths[4] = {};
};

constexpr std::size_t chunk_bytes = 64 * 1024;

}  // namespace

void PackedPairScopes::add_pair(const PairKey& pair) {
  Pair p;
  p.key = pair;
  if (!chunks_.empty()) {
    p.chunk = static_cast<std::uint32_t>(chunks_.size() - 1);
    p.offset = static_cast<std::uint32_t>(chunks_.back().size());
  }
  pairs_.push_back(std::move(p));
}

void PackedPairScopes::add_scope(const Scope& scope) {
  if (pairs_.empty()) throw std::logic_error("PackedPairScopes::add_scope before add_pair");
  const std::string* texts[4] = {&scope.scope_id, &scope.local_path, &scope.target_folder_path,
                                 &scope.create_time};
  ScopeHeader header;
  header.module_code = scope.module_code;
  std::size_t size = sizeof header;
  for (int i = 0; i < 4; ++i) {
    if (texts[i]->size() > UINT32_MAX) throw std::length_error("PackedPairScopes: text too long");
    header.lengths[i] = static_cast<std::uint32_t>(texts[i]->size());
    size += texts[i]->size();
  }
  Pair& pair = pairs_.back();
  if (chunks_.empty() || chunks_.back().capacity() - chunks_.back().size() < size) {
    chunks_.emplace_back().reserve(std::max(chunk_bytes, size));
    // A pair that has no scope yet starts in the new chunk; one that has, continues there.
    if (pair.scope_count == 0) {
      pair.chunk = static_cast<std::uint32_t>(chunks_.size() - 1);
      pair.offset = 0;
    }
  }
  // Within the capacity reserved: the chunk never moves, nothing is zeroed first.
  std::vector<char>& chunk = chunks_.back();
  const char* header_bytes = reinterpret_cast<const char*>(&header);
  chunk.insert(chunk.end(), header_bytes, header_bytes + sizeof header);
  for (const std::string* text : texts) chunk.insert(chunk.end(), text->begin(), text->end());
  ++pair.scope_count;
}

std::size_t PackedPairScopes::read_scope(std::uint32_t& chunk, std::size_t offset,
                                         Scope& into) const {
  if (offset == chunks_[chunk].size()) {
    ++chunk;
    offset = 0;
  }
  const char* in = chunks_[chunk].data() + offset;
  ScopeHeader header;
  std::memcpy(&header, in, sizeof header);
  in += sizeof header;
  into.module_code = header.module_code;
  std::string* texts[4] = {&into.scope_id, &into.local_path, &into.target_folder_path,
                           &into.create_time};
  std::size_t size = sizeof header;
  for (int i = 0; i < 4; ++i) {
    texts[i]->assign(in, header.lengths[i]);
    in += header.lengths[i];
    size += header.lengths[i];
  }
  return offset + size;
}

void PackedPairScopes::sort_by_pair() {
  std::stable_sort(pairs_.begin(), pairs_.end(),
                   [](const Pair& a, const Pair& b) { return a.key < b.key; });
}

std::vector<PairScopes> PackedPairScopes::unpack() const {
  std::vector<PairScopes> out;
  Scope scratch;
  for (std::size_t i = 0; i < pairs_.size(); ++i) {
    PairScopes pair{pairs_[i].key, {}};
    for_each_scope(i, scratch, [&](const Scope& scope) { pair.scopes.push_back(scope); });
    out.push_back(std::move(pair));
  }
  return out;
}

}  // namespace kda
