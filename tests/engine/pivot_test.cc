#include <catch2/catch.hpp>

#include <set>

#include "gumshoe/codec.h"
#include "gumshoe/memory_store.h"
#include "gumshoe/pivot.h"

using namespace gumshoe;

namespace {
const EntityRef kInstance{EntityKind::kEc2Instance, "i-0abc"};
const EntityRef kEni{EntityKind::kNetworkInterface, "eni-1"};
const EntityRef kRole{EntityKind::kIamRole, "arn:aws:iam::111122223333:role/web"};
constexpr Timestamp kT0 = 1785000000;  // 2026-07-25

EntityRef Ip(int i) { return {EntityKind::kIpAddress, "198.51.100." + std::to_string(i)}; }

const PivotGroup* FindGroup(const PivotResult& r, EdgeKind kind, Direction dir) {
  for (const auto& g : r.groups)
    if (g.kind == kind && g.direction == dir) return &g;
  return nullptr;
}
}  // namespace

TEST_CASE("Pivot: groups neighbours by edge kind, folds interfaces into instances", "[engine][pivot]") {
  MemoryStore store;
  GraphDelta d;
  d.AddEdge(kInstance, EdgeKind::kInstanceProfileRole, kRole, {kT0, 0, "ct:1"});
  // Flows seen on the ENI; the ENI -> instance mapping arrives in a later delta.
  for (int i = 1; i <= 5; ++i)
    for (int n = 0; n < i; ++n) d.AddEdge(kEni, EdgeKind::kNetworkFlow, Ip(i), {kT0 + n * 3600, +1, "flows.log:1"});
  REQUIRE(store.Apply(d).ok());
  GraphDelta later;
  later.AddEdge(kInstance, EdgeKind::kHasInterface, kEni, {kT0 + 86400, 0, "gd:1"});
  REQUIRE(store.Apply(later).ok());

  auto r = Pivot(store, kInstance, PivotOptions{});
  REQUIRE(r.ok());
  const PivotGroup* flows = FindGroup(*r, EdgeKind::kNetworkFlow, Direction::kOut);
  REQUIRE(flows != nullptr);
  CHECK(flows->total == 5);
  REQUIRE(flows->neighbors.size() == 5);
  CHECK(flows->neighbors[0].entity == Ip(5));  // most active first
  CHECK(flows->neighbors[0].window_count == 5);
  CHECK(flows->neighbors[0].via == "eni-1");
  CHECK(FindGroup(*r, EdgeKind::kInstanceProfileRole, Direction::kOut)->neighbors[0].entity == kRole);

  SECTION("paging") {
    PivotOptions o;
    o.limit = 2;
    o.offset = 2;
    auto page = Pivot(store, kInstance, o);
    REQUIRE(page.ok());
    const PivotGroup* g = FindGroup(*page, EdgeKind::kNetworkFlow, Direction::kOut);
    REQUIRE(g->neighbors.size() == 2);
    CHECK(g->neighbors[0].entity == Ip(3));
    CHECK(g->neighbors[1].entity == Ip(2));
    CHECK(g->total == 5);
  }
  SECTION("time window counts only the hours inside it") {
    PivotOptions o;
    o.window = TimeWindow{kT0 + 3 * 3600, kT0 + 4 * 3600};
    auto w = Pivot(store, kInstance, o);
    REQUIRE(w.ok());
    const PivotGroup* g = FindGroup(*w, EdgeKind::kNetworkFlow, Direction::kOut);
    REQUIRE(g != nullptr);
    CHECK(g->total == 2);  // only IPs 4 and 5 had flows in hours 3-4
    CHECK(g->neighbors[0].window_count == 2);
    CHECK(FindGroup(*w, EdgeKind::kInstanceProfileRole, Direction::kOut) == nullptr);
  }
  SECTION("edge filter") {
    PivotOptions o;
    o.edge_kind = EdgeKind::kInstanceProfileRole;
    auto f = Pivot(store, kInstance, o);
    REQUIRE(f.ok());
    REQUIRE(f->groups.size() == 1);
    CHECK(f->groups[0].kind == EdgeKind::kInstanceProfileRole);
  }
  SECTION("hourly buckets only when asked for") {
    const PivotNeighbor& plain = flows->neighbors[0];
    CHECK(plain.stats.hourly.empty());
    CHECK(plain.stats.count == 5);
    CHECK(plain.stats.first_seen == kT0);
    CHECK(plain.stats.last_seen == kT0 + 4 * 3600);
    PivotOptions o;
    o.hourly = true;
    auto h = Pivot(store, kInstance, o);
    REQUIRE(h.ok());
    const PivotNeighbor& full = FindGroup(*h, EdgeKind::kNetworkFlow, Direction::kOut)->neighbors[0];
    CHECK(full.entity == Ip(5));
    CHECK(full.stats.hourly.size() == 5);
    CHECK(full.stats.CountInWindow(kNoTime, kNoTime) == 5);
    EdgeStats without = full.stats;
    without.hourly.clear();
    CHECK(without == plain.stats);
  }
  SECTION("in-edges are listed from the other side") {
    auto ip = Pivot(store, Ip(3), PivotOptions{});
    REQUIRE(ip.ok());
    const PivotGroup* g = FindGroup(*ip, EdgeKind::kNetworkFlow, Direction::kIn);
    REQUIRE(g != nullptr);
    CHECK(g->neighbors[0].entity == kEni);
  }
  SECTION("subgraph marks the focus and says what was left out") {
    PivotOptions o;
    o.limit = 1;
    Subgraph sg = Pivot(store, kInstance, o)->ToSubgraph();
    CHECK(sg.nodes[0].emphasis == Emphasis::kFocus);
    bool more = false;
    for (const auto& n : sg.nodes) more |= n.collapsed_count == 4;
    CHECK(more);
  }
}

TEST_CASE("Pivot: unknown entity is NotFound, ties ordered by key", "[engine][pivot]") {
  MemoryStore store;
  auto missing = Pivot(store, kInstance, PivotOptions{});
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().code() == Status::Code::kNotFound);

  GraphDelta d;
  for (int i : {7, 3, 9, 1}) d.AddEdge(kRole, EdgeKind::kCalledFrom, Ip(i), {kT0, +1, "x"});
  REQUIRE(store.Apply(d).ok());
  auto r = Pivot(store, kRole, PivotOptions{});
  REQUIRE(r.ok());
  const auto& n = r->groups.at(0).neighbors;
  REQUIRE(n.size() == 4);
  CHECK(n[0].entity == Ip(1));
  CHECK(n[1].entity == Ip(3));
  CHECK(n[2].entity == Ip(7));
  CHECK(n[3].entity == Ip(9));
}

TEST_CASE("Pivot: a super-node group is read up to max_scan and its total is a lower bound", "[engine][pivot]") {
  MemoryStore store;
  GraphDelta d;
  // 40 IPs call into the role's account-like hub; IP 30 is the busiest.
  for (int i = 1; i <= 40; ++i) {
    int calls = i == 30 ? 9 : 1;
    for (int c = 0; c < calls; ++c)
      d.AddEdge(Ip(i), EdgeKind::kCalledFrom, kRole, {kT0 + c * 3600, +1, "ev-" + std::to_string(i)});
  }
  d.AddEdge(kRole, EdgeKind::kInAccount, EntityRef{EntityKind::kAccount, "111122223333"}, {kT0, 0, "ev-acct"});
  REQUIRE(store.Apply(d).ok());

  PivotOptions all;
  all.limit = 5;
  auto full = Pivot(store, kRole, all);
  REQUIRE(full.ok());
  const PivotGroup* g = FindGroup(*full, EdgeKind::kCalledFrom, Direction::kIn);
  REQUIRE(g);
  CHECK(g->total == 40);
  CHECK(g->total_exact);
  REQUIRE(g->neighbors.size() == 5);
  CHECK(g->neighbors[0].entity == Ip(30));
  CHECK(g->neighbors[0].stats.count == 9);  // full stats decoded for the page
  CHECK(g->neighbors[0].stats.first_evidence.ref == "ev-30");

  PivotOptions capped = all;
  capped.max_scan = 10;
  auto cut = Pivot(store, kRole, capped);
  REQUIRE(cut.ok());
  g = FindGroup(*cut, EdgeKind::kCalledFrom, Direction::kIn);
  REQUIRE(g);
  CHECK(g->total == 10);
  CHECK_FALSE(g->total_exact);
  CHECK(g->neighbors.size() == 5);
  // The other groups are still read after the capped one.
  const PivotGroup* acct = FindGroup(*cut, EdgeKind::kInAccount, Direction::kOut);
  REQUIRE(acct);
  CHECK(acct->total_exact);
  // The drawing says the count is a lower bound.
  bool lower_bound_note = false;
  for (const auto& n : cut->ToSubgraph().nodes)
    if (n.entity.key.rfind("+>=5 more called_from", 0) == 0) lower_bound_note = true;
  CHECK(lower_bound_note);
}

TEST_CASE("Pivot: paging never repeats a neighbour across pages", "[engine][pivot]") {
  MemoryStore store;
  GraphDelta d;
  for (int i = 1; i <= 23; ++i) d.AddEdge(kRole, EdgeKind::kCalledFrom, Ip(i), {kT0, +1, "x"});
  REQUIRE(store.Apply(d).ok());
  std::set<EntityRef> seen;
  for (size_t offset = 0; offset < 30; offset += 7) {
    PivotOptions o;
    o.limit = 7;
    o.offset = offset;
    auto r = Pivot(store, kRole, o);
    REQUIRE(r.ok());
    for (const auto& n : r->groups.at(0).neighbors) CHECK(seen.insert(n.entity).second);
  }
  CHECK(seen.size() == 23);
}

TEST_CASE("EdgeStatsSummary: the light decode agrees with the full one", "[engine][pivot][codec]") {
  EdgeStats s;
  s.count = 12;
  s.success = 7;
  s.failure = 2;
  s.first_seen = kT0 + 10;
  s.last_seen = kT0 + 5 * 3600 + 5;
  s.first_evidence = {kT0 + 10, "cloudtrail:first"};
  s.last_evidence = {kT0 + 5 * 3600 + 5, "cloudtrail:last"};
  s.hourly = {{uint32_t(kT0 / 3600), 3}, {uint32_t(kT0 / 3600 + 2), 4}, {uint32_t(kT0 / 3600 + 5), 5}};
  s.counters = {{"bytes_out", 100}, {"dport:00443", 2}};
  std::string bytes = EncodeEdgeStats(s);
  const std::vector<TimeWindow> windows = {
      {}, {kT0, kNoTime}, {kNoTime, kT0 + 3600}, {kT0 + 3600, kT0 + 2 * 3600 + 1}, {kT0 + 6 * 3600, kNoTime},
      {kT0 + 2 * 3600 + 1800, kT0 + 5 * 3600 - 1}};
  for (const TimeWindow& w : windows) {
    auto sum = DecodeEdgeStatsSummary(bytes, w);
    REQUIRE(sum.ok());
    CHECK(sum->window_count == s.CountInWindow(w.since, w.until));
    CHECK(sum->count == 12);
    CHECK(sum->success == 7);
    CHECK(sum->failure == 2);
    CHECK(sum->first_seen == s.first_seen);
    CHECK(sum->last_seen == s.last_seen);
  }
  CHECK_FALSE(DecodeEdgeStatsSummary(bytes.substr(0, 20), TimeWindow{kT0, kNoTime}).ok());

  // The full decode without the hourly map: everything else equal, and the
  // buckets still checked.
  auto full = DecodeEdgeStats(bytes);
  auto light = DecodeEdgeStats(bytes, /*with_hourly=*/false);
  REQUIRE(full.ok());
  REQUIRE(light.ok());
  CHECK(light->hourly.empty());
  EdgeStats expect = *full;
  expect.hourly.clear();
  CHECK(*light == expect);
  for (size_t cut = 1; cut < bytes.size(); ++cut) {
    CHECK(DecodeEdgeStats(bytes.substr(0, cut), false).ok() == DecodeEdgeStats(bytes.substr(0, cut)).ok());
  }
  CHECK_FALSE(DecodeEdgeStatsSummary("", TimeWindow{}).ok());
}
