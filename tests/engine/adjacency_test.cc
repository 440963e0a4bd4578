#include <catch2/catch.hpp>

#include <cstdio>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "engine/incident_fixtures.h"
#include "gumshoe/adjacency.h"
#include "gumshoe/blast_radius.h"
#include "gumshoe/memory_store.h"

using namespace gumshoe;
using namespace gumshoe::testing;

namespace {

// What a walk says about one reached entity: hop, first touch, and the edge
// that reached it (from, kind, stored direction, ENI cited).
struct Reached {
  int hop = 0;
  Timestamp first_touch = kNoTime;
  std::string from;
  EdgeKind edge = EdgeKind::kInvolves;
  bool stored_forward = true;
  std::string via;
  friend bool operator==(const Reached& a, const Reached& b) {
    return std::tie(a.hop, a.first_touch, a.from, a.edge, a.stored_forward, a.via) ==
           std::tie(b.hop, b.first_touch, b.from, b.edge, b.stored_forward, b.via);
  }
};

std::string Describe(const std::map<std::string, Reached>& m) {
  std::string out;
  for (const auto& [ref, r] : m)
    out += ref + " hop " + std::to_string(r.hop) + " t " + std::to_string(r.first_touch) + " from " + r.from + " " +
           std::string(EdgeKindName(r.edge)) + (r.stored_forward ? "" : " (in)") + (r.via.empty() ? "" : " via " + r.via) +
           "\n";
  return out;
}

std::map<std::string, Reached> FromBlastRadius(const BlastRadiusResult& r) {
  std::map<std::string, Reached> out;
  for (const BlastNode& n : r.nodes) {
    Reached x;
    x.hop = n.hop;
    x.first_touch = n.first_touch;
    if (!n.path.empty()) {
      const BlastHop& h = n.path.back();
      x.from = FormatRef(h.from);
      x.edge = h.edge;
      x.stored_forward = h.stored_forward;
      x.via = h.via;
    }
    out[FormatRef(n.entity.ref())] = x;
  }
  return out;
}

std::map<std::string, Reached> FromSnapshot(const AdjacencySnapshot& s, const BlastReach& r) {
  std::map<std::string, Reached> out;
  for (const BlastReachEntity& e : r.entities) {
    Reached x;
    x.hop = e.hop;
    x.first_touch = e.first_touch;
    if (e.parent != AdjacencySnapshot::kNone) {
      x.from = FormatRef(s.Ref(e.parent));
      x.edge = e.edge;
      x.stored_forward = e.stored_forward;
      if (e.via != AdjacencySnapshot::kNone) x.via = std::string(s.key(e.via));
    }
    out[FormatRef(s.Ref(e.entity))] = x;
  }
  return out;
}

// Everything a BlastRadiusResult says, one line per fact.
std::string Dump(const BlastRadiusResult& r) {
  std::string out = FormatRef(r.start) + " [" + std::to_string(r.window.since) + ", " + std::to_string(r.window.until) +
                    "]\n";
  if (r.start_entity) out += "start entity " + FormatRef(r.start_entity->ref()) + "\n";
  for (const EntityRef& f : r.footholds) out += "foothold " + FormatRef(f) + "\n";
  out += r.foothold_note + "\n";
  for (const BlastNode& n : r.nodes) {
    char score[32];
    std::snprintf(score, sizeof(score), "%.2f", n.score);
    out += FormatRef(n.entity.ref()) + " hop " + std::to_string(n.hop) + " t " + std::to_string(n.first_touch) +
           " score " + score + " volume " + std::to_string(n.volume) + (n.foothold ? " foothold" : "") +
           (n.entity == Entity{} ? "" : " seen " + std::to_string(n.entity.first_seen)) + "\n";
    for (const BlastHop& h : n.path)
      out += "  " + FormatRef(h.from) + " -" + std::string(EdgeKindName(h.edge)) + (h.stored_forward ? "->" : "<-") +
             " " + FormatRef(h.to) + " at " + std::to_string(h.time) + " cites " + h.evidence + " @" +
             std::to_string(h.evidence_time) + (h.via.empty() ? "" : " via " + h.via) + "\n";
  }
  for (const BlastTruncation& t : r.truncations) out += "cut " + t.note + "\n";
  out += r.truncated ? "truncated\n" : "";
  out += r.summary + "\n";
  return out;
}

// Runs both walks and checks they agree; returns the entities reached. The
// snapshot walk runs twice: with fresh memory and with `scratch`, which
// earlier walks (other starts, options and snapshots) have used.
size_t ExpectSameReach(const GraphReader& reader, const AdjacencySnapshot& snap, const EntityRef& start,
                       const BlastRadiusOptions& options, const std::string& label, BlastReachScratch* scratch) {
  auto want = BlastRadius(reader, start, options);
  auto got = BlastReachOf(snap, start, options);
  auto again = BlastReachOf(snap, start, options, scratch);
  INFO(label << " start " << FormatRef(start) << " fanout " << options.max_fanout << " nodes " << options.max_nodes
             << " depth " << options.max_depth << " fold " << options.fold_interfaces << " launchers "
             << options.include_launchers);
  REQUIRE(want.ok() == got.ok());
  REQUIRE(want.ok() == again.ok());
  if (!want.ok()) return 0;
  CHECK(got->window.since == want->window.since);
  CHECK(got->window.until == want->window.until);
  std::vector<EntityRef> footholds;
  for (uint32_t f : got->footholds) footholds.push_back(snap.Ref(f));
  CHECK(footholds == want->footholds);
  CHECK(got->truncated == want->truncated);
  CHECK(got->cuts.size() == want->truncations.size());
  std::map<std::string, Reached> w = FromBlastRadius(*want), g = FromSnapshot(snap, *got);
  // BlastReachOf gives the walk's own times; BlastRadius then moves each
  // foothold's first touch to its first observed event, read from the store
  // (FinishBlastResult). Times are compared on the two BlastRadius results
  // (Dump below); here the walk's set, hops and reaching edges.
  for (auto* m : {&w, &g})
    for (auto& [ref, r] : *m) r.first_touch = 0;
  INFO("BlastRadius:\n" << Describe(w) << "snapshot:\n" << Describe(g));
  CHECK(g == w);
  std::map<std::string, Reached> a = FromSnapshot(snap, *again);
  for (auto& [ref, r] : a) r.first_touch = 0;
  CHECK(a == w);
  // The whole result, materialised from the reader for the reached nodes.
  auto full = BlastRadius(reader, snap, start, options, scratch);
  REQUIRE(full.ok());
  CHECK(Dump(*full) == Dump(*want));
  CHECK(again->cuts.size() == got->cuts.size());
  CHECK(again->truncated == got->truncated);
  return w.size();
}

std::vector<EntityRef> AllEntities(const GraphReader& reader) {
  std::vector<EntityRef> out;
  REQUIRE(reader
              .ScanEntities(std::nullopt,
                            [&](const Entity& e) {
                              out.push_back(e.ref());
                              return true;
                            })
              .ok());
  return out;
}

// Option variants every start is walked with.
std::vector<BlastRadiusOptions> Variants(Timestamp t0) {
  std::vector<BlastRadiusOptions> out;
  BlastRadiusOptions base;
  out.push_back(base);
  BlastRadiusOptions o = base;
  o.max_depth = 3;
  o.max_fanout = size_t(1) << 30;
  o.max_nodes = size_t(1) << 30;
  o.include_launchers = false;
  out.push_back(o);  // the bench's uncapped walk
  for (size_t fanout : {1, 2, 3}) {
    o = base;
    o.max_fanout = fanout;
    out.push_back(o);
  }
  for (size_t nodes : {2, 4, 7}) {
    o = base;
    o.max_nodes = nodes;
    out.push_back(o);
  }
  o = base;
  o.fold_interfaces = false;
  o.max_depth = 2;
  out.push_back(o);
  o = base;
  o.max_depth = 1;
  o.include_launchers = false;
  out.push_back(o);
  o = base;
  o.window = {t0 - 400 * 86400, t0 + 400 * 86400};  // everything
  out.push_back(o);
  o = base;
  o.window = {t0 + 20 * 3600 + 1234, t0 + 50 * 3600 + 17};  // partial hours on both sides
  o.max_fanout = 2;
  out.push_back(o);
  o = base;
  o.forward_horizon = -1;  // no end
  out.push_back(o);
  o = base;
  o.edge_kinds = {EdgeKind::kLaunched, EdgeKind::kNetworkFlow, EdgeKind::kCredentialOf, EdgeKind::kMinted};
  out.push_back(o);
  return out;
}

// A random graph: entities of every kind the walk cares about, edges of
// random (walked and unwalked) kinds with random hours, outcomes and counts,
// some with no hourly buckets, structural edges first seen late, findings
// with and without foothold marks.
Status BuildRandom(MemoryStore& store, uint64_t seed, Timestamp t0) {
  uint64_t x = seed * 0x9e3779b97f4a7c15ULL + 1;
  auto next = [&]() {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
  };
  auto below = [&](uint64_t n) { return next() % n; };
  const EntityKind kinds[] = {EntityKind::kIamUser,     EntityKind::kAccessKey,        EntityKind::kRoleSession,
                              EntityKind::kEc2Instance, EntityKind::kNetworkInterface, EntityKind::kIpAddress,
                              EntityKind::kDbUser,      EntityKind::kRdsInstance,      EntityKind::kS3Bucket,
                              EntityKind::kIamRole,     EntityKind::kDomain,           EntityKind::kFederatedUser,
                              EntityKind::kFinding};
  const EdgeKind edge_kinds[] = {EdgeKind::kMinted,       EdgeKind::kCredentialOf,       EdgeKind::kAuthenticatedWith,
                                 EdgeKind::kCreated,      EdgeKind::kModified,           EdgeKind::kLaunched,
                                 EdgeKind::kInstanceProfileRole, EdgeKind::kSessionOnInstance, EdgeKind::kAssumedRole,
                                 EdgeKind::kRead,         EdgeKind::kWrote,              EdgeKind::kDbLogin,
                                 EdgeKind::kDbUserOf,     EdgeKind::kDbAction,           EdgeKind::kNetworkFlow,
                                 EdgeKind::kQueried,      EdgeKind::kSameEvent,          EdgeKind::kHasInterface,
                                 EdgeKind::kCalledFrom,   EdgeKind::kResolvedTo,         EdgeKind::kInvolves};
  const size_t n = 12 + below(30);
  std::vector<EntityRef> ents;
  for (size_t i = 0; i < n; ++i) {
    EntityKind k = kinds[below(std::size(kinds))];
    ents.push_back({k, std::string(EntityKindName(k)) + "-" + std::to_string(i)});
  }
  // Edges recorded without buckets, first seen after the window ends, or
  // first seen hours before their first bucket.
  auto Mangle = [&](EdgeStats& st) {
    switch (below(12)) {
      case 0:
        st.hourly.clear();
        break;
      case 1:
        st.first_seen = t0 + 72 * 3600 + Timestamp(below(20 * 86400));
        break;
      case 2:
        st.first_seen -= Timestamp(below(30 * 3600));
        break;
      case 3:
        st.hourly.clear();
        st.first_seen = kNoTime;
        break;
      default:
        break;
    }
  };
  GraphDelta d;
  for (const EntityRef& e : ents) d.Touch(e, t0 + Timestamp(below(72)) * 3600 + Timestamp(below(3600)));
  const size_t m = n + below(4 * n);
  for (size_t i = 0; i < m; ++i) {
    const EntityRef& a = ents[below(n)];
    const EntityRef& b = ents[below(n)];
    if (a == b) continue;
    EdgeKind k = edge_kinds[below(std::size(edge_kinds))];
    // Bias towards shapes the rules walk: ENIs of instances, flows from them.
    if (below(6) == 0) k = EdgeKind::kHasInterface;
    EdgeStats* st = nullptr;
    for (int o = 0, obs = 1 + int(below(3)); o < obs; ++o) {
      Timestamp t = t0 + Timestamp(below(72)) * 3600 + Timestamp(below(3600));
      int outcome = k == EdgeKind::kDbLogin ? (below(3) == 0 ? -1 : +1) : 0;
      st = &d.AddEdge(a, k, b, {t, outcome, "ev:" + std::to_string(i) + ":" + std::to_string(o), 1 + below(5)});
    }
    Mangle(*st);
    if (k == EdgeKind::kInvolves && below(2) == 0) st->counters["foothold"] = 1;
  }
  // Instances with ENIs whose flows and queries reach the same neighbours as
  // the instance's own (one candidate merged from several stored edges).
  for (size_t i = 0; i < n; ++i) {
    if (ents[i].kind != EntityKind::kEc2Instance) continue;
    for (int j = 0, enis = int(below(3)); j < enis; ++j) {
      EntityRef eni{EntityKind::kNetworkInterface, "eni-" + std::to_string(i) + "-" + std::to_string(j)};
      Mangle(d.AddEdge(ents[i], EdgeKind::kHasInterface, eni, {t0 + Timestamp(below(72)) * 3600, 0, "ev:eni"}));
      for (int f = 0, flows = int(below(4)); f < flows; ++f) {
        const EntityRef& other = ents[below(n)];
        EdgeKind k = below(3) == 0 ? EdgeKind::kQueried : EdgeKind::kNetworkFlow;
        bool inbound = k == EdgeKind::kNetworkFlow && below(3) == 0;
        for (const EntityRef* from : {&ents[i], &eni}) {
          if (below(4) == 0 || other == *from) continue;
          Timestamp t = t0 + Timestamp(below(72)) * 3600 + Timestamp(below(3600));
          EdgeStats& st = inbound ? d.AddEdge(other, k, *from, {t, 0, "flow", 1 + below(3)})
                                  : d.AddEdge(*from, k, other, {t, 0, "flow", 1 + below(3)});
          Mangle(st);
        }
      }
    }
  }
  return store.Apply(d);
}

}  // namespace

TEST_CASE("AdjacencySnapshot: interns every entity and the walked edges", "[engine][adjacency]") {
  MemoryStore store;
  REQUIRE(BuildCoinMining(store).ok());
  auto snap = AdjacencySnapshot::Build(store);
  REQUIRE(snap.ok());
  std::vector<EntityRef> all = AllEntities(store);
  CHECK(snap->built_entities() == all.size());
  for (const EntityRef& e : all) {
    auto v = snap->Find(e);
    REQUIRE(v);
    CHECK(snap->Ref(*v) == e);
    CHECK(snap->id(*v) == store.IdOf(e.kind, e.key));
  }
  CHECK_FALSE(snap->Find(Ip("10.9.9.9")));
  // launched, created, modified, minted, credential_of, assumed_role, flows, ... but not called_from.
  auto dev = snap->Find(kDev);
  REQUIRE(dev);
  std::vector<EdgeKind> dev_out;
  for (uint32_t e = snap->out_begin(*dev); e < snap->out_begin(*dev + 1); ++e) dev_out.push_back(snap->edge_kind(e));
  CHECK(std::count(dev_out.begin(), dev_out.end(), EdgeKind::kCreated) == 2);
  CHECK(std::count(dev_out.begin(), dev_out.end(), EdgeKind::kCalledFrom) == 0);
  CHECK(std::is_sorted(dev_out.begin(), dev_out.end()));
  CHECK(snap->MemoryBytes() > 0);
  // Vertices are numbered in EntityId order.
  for (uint32_t v = 1; v < snap->entity_count(); ++v) CHECK(snap->id(v - 1) < snap->id(v));
}

TEST_CASE("AdjacencySnapshot: coin-mining finding reaches what BlastRadius reaches", "[engine][adjacency]") {
  MemoryStore store;
  REQUIRE(BuildCoinMining(store).ok());
  auto snap = AdjacencySnapshot::Build(store);
  REQUIRE(snap.ok());
  auto r = BlastReachOf(*snap, kCoinFinding, BlastRadiusOptions{});
  REQUIRE(r.ok());
  std::map<std::string, Reached> got = FromSnapshot(*snap, *r);
  // The marked instance and the session that launched it, then the other
  // instances at hop 1, the pool IP through the ENI.
  REQUIRE(got.count(FormatRef(kMinerEuw1)));
  CHECK(got[FormatRef(kMinerEuw1)].hop == 1);
  CHECK(got[FormatRef(kMinerEuw1)].first_touch == T("2026-03-10T08:33:47Z"));
  CHECK(got[FormatRef(kMinerEuw1)].edge == EdgeKind::kLaunched);
  REQUIRE(got.count(FormatRef(kPoolIp)));
  CHECK(got[FormatRef(kPoolIp)].via == "eni-0aa00000000000001");
  BlastReachScratch scratch;
  CHECK(ExpectSameReach(store, *snap, kCoinFinding, BlastRadiusOptions{}, "coin", &scratch) >= 6);
  CHECK(BlastReachOf(*snap, Ip("10.9.9.9"), BlastRadiusOptions{}).status().code() == Status::Code::kNotFound);
}

TEST_CASE("AdjacencySnapshot: same reach as BlastRadius on the incident fixtures", "[engine][adjacency]") {
  MemoryStore store;
  REQUIRE(BuildCoinMining(store).ok());
  REQUIRE(BuildS3Exfil(store).ok());
  REQUIRE(BuildRdsBruteForce(store).ok());
  auto snap = AdjacencySnapshot::Build(store);
  REQUIRE(snap.ok());
  size_t reached = 0, walks = 0;
  BlastReachScratch scratch;
  for (const EntityRef& start : AllEntities(store))
    for (const BlastRadiusOptions& o : Variants(T("2026-03-10T00:00:00Z"))) {
      reached += ExpectSameReach(store, *snap, start, o, "fixtures", &scratch);
      ++walks;
    }
  // Not vacuous: most walks reach more than their start.
  CHECK(reached > 2 * walks);
}

TEST_CASE("AdjacencySnapshot: same reach as BlastRadius on random graphs", "[engine][adjacency]") {
  const Timestamp t0 = T("2026-06-01T00:00:00Z");
  size_t reached = 0, walks = 0, multi_hop = 0;
  BlastReachScratch scratch;  // shared by every graph
  for (uint64_t seed = 1; seed <= 150; ++seed) {
    MemoryStore store;
    REQUIRE(BuildRandom(store, seed, t0).ok());
    auto snap = AdjacencySnapshot::Build(store);
    REQUIRE(snap.ok());
    std::vector<EntityRef> all = AllEntities(store);
    std::vector<BlastRadiusOptions> variants = Variants(t0);
    for (size_t i = 0; i < all.size(); ++i) {
      // Every start with the default options; a rotating share with the rest.
      for (size_t vi = 0; vi < variants.size(); ++vi) {
        if (vi != 0 && (i + vi + seed) % 3 != 0) continue;
        size_t n = ExpectSameReach(store, *snap, all[i], variants[vi], "seed " + std::to_string(seed), &scratch);
        reached += n;
        multi_hop += n > 3;
        ++walks;
      }
    }
  }
  CHECK(reached > walks * 3 / 2);
  CHECK(multi_hop > walks / 10);
}
