#include <catch2/catch.hpp>

#include "engine/incident_fixtures.h"
#include "gumshoe/blast_radius.h"
#include "gumshoe/memory_store.h"

using namespace gumshoe;
using namespace gumshoe::testing;

namespace {
std::vector<std::string> PathEvidence(const BlastNode& n) {
  std::vector<std::string> out;
  for (const BlastHop& h : n.path) out.push_back(h.evidence);
  return out;
}
std::vector<EdgeKind> PathEdges(const BlastNode& n) {
  std::vector<EdgeKind> out;
  for (const BlastHop& h : n.path) out.push_back(h.edge);
  return out;
}
}  // namespace

TEST_CASE("BlastRadius: coin-mining finding names every instance in all three regions", "[engine][blast_radius]") {
  MemoryStore store;
  REQUIRE(BuildCoinMining(store).ok());
  auto r = BlastRadius(store, kCoinFinding, BlastRadiusOptions{});
  REQUIRE(r.ok());
  // Default scope: the finding's first-last seen widened by 24 h.
  CHECK(r->window.since == T("2026-03-09T08:41:00Z"));
  CHECK(r->window.until == T("2026-03-11T11:30:00Z"));
  // The marked foothold, widened to the session that launched it.
  CHECK(r->footholds == std::vector<EntityRef>{kMinerUse1, kMinerSession});

  const BlastNode* use1 = r->Find(kMinerUse1);
  const BlastNode* euw1 = r->Find(kMinerEuw1);
  const BlastNode* apne1 = r->Find(kMinerApne1);
  REQUIRE(use1);
  REQUIRE(euw1);
  REQUIRE(apne1);
  CHECK(use1->foothold);
  CHECK(euw1->hop == 1);
  CHECK(euw1->first_touch == T("2026-03-10T08:33:47Z"));
  REQUIRE(euw1->path.size() == 1);
  CHECK(euw1->path[0].from == kMinerSession);
  CHECK(euw1->path[0].edge == EdgeKind::kLaunched);
  CHECK(euw1->path[0].evidence == "cloudtrail:ev-run-euw1");
  CHECK(PathEvidence(*apne1) == std::vector<std::string>{"cloudtrail:ev-run-apne1"});
  CHECK(*apne1->entity.Attr("region") == "ap-northeast-1");

  // Mining traffic: the pool IP through the us-east-1 instance's ENI.
  const BlastNode* pool = r->Find(kPoolIp);
  REQUIRE(pool);
  CHECK(pool->hop == 1);
  REQUIRE(pool->path.size() == 1);
  CHECK(pool->path[0].edge == EdgeKind::kNetworkFlow);
  CHECK(pool->path[0].via == "eni-0aa00000000000001");
  CHECK(pool->path[0].evidence == "vpcflow.log:10");
  const BlastNode* domain = r->Find(kPoolDomain);
  REQUIRE(domain);
  CHECK(domain->path[0].edge == EdgeKind::kQueried);
  CHECK(domain->path[0].evidence == "resolver.log:3");

  // Forward only: the backdoor user and the leaked key lie behind the foothold.
  CHECK(r->Find(kBackdoor) == nullptr);
  CHECK(r->Find(kLeakedKey) == nullptr);
  CHECK(r->Find(kDev) == nullptr);

  CHECK(r->summary.find("3 EC2 instances launched in 3 regions (ap-northeast-1, eu-west-1, us-east-1)") !=
        std::string::npos);
  // Ranking: footholds first, then by score.
  CHECK(r->nodes[0].foothold);
  CHECK(r->nodes[1].foothold);
  for (size_t i = 3; i < r->nodes.size(); ++i) CHECK(r->nodes[i - 1].score >= r->nodes[i].score);

  Subgraph g = r->ToSubgraph();
  CHECK(g.nodes.front().entity.ref() == kCoinFinding);
  CHECK(g.nodes.front().emphasis == Emphasis::kFocus);
  size_t launched = 0;
  for (const auto& e : g.edges)
    if (e.kind == EdgeKind::kLaunched && e.src == kMinerSession) ++launched;
  CHECK(launched == 2);  // the third instance is a foothold itself
}

TEST_CASE("BlastRadius: from the leaked key, the whole chain with evidence per hop", "[engine][blast_radius]") {
  MemoryStore store;
  REQUIRE(BuildCoinMining(store).ok());
  BlastRadiusOptions options;
  options.window = {T("2026-03-10T00:00:00Z"), T("2026-03-10T23:59:59Z")};
  auto r = BlastRadius(store, kLeakedKey, options);
  REQUIRE(r.ok());
  const BlastNode* backdoor = r->Find(kBackdoor);
  REQUIRE(backdoor);
  CHECK(backdoor->hop == 2);
  CHECK(PathEdges(*backdoor) == std::vector<EdgeKind>{EdgeKind::kCredentialOf, EdgeKind::kCreated});
  CHECK(backdoor->path[1].evidence == "cloudtrail:ev-createuser");
  CHECK(backdoor->first_touch == T("2026-03-10T08:05:40Z"));

  const BlastNode* apne1 = r->Find(kMinerApne1);
  REQUIRE(apne1);
  CHECK(apne1->hop == 5);
  CHECK(PathEdges(*apne1) == std::vector<EdgeKind>{EdgeKind::kCredentialOf, EdgeKind::kCreated, EdgeKind::kMinted,
                                                   EdgeKind::kCredentialOf, EdgeKind::kLaunched});
}

TEST_CASE("BlastRadius: walks forward in time only", "[engine][blast_radius]") {
  MemoryStore store;
  GraphDelta d;
  EntityRef a = User("a"), b = User("b");
  EntityRef before = Instance("i-0before"), after = Instance("i-0after");
  d.Touch(a, T("2026-01-01T09:00:00Z"));
  d.AddEdge(a, EdgeKind::kCreated, b, {T("2026-01-01T10:00:00Z"), +1, "cloudtrail:create-b"});
  d.AddEdge(b, EdgeKind::kLaunched, before, {T("2026-01-01T08:00:00Z"), +1, "cloudtrail:run-before"});
  d.AddEdge(b, EdgeKind::kLaunched, after, {T("2026-01-01T11:00:00Z"), +1, "cloudtrail:run-after"});
  REQUIRE(store.Apply(d).ok());
  BlastRadiusOptions options;
  options.window = {T("2026-01-01T00:00:00Z"), T("2026-01-02T00:00:00Z")};
  auto r = BlastRadius(store, a, options);
  REQUIRE(r.ok());
  REQUIRE(r->Find(b));
  REQUIRE(r->Find(after));
  CHECK(r->Find(after)->hop == 2);
  CHECK(r->Find(after)->path[1].evidence == "cloudtrail:run-after");
  // Launched before b existed as the attacker's: not reachable from a.
  CHECK(r->Find(before) == nullptr);
  // Out of the window entirely: nothing past the foothold.
  options.window = {T("2026-01-03T00:00:00Z"), T("2026-01-04T00:00:00Z")};
  auto late = BlastRadius(store, a, options);
  REQUIRE(late.ok());
  CHECK(late->nodes.size() == 1);
  CHECK(late->summary == "1 IAM user");
}

TEST_CASE("BlastRadius: S3 exfiltration reaches the bucket with its first read", "[engine][blast_radius]") {
  MemoryStore store;
  REQUIRE(BuildS3Exfil(store).ok());
  auto r = BlastRadius(store, kExfilFinding, BlastRadiusOptions{});
  REQUIRE(r.ok());
  CHECK(r->footholds == std::vector<EntityRef>{kReaderSession, kReaderKey});
  const BlastNode* bucket = r->Find(kExportsBucket);
  REQUIRE(bucket);
  CHECK(bucket->hop == 1);
  CHECK(bucket->path[0].from == kReaderSession);
  CHECK(bucket->path[0].edge == EdgeKind::kRead);
  CHECK(bucket->path[0].evidence == "cloudtrail:x-list");
  CHECK(bucket->first_touch == T("2026-04-02T14:02:00Z"));
  CHECK(bucket->volume == 251);
  // Data reads rank first among the reached entities.
  CHECK(r->nodes[2].entity.ref() == kExportsBucket);
  REQUIRE(r->Find(Role("data-reader")));
  CHECK(r->Find(Role("data-reader"))->path[0].edge == EdgeKind::kAssumedRole);
  // The analyst lies behind the foothold.
  CHECK(r->Find(kAnalyst) == nullptr);
}

TEST_CASE("BlastRadius: RDS brute force reaches the DB and what the DB user created, not failed logins",
          "[engine][blast_radius]") {
  MemoryStore store;
  REQUIRE(BuildRdsBruteForce(store).ok());
  auto r = BlastRadius(store, kBruteFinding, BlastRadiusOptions{});
  REQUIRE(r.ok());
  CHECK(r->footholds == std::vector<EntityRef>{kBruteIp, kDbAdmin});
  REQUIRE(r->Find(kProdDb));
  CHECK(r->Find(kProdDb)->path[0].edge == EdgeKind::kDbUserOf);
  REQUIRE(r->Find(kDbBackdoor));
  CHECK(r->Find(kDbBackdoor)->path[0].edge == EdgeKind::kDbAction);
  CHECK(r->Find(kDbBackdoor)->path[0].evidence == "postgresql.log:530");
  // 120 failed attempts against root reach nothing.
  CHECK(r->Find(kDbRoot) == nullptr);
}

TEST_CASE("BlastRadius: super-nodes are capped with an N-more summary", "[engine][blast_radius]") {
  MemoryStore store;
  GraphDelta d;
  EntityRef inst = Instance("i-0scanner");
  for (int i = 0; i < 150; ++i)
    d.AddEdge(inst, EdgeKind::kNetworkFlow, Ip("198.51.100." + std::to_string(i)),
              {T("2026-01-01T10:00:00Z") + i, +1, "flows.log:" + std::to_string(i), static_cast<uint64_t>(i + 1)});
  REQUIRE(store.Apply(d).ok());
  BlastRadiusOptions options;
  options.window = {T("2026-01-01T00:00:00Z"), T("2026-01-02T00:00:00Z")};
  options.max_fanout = 100;
  auto r = BlastRadius(store, inst, options);
  REQUIRE(r.ok());
  CHECK(r->nodes.size() == 101);
  REQUIRE(r->truncations.size() == 1);
  CHECK(r->truncations[0].omitted == 50);
  CHECK(r->truncations[0].note == "+50 more IP address via network_flow from ec2_instance:i-0scanner");
  // The busiest are kept.
  CHECK(r->Find(Ip("198.51.100.149")) != nullptr);
  CHECK(r->Find(Ip("198.51.100.0")) == nullptr);
  Subgraph g = r->ToSubgraph();
  bool collapsed = false;
  for (const auto& n : g.nodes) collapsed |= n.collapsed_count == 50;
  CHECK(collapsed);
}

TEST_CASE("BlastRadius: --edges restricts the walk, unknown start is NotFound", "[engine][blast_radius]") {
  MemoryStore store;
  REQUIRE(BuildCoinMining(store).ok());
  BlastRadiusOptions options;
  options.edge_kinds = {EdgeKind::kLaunched};
  auto r = BlastRadius(store, kCoinFinding, options);
  REQUIRE(r.ok());
  CHECK(r->Find(kMinerEuw1) != nullptr);
  CHECK(r->Find(kPoolIp) == nullptr);
  auto missing = BlastRadius(store, Finding("nope"), options);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().code() == Status::Code::kNotFound);
}

TEST_CASE("BlastRadius: from an entity, the default window runs forward past its last activity",
          "[engine][blast_radius]") {
  MemoryStore store;
  REQUIRE(BuildCoinMining(store).ok());
  // The leaked key's last call is CreateAccessKey at 08:07:15; the instances
  // are launched later through the session the backdoor user minted.
  auto r = BlastRadius(store, kLeakedKey, BlastRadiusOptions{});
  REQUIRE(r.ok());
  CHECK(r->window.since == T("2026-03-09T08:07:15Z"));
  CHECK(r->window.until == T("2026-03-17T08:07:15Z"));
  CHECK(r->Find(kBackdoor) != nullptr);
  for (const EntityRef& miner : {kMinerUse1, kMinerEuw1, kMinerApne1}) {
    const BlastNode* n = r->Find(miner);
    REQUIRE(n);
    CHECK(n->path.back().edge == EdgeKind::kLaunched);
  }

  // A given end is kept; so is the old behaviour with a zero horizon.
  BlastRadiusOptions pinned;
  pinned.forward_horizon = 0;
  auto old = BlastRadius(store, kLeakedKey, pinned);
  REQUIRE(old.ok());
  CHECK(old->window.until == T("2026-03-10T08:07:15Z"));
  CHECK(old->Find(kMinerApne1) == nullptr);
  BlastRadiusOptions given;
  given.window.until = T("2026-03-10T08:20:00Z");
  auto early = BlastRadius(store, kLeakedKey, given);
  REQUIRE(early.ok());
  CHECK(early->window.until == T("2026-03-10T08:20:00Z"));

  // No end at all: everything after the start.
  BlastRadiusOptions open_ended;
  open_ended.forward_horizon = -1;
  auto open = BlastRadius(store, kLeakedKey, open_ended);
  REQUIRE(open.ok());
  CHECK(open->window.until == kNoTime);
  CHECK(open->Find(kMinerApne1) != nullptr);
}
