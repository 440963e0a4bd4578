// RecordIdSet: a set of record identities for the ingest hot path.
//
// Record identities are keyed SipHash outputs, so their first eight bytes are
// already a uniform hash. The set stores them in one open-addressing table
// (linear probing, at most half full, backward-shift deletion): inserting,
// finding and erasing allocate nothing once the table has grown, unlike a
// node-based std::unordered_set. Iteration order is unspecified.
// Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <vector>

#include "gumshoe/hash.h"

namespace gumshoe {

class RecordIdSet {
 public:
  // Adds `id`; false when it was already present.
  bool insert(const RecordId& id) {
    if ((size_ + 1) * 2 > slots_.size()) Grow();
    size_t i = Find(id);
    if (used_[i]) return false;
    slots_[i] = id;
    used_[i] = 1;
    ++size_;
    return true;
  }
  bool contains(const RecordId& id) const { return !slots_.empty() && used_[Find(id)] != 0; }
  size_t count(const RecordId& id) const { return contains(id) ? 1 : 0; }
  // Removes `id` if present; returns how many were removed (0 or 1).
  size_t erase(const RecordId& id) {
    if (slots_.empty()) return 0;
    size_t i = Find(id);
    if (!used_[i]) return 0;
    // Backward-shift: move later members of the probe run into the hole so
    // that every member stays reachable from its home slot.
    size_t mask = slots_.size() - 1;
    size_t hole = i;
    for (size_t j = (hole + 1) & mask; used_[j]; j = (j + 1) & mask) {
      size_t home = Home(slots_[j]);
      // Whether `home` lies cyclically outside (hole, j]: then j may move to hole.
      bool movable = hole <= j ? (home <= hole || home > j) : (home <= hole && home > j);
      if (movable) {
        slots_[hole] = slots_[j];
        hole = j;
      }
    }
    used_[hole] = 0;
    --size_;
    return 1;
  }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  // Empties the set, keeping its table for reuse.
  void clear() {
    std::fill(used_.begin(), used_.end(), 0);
    size_ = 0;
  }

  class const_iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = RecordId;
    using difference_type = std::ptrdiff_t;
    using pointer = const RecordId*;
    using reference = const RecordId&;
    const_iterator() = default;
    reference operator*() const { return set_->slots_[i_]; }
    pointer operator->() const { return &set_->slots_[i_]; }
    const_iterator& operator++() {
      ++i_;
      Skip();
      return *this;
    }
    const_iterator operator++(int) {
      const_iterator old = *this;
      ++*this;
      return old;
    }
    friend bool operator==(const const_iterator& a, const const_iterator& b) { return a.i_ == b.i_; }
    friend bool operator!=(const const_iterator& a, const const_iterator& b) { return a.i_ != b.i_; }

   private:
    friend class RecordIdSet;
    const_iterator(const RecordIdSet* set, size_t i) : set_(set), i_(i) { Skip(); }
    void Skip() {
      while (i_ < set_->slots_.size() && !set_->used_[i_]) ++i_;
    }
    const RecordIdSet* set_ = nullptr;
    size_t i_ = 0;
  };
  const_iterator begin() const { return const_iterator(this, 0); }
  const_iterator end() const { return const_iterator(this, slots_.size()); }

 private:
  size_t Home(const RecordId& id) const {
    uint64_t h;
    std::memcpy(&h, id.data(), sizeof(h));
    return static_cast<size_t>(h) & (slots_.size() - 1);
  }
  // The slot holding `id`, or the empty slot where it would go.
  // REQUIRES: the table is not empty and not full.
  size_t Find(const RecordId& id) const {
    size_t mask = slots_.size() - 1;
    size_t i = Home(id);
    while (used_[i] && slots_[i] != id) i = (i + 1) & mask;
    return i;
  }
  void Grow() {
    std::vector<RecordId> old_slots = std::move(slots_);
    std::vector<uint8_t> old_used = std::move(used_);
    size_t cap = old_slots.empty() ? 64 : old_slots.size() * 2;
    slots_.assign(cap, RecordId{});
    used_.assign(cap, 0);
    for (size_t i = 0; i < old_slots.size(); ++i) {
      if (old_used[i]) {
        size_t j = Find(old_slots[i]);
        slots_[j] = old_slots[i];
        used_[j] = 1;
      }
    }
  }

  std::vector<RecordId> slots_;
  std::vector<uint8_t> used_;
  size_t size_ = 0;
};

}  // namespace gumshoe
