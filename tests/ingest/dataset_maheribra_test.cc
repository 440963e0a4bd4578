// The story of ../shared/datasets/maheribra-pacu-role-s3-exfil, as assertions.
// Expected values were read from the raw delivery files (zcat | jq): IAM user
// aws-attack-chain-lab-attacker, long-term key AKIAUACFUVW5KPPHDGME, calls
// AssumeRole on aws-attack-chain-lab-vulnerable-role five times:
//   09:15:30Z d83abd85 -> ASIAUACFUVW5DAIWYKM7  session attack-chain-pacu-test  from 212.129.74.137
//   11:43:10Z b5c962b3 -> ASIAUACFUVW5JEPUN2CK  session attack-chain-pacu-test  from 212.129.81.36
//   11:44:16Z cd2b9667 -> ASIAUACFUVW5LTQNYWNM  session attack-chain-pacu-test  from 212.129.81.36
//   11:45:13Z 4ae6ed39 -> ASIAUACFUVW5HYGIKGYL  session attack-chain-pacu-test  from 212.129.81.36
//   11:48:39Z 70dff8a0 -> ASIAUACFUVW5ALWCP7NT  session botocore-session-1785239315 from 212.129.81.36
// and the last session reads the sensitive object at 11:50:57Z (dd5c2904).
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>

#include "gumshoe/ingest.h"
#include "gumshoe/investigate.h"
#include "gumshoe/lineage.h"
#include "gumshoe/memory_store.h"
#include "gumshoe/pivot.h"
#include "gumshoe/resource_touch.h"
#include "gumshoe/time_util.h"
#include "ingest/cloudtrail_fixture.h"

namespace gumshoe {
namespace {

const std::string kDir = std::string(GUMSHOE_SOURCE_DIR) + "/../shared/datasets/maheribra-pacu-role-s3-exfil/raw";
const std::string kAcct = "275023965626";
const EntityRef kUser{EntityKind::kIamUser, "arn:aws:iam::275023965626:user/aws-attack-chain-lab-attacker"};
const EntityRef kUserKey{EntityKind::kAccessKey, "AKIAUACFUVW5KPPHDGME"};
const EntityRef kRole{EntityKind::kIamRole, "arn:aws:iam::275023965626:role/aws-attack-chain-lab-vulnerable-role"};
const EntityRef kPacuSession{EntityKind::kRoleSession,
                             "arn:aws:sts::275023965626:assumed-role/aws-attack-chain-lab-vulnerable-role/"
                             "attack-chain-pacu-test"};
const EntityRef kExfilSession{EntityKind::kRoleSession,
                              "arn:aws:sts::275023965626:assumed-role/aws-attack-chain-lab-vulnerable-role/"
                              "botocore-session-1785239315"};

MemoryStore& Store() {
  static MemoryStore* store = [] {
    REQUIRE(std::filesystem::is_directory(kDir));
    auto* s = new MemoryStore;
    IngestOptions options;
    options.source = "cloudtrail";
    Result<IngestStats> stats = Ingest(*s, {kDir}, options);
    REQUIRE(stats.ok());
    INFO(stats->ToJson());
    CHECK(stats->records_ok == 689);
    CHECK(stats->rejected == 0);
    CHECK(stats->file_errors.empty());
    return s;
  }();
  return *store;
}

const LineageLink* LinkTo(const LineageResult& r, const EntityRef& from, const EntityRef& to) {
  for (const LineageLink& l : r.links)
    if (r.nodes[l.from].entity.ref() == from && r.nodes[l.to].entity.ref() == to) return &l;
  return nullptr;
}

const PivotDerivedGroup* Derived(const PivotResult& r, const std::string& name) {
  for (const PivotDerivedGroup& g : r.derived)
    if (g.name == name) return &g;
  return nullptr;
}

Timestamp T(const char* iso) { return *ParseIsoTime(iso); }

TEST_CASE("Dataset maheribra: the exfiltrating session key goes back to the attacker's long-term key",
          "[ingest][dataset][shared]") {
  MemoryStore& store = Store();
  auto res = Lineage(store, {EntityKind::kAccessKey, "ASIAUACFUVW5ALWCP7NT"}, LineageOptions{});
  REQUIRE(res.ok());
  const LineageLink* mint = LinkTo(*res, {EntityKind::kAccessKey, "ASIAUACFUVW5ALWCP7NT"}, kUserKey);
  REQUIRE(mint != nullptr);
  CHECK(mint->edge == EdgeKind::kMinted);
  CHECK(mint->event_id == "cloudtrail:70dff8a0-9ea1-45a2-95e9-7ae83a9861ec");
  CHECK(mint->time == T("2026-07-28T11:48:39Z"));
  CHECK(mint->source_ip == "212.129.81.36");
  const LineageLink* owner = LinkTo(*res, kUserKey, kUser);
  REQUIRE(owner != nullptr);
  CHECK(owner->edge == EdgeKind::kCredentialOf);
  REQUIRE(res->Roots().size() == 1);
  const LineageNode& root = res->nodes[res->Roots()[0]];
  CHECK(root.entity.ref() == kUser);
  CHECK(root.root == LineageRoot::kIamUserKey);
  CHECK(root.note == "IAM user with long-term key AKIAUACFUVW5KPPHDGME; its creation was not observed");
  CHECK_FALSE(res->nodes[0].console_sign_in);
}

TEST_CASE("Dataset maheribra: the user's pivot lists the role it assumed and the two sessions",
          "[ingest][dataset][shared][pivot]") {
  MemoryStore& store = Store();
  auto r = Pivot(store, kUser, PivotOptions{});
  REQUIRE(r.ok());
  const PivotDerivedGroup* roles = Derived(*r, "roles_assumed");
  REQUIRE(roles != nullptr);
  REQUIRE(roles->items.size() == 1);
  const PivotDerivedItem& role = roles->items[0];
  CHECK(role.entity == kRole);
  CHECK(role.count == 5);
  CHECK(role.first_seen == T("2026-07-28T09:15:30Z"));
  CHECK(role.last_seen == T("2026-07-28T11:48:39Z"));
  CHECK(role.first_evidence == "cloudtrail:d83abd85-1dc7-41b7-84a1-74490cc3abad");
  CHECK(role.last_evidence == "cloudtrail:70dff8a0-9ea1-45a2-95e9-7ae83a9861ec");
  CHECK(role.keys == std::vector<std::string>{"AKIAUACFUVW5KPPHDGME"});
  CHECK(role.related == std::vector<EntityRef>{kPacuSession, kExfilSession});

  const PivotDerivedGroup* sessions = Derived(*r, "sessions_started");
  REQUIRE(sessions != nullptr);
  REQUIRE(sessions->items.size() == 2);
  CHECK(sessions->items[0].entity == kPacuSession);
  CHECK(sessions->items[0].count == 4);
  CHECK(sessions->items[0].first_seen == T("2026-07-28T09:15:30Z"));
  CHECK(sessions->items[0].last_seen == T("2026-07-28T11:45:13Z"));
  CHECK(sessions->items[0].last_evidence == "cloudtrail:4ae6ed39-d7b2-4f7a-b489-349328e290ea");
  CHECK(sessions->items[1].entity == kExfilSession);
  CHECK(sessions->items[1].count == 1);
  CHECK(sessions->items[1].first_evidence == "cloudtrail:70dff8a0-9ea1-45a2-95e9-7ae83a9861ec");

  auto role_pivot = Pivot(store, kRole, PivotOptions{});
  REQUIRE(role_pivot.ok());
  const PivotDerivedGroup* by = Derived(*role_pivot, "assumed_by");
  REQUIRE(by != nullptr);
  REQUIRE(by->items.size() == 1);
  CHECK(by->items[0].entity == kUser);
  CHECK(by->items[0].count == 5);
}

TEST_CASE("Dataset maheribra: descendants of the attacker's key are the five session keys and their sessions",
          "[ingest][dataset][shared][descendants]") {
  MemoryStore& store = Store();
  LineageOptions fwd;
  fwd.descendants = true;
  auto down = Lineage(store, kUserKey, fwd);
  REQUIRE(down.ok());
  const std::pair<const char*, const char*> mints[] = {
      {"ASIAUACFUVW5DAIWYKM7", "cloudtrail:d83abd85-1dc7-41b7-84a1-74490cc3abad"},
      {"ASIAUACFUVW5JEPUN2CK", "cloudtrail:b5c962b3-0bd9-4dac-a634-6435a13e20aa"},
      {"ASIAUACFUVW5LTQNYWNM", "cloudtrail:cd2b9667-cd23-4455-904e-7a2e45adc7dc"},
      {"ASIAUACFUVW5HYGIKGYL", "cloudtrail:4ae6ed39-d7b2-4f7a-b489-349328e290ea"},
      {"ASIAUACFUVW5ALWCP7NT", "cloudtrail:70dff8a0-9ea1-45a2-95e9-7ae83a9861ec"},
  };
  for (const auto& [key, event] : mints) {
    INFO(key);
    const LineageLink* l = LinkTo(*down, kUserKey, {EntityKind::kAccessKey, key});
    REQUIRE(l != nullptr);
    CHECK(l->edge == EdgeKind::kMinted);
    CHECK(l->event_id == event);
  }
  CHECK(LinkTo(*down, {EntityKind::kAccessKey, "ASIAUACFUVW5ALWCP7NT"}, kExfilSession) != nullptr);
  CHECK(LinkTo(*down, {EntityKind::kAccessKey, "ASIAUACFUVW5DAIWYKM7"}, kPacuSession) != nullptr);
  // Keys, sessions and the start: nothing else was minted or created.
  CHECK(down->nodes.size() == 1 + 5 + 2);
}

TEST_CASE("Dataset maheribra: from the sensitive bucket, who read it and that credential's lineage",
          "[ingest][dataset][shared][resource]") {
  MemoryStore& store = Store();
  const EntityRef bucket{EntityKind::kS3Bucket, "aws-attack-chain-lab-sensitive-a4d694d045bb26b29bc1375294"};
  const EntityRef exfil_key{EntityKind::kAccessKey, "ASIAUACFUVW5ALWCP7NT"};
  auto t = TouchesOf(store, bucket, TimeWindow{});
  REQUIRE(t.ok());
  REQUIRE(t->touches.size() == 1);  // one GetObject, 11:50:57Z
  const ResourceTouch& read = t->touches[0];
  CHECK(read.actor == kExfilSession);
  CHECK(read.edge == EdgeKind::kRead);
  CHECK(read.window_count == 1);
  CHECK(read.first_seen == T("2026-07-28T11:50:57Z"));
  CHECK(read.first_evidence == "cloudtrail:dd5c2904-cb49-42b1-abf7-bf37cef29a29");
  CHECK(read.from == std::vector<EntityRef>{{EntityKind::kIpAddress, "212.129.81.36"}});
  CHECK(read.credentials == std::vector<EntityRef>{exfil_key});
  // What was taken: the one object, with the bytes the record says went out.
  auto edge = ingest::ct_fixture::FindEdge(store, kExfilSession, EdgeKind::kRead, bucket);
  REQUIRE(edge);
  CHECK(ingest::ct_fixture::CounterOf(*edge, "op:GetObject") == 1);
  CHECK(ingest::ct_fixture::CounterOf(*edge, "object:confidential/simulated-sensitive-data.txt") == 1);
  CHECK(ingest::ct_fixture::CounterOf(*edge, "object_bytes:confidential/simulated-sensitive-data.txt") == 453);
  CHECK(ingest::ct_fixture::CounterOf(*edge, "bytes_out") == 453);
  int objects = 0;
  for (const auto& [name, v] : edge->counters) objects += name.rfind("object:", 0) == 0;
  CHECK(objects == 1);

  auto inv = Investigate(store, bucket, InvestigateOptions{});
  REQUIRE(inv.ok());
  const CredentialLineage* of_key = nullptr;
  for (const CredentialLineage& l : inv->lineages)
    if (l.credential == exfil_key) of_key = &l;
  REQUIRE(of_key != nullptr);
  REQUIRE(of_key->lineage);
  REQUIRE(of_key->lineage->Roots().size() == 1);
  CHECK(of_key->lineage->nodes[of_key->lineage->Roots()[0]].entity.ref() == kUser);
  CHECK(LinkTo(*of_key->lineage, exfil_key, kUserKey)->event_id == "cloudtrail:70dff8a0-9ea1-45a2-95e9-7ae83a9861ec");
}

}  // namespace
}  // namespace gumshoe
