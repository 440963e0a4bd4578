#include <catch2/catch.hpp>

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

TEST_CASE("Pivot: unknown entity is NotFound; ties ordered by key", "[engine][pivot]") {
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
