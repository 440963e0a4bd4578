// Resource-centred questions from the resources of CloudTrail's event table
// (a secret, a trail): who touched it, when, from where, with which
// credential; timeline, blast radius and investigate started from one. The
// records are the stolen-key incident (tests/data/incidents/stolen_key),
// ingested as the CLI does.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "gumshoe/blast_radius.h"
#include "gumshoe/ingest.h"
#include "gumshoe/investigate.h"
#include "gumshoe/memory_store.h"
#include "gumshoe/resource_touch.h"
#include "gumshoe/time_util.h"
#include "gumshoe/timeline.h"

namespace gumshoe {
namespace {

const std::string kDir = std::string(GUMSHOE_TEST_DATA) + "/incidents/stolen_key/cloudtrail.json";
const EntityRef kBuildBot{EntityKind::kIamUser, "arn:aws:iam::111122223333:user/build-bot"};
const EntityRef kSecOps{EntityKind::kIamUser, "arn:aws:iam::111122223333:user/secops"};
const EntityRef kStolenKey{EntityKind::kAccessKey, "AKIAEXAMPLESTOLEN001"};
const EntityRef kDbPassword{EntityKind::kSecret, "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-password-Ab12Cd"};
const EntityRef kRootCa{EntityKind::kSecret, "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/root-ca-Mn78Op"};
const EntityRef kTrail{EntityKind::kCloudTrailTrail, "arn:aws:cloudtrail:us-east-1:111122223333:trail/org-trail"};

Timestamp T(const char* iso) {
  auto t = ParseIsoTime(iso);
  REQUIRE(t.has_value());
  return *t;
}

MemoryStore& Store() {
  static MemoryStore* store = [] {
    auto* s = new MemoryStore;
    IngestOptions options;
    options.source = "cloudtrail";
    Result<IngestStats> stats = Ingest(*s, {kDir}, options);
    REQUIRE(stats.ok());
    INFO(stats->ToJson());
    REQUIRE(stats->records_ok == 19);
    REQUIRE(stats->rejected == 0);
    return s;
  }();
  return *store;
}

}  // namespace

TEST_CASE("Resource starts: the secrets, keys, snapshots and trails of the event table are resources",
          "[ingest][resource]") {
  for (EntityKind k : {EntityKind::kSecret, EntityKind::kSsmParameter, EntityKind::kKmsKey, EntityKind::kSecurityGroup,
                       EntityKind::kEbsSnapshot, EntityKind::kAmi, EntityKind::kRdsSnapshot,
                       EntityKind::kCloudTrailTrail, EntityKind::kFlowLog, EntityKind::kGuardDutyDetector,
                       EntityKind::kConfigRecorder, EntityKind::kEcsTask, EntityKind::kEcrRepository,
                       EntityKind::kAwsResource, EntityKind::kS3Bucket, EntityKind::kLambdaFunction}) {
    INFO(EntityKindName(k));
    CHECK(IsResourceKind(k));
  }
  // Principals, credentials and network entities are not.
  for (EntityKind k : {EntityKind::kIamUser, EntityKind::kRoleSession, EntityKind::kAccessKey, EntityKind::kIpAddress,
                       EntityKind::kAccount, EntityKind::kSsmCommand, EntityKind::kFinding}) {
    INFO(EntityKindName(k));
    CHECK_FALSE(IsResourceKind(k));
  }
}

TEST_CASE("Resource starts: from a secret, who read it, when, from where, with which key", "[ingest][resource]") {
  MemoryStore& store = Store();
  auto t = TouchesOf(store, kDbPassword, TimeWindow{});
  REQUIRE(t.ok());
  REQUIRE(t->touches.size() == 1);
  const ResourceTouch& read = t->touches[0];
  CHECK(read.actor == kBuildBot);
  CHECK(read.edge == EdgeKind::kRead);
  CHECK_FALSE(read.attempt_only);
  CHECK(read.window_count == 1);
  CHECK(read.first_seen == T("2024-03-10T10:01:00Z"));
  CHECK(read.first_evidence == "cloudtrail:30c5dedf-eb46-6928-6209-5335f66c8926");
  CHECK(read.from == std::vector<EntityRef>{{EntityKind::kIpAddress, "203.0.113.50"}});
  CHECK(read.credentials == std::vector<EntityRef>{kStolenKey});

  SECTION("a secret whose only read was denied was attempted, and involves no credential") {
    auto denied = TouchesOf(store, kRootCa, TimeWindow{});
    REQUIRE(denied.ok());
    REQUIRE(denied->touches.size() == 1);
    CHECK(denied->touches[0].actor == kBuildBot);
    CHECK(denied->touches[0].edge == EdgeKind::kAttempted);
    CHECK(denied->touches[0].attempt_only);
    CHECK(denied->Credentials().empty());
    std::string text = denied->ToText([](std::string_view s) { return std::string(s); }, "");
    CHECK(text.find("iam_user:arn:aws:iam::111122223333:user/build-bot attempted x1 in the window (all failed)") !=
          std::string::npos);
  }

  SECTION("timeline, blast radius and investigate from the secret") {
    TimelineOptions topt;
    auto tl = Timeline(store, kDbPassword, topt);
    REQUIRE(tl.ok());
    REQUIRE(tl->touches);
    bool read_by = false;
    for (const TimelineEntry& e : tl->entries) read_by |= e.category == "read_by" && e.item == kBuildBot;
    CHECK(read_by);

    BlastRadiusOptions bopt;
    bopt.include_resource_touchers = true;
    auto br = BlastRadius(store, kDbPassword, bopt);
    REQUIRE(br.ok());
    CHECK(br->footholds == std::vector<EntityRef>{kDbPassword, kBuildBot});

    auto inv = Investigate(store, kDbPassword, InvestigateOptions{});
    REQUIRE(inv.ok());
    REQUIRE(inv->touches);
    bool lineage_of_key = false;
    for (const CredentialLineage& l : inv->lineages) lineage_of_key |= l.credential == kStolenKey;
    CHECK(lineage_of_key);
    size_t reviews = 0;
    for (const ResponseAction& a : inv->checklist) {
      if (a.action != "review_access") continue;
      ++reviews;
      CHECK(a.evidence == "cloudtrail:30c5dedf-eb46-6928-6209-5335f66c8926");
      CHECK(a.text.find(" by build-bot (read x1 in the window") != std::string::npos);
    }
    CHECK(reviews == 1);
  }
}

TEST_CASE("Resource starts: from a trail, who stopped it and who started it again", "[ingest][resource]") {
  MemoryStore& store = Store();
  auto t = TouchesOf(store, kTrail, TimeWindow{});
  REQUIRE(t.ok());
  REQUIRE(t->touches.size() == 2);
  // Equal counts: ordered by actor.
  CHECK(t->touches[0].actor == kBuildBot);
  CHECK(t->touches[0].edge == EdgeKind::kDisabled);
  CHECK(t->touches[0].first_seen == T("2024-03-10T10:09:00Z"));
  CHECK(t->touches[0].first_evidence == "cloudtrail:b6dc5a8b-6452-2023-edac-a445ded483f5");
  CHECK(t->touches[1].actor == kSecOps);
  CHECK(t->touches[1].edge == EdgeKind::kEnabled);
  CHECK(t->touches[1].first_seen == T("2024-03-10T11:30:00Z"));
  CHECK(t->touches[1].first_evidence == "cloudtrail:297d6084-de89-df03-2b41-1ce4cb8fbf3e");
  CHECK(t->touches[1].credentials == std::vector<EntityRef>{{EntityKind::kAccessKey, "AKIAEXAMPLESECOPS001"}});

  // A window that ends before the trail was started again holds only the stop.
  auto before = TouchesOf(store, kTrail, TimeWindow{T("2024-03-10T10:00:00Z"), T("2024-03-10T10:59:59Z")});
  REQUIRE(before.ok());
  REQUIRE(before->touches.size() == 1);
  CHECK(before->touches[0].edge == EdgeKind::kDisabled);
}

}  // namespace gumshoe
