// FieldsArena: the header fields of one exchange carved from a connection's buffer, the rest
// from the heap (ASan checks that what went to the heap is given back).
#include "api/fields_arena.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace kda::api {
namespace {

bool inside(const FieldsArena& arena, const void* p) {
  const auto* begin = reinterpret_cast<const unsigned char*>(&arena);
  const auto* byte = static_cast<const unsigned char*>(p);
  return byte >= begin && byte < begin + sizeof arena;
}

TEST(FieldsArena, SmallBlocksComeFromTheBufferAlignedAndApart) {
  FieldsArena arena;
  ArenaAllocator<char> chars(arena);
  ArenaAllocator<std::uint64_t> words(chars);
  char* a = chars.allocate(3);
  std::uint64_t* b = words.allocate(2);
  char* c = chars.allocate(5);
  EXPECT_TRUE(inside(arena, a));
  EXPECT_TRUE(inside(arena, b));
  EXPECT_TRUE(inside(arena, c));
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(b) % alignof(std::uint64_t), 0u);
  EXPECT_GE(reinterpret_cast<char*>(b), a + 3);
  EXPECT_GE(c, reinterpret_cast<char*>(b + 2));
  EXPECT_TRUE(chars == ArenaAllocator<char>(words));
  FieldsArena other;
  EXPECT_FALSE(chars == ArenaAllocator<char>(other));
  chars.deallocate(a, 3);
  words.deallocate(b, 2);
  chars.deallocate(c, 5);
}

TEST(FieldsArena, WhatDoesNotFitGoesToTheHeapAndResetStartsOver) {
  FieldsArena arena;
  ArenaAllocator<char> chars(arena);
  char* first = chars.allocate(FieldsArena::capacity - 16);
  EXPECT_TRUE(inside(arena, first));
  char* overflow = chars.allocate(64);
  EXPECT_FALSE(inside(arena, overflow));
  overflow[63] = 'x';  // usable
  chars.deallocate(overflow, 64);
  char* huge = chars.allocate(2 * FieldsArena::capacity);
  EXPECT_FALSE(inside(arena, huge));
  chars.deallocate(huge, 2 * FieldsArena::capacity);
  chars.deallocate(first, FieldsArena::capacity - 16);
  arena.reset();
  EXPECT_EQ(chars.allocate(8), first);
}

}  // namespace
}  // namespace kda::api
