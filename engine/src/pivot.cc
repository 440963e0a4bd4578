#include "gumshoe/pivot.h"

#include <algorithm>
#include <map>
#include <tuple>

namespace gumshoe {
namespace {

// Groups larger than this are ordered by count then id, reading only the keys
// of the page shown (a super-node pivot stays fast).
constexpr size_t kMaxKeyLookups = 20000;

struct Candidate {
  EntityId other;
  EdgeStats stats;
  uint64_t window_count = 0;
  std::string via;
};

using GroupKey = std::pair<Direction, EdgeKind>;

Status Collect(const GraphReader& reader, const EntityId& id, const PivotOptions& options, const std::string& via,
               std::map<GroupKey, std::map<EntityId, Candidate>>& groups) {
  for (Direction dir : {Direction::kOut, Direction::kIn}) {
    GUMSHOE_RETURN_IF_ERROR(reader.ScanEdges(id, dir, options.edge_kind, [&](const Edge& e) {
      if (!via.empty() && e.kind == EdgeKind::kHasInterface) return true;
      uint64_t n = e.stats.CountInWindow(options.window.since, options.window.until);
      if (n == 0 && !options.window.unbounded()) return true;
      const EntityId& other = dir == Direction::kOut ? e.dst : e.src;
      auto& slot = groups[{dir, e.kind}][other];
      if (slot.stats.count == 0) {
        slot.other = other;
        slot.via = via;
      } else if (slot.via != via) {
        slot.via.clear();
      }
      MergeEdgeStats(slot.stats, e.stats);
      slot.window_count += n;
      return true;
    }));
  }
  return Status::Ok();
}

}  // namespace

Result<PivotResult> Pivot(const GraphReader& reader, const EntityRef& focus, const PivotOptions& options) {
  EntityId id = reader.IdOf(focus.kind, focus.key);
  GUMSHOE_ASSIGN_OR_RETURN(std::optional<Entity> entity, reader.GetEntity(id));
  if (!entity) return Status::NotFound("no entity " + FormatRef(focus));
  PivotResult result;
  result.focus = std::move(*entity);

  std::map<GroupKey, std::map<EntityId, Candidate>> groups;
  GUMSHOE_RETURN_IF_ERROR(Collect(reader, id, options, "", groups));
  if (options.include_interfaces && focus.kind == EntityKind::kEc2Instance) {
    std::vector<EntityId> enis;
    GUMSHOE_RETURN_IF_ERROR(reader.ScanEdges(id, Direction::kOut, EdgeKind::kHasInterface, [&](const Edge& e) {
      enis.push_back(e.dst);
      return true;
    }));
    for (const EntityId& eni : enis) {
      GUMSHOE_ASSIGN_OR_RETURN(std::optional<Entity> eni_entity, reader.GetEntity(eni));
      if (!eni_entity) continue;
      GUMSHOE_RETURN_IF_ERROR(Collect(reader, eni, options, eni_entity->key, groups));
    }
  }

  for (auto& [gk, members] : groups) {
    PivotGroup group;
    group.direction = gk.first;
    group.kind = gk.second;
    group.total = members.size();
    std::vector<std::pair<Candidate*, std::string>> order;
    order.reserve(members.size());
    for (auto& [oid, c] : members) order.emplace_back(&c, std::string());
    // Order by windowed count, then by key. Above kMaxKeyLookups neighbours
    // only the page's keys are read and ties fall back to id order.
    bool by_key = members.size() <= kMaxKeyLookups;
    auto lookup = [&reader](std::pair<Candidate*, std::string>& entry) -> Status {
      GUMSHOE_ASSIGN_OR_RETURN(std::optional<Entity> other, reader.GetEntity(entry.first->other));
      entry.second = other ? other->key : std::string("?");
      return Status::Ok();
    };
    if (by_key)
      for (auto& entry : order) GUMSHOE_RETURN_IF_ERROR(lookup(entry));
    std::stable_sort(order.begin(), order.end(), [by_key](const auto& a, const auto& b) {
      if (a.first->window_count != b.first->window_count) return a.first->window_count > b.first->window_count;
      return by_key ? a.second < b.second : a.first->other < b.first->other;
    });
    for (size_t i = options.offset; i < order.size() && group.neighbors.size() < options.limit; ++i) {
      if (!by_key) GUMSHOE_RETURN_IF_ERROR(lookup(order[i]));
      PivotNeighbor n;
      n.entity = EntityRef{order[i].first->other.kind, order[i].second};
      n.stats = order[i].first->stats;
      n.window_count = order[i].first->window_count;
      n.via = order[i].first->via;
      group.neighbors.push_back(std::move(n));
    }
    result.groups.push_back(std::move(group));
  }
  std::sort(result.groups.begin(), result.groups.end(), [](const PivotGroup& a, const PivotGroup& b) {
    if (a.direction != b.direction) return a.direction < b.direction;
    return EdgeKindName(a.kind) < EdgeKindName(b.kind);
  });
  return result;
}

Subgraph PivotResult::ToSubgraph() const {
  Subgraph g;
  g.title = "Pivot from " + FormatRef(focus.ref());
  SubgraphNode f;
  f.entity = focus;
  f.emphasis = Emphasis::kFocus;
  f.hop = 0;
  g.nodes.push_back(std::move(f));
  std::map<EntityRef, bool> seen{{focus.ref(), true}};
  for (const auto& group : groups) {
    for (const auto& n : group.neighbors) {
      if (!seen[n.entity]) {
        seen[n.entity] = true;
        SubgraphNode node;
        node.entity.kind = n.entity.kind;
        node.entity.key = n.entity.key;
        node.hop = 1;
        g.nodes.push_back(std::move(node));
      }
      SubgraphEdge e;
      e.kind = group.kind;
      e.src = group.direction == Direction::kOut ? focus.ref() : n.entity;
      e.dst = group.direction == Direction::kOut ? n.entity : focus.ref();
      e.stats = n.stats;
      g.edges.push_back(std::move(e));
    }
    if (group.total > group.neighbors.size()) {
      // Say how many were left out, so the picture does not pretend to be complete.
      SubgraphNode more;
      more.entity.kind = group.neighbors.empty() ? focus.kind : group.neighbors.front().entity.kind;
      more.entity.key = "+" + std::to_string(group.total - group.neighbors.size()) + " more " +
                        std::string(EdgeKindName(group.kind));
      more.collapsed_count = static_cast<int>(group.total - group.neighbors.size());
      more.hop = 1;
      g.nodes.push_back(more);
      SubgraphEdge e;
      e.kind = group.kind;
      e.src = group.direction == Direction::kOut ? focus.ref() : more.entity.ref();
      e.dst = group.direction == Direction::kOut ? more.entity.ref() : focus.ref();
      g.edges.push_back(std::move(e));
    }
  }
  return g;
}

}  // namespace gumshoe
