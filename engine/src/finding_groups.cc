#include "gumshoe/finding_groups.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>
#include <numeric>
#include <set>

#include "gumshoe/normalize.h"

namespace gumshoe {
namespace {

bool Overlaps(const Entity& e, const TimeWindow& w) {
  if (w.unbounded()) return true;
  Timestamp first = e.first_seen, last = e.last_seen == kNoTime ? e.first_seen : e.last_seen;
  if (first == kNoTime) return true;  // unknown times: keep rather than hide
  if (w.until != kNoTime && first > w.until) return false;
  if (w.since != kNoTime && last < w.since) return false;
  return true;
}

// Whether a shared entity of this kind can tie findings together.
bool TyingKind(const Entity* e, EntityKind kind) {
  switch (kind) {
    case EntityKind::kRoleSession:
    case EntityKind::kAccessKey:
    case EntityKind::kEc2Instance:
    case EntityKind::kIamUser:
    case EntityKind::kDbUser:
      return true;
    case EntityKind::kIpAddress: {
      if (!e) return false;
      auto ip = ParseIp(e->key);
      return ip && ClassifyIp(*ip) == IpClass::kPublic;
    }
    default:
      return false;
  }
}

struct UnionFind {
  std::vector<size_t> parent;
  explicit UnionFind(size_t n) : parent(n) { std::iota(parent.begin(), parent.end(), 0); }
  size_t Root(size_t x) {
    while (parent[x] != x) x = parent[x] = parent[parent[x]];
    return x;
  }
  void Join(size_t a, size_t b) {
    a = Root(a);
    b = Root(b);
    if (a != b) parent[std::max(a, b)] = std::min(a, b);
  }
};

Result<size_t> DegreeUpTo(const GraphReader& reader, const EntityId& id, size_t bound) {
  size_t n = 0;
  for (Direction dir : {Direction::kOut, Direction::kIn}) {
    GUMSHOE_RETURN_IF_ERROR(reader.ScanEdges(id, dir, std::nullopt, [&](const Edge&) { return ++n <= bound; }));
    if (n > bound) break;
  }
  return n;
}

}  // namespace

std::string SeverityBand(double s) {
  if (s >= 9) return "critical";
  if (s >= 7) return "high";
  if (s >= 4) return "medium";
  return "low";
}

Result<FindingInfo> ReadFinding(const GraphReader& reader, const EntityRef& finding) {
  EntityId id = reader.IdOf(finding.kind, finding.key);
  GUMSHOE_ASSIGN_OR_RETURN(std::optional<Entity> e, reader.GetEntity(id));
  if (!e || e->kind != EntityKind::kFinding) return Status::NotFound("no finding " + FormatRef(finding));
  FindingInfo info;
  info.entity = std::move(*e);
  auto attr = [&](const char* name) {
    const std::string* v = info.entity.Attr(name);
    return v ? *v : std::string();
  };
  info.type = attr("type");
  info.title = attr("title");
  info.source = attr("source");
  if (info.source.empty()) info.source = "guardduty";
  std::string sev = attr("severity");
  if (!sev.empty()) {
    char* end = nullptr;
    double v = std::strtod(sev.c_str(), &end);
    if (end != sev.c_str() && std::isfinite(v)) info.severity = v;
  }
  info.severity_band = attr("severity_band");
  if (info.severity_band.empty()) info.severity_band = SeverityBand(info.severity);
  std::vector<EntityId> footholds, all;
  GUMSHOE_RETURN_IF_ERROR(reader.ScanEdges(id, Direction::kOut, EdgeKind::kInvolves, [&](const Edge& edge) {
    all.push_back(edge.dst);
    auto it = edge.stats.counters.find("foothold");
    if (it != edge.stats.counters.end() && it->second > 0) footholds.push_back(edge.dst);
    return all.size() < 10000;
  }));
  for (const EntityId& other : all) {
    GUMSHOE_ASSIGN_OR_RETURN(std::optional<Entity> o, reader.GetEntity(other));
    if (!o) continue;
    info.involved.push_back(o->ref());
    if (std::find(footholds.begin(), footholds.end(), other) != footholds.end()) info.affected.push_back(o->ref());
  }
  std::sort(info.involved.begin(), info.involved.end());
  std::sort(info.affected.begin(), info.affected.end());
  if (info.affected.empty()) info.affected = info.involved;
  return info;
}

Result<std::vector<FindingInfo>> ListFindings(const GraphReader& reader, const TimeWindow& window, size_t max_findings) {
  std::vector<EntityRef> refs;
  bool over = false;
  GUMSHOE_RETURN_IF_ERROR(reader.ScanEntities(EntityKind::kFinding, [&](const Entity& e) {
    if (!Overlaps(e, window)) return true;
    if (refs.size() >= max_findings) {
      over = true;
      return false;
    }
    refs.push_back(e.ref());
    return true;
  }));
  if (over) return Status::LimitExceeded("more than " + std::to_string(max_findings) + " findings in the window");
  std::vector<FindingInfo> out;
  for (const EntityRef& r : refs) {
    GUMSHOE_ASSIGN_OR_RETURN(FindingInfo info, ReadFinding(reader, r));
    out.push_back(std::move(info));
  }
  std::sort(out.begin(), out.end(), [](const FindingInfo& a, const FindingInfo& b) {
    if (a.entity.first_seen != b.entity.first_seen) return a.entity.first_seen < b.entity.first_seen;
    return a.entity.key < b.entity.key;
  });
  return out;
}

Result<std::vector<EntityRef>> FindingsNaming(const GraphReader& reader, const EntityRef& entity, size_t limit) {
  std::vector<EntityId> ids;
  GUMSHOE_RETURN_IF_ERROR(reader.ScanEdges(reader.IdOf(entity.kind, entity.key), Direction::kIn, EdgeKind::kInvolves,
                                           [&](const Edge& e) {
                                             ids.push_back(e.src);
                                             return ids.size() < limit;
                                           }));
  std::vector<EntityRef> out;
  for (const EntityId& id : ids) {
    GUMSHOE_ASSIGN_OR_RETURN(std::optional<Entity> f, reader.GetEntity(id));
    if (f && f->ref() != entity) out.push_back(f->ref());
  }
  std::sort(out.begin(), out.end());
  return out;
}

Result<FindingGroupsResult> FindingGroups(const GraphReader& reader, const FindingGroupOptions& options) {
  GUMSHOE_ASSIGN_OR_RETURN(std::vector<FindingInfo> findings, ListFindings(reader, options.window, options.max_findings));
  // Shared entity -> findings naming it.
  std::map<EntityRef, std::vector<size_t>> by_entity;
  for (size_t i = 0; i < findings.size(); ++i)
    for (const EntityRef& r : findings[i].involved) by_entity[r].push_back(i);

  FindingGroupsResult result;
  UnionFind uf(findings.size());
  std::set<EntityRef> tying_candidates;
  for (auto& [ref, members] : by_entity) {
    if (members.size() < 2) continue;
    GUMSHOE_ASSIGN_OR_RETURN(std::optional<Entity> e, reader.Find(ref));
    if (!TyingKind(e ? &*e : nullptr, ref.kind)) continue;
    GUMSHOE_ASSIGN_OR_RETURN(size_t degree, DegreeUpTo(reader, reader.IdOf(ref.kind, ref.key), options.super_node_degree));
    if (degree > options.super_node_degree || members.size() > options.max_findings_per_entity) {
      result.super_nodes.push_back(ref);
      continue;
    }
    tying_candidates.insert(ref);
    // Sweep by first seen: join a finding to the running cluster when its span
    // starts within join_window of the cluster's latest end.
    std::sort(members.begin(), members.end(), [&](size_t a, size_t b) {
      return findings[a].entity.first_seen < findings[b].entity.first_seen;
    });
    size_t anchor = members[0];
    Timestamp reach = findings[anchor].entity.last_seen;
    for (size_t k = 1; k < members.size(); ++k) {
      const Entity& f = findings[members[k]].entity;
      bool near = f.first_seen == kNoTime || reach == kNoTime || f.first_seen - reach <= options.join_window;
      if (near) {
        uf.Join(anchor, members[k]);
        reach = std::max(reach, f.last_seen);
      } else {
        anchor = members[k];
        reach = f.last_seen;
      }
    }
  }
  std::map<size_t, std::vector<size_t>> clusters;
  for (size_t i = 0; i < findings.size(); ++i) clusters[uf.Root(i)].push_back(i);
  for (auto& [root, members] : clusters) {
    FindingGroup g;
    std::map<EntityRef, size_t> named;
    for (size_t i : members) {
      const FindingInfo& f = findings[i];
      if (g.findings.empty() || f.severity > g.severity) {
        g.severity = f.severity;
        g.severity_band = f.severity_band;
      }
      if (f.entity.first_seen != kNoTime && (g.first_seen == kNoTime || f.entity.first_seen < g.first_seen))
        g.first_seen = f.entity.first_seen;
      if (f.entity.last_seen != kNoTime && (g.last_seen == kNoTime || f.entity.last_seen > g.last_seen))
        g.last_seen = f.entity.last_seen;
      for (const EntityRef& r : f.involved) ++named[r];
      g.findings.push_back(f);
    }
    for (const auto& [r, n] : named)
      if (n >= 2 && tying_candidates.count(r)) g.tying.push_back(r);
    result.groups.push_back(std::move(g));
  }
  std::sort(result.groups.begin(), result.groups.end(), [](const FindingGroup& a, const FindingGroup& b) {
    if (a.severity != b.severity) return a.severity > b.severity;
    if (a.first_seen != b.first_seen) return a.first_seen < b.first_seen;
    return a.findings.front().entity.key < b.findings.front().entity.key;
  });
  std::sort(result.super_nodes.begin(), result.super_nodes.end());
  return result;
}

bool FindingGroup::Contains(const EntityRef& finding) const {
  for (const FindingInfo& f : findings)
    if (f.entity.ref() == finding) return true;
  return false;
}

const FindingGroup* FindingGroupsResult::GroupOf(const EntityRef& finding) const {
  for (const FindingGroup& g : groups)
    if (g.Contains(finding)) return &g;
  return nullptr;
}

Subgraph FindingGroup::ToSubgraph() const {
  Subgraph g;
  g.title = "Finding group of " + std::to_string(findings.size()) + " finding(s), severity " + severity_band;
  g.window = TimeWindow{first_seen, last_seen};
  std::set<EntityRef> tie(tying.begin(), tying.end());
  std::set<EntityRef> present;
  for (const FindingInfo& f : findings) {
    SubgraphNode n;
    n.entity = f.entity;
    n.emphasis = Emphasis::kFlagged;
    n.note = f.type;
    g.nodes.push_back(std::move(n));
    present.insert(f.entity.ref());
  }
  for (const FindingInfo& f : findings)
    for (const EntityRef& r : f.involved) {
      if (present.insert(r).second) {
        SubgraphNode n;
        n.entity.kind = r.kind;
        n.entity.key = r.key;
        if (tie.count(r)) {
          n.emphasis = Emphasis::kCompromise;
          n.note = "ties the group";
        }
        g.nodes.push_back(std::move(n));
      }
      SubgraphEdge e;
      e.src = f.entity.ref();
      e.kind = EdgeKind::kInvolves;
      e.dst = r;
      e.emphasis = tie.count(r) ? Emphasis::kCompromise : Emphasis::kNone;
      g.edges.push_back(std::move(e));
    }
  return g;
}

Subgraph FindingGroupsResult::ToSubgraph() const {
  Subgraph g;
  g.title = "Finding groups";
  std::set<EntityRef> nodes;
  for (const FindingGroup& group : groups) {
    Subgraph s = group.ToSubgraph();
    for (auto& n : s.nodes)
      if (nodes.insert(n.entity.ref()).second) g.nodes.push_back(std::move(n));
    for (auto& e : s.edges) g.edges.push_back(std::move(e));
  }
  return g;
}

}  // namespace gumshoe
