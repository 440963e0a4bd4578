// The graph store interfaces. Traversals take a GraphReader, so they run the
// same on the RocksDB store (storage/) and on MemoryStore (tests, embedding).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gumshoe/delta.h"
#include "gumshoe/hash.h"
#include "gumshoe/model.h"
#include "gumshoe/status.h"

namespace gumshoe {

// Read access to a graph. A reader obtained from GraphStore::Snapshot() sees
// one consistent point in time; the store itself reads the latest state.
// Thread-safety: const methods may be called from several threads at once.
class GraphReader {
 public:
  virtual ~GraphReader() = default;

  // The id a (kind, canonical key) has in this store. Never fails.
  virtual EntityId IdOf(EntityKind kind, std::string_view key) const = 0;
  // The entity, or std::nullopt when it is not stored.
  virtual Result<std::optional<Entity>> GetEntity(const EntityId& id) const = 0;

  // Calls fn for each edge of `id` in direction `dir`, ordered by (edge kind,
  // other end id); `kind` restricts to one edge kind. Out-edges have
  // edge.src == id, in-edges edge.dst == id. fn returns false to stop.
  using EdgeFn = std::function<bool(const Edge&)>;
  virtual Status ScanEdges(const EntityId& id, Direction dir, std::optional<EdgeKind> kind,
                           const EdgeFn& fn) const = 0;

  // GetEntity of each id, in order (std::nullopt where not stored). The
  // default calls GetEntity per id; stores override it with a batched read.
  virtual Result<std::vector<std::optional<Entity>>> GetEntities(const std::vector<EntityId>& ids) const;

  // The canonical key of each id, in order (std::nullopt where not stored):
  // what a query that lists entities by name needs, without their attributes.
  // The default calls GetEntities; stores override it with a lighter decode.
  virtual Result<std::vector<std::optional<std::string>>> GetEntityKeys(const std::vector<EntityId>& ids) const;
  // An edge whose EdgeStats are still encoded (codec.h: DecodeEdgeStats,
  // DecodeEdgeStatsSummary). `stats` is valid only during the callback.
  struct RawEdge {
    EntityId src;
    EdgeKind kind = EdgeKind::kAssumedRole;
    EntityId dst;
    std::string_view stats;
  };
  using RawEdgeFn = std::function<bool(const RawEdge&)>;
  // Like ScanEdges, for queries that rank many edges and keep a few: the stats
  // are not decoded. `kinds` empty: every kind; otherwise the edges of each
  // listed kind, in the order listed (pass them ascending for key order). fn
  // returns false to stop. The default encodes what ScanEdges decodes; stores
  // override it with a scan of the stored bytes (one iterator per call).
  virtual Status ScanRawEdges(const EntityId& id, Direction dir, const std::vector<EdgeKind>& kinds,
                              const RawEdgeFn& fn) const;

  // The stored stats of the edges between `id` and each of `others` in one
  // group (direction, kind), undecoded, in the order of `others`
  // (std::nullopt where there is no such edge). The default scans the group;
  // stores override it with batched point reads.
  virtual Result<std::vector<std::optional<std::string>>> GetRawEdgeStats(const EntityId& id, Direction dir,
                                                                          EdgeKind kind,
                                                                          const std::vector<EntityId>& others) const;

  // A ranking of one large group of an entity's edges (one direction and
  // kind), kept by stores that maintain one (RocksStore: groups of at least
  // kMinRankedGroup edges, see rocksdb_store.h for which), so that a pivot on
  // a super-node need not read the whole group. `total` is the number of
  // edges in the group; `top` the neighbours with the highest edge count over
  // all time (the unbounded-window count of DecodeEdgeStatsSummary), count
  // desc, then id, at most kMaxRankedNeighbors of them. A store drops a
  // ranking in the same write that changes its group and writes a fresh one
  // on Flush, so a ranking agrees with the edges of the snapshot it is read
  // from (a reader of the live store may see a write land between reads).
  struct RankedNeighbor {
    EntityId other;
    uint64_t count = 0;
    friend bool operator==(const RankedNeighbor&, const RankedNeighbor&) = default;
  };
  struct EdgeGroupRanking {
    Direction direction = Direction::kOut;
    EdgeKind kind = EdgeKind::kAssumedRole;
    uint64_t total = 0;
    std::vector<RankedNeighbor> top;
  };
  static constexpr size_t kMinRankedGroup = 1024;
  static constexpr size_t kMaxRankedNeighbors = 1024;
  using RankingFn = std::function<bool(EdgeGroupRanking&&)>;
  // Calls fn for each stored ranking of `id`'s groups, by (direction, kind).
  // The default has none.
  virtual Status ScanEdgeGroupRankings(const EntityId& id, const RankingFn& fn) const;

  // Calls fn for each stored entity (of `kind`, when given), in id order.
  using EntityFn = std::function<bool(const Entity&)>;
  virtual Status ScanEntities(std::optional<EntityKind> kind, const EntityFn& fn) const = 0;

  // Calls fn for each canonical key of `kind` starting with `prefix`, in byte order.
  using KeyFn = std::function<bool(std::string_view key)>;
  virtual Status ScanKeys(EntityKind kind, std::string_view prefix, const KeyFn& fn) const = 0;

  // Calls fn for every out-edge in the store (each edge once). The default
  // walks ScanEntities + ScanEdges; stores may override it with a faster scan.
  virtual Status ScanAllEdges(const EdgeFn& fn) const;

  // Convenience: GetEntity(IdOf(ref)).
  Result<std::optional<Entity>> Find(const EntityRef& ref) const { return GetEntity(IdOf(ref.kind, ref.key)); }
};

// A writable, persistent (or in-memory) graph. One writer at a time; readers
// may run concurrently with it through Snapshot().
class GraphStore : public GraphReader {
 public:
  // Whether a record with this identity was already applied.
  virtual Result<bool> ContainsRecord(const RecordId& id) const = 0;
  // Applies the whole delta atomically: entities merged, each edge merged into
  // both its out- and in-edge entries, record identities remembered.
  virtual Status Apply(const GraphDelta& delta) = 0;
  // A reader over a consistent snapshot of the current state.
  virtual std::unique_ptr<GraphReader> Snapshot() const = 0;
  virtual const Hasher& hasher() const = 0;

  // Small named values kept with the store (ingest run summaries, settings).
  virtual Status PutMeta(std::string_view key, std::string_view value) = 0;
  virtual Result<std::optional<std::string>> GetMeta(std::string_view key) const = 0;
  virtual Status ScanMeta(std::string_view prefix,
                          const std::function<bool(std::string_view, std::string_view)>& fn) const = 0;
  // Makes everything applied so far durable, and brings what the store
  // derives from it up to date (RocksStore: the rankings of large edge
  // groups touched since the last Flush, see ScanEdgeGroupRankings).
  virtual Status Flush() = 0;
};

}  // namespace gumshoe
