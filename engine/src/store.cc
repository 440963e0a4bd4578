// Default implementations of GraphReader's optional methods.
#include "gumshoe/store.h"

#include <unordered_map>

#include "gumshoe/codec.h"

namespace gumshoe {

Result<std::vector<std::optional<Entity>>> GraphReader::GetEntities(const std::vector<EntityId>& ids) const {
  std::vector<std::optional<Entity>> out;
  out.reserve(ids.size());
  for (const EntityId& id : ids) {
    GUMSHOE_ASSIGN_OR_RETURN(std::optional<Entity> e, GetEntity(id));
    out.push_back(std::move(e));
  }
  return out;
}

Result<std::vector<std::optional<std::string>>> GraphReader::GetEntityKeys(const std::vector<EntityId>& ids) const {
  GUMSHOE_ASSIGN_OR_RETURN(std::vector<std::optional<Entity>> entities, GetEntities(ids));
  std::vector<std::optional<std::string>> out(entities.size());
  for (size_t i = 0; i < entities.size(); ++i) {
    if (entities[i]) out[i] = std::move(entities[i]->key);
  }
  return out;
}

Status GraphReader::ScanRawEdges(const EntityId& id, Direction dir, const std::vector<EdgeKind>& kinds,
                                 const RawEdgeFn& fn) const {
  bool more = true;
  std::string bytes;
  auto each = [&](const Edge& e) {
    bytes = EncodeEdgeStats(e.stats);
    more = fn(RawEdge{e.src, e.kind, e.dst, bytes});
    return more;
  };
  if (kinds.empty()) return ScanEdges(id, dir, std::nullopt, each);
  for (EdgeKind kind : kinds) {
    GUMSHOE_RETURN_IF_ERROR(ScanEdges(id, dir, kind, each));
    if (!more) break;
  }
  return Status::Ok();
}

Result<std::vector<std::optional<std::string>>> GraphReader::GetRawEdgeStats(const EntityId& id, Direction dir,
                                                                             EdgeKind kind,
                                                                             const std::vector<EntityId>& others) const {
  std::unordered_map<EntityId, std::vector<size_t>, EntityIdHash> where;
  for (size_t i = 0; i < others.size(); ++i) where[others[i]].push_back(i);
  std::vector<std::optional<std::string>> out(others.size());
  GUMSHOE_RETURN_IF_ERROR(ScanRawEdges(id, dir, {kind}, [&](const RawEdge& e) {
    auto it = where.find(dir == Direction::kOut ? e.dst : e.src);
    if (it != where.end()) {
      for (size_t i : it->second) out[i] = std::string(e.stats);
    }
    return true;
  }));
  return out;
}

Status GraphReader::ScanEdgeGroupRankings(const EntityId&, const RankingFn&) const { return Status::Ok(); }

}  // namespace gumshoe
