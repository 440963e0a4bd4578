#include "gumshoe/memory_store.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

namespace gumshoe {
namespace {

const EntityRef kAlice{EntityKind::kIamUser, "arn:aws:iam::111122223333:user/alice"};
const EntityRef kBob{EntityKind::kIamUser, "arn:aws:iam::111122223333:user/bob"};
const EntityRef kIp1{EntityKind::kIpAddress, "203.0.113.7"};
const EntityRef kIp2{EntityKind::kIpAddress, "198.51.100.20"};
const EntityRef kIp3{EntityKind::kIpAddress, "203.0.113.99"};
const EntityRef kAgent{EntityKind::kUserAgent, "aws-cli/2.15.0"};

EdgeObservation Obs(Timestamp t, int outcome, std::string_view evidence) {
  EdgeObservation o;
  o.time = t;
  o.outcome = outcome;
  o.evidence = evidence;
  return o;
}

std::vector<Edge> EdgesOf(const GraphReader& r, const EntityRef& ref, Direction dir,
                          std::optional<EdgeKind> kind = std::nullopt) {
  std::vector<Edge> out;
  Status s = r.ScanEdges(r.IdOf(ref.kind, ref.key), dir, kind, [&](const Edge& e) {
    out.push_back(e);
    return true;
  });
  REQUIRE(s.ok());
  return out;
}

std::vector<std::string> KeysOf(const GraphReader& r, EntityKind kind, std::string_view prefix) {
  std::vector<std::string> out;
  REQUIRE(r.ScanKeys(kind, prefix, [&](std::string_view k) {
    out.emplace_back(k);
    return true;
  }).ok());
  return out;
}

// alice -> ip1, ip2, ip3 (called_from), alice -> agent (used_agent), bob -> ip1.
GraphDelta SampleDelta() {
  GraphDelta d;
  d.AddEdge(kAlice, EdgeKind::kCalledFrom, kIp1, Obs(1700000000, 1, "cloudtrail:e1"));
  d.AddEdge(kAlice, EdgeKind::kCalledFrom, kIp2, Obs(1700003600, -1, "cloudtrail:e2"));
  d.AddEdge(kAlice, EdgeKind::kCalledFrom, kIp3, Obs(1700007200, 1, "cloudtrail:e3"));
  d.AddEdge(kAlice, EdgeKind::kUsedAgent, kAgent, Obs(1700000000, 0, "cloudtrail:e1"));
  d.AddEdge(kBob, EdgeKind::kCalledFrom, kIp1, Obs(1700000100, 1, "cloudtrail:e4"));
  return d;
}

}  // namespace

TEST_CASE("MemoryStore: Apply merges entities and edges across deltas", "[engine][memory_store]") {
  MemoryStore store(HashKey{1, 2});
  GraphDelta a, b;
  EdgeStats& sa = a.AddEdge(kAlice, EdgeKind::kCalledFrom, kIp1, Obs(1700000000, 1, "cloudtrail:a"));
  sa.counters["op:GetObject"] = 2;
  a.SetAttr(kAlice, "account", "111122223333", 1700000000);
  EdgeStats& sb = b.AddEdge(kAlice, EdgeKind::kCalledFrom, kIp1, Obs(1690000000, -1, "cloudtrail:b"));
  sb.counters["op:GetObject"] = 3;
  b.SetAttr(kAlice, "account", "999999999999", 1600000000);  // older: loses
  b.AddTag(kAlice, "admin", kNoTime);

  EdgeStats expected = a.edges().begin()->stats;
  MergeEdgeStats(expected, b.edges().begin()->stats);

  REQUIRE(store.Apply(a).ok());
  REQUIRE(store.Apply(b).ok());

  std::vector<Edge> out = EdgesOf(store, kAlice, Direction::kOut);
  REQUIRE(out.size() == 1);
  CHECK(out[0].stats == expected);
  CHECK(out[0].stats.count == 2);
  CHECK(out[0].stats.success == 1);
  CHECK(out[0].stats.failure == 1);
  CHECK(out[0].stats.first_seen == 1690000000);
  CHECK(out[0].stats.first_evidence.ref == "cloudtrail:b");
  CHECK(out[0].stats.last_evidence.ref == "cloudtrail:a");
  CHECK(out[0].stats.counters.at("op:GetObject") == 5);
  std::vector<Edge> in = EdgesOf(store, kIp1, Direction::kIn);
  REQUIRE(in.size() == 1);
  CHECK(in[0].stats == expected);
  CHECK(in[0].src == store.IdOf(kAlice.kind, kAlice.key));

  Result<std::optional<Entity>> alice = store.Find(kAlice);
  REQUIRE(alice.ok());
  REQUIRE(alice->has_value());
  CHECK((*alice)->first_seen == 1600000000);
  CHECK((*alice)->last_seen == 1700000000);
  CHECK(*(*alice)->Attr("account") == "111122223333");
  CHECK((*alice)->tags.count("admin") == 1);
  Result<std::optional<Entity>> nobody = store.Find(EntityRef{EntityKind::kIamUser, "arn:aws:iam::1:user/nobody"});
  REQUIRE(nobody.ok());
  CHECK_FALSE(nobody->has_value());
}

TEST_CASE("MemoryStore: ScanEntities is in id order and filters by kind", "[engine][memory_store]") {
  MemoryStore store(HashKey{3, 4});
  REQUIRE(store.Apply(SampleDelta()).ok());

  std::vector<EntityId> all;
  REQUIRE(store.ScanEntities(std::nullopt, [&](const Entity& e) {
    all.push_back(store.IdOf(e.kind, e.key));
    return true;
  }).ok());
  CHECK(all.size() == 6);
  CHECK(std::is_sorted(all.begin(), all.end()));

  std::vector<std::string> ips;
  REQUIRE(store.ScanEntities(EntityKind::kIpAddress, [&](const Entity& e) {
    CHECK(e.kind == EntityKind::kIpAddress);
    ips.push_back(e.key);
    return true;
  }).ok());
  std::sort(ips.begin(), ips.end());
  CHECK(ips == std::vector<std::string>{kIp2.key, kIp1.key, kIp3.key});

  int seen = 0;
  REQUIRE(store.ScanEntities(std::nullopt, [&](const Entity&) { return ++seen < 2; }).ok());
  CHECK(seen == 2);
  int none = 0;
  REQUIRE(store.ScanEntities(EntityKind::kFinding, [&](const Entity&) { return ++none > 0; }).ok());
  CHECK(none == 0);
}

TEST_CASE("MemoryStore: ScanEdges orders by edge kind then other end and filters", "[engine][memory_store]") {
  MemoryStore store(HashKey{5, 6});
  REQUIRE(store.Apply(SampleDelta()).ok());
  EntityId alice = store.IdOf(kAlice.kind, kAlice.key);

  std::vector<Edge> out = EdgesOf(store, kAlice, Direction::kOut);
  REQUIRE(out.size() == 4);
  for (const Edge& e : out) CHECK(e.src == alice);
  auto order = [](const Edge& x, const Edge& y) { return std::tie(x.kind, x.dst) < std::tie(y.kind, y.dst); };
  CHECK(std::is_sorted(out.begin(), out.end(), order));
  CHECK(out.back().kind == EdgeKind::kUsedAgent);  // kind 5 after called_from (4)

  std::vector<Edge> from = EdgesOf(store, kAlice, Direction::kOut, EdgeKind::kCalledFrom);
  CHECK(from.size() == 3);
  for (const Edge& e : from) CHECK(e.kind == EdgeKind::kCalledFrom);
  CHECK(EdgesOf(store, kAlice, Direction::kOut, EdgeKind::kRead).empty());
  CHECK(EdgesOf(store, kAlice, Direction::kIn).empty());

  std::vector<Edge> into_ip1 = EdgesOf(store, kIp1, Direction::kIn);
  REQUIRE(into_ip1.size() == 2);
  for (const Edge& e : into_ip1) CHECK(e.dst == store.IdOf(kIp1.kind, kIp1.key));
  CHECK(into_ip1[0].src < into_ip1[1].src);

  int calls = 0;
  REQUIRE(store.ScanEdges(alice, Direction::kOut, std::nullopt, [&](const Edge&) { return ++calls < 1; }).ok());
  CHECK(calls == 1);
}

TEST_CASE("MemoryStore: a snapshot does not see later changes", "[engine][memory_store]") {
  MemoryStore store(HashKey{7, 8});
  GraphDelta first;
  first.AddEdge(kAlice, EdgeKind::kCalledFrom, kIp1, Obs(100, 1, "x:1"));
  REQUIRE(store.Apply(first).ok());
  std::unique_ptr<GraphReader> snap = store.Snapshot();

  GraphDelta second;
  second.AddEdge(kAlice, EdgeKind::kCalledFrom, kIp1, Obs(200, 1, "x:2"));
  second.AddEdge(kBob, EdgeKind::kCalledFrom, kIp2, Obs(200, 1, "x:3"));
  REQUIRE(store.Apply(second).ok());

  std::vector<Edge> old_edges = EdgesOf(*snap, kAlice, Direction::kOut);
  REQUIRE(old_edges.size() == 1);
  CHECK(old_edges[0].stats.count == 1);
  Result<std::optional<Entity>> bob_then = snap->Find(kBob);
  REQUIRE(bob_then.ok());
  CHECK_FALSE(bob_then->has_value());
  CHECK(KeysOf(*snap, EntityKind::kIamUser, "") == std::vector<std::string>{kAlice.key});

  std::vector<Edge> now = EdgesOf(store, kAlice, Direction::kOut);
  REQUIRE(now.size() == 1);
  CHECK(now[0].stats.count == 2);
  Result<std::optional<Entity>> bob_now = store.Find(kBob);
  REQUIRE(bob_now.ok());
  CHECK(bob_now->has_value());
}

TEST_CASE("MemoryStore: ScanKeys lists one kind's keys by prefix in byte order", "[engine][memory_store]") {
  MemoryStore store(HashKey{9, 10});
  REQUIRE(store.Apply(SampleDelta()).ok());
  CHECK(KeysOf(store, EntityKind::kIpAddress, "203.0.113.") == std::vector<std::string>{kIp1.key, kIp3.key});
  CHECK(KeysOf(store, EntityKind::kIpAddress, "") == std::vector<std::string>{kIp2.key, kIp1.key, kIp3.key});
  CHECK(KeysOf(store, EntityKind::kIpAddress, "arn:").empty());
  CHECK(KeysOf(store, EntityKind::kIamUser, "arn:aws:iam::111122223333:user/")
        == std::vector<std::string>{kAlice.key, kBob.key});
  CHECK(KeysOf(store, EntityKind::kIamRole, "").empty());
}

TEST_CASE("MemoryStore: records and meta", "[engine][memory_store]") {
  MemoryStore store(HashKey{11, 12});
  RecordId r1 = store.hasher().RecordIdOf("cloudtrail", "event-1");
  RecordId r2 = store.hasher().RecordIdOf("cloudtrail", "event-2");
  CHECK(r1 != r2);
  GraphDelta d;
  d.AddRecord(r1);
  REQUIRE(store.Apply(d).ok());
  CHECK(store.ContainsRecord(r1).value());
  CHECK_FALSE(store.ContainsRecord(r2).value());

  REQUIRE(store.PutMeta("run/2", "b").ok());
  REQUIRE(store.PutMeta("run/1", "a").ok());
  REQUIRE(store.PutMeta("setting", "s").ok());
  std::vector<std::pair<std::string, std::string>> runs;
  REQUIRE(store.ScanMeta("run/", [&](std::string_view k, std::string_view v) {
    runs.emplace_back(k, v);
    return true;
  }).ok());
  CHECK(runs == std::vector<std::pair<std::string, std::string>>{{"run/1", "a"}, {"run/2", "b"}});
  CHECK(store.GetMeta("setting").value() == std::optional<std::string>("s"));
  CHECK_FALSE(store.GetMeta("missing").value().has_value());
}

TEST_CASE("MemoryStore: ids depend on the hash key only", "[engine][memory_store]") {
  MemoryStore a(HashKey{42, 43}), b(HashKey{42, 43}), c(HashKey{44, 45});
  CHECK(a.IdOf(kAlice.kind, kAlice.key) == b.IdOf(kAlice.kind, kAlice.key));
  CHECK(a.IdOf(kAlice.kind, kAlice.key) != c.IdOf(kAlice.kind, kAlice.key));
  CHECK(a.IdOf(kAlice.kind, kAlice.key).kind == EntityKind::kIamUser);
}

}  // namespace gumshoe
