#include <catch2/catch.hpp>

#include <cstring>
#include <map>
#include <tuple>
#include <random>
#include <set>

#include "gumshoe/delta.h"
#include "gumshoe/model.h"
#include "gumshoe/record_set.h"

using namespace gumshoe;

namespace {
EdgeStats Obs(Timestamp t, int outcome, const std::string& ref, std::map<std::string, int64_t> counters = {}) {
  GraphDelta d;
  EdgeStats& s = d.AddEdge({EntityKind::kIamUser, "u"}, EdgeKind::kCalledFrom, {EntityKind::kIpAddress, "1.2.3.4"},
                           EdgeObservation{t, outcome, ref});
  for (auto& [k, v] : counters) s.counters[k] += v;
  return s;
}
}  // namespace

TEST_CASE("EntityKind/EdgeKind: names round-trip and values are stable", "[engine][model]") {
  for (EntityKind k : kAllEntityKinds) CHECK(ParseEntityKind(EntityKindName(k)) == k);
  for (EdgeKind k : kAllEdgeKinds) {
    CHECK(ParseEdgeKind(EdgeKindName(k)) == k);
    CHECK_FALSE(EdgeKindMeaning(k).empty());
  }
  // On-disk values: changing one breaks every existing store.
  CHECK(static_cast<int>(EntityKind::kIpAddress) == 9);
  CHECK(static_cast<int>(EntityKind::kFinding) == 15);
  CHECK(static_cast<int>(EdgeKind::kMinted) == 2);
  CHECK(static_cast<int>(EdgeKind::kInvolves) == 17);
}

TEST_CASE("MergeEdgeStats: associative and commutative", "[engine][model]") {
  std::vector<EdgeStats> parts = {
      Obs(1000 * 3600 + 5, +1, "e1", {{"bytes_out", 10}}), Obs(1000 * 3600 + 9, -1, "e2", {{"dport:00443", 1}}),
      Obs(1002 * 3600, +1, "e0"), Obs(999 * 3600, 0, "e3", {{"bytes_out", 5}})};
  EdgeStats left;
  for (const auto& p : parts) MergeEdgeStats(left, p);
  EdgeStats right;
  for (auto it = parts.rbegin(); it != parts.rend(); ++it) MergeEdgeStats(right, *it);
  EdgeStats grouped, g1, g2;
  MergeEdgeStats(g1, parts[0]);
  MergeEdgeStats(g1, parts[3]);
  MergeEdgeStats(g2, parts[2]);
  MergeEdgeStats(g2, parts[1]);
  MergeEdgeStats(grouped, g2);
  MergeEdgeStats(grouped, g1);
  CHECK(left == right);
  CHECK(left == grouped);
  CHECK(left.count == 4);
  CHECK(left.success == 2);
  CHECK(left.failure == 1);
  CHECK(left.first_seen == 999 * 3600);
  CHECK(left.first_evidence.ref == "e3");
  CHECK(left.last_evidence.ref == "e0");
  CHECK(left.counters.at("bytes_out") == 15);
  CHECK(left.hourly.at(1000) == 2);
  CHECK(left.CountInWindow(1000 * 3600, 1001 * 3600 - 1) == 2);
  CHECK(left.CountInWindow(kNoTime, kNoTime) == 4);
  CHECK(left.CountInWindow(1003 * 3600, kNoTime) == 0);
  CHECK(left.FirstActiveAtOrAfter(1001 * 3600) == 1002 * 3600);
}

TEST_CASE("MergeEdgeStats: counter cap keeps smallest keys whatever the order", "[engine][model]") {
  std::mt19937 rng(7);
  std::vector<EdgeStats> parts;
  for (int i = 0; i < 40; ++i) {
    EdgeStats s;
    s.count = 1;
    for (int j = 0; j < 10; ++j) {
      char name[32];
      std::snprintf(name, sizeof name, "dport:%05u", static_cast<unsigned>(rng() % 400));
      s.counters[name] += 1;
    }
    parts.push_back(s);
  }
  EdgeStats a, b;
  for (const auto& p : parts) MergeEdgeStats(a, p);
  std::shuffle(parts.begin(), parts.end(), rng);
  EdgeStats pair1, pair2;
  for (size_t i = 0; i < parts.size(); ++i) MergeEdgeStats(i % 2 ? pair1 : pair2, parts[i]);
  MergeEdgeStats(b, pair1);
  MergeEdgeStats(b, pair2);
  CHECK(a.counters.size() == kMaxEdgeCounters);
  CHECK(a == b);
  int64_t total = 0;
  for (const auto& [k, v] : a.counters) total += v;
  CHECK(total == 400);
}

TEST_CASE("MergeEdgeStats: fixed counters survive a flood of keyed counters", "[engine][model]") {
  EdgeStats a, b;
  a.counters = {{"bytes_out", 100}, {"rejected", 2}};
  for (int port = 0; port < 300; ++port) {
    EdgeStats p;
    char name[32];
    std::snprintf(name, sizeof name, "dport:%05d", port);
    p.counters[name] = 1;
    MergeEdgeStats(b, p);
  }
  EdgeStats ab = a, ba = b;
  MergeEdgeStats(ab, b);
  MergeEdgeStats(ba, a);
  CHECK(ab == ba);
  CHECK(ab.counters.at("bytes_out") == 100);
  CHECK(ab.counters.at("rejected") == 2);
  CHECK(ab.counters.size() == kMaxEdgeCounters);
  CHECK(ab.counters.count("dport:00000") == 1);
  CHECK(ab.counters.count("dport:00299") == 0);
}

TEST_CASE("MergeEntity: newest attribute wins in any order, tags union", "[engine][model]") {
  Entity base{EntityKind::kFinding, "f1"};
  Entity older = base, newer = base;
  older.attrs["severity"] = {"5", 100};
  older.tags = {"a"};
  older.first_seen = 50;
  newer.attrs["severity"] = {"8", 200};
  newer.tags = {"b"};
  newer.last_seen = 300;
  Entity x = base, y = base;
  MergeEntity(x, older);
  MergeEntity(x, newer);
  MergeEntity(y, newer);
  MergeEntity(y, older);
  CHECK(x == y);
  CHECK(*x.Attr("severity") == "8");
  CHECK(x.tags == std::set<std::string>{"a", "b"});
  CHECK(x.first_seen == 50);
  CHECK(x.last_seen == 300);
}

TEST_CASE("ObserveEdge/ObserveAttr: same result as merging a one-observation value", "[engine][model]") {
  std::mt19937_64 rng(7);
  const Timestamp times[] = {kNoTime, -5, 0, 3599, 3600, 1700000000, 1700000000, 1700003600};
  const char* refs[] = {"", "a", "b", "cloudtrail:x", "f.log:9"};
  for (int trial = 0; trial < 200; ++trial) {
    EdgeStats fast, slow;
    Entity fast_e, slow_e;
    fast_e.kind = slow_e.kind = EntityKind::kIamUser;
    for (int i = 0; i < 12; ++i) {
      Timestamp t = times[rng() % std::size(times)];
      std::string ref = refs[rng() % std::size(refs)];
      int outcome = static_cast<int>(rng() % 3) - 1;
      uint64_t w = 1 + rng() % 3;
      ObserveEdge(fast, t, outcome, ref, w);
      EdgeStats one;
      one.count = w;
      if (outcome > 0) one.success = w;
      if (outcome < 0) one.failure = w;
      one.first_seen = one.last_seen = t;
      one.first_evidence = one.last_evidence = Evidence{t, ref};
      if (t != kNoTime && t >= 0) one.hourly.emplace(static_cast<uint32_t>(t / 3600), w);
      MergeEdgeStats(slow, one);

      std::string name = rng() % 2 ? "region" : "account";
      std::string value = refs[rng() % std::size(refs)];
      ObserveAttr(fast_e, name, value, t);
      Entity patch;
      patch.kind = EntityKind::kIamUser;
      patch.attrs.emplace(name, AttrValue{value, t});
      MergeEntity(slow_e, patch);
    }
    REQUIRE(fast == slow);
    REQUIRE(fast_e == slow_e);
  }
}

TEST_CASE("RecordIdSet: behaves like std::set under inserts, erases and growth", "[engine][model]") {
  std::mt19937_64 rng(11);
  RecordIdSet set;
  std::set<RecordId> model;
  auto make = [&](uint64_t n) {
    RecordId id{};
    // Few distinct low bits: long probe runs, wrap-around and shifts on erase.
    uint64_t h = (n % 97) | (n << 40);
    std::memcpy(id.data(), &h, sizeof(h));
    id[15] = static_cast<uint8_t>(n);
    return id;
  };
  for (int step = 0; step < 20000; ++step) {
    RecordId id = make(rng() % 3000);
    if (rng() % 3 == 0) {
      CHECK(set.erase(id) == model.erase(id));
    } else {
      CHECK(set.insert(id) == model.insert(id).second);
    }
    if (step % 997 == 0) {
      REQUIRE(set.size() == model.size());
      std::set<RecordId> listed(set.begin(), set.end());
      REQUIRE(listed == model);
    }
  }
  for (int n = 0; n < 3000; ++n) CHECK(set.contains(make(n)) == (model.count(make(n)) != 0));
  set.clear();
  CHECK(set.empty());
  CHECK(set.begin() == set.end());
  CHECK(set.insert(make(5)));
  CHECK(set.contains(make(5)));
}

TEST_CASE("GraphDelta: one entry per entity and edge whatever the lookup order, moves leave an empty delta",
          "[engine][model]") {
  // More entities than the lookup memo holds, the same key under two kinds,
  // keys that share a prefix, and enough entities and edges to grow the
  // indexes and fill several storage chunks, in a random order. Times span
  // several hours out of order (and some are unknown), with varying weights,
  // outcomes and evidence, so the last-bucket cache misses and hits.
  std::vector<EntityRef> pool;
  for (int i = 0; i < 12; ++i) {
    pool.push_back({EntityKind::kIamUser, "user" + std::to_string(i)});
    pool.push_back({EntityKind::kIamRole, "user" + std::to_string(i)});
  }
  pool.push_back({EntityKind::kIamUser, "user1x"});
  const size_t small = pool.size();
  for (int i = 0; i < 900; ++i) pool.push_back({EntityKind::kIpAddress, "10.0." + std::to_string(i / 256) + "." + std::to_string(i % 256)});
  std::mt19937_64 rng(11);
  struct Op {
    EntityRef a, b;
    EdgeKind kind;
    Timestamp t;
    bool touch;
    int outcome;
    std::string evidence;
    uint64_t weight;
  };
  std::vector<Op> ops;
  for (int i = 0; i < 6000; ++i) {
    const EntityRef& a = pool[rng() % small];
    const EntityRef& b = pool[rng() % 3 == 0 ? rng() % pool.size() : rng() % small];
    EdgeKind kind = rng() % 2 ? EdgeKind::kCalledFrom : EdgeKind::kUsedAgent;
    Timestamp t = rng() % 50 == 0 ? kNoTime : 1700000000 + static_cast<Timestamp>(rng() % 20000);
    ops.push_back(Op{a, b, kind, t, rng() % 4 == 0, static_cast<int>(rng() % 3) - 1, "ev" + std::to_string(rng() % 100),
                     1 + rng() % 3});
  }
  std::map<std::tuple<EntityRef, EdgeKind, EntityRef>, EdgeStats> want_edges;
  std::map<EntityRef, std::pair<Timestamp, Timestamp>> want_entities;  // first, last seen
  auto seen = [&](const EntityRef& e, Timestamp t) {
    auto [it, added] = want_entities.try_emplace(e, kNoTime, kNoTime);
    if (t == kNoTime) return;
    if (it->second.first == kNoTime || t < it->second.first) it->second.first = t;
    if (it->second.second == kNoTime || t > it->second.second) it->second.second = t;
  };
  for (const Op& op : ops) {
    seen(op.a, op.t);
    if (op.touch) continue;
    seen(op.b, op.t);
    ObserveEdge(want_edges[{op.a, op.kind, op.b}], op.t, op.outcome, op.evidence, op.weight);
  }
  auto fill = [&](GraphDelta& delta, size_t from, size_t to) {
    for (size_t i = from; i < to; ++i) {
      const Op& op = ops[i];
      if (op.touch) {
        delta.Touch(op.a, op.t);
      } else {
        delta.AddEdge(op.a, op.kind, op.b, EdgeObservation{op.t, op.outcome, op.evidence, op.weight});
      }
    }
  };
  auto check = [&](const GraphDelta& delta) {
    std::map<EntityRef, std::pair<Timestamp, Timestamp>> got_entities;
    std::set<const Entity*> addresses;
    for (const Entity& e : delta.entities()) {
      REQUIRE(got_entities.emplace(e.ref(), std::make_pair(e.first_seen, e.last_seen)).second);
      addresses.insert(&e);
    }
    REQUIRE(got_entities == want_entities);
    std::map<std::tuple<EntityRef, EdgeKind, EntityRef>, EdgeStats> got_edges;
    for (const GraphDelta::EdgeEntry& edge : delta.edges()) {
      // Both ends are entries of this delta.
      REQUIRE(addresses.count(edge.src) == 1);
      REQUIRE(addresses.count(edge.dst) == 1);
      REQUIRE(got_edges.emplace(std::make_tuple(edge.src->ref(), edge.kind, edge.dst->ref()), edge.stats).second);
    }
    REQUIRE(got_edges == want_edges);
  };
  GraphDelta d;
  fill(d, 0, ops.size());
  REQUIRE(d.entities().size() > 2 * delta_detail::StableVector<Entity>::kChunk);
  REQUIRE(d.edges().size() > 1024);
  check(d);

  GraphDelta moved(std::move(d));
  check(moved);
  REQUIRE(d.empty());
  REQUIRE(d.ApproxBytes() == 0);
  // The moved-from delta builds its own entries, not the new owner's.
  d.AddEdge(pool[0], EdgeKind::kCalledFrom, pool[1], EdgeObservation{1700000000, 1, "r"});
  REQUIRE(d.entities().size() == 2);
  for (const GraphDelta::EdgeEntry& edge : d.edges()) {
    for (const Entity& e : moved.entities()) REQUIRE(edge.src != &e);
  }
  check(moved);
  d.Clear();
  d.AddEdge(pool[2], EdgeKind::kCalledFrom, pool[3], EdgeObservation{1700000000, 1, "r"});
  REQUIRE(d.entities().size() == 2);
  REQUIRE(d.edges().size() == 1);
  // A cleared delta reuses its storage and builds the same result again; a
  // delta moved (into one that held entries) mid-way goes on from where the
  // old owner stopped, its lookup memo and bucket pointers included.
  moved.Clear();
  REQUIRE(moved.empty());
  fill(moved, 0, ops.size() / 2);
  d = std::move(moved);
  REQUIRE(moved.empty());
  fill(d, ops.size() / 2, ops.size());
  check(d);
  fill(moved, 0, ops.size());
  check(moved);
}
