#include "gumshoe/pivot.h"

#include <algorithm>
#include <map>
#include <set>
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

// ---- derived groups ----

struct Mint {
  EntityRef caller;      // the key (or principal) that signed the minting call
  EntityRef new_key;
  EdgeStats stats;
};

struct DerivedScan {
  const GraphReader& reader;
  const PivotOptions& options;
  bool exact = true;

  // The other ends of `id`'s edges of `kind`, read whole (stats decoded),
  // at most options.max_scan.
  Status Each(const EntityRef& ref, Direction dir, EdgeKind kind, std::vector<std::pair<EntityRef, EdgeStats>>& out) {
    std::vector<std::pair<EntityId, EdgeStats>> found;
    GUMSHOE_RETURN_IF_ERROR(reader.ScanEdges(reader.IdOf(ref.kind, ref.key), dir, kind, [&](const Edge& e) {
      if (options.max_scan != 0 && found.size() >= options.max_scan) {
        exact = false;
        return false;
      }
      found.emplace_back(dir == Direction::kOut ? e.dst : e.src, e.stats);
      return true;
    }));
    std::vector<EntityId> ids;
    for (const auto& f : found) ids.push_back(f.first);
    GUMSHOE_ASSIGN_OR_RETURN(std::vector<std::optional<std::string>> keys, reader.GetEntityKeys(ids));
    for (size_t i = 0; i < found.size(); ++i)
      if (keys[i]) out.emplace_back(EntityRef{found[i].first.kind, std::move(*keys[i])}, std::move(found[i].second));
    return Status::Ok();
  }
  bool InWindow(const EdgeStats& s) const {
    return s.success > 0 && (options.window.unbounded() || s.CountInWindow(options.window.since, options.window.until) > 0);
  }
  uint64_t Count(const EdgeStats& s) const {
    return options.window.unbounded() ? s.success : s.CountInWindow(options.window.since, options.window.until);
  }
};

struct Accumulator {
  PivotDerivedItem item;
  std::set<std::string> keys;
  std::set<EntityRef> related;
  void Add(uint64_t n, const EdgeStats& s, const std::string& key, const std::optional<EntityRef>& other) {
    item.count += n;
    if (s.first_seen != kNoTime && (item.first_seen == kNoTime || s.first_seen < item.first_seen)) {
      item.first_seen = s.first_seen;
      item.first_evidence = s.first_evidence.ref;
    }
    if (s.last_seen != kNoTime && (item.last_seen == kNoTime || s.last_seen > item.last_seen)) {
      item.last_seen = s.last_seen;
      item.last_evidence = s.last_evidence.ref;
    }
    keys.insert(key);
    if (other) related.insert(*other);
  }
};

PivotDerivedGroup Finish(std::string name, std::map<EntityRef, Accumulator>& acc, bool exact,
                         const PivotOptions& options) {
  PivotDerivedGroup g;
  g.name = std::move(name);
  g.total = acc.size();
  g.total_exact = exact;
  for (auto& [ref, a] : acc) {
    a.item.entity = ref;
    a.item.keys.assign(a.keys.begin(), a.keys.end());
    a.item.related.assign(a.related.begin(), a.related.end());
    g.items.push_back(std::move(a.item));
  }
  std::stable_sort(g.items.begin(), g.items.end(), [](const PivotDerivedItem& a, const PivotDerivedItem& b) {
    return a.count > b.count;
  });
  size_t begin = std::min(options.offset, g.items.size());
  size_t end = std::min(g.items.size(), begin + options.limit);
  g.items = std::vector<PivotDerivedItem>(g.items.begin() + static_cast<std::ptrdiff_t>(begin),
                                          g.items.begin() + static_cast<std::ptrdiff_t>(end));
  return g;
}

std::string CallerName(const EntityRef& caller) {
  return caller.kind == EntityKind::kAccessKey ? caller.key : FormatRef(caller);
}

// Roles assumed and sessions started by a principal through its keys.
Status DeriveForPrincipal(const GraphReader& reader, const EntityRef& focus, const PivotOptions& options,
                          PivotResult& result) {
  DerivedScan scan{reader, options};
  std::set<EntityRef> callers{focus};
  std::vector<std::pair<EntityRef, EdgeStats>> found;
  GUMSHOE_RETURN_IF_ERROR(scan.Each(focus, Direction::kOut, EdgeKind::kAuthenticatedWith, found));
  GUMSHOE_RETURN_IF_ERROR(scan.Each(focus, Direction::kIn, EdgeKind::kCredentialOf, found));
  for (const auto& [ref, stats] : found)
    if (ref.kind == EntityKind::kAccessKey) callers.insert(ref);
  std::map<EntityRef, Accumulator> roles, sessions;
  for (const EntityRef& caller : callers) {
    std::vector<std::pair<EntityRef, EdgeStats>> mints;
    GUMSHOE_RETURN_IF_ERROR(scan.Each(caller, Direction::kOut, EdgeKind::kMinted, mints));
    for (const auto& [new_key, mint] : mints) {
      if (new_key.kind != EntityKind::kAccessKey || !scan.InWindow(mint)) continue;
      uint64_t n = scan.Count(mint);
      std::vector<std::pair<EntityRef, EdgeStats>> owners;
      GUMSHOE_RETURN_IF_ERROR(scan.Each(new_key, Direction::kOut, EdgeKind::kCredentialOf, owners));
      for (const auto& [owner, owner_stats] : owners) {
        if (owner.kind != EntityKind::kRoleSession && owner.kind != EntityKind::kFederatedUser) continue;
        std::vector<std::pair<EntityRef, EdgeStats>> role_of;
        if (owner.kind == EntityKind::kRoleSession)
          GUMSHOE_RETURN_IF_ERROR(scan.Each(owner, Direction::kOut, EdgeKind::kAssumedRole, role_of));
        std::optional<EntityRef> role;
        if (!role_of.empty()) role = role_of.front().first;
        sessions[owner].Add(n, mint, CallerName(caller), role);
        for (const auto& [r, rs] : role_of) roles[r].Add(n, mint, CallerName(caller), owner);
      }
    }
  }
  if (!roles.empty()) result.derived.push_back(Finish("roles_assumed", roles, scan.exact, options));
  if (!sessions.empty()) result.derived.push_back(Finish("sessions_started", sessions, scan.exact, options));
  return Status::Ok();
}

// Who assumed a role: session -assumed_role-> role, its keys, their minters,
// a minting key's owner.
Status DeriveForRole(const GraphReader& reader, const EntityRef& focus, const PivotOptions& options,
                     PivotResult& result) {
  DerivedScan scan{reader, options};
  std::map<EntityRef, Accumulator> by;
  std::vector<std::pair<EntityRef, EdgeStats>> session_edges;
  GUMSHOE_RETURN_IF_ERROR(scan.Each(focus, Direction::kIn, EdgeKind::kAssumedRole, session_edges));
  for (const auto& [session, ss] : session_edges) {
    std::vector<std::pair<EntityRef, EdgeStats>> keys;
    GUMSHOE_RETURN_IF_ERROR(scan.Each(session, Direction::kIn, EdgeKind::kCredentialOf, keys));
    for (const auto& [key, ks] : keys) {
      if (key.kind != EntityKind::kAccessKey) continue;
      std::vector<std::pair<EntityRef, EdgeStats>> minters;
      GUMSHOE_RETURN_IF_ERROR(scan.Each(key, Direction::kIn, EdgeKind::kMinted, minters));
      for (const auto& [caller, mint] : minters) {
        if (!scan.InWindow(mint)) continue;
        uint64_t n = scan.Count(mint);
        std::vector<EntityRef> principals;
        if (caller.kind == EntityKind::kAccessKey) {
          std::vector<std::pair<EntityRef, EdgeStats>> owners;
          GUMSHOE_RETURN_IF_ERROR(scan.Each(caller, Direction::kOut, EdgeKind::kCredentialOf, owners));
          for (const auto& [o, os] : owners) principals.push_back(o);
        }
        if (principals.empty()) principals.push_back(caller);  // a service, account or the key alone
        for (const EntityRef& p : principals) by[p].Add(n, mint, CallerName(caller), session);
      }
    }
  }
  if (!by.empty()) result.derived.push_back(Finish("assumed_by", by, scan.exact, options));
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
  if (options.derived) {
    switch (focus.kind) {
      case EntityKind::kIamUser:
      case EntityKind::kRoleSession:
      case EntityKind::kFederatedUser:
        GUMSHOE_RETURN_IF_ERROR(DeriveForPrincipal(reader, result.focus.ref(), options, result));
        break;
      case EntityKind::kIamRole:
        GUMSHOE_RETURN_IF_ERROR(DeriveForRole(reader, result.focus.ref(), options, result));
        break;
      default:
        break;
    }
  }
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
