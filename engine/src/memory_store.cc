#include "gumshoe/memory_store.h"

#include <mutex>

namespace gumshoe {

Status GraphReader::ScanAllEdges(const EdgeFn& fn) const {
  Status inner;
  bool stop = false;
  Status outer = ScanEntities(std::nullopt, [&](const Entity& e) {
    inner = ScanEdges(IdOf(e.kind, e.key), Direction::kOut, std::nullopt, [&](const Edge& edge) {
      if (!fn(edge)) stop = true;
      return !stop;
    });
    return inner.ok() && !stop;
  });
  GUMSHOE_RETURN_IF_ERROR(outer);
  return inner;
}

namespace {

// A read-only view over a copied state.
class MemorySnapshot final : public GraphReader {
 public:
  MemorySnapshot(Hasher hasher, std::shared_ptr<const MemoryStore::State> state)
      : hasher_(hasher), state_(std::move(state)) {}
  EntityId IdOf(EntityKind kind, std::string_view key) const override { return hasher_.IdOf(kind, key); }
  Result<std::optional<Entity>> GetEntity(const EntityId& id) const override;
  Status ScanEdges(const EntityId& id, Direction dir, std::optional<EdgeKind> kind, const EdgeFn& fn) const override;
  Status ScanEntities(std::optional<EntityKind> kind, const EntityFn& fn) const override;
  Status ScanKeys(EntityKind kind, std::string_view prefix, const KeyFn& fn) const override;

 private:
  Hasher hasher_;
  std::shared_ptr<const MemoryStore::State> state_;
};

Result<std::optional<Entity>> GetEntityFrom(const MemoryStore::State& s, const EntityId& id) {
  auto it = s.entities.find(id);
  if (it == s.entities.end()) return std::optional<Entity>();
  return std::optional<Entity>(it->second);
}

Status ScanEdgesFrom(const MemoryStore::State& s, const EntityId& id, Direction dir, std::optional<EdgeKind> kind,
                     const GraphReader::EdgeFn& fn) {
  const auto& m = dir == Direction::kOut ? s.out : s.in;
  EdgeKind lo_kind = kind ? *kind : static_cast<EdgeKind>(0);
  auto it = m.lower_bound({id, lo_kind, EntityId{static_cast<EntityKind>(0), 0}});
  for (; it != m.end(); ++it) {
    const auto& [a, k, b] = it->first;
    if (a != id || (kind && k != *kind)) break;
    Edge e;
    e.kind = k;
    e.src = dir == Direction::kOut ? a : b;
    e.dst = dir == Direction::kOut ? b : a;
    e.stats = it->second;
    if (!fn(e)) break;
  }
  return Status::Ok();
}

Status ScanEntitiesFrom(const MemoryStore::State& s, std::optional<EntityKind> kind, const GraphReader::EntityFn& fn) {
  auto it = kind ? s.entities.lower_bound(EntityId{*kind, 0}) : s.entities.begin();
  for (; it != s.entities.end(); ++it) {
    if (kind && it->first.kind != *kind) break;
    if (!fn(it->second)) break;
  }
  return Status::Ok();
}

Status ScanKeysFrom(const MemoryStore::State& s, EntityKind kind, std::string_view prefix, const GraphReader::KeyFn& fn) {
  for (auto it = s.names.lower_bound({kind, std::string(prefix)}); it != s.names.end(); ++it) {
    if (it->first.first != kind || it->first.second.compare(0, prefix.size(), prefix) != 0) break;
    if (!fn(it->first.second)) break;
  }
  return Status::Ok();
}

Result<std::optional<Entity>> MemorySnapshot::GetEntity(const EntityId& id) const { return GetEntityFrom(*state_, id); }
Status MemorySnapshot::ScanEdges(const EntityId& id, Direction dir, std::optional<EdgeKind> kind, const EdgeFn& fn) const {
  return ScanEdgesFrom(*state_, id, dir, kind, fn);
}
Status MemorySnapshot::ScanEntities(std::optional<EntityKind> kind, const EntityFn& fn) const {
  return ScanEntitiesFrom(*state_, kind, fn);
}
Status MemorySnapshot::ScanKeys(EntityKind kind, std::string_view prefix, const KeyFn& fn) const {
  return ScanKeysFrom(*state_, kind, prefix, fn);
}

}  // namespace

Result<std::optional<Entity>> MemoryStore::GetEntity(const EntityId& id) const {
  std::shared_lock lock(mu_);
  return GetEntityFrom(*state_, id);
}

Status MemoryStore::ScanEdges(const EntityId& id, Direction dir, std::optional<EdgeKind> kind, const EdgeFn& fn) const {
  auto snap = Snapshot();
  return snap->ScanEdges(id, dir, kind, fn);
}

Status MemoryStore::ScanEntities(std::optional<EntityKind> kind, const EntityFn& fn) const {
  auto snap = Snapshot();
  return snap->ScanEntities(kind, fn);
}

Status MemoryStore::ScanKeys(EntityKind kind, std::string_view prefix, const KeyFn& fn) const {
  auto snap = Snapshot();
  return snap->ScanKeys(kind, prefix, fn);
}

Result<bool> MemoryStore::ContainsRecord(const RecordId& id) const {
  std::shared_lock lock(mu_);
  return state_->records.count(id) != 0;
}

Status MemoryStore::Apply(const GraphDelta& delta) {
  std::unique_lock lock(mu_);
  // Copy-on-write: when a snapshot still holds the current state, write a
  // copy so the snapshot keeps what it saw; otherwise update in place.
  std::shared_ptr<State> next = state_.use_count() == 1 ? state_ : std::make_shared<State>(*state_);
  for (const Entity& e : delta.entities()) {
    EntityId id = hasher_.IdOf(e.kind, e.key);
    auto [it, inserted] = next->entities.try_emplace(id, e);
    if (!inserted) MergeEntity(it->second, e);
    next->names.emplace(std::make_pair(e.kind, e.key), id);
  }
  for (const GraphDelta::EdgeEntry& edge : delta.edges()) {
    EntityId src = hasher_.IdOf(edge.src->kind, edge.src->key);
    EntityId dst = hasher_.IdOf(edge.dst->kind, edge.dst->key);
    MergeEdgeStats(next->out[{src, edge.kind, dst}], edge.stats);
    MergeEdgeStats(next->in[{dst, edge.kind, src}], edge.stats);
  }
  next->records.insert(delta.records().begin(), delta.records().end());
  for (const auto& [key, value] : delta.documents()) next->meta[std::string(kDocumentPrefix) + key] = value;
  state_ = std::move(next);
  return Status::Ok();
}

std::unique_ptr<GraphReader> MemoryStore::Snapshot() const {
  std::shared_lock lock(mu_);
  return std::make_unique<MemorySnapshot>(hasher_, state_);
}

Status MemoryStore::PutMeta(std::string_view key, std::string_view value) {
  std::unique_lock lock(mu_);
  std::shared_ptr<State> next = state_.use_count() == 1 ? state_ : std::make_shared<State>(*state_);
  next->meta[std::string(key)] = std::string(value);
  state_ = std::move(next);
  return Status::Ok();
}

Result<std::optional<std::string>> MemoryStore::GetMeta(std::string_view key) const {
  std::shared_lock lock(mu_);
  auto it = state_->meta.find(key);
  if (it == state_->meta.end()) return std::optional<std::string>();
  return std::optional<std::string>(it->second);
}

Status MemoryStore::ScanMeta(std::string_view prefix,
                             const std::function<bool(std::string_view, std::string_view)>& fn) const {
  std::shared_ptr<const State> s;
  {
    std::shared_lock lock(mu_);
    s = state_;
  }
  for (auto it = s->meta.lower_bound(prefix); it != s->meta.end(); ++it) {
    if (it->first.compare(0, prefix.size(), prefix) != 0) break;
    if (!fn(it->first, it->second)) break;
  }
  return Status::Ok();
}

}  // namespace gumshoe
