// Default implementations of GraphReader's optional methods.
#include "gumshoe/store.h"

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

}  // namespace gumshoe
