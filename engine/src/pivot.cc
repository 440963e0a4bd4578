#include "gumshoe/pivot.h"

#include <algorithm>
#include <map>
#include <tuple>
#include <unordered_map>

#include "gumshoe/codec.h"

namespace gumshoe {
namespace {

// One neighbour of a group: its windowed count and where its encoded stats
// lie in the group's arena. Kept small: a super-node's group holds thousands.
struct Candidate {
  EntityId other;
  uint64_t window_count = 0;
  size_t offset = 0;  // stats bytes in Group::arena
  size_t length = 0;
  uint32_t extra = kNoExtra;  // index into Group::extras (folded interfaces only)
  static constexpr uint32_t kNoExtra = UINT32_MAX;
};

// What only an instance with folded interfaces needs: the interface an edge
// came through, and further edges to the same neighbour (the instance and
// its interfaces both had one).
struct CandidateExtra {
  std::string via;
  std::vector<std::pair<size_t, size_t>> more_spans;  // (offset, length) in Group::arena
};

struct Group {
  std::vector<Candidate> members;
  std::vector<CandidateExtra> extras;
  // Only when an instance's interfaces are folded in: one entity's edges of
  // one kind and direction name each neighbour once, so a plain pivot needs
  // no lookup per edge.
  std::unordered_map<EntityId, size_t, EntityIdHash> index;
  std::string arena;
  size_t scanned = 0;
  bool exact = true;
  // Served from the store's ranking: members are the page, in page order, and
  // the group has ranked_total edges.
  bool ranked = false;
  uint64_t ranked_total = 0;
  // A ranked group whose page lies past its ranking: read whole, whatever
  // max_scan, so that its pages follow one order over all its edges.
  bool uncapped = false;
};

using GroupKey = std::pair<Direction, EdgeKind>;

// The groups the store has ranked (GraphReader::ScanEdgeGroupRankings) and
// that can serve this page: the page's edges are read by key, not the group.
// A ranking that does not match the edges read (which a store's own
// invalidation rules out for a snapshot reader) is ignored and its group
// scanned. A page past the ranked neighbours reads its group whole.
Status UseRankings(const GraphReader& reader, const EntityId& id, const PivotOptions& options,
                   std::map<GroupKey, Group>& groups) {
  std::vector<GraphReader::EdgeGroupRanking> rankings;
  GUMSHOE_RETURN_IF_ERROR(reader.ScanEdgeGroupRankings(id, [&](GraphReader::EdgeGroupRanking&& r) {
    if (!options.edge_kind || r.kind == *options.edge_kind) rankings.push_back(std::move(r));
    return true;
  }));
  for (const GraphReader::EdgeGroupRanking& r : rankings) {
    const size_t ranked = r.top.size();
    const bool complete = ranked == r.total;
    if (!complete && (options.limit > ranked || options.offset > ranked - options.limit)) {
      groups[{r.direction, r.kind}].uncapped = true;
      continue;
    }
    const size_t begin = std::min(options.offset, ranked);
    const size_t end = begin + std::min(options.limit, ranked - begin);
    std::vector<EntityId> others;
    others.reserve(end - begin);
    for (size_t i = begin; i < end; ++i) others.push_back(r.top[i].other);
    GUMSHOE_ASSIGN_OR_RETURN(std::vector<std::optional<std::string>> stats,
                             reader.GetRawEdgeStats(id, r.direction, r.kind, others));
    Group g;
    g.ranked = true;
    g.ranked_total = r.total;
    bool matches = true;
    for (size_t i = 0; i < others.size() && matches; ++i) {
      if (!stats[i]) {
        matches = false;
        break;
      }
      GUMSHOE_ASSIGN_OR_RETURN(EdgeStatsSummary sum, DecodeEdgeStatsSummary(*stats[i], options.window));
      matches = sum.window_count == r.top[begin + i].count;
      const size_t offset = g.arena.size();
      g.arena.append(*stats[i]);
      g.members.push_back(Candidate{others[i], sum.window_count, offset, stats[i]->size()});
    }
    if (matches) groups[{r.direction, r.kind}] = std::move(g);
  }
  return Status::Ok();
}

// Reads the edges of `id` into `groups`, undecoded, at most options.max_scan
// per group. `via` names the interface when `id` is an instance's ENI.
Status Collect(const GraphReader& reader, const EntityId& id, const PivotOptions& options, const std::string& via,
               bool folding, std::map<GroupKey, Group>& groups) {
  for (Direction dir : {Direction::kOut, Direction::kIn}) {
    // The kinds to scan (empty: all). Groups served from a ranking are not
    // scanned.
    std::vector<EdgeKind> allowed;
    bool any_ranked = false;
    for (const auto& [gk, g] : groups) any_ranked = any_ranked || (gk.first == dir && g.ranked);
    if (options.edge_kind) {
      allowed.push_back(*options.edge_kind);
    } else if (any_ranked) {
      allowed.assign(std::begin(kAllEdgeKinds), std::end(kAllEdgeKinds));
      std::sort(allowed.begin(), allowed.end());
    }
    if (any_ranked) {
      std::erase_if(allowed, [&](EdgeKind k) {
        auto it = groups.find({dir, k});
        return it != groups.end() && it->second.ranked;
      });
      if (allowed.empty()) continue;
    }
    std::vector<EdgeKind> kinds = allowed;
    for (;;) {
      std::optional<EdgeKind> capped;
      Status bad = Status::Ok();
      GUMSHOE_RETURN_IF_ERROR(reader.ScanRawEdges(id, dir, kinds, [&](const GraphReader::RawEdge& e) {
        if (!via.empty() && e.kind == EdgeKind::kHasInterface) return true;
        Group& g = groups[{dir, e.kind}];
        if (options.max_scan != 0 && !g.uncapped && g.scanned >= options.max_scan) {
          g.exact = false;
          capped = e.kind;
          return false;
        }
        ++g.scanned;
        Result<EdgeStatsSummary> sum = DecodeEdgeStatsSummary(e.stats, options.window);
        if (!sum.ok()) {
          bad = sum.status();
          return false;
        }
        uint64_t n = sum->window_count;
        if (n == 0 && !options.window.unbounded()) return true;
        const EntityId& other = dir == Direction::kOut ? e.dst : e.src;
        const size_t offset = g.arena.size();
        g.arena.append(e.stats);
        if (!folding) {
          g.members.push_back(Candidate{other, n, offset, e.stats.size()});
          return true;
        }
        auto [it, added] = g.index.try_emplace(other, g.members.size());
        if (added) {
          g.members.push_back(Candidate{other, n, offset, e.stats.size(), static_cast<uint32_t>(g.extras.size())});
          g.extras.push_back(CandidateExtra{via, {}});
          return true;
        }
        Candidate& c = g.members[it->second];
        CandidateExtra& x = g.extras[c.extra];
        if (x.via != via) x.via.clear();
        c.window_count += n;
        x.more_spans.emplace_back(offset, e.stats.size());
        return true;
      }));
      GUMSHOE_RETURN_IF_ERROR(bad);
      if (!capped || options.edge_kind) break;
      // Resume after the capped kind.
      kinds.clear();
      if (allowed.empty()) {
        for (EdgeKind k : kAllEdgeKinds)
          if (k > *capped) kinds.push_back(k);
        std::sort(kinds.begin(), kinds.end());
      } else {
        for (EdgeKind k : allowed)
          if (k > *capped) kinds.push_back(k);
      }
      if (kinds.empty()) break;
    }
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

  std::map<GroupKey, Group> groups;
  const bool folding = options.include_interfaces && focus.kind == EntityKind::kEc2Instance;
  // Rankings are by count over all time and of the entity's own edges.
  if (!folding && options.window.unbounded()) GUMSHOE_RETURN_IF_ERROR(UseRankings(reader, id, options, groups));
  GUMSHOE_RETURN_IF_ERROR(Collect(reader, id, options, "", folding, groups));
  if (folding) {
    std::vector<EntityId> enis;
    GUMSHOE_RETURN_IF_ERROR(reader.ScanRawEdges(id, Direction::kOut, {EdgeKind::kHasInterface},
                                                [&](const GraphReader::RawEdge& e) {
                                                  enis.push_back(e.dst);
                                                  return true;
                                                }));
    for (const EntityId& eni : enis) {
      GUMSHOE_ASSIGN_OR_RETURN(std::optional<Entity> eni_entity, reader.GetEntity(eni));
      if (!eni_entity) continue;
      GUMSHOE_RETURN_IF_ERROR(Collect(reader, eni, options, eni_entity->key, true, groups));
    }
  }

  // The page of each group: count desc, then id (a total order, so pages
  // never overlap). Only the page's entities are read, in one batch.
  std::vector<std::pair<Group*, std::vector<Candidate*>>> pages;
  std::vector<EntityId> wanted;
  for (auto& [gk, g] : groups) {
    if (g.members.empty() && g.exact && !g.ranked) continue;
    PivotGroup group;
    group.direction = gk.first;
    group.kind = gk.second;
    group.total = g.ranked ? g.ranked_total : g.members.size();
    group.total_exact = g.exact;
    result.groups.push_back(std::move(group));
    std::vector<Candidate*> order;
    order.reserve(g.members.size());
    for (Candidate& c : g.members) order.push_back(&c);
    if (g.ranked) {  // already the page, in order
      for (const Candidate* c : order) wanted.push_back(c->other);
      pages.emplace_back(&g, std::move(order));
      continue;
    }
    auto by_count_id = [](const Candidate* a, const Candidate* b) {
      if (a->window_count != b->window_count) return a->window_count > b->window_count;
      return a->other < b->other;
    };
    size_t end = options.offset >= order.size() ? 0 : std::min(order.size(), options.offset + options.limit);
    if (end < order.size()) {
      std::nth_element(order.begin(), order.begin() + end, order.end(), by_count_id);
      order.resize(end);
    }
    std::sort(order.begin(), order.end(), by_count_id);
    order.erase(order.begin(), order.begin() + std::min(order.size(), options.offset));
    for (const Candidate* c : order) wanted.push_back(c->other);
    pages.emplace_back(&g, std::move(order));
  }
  GUMSHOE_ASSIGN_OR_RETURN(std::vector<std::optional<std::string>> keys, reader.GetEntityKeys(wanted));
  size_t next = 0;
  struct Shown {
    const Candidate* candidate;
    std::string key;
  };
  std::vector<Shown> shown;
  for (size_t gi = 0; gi < pages.size(); ++gi) {
    const Group& g = *pages[gi].first;
    PivotGroup& group = result.groups[gi];
    // Within the page, equal counts are shown by key: ordered before the
    // stats are decoded, so that no decoded stats are moved.
    shown.clear();
    for (const Candidate* c : pages[gi].second) {
      std::optional<std::string>& other = keys[next++];
      shown.push_back(Shown{c, other ? std::move(*other) : std::string("?")});
    }
    std::stable_sort(shown.begin(), shown.end(), [](const Shown& a, const Shown& b) {
      if (a.candidate->window_count != b.candidate->window_count) {
        return a.candidate->window_count > b.candidate->window_count;
      }
      if (a.candidate->other.kind != b.candidate->other.kind) return a.candidate->other.kind < b.candidate->other.kind;
      return a.key < b.key;  // EntityRef order
    });
    group.neighbors.reserve(shown.size());
    for (Shown& s : shown) {
      const Candidate* c = s.candidate;
      PivotNeighbor& n = group.neighbors.emplace_back();
      n.entity = EntityRef{c->other.kind, std::move(s.key)};
      GUMSHOE_ASSIGN_OR_RETURN(EdgeStats first, DecodeEdgeStats(std::string_view(g.arena).substr(c->offset, c->length),
                                                                options.hourly));
      if (first.counters.size() <= kMaxEdgeCounters) {
        n.stats = std::move(first);  // what merging it into empty stats gives
      } else {
        // A value written in one batch may hold more counters: merged into
        // empty stats, as when several spans merge, it gets the cap.
        MergeEdgeStats(n.stats, first);
      }
      if (c->extra != Candidate::kNoExtra) {
        const CandidateExtra& x = g.extras[c->extra];
        for (const auto& [off, len] : x.more_spans) {
          GUMSHOE_ASSIGN_OR_RETURN(EdgeStats stats,
                                   DecodeEdgeStats(std::string_view(g.arena).substr(off, len), options.hourly));
          MergeEdgeStats(n.stats, stats);
        }
        n.via = x.via;
      }
      n.window_count = c->window_count;
    }
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
    if (group.total > group.neighbors.size() || !group.total_exact) {
      // Say how many were left out, so the picture does not pretend to be complete.
      SubgraphNode more;
      more.entity.kind = group.neighbors.empty() ? focus.kind : group.neighbors.front().entity.kind;
      more.entity.key = std::string(group.total_exact ? "+" : "+>=") +
                        std::to_string(group.total - group.neighbors.size()) + " more " +
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
