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
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "gumshoe/hash.h"
#include "gumshoe/model.h"
#include "gumshoe/record_set.h"

namespace gumshoe {

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
  // Returns the aggregated stats, so callers can add counters.
  EdgeStats& AddEdge(const EntityRef& src, EdgeKind kind, const EntityRef& dst, const EdgeObservation& obs);
  // Records that the record with this identity is part of the delta.
  void AddRecord(const RecordId& id) { records_.insert(id); }
  bool HasRecord(const RecordId& id) const { return records_.count(id) != 0; }

  // src and dst point at entries of entities() (stable until Clear).
  struct EdgeEntry {
    const Entity* src = nullptr;
    EdgeKind kind = EdgeKind::kInvolves;
    const Entity* dst = nullptr;
    EdgeStats stats;
  };
  // An edge's identity within one delta: its two ends' entries (whose
  // addresses are stable until Clear) and its kind.
  struct EdgeKey {
    const Entity* src;
    const Entity* dst;
    EdgeKind kind;
    friend bool operator==(const EdgeKey&, const EdgeKey&) = default;
  };
  struct EdgeKeyHash {
    size_t operator()(const EdgeKey& k) const {
      uint64_t a = reinterpret_cast<uintptr_t>(k.src), b = reinterpret_cast<uintptr_t>(k.dst);
      uint64_t h = (a * 0x9E3779B97F4A7C15ull) ^ (b + 0x632BE59BD9B4E019ull + (a << 6) + (a >> 2));
      h ^= static_cast<uint64_t>(k.kind) * 0xC2B2AE3D27D4EB4Full;
      return static_cast<size_t>(h ^ (h >> 29));
    }
  };
  const std::unordered_map<std::string, Entity>& entities() const { return entities_; }
  const std::unordered_map<EdgeKey, EdgeEntry, EdgeKeyHash>& edges() const { return edges_; }
  const RecordIdSet& records() const { return records_; }

  bool empty() const { return entities_.empty() && edges_.empty() && records_.empty(); }
  // A rough count of bytes held, to decide when to flush.
  size_t ApproxBytes() const { return approx_bytes_; }
  void Clear();

 private:
  Entity& EntityFor(const EntityRef& e);
  Entity& LookUp(const EntityRef& e);  // the hash table, without the memo
  std::unordered_map<std::string, Entity> entities_;   // "kind\0key"
  // The entries looked up last (a record names its actor, key and source in
  // several edges): checked before hashing. Cleared with entities_.
  static constexpr size_t kMemoSlots = 8;
  std::array<Entity*, kMemoSlots> memo_{};
  size_t memo_next_ = 0;
  std::unordered_map<EdgeKey, EdgeEntry, EdgeKeyHash> edges_;
  RecordIdSet records_;
  std::string scratch_;  // lookup key, reused so that a hit allocates nothing
  size_t approx_bytes_ = 0;
};

}  // namespace gumshoe
