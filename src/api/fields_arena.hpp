#pragma once
// Where the header fields of one exchange live: Beast's basic_fields allocates every field
// (and the request target) on its own, twenty allocations and frees per request for a request
// and its answer. A FieldsArena is a buffer a connection keeps; the fields of one exchange are
// carved from it with a bump pointer and forgotten all at once when the next exchange starts.
// What does not fit goes to the heap as before, so a large header costs an allocation, never
// an error. Promises: an ArenaAllocator's memory stays valid until its arena is reset(); reset
// only when no fields using the arena are alive. Single-threaded, like the connection.
#include <cstddef>
#include <memory>
#include <new>

namespace kda::api {

class FieldsArena {
 public:
  static constexpr std::size_t capacity = 4096;

  void* allocate(std::size_t bytes, std::size_t alignment) {
    void* at = buffer_ + used_;
    std::size_t space = capacity - used_;
    if (std::align(alignment, bytes, at, space) != nullptr) {
      used_ = capacity - space + bytes;
      return at;
    }
    return ::operator new(bytes, std::align_val_t{alignment});
  }

  void deallocate(void* p, std::size_t alignment) noexcept {
    if (owns(p)) return;  // given back all at once by reset()
    ::operator delete(p, std::align_val_t{alignment});
  }

  void reset() noexcept { used_ = 0; }

 private:
  bool owns(const void* p) const noexcept {
    const auto* byte = static_cast<const unsigned char*>(p);
    return byte >= buffer_ && byte < buffer_ + capacity;
  }

  alignas(std::max_align_t) unsigned char buffer_[capacity];
  std::size_t used_ = 0;
};

template <class T>
class ArenaAllocator {
 public:
  using value_type = T;

  explicit ArenaAllocator(FieldsArena& arena) noexcept : arena_(&arena) {}
  template <class U>
  ArenaAllocator(const ArenaAllocator<U>& other) noexcept : arena_(other.arena()) {}

  T* allocate(std::size_t n) {
    return static_cast<T*>(arena_->allocate(n * sizeof(T), alignof(T)));
  }
  void deallocate(T* p, std::size_t) noexcept { arena_->deallocate(p, alignof(T)); }

  FieldsArena* arena() const noexcept { return arena_; }

  template <class U>
  bool operator==(const ArenaAllocator<U>& other) const noexcept {
    return arena_ == other.arena();
  }

 private:
  FieldsArena* arena_;
};

}  // namespace kda::api
