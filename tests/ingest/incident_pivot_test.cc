// Acceptance: pivots from GuardDuty findings through the graph built from all
// sources of a fixture incident (tests/data/incidents/).
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include "gumshoe/ingest.h"
#include "gumshoe/memory_store.h"
#include "gumshoe/normalize.h"
#include "gumshoe/pivot.h"

namespace gumshoe {
namespace {

void IngestAs(GraphStore& store, const std::string& source, const std::string& file) {
  IngestOptions options;
  options.source = source;
  Result<IngestStats> stats = Ingest(store, {file}, options);
  REQUIRE(stats.ok());
  INFO(source << " " << file << " " << stats->ToJson());
  CHECK(stats->rejected == 0);
  CHECK(stats->records_ok > 0);
  CHECK(stats->file_errors.empty());
}

PivotResult MustPivot(const GraphReader& reader, const EntityRef& focus) {
  Result<PivotResult> r = Pivot(reader, focus, PivotOptions{});
  REQUIRE(r.ok());
  return std::move(r).value();
}

const PivotNeighbor* Neighbor(const PivotResult& r, EdgeKind kind, Direction dir, const EntityRef& other) {
  for (const PivotGroup& g : r.groups) {
    if (g.kind != kind || g.direction != dir) continue;
    for (const PivotNeighbor& n : g.neighbors) {
      if (n.entity == other) return &n;
    }
  }
  return nullptr;
}

int64_t Counter(const EdgeStats& s, const std::string& name) {
  auto it = s.counters.find(name);
  return it == s.counters.end() ? 0 : it->second;
}

EntityRef Ref(EntityKind kind, std::string_view raw) {
  Result<std::string> key = NormalizeKey(kind, raw);
  REQUIRE(key.ok());
  return EntityRef{kind, *key};
}

const std::string kIncidents = GUMSHOE_TEST_DATA "/incidents";

TEST_CASE("IncidentPivot: coin mining finding -> instance -> pool IPs, pool domains, profile role",
          "[ingest][incident]") {
  MemoryStore store;
  // Flows first: their ENI is only mapped to the instance by later sources.
  IngestAs(store, "vpc_flow", kIncidents + "/coin_mining/flows.log");
  IngestAs(store, "route53", kIncidents + "/coin_mining/dns.jsonl");
  IngestAs(store, "cloudtrail", kIncidents + "/coin_mining/cloudtrail.json");
  IngestAs(store, "guardduty", kIncidents + "/coin_mining/guardduty.jsonl");

  const EntityRef finding = Ref(EntityKind::kFinding, "9c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f");
  const EntityRef instance = Ref(EntityKind::kEc2Instance, "i-0eeeeeeeeeeeeeee1");

  PivotResult from_finding = MustPivot(store, finding);
  CHECK(from_finding.focus.Attr("type") != nullptr);
  CHECK(*from_finding.focus.Attr("type") == "CryptoCurrency:EC2/BitcoinTool.B!DNS");
  const PivotNeighbor* inst = Neighbor(from_finding, EdgeKind::kInvolves, Direction::kOut, instance);
  REQUIRE(inst != nullptr);
  CHECK(Counter(inst->stats, "foothold") > 0);

  PivotResult from_instance = MustPivot(store, instance);
  for (const char* pool_ip : {"192.0.2.201", "192.0.2.202"}) {
    const PivotNeighbor* flow =
        Neighbor(from_instance, EdgeKind::kNetworkFlow, Direction::kOut, Ref(EntityKind::kIpAddress, pool_ip));
    INFO(pool_ip);
    REQUIRE(flow != nullptr);
    CHECK(Counter(flow->stats, "bytes_out") > 0);
    CHECK(Counter(flow->stats, "dport:03333") > 0);
    CHECK(flow->via == "eni-0eeeeeeeeeeeeeee1");
  }
  const PivotNeighbor* pool_in = Neighbor(from_instance, EdgeKind::kNetworkFlow, Direction::kOut,
                                          Ref(EntityKind::kIpAddress, "192.0.2.201"));
  REQUIRE(pool_in != nullptr);
  CHECK(Counter(pool_in->stats, "bytes_out") == 6 * 48000);
  CHECK(Counter(pool_in->stats, "bytes_in") == 6 * 9000);

  for (const char* domain : {"pool.minexmr.example", "xmr.pool-eu.example.net"}) {
    INFO(domain);
    CHECK(Neighbor(from_instance, EdgeKind::kQueried, Direction::kOut, Ref(EntityKind::kDomain, domain)) != nullptr);
  }
  CHECK(Neighbor(from_instance, EdgeKind::kInstanceProfileRole, Direction::kOut,
                 Ref(EntityKind::kIamRole, "arn:aws:iam::111122223333:role/batch-worker-role")) != nullptr);

  // The queried pool domain resolves to the addresses the instance sent bytes to.
  PivotResult from_domain = MustPivot(store, Ref(EntityKind::kDomain, "pool.minexmr.example"));
  CHECK(Neighbor(from_domain, EdgeKind::kResolvedTo, Direction::kOut, Ref(EntityKind::kIpAddress, "192.0.2.201")) !=
        nullptr);
  CHECK(Neighbor(from_domain, EdgeKind::kInvolves, Direction::kIn, finding) != nullptr);
}

TEST_CASE("IncidentPivot: Kali finding -> bucket -> every reader from CloudTrail and access logs",
          "[ingest][incident]") {
  MemoryStore store;
  IngestAs(store, "s3_access", kIncidents + "/s3_kali/access.log");
  IngestAs(store, "cloudtrail", kIncidents + "/s3_kali/cloudtrail.json");
  IngestAs(store, "guardduty", kIncidents + "/s3_kali/guardduty.jsonl");

  const EntityRef finding = Ref(EntityKind::kFinding, "3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c");
  const EntityRef bucket = Ref(EntityKind::kS3Bucket, "finance-reports");
  const EntityRef carol = Ref(EntityKind::kIamUser, "arn:aws:iam::111122223333:user/carol");
  const EntityRef alice = Ref(EntityKind::kRoleSession, "arn:aws:sts::111122223333:assumed-role/analyst/alice");
  const EntityRef worker =
      Ref(EntityKind::kRoleSession, "arn:aws:sts::111122223333:assumed-role/batch-worker-role/i-0eeeeeeeeeeeeeee1");

  PivotResult from_finding = MustPivot(store, finding);
  CHECK(*from_finding.focus.Attr("type") == "PenTest:S3/KaliLinux");
  CHECK(Neighbor(from_finding, EdgeKind::kInvolves, Direction::kOut, bucket) != nullptr);
  const PivotNeighbor* actor = Neighbor(from_finding, EdgeKind::kInvolves, Direction::kOut, carol);
  REQUIRE(actor != nullptr);
  CHECK(Counter(actor->stats, "foothold") > 0);
  CHECK(Neighbor(from_finding, EdgeKind::kInvolves, Direction::kOut, Ref(EntityKind::kIpAddress, "192.0.2.66")) !=
        nullptr);

  PivotResult from_bucket = MustPivot(store, bucket);
  // Principals: carol (CloudTrail and access log), alice (CloudTrail only),
  // the instance session and the anonymous requester (access log only).
  const PivotNeighbor* carol_read = Neighbor(from_bucket, EdgeKind::kRead, Direction::kIn, carol);
  REQUIRE(carol_read != nullptr);
  CHECK(Counter(carol_read->stats, "op:REST.GET.OBJECT") == 2);
  CHECK(carol_read->stats.counters.size() > 1);  // CloudTrail's op:GetObject too
  CHECK(Neighbor(from_bucket, EdgeKind::kRead, Direction::kIn, alice) != nullptr);
  CHECK(Neighbor(from_bucket, EdgeKind::kRead, Direction::kIn, worker) != nullptr);
  CHECK(Neighbor(from_bucket, EdgeKind::kRead, Direction::kIn, EntityRef{EntityKind::kAccount, "ANONYMOUS_PRINCIPAL"}) !=
        nullptr);
  // IPs from the access log read the bucket directly.
  for (const char* ip : {"192.0.2.66", "10.0.9.9", "203.0.113.9"}) {
    INFO(ip);
    CHECK(Neighbor(from_bucket, EdgeKind::kRead, Direction::kIn, Ref(EntityKind::kIpAddress, ip)) != nullptr);
  }
  // The IP of a CloudTrail-only reader is one hop further: principal -called_from-> ip.
  PivotResult from_alice = MustPivot(store, alice);
  CHECK(Neighbor(from_alice, EdgeKind::kCalledFrom, Direction::kOut, Ref(EntityKind::kIpAddress, "198.51.100.23")) !=
        nullptr);
}

// Real data through the whole framework with source detection: every record
// accounted for, none lost to a crash or a file error.
TEST_CASE("IncidentPivot: real network-side datasets ingest with detection", "[ingest][incident][shared]") {
  const std::string dir = GUMSHOE_SOURCE_DIR "/../shared/datasets";
  // [shared]: the public datasets must be beside the repository (scripts/test.sh checks).
  REQUIRE(std::filesystem::exists(dir));
  struct Case {
    std::string file, source;
    uint64_t records;
  };
  const Case cases[] = {
      {"/cribl-vpcflow-sample/vpcflow_v2.log", "vpc_flow", 99},
      {"/cribl-vpcflow-sample/cribl_sample_ZP04h5.json", "vpc_flow", 99},
      {"/panther-rule-test-fixtures/AWS_VPCFlow.jsonl", "vpc_flow", 23},
      {"/panther-rule-test-fixtures/AWS_VPCDns.jsonl", "route53", 13},
      {"/panther-rule-test-fixtures/AWS_GuardDuty.jsonl", "guardduty", 8},
      {"/panther-rule-test-fixtures/AWS_S3ServerAccess.jsonl", "s3_access", 16},
  };
  for (const Case& c : cases) {
    MemoryStore store;
    Result<IngestStats> stats = Ingest(store, {dir + c.file}, IngestOptions{});
    REQUIRE(stats.ok());
    INFO(c.file << " " << stats->ToJson());
    CHECK(stats->file_errors.empty());
    CHECK(stats->records_total == c.records);
    CHECK(stats->records_ok + stats->duplicates + stats->rejected + stats->no_data == stats->records_total);
    CHECK(stats->records_by_source.count(c.source) == 1);
    CHECK(stats->records_by_source.size() == 1);
  }
}

}  // namespace
}  // namespace gumshoe
