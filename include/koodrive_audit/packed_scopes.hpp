#pragma once
// The scopes of many (device, module) pairs, packed: each scope's module code, the lengths of
// its four texts and the texts themselves, one after another in buffers of 64 KiB, a pair at a
// time. A first poll of 10,000 devices holds its 90,000 new scopes until its commit: as Scope
// values (136 bytes, and a heap block for each text too long to fit in its string) spread over
// the heap between the answers; packed, 117 bytes a scope in the bench (10.1 MiB in all).
//
// Promises: what goes in comes out, byte for byte (embedded NULs included) and in the order
// added, until sort_by_pair() reorders the pairs (never the scopes within a pair). No I/O.
#include "koodrive_audit/model.hpp"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace kda {

class PackedPairScopes {
 public:
  // Starts a pair; add_scope() then appends to it. A pair may stay empty.
  void add_pair(const PairKey& pair);
  // Appends a copy of `scope` to the pair added last (there must be one).
  void add_scope(const Scope& scope);

  std::size_t pair_count() const noexcept { return pairs_.size(); }
  bool empty() const noexcept { return pairs_.empty(); }
  const PairKey& pair(std::size_t index) const { return pairs_[index].key; }
  std::size_t scope_count(std::size_t index) const { return pairs_[index].scope_count; }

  // Calls visit(const Scope&) for each scope of pair `index`, in the order added. The Scope is
  // `scratch`, refilled for each one: its strings keep their capacity from scope to scope, so
  // reading allocates nothing once they are long enough.
  template <class Visit>
  void for_each_scope(std::size_t index, Scope& scratch, Visit&& visit) const {
    const Pair& p = pairs_[index];
    std::uint32_t chunk = p.chunk;
    std::size_t at = p.offset;
    for (std::uint32_t i = 0; i < p.scope_count; ++i) {
      at = read_scope(chunk, at, scratch);
      visit(static_cast<const Scope&>(scratch));
    }
  }

  // Orders the pairs by key (a pair added twice keeps the order it was added in).
  void sort_by_pair();

  // Every pair with its scopes, as values: for tests and diagnostics, not for 90,000 scopes.
  std::vector<PairScopes> unpack() const;

 private:
  struct Pair {
    PairKey key;
    std::uint32_t chunk = 0;  // where its first scope starts
    std::uint32_t offset = 0;
    std::uint32_t scope_count = 0;  // its scopes follow each other, in this chunk and the next
  };
  // Reads the scope at `offset` of chunk `chunk` into `into`; at that chunk's end, the first
  // scope of the next chunk (a scope never straddles two), and `chunk` moves on. Returns the
  // offset just past the scope read.
  std::size_t read_scope(std::uint32_t& chunk, std::size_t offset, Scope& into) const;

  std::vector<Pair> pairs_;
  std::vector<std::vector<char>> chunks_;  // each reserved whole, then filled, never moved
};

}  // namespace kda
