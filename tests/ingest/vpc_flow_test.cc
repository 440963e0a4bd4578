#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <vector>

#include <rapidjson/document.h>

#include "gumshoe/memory_store.h"
#include "gumshoe/normalize.h"
#include "ingest/test_context.h"
#include "registry.h"

namespace gumshoe::ingest {
namespace {

using testing::TestContext;

[[maybe_unused]] std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

[[maybe_unused]] void FeedJsonLines(FileParser& parser, TestContext& ctx, const std::string& text) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    ++ctx.pos_.line;
    if (line.empty()) continue;
    rapidjson::Document doc;
    doc.Parse(line.c_str(), line.size());
    if (doc.HasParseError()) {
      ctx.Reject("bad_json");
      continue;
    }
    parser.OnJson(doc, ctx);
  }
  parser.Finish(ctx);
}

std::unique_ptr<FileParser> NewParser(bool fold_rejected_probes = true) {
  IngestOptions options;
  options.fold_rejected_probes = fold_rejected_probes;
  return NewVpcFlowIngestor()->NewParser(FileInfo{"flows.log", false}, options);
}

std::optional<EdgeStats> FindEdge(const GraphReader& r, const EntityRef& src, EdgeKind kind, const EntityRef& dst) {
  std::optional<EdgeStats> out;
  EntityId want = r.IdOf(dst.kind, dst.key);
  REQUIRE(r.ScanEdges(r.IdOf(src.kind, src.key), Direction::kOut, kind, [&](const Edge& e) {
             if (e.dst == want) out = e.stats;
             return true;
           }).ok());
  return out;
}

[[maybe_unused]] size_t CountEdges(const GraphReader& r, const EntityRef& src, EdgeKind kind,
                                   Direction dir = Direction::kOut) {
  size_t n = 0;
  REQUIRE(r.ScanEdges(r.IdOf(src.kind, src.key), dir, kind, [&](const Edge&) {
             ++n;
             return true;
           }).ok());
  return n;
}

int64_t Counter(const EdgeStats& s, const std::string& name) {
  auto it = s.counters.find(name);
  return it == s.counters.end() ? 0 : it->second;
}

[[maybe_unused]] EntityRef Eni(const std::string& id) { return {EntityKind::kNetworkInterface, id}; }
[[maybe_unused]] EntityRef Ip(const std::string& ip) { return {EntityKind::kIpAddress, ip}; }
[[maybe_unused]] EntityRef Instance(const std::string& id) { return {EntityKind::kEc2Instance, id}; }
// Where rejected inbound internet probes are folded.
const EntityRef kInternetV4{EntityKind::kIpNetwork, "0.0.0.0/0"};
const EntityRef kInternetV6{EntityKind::kIpNetwork, "::/0"};

bool Exists(const GraphReader& r, const EntityRef& ref) {
  auto e = r.Find(ref);
  REQUIRE(e.ok());
  return e->has_value();
}

// Records begun and kept (the parsers reject before beginning a record).
int Ok(const TestContext& ctx) { return ctx.begun - ctx.duplicates - ctx.no_data; }

[[maybe_unused]] int Rejected(const TestContext& ctx) {
  int rejected = 0;
  for (const auto& [reason, n] : ctx.rejects) rejected += n;
  return rejected;
}

TEST_CASE("VpcFlow: default v2 rows aggregate into interface-to-remote edges", "[ingest][vpc_flow]") {
  TestContext ctx("v2_default.log");
  auto parser = NewParser();
  ctx.FeedLines(*parser, ReadFile(GUMSHOE_TEST_DATA "/vpc_flow/v2_default.log"));

  CHECK(Ok(ctx) == 4);
  CHECK(ctx.no_data == 2);
  CHECK(ctx.duplicates == 1);
  CHECK(ctx.rejects["wrong_field_count"] == 1);
  CHECK(ctx.rejects["bad_ip"] == 1);
  CHECK(ctx.rejects["bad_number"] == 1);
  CHECK(ctx.reject_lines["wrong_field_count"] == std::set<uint64_t>{6});
  CHECK(ctx.reject_lines["bad_ip"] == std::set<uint64_t>{7});
  CHECK(ctx.reject_lines["bad_number"] == std::set<uint64_t>{8});

  MemoryStore store;
  REQUIRE(store.Apply(ctx.delta_).ok());
  EntityRef eni = Eni("eni-0a1b2c3d4e5f60001");
  auto web = FindEdge(store, eni, EdgeKind::kNetworkFlow, Ip("198.51.100.20"));
  REQUIRE(web);
  CHECK(web->count == 2);
  CHECK(Counter(*web, "bytes_out") == 5000);
  CHECK(Counter(*web, "bytes_in") == 64000);
  CHECK(Counter(*web, "packets_out") == 10);
  CHECK(Counter(*web, "packets_in") == 8);
  CHECK(Counter(*web, "accepted") == 2);
  CHECK(Counter(*web, "dport:00443") == 1);
  CHECK(web->counters.count("dport:49152") == 0);  // return traffic is not a service port
  CHECK(web->hourly.count(1700000000 / 3600) == 1);

  // The rejected inbound probe from a public address is folded into the
  // internet's edge to the interface (the internet initiated it); the scanner
  // itself is not stored. Counters are the initiator's: it sent the bytes.
  CHECK_FALSE(FindEdge(store, eni, EdgeKind::kNetworkFlow, kInternetV4));
  auto ssh = FindEdge(store, kInternetV4, EdgeKind::kNetworkFlow, eni);
  REQUIRE(ssh);
  CHECK(Counter(*ssh, "rejected") == 1);
  CHECK(Counter(*ssh, "folded_probes") == 1);
  CHECK(Counter(*ssh, "bytes_out") == 40);
  CHECK(Counter(*ssh, "bytes_in") == 0);
  CHECK(Counter(*ssh, "dport:00022") == 1);
  CHECK(ssh->failure == 1);
  CHECK_FALSE(Exists(store, Ip("203.0.113.77")));

  CHECK(FindEdge(store, eni, EdgeKind::kNetworkFlow, Ip("2606:4700:4700::1111")));
  CHECK(FindEdge(store, eni, EdgeKind::kAssignedIp, Ip("10.0.1.15")));
  CHECK(CountEdges(store, eni, EdgeKind::kNetworkFlow) == 2);
  CHECK(CountEdges(store, eni, EdgeKind::kNetworkFlow, Direction::kIn) == 1);

  auto local = store.Find(Ip("10.0.1.15"));
  REQUIRE(local.ok());
  REQUIRE(local->has_value());
  CHECK(*(*local)->Attr("ip_class") == "private");
  CHECK((*local)->tags.count("private") == 1);
  auto remote = store.Find(Ip("198.51.100.20"));
  REQUIRE(remote->has_value());
  CHECK(*(*remote)->Attr("ip_class") == "public");
  CHECK((*remote)->tags.count("public") == 1);
}

TEST_CASE("VpcFlow: a header line maps any field order, flow-direction decides the local side",
          "[ingest][vpc_flow]") {
  TestContext ctx("v5_header.log");
  auto parser = NewParser();
  ctx.FeedLines(*parser, ReadFile(GUMSHOE_TEST_DATA "/vpc_flow/v5_header.log"));
  CHECK(Ok(ctx) == 3);
  CHECK(ctx.rejects["wrong_field_count"] == 1);
  CHECK(ctx.reject_lines["wrong_field_count"] == std::set<uint64_t>{5});

  MemoryStore store;
  REQUIRE(store.Apply(ctx.delta_).ok());
  EntityRef eni = Eni("eni-0bbbbbbbbbbbbbbb1");
  auto db = FindEdge(store, eni, EdgeKind::kNetworkFlow, Ip("10.0.3.9"));
  REQUIRE(db);
  CHECK(Counter(*db, "bytes_out") == 1200);
  CHECK(Counter(*db, "bytes_in") == 9000);
  CHECK(Counter(*db, "packets_out") == 12);
  CHECK(Counter(*db, "packets_in") == 10);
  CHECK(Counter(*db, "dport:05432") == 1);
  CHECK(Counter(*db, "accepted") == 2);
  // Both ends private: without flow-direction 10.0.3.9 could not be told remote.
  CHECK_FALSE(FindEdge(store, eni, EdgeKind::kNetworkFlow, Ip("10.0.2.8")));
  CHECK(FindEdge(store, Instance("i-0f00dbeef00000001"), EdgeKind::kHasInterface, eni));

  auto in = FindEdge(store, Eni("eni-0ccccccccccccccc1"), EdgeKind::kNetworkFlow, Ip("52.95.110.1"));
  REQUIRE(in);
  CHECK(Counter(*in, "bytes_in") == 700);
  CHECK(Counter(*in, "bytes_out") == 0);

  auto e = store.Find(eni);
  REQUIRE(e->has_value());
  CHECK(*(*e)->Attr("vpc_id") == "vpc-0abc1234");
  CHECK(*(*e)->Attr("region") == "us-east-1");
}

TEST_CASE("VpcFlow: a partial ${field} header and identical rows count once", "[ingest][vpc_flow]") {
  TestContext ctx("partial_header.log");
  auto parser = NewParser();
  ctx.FeedLines(*parser, ReadFile(GUMSHOE_TEST_DATA "/vpc_flow/partial_header.log"));
  CHECK(Ok(ctx) == 1);
  CHECK(ctx.duplicates == 1);
  MemoryStore store;
  REQUIRE(store.Apply(ctx.delta_).ok());
  auto e = FindEdge(store, Eni("eni-0ddddddddddddddd1"), EdgeKind::kNetworkFlow, Ip("192.0.2.44"));
  REQUIRE(e);
  CHECK(Counter(*e, "dport:08080") == 1);
  CHECK(Counter(*e, "bytes_out") == 100);
}

TEST_CASE("VpcFlow: the same line in two files is one record", "[ingest][vpc_flow]") {
  const std::string line =
      "2 111122223333 eni-0a1b2c3d4e5f60001 10.0.1.15 198.51.100.20 49152 443 6 10 5000 1700000000 1700000060 ACCEPT OK";
  TestContext ctx("a.log");
  auto a = NewParser();
  auto b = NewParser();
  ctx.FeedLines(*a, line);
  ctx.FeedLines(*b, "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end "
                    "action log-status\n" + line);
  CHECK(ctx.begun == 2);
  CHECK(ctx.duplicates == 1);
}

TEST_CASE("VpcFlow: bad header, bad action, implausible time are rejected by name", "[ingest][vpc_flow]") {
  TestContext ctx;
  auto parser = NewParser();
  ctx.FeedLines(*parser,
                "version account-id interface-id\n"
                "2 1 eni-01 10.0.0.1 8.8.8.8 1 53 17 1 60 1700000000 1700000060 MAYBE OK\n"
                "2 1 eni-01 10.0.0.1 8.8.8.8 1 53 17 1 60 12 60 ACCEPT OK\n"
                "2 1 eni-01 10.0.0.1 8.8.8.8 1 99999 17 1 60 1700000000 1700000060 ACCEPT OK\n"
                "2 1 eni-01 10.0.0.1 8.8.8.8 1 53 17 1 60 1700000000 1700000060 ACCEPT OK\n");
  CHECK(ctx.rejects["bad_header"] == 1);
  CHECK(ctx.rejects["bad_action"] == 1);
  CHECK(ctx.rejects["bad_time"] == 1);
  CHECK(ctx.rejects["bad_number"] == 1);
  CHECK(Ok(ctx) == 1);  // the neighbour of the bad lines is kept
}

TEST_CASE("VpcFlow: many destination ports never push out the fixed counters", "[ingest][vpc_flow]") {
  // A port sweep, folded (one edge to 0.0.0.0/0) and per scanner IP.
  for (bool fold : {true, false}) {
    CAPTURE(fold);
    TestContext ctx;
    auto parser = NewParser(fold);
    std::string text;
    for (int port = 1; port <= 500; ++port) {
      text += "2 1 eni-0f 203.0.113.5 10.0.0.5 40000 " + std::to_string(port) +
              " 6 1 40 1700000000 1700000060 REJECT OK\n";
    }
    ctx.FeedLines(*parser, text);
    MemoryStore store;
    REQUIRE(store.Apply(ctx.delta_).ok());
    // The scanner (or the internet) initiated: the edge comes from it.
    auto e = FindEdge(store, fold ? kInternetV4 : Ip("203.0.113.5"), EdgeKind::kNetworkFlow, Eni("eni-0f"));
    REQUIRE(e);
    CHECK(e->count == 500);
    CHECK(Counter(*e, "rejected") == 500);
    CHECK(Counter(*e, "packets_out") == 500);
    CHECK(Counter(*e, "folded_probes") == (fold ? 500 : 0));
    CHECK(e->counters.size() <= kMaxEdgeCounters);
    // The smallest ports are kept, the rest summed into "overflow".
    const int64_t fixed = fold ? 4 : 3;  // bytes_out, packets_out, rejected (, folded_probes)
    const int64_t kept = static_cast<int64_t>(kMaxEdgeCounters) - 1 - fixed;
    CHECK(Counter(*e, "dport:00001") == 1);
    CHECK(Counter(*e, "dport:" + std::string(5 - std::to_string(kept).size(), '0') + std::to_string(kept)) == 1);
    CHECK(Counter(*e, "overflow") == 500 - kept);
    int64_t ports = 0;
    for (const auto& [name, n] : e->counters) ports += name.rfind("dport:", 0) == 0 ? n : 0;
    CHECK(ports + Counter(*e, "overflow") == 500);
  }
}

TEST_CASE("VpcFlow: Panther JSON rows and Cribl _raw rows", "[ingest][vpc_flow]") {
  TestContext ctx("panther.jsonl");
  auto parser = NewParser();
  FeedJsonLines(*parser, ctx, ReadFile(GUMSHOE_TEST_DATA "/vpc_flow/panther.jsonl"));
  CHECK(Ok(ctx) == 2);
  CHECK(ctx.no_data == 1);
  CHECK(ctx.rejects["bad_ip"] == 1);
  CHECK(ctx.rejects["missing_address"] == 1);
  CHECK(ctx.anomalies["missing_time"] == 1);

  auto cribl = NewParser();
  FeedJsonLines(*cribl, ctx,
                "{\"_raw\":\"version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes "
                "start end action log-status\"}\n"
                "{\"_raw\":\"2 1 eni-0c 10.0.0.7 192.0.2.1 5000 443 6 2 120 1700000000 1700000060 ACCEPT OK\"}\n");
  MemoryStore store;
  REQUIRE(store.Apply(ctx.delta_).ok());
  auto pool = FindEdge(store, Eni("eni-0eeeeeeeeeeeeeee1"), EdgeKind::kNetworkFlow, Ip("192.0.2.200"));
  REQUIRE(pool);
  CHECK(Counter(*pool, "dport:03333") == 1);
  CHECK(pool->first_seen == 1700000000);
  CHECK(FindEdge(store, Instance("i-0eeeeeeeeeeeeeee1"), EdgeKind::kHasInterface, Eni("eni-0eeeeeeeeeeeeeee1")));
  // No interface: the instance is the local end. 1.1.1.1 connected to its
  // port 22: the edge goes from 1.1.1.1 to the instance, not the other way.
  CHECK(FindEdge(store, Ip("1.1.1.1"), EdgeKind::kNetworkFlow, Instance("i-0eeeeeeeeeeeeeee1")));
  CHECK_FALSE(FindEdge(store, Instance("i-0eeeeeeeeeeeeeee1"), EdgeKind::kNetworkFlow, Ip("1.1.1.1")));
  CHECK(FindEdge(store, Eni("eni-0c"), EdgeKind::kNetworkFlow, Ip("192.0.2.1")));
}

TEST_CASE("VpcFlow: a .gz file through Ingest, rejects counted with file:line", "[ingest][vpc_flow]") {
  MemoryStore store;
  Result<IngestStats> stats = Ingest(store, {GUMSHOE_TEST_DATA "/vpc_flow/v2_default.log.gz"}, IngestOptions{});
  REQUIRE(stats.ok());
  INFO(stats->ToJson());
  CHECK(stats->records_total == 10);
  CHECK(stats->records_by_source["vpc_flow"] == 4);
  CHECK(stats->no_data == 2);
  CHECK(stats->duplicates == 1);
  CHECK(stats->rejected == 3);
  REQUIRE(stats->examples["vpc_flow.bad_ip"].size() == 1);
  const std::string& where = stats->examples["vpc_flow.bad_ip"].front();
  CHECK(where.substr(where.size() - 2) == ":7");
  CHECK(FindEdge(store, Eni("eni-0a1b2c3d4e5f60001"), EdgeKind::kNetworkFlow, Ip("198.51.100.20")));

  // Ingesting the plain file again adds nothing: every line is a duplicate.
  Result<IngestStats> again = Ingest(store, {GUMSHOE_TEST_DATA "/vpc_flow/v2_default.log"}, IngestOptions{});
  REQUIRE(again.ok());
  CHECK(again->records_ok == 0);
  CHECK(again->duplicates + again->no_data == 7);
}

TEST_CASE("VpcFlow: every prefix of every fixture line is kept or rejected, never crashes", "[ingest][vpc_flow]") {
  for (const char* file : {"/vpc_flow/v2_default.log", "/vpc_flow/v5_header.log", "/vpc_flow/panther.jsonl"}) {
    std::istringstream in(ReadFile(std::string(GUMSHOE_TEST_DATA) + file));
    std::string line;
    auto parser = NewParser();
    TestContext ctx;
    while (std::getline(in, line)) {
      for (size_t n = 0; n <= line.size(); ++n) {
        ++ctx.pos_.line;
        std::string prefix = line.substr(0, n);
        if (!prefix.empty() && prefix.front() == '{') {
          rapidjson::Document doc;
          doc.Parse(prefix.c_str(), prefix.size());
          if (!doc.HasParseError()) parser->OnJson(doc, ctx);
        } else {
          parser->OnLine(prefix, ctx);
        }
      }
    }
    CHECK(ctx.begun + Rejected(ctx) > 0);
  }
}

TEST_CASE("VpcFlow: sniffing", "[ingest][vpc_flow]") {
  auto ingestor = NewVpcFlowIngestor();
  CHECK(ingestor->Sniff("x.log", "version account-id interface-id srcaddr dstaddr srcport\n") >= 90);
  CHECK(ingestor->Sniff("x.log", "2 111122223333 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 2 3 4 ACCEPT OK\n") >= 90);
  CHECK(ingestor->Sniff("x.json", "{\"eventVersion\":\"1.08\"}") == 0);
}

// Real data: every row ingests without a crash and is accounted for.
TEST_CASE("VpcFlow: real Cribl and Panther samples", "[ingest][vpc_flow][shared]") {
  const std::string dir = GUMSHOE_SOURCE_DIR "/../shared/datasets";
  // [shared]: the public datasets must be beside the repository (scripts/test.sh checks).
  REQUIRE(std::filesystem::exists(dir));
  TestContext text_ctx("vpcflow_v2.log");
  auto p1 = NewParser();
  std::string text = ReadFile(dir + "/cribl-vpcflow-sample/vpcflow_v2.log");
  text_ctx.FeedLines(*p1, text);
  CHECK(text_ctx.begun + Rejected(text_ctx) == 99);  // 100 lines, one header
  CHECK(Rejected(text_ctx) == 0);

  TestContext json_ctx("cribl.json");
  auto p2 = NewParser();
  rapidjson::Document doc;
  std::string json = ReadFile(dir + "/cribl-vpcflow-sample/cribl_sample_ZP04h5.json");
  doc.Parse(json.c_str(), json.size());
  REQUIRE(doc.IsArray());
  for (const auto& v : doc.GetArray()) p2->OnJson(v, json_ctx);
  CHECK(json_ctx.begun + Rejected(json_ctx) == 99);  // the header row is not a record

  TestContext panther_ctx("AWS_VPCFlow.jsonl");
  auto p3 = NewParser();
  FeedJsonLines(*p3, panther_ctx, ReadFile(dir + "/panther-rule-test-fixtures/AWS_VPCFlow.jsonl"));
  CHECK(panther_ctx.begun + Rejected(panther_ctx) == 23);
  CHECK(panther_ctx.no_data == 1);
  MemoryStore store;
  REQUIRE(store.Apply(text_ctx.delta_).ok());
  REQUIRE(store.Apply(panther_ctx.delta_).ok());
}

// Applies its delta to `store` and starts a new one every `batch` records,
// as the ingest runner does between write batches.
class BatchingContext : public TestContext {
 public:
  BatchingContext(MemoryStore& store, int batch, std::string path = "test.log")
      : TestContext(std::move(path)), store_(store), batch_(batch) {}
  bool BeginRecord(std::string_view identity) override {
    if (in_batch_ == batch_) Flush();
    ++in_batch_;
    return TestContext::BeginRecord(identity);
  }
  void Flush() {
    REQUIRE(store_.Apply(delta_).ok());
    delta_.Clear();
    in_batch_ = 0;
  }

 private:
  MemoryStore& store_;
  int batch_;
  int in_batch_ = 0;
};

// Every entity (times, attributes with their times, tags) and every edge
// (all of its stats) of a store, as sorted text.
std::vector<std::string> DumpStore(const GraphReader& r) {
  std::vector<Entity> entities;
  REQUIRE(r.ScanEntities(std::nullopt, [&](const Entity& e) {
            entities.push_back(e);
            return true;
          }).ok());
  std::map<EntityId, std::string> names;
  for (const Entity& e : entities) names[r.IdOf(e.kind, e.key)] = FormatRef(e.ref());
  std::vector<std::string> out;
  for (const Entity& e : entities) {
    std::string line = FormatRef(e.ref()) + " " + std::to_string(e.first_seen) + ".." + std::to_string(e.last_seen);
    for (const auto& [name, v] : e.attrs) line += " " + name + "=" + v.value + "@" + std::to_string(v.observed);
    for (const std::string& tag : e.tags) line += " #" + tag;
    out.push_back(line);
    REQUIRE(r.ScanEdges(r.IdOf(e.kind, e.key), Direction::kOut, std::nullopt, [&](const Edge& edge) {
              const EdgeStats& s = edge.stats;
              std::string x = FormatRef(e.ref()) + " -" + std::to_string(static_cast<int>(edge.kind)) + "-> " +
                              names[edge.dst] + " n=" + std::to_string(s.count) + " ok=" + std::to_string(s.success) +
                              " fail=" + std::to_string(s.failure) + " " + std::to_string(s.first_seen) + ".." +
                              std::to_string(s.last_seen) + " " + s.first_evidence.ref + " " + s.last_evidence.ref;
              for (const auto& [hour, n] : s.hourly) x += " h" + std::to_string(hour) + "=" + std::to_string(n);
              for (const auto& [name, n] : s.counters) x += " " + name + "=" + std::to_string(n);
              out.push_back(x);
              return true;
            }).ok());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// A v5 file that overflows the parser's address and interface caches: 400
// interfaces (each with its instance, changing subnets and rows out of time
// order) talking to 3000 distinct scanners, 40 popular remotes and each
// other, with and without flow-direction.
std::string ManyAddressesFile() {
  std::string text =
      "version account-id interface-id instance-id srcaddr dstaddr srcport dstport protocol packets bytes start end "
      "action log-status vpc-id subnet-id region az-id flow-direction\n";
  const Timestamp base = 1700000000;
  for (int i = 0; i < 6000; ++i) {
    int eni = (i * 7) % 400;
    char eni_id[32], instance_id[32], local[32], remote[32], subnet[32];
    std::snprintf(eni_id, sizeof(eni_id), "eni-%017d", eni);
    std::snprintf(instance_id, sizeof(instance_id), "i-%017d", eni);
    std::snprintf(local, sizeof(local), "10.1.%d.%d", eni / 200, eni % 200 + 4);
    std::snprintf(subnet, sizeof(subnet), "subnet-%d", (i / 1500 + eni) % 3);
    bool scan = i % 2 == 0;
    if (scan) {
      std::snprintf(remote, sizeof(remote), "45.%d.%d.%d", (i / 2) % 3000 / 250, (i / 2) % 250, eni % 200 + 1);
    } else {
      std::snprintf(remote, sizeof(remote), "52.94.%d.7", (i / 2) % 40);
    }
    // Times wander backwards and forwards across hours.
    Timestamp t = base + ((i * 7919) % 6000) * 11;
    const char* direction = i % 3 == 0 ? "-" : scan ? "ingress" : "egress";
    char line[512];
    if (scan) {
      std::snprintf(line, sizeof(line), "5 111122223333 %s %s %s %s %d %d 6 1 44 %lld %lld REJECT OK vpc-1 %s us-east-1 use1-az%d %s\n",
                    eni_id, instance_id, remote, local, 40000 + i % 1000, 22 + i % 5, static_cast<long long>(t),
                    static_cast<long long>(t + 60), subnet, 1 + eni % 3, direction);
    } else {
      std::snprintf(line, sizeof(line), "5 111122223333 %s %s %s %s %d 443 6 %d %d %lld %lld ACCEPT OK vpc-1 %s us-east-1 use1-az%d %s\n",
                    eni_id, instance_id, local, remote, 33000 + i % 1000, 3 + i % 7, 500 + i, static_cast<long long>(t),
                    static_cast<long long>(t + 60), subnet, 1 + eni % 3, direction);
    }
    text += line;
  }
  return text;
}

TEST_CASE("VpcFlow: the stored graph does not depend on write batches or cache evictions", "[ingest][vpc_flow]") {
  const std::string text = ManyAddressesFile();
  for (bool fold : {true, false}) {
    CAPTURE(fold);
    TestContext one("many.log");
    auto p1 = NewParser(fold);
    one.FeedLines(*p1, text);
    CHECK(Ok(one) == 6000);
    MemoryStore whole;
    REQUIRE(whole.Apply(one.delta_).ok());
    std::vector<std::string> expected = DumpStore(whole);

    for (int batch : {1, 7, 1000}) {
      CAPTURE(batch);
      MemoryStore store;
      BatchingContext ctx(store, batch, "many.log");
      auto parser = NewParser(fold);
      ctx.FeedLines(*parser, text);
      ctx.Flush();
      CHECK(DumpStore(store) == expected);
    }

    // Every address keeps its class, scanners included when they are kept.
    size_t ips = 0;
    REQUIRE(whole.ScanEntities(EntityKind::kIpAddress, [&](const Entity& e) {
              ++ips;
              bool is_public = e.key.rfind("10.", 0) != 0;
              CHECK(e.Attr("ip_class") != nullptr);
              CHECK(e.tags.count(is_public ? "public" : "private") == 1);
              return true;
            }).ok());
    // The scanners' rejected probes are folded: one edge per interface.
    CHECK(ips == (fold ? 0 : 3000) + 40 + 400);
    size_t internet = 0;
    REQUIRE(whole.ScanEntities(EntityKind::kIpNetwork, [&](const Entity&) {
              ++internet;
              return true;
            }).ok());
    CHECK(internet == (fold ? 1 : 0));
    if (fold) {
      // Even interfaces get the even lines, the probes: 15 each.
      for (int eni : {0, 8, 398}) {
        char eni_id[32];
        std::snprintf(eni_id, sizeof(eni_id), "eni-%017d", eni);
        auto probes = FindEdge(whole, kInternetV4, EdgeKind::kNetworkFlow, Eni(eni_id));
        REQUIRE(probes);
        CHECK(Counter(*probes, "folded_probes") == 15);
        CHECK(Counter(*probes, "folded_probes") == Counter(*probes, "rejected"));
        CHECK(Counter(*probes, "accepted") == 0);
      }
    }
  }
}

// Scanner sweeps in shuffled order: the ports kept on the folded edge (the
// smallest, the rest in "overflow") are the same for any batching.
TEST_CASE("VpcFlow: a folded edge's ports do not depend on write batches", "[ingest][vpc_flow]") {
  std::string text;
  for (int i = 0; i < 2999; ++i) {
    int port = 1 + (i * 7919) % 2999;  // every port 1..2999 once, out of order
    char line[256];
    std::snprintf(line, sizeof(line), "2 1 eni-0f 198.51.%d.%d 10.0.0.5 40000 %d 6 1 40 %d %d REJECT OK\n",
                  i % 7, 1 + i % 250, port, 1700000000 + (i % 97) * 60, 1700000060 + (i % 97) * 60);
    text += line;
  }
  TestContext one;
  auto p1 = NewParser();
  one.FeedLines(*p1, text);
  MemoryStore whole;
  REQUIRE(whole.Apply(one.delta_).ok());
  std::vector<std::string> expected = DumpStore(whole);
  auto e = FindEdge(whole, kInternetV4, EdgeKind::kNetworkFlow, Eni("eni-0f"));
  REQUIRE(e);
  CHECK(Counter(*e, "folded_probes") == 2999);
  CHECK(Counter(*e, "dport:00001") == 1);
  CHECK(Counter(*e, "overflow") > 0);
  for (int batch : {1, 13, 500}) {
    CAPTURE(batch);
    MemoryStore store;
    BatchingContext ctx(store, batch);
    auto parser = NewParser();
    ctx.FeedLines(*parser, text);
    ctx.Flush();
    CHECK(DumpStore(store) == expected);
  }
}

TEST_CASE("VpcFlow: rejected inbound internet probes fold into one edge per interface", "[ingest][vpc_flow]") {
  const std::string text =
      "version account-id interface-id instance-id srcaddr dstaddr srcport dstport protocol packets bytes start end "
      "action log-status flow-direction\n"
      // Three scanners probe eni-0f01 (with and without flow-direction).
      "5 1 eni-0f01 i-0f01 198.51.100.7 10.0.0.5 40001 22 6 1 44 1700000000 1700000060 REJECT OK ingress\n"
      "5 1 eni-0f01 i-0f01 45.33.32.156 10.0.0.5 40002 3389 6 2 88 1700003600 1700003660 REJECT OK -\n"
      "5 1 eni-0f01 i-0f01 185.220.101.47 10.0.0.5 40003 22 6 1 40 1700007200 1700007260 REJECT OK ingress\n"
      // One scanner's connection is accepted: it keeps its own edge.
      "5 1 eni-0f01 i-0f01 45.33.32.156 10.0.0.5 40004 443 6 5 700 1700000100 1700000160 ACCEPT OK ingress\n"
      // A rejected flow with a private remote keeps its per-IP edge.
      "5 1 eni-0f01 i-0f01 10.0.9.9 10.0.0.5 40005 5432 6 1 40 1700000200 1700000260 REJECT OK ingress\n"
      // Rejected outbound to the internet: per-IP too.
      "5 1 eni-0f01 i-0f01 10.0.0.5 203.0.113.50 40006 25 6 1 40 1700000300 1700000360 REJECT OK egress\n"
      // IPv6 probes go to ::/0.
      "5 1 eni-0f01 i-0f01 2a06:4880::5 2600:1f18::10 40007 23 6 1 60 1700000400 1700000460 REJECT OK ingress\n"
      // An instance without an interface ID is the local side: folded as well.
      "5 1 - i-0f02 192.0.2.99 10.0.0.6 40008 22 6 1 40 1700000500 1700000560 REJECT OK ingress\n"
      // Neither interface nor instance: the local IP keeps per-IP edges.
      "5 1 - - 192.0.2.98 10.0.0.7 40009 22 6 1 40 1700000600 1700000660 REJECT OK ingress\n";
  const EntityRef eni = Eni("eni-0f01");

  TestContext ctx("probes.log");
  auto parser = NewParser();
  ctx.FeedLines(*parser, text);
  CHECK(Ok(ctx) == 9);
  MemoryStore store;
  REQUIRE(store.Apply(ctx.delta_).ok());

  auto probes = FindEdge(store, kInternetV4, EdgeKind::kNetworkFlow, eni);
  REQUIRE(probes);
  CHECK(probes->count == 3);
  CHECK(probes->failure == 3);
  CHECK(Counter(*probes, "folded_probes") == 3);
  CHECK(Counter(*probes, "rejected") == 3);
  CHECK(Counter(*probes, "accepted") == 0);
  CHECK(Counter(*probes, "packets_out") == 4);
  CHECK(Counter(*probes, "bytes_out") == 172);
  CHECK(Counter(*probes, "bytes_in") == 0);
  CHECK(Counter(*probes, "dport:00022") == 2);
  CHECK(Counter(*probes, "dport:03389") == 1);
  CHECK(probes->first_seen == 1700000000);
  CHECK(probes->last_seen == 1700007200);
  CHECK(probes->hourly.size() == 3);
  CHECK(probes->first_evidence.ref == "probes.log:2");
  CHECK(probes->last_evidence.ref == "probes.log:4");
  // The scanners that only probed are not in the graph at all.
  CHECK_FALSE(Exists(store, Ip("198.51.100.7")));
  CHECK_FALSE(Exists(store, Ip("185.220.101.47")));
  CHECK_FALSE(FindEdge(store, Ip("198.51.100.7"), EdgeKind::kNetworkFlow, eni));

  // 45.33.32.156 connected to port 443 and was accepted: its own edge, from it.
  CHECK_FALSE(FindEdge(store, eni, EdgeKind::kNetworkFlow, Ip("45.33.32.156")));
  auto accepted = FindEdge(store, Ip("45.33.32.156"), EdgeKind::kNetworkFlow, eni);
  REQUIRE(accepted);
  CHECK(accepted->count == 1);
  CHECK(Counter(*accepted, "accepted") == 1);
  CHECK(Counter(*accepted, "rejected") == 0);
  CHECK(Counter(*accepted, "dport:00443") == 1);
  auto scanner = store.Find(Ip("45.33.32.156"));
  REQUIRE(scanner.ok());
  REQUIRE(scanner->has_value());
  CHECK(*(*scanner)->Attr("ip_class") == "public");

  auto internal = FindEdge(store, Ip("10.0.9.9"), EdgeKind::kNetworkFlow, eni);
  REQUIRE(internal);
  CHECK(Counter(*internal, "rejected") == 1);
  CHECK(internal->counters.count("folded_probes") == 0);
  auto outbound = FindEdge(store, eni, EdgeKind::kNetworkFlow, Ip("203.0.113.50"));
  REQUIRE(outbound);
  CHECK(Counter(*outbound, "rejected") == 1);
  CHECK(Counter(*outbound, "bytes_out") == 40);

  auto v6 = FindEdge(store, kInternetV6, EdgeKind::kNetworkFlow, eni);
  REQUIRE(v6);
  CHECK(Counter(*v6, "folded_probes") == 1);
  CHECK(Counter(*v6, "dport:00023") == 1);
  CHECK_FALSE(Exists(store, Ip("2a06:4880::5")));
  // Per interface: out to the one remote it connected to; in from 0.0.0.0/0,
  // ::/0 and the two remotes that connected in.
  CHECK(CountEdges(store, eni, EdgeKind::kNetworkFlow) == 1);
  CHECK(CountEdges(store, eni, EdgeKind::kNetworkFlow, Direction::kIn) == 4);

  auto instance_probe = FindEdge(store, kInternetV4, EdgeKind::kNetworkFlow, Instance("i-0f02"));
  REQUIRE(instance_probe);
  CHECK(Counter(*instance_probe, "folded_probes") == 1);
  CHECK(FindEdge(store, Ip("192.0.2.98"), EdgeKind::kNetworkFlow, Ip("10.0.0.7")));
  CHECK_FALSE(FindEdge(store, kInternetV4, EdgeKind::kNetworkFlow, Ip("10.0.0.7")));

  auto internet = store.Find(kInternetV4);
  REQUIRE(internet.ok());
  REQUIRE(internet->has_value());
  CHECK((*internet)->first_seen == 1700000000);
  CHECK((*internet)->last_seen == 1700007200);

  // fold_rejected_probes = false: an edge per scanner, as before.
  TestContext kept_ctx("probes.log");
  auto kept_parser = NewParser(/*fold_rejected_probes=*/false);
  kept_ctx.FeedLines(*kept_parser, text);
  MemoryStore kept;
  REQUIRE(kept.Apply(kept_ctx.delta_).ok());
  for (const char* scanner_ip : {"198.51.100.7", "185.220.101.47", "2a06:4880::5"}) {
    INFO(scanner_ip);
    auto e = FindEdge(kept, Ip(scanner_ip), EdgeKind::kNetworkFlow, eni);
    REQUIRE(e);
    CHECK(Counter(*e, "rejected") == 1);
    CHECK(e->counters.count("folded_probes") == 0);
    CHECK(Exists(kept, Ip(scanner_ip)));
  }
  auto both = FindEdge(kept, Ip("45.33.32.156"), EdgeKind::kNetworkFlow, eni);
  REQUIRE(both);
  CHECK(Counter(*both, "rejected") == 1);
  CHECK(Counter(*both, "accepted") == 1);
  CHECK(FindEdge(kept, Ip("192.0.2.99"), EdgeKind::kNetworkFlow, Instance("i-0f02")));
  CHECK_FALSE(Exists(kept, kInternetV4));
  CHECK_FALSE(Exists(kept, kInternetV6));
  CHECK(CountEdges(kept, eni, EdgeKind::kNetworkFlow) == 1);
  CHECK(CountEdges(kept, eni, EdgeKind::kNetworkFlow, Direction::kIn) == 5);
}

TEST_CASE("VpcFlow: IngestOptions::fold_rejected_probes reaches the parser through Ingest", "[ingest][vpc_flow]") {
  for (bool fold : {true, false}) {
    CAPTURE(fold);
    MemoryStore store;
    IngestOptions options;
    options.fold_rejected_probes = fold;
    Result<IngestStats> stats = Ingest(store, {GUMSHOE_TEST_DATA "/vpc_flow/v2_default.log"}, options);
    REQUIRE(stats.ok());
    CHECK(stats->records_ok == 4);
    EntityRef eni = Eni("eni-0a1b2c3d4e5f60001");
    CHECK(FindEdge(store, eni, EdgeKind::kNetworkFlow, Ip("198.51.100.20")));
    CHECK(FindEdge(store, kInternetV4, EdgeKind::kNetworkFlow, eni).has_value() == fold);
    CHECK(FindEdge(store, Ip("203.0.113.77"), EdgeKind::kNetworkFlow, eni).has_value() == !fold);
  }
}

TEST_CASE("VpcFlow: interface attributes keep their newest observation when rows go back in time",
          "[ingest][vpc_flow]") {
  const std::string text =
      "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status "
      "vpc-id subnet-id\n"
      "5 111122223333 eni-0aaa 10.0.0.5 52.94.1.1 40001 443 6 1 100 1700001000 1700001060 ACCEPT OK vpc-a subnet-x\n"
      "5 111122223333 eni-0aaa 10.0.0.5 52.94.1.1 40000 443 6 1 100 1700003000 1700003060 ACCEPT OK vpc-b subnet-x\n"
      "5 111122223333 eni-0aaa 10.0.0.5 52.94.1.1 40002 443 6 1 100 1700002000 1700002060 ACCEPT OK vpc-b subnet-x\n"
      "5 111122223333 eni-0aaa 10.0.0.5 52.94.1.1 40003 443 6 1 100 1700000500 1700000560 ACCEPT OK vpc-a subnet-y\n";
  for (int batch : {1, 100}) {
    CAPTURE(batch);
    MemoryStore store;
    BatchingContext ctx(store, batch);
    auto parser = NewParser();
    ctx.FeedLines(*parser, text);
    ctx.Flush();
    auto eni = store.Find(Eni("eni-0aaa"));
    REQUIRE(eni.ok());
    REQUIRE(eni->has_value());
    const Entity& e = **eni;
    CHECK(e.attrs.at("vpc_id") == AttrValue{"vpc-b", 1700003000});
    CHECK(e.attrs.at("subnet_id") == AttrValue{"subnet-x", 1700003000});
    CHECK(e.attrs.at("account") == AttrValue{"111122223333", 1700003000});
    CHECK(e.first_seen == 1700000500);
    CHECK(e.last_seen == 1700003000);
    auto local = store.Find(Ip("10.0.0.5"));
    REQUIRE(local.ok());
    REQUIRE(local->has_value());
    CHECK((*local)->first_seen == 1700000500);
    CHECK((*local)->last_seen == 1700003000);
  }
}

TEST_CASE("VpcFlow: a public local address is touched although no edge reaches it", "[ingest][vpc_flow]") {
  // An interface whose srcaddr is its public address (flow-direction says so):
  // the flow edge goes to the remote, and no assigned_ip edge to a public IP.
  const std::string text =
      "version interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status "
      "flow-direction\n"
      "5 eni-0bbb 3.5.1.2 198.51.100.9 40000 443 6 1 100 1700003000 1700003060 ACCEPT OK egress\n"
      "5 eni-0bbb 3.5.1.2 198.51.100.9 40001 443 6 1 100 1700001000 1700001060 ACCEPT OK egress\n";
  TestContext ctx("pub.log");
  auto parser = NewParser();
  ctx.FeedLines(*parser, text);
  MemoryStore store;
  REQUIRE(store.Apply(ctx.delta_).ok());
  CHECK_FALSE(FindEdge(store, Eni("eni-0bbb"), EdgeKind::kAssignedIp, Ip("3.5.1.2")));
  auto local = store.Find(Ip("3.5.1.2"));
  REQUIRE(local.ok());
  REQUIRE(local->has_value());
  CHECK((*local)->first_seen == 1700001000);
  CHECK((*local)->last_seen == 1700003000);
  CHECK(*(*local)->Attr("ip_class") == "public");
  CHECK((*local)->tags.count("public") == 1);
}

}  // namespace
}  // namespace gumshoe::ingest
