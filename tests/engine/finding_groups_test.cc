#include <catch2/catch.hpp>

#include "engine/incident_fixtures.h"
#include "gumshoe/finding_groups.h"
#include "gumshoe/memory_store.h"

using namespace gumshoe;
using namespace gumshoe::testing;

TEST_CASE("FindingGroups: findings sharing an external IP within 48 h form one group", "[engine][finding_groups]") {
  MemoryStore store;
  REQUIRE(BuildCoinMining(store).ok());
  REQUIRE(BuildS3Exfil(store).ok());
  REQUIRE(BuildRdsBruteForce(store).ok());
  auto r = FindingGroups(store, FindingGroupOptions{});
  REQUIRE(r.ok());
  REQUIRE(r->groups.size() == 3);
  const FindingGroup* exfil = r->GroupOf(kExfilFinding);
  REQUIRE(exfil);
  CHECK(exfil == r->GroupOf(kExfilRecon));
  CHECK(exfil->findings.size() == 2);
  CHECK(exfil->findings[0].entity.ref() == kExfilRecon);  // by first seen
  CHECK(exfil->severity == 8.5);
  CHECK(exfil->severity_band == "high");
  CHECK(exfil->tying == std::vector<EntityRef>{kKaliIp});
  CHECK(exfil->first_seen == T("2026-04-01T20:00:00Z"));
  CHECK(exfil->last_seen == T("2026-04-02T15:30:00Z"));
  // Severity desc: the 8.5 group first.
  CHECK(&r->groups[0] == exfil);
  const FindingGroup* coin = r->GroupOf(kCoinFinding);
  REQUIRE(coin);
  CHECK(coin->findings.size() == 1);
  CHECK(coin->findings[0].type == "CryptoCurrency:EC2/BitcoinTool.B!DNS");
  CHECK(coin->findings[0].affected == std::vector<EntityRef>{kMinerUse1});
  const FindingGroup* rds = r->GroupOf(kBruteFinding);
  REQUIRE(rds);
  CHECK(rds->findings[0].source == "gumshoe");
  CHECK(rds->findings[0].severity == 8);

  Subgraph g = exfil->ToSubgraph();
  bool tie_emphasised = false;
  for (const auto& n : g.nodes) tie_emphasised |= n.entity.ref() == kKaliIp && n.emphasis == Emphasis::kCompromise;
  CHECK(tie_emphasised);
}

TEST_CASE("FindingGroups: 48 h apart, trivial kinds and super-nodes do not join", "[engine][finding_groups]") {
  MemoryStore store;
  GraphDelta d;
  EntityRef key = Key("AKIAEXAMPLESHARED001");
  EntityRef busy_ip = Ip("52.94.1.1");
  EntityRef bucket = Bucket("shared-logs");
  EntityRef f1 = Finding("f1"), f2 = Finding("f2"), f3 = Finding("f3"), f4 = Finding("f4");
  AddFinding(d, f1, "Recon:IAMUser/MaliciousIPCaller", "2", T("2026-06-01T00:00:00Z"), T("2026-06-01T01:00:00Z"));
  AddFinding(d, f2, "Recon:IAMUser/MaliciousIPCaller", "5", T("2026-06-05T00:00:00Z"), T("2026-06-05T01:00:00Z"));
  AddFinding(d, f3, "UnauthorizedAccess:EC2/SSHBruteForce", "2", T("2026-06-05T02:00:00Z"), T("2026-06-05T03:00:00Z"));
  AddFinding(d, f4, "Policy:S3/BucketBlockPublicAccessDisabled", "2", T("2026-06-05T02:00:00Z"),
             T("2026-06-05T03:00:00Z"));
  Involves(d, f1, key, T("2026-06-01T00:00:00Z"), true);
  Involves(d, f2, key, T("2026-06-05T00:00:00Z"), true);  // 4 days later: no join
  Involves(d, f2, busy_ip, T("2026-06-05T00:00:00Z"), false);
  Involves(d, f3, busy_ip, T("2026-06-05T02:00:00Z"), false);  // super-node: no join
  Involves(d, f3, bucket, T("2026-06-05T02:00:00Z"), false);
  Involves(d, f4, bucket, T("2026-06-05T02:00:00Z"), false);  // buckets do not tie
  for (int i = 0; i < 30; ++i)
    d.AddEdge(Instance("i-0" + std::to_string(100 + i)), EdgeKind::kNetworkFlow, busy_ip,
              {T("2026-06-05T00:00:00Z"), +1, "flows.log:1"});
  REQUIRE(store.Apply(d).ok());
  FindingGroupOptions options;
  options.super_node_degree = 20;
  auto r = FindingGroups(store, options);
  REQUIRE(r.ok());
  CHECK(r->groups.size() == 4);
  CHECK(r->super_nodes == std::vector<EntityRef>{busy_ip});
  CHECK(r->groups[0].findings[0].entity.ref() == f2);  // severity 5 first
  // Within 48 h the key joins them.
  options.join_window = 5 * 86400;
  auto wide = FindingGroups(store, options);
  REQUIRE(wide.ok());
  CHECK(wide->groups.size() == 3);
  CHECK(wide->GroupOf(f1) == wide->GroupOf(f2));
  CHECK(wide->GroupOf(f1)->severity == 5);
  CHECK(wide->GroupOf(f1)->tying == std::vector<EntityRef>{key});
}

TEST_CASE("ListFindings: window overlap and finding fields", "[engine][finding_groups]") {
  MemoryStore store;
  REQUIRE(BuildS3Exfil(store).ok());
  auto all = ListFindings(store, TimeWindow{});
  REQUIRE(all.ok());
  REQUIRE(all->size() == 2);
  CHECK((*all)[1].entity.ref() == kExfilFinding);
  CHECK((*all)[1].affected == std::vector<EntityRef>{kReaderSession, kReaderKey});
  CHECK((*all)[1].involved.size() == 4);
  CHECK((*all)[1].title == "Finding Exfiltration:S3/AnomalousBehavior");
  auto day2 = ListFindings(store, TimeWindow{T("2026-04-02T00:00:00Z"), T("2026-04-03T00:00:00Z")});
  REQUIRE(day2.ok());
  REQUIRE(day2->size() == 1);
  CHECK(SeverityBand(9.1) == "critical");
  CHECK(SeverityBand(3.9) == "low");
  auto missing = ReadFinding(store, Finding("nope"));
  CHECK(missing.status().code() == Status::Code::kNotFound);
}
