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
  return NewRoute53Ingestor()->NewParser(FileInfo{"queries.jsonl", true}, IngestOptions{});
}

EntityRef Domain(const std::string& d) { return {EntityKind::kDomain, d}; }

TEST_CASE("Route53: queries become queried and resolved_to edges", "[ingest][route53]") {
  TestContext ctx("queries.jsonl");
  auto parser = NewParser();
  FeedJsonLines(*parser, ctx, ReadFile(GUMSHOE_TEST_DATA "/route53/queries.jsonl"));
  CHECK(Ok(ctx) == 4);
  CHECK(ctx.duplicates == 1);
  CHECK(ctx.reject_lines["missing_query_name"] == std::set<uint64_t>{5});
  CHECK(ctx.reject_lines["bad_ip"] == std::set<uint64_t>{6});
  CHECK(ctx.reject_lines["bad_time"] == std::set<uint64_t>{7});
  CHECK(ctx.reject_lines["missing_source"] == std::set<uint64_t>{8});
  CHECK(ctx.reject_lines["bad_json"] == std::set<uint64_t>{9});

  MemoryStore store;
  REQUIRE(store.Apply(ctx.delta_).ok());
  EntityRef inst = Instance("i-0eeeeeeeeeeeeeee1");
  EntityRef pool = Domain("pool.minexmr.example");
  auto q = FindEdge(store, inst, EdgeKind::kQueried, pool);
  REQUIRE(q);
  CHECK(q->count == 2);
  CHECK(q->success == 2);
  CHECK(Counter(*q, "rcode:NOERROR") == 2);
  CHECK(Counter(*q, "qtype:A") == 1);
  CHECK(Counter(*q, "qtype:AAAA") == 1);
  CHECK(FindEdge(store, pool, EdgeKind::kResolvedTo, Ip("192.0.2.201")));
  CHECK(FindEdge(store, pool, EdgeKind::kResolvedTo, Ip("192.0.2.202")));
  CHECK(FindEdge(store, pool, EdgeKind::kResolvedTo, Ip("2001:db8::c9")));
  auto cname = FindEdge(store, pool, EdgeKind::kResolvedTo, Domain("edge.minexmr.example"));
  REQUIRE(cname);
  CHECK(Counter(*cname, "rtype:CNAME") == 1);
  CHECK(FindEdge(store, inst, EdgeKind::kAssignedIp, Ip("10.0.9.9")));
  auto instance = store.Find(inst);
  REQUIRE(instance->has_value());
  CHECK(*(*instance)->Attr("vpc_id") == "vpc-0abc1234");

  // Without srcids.instance the source IP asks; firewall actions are kept.
  auto blocked = FindEdge(store, Ip("10.0.9.10"), EdgeKind::kQueried, Domain("c2.badness.example"));
  REQUIRE(blocked);
  CHECK(Counter(*blocked, "firewall:BLOCK") == 1);
  CHECK(Counter(*blocked, "rcode:NXDOMAIN") == 1);
  CHECK(blocked->failure == 1);

  // Panther's form: answers as one object, space-separated timestamp.
  auto panther = FindEdge(store, Ip("10.0.9.11"), EdgeKind::kQueried, Domain("updates.example.org"));
  REQUIRE(panther);
  CHECK(panther->first_seen == 1700000160);  // 2023-11-14 22:16:00 UTC
  CHECK(FindEdge(store, Domain("updates.example.org"), EdgeKind::kResolvedTo, Ip("198.51.100.9")));
}

TEST_CASE("Route53: sniffing", "[ingest][route53]") {
  auto ingestor = NewRoute53Ingestor();
  CHECK(ingestor->Sniff("x", "{\"version\":\"1.1\",\"query_timestamp\":\"2021\",\"query_name\":\"a.\"}") >= 90);
  CHECK(ingestor->Sniff("x", "2 111122223333 eni-1 10.0.0.1") == 0);
}

TEST_CASE("Route53: real Panther sample", "[ingest][route53][shared]") {
  const std::string dir = GUMSHOE_SOURCE_DIR "/../shared/datasets";
  // [shared]: the public datasets must be beside the repository (scripts/test.sh checks).
  REQUIRE(std::filesystem::exists(dir));
  TestContext ctx("AWS_VPCDns.jsonl");
  auto parser = NewParser();
  FeedJsonLines(*parser, ctx, ReadFile(dir + "/panther-rule-test-fixtures/AWS_VPCDns.jsonl"));
  CHECK(ctx.begun + Rejected(ctx) == 13);
  CHECK(Ok(ctx) >= 10);
  MemoryStore store;
  REQUIRE(store.Apply(ctx.delta_).ok());
  CHECK(FindEdge(store, Instance("i-0abc234"), EdgeKind::kQueried, Domain("moneropool.ru")));
}

}  // namespace
}  // namespace gumshoe::ingest
