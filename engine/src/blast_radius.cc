#include "gumshoe/blast_radius.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <tuple>
#include <unordered_map>

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/breadth_first_search.hpp>
#include <boost/graph/filtered_graph.hpp>

#include "gumshoe/codec.h"
#include "gumshoe/resource_touch.h"
#include "gumshoe/edge_text.h"
#include "gumshoe/normalize.h"
#include "gumshoe/exposures.h"

namespace gumshoe {
namespace {

bool LeafKind(EntityKind k) {
  switch (k) {
    case EntityKind::kIpAddress:
    case EntityKind::kIpNetwork:
    case EntityKind::kDomain:
    case EntityKind::kS3Bucket:
    case EntityKind::kIamRole:
    case EntityKind::kRdsInstance:
    case EntityKind::kUserAgent:
    case EntityKind::kApiCall:
    case EntityKind::kAccount:
    case EntityKind::kAwsService:
    case EntityKind::kThreatList:
    case EntityKind::kFinding:
      return true;
    default:
      return IsResourceLeafKind(k);  // secrets, snapshots, ... (exposures.h)
  }
}

double KindWeight(EdgeKind k) {
  switch (k) {
    case EdgeKind::kCreated:
    case EdgeKind::kModified:
      return 10;
    case EdgeKind::kRead:
    case EdgeKind::kWrote:
    case EdgeKind::kDbAction:
      return 9;
    case EdgeKind::kMinted:
    case EdgeKind::kCredentialOf:
    case EdgeKind::kAuthenticatedWith:
    case EdgeKind::kSameEvent:
      return 8;
    case EdgeKind::kLaunched:
    case EdgeKind::kDbLogin:
    case EdgeKind::kDbUserOf:
    case EdgeKind::kSessionOnInstance:
      return 7;
    case EdgeKind::kInstanceProfileRole:
    case EdgeKind::kAssumedRole:
      return 6;
    case EdgeKind::kNetworkFlow:
      return 4;
    default:
      if (double w = ResourceEdgeWeight(k); w > 0) return w;  // exposures.h
      return 3;
  }
}

// Edges that state a fact (a key belongs to a session, an instance has a
// profile role) rather than an activity: ingestors may record them once, so
// they count whenever they existed by the window's end, and a walk crosses
// them at max(arrival, first seen).
bool IsStructural(EdgeKind k) {
  switch (k) {
    case EdgeKind::kCredentialOf:
    case EdgeKind::kAssumedRole:
    case EdgeKind::kInstanceProfileRole:
    case EdgeKind::kDbUserOf:
    case EdgeKind::kSessionOnInstance:
    case EdgeKind::kSameEvent:
      return true;
    default:
      return false;
  }
}

// When a walk that reached the edge's source at `at` crosses it, or kNoTime.
Timestamp CrossTime(EdgeKind kind, const EdgeStats& stats, Timestamp at) {
  if (IsStructural(kind)) {
    if (stats.first_seen == kNoTime || at == kNoTime) return at == kNoTime ? stats.first_seen : at;
    return std::max(at, stats.first_seen);
  }
  return stats.FirstActiveAtOrAfter(at);
}

// One edge of the loaded neighbourhood, oriented in the walk direction.
struct LoadedEdge {
  size_t from = 0;
  size_t to = 0;
  EdgeKind kind = EdgeKind::kInvolves;
  bool stored_forward = true;
  EdgeStats stats;
  std::string via;
};

struct Loader {
  const GraphReader& reader;
  const BlastRadiusOptions& options;
  const std::vector<BlastRule>& rules;
  TimeWindow window;
  std::vector<EntityId> ids;
  std::vector<Entity> entities;
  std::unordered_map<EntityId, size_t, EntityIdHash> index;
  std::vector<LoadedEdge> edges;
  std::vector<BlastTruncation> truncations;
  bool truncated = false;

  // The vertex of `id`, added when new. Its entity is read later, with the
  // rest of its level, by FetchPending.
  size_t Vertex(const EntityId& id, bool* added) {
    *added = false;
    if (auto it = index.find(id); it != index.end()) return it->second;
    size_t v = ids.size();
    ids.push_back(id);
    Entity placeholder;
    placeholder.kind = id.kind;
    placeholder.key = "?";
    entities.push_back(std::move(placeholder));
    index.emplace(id, v);
    *added = true;
    return v;
  }
  // Reads the entities of the vertices added since the last call, in one batch.
  Status FetchPending() {
    if (fetched == ids.size()) return Status::Ok();
    std::vector<EntityId> batch(ids.begin() + static_cast<std::ptrdiff_t>(fetched), ids.end());
    GUMSHOE_ASSIGN_OR_RETURN(std::vector<std::optional<Entity>> read, reader.GetEntities(batch));
    for (size_t i = 0; i < read.size(); ++i)
      if (read[i]) entities[fetched + i] = std::move(*read[i]);
    fetched = ids.size();
    return Status::Ok();
  }
  size_t fetched = 0;

  // A neighbour found through one rule; its encoded stats stay in `arena`
  // until it is kept (at most max_fanout per rule are decoded).
  struct Candidate {
    EntityId other;
    uint64_t window_count = 0;
    std::vector<std::pair<size_t, size_t>> spans;  // (offset, length) in arena
    std::string via;
  };
  struct RuleScan {
    const BlastRule* rule = nullptr;
    std::vector<Candidate> found;
    std::unordered_map<EntityId, size_t, EntityIdHash> index;
  };
  std::string arena;  // encoded stats of the current vertex's candidates

  // Reads the edges of `id` for every rule in `scans` of direction `dir`, in
  // one raw scan, into the rules' candidate lists.
  Status Gather(const EntityId& self, const EntityId& id, Direction dir, const std::string& via,
                std::vector<RuleScan>& scans, bool network_only) {
    std::vector<EdgeKind> kinds;
    std::array<RuleScan*, 256> by_kind{};
    for (RuleScan& rs : scans) {
      if (rs.rule->dir != dir) continue;
      if (network_only && rs.rule->kind != EdgeKind::kNetworkFlow && rs.rule->kind != EdgeKind::kQueried) continue;
      by_kind[static_cast<uint8_t>(rs.rule->kind)] = &rs;
      kinds.push_back(rs.rule->kind);
    }
    if (kinds.empty()) return Status::Ok();
    std::sort(kinds.begin(), kinds.end());
    Status bad = Status::Ok();
    GUMSHOE_RETURN_IF_ERROR(reader.ScanRawEdges(id, dir, kinds, [&](const GraphReader::RawEdge& e) {
      RuleScan* rs = by_kind[static_cast<uint8_t>(e.kind)];
      if (rs == nullptr) return true;
      Result<EdgeStatsSummary> sum = DecodeEdgeStatsSummary(e.stats, window);
      if (!sum.ok()) {
        bad = sum.status();
        return false;
      }
      uint64_t n = sum->window_count;
      if (IsStructural(e.kind)) {
        if (window.until != kNoTime && sum->first_seen != kNoTime && sum->first_seen > window.until) return true;
        n = std::max<uint64_t>(n, 1);
      }
      if (n == 0 && !window.unbounded()) return true;
      // A database is reached by a login that succeeded, not by attempts; a
      // host by traffic that was accepted, not by rejected probes.
      if ((e.kind == EdgeKind::kDbLogin || e.kind == EdgeKind::kNetworkFlow) && sum->success == 0) return true;
      // An attempt (every observation failed) reaches nothing.
      if (IsAttempt(*sum)) return true;
      const EntityId& other = dir == Direction::kOut ? e.dst : e.src;
      if (other == id || other == self) return true;
      auto [it, added] = rs->index.try_emplace(other, rs->found.size());
      if (added) rs->found.push_back(Candidate{other, 0, {}, via});
      Candidate& c = rs->found[it->second];
      if (c.via != via) c.via.clear();
      c.window_count += n;
      c.spans.emplace_back(arena.size(), e.stats.size());
      arena.append(e.stats);
      return true;
    }));
    return bad;
  }

  // Loads the reach edges of vertex v; appends newly found vertices to `next`.
  Status Expand(size_t v, bool is_foothold, std::vector<size_t>& next) {
    EntityId id = ids[v];
    EntityKind kind = id.kind;
    if (LeafKind(kind) && !is_foothold) return Status::Ok();
    std::vector<std::pair<EntityId, std::string>> enis;
    if (options.fold_interfaces && kind == EntityKind::kEc2Instance) {
      std::vector<EntityId> eni_ids;
      GUMSHOE_RETURN_IF_ERROR(reader.ScanRawEdges(id, Direction::kOut, {EdgeKind::kHasInterface},
                                                  [&](const GraphReader::RawEdge& e) {
                                                    eni_ids.push_back(e.dst);
                                                    return eni_ids.size() < options.max_fanout;
                                                  }));
      for (const EntityId& eni : eni_ids) {
        GUMSHOE_ASSIGN_OR_RETURN(std::optional<Entity> eni_entity, reader.GetEntity(eni));
        enis.emplace_back(eni, eni_entity ? eni_entity->key : std::string("?"));
      }
    }
    std::vector<RuleScan> scans;
    for (const BlastRule& rule : rules) {
      if (!rule.from_kinds.empty() &&
          std::find(rule.from_kinds.begin(), rule.from_kinds.end(), kind) == rule.from_kinds.end() &&
          !(is_foothold && rule.kind == EdgeKind::kNetworkFlow && kind == EntityKind::kIpAddress))
        continue;
      scans.emplace_back();
      scans.back().rule = &rule;
    }
    arena.clear();
    for (Direction dir : {Direction::kOut, Direction::kIn}) {
      GUMSHOE_RETURN_IF_ERROR(Gather(id, id, dir, "", scans, false));
      for (const auto& [eni, eni_key] : enis) GUMSHOE_RETURN_IF_ERROR(Gather(id, eni, dir, eni_key, scans, true));
    }
    for (RuleScan& rs : scans) {
      const BlastRule& rule = *rs.rule;
      std::vector<Candidate*> order;
      order.reserve(rs.found.size());
      for (Candidate& c : rs.found) order.push_back(&c);
      // Most active first, then by id: a deterministic BFS order.
      std::sort(order.begin(), order.end(), [](const Candidate* a, const Candidate* b) {
        if (a->window_count != b->window_count) return a->window_count > b->window_count;
        return a->other < b->other;
      });
      size_t keep = std::min(order.size(), options.max_fanout);
      if (order.size() > keep) {
        BlastTruncation t;
        t.at = entities[v].ref();
        t.edge = rule.kind;
        t.dir = rule.dir;
        t.omitted = order.size() - keep;
        t.omitted_kind = order[keep]->other.kind;
        t.note = BlastTruncationNote(t);
        truncations.push_back(std::move(t));
      }
      for (size_t i = 0; i < keep; ++i) {
        if (ids.size() >= options.max_nodes && !index.count(order[i]->other)) {
          truncated = true;
          break;
        }
        bool added = false;
        size_t w = Vertex(order[i]->other, &added);
        if (added) next.push_back(w);
        LoadedEdge le;
        le.from = v;
        le.to = w;
        le.kind = rule.kind;
        le.stored_forward = rule.dir == Direction::kOut;
        for (const auto& [off, len] : order[i]->spans) {
          GUMSHOE_ASSIGN_OR_RETURN(EdgeStats stats, DecodeEdgeStats(std::string_view(arena).substr(off, len)));
          MergeEdgeStats(le.stats, stats);
        }
        le.via = order[i]->via;
        edges.push_back(std::move(le));
      }
    }
    return Status::Ok();
  }
};

using BoostGraph = boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS, boost::no_property,
                                         boost::property<boost::edge_index_t, size_t>>;
using BoostEdge = boost::graph_traits<BoostGraph>::edge_descriptor;

// Keeps an edge only when it is active at or after its source was reached.
struct ForwardInTime {
  const BoostGraph* g = nullptr;
  const std::vector<LoadedEdge>* edges = nullptr;   // index i+1 <-> edges[i]; index 0 = root edges
  const std::vector<Timestamp>* arrival = nullptr;  // per boost vertex (0 = root)
  Timestamp until = kNoTime;
  bool operator()(const BoostEdge& e) const {
    size_t i = boost::get(boost::edge_index, *g, e);
    if (i == 0) return true;
    const LoadedEdge& le = (*edges)[i - 1];
    Timestamp t = CrossTime(le.kind, le.stats, (*arrival)[le.from + 1]);
    return t != kNoTime && (until == kNoTime || t <= until);
  }
};

struct TreeVisitor : public boost::default_bfs_visitor {
  const std::vector<LoadedEdge>* edges = nullptr;
  std::vector<Timestamp>* arrival = nullptr;
  std::vector<int>* hop = nullptr;
  std::vector<size_t>* pred = nullptr;  // loaded edge index + 1, 0 = reached from the root
  template <typename G>
  void tree_edge(const typename boost::graph_traits<G>::edge_descriptor& e, const G& g) const {
    size_t i = boost::get(boost::edge_index, g, e);
    size_t u = boost::source(e, g), v = boost::target(e, g);
    (*pred)[v] = i;
    if (i == 0) return;  // root -> foothold: set up front
    const LoadedEdge& le = (*edges)[i - 1];
    (*arrival)[v] = CrossTime(le.kind, le.stats, (*arrival)[u]);
    (*hop)[v] = (*hop)[u] + 1;
  }
};

std::string Plural(std::string label, size_t n) {
  if (n == 1) return label;
  if (label.size() >= 2 && label.substr(label.size() - 2) == "ss") return label + "es";
  if (!label.empty() && label.back() == 's') return label + "es";
  return label + "s";
}

}  // namespace

bool IsBlastLeafKind(EntityKind kind) { return LeafKind(kind); }
bool IsBlastStructuralEdge(EdgeKind kind) { return IsStructural(kind); }

bool IsFallbackFootholdKind(EntityKind kind) {
  switch (kind) {
    case EntityKind::kAccessKey:
    case EntityKind::kRoleSession:
    case EntityKind::kIamUser:
    case EntityKind::kFederatedUser:
    case EntityKind::kEc2Instance:
    case EntityKind::kDbUser:
      return true;
    default:
      return false;
  }
}

const Evidence& BlastHopEvidence(const EdgeStats& stats, Timestamp time) {
  return (stats.first_evidence.time != kNoTime && stats.first_evidence.time >= time) || stats.last_evidence.time < time
             ? stats.first_evidence
             : stats.last_evidence;
}

double BlastScore(EdgeKind reaching, uint64_t volume, Timestamp first_touch, const TimeWindow& window, int hop) {
  Timestamp span = (window.since != kNoTime && window.until != kNoTime)
                       ? std::max<Timestamp>(1, window.until - window.since)
                       : 0;
  double v = 1 + std::log10(1 + static_cast<double>(volume));
  double recency = 1;
  if (span > 0 && first_touch != kNoTime)
    recency = 0.5 + 0.5 * std::clamp(static_cast<double>(first_touch - window.since) / span, 0.0, 1.0);
  return std::round(KindWeight(reaching) * v * recency / hop * 100) / 100;
}

std::string BlastFootholdNote(bool from_finding, bool marked, bool plus_launchers) {
  std::string note = !from_finding ? "the entity asked about"
                     : marked      ? "entities the finding marks as compromised or acting"
                                   : "no foothold marked by the finding: its involved credentials, principals, "
                                     "instances and DB users";
  if (plus_launchers) note += "; plus the principal(s) that launched a foothold instance";
  return note;
}

std::string BlastTruncationNote(const BlastTruncation& t) {
  return "+" + std::to_string(t.omitted) + " more " + std::string(EntityKindLabel(t.omitted_kind)) + " via " +
         std::string(EdgeKindName(t.edge)) + " from " + FormatRef(t.at);
}

std::vector<BlastRule> DefaultBlastRules() {
  const std::vector<EntityKind> network = {EntityKind::kEc2Instance, EntityKind::kNetworkInterface};
  std::vector<BlastRule> rules = {
      {EdgeKind::kMinted, Direction::kOut, {}},
      {EdgeKind::kCredentialOf, Direction::kOut, {}},
      {EdgeKind::kAuthenticatedWith, Direction::kOut, {}},
      {EdgeKind::kCreated, Direction::kOut, {}},
      {EdgeKind::kModified, Direction::kOut, {}},
      {EdgeKind::kLaunched, Direction::kOut, {}},
      {EdgeKind::kInstanceProfileRole, Direction::kOut, {EntityKind::kEc2Instance}},
      {EdgeKind::kSessionOnInstance, Direction::kIn, {EntityKind::kEc2Instance}},
      {EdgeKind::kAssumedRole, Direction::kOut, {EntityKind::kRoleSession}},
      {EdgeKind::kRead, Direction::kOut, {}},
      {EdgeKind::kWrote, Direction::kOut, {}},
      {EdgeKind::kDbLogin, Direction::kOut, {EntityKind::kIpAddress}},
      {EdgeKind::kDbUserOf, Direction::kOut, {EntityKind::kDbUser}},
      {EdgeKind::kDbAction, Direction::kOut, {EntityKind::kDbUser}},
      {EdgeKind::kNetworkFlow, Direction::kOut, network},
      {EdgeKind::kNetworkFlow, Direction::kIn, network},
      {EdgeKind::kQueried, Direction::kOut, {EntityKind::kEc2Instance, EntityKind::kIpAddress}},
      {EdgeKind::kSameEvent, Direction::kOut, {}},
      {EdgeKind::kSameEvent, Direction::kIn, {}},
  };
  for (BlastRule& r : ResourceBlastRules()) rules.push_back(std::move(r));  // exposures.h
  return rules;
}

Result<std::vector<EntityRef>> FindingFootholds(const GraphReader& reader, const EntityRef& finding, bool* marked) {
  EntityId fid = reader.IdOf(finding.kind, finding.key);
  std::vector<EntityId> flagged, fallback;
  GUMSHOE_RETURN_IF_ERROR(reader.ScanEdges(fid, Direction::kOut, EdgeKind::kInvolves, [&](const Edge& e) {
    auto it = e.stats.counters.find("foothold");
    if (it != e.stats.counters.end() && it->second > 0) flagged.push_back(e.dst);
    if (IsFallbackFootholdKind(e.dst.kind)) fallback.push_back(e.dst);
    return true;
  }));
  if (marked) *marked = !flagged.empty();
  std::vector<EntityRef> out;
  for (const EntityId& id : flagged.empty() ? fallback : flagged) {
    GUMSHOE_ASSIGN_OR_RETURN(std::optional<Entity> e, reader.GetEntity(id));
    if (e) out.push_back(e->ref());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string BlastSummary(const std::vector<BlastNode>& nodes) {
  struct PerKind {
    size_t n = 0;
    std::set<std::string> regions;
    std::set<EdgeKind> reached_by;
  };
  // Per kind; entities reached over a flow that they initiated towards the
  // foothold (a network_flow in-edge: they connected in) are counted apart
  // from those the foothold contacted.
  std::map<std::pair<EntityKind, bool>, PerKind> kinds;
  for (const BlastNode& n : nodes) {
    bool connected_in = !n.path.empty() && n.path.back().edge == EdgeKind::kNetworkFlow && !n.path.back().stored_forward;
    PerKind& k = kinds[{n.entity.kind, connected_in}];
    ++k.n;
    if (const std::string* r = n.entity.Attr("region"); r && !r->empty()) k.regions.insert(*r);
    if (!n.path.empty()) k.reached_by.insert(n.path.back().edge);
  }
  std::string out;
  for (const auto& [group, k] : kinds) {
    const auto& [kind, connected_in] = group;
    if (!out.empty()) out += ", ";
    out += std::to_string(k.n) + " " + Plural(std::string(EntityKindLabel(kind)), k.n);
    if (connected_in) {
      out += " that connected in";
    } else if (k.reached_by.size() == 1) {
      out += EdgeSummaryVerb(*k.reached_by.begin());
    }
    if (!k.regions.empty()) {
      out += " in " + std::to_string(k.regions.size()) + (k.regions.size() == 1 ? " region (" : " regions (");
      bool first = true;
      for (const auto& r : k.regions) {
        out += (first ? "" : ", ") + r;
        first = false;
      }
      out += ")";
    }
  }
  return out.empty() ? "nothing reached in the window" : out;
}

namespace {

// Edges whose time is not an observed act of the entity: facts, threat-list
// listings and findings naming it.
bool CountsAsActivity(EdgeKind k) {
  return !IsStructural(k) && k != EdgeKind::kInAccount && k != EdgeKind::kListedIn && k != EdgeKind::kInvolves &&
         k != EdgeKind::kHasInterface;
}

constexpr size_t kMaxFirstTouchEdges = 20000;

// The first observed event of `id` in `window` (see FinishBlastResult).
Result<Timestamp> FirstActivity(const GraphReader& reader, const EntityId& id, const TimeWindow& window) {
  Timestamp best = kNoTime;
  size_t scanned = 0;
  auto take = [&](const Edge& e) {
    if (!CountsAsActivity(e.kind)) return true;
    if (e.stats.CountInWindow(window.since, window.until) > 0) {
      Timestamp t = e.stats.FirstActiveAtOrAfter(window.since);
      // The exact time when the edge's first observation is the one in the window.
      if (e.stats.first_seen != kNoTime && window.Contains(e.stats.first_seen)) t = e.stats.first_seen;
      if (t != kNoTime && window.Contains(t) && (best == kNoTime || t < best)) best = t;
    }
    return ++scanned < kMaxFirstTouchEdges;
  };
  std::vector<EntityId> ids{id};
  if (id.kind == EntityKind::kEc2Instance) {
    GUMSHOE_RETURN_IF_ERROR(reader.ScanEdges(id, Direction::kOut, EdgeKind::kHasInterface, [&](const Edge& e) {
      ids.push_back(e.dst);
      return ids.size() < 64;
    }));
  }
  for (const EntityId& x : ids)
    for (Direction dir : {Direction::kOut, Direction::kIn}) {
      scanned = 0;
      GUMSHOE_RETURN_IF_ERROR(reader.ScanEdges(x, dir, std::nullopt, take));
    }
  return best;
}

bool ActsKind(EntityKind k) {
  return k == EntityKind::kAccessKey || k == EntityKind::kRoleSession || k == EntityKind::kIamUser ||
         k == EntityKind::kFederatedUser || k == EntityKind::kIamRole || k == EntityKind::kAccount ||
         k == EntityKind::kAwsService;
}

std::string AttemptsSummary(const std::vector<BlastAttempt>& attempts, size_t omitted) {
  if (attempts.empty()) return std::string();
  std::string out = "; attempts that reached nothing: ";
  constexpr size_t kShown = 5;
  for (size_t i = 0; i < attempts.size() && i < kShown; ++i) out += (i ? ", " : "") + attempts[i].text;
  size_t more = attempts.size() > kShown ? attempts.size() - kShown + omitted : omitted;
  if (more > 0) out += ", +" + std::to_string(more) + " more";
  return out;
}

}  // namespace

Status FinishBlastResult(const GraphReader& reader, BlastRadiusResult& result) {
  const TimeWindow& w = result.window;
  // Footholds' first touch: their first observed event in the window.
  std::map<EntityRef, Timestamp> foothold_touch;
  for (BlastNode& n : result.nodes) {
    if (!n.foothold) continue;
    GUMSHOE_ASSIGN_OR_RETURN(Timestamp t, FirstActivity(reader, reader.IdOf(n.entity.kind, n.entity.key), w));
    n.first_touch = t;
    foothold_touch[n.entity.ref()] = t;
  }
  // Nothing is reached before its foothold was first seen acting.
  bool rescored = false;
  for (BlastNode& n : result.nodes) {
    if (n.foothold || n.path.empty()) continue;
    auto it = foothold_touch.find(n.path.front().from);
    if (it == foothold_touch.end() || it->second == kNoTime) continue;
    for (BlastHop& h : n.path)
      if (h.time != kNoTime && h.time < it->second) h.time = it->second;
    if (n.first_touch != kNoTime && n.first_touch < it->second) {
      n.first_touch = it->second;
      n.score = BlastScore(n.path.back().edge, n.volume, n.first_touch, w, n.hop);
      rescored = true;
    }
  }
  if (rescored)
    std::sort(result.nodes.begin(), result.nodes.end(), [](const BlastNode& a, const BlastNode& b) {
      if (a.foothold != b.foothold) return a.foothold;
      if (a.score != b.score) return a.score > b.score;
      return a.entity.ref() < b.entity.ref();
    });

  // Attempts of the reached principals (and of foothold IPs: their DB logins).
  result.attempts.clear();
  result.attempts_omitted = 0;
  for (const BlastNode& n : result.nodes) {
    EntityKind k = n.entity.kind;
    bool ip_foothold = n.foothold && k == EntityKind::kIpAddress;
    if (!ActsKind(k) && !ip_foothold) continue;
    EntityId id = reader.IdOf(k, n.entity.key);
    std::vector<Edge> found;
    for (EdgeKind kind : {EdgeKind::kCalledApi, EdgeKind::kConsoleLogin, EdgeKind::kDbLogin}) {
      GUMSHOE_RETURN_IF_ERROR(reader.ScanEdges(id, Direction::kOut, kind, [&](const Edge& e) {
        if (IsAttempt(e.stats) && e.stats.CountInWindow(w.since, w.until) > 0) found.push_back(e);
        return found.size() < kMaxBlastAttempts;
      }));
    }
    for (const Edge& e : found) {
      if (result.attempts.size() >= kMaxBlastAttempts) {
        ++result.attempts_omitted;
        continue;
      }
      GUMSHOE_ASSIGN_OR_RETURN(std::optional<Entity> target, reader.GetEntity(e.dst));
      BlastAttempt a;
      a.actor = n.entity.ref();
      a.edge = e.kind;
      a.target = target ? target->ref() : EntityRef{e.dst.kind, "?"};
      a.count = e.stats.CountInWindow(w.since, w.until);
      a.verdict = std::string(AttemptVerdict(e.stats));
      a.errors = AttemptErrors(e.stats);
      a.time = e.stats.FirstActiveAtOrAfter(w.since);
      if (e.stats.first_seen != kNoTime && w.Contains(e.stats.first_seen)) a.time = e.stats.first_seen;
      const Evidence& ev = BlastHopEvidence(e.stats, a.time);
      a.evidence = ev.ref;
      std::string what = e.kind == EdgeKind::kCalledApi
                             ? a.target.key
                             : std::string(FindEdgeText(e.kind)->label) + " " +
                                   std::string(EntityKindLabel(a.target.kind)) + " " + a.target.key;
      a.text = a.verdict + ": " + what + " x" + std::to_string(a.count) + (a.errors.empty() ? "" : " (" + a.errors + ")");
      a.sentence = EdgeSentence(a.actor, e.kind, a.target, e.stats);
      result.attempts.push_back(std::move(a));
    }
  }
  std::sort(result.attempts.begin(), result.attempts.end(), [](const BlastAttempt& a, const BlastAttempt& b) {
    return std::tie(a.time, a.actor, a.target, a.edge) < std::tie(b.time, b.actor, b.target, b.edge);
  });
  result.summary = BlastSummary(result.nodes) + AttemptsSummary(result.attempts, result.attempts_omitted);
  return Status::Ok();
}

const BlastNode* BlastRadiusResult::Find(const EntityRef& ref) const {
  for (const BlastNode& n : nodes)
    if (n.entity.kind == ref.kind && n.entity.key == ref.key) return &n;
  return nullptr;
}

Result<TimeWindow> BlastWindow(const GraphReader& reader, const EntityRef& start, const BlastRadiusOptions& options) {
  GUMSHOE_ASSIGN_OR_RETURN(TimeWindow w, ScopeWindow(reader, start, options.window, options.scope));
  return BlastWindowFromScope(start.kind, w, options);
}

TimeWindow BlastWindowFromScope(EntityKind start_kind, const TimeWindow& scoped, const BlastRadiusOptions& options) {
  TimeWindow w = scoped;
  if (start_kind != EntityKind::kFinding && options.window.until == kNoTime && w.until != kNoTime) {
    // The foothold's last activity is where the attacker's reach begins, not
    // where it ends: keep the start, move the end forward.
    w.until = options.forward_horizon < 0 ? kNoTime : w.until + options.forward_horizon;
  }
  return w;
}

Result<BlastRadiusResult> BlastRadius(const GraphReader& reader, const EntityRef& start,
                                      const BlastRadiusOptions& options) {
  GUMSHOE_ASSIGN_OR_RETURN(std::optional<Entity> start_entity, reader.Find(start));
  if (!start_entity) return Status::NotFound("no entity " + FormatRef(start));
  BlastRadiusResult result;
  result.start = start;
  GUMSHOE_ASSIGN_OR_RETURN(result.window, BlastWindow(reader, start, options));

  bool marked = false;
  if (start.kind == EntityKind::kFinding) {
    result.start_entity = *start_entity;
    GUMSHOE_ASSIGN_OR_RETURN(result.footholds, FindingFootholds(reader, start, &marked));
  } else {
    result.footholds.push_back(start);
  }
  result.foothold_note = BlastFootholdNote(start.kind == EntityKind::kFinding, marked, false);
  std::string touchers_note;
  if (options.include_resource_touchers && IsResourceKind(start.kind) && start.kind != EntityKind::kEc2Instance) {
    // Who touched the resource: their reach is what the resource's exposure leads to.
    GUMSHOE_ASSIGN_OR_RETURN(ResourceTouches touches, TouchesOf(reader, start, result.window));
    size_t added = 0, more = 0;
    for (const ResourceTouch& t : touches.touches) {
      if (t.attempt_only || !IsFallbackFootholdKind(t.actor.kind) ||
          std::find(result.footholds.begin(), result.footholds.end(), t.actor) != result.footholds.end())
        continue;
      if (added >= options.max_resource_touchers) {
        ++more;
        continue;
      }
      result.footholds.push_back(t.actor);
      ++added;
    }
    if (added > 0) {
      touchers_note = "; plus " + std::to_string(added) + " principal(s) that touched it in the window";
      if (more + touches.omitted > 0) touchers_note += " (" + std::to_string(more + touches.omitted) + " more left out)";
    }
  }
  if (options.include_launchers) {
    // An instance foothold widens to whoever launched it in the window: the
    // attacker's other instances are in scope too.
    std::vector<EntityRef> launchers;
    for (const EntityRef& f : result.footholds) {
      if (f.kind != EntityKind::kEc2Instance) continue;
      std::vector<EntityId> srcs;
      GUMSHOE_RETURN_IF_ERROR(reader.ScanEdges(reader.IdOf(f.kind, f.key), Direction::kIn, EdgeKind::kLaunched,
                                               [&](const Edge& e) {
                                                 if (e.stats.CountInWindow(result.window.since, result.window.until) > 0 &&
                                                     !IsAttempt(e.stats))
                                                   srcs.push_back(e.src);
                                                 return srcs.size() < 16;
                                               }));
      for (const EntityId& id : srcs) {
        GUMSHOE_ASSIGN_OR_RETURN(std::optional<Entity> l, reader.GetEntity(id));
        if (l && std::find(result.footholds.begin(), result.footholds.end(), l->ref()) == result.footholds.end() &&
            std::find(launchers.begin(), launchers.end(), l->ref()) == launchers.end())
          launchers.push_back(l->ref());
      }
    }
    if (!launchers.empty()) {
      result.foothold_note = BlastFootholdNote(start.kind == EntityKind::kFinding, marked, true);
      result.footholds.insert(result.footholds.end(), launchers.begin(), launchers.end());
    }
  }
  result.foothold_note += touchers_note;

  std::vector<BlastRule> rules = DefaultBlastRules();
  if (!options.edge_kinds.empty())
    std::erase_if(rules, [&](const BlastRule& r) {
      return std::find(options.edge_kinds.begin(), options.edge_kinds.end(), r.kind) == options.edge_kinds.end();
    });

  // Phase 1: load the time-scoped neighbourhood.
  Loader loader{reader, options, rules, result.window, {}, {}, {}, {}, {}, false};
  std::vector<size_t> frontier;
  std::set<size_t> foothold_vertices;
  for (const EntityRef& f : result.footholds) {
    bool added = false;
    size_t v = loader.Vertex(reader.IdOf(f.kind, f.key), &added);
    if (added) frontier.push_back(v);
    foothold_vertices.insert(v);
  }
  for (int depth = 0; depth < options.max_depth && !frontier.empty() && !loader.truncated; ++depth) {
    GUMSHOE_RETURN_IF_ERROR(loader.FetchPending());
    std::vector<size_t> next;
    for (size_t v : frontier) {
      GUMSHOE_RETURN_IF_ERROR(loader.Expand(v, foothold_vertices.count(v) != 0, next));
      if (loader.truncated) break;
    }
    frontier = std::move(next);
  }
  GUMSHOE_RETURN_IF_ERROR(loader.FetchPending());

  // Phase 2: BFS forward in time over the loaded graph. Vertex 0 is a root
  // joined to every foothold; loaded vertex i is boost vertex i + 1.
  size_t n = loader.ids.size() + 1;
  BoostGraph g(n);
  for (size_t v : foothold_vertices) boost::add_edge(0, v + 1, 0, g);
  // Footholds' own edges first, then in load order: deterministic BFS order.
  for (size_t i = 0; i < loader.edges.size(); ++i)
    boost::add_edge(loader.edges[i].from + 1, loader.edges[i].to + 1, i + 1, g);

  std::vector<Timestamp> arrival(n, kNoTime);
  std::vector<int> hop(n, -1);
  std::vector<size_t> pred(n, 0);
  for (size_t v : foothold_vertices) {
    Timestamp t = result.window.since;
    const Entity& e = loader.entities[v];
    if (e.first_seen != kNoTime && (t == kNoTime || e.first_seen > t) &&
        (result.window.until == kNoTime || e.first_seen <= result.window.until))
      t = e.first_seen;
    arrival[v + 1] = t;
    hop[v + 1] = 0;
  }
  ForwardInTime filter{&g, &loader.edges, &arrival, result.window.until};
  boost::filtered_graph<BoostGraph, ForwardInTime> fg(g, filter);
  TreeVisitor visitor;
  visitor.edges = &loader.edges;
  visitor.arrival = &arrival;
  visitor.hop = &hop;
  visitor.pred = &pred;
  std::vector<boost::default_color_type> colors(n, boost::white_color);
  boost::breadth_first_search(
      fg, 0, boost::visitor(visitor).color_map(boost::make_iterator_property_map(colors.begin(), boost::get(boost::vertex_index, fg))));

  // Results.
  for (size_t bv = 1; bv < n; ++bv) {
    if (hop[bv] < 0 || hop[bv] > options.max_depth) continue;
    size_t v = bv - 1;
    BlastNode node;
    node.entity = loader.entities[v];
    node.hop = hop[bv];
    node.first_touch = arrival[bv];
    node.foothold = hop[bv] == 0;
    // Walk predecessors back to the foothold.
    for (size_t cur = bv; pred[cur] != 0;) {
      const LoadedEdge& le = loader.edges[pred[cur] - 1];
      BlastHop h;
      h.from = loader.entities[le.from].ref();
      h.to = loader.entities[le.to].ref();
      h.edge = le.kind;
      h.stored_forward = le.stored_forward;
      h.time = arrival[cur];
      h.via = le.via;
      const Evidence& ev = BlastHopEvidence(le.stats, h.time);
      h.evidence = ev.ref;
      h.evidence_time = ev.time;
      node.path.push_back(std::move(h));
      cur = le.from + 1;
    }
    std::reverse(node.path.begin(), node.path.end());
    if (!node.foothold && !node.path.empty()) {
      const LoadedEdge& last = loader.edges[pred[bv] - 1];
      node.volume = last.stats.CountInWindow(result.window.since, result.window.until);
      node.score = BlastScore(last.kind, node.volume, node.first_touch, result.window, node.hop);
    }
    result.nodes.push_back(std::move(node));
  }
  std::sort(result.nodes.begin(), result.nodes.end(), [](const BlastNode& a, const BlastNode& b) {
    if (a.foothold != b.foothold) return a.foothold;
    if (a.score != b.score) return a.score > b.score;
    return a.entity.ref() < b.entity.ref();
  });
  result.truncations = std::move(loader.truncations);
  result.truncated = loader.truncated;
  GUMSHOE_RETURN_IF_ERROR(FinishBlastResult(reader, result));
  return result;
}

Subgraph BlastRadiusResult::ToSubgraph() const {
  Subgraph g;
  g.title = "Blast radius of " + FormatRef(start);
  g.window = window;
  std::set<EntityRef> present;
  if (start_entity) {
    SubgraphNode f;
    f.entity = *start_entity;
    f.emphasis = Emphasis::kFocus;
    f.hop = -1;
    g.nodes.push_back(std::move(f));
    present.insert(start);
  }
  for (const BlastNode& n : nodes) {
    if (!present.insert(n.entity.ref()).second) continue;
    SubgraphNode s;
    s.entity = n.entity;
    s.hop = n.hop;
    s.emphasis = n.foothold && !start_entity ? Emphasis::kFocus : Emphasis::kCompromise;
    if (!n.foothold) {
      char buf[32];
      std::snprintf(buf, sizeof(buf), "score %.2f", n.score);
      s.note = buf;
    } else {
      s.note = "foothold";
    }
    g.nodes.push_back(std::move(s));
  }
  if (start_entity)
    for (const EntityRef& f : footholds) {
      SubgraphEdge e;
      e.src = start;
      e.kind = EdgeKind::kInvolves;
      e.dst = f;
      e.emphasis = Emphasis::kCompromise;
      g.edges.push_back(std::move(e));
    }
  std::set<std::tuple<EntityRef, EdgeKind, EntityRef>> edge_seen;
  for (const BlastNode& n : nodes) {
    if (n.path.empty()) continue;
    const BlastHop& h = n.path.back();
    SubgraphEdge e;
    e.kind = h.edge;
    e.src = h.stored_forward ? h.from : h.to;
    e.dst = h.stored_forward ? h.to : h.from;
    if (!edge_seen.insert({e.src, e.kind, e.dst}).second) continue;
    e.stats.count = n.volume;
    e.stats.first_seen = h.time;
    e.stats.last_seen = h.time;
    e.stats.first_evidence = Evidence{h.evidence_time, h.evidence};
    e.emphasis = Emphasis::kCompromise;
    g.edges.push_back(std::move(e));
  }
  for (const BlastTruncation& t : truncations) {
    SubgraphNode more;
    more.entity.kind = t.omitted_kind;
    more.entity.key = "+" + std::to_string(t.omitted) + " more via " + std::string(EdgeKindName(t.edge)) + " from " +
                      FormatRef(t.at);
    more.collapsed_count = static_cast<int>(t.omitted);
    more.note = t.note;
    g.nodes.push_back(more);
    SubgraphEdge e;
    e.kind = t.edge;
    e.src = t.dir == Direction::kOut ? t.at : more.entity.ref();
    e.dst = t.dir == Direction::kOut ? more.entity.ref() : t.at;
    g.edges.push_back(std::move(e));
  }
  return g;
}

}  // namespace gumshoe
