// AdjacencySnapshot: the edges the blast-radius walk follows, held in memory
// as compressed sparse rows, so a walk touches no store at all.
//
// Built once from a GraphReader (Build) in one pass over the entities and one
// over the edges: every edge of a kind a DefaultBlastRules rule walks, plus
// has_interface (an instance's ENIs, for fold_interfaces) and involves (a
// finding's footholds). Entities are interned to uint32 vertices numbered in
// EntityId order, so comparing vertices compares EntityIds (the tie-break
// BlastRadius uses when it ranks neighbours). Kind and canonical key are kept
// once per entity.
//
// Per edge it keeps what BlastRadius needs to decide reachability exactly as it
// does from the store: the other end, the edge kind, the count (window count
// of an unbounded window), the first observation time, whether any
// observation succeeded (db_login, network_flow) or failed (attempts), whether a finding marks the target a
// foothold (involves), and the hourly buckets (hour and observations, in a
// shared pool of uint32 pairs) behind EdgeStats::CountInWindow and
// FirstActiveAtOrAfter. Evidence, counters and last_seen are not kept: the
// BlastRadius overload below reads the few edges a walk returns from the store.
//
// Memory: per edge 40 bytes (out row: a 24-byte record of other end, bucket
// offset, first seen, kind and flags, plus the count 8; in row: other end 4,
// edge index 4) plus 8 bytes per hourly bucket (a count above 2^32-1 costs a
// hash-map entry more); per entity 54-62 bytes (EntityId 16, kind 1, stored
// flag 1, key offset 4, first/last seen 16, name hash slots 8-16, out/in row
// offsets 8) plus its key bytes. MemoryBytes() adds it up. The bench graph (1.03M
// entities, 7.9M walked edges, 2.1 buckets per edge): about 68 bytes per
// walked edge all in. Build: one pass over the entities and one over the
// edges; it holds a 40-byte record and the buckets of every walked edge
// besides the result while it sorts them.
//
// Thread-safety: immutable after Build; any number of threads may read it and
// run BlastReachOf on it at once.
// Staleness: a snapshot does not see what is ingested after it was built. It
// records the entity and edge counts it was built from (built_entities,
// built_edges) and its build time; rebuild it after ingest.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "gumshoe/blast_radius.h"
#include "gumshoe/model.h"
#include "gumshoe/status.h"
#include "gumshoe/store.h"

namespace gumshoe {

class AdjacencySnapshot {
 public:
  static constexpr uint32_t kNone = UINT32_MAX;
  // Named limits: vertex, edge, bucket indexes and key-pool offsets are
  // uint32; a graph beyond them fails to build (LimitExceeded) rather than
  // wrapping.
  static constexpr uint64_t kMaxEntities = UINT32_MAX - 1;
  static constexpr uint64_t kMaxEdges = UINT32_MAX - 1;
  static constexpr uint64_t kMaxBuckets = UINT32_MAX - 1;
  static constexpr uint64_t kMaxKeyBytes = UINT32_MAX - 1;

  // Reads every entity and every edge of the walked kinds from `reader`.
  // Entities named only by an edge (not stored) get a vertex with an empty
  // key; they cannot be looked up by Find and are never footholds.
  static Result<AdjacencySnapshot> Build(const GraphReader& reader);

  AdjacencySnapshot() = default;
  AdjacencySnapshot(AdjacencySnapshot&&) = default;
  AdjacencySnapshot& operator=(AdjacencySnapshot&&) = default;

  size_t entity_count() const { return kind_.size(); }
  size_t edge_count() const { return edges_.empty() ? 0 : edges_.size() - 1; }
  size_t bucket_count() const { return buckets_.size(); }
  // Approximate heap bytes of the snapshot (vector capacities).
  size_t MemoryBytes() const;
  // What the snapshot was built from: stored entities and edges kept, and
  // when (wall clock, seconds since epoch).
  uint64_t built_entities() const { return built_entities_; }
  uint64_t built_edges() const { return edge_count(); }
  Timestamp built_at() const { return built_at_; }

  // The vertex of a stored entity, or std::nullopt.
  std::optional<uint32_t> Find(const EntityRef& ref) const;
  std::optional<uint32_t> FindId(const EntityId& id) const;
  EntityKind kind(uint32_t v) const { return kind_[v]; }
  std::string_view key(uint32_t v) const {
    return std::string_view(keys_).substr(key_begin_[v], key_begin_[v + 1] - key_begin_[v]);
  }
  EntityRef Ref(uint32_t v) const { return EntityRef{kind(v), std::string(key(v))}; }
  const EntityId& id(uint32_t v) const { return ids_[v]; }
  bool stored(uint32_t v) const { return stored_[v] != 0; }
  Timestamp first_seen(uint32_t v) const { return first_seen_[v]; }
  Timestamp last_seen(uint32_t v) const { return last_seen_[v]; }

  // Edge e's fields (e < edge_count()); out rows of v are
  // [out_begin(v), out_begin(v + 1)), ordered by (edge kind, other end).
  uint32_t out_begin(uint32_t v) const { return out_begin_[v]; }
  uint32_t in_begin(uint32_t v) const { return in_begin_[v]; }
  uint32_t edge_dst(uint32_t e) const { return edges_[e].nbr; }
  uint32_t edge_src(uint32_t e) const;  // the row edge e is in (binary search)
  EdgeKind edge_kind(uint32_t e) const { return static_cast<EdgeKind>(edges_[e].kind); }
  // In row i of v (ordered by (edge kind, other end)): the edge and its source.
  uint32_t in_edge(uint32_t i) const { return in_edge_[i]; }
  uint32_t in_src(uint32_t i) const { return in_nbr_[i]; }
  Timestamp edge_first_seen(uint32_t e) const { return edges_[e].first_seen; }
  uint64_t edge_count_of(uint32_t e) const { return edge_count_[e]; }
  bool edge_succeeded(uint32_t e) const { return (edges_[e].flags & kFlagSuccess) != 0; }
  bool edge_foothold(uint32_t e) const { return (edges_[e].flags & kFlagFoothold) != 0; }
  // IsAttempt (edge_text.h): some observation failed and none succeeded.
  bool edge_attempt(uint32_t e) const { return (edges_[e].flags & (kFlagSuccess | kFlagFailure)) == kFlagFailure; }
  // EdgeStats::CountInWindow and FirstActiveAtOrAfter of edge e, from its buckets.
  uint64_t CountInWindow(uint32_t e, const TimeWindow& w) const;
  Timestamp FirstActiveAtOrAfter(uint32_t e, Timestamp since) const;

  // DefaultBlastRules(), as read at Build.
  const std::vector<BlastRule>& rules() const { return rules_; }

 private:
  friend class AdjacencyBuilder;
  friend class BlastReacher;
  static constexpr uint8_t kFlagSuccess = 1;
  static constexpr uint8_t kFlagFoothold = 2;
  static constexpr uint8_t kFlagFailure = 4;

  uint64_t BucketCount(uint32_t b) const;
  static size_t NameHash(EntityKind kind, std::string_view key);

  // Entities, by vertex.
  std::vector<EntityId> ids_;
  std::vector<EntityKind> kind_;
  std::vector<uint8_t> stored_;
  std::vector<uint32_t> key_begin_;  // size n + 1
  std::string keys_;
  std::vector<Timestamp> first_seen_, last_seen_;
  std::vector<uint32_t> name_slots_;  // stored vertices by NameHash, open addressing
  // Out rows (edge index = out row index).
  std::vector<uint32_t> out_begin_;  // size n + 1
  // What a walk reads of an edge, in one record (one cache line or two).
  struct EdgeRec {
    uint32_t nbr = 0;           // the other end (dst of an out row)
    uint32_t bucket_begin = 0;  // buckets [bucket_begin, next record's bucket_begin)
    Timestamp first_seen = kNoTime;
    uint8_t kind = 0;
    uint8_t flags = 0;
  };
  struct Bucket {
    uint32_t hour = 0;   // hours since epoch
    uint32_t count = 0;  // saturated: the exact count is in big_counts_
  };
  std::vector<EdgeRec> edges_;  // edges + 1 (a last record ends the buckets)
  std::vector<uint64_t> edge_count_;
  std::vector<Bucket> buckets_;
  std::unordered_map<uint32_t, uint64_t> big_counts_;
  // In rows.
  std::vector<uint32_t> in_begin_;  // size n + 1
  std::vector<uint32_t> in_nbr_, in_edge_;

  std::vector<BlastRule> rules_;
  uint64_t built_entities_ = 0;
  Timestamp built_at_ = kNoTime;
};

// One entity the walk reached. `entity` is a snapshot vertex
// (AdjacencySnapshot::Ref gives its kind and key).
struct BlastReachEntity {
  uint32_t entity = AdjacencySnapshot::kNone;
  int hop = 0;
  Timestamp first_touch = kNoTime;
  bool foothold = false;
  // The edge that reached it (none for a foothold): from `parent` over `edge`,
  // stored parent -> entity when stored_forward (else entity -> parent), seen
  // on network interface `via` (a vertex) when the parent is an instance
  // walking its ENIs' flows and queries.
  uint32_t parent = AdjacencySnapshot::kNone;
  EdgeKind edge = EdgeKind::kInvolves;
  bool stored_forward = true;
  uint32_t via = AdjacencySnapshot::kNone;
  // The stored edges (snapshot edge indexes) merged into that edge: one, or
  // an instance's own and its ENIs' edges to the same neighbour:
  // BlastReach::parent_edges[parent_edges_begin, + parent_edges_len).
  uint32_t parent_edges_begin = 0;
  uint32_t parent_edges_len = 0;
};

// A neighbour list cut at max_fanout (BlastTruncation without the note).
struct BlastReachCut {
  uint32_t at = AdjacencySnapshot::kNone;
  EdgeKind edge = EdgeKind::kInvolves;
  Direction dir = Direction::kOut;
  size_t omitted = 0;
  EntityKind omitted_kind = EntityKind::kIpAddress;
};

struct BlastReach {
  TimeWindow window;                       // as BlastWindow
  std::vector<uint32_t> footholds;         // as BlastRadiusResult::footholds
  bool footholds_marked = false;           // a finding marked them (FindingFootholds)
  size_t launcher_footholds = 0;           // the last ones were added by include_launchers
  std::vector<BlastReachEntity> entities;  // in BFS order: footholds first
  std::vector<uint32_t> parent_edges;
  std::vector<BlastReachCut> cuts;         // (entity, rule) pairs cut at max_fanout
  bool truncated = false;                  // max_nodes hit
};

// Reusable working memory for BlastReachOf: a caller running many walks on
// one thread passes the same scratch to skip the per-walk allocations.
// Thread-safety: one scratch per thread (it is written by every walk).
class BlastReachScratch {
 public:
  BlastReachScratch();
  ~BlastReachScratch();
  BlastReachScratch(BlastReachScratch&&) noexcept;
  BlastReachScratch& operator=(BlastReachScratch&&) noexcept;

 private:
  friend Result<BlastReach> BlastReachOf(const AdjacencySnapshot&, const EntityRef&, const BlastRadiusOptions&,
                                         BlastReachScratch*);
  struct State;
  std::unique_ptr<State> state_;
};

// The entities BlastRadius(reader, start, options) reaches (its nodes: same
// set, hop counts, first touch times and reaching edges), computed on the
// snapshot instead of the store: same reach rules and directions, leaves,
// window (BlastWindow semantics, from the snapshot's first/last seen), forward
// in time ordering, structural edges, fold_interfaces, include_launchers,
// max_depth, max_fanout (most active in the window first, ties by EntityId)
// and max_nodes. REQUIRES: `start` is stored in the snapshot (NotFound
// otherwise). Thread-safe on a shared snapshot; `scratch` (optional) must not
// be shared between threads.
Result<BlastReach> BlastReachOf(const AdjacencySnapshot& snapshot, const EntityRef& start,
                                const BlastRadiusOptions& options, BlastReachScratch* scratch = nullptr);

// BlastRadius with phases 1 and 2 on the snapshot: the same result as
// BlastRadius(reader, start, options) (nodes, paths with evidence, scores,
// truncations, summary), reading from `reader` only the reached entities and
// the stored edges that reached them. REQUIRES: `snapshot` was built from
// `reader` (or a reader with the same content); `start` is stored.
Result<BlastRadiusResult> BlastRadius(const GraphReader& reader, const AdjacencySnapshot& snapshot,
                                      const EntityRef& start, const BlastRadiusOptions& options,
                                      BlastReachScratch* scratch = nullptr);

}  // namespace gumshoe
