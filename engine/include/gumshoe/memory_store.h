// MemoryStore: a GraphStore held in ordered maps. Same semantics as the RocksDB
// store (merge rules, ordering), no persistence. For tests and for embedders
// who want a throwaway graph. Thread-safety: a shared mutex guards the maps;
// Snapshot() copies the current state.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <shared_mutex>

#include "gumshoe/store.h"

namespace gumshoe {

class MemoryStore final : public GraphStore {
 public:
  MemoryStore() : hasher_(Hasher::RandomKey()) {}
  explicit MemoryStore(HashKey key) : hasher_(key) {}

  EntityId IdOf(EntityKind kind, std::string_view key) const override { return hasher_.IdOf(kind, key); }
  Result<std::optional<Entity>> GetEntity(const EntityId& id) const override;
  Status ScanEdges(const EntityId& id, Direction dir, std::optional<EdgeKind> kind,
                   const EdgeFn& fn) const override;
  Status ScanEntities(std::optional<EntityKind> kind, const EntityFn& fn) const override;
  Status ScanKeys(EntityKind kind, std::string_view prefix, const KeyFn& fn) const override;

  Result<bool> ContainsRecord(const RecordId& id) const override;
  Status Apply(const GraphDelta& delta) override;
  std::unique_ptr<GraphReader> Snapshot() const override;
  const Hasher& hasher() const override { return hasher_; }
  Status PutMeta(std::string_view key, std::string_view value) override;
  Result<std::optional<std::string>> GetMeta(std::string_view key) const override;
  Status ScanMeta(std::string_view prefix,
                  const std::function<bool(std::string_view, std::string_view)>& fn) const override;
  Status Flush() override { return Status::Ok(); }

  struct State {
    std::map<EntityId, Entity> entities;
    std::map<std::pair<EntityKind, std::string>, EntityId> names;
    // (endpoint, kind, other) -> stats; out_ keyed by src, in_ keyed by dst.
    std::map<std::tuple<EntityId, EdgeKind, EntityId>, EdgeStats> out, in;
    std::set<RecordId> records;
    std::map<std::string, std::string, std::less<>> meta;
  };

 private:
  Hasher hasher_;
  mutable std::shared_mutex mu_;
  std::shared_ptr<State> state_ = std::make_shared<State>();
};

}  // namespace gumshoe
