#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <rapidjson/document.h>

#include "gumshoe/memory_store.h"
#include "gumshoe/normalize.h"
#include "ingest/parser_test_util.h"
#include "ingest/test_context.h"
#include "registry.h"

namespace gumshoe::ingest {
namespace {

using testing::TestContext;

using testing::Counter;
using testing::CountEdges;
using testing::Eni;
using testing::FeedJsonLines;
using testing::FindEdge;
using testing::Instance;
using testing::Ip;
using testing::Ok;
using testing::ReadFile;
using testing::Rejected;

std::unique_ptr<FileParser> NewParser() {
  return NewGuardDutyIngestor()->NewParser(FileInfo{"findings.jsonl", true}, IngestOptions{});
}

EntityRef Ref(EntityKind kind, std::string_view raw) {
  Result<std::string> key = NormalizeKey(kind, raw);
  REQUIRE(key.ok());
  return EntityRef{kind, *key};
}

Entity MustFind(const GraphReader& r, const EntityRef& ref) {
  auto e = r.Find(ref);
  REQUIRE(e.ok());
  REQUIRE(e->has_value());
  return **e;
}

std::string AttrOf(const Entity& e, std::string_view name) {
  const std::string* v = e.Attr(name);
  return v == nullptr ? "<absent>" : *v;
}

const EntityRef kMining = {EntityKind::kFinding, "a1b2c3d4e5f60718293a4b5c6d7e8f90"};

TEST_CASE("GuardDuty: findings, updates and the entities they involve", "[ingest][guardduty]") {
  TestContext ctx("findings.jsonl");
  auto parser = NewParser();
  FeedJsonLines(*parser, ctx, ReadFile(GUMSHOE_TEST_DATA "/guardduty/findings.jsonl"));
  CHECK(Ok(ctx) == 6);
  CHECK(ctx.duplicates == 1);
  CHECK(ctx.reject_lines["missing_id"] == std::set<uint64_t>{8});
  CHECK(ctx.reject_lines["bad_time"] == std::set<uint64_t>{9});
  CHECK(ctx.reject_lines["bad_json"] == std::set<uint64_t>{10});

  MemoryStore store;
  REQUIRE(store.Apply(ctx.delta_).ok());

  SECTION("an update refreshes the finding instead of duplicating it") {
    size_t findings = 0;
    REQUIRE(store.ScanEntities(EntityKind::kFinding, [&](const Entity&) {
                   ++findings;
                   return true;
                 }).ok());
    CHECK(findings == 5);
    Entity f = MustFind(store, kMining);
    CHECK(AttrOf(f, "type") == "CryptoCurrency:EC2/BitcoinTool.B!DNS");
    CHECK(AttrOf(f, "count") == "7");
    CHECK(AttrOf(f, "severity") == "8.5");
    CHECK(AttrOf(f, "severity_band") == "high");
    CHECK(AttrOf(f, "updated_at") == "2023-11-15T04:20:00Z");
    CHECK(AttrOf(f, "first_seen") == "2023-11-14T22:15:01Z");
    CHECK(AttrOf(f, "last_seen") == "2023-11-15T04:00:00Z");
    CHECK(AttrOf(f, "account") == "111122223333");
    CHECK(AttrOf(f, "region") == "us-east-1");
    CHECK(AttrOf(f, "title") == "Bitcoin-related domain name queried by EC2 instance i-0eeeeeeeeeeeeeee1.");
    CHECK(f.first_seen == 1700000101);  // eventFirstSeen
  }

  SECTION("instance findings involve the instance, its interfaces and addresses") {
    EntityRef instance = {EntityKind::kEc2Instance, "i-0eeeeeeeeeeeeeee1"};
    auto e = FindEdge(store, kMining, EdgeKind::kInvolves, instance);
    REQUIRE(e);
    CHECK(Counter(*e, "foothold") > 0);
    CHECK(Counter(*e, "role:resource") > 0);
    EntityRef eni = {EntityKind::kNetworkInterface, "eni-0eeeeeeeeeeeeeee1"};
    CHECK(FindEdge(store, kMining, EdgeKind::kInvolves, eni));
    for (const char* ip : {"10.0.9.9", "10.0.9.19", "198.51.100.99", "2001:db8::99"}) {
      auto local = FindEdge(store, kMining, EdgeKind::kInvolves, Ip(ip));
      REQUIRE(local);
      CHECK(Counter(*local, "role:local") > 0);
      CHECK(Counter(*local, "foothold") == 0);
      CHECK(FindEdge(store, eni, EdgeKind::kAssignedIp, Ip(ip)));
    }
    CHECK(FindEdge(store, instance, EdgeKind::kHasInterface, eni));
    auto domain = FindEdge(store, kMining, EdgeKind::kInvolves, Ref(EntityKind::kDomain, "pool.minexmr.example"));
    REQUIRE(domain);
    CHECK(Counter(*domain, "role:remote") > 0);
    CHECK(FindEdge(store, kMining, EdgeKind::kInvolves, Ref(EntityKind::kThreatList, "ProofPoint")));
    CHECK(AttrOf(MustFind(store, instance), "instance_profile_arn") ==
          "arn:aws:iam::111122223333:instance-profile/batch-worker");
  }

  SECTION("port probes: remote IPs with asn as number or string") {
    EntityRef probe = {EntityKind::kFinding, "b2c3d4e5f60718293a4b5c6d7e8f90a1"};
    auto r1 = FindEdge(store, probe, EdgeKind::kInvolves, Ip("203.0.113.50"));
    REQUIRE(r1);
    CHECK(Counter(*r1, "role:remote") == 1);
    Entity ip1 = MustFind(store, Ip("203.0.113.50"));
    CHECK(AttrOf(ip1, "asn") == "17877");
    CHECK(AttrOf(ip1, "asn_org") == "Example Telecom");
    CHECK(AttrOf(ip1, "country") == "Exampleland");
    CHECK(AttrOf(ip1, "city") == "Sampleton");
    CHECK(AttrOf(MustFind(store, Ip("203.0.113.51")), "asn") == "64500");
    CHECK(AttrOf(MustFind(store, Ip("203.0.113.51")), "country") == "EX");
    // Free-form additionalInfo.
    CHECK(FindEdge(store, probe, EdgeKind::kInvolves, Ref(EntityKind::kThreatList, "ProofPoint")));
    CHECK(AttrOf(MustFind(store, probe), "threat_name") == "Scanner");
    CHECK(AttrOf(MustFind(store, probe), "severity_band") == "low");
  }

  SECTION("access-key findings: the key and its principal are the foothold") {
    EntityRef tor = {EntityKind::kFinding, "c3d4e5f60718293a4b5c6d7e8f90a1b2"};
    EntityRef key = {EntityKind::kAccessKey, "AKIAEXAMPLEKEY000001"};
    EntityRef user = Ref(EntityKind::kIamUser, "arn:aws:iam::111122223333:user/carol");
    auto k = FindEdge(store, tor, EdgeKind::kInvolves, key);
    REQUIRE(k);
    CHECK(Counter(*k, "foothold") == 1);
    auto u = FindEdge(store, tor, EdgeKind::kInvolves, user);
    REQUIRE(u);
    CHECK(Counter(*u, "foothold") == 1);
    CHECK(Counter(*u, "role:actor") == 1);
    CHECK(FindEdge(store, key, EdgeKind::kCredentialOf, user));
    auto ip = FindEdge(store, tor, EdgeKind::kInvolves, Ip("192.0.2.66"));
    REQUIRE(ip);
    CHECK(Counter(*ip, "foothold") == 0);
    CHECK(AttrOf(MustFind(store, Ip("192.0.2.66")), "asn") == "64501");
    CHECK(FindEdge(store, tor, EdgeKind::kInvolves, Ref(EntityKind::kS3Bucket, "finance-reports")));
    CHECK(FindEdge(store, tor, EdgeKind::kInvolves, Ref(EntityKind::kApiCall, "s3.amazonaws.com:ListBuckets")));
    CHECK(AttrOf(MustFind(store, tor), "severity_band") == "medium");
  }

  SECTION("RDS findings: instance, DB users (LoginAttributes casing), remote IP") {
    EntityRef rds = {EntityKind::kFinding, "d4e5f60718293a4b5c6d7e8f90a1b2c3"};
    EntityRef db = Ref(EntityKind::kRdsInstance, "Orders-DB");
    CHECK(FindEdge(store, rds, EdgeKind::kInvolves, db));
    EntityRef admin = Ref(EntityKind::kDbUser, db.key + "/app_admin");
    EntityRef root = Ref(EntityKind::kDbUser, db.key + "/root");
    auto a = FindEdge(store, rds, EdgeKind::kInvolves, admin);
    REQUIRE(a);
    CHECK(Counter(*a, "foothold") == 1);
    auto r = FindEdge(store, rds, EdgeKind::kInvolves, root);
    REQUIRE(r);
    CHECK(Counter(*r, "role:target") == 1);
    CHECK(Counter(*r, "foothold") == 0);
    CHECK(FindEdge(store, root, EdgeKind::kDbUserOf, db));
    CHECK(FindEdge(store, rds, EdgeKind::kInvolves, Ip("192.0.2.77")));
  }

  SECTION("network connections: remote and local addresses") {
    EntityRef c2 = {EntityKind::kFinding, "e5f60718293a4b5c6d7e8f90a1b2c3d4"};
    auto remote = FindEdge(store, c2, EdgeKind::kInvolves, Ip("192.0.2.201"));
    REQUIRE(remote);
    CHECK(Counter(*remote, "role:remote") == 1);
    auto local = FindEdge(store, c2, EdgeKind::kInvolves, Ip("10.0.9.9"));
    REQUIRE(local);
    CHECK(Counter(*local, "role:local") == 1);
  }
}

TEST_CASE("GuardDuty: EventBridge envelope and GetFindings wrapper", "[ingest][guardduty]") {
  TestContext ctx;
  for (const char* file : {"/guardduty/eventbridge.json", "/guardduty/get_findings.json"}) {
    std::string text = ReadFile(std::string(GUMSHOE_TEST_DATA) + file);
    rapidjson::Document doc;
    doc.Parse(text.c_str(), text.size());
    REQUIRE_FALSE(doc.HasParseError());
    auto parser = NewParser();
    parser->OnJson(doc, ctx);
  }
  CHECK(ctx.begun == 4);
  CHECK(ctx.duplicates == 1);  // the EventBridge copy and the GetFindings copy are one version
  CHECK(ctx.rejects.empty());
  MemoryStore store;
  REQUIRE(store.Apply(ctx.delta_).ok());
  CHECK(FindEdge(store, kMining, EdgeKind::kInvolves, EntityRef{EntityKind::kEc2Instance, "i-0eeeeeeeeeeeeeee1"}));
}

TEST_CASE("GuardDuty: sniffing", "[ingest][guardduty]") {
  auto ingestor = NewGuardDutyIngestor();
  CHECK(ingestor->Sniff("x.json", "{\"version\":\"0\",\"detail-type\":\"GuardDuty Finding\"") >= 90);
  CHECK(ingestor->Sniff("x.json", "{\"Records\":[{\"eventVersion\":\"1.08\"") == 0);
}

TEST_CASE("GuardDuty: real Panther sample", "[ingest][guardduty][shared]") {
  const std::string dir = GUMSHOE_SOURCE_DIR "/../shared/datasets";
  // [shared]: the public datasets must be beside the repository (scripts/test.sh checks).
  REQUIRE(std::filesystem::exists(dir));
  TestContext ctx("AWS_GuardDuty.jsonl");
  auto parser = NewParser();
  FeedJsonLines(*parser, ctx, ReadFile(dir + "/panther-rule-test-fixtures/AWS_GuardDuty.jsonl"));
  CHECK(ctx.begun + Rejected(ctx) == 8);
  CHECK(Rejected(ctx) == 0);
  MemoryStore store;
  REQUIRE(store.Apply(ctx.delta_).ok());
  Entity f = MustFind(store, EntityRef{EntityKind::kFinding, "8c258d654378414b9bc26f61a93eb816"});
  CHECK(AttrOf(f, "severity_band") == "critical");
}

}  // namespace
}  // namespace gumshoe::ingest
