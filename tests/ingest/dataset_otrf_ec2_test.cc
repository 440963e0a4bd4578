// End to end on ../shared/datasets/otrf-ec2-proxy-s3-exfil: instance-profile
// credentials of BankingWAFRole stolen through an SSRF proxy on
// i-0317f6c6b66ae9c40 and used from 1.2.3.4 to list the bucket
// mordors3stack-s3bucket-llp2yingx64a and copy ring.txt. Every expected value
// below was read off the 103 raw records (jq), not off gumshoe's output.
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>

#include "gumshoe/ingest.h"
#include "gumshoe/lineage.h"
#include "gumshoe/memory_store.h"
#include "gumshoe/time_util.h"
#include "ingest/cloudtrail_fixture.h"

namespace gumshoe::ingest {
namespace {

namespace fs = std::filesystem;
using namespace ct_fixture;

const std::string kFile = std::string(GUMSHOE_SOURCE_DIR) +
                          "/../shared/datasets/otrf-ec2-proxy-s3-exfil/ec2_proxy_s3_exfiltration_2020-09-14011940.json";
const std::string kRanges = std::string(GUMSHOE_SOURCE_DIR) + "/../shared/reference/aws-ip-ranges-2026-08-22.json";
const std::string kAcct = "123456789123";
const std::string kWaf = "MordorNginxStack-BankingWAFRole-9S3E0UAE1MM0";
const std::string kLog = "MordorLogCollectorStack-LogCollectorRole-1JJTG88NNY4KN";

EntityRef Key(const std::string& k) { return {EntityKind::kAccessKey, k}; }
EntityRef Role(const std::string& name) { return {EntityKind::kIamRole, "arn:aws:iam::" + kAcct + ":role/" + name}; }
EntityRef Session(const std::string& role, const std::string& name) {
  return {EntityKind::kRoleSession, "arn:aws:sts::" + kAcct + ":assumed-role/" + role + "/" + name};
}
EntityRef Instance(const std::string& id) { return {EntityKind::kEc2Instance, id}; }

TEST_CASE("Dataset otrf-ec2-proxy-s3-exfil: the stolen instance-profile key, its role, instance and ring.txt",
          "[ingest][cloudtrail][dataset][shared]") {
  REQUIRE(fs::exists(kFile));
  MemoryStore store;
  IngestOptions options;
  options.now = NowSeconds();
  auto stats = Ingest(store, {kFile}, options);
  REQUIRE(stats.ok());
  CHECK(stats->records_total == 103);
  CHECK(stats->records_ok == 103);  // no eventTime anywhere: Logstash's @timestamp dates them all
  std::string anomalies;
  for (const auto& [k, v] : stats->anomalies) anomalies += k + "=" + std::to_string(v) + " ";
  INFO("anomalies: " << anomalies);
  // The five AssumeRole calls by ec2.amazonaws.com have no assumedRoleUser.
  CHECK(stats->anomalies.count("cloudtrail.mint_without_session") == 0);

  const EntityRef ec2{EntityKind::kAwsService, "ec2.amazonaws.com"};
  const EntityRef waf_session = Session(kWaf, "i-0317f6c6b66ae9c40");
  const EntityRef log_session = Session(kLog, "i-044b1baf4c96e1b62");
  const EntityRef stolen = Key("ASIA5FLZVX4OPVKKVBMX");

  SECTION("five service mints: three for BankingWAFRole on one instance, two for LogCollectorRole on another") {
    CHECK(CountOut(store, ec2, EdgeKind::kMinted) == 5);
    for (const char* k : {"ASIA5FLZVX4OAET5K4P5", "ASIA5FLZVX4OO3RUSEX6", "ASIA5FLZVX4OPVKKVBMX"}) {
      INFO(k);
      CHECK(FindEdge(store, ec2, EdgeKind::kMinted, Key(k)));
      CHECK(FindEdge(store, Key(k), EdgeKind::kCredentialOf, waf_session));
    }
    for (const char* k : {"ASIA5FLZVX4OLY6BJN4L", "ASIA5FLZVX4OK6HMTKWY"}) {
      INFO(k);
      CHECK(FindEdge(store, ec2, EdgeKind::kMinted, Key(k)));
      CHECK(FindEdge(store, Key(k), EdgeKind::kCredentialOf, log_session));
    }
    CHECK(CountIn(store, waf_session, EdgeKind::kCredentialOf) == 3);
    CHECK(CountIn(store, log_session, EdgeKind::kCredentialOf) == 2);
    CHECK(FindEdge(store, waf_session, EdgeKind::kAssumedRole, Role(kWaf)));
    CHECK(FindEdge(store, log_session, EdgeKind::kAssumedRole, Role(kLog)));
    CHECK(FindEdge(store, waf_session, EdgeKind::kSessionOnInstance, Instance("i-0317f6c6b66ae9c40")));
    CHECK(FindEdge(store, log_session, EdgeKind::kSessionOnInstance, Instance("i-044b1baf4c96e1b62")));
    CHECK(FindEdge(store, Instance("i-0317f6c6b66ae9c40"), EdgeKind::kInstanceProfileRole, Role(kWaf)));
    CHECK(FindEdge(store, Instance("i-044b1baf4c96e1b62"), EdgeKind::kInstanceProfileRole, Role(kLog)));
    CHECK(CountOut(store, Instance("i-0317f6c6b66ae9c40"), EdgeKind::kInstanceProfileRole) == 1);
  }

  SECTION("ring.txt was read twice with the stolen key's session, 89 bytes each; listings are apart") {
    auto read = FindEdge(store, waf_session, EdgeKind::kRead, {EntityKind::kS3Bucket, "mordors3stack-s3bucket-llp2yingx64a"});
    REQUIRE(read);
    CHECK(read->count == 9);  // 7 ListObjects + 2 GetObject; ListBuckets names no bucket
    CHECK(read->failure == 0);
    CHECK(CounterOf(*read, "op:GetObject") == 2);
    CHECK(CounterOf(*read, "op:ListObjects") == 7);
    CHECK(CounterOf(*read, "object:ring.txt") == 2);
    CHECK(CounterOf(*read, "object_bytes:ring.txt") == 178);
    CHECK(CounterOf(*read, "bytes_out") == 178);
    CHECK(CounterOf(*read, "listing_bytes_out") == 5 * 500 + 2 * 524);
    int objects = 0;
    for (const auto& [name, v] : read->counters) objects += name.rfind("object:", 0) == 0;
    CHECK(objects == 1);
    CHECK(FormatTime(read->first_seen) == "2020-09-14T01:00:33Z");
    CHECK(FormatTime(read->last_seen) == "2020-09-14T01:13:20Z");
    // The session signed with the stolen key only.
    CHECK(FindEdge(store, waf_session, EdgeKind::kAuthenticatedWith, stolen));
    CHECK(CountOut(store, waf_session, EdgeKind::kAuthenticatedWith) == 1);
  }

  SECTION("lineage of the stolen key names the mint, the role, the session and the instance") {
    auto res = Lineage(store, stolen, LineageOptions{});
    REQUIRE(res.ok());
    const LineageLink* mint = LinkBetween(*res, stolen, ec2);
    REQUIRE(mint);
    CHECK(mint->edge == EdgeKind::kMinted);
    CHECK(mint->event_id == "cloudtrail:a3a3dded-7c27-42c0-a42d-891cdd436278");
    CHECK(FormatTime(mint->time) == "2020-09-14T00:48:30Z");
    REQUIRE(LinkBetween(*res, stolen, waf_session));
    REQUIRE(LinkBetween(*res, waf_session, Instance("i-0317f6c6b66ae9c40")));
    const LineageLink* role = LinkBetween(*res, waf_session, Role(kWaf));
    REQUIRE(role);
    CHECK(role->edge == EdgeKind::kAssumedRole);
    CHECK(res->nodes[NodeOf(*res, ec2)].root == LineageRoot::kAwsService);
    // The instance's launch is not in the set.
    CHECK(res->nodes[NodeOf(*res, Instance("i-0317f6c6b66ae9c40"))].root == LineageRoot::kOriginNotObserved);
    // The other instance and role have nothing to do with this key.
    CHECK(NodeOf(*res, Instance("i-044b1baf4c96e1b62")) < 0);
    CHECK(NodeOf(*res, Role(kLog)) < 0);
    std::string tree = res->ToTree([](std::string_view s) { return std::string(s); });
    CHECK(tree.find("<- minted aws_service ec2.amazonaws.com  [event cloudtrail:a3a3dded-7c27-42c0-a42d-891cdd436278, "
                    "2020-09-14T00:48:30Z, from ec2.amazonaws.com]") != std::string::npos);
    CHECK(tree.find("assumed_role -> iam_role " + Role(kWaf).key) != std::string::npos);
    CHECK(tree.find("session_on_instance -> ec2_instance i-0317f6c6b66ae9c40") != std::string::npos);
  }

  SECTION("with AWS ip-ranges, the instance-profile session used from 1.2.3.4 is flagged") {
    REQUIRE(fs::exists(kRanges));
    auto r = Ingest(store, {kRanges}, options);
    REQUIRE(r.ok());
    auto res = Lineage(store, stolen, LineageOptions{});
    REQUIRE(res.ok());
    CHECK(res->ip_ranges_loaded);
    REQUIRE(res->flags.size() == 1);
    CHECK(res->flags[0].kind == "used_outside_aws");
    CHECK(res->flags[0].entity == waf_session);
    CHECK(res->flags[0].detail.find("instance profile of i-0317f6c6b66ae9c40 used from 1.2.3.4") != std::string::npos);
    CHECK(res->flags[0].detail.find("11 calls") != std::string::npos);  // every call of the session came from 1.2.3.4
  }
}

}  // namespace
}  // namespace gumshoe::ingest
