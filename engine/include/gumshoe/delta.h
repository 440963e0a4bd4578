// GraphDelta: an in-memory batch of graph changes, aggregated before it is
// written. Ingestors describe what each record means by calling Touch/SetAttr/
// AddTag/AddEdge; repeated observations of the same edge fold into one
// EdgeStats here, so millions of records become thousands of writes.
//
// A store applies a delta atomically (GraphStore::Apply), together with the
// identities of the records it came from, so that a record is either fully in
// the store or not at all, and is never counted twice.
// Not thread-safe: one delta per producing thread.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <map>
#include <memory>
#include <new>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gumshoe/hash.h"
#include "gumshoe/model.h"
#include "gumshoe/record_set.h"

namespace gumshoe {

namespace delta_detail {

// A sequence whose elements never move: they live in fixed-size chunks, so a
// pointer to one stays valid as the sequence grows. clear() destroys the
// elements and keeps the chunks for the next batch.
template <typename T>
class StableVector {
 public:
  static constexpr size_t kChunk = 256;

  StableVector() = default;
  StableVector(const StableVector&) = delete;
  StableVector& operator=(const StableVector&) = delete;
  StableVector(StableVector&& other) noexcept
      : chunks_(std::move(other.chunks_)), size_(std::exchange(other.size_, 0)) {
    other.chunks_.clear();
  }
  StableVector& operator=(StableVector&& other) noexcept {
    if (this != &other) {
      Release();
      chunks_ = std::move(other.chunks_);
      other.chunks_.clear();
      size_ = std::exchange(other.size_, 0);
    }
    return *this;
  }
  ~StableVector() { Release(); }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  T& operator[](size_t i) { return chunks_[i / kChunk][i % kChunk]; }
  const T& operator[](size_t i) const { return chunks_[i / kChunk][i % kChunk]; }

  // Appends a value-initialised element.
  T& emplace_back() {
    if (size_ == chunks_.size() * kChunk) {
      chunks_.push_back(std::allocator<T>().allocate(kChunk));
    }
    T* p = ::new (static_cast<void*>(&chunks_[size_ / kChunk][size_ % kChunk])) T();
    ++size_;
    return *p;
  }
  void clear() {
    while (size_ > 0) {
      --size_;
      (*this)[size_].~T();
    }
  }

  class const_iterator {
   public:
    using value_type = T;
    using difference_type = std::ptrdiff_t;
    using reference = const T&;
    using pointer = const T*;
    using iterator_category = std::forward_iterator_tag;
    const_iterator() = default;
    reference operator*() const { return (*v_)[i_]; }
    pointer operator->() const { return &(*v_)[i_]; }
    const_iterator& operator++() {
      ++i_;
      return *this;
    }
    const_iterator operator++(int) {
      const_iterator old = *this;
      ++i_;
      return old;
    }
    friend bool operator==(const const_iterator& a, const const_iterator& b) { return a.i_ == b.i_; }

   private:
    friend class StableVector;
    const_iterator(const StableVector* v, size_t i) : v_(v), i_(i) {}
    const StableVector* v_ = nullptr;
    size_t i_ = 0;
  };
  const_iterator begin() const { return const_iterator(this, 0); }
  const_iterator end() const { return const_iterator(this, size_); }

 private:
  void Release() {
    clear();
    for (T* c : chunks_) std::allocator<T>().deallocate(c, kChunk);
    chunks_.clear();
  }
  std::vector<T*> chunks_;
  size_t size_ = 0;
};

}  // namespace delta_detail

// One observation of an edge.
struct EdgeObservation {
  Timestamp time = kNoTime;
  // +1 success, -1 failure, 0 the source does not say.
  int outcome = 0;
  std::string_view evidence;  // "cloudtrail:<eventID>" or "file:line"
  uint64_t weight = 1;        // how many occurrences this observation stands for
};

class GraphDelta {
 public:
  GraphDelta() = default;
  // Edges point at the delta's own entity entries: a delta moves, never copies.
  GraphDelta(const GraphDelta&) = delete;
  GraphDelta& operator=(const GraphDelta&) = delete;
  // A moved-from delta is empty (and its memo and byte count with it).
  GraphDelta(GraphDelta&& other) noexcept;
  GraphDelta& operator=(GraphDelta&& other) noexcept;

  // Records the entity as seen at `t` (kNoTime: exists, time unknown).
  void Touch(const EntityRef& e, Timestamp t);
  void SetAttr(const EntityRef& e, std::string_view name, std::string_view value, Timestamp t);
  void AddTag(const EntityRef& e, std::string_view tag, Timestamp t);
  // Adds one observation of src -[kind]-> dst and touches both ends.
  // Returns the aggregated stats, so callers can add counters and hourly
  // buckets (never remove a bucket: the delta keeps a pointer to the last one).
  EdgeStats& AddEdge(const EntityRef& src, EdgeKind kind, const EntityRef& dst, const EdgeObservation& obs);
  // Records that the record with this identity is part of the delta.
  void AddRecord(const RecordId& id) { records_.insert(id); }
  bool HasRecord(const RecordId& id) const { return records_.count(id) != 0; }
  // Keeps a document beside the graph (an IAM authorization snapshot, an IAM
  // change event), written in the same batch as the delta's edges under the
  // store's metadata key kDocumentPrefix + `key`. Keys name their content
  // (source, account, time, record ID), so writing one again changes nothing.
  void PutDocument(std::string key, std::string value);
  const std::map<std::string, std::string>& documents() const { return documents_; }

  // src and dst point at entries of entities() (stable until Clear).
  struct EdgeEntry {
    const Entity* src = nullptr;
    EdgeKind kind = EdgeKind::kInvolves;
    const Entity* dst = nullptr;
    EdgeStats stats;
  };
  // Insertion order; addresses are stable until Clear.
  const delta_detail::StableVector<Entity>& entities() const { return entities_; }
  const delta_detail::StableVector<EdgeEntry>& edges() const { return edges_; }
  const RecordIdSet& records() const { return records_; }

  bool empty() const { return entities_.empty() && edges_.empty() && records_.empty() && documents_.empty(); }
  // A rough count of bytes held, to decide when to flush.
  size_t ApproxBytes() const { return approx_bytes_; }
  // Adds `bytes` to ApproxBytes: callers that grow an EdgeStats returned by
  // AddEdge themselves (many hourly buckets, keyed counters) say how much, so
  // that the batch still closes at its size limit.
  void NoteBytes(size_t bytes) { approx_bytes_ += bytes; }
  void Clear();

 private:
  // An open-addressing index over entities_ or edges_: the full hash and the
  // element's position + 1 (0: empty). Linear probing, at most half full.
  struct Slot {
    uint64_t hash = 0;
    uint32_t index = 0;
  };
  // The last hourly bucket an edge's observation went to: the next
  // observation of the edge is usually in the same hour.
  struct HourCache {
    uint32_t hour = 0;
    uint64_t* count = nullptr;
  };
  static void GrowIndex(std::vector<Slot>& slots);
  // The slot of the element with this hash that same(its position + 1) accepts, or
  // else the empty slot where it goes; first grows `slots` (indexing `size`
  // elements) so that one more fits.
  template <typename Same>
  static size_t Probe(std::vector<Slot>& slots, size_t size, uint64_t hash, const Same& same);

  Entity& EntityFor(const EntityRef& e);
  Entity& LookUp(const EntityRef& e);  // the index, without the memo
  delta_detail::StableVector<Entity> entities_;
  std::vector<Slot> entity_index_;
  // The entries looked up last (a record names its actor, key and source in
  // several edges): checked before hashing. Cleared with entities_.
  static constexpr size_t kMemoSlots = 8;
  std::array<Entity*, kMemoSlots> memo_{};
  size_t memo_next_ = 0;
  delta_detail::StableVector<EdgeEntry> edges_;
  std::vector<Slot> edge_index_;
  std::vector<HourCache> hour_cache_;  // parallel to edges_
  RecordIdSet records_;
  std::map<std::string, std::string> documents_;
  size_t approx_bytes_ = 0;
};

// The metadata prefix under which stores keep GraphDelta documents.
inline constexpr std::string_view kDocumentPrefix = "doc/";

}  // namespace gumshoe
