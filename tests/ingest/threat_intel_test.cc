#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>

#include "gumshoe/memory_store.h"
#include "gumshoe/normalize.h"
#include "gumshoe/time_util.h"
#include "ingest/test_context.h"
#include "registry.h"

namespace gumshoe::ingest {
namespace {

using testing::TestContext;

const std::string kData = GUMSHOE_TEST_DATA;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::unique_ptr<TestContext> Feed(GraphStore& store, const std::string& path, const std::string& text,
                                  IngestOptions options = {}) {
  auto ctx = std::make_unique<TestContext>(path);
  ctx->options_ = options;
  auto parser = NewThreatIntelIngestor()->NewParser(FileInfo{path, false}, options);
  ctx->FeedLines(*parser, text);
  REQUIRE(store.Apply(ctx->delta_).ok());
  return ctx;
}

std::optional<EdgeStats> Listed(const GraphReader& r, std::string_view ip, std::string_view list) {
  std::optional<EdgeStats> out;
  EntityId want = r.IdOf(EntityKind::kThreatList, *NormalizeKey(EntityKind::kThreatList, list));
  REQUIRE(r.ScanEdges(r.IdOf(EntityKind::kIpAddress, *NormalizeKey(EntityKind::kIpAddress, ip)), Direction::kOut,
                      EdgeKind::kListedIn, [&](const Edge& e) {
                        if (e.dst == want) out = e.stats;
                        return true;
                      }).ok());
  return out;
}

uint32_t HourOf(std::string_view iso) { return static_cast<uint32_t>(*ParseIsoTime(iso) / 3600); }

TEST_CASE("ThreatIntel: Tor exit-addresses list each address around its test time", "[ingest][threat_intel]") {
  MemoryStore store;
  const std::string path = kData + "/threat_intel/tor_exit_addresses.txt";
  auto ctx = Feed(store, path, ReadFile(path));
  CHECK(ctx->rejects == std::map<std::string, int>{{"bad_ip", 1}});
  CHECK(ctx->reject_lines["bad_ip"] == std::set<uint64_t>{10});
  CHECK(ctx->begun == 4);

  auto e = Listed(store, "185.220.101.4", "tor");
  REQUIRE(e);
  CHECK(e->count == 1);
  CHECK(e->first_seen == *ParseIsoTime("2024-03-16T10:05:00Z"));
  CHECK(e->first_evidence.ref == path + ":4");
  uint32_t h = HourOf("2024-03-16T10:05:00Z");
  CHECK(e->hourly.size() == 49);  // default window: 24 h on each side
  CHECK(e->hourly.begin()->first == h - 24);
  CHECK(e->hourly.rbegin()->first == h + 24);
  CHECK(e->CountInWindow(*ParseIsoTime("2024-03-20T11:00:00Z"), *ParseIsoTime("2024-03-20T11:59:00Z")) == 0);

  auto ip = store.Find(EntityRef{EntityKind::kIpAddress, "185.220.101.4"});
  REQUIRE(ip.ok());
  REQUIRE(ip->has_value());
  CHECK((*ip)->tags.count("tor_exit") == 1);
  CHECK(*(*ip)->Attr("tor_exit_node") == "7E5A1C0DE0000000000000000000000000000A01");
  CHECK(Listed(store, "2a0b:f4c2::1", "tor"));
}

TEST_CASE("ThreatIntel: the Tor window is configurable", "[ingest][threat_intel]") {
  MemoryStore store;
  IngestOptions opt;
  opt.tor_window_hours = 2;
  Feed(store, "exit-addresses", "ExitNode AB\nPublished 2024-03-16 02:03:04\nLastStatus 2024-03-16 10:00:00\n"
                                "ExitAddress 185.220.101.4 2024-03-16 10:05:00\n", opt);
  auto e = Listed(store, "185.220.101.4", "tor");
  REQUIRE(e);
  CHECK(e->hourly.size() == 5);
}

TEST_CASE("ThreatIntel: plain lists take their name, listing time and window", "[ingest][threat_intel]") {
  MemoryStore store;
  const std::string path = kData + "/threat_intel/blocklist.txt";
  auto ctx = Feed(store, path, ReadFile(path));
  CHECK(ctx->rejects == std::map<std::string, int>{{"bad_ip", 1}});
  CHECK(ctx->reject_lines["bad_ip"] == std::set<uint64_t>{6});

  auto e = Listed(store, "45.155.205.99", "blocklist");
  REQUIRE(e);
  uint32_t h = HourOf("2024-03-18T00:00:00Z");
  CHECK(e->hourly.begin()->first == h - 72);
  CHECK(e->hourly.rbegin()->first == h + 72);
  auto ip = store.Find(EntityRef{EntityKind::kIpAddress, "45.155.205.99"});
  REQUIRE(ip->has_value());
  CHECK((*ip)->tags.count("threat_listed") == 1);
  CHECK((*ip)->tags.count("tor_exit") == 0);

  // A line's own time wins over the header.
  auto own = Listed(store, "193.42.33.14", "blocklist");
  REQUIRE(own);
  CHECK(own->first_seen == *ParseIsoTime("2024-02-01T00:00:00Z"));

  // CIDRs are kept on the list with their window.
  auto list = store.Find(EntityRef{EntityKind::kThreatList, "blocklist"});
  REQUIRE(list->has_value());
  const std::string* cidr = (*list)->Attr("cidr:91.240.118.0/24");
  REQUIRE(cidr);
  Timestamp t = *ParseIsoTime("2024-03-18T00:00:00Z");
  CHECK(*cidr == std::to_string(t - 72 * 3600) + ".." + std::to_string(t + 72 * 3600));
}

TEST_CASE("ThreatIntel: --list-name names the list, torbulkexitlist is the Tor list", "[ingest][threat_intel]") {
  MemoryStore store;
  IngestOptions opt;
  opt.list_name = "honeypot";
  Feed(store, "ips.txt", "# listed_at: 2024-03-18\n203.0.113.9\n", opt);
  CHECK(Listed(store, "203.0.113.9", "honeypot"));
  CHECK_FALSE(Listed(store, "203.0.113.9", "ips"));

  const std::string bulk = kData + "/threat_intel/torbulkexitlist";
  auto ctx = Feed(store, bulk, ReadFile(bulk));
  CHECK(ctx->rejects.empty());
  CHECK(Listed(store, "185.220.101.77", "tor"));
  CHECK(Listed(store, "2a0b:f4c2:2::1", "tor"));
  auto ip = store.Find(EntityRef{EntityKind::kIpAddress, "185.220.101.77"});
  REQUIRE(ip->has_value());
  CHECK((*ip)->tags.count("tor_exit") == 1);
}

TEST_CASE("ThreatIntel: sniffing", "[ingest][threat_intel]") {
  auto ti = NewThreatIntelIngestor();
  CHECK(ti->Sniff("x", "ExitNode AB\nPublished 2024-03-16 02:03:04\n") >= 90);
  CHECK(ti->Sniff("torbulkexitlist", "1.2.3.4\n5.6.7.8\n") >= 80);
  CHECK(ti->Sniff("list.txt", "# c\n1.2.3.4\n10.0.0.0/8\n") > 0);
  CHECK(ti->Sniff("list.txt", "1.2.3.4 hello\nnot an ip\n") == 0);
  const std::string blocklist = kData + "/threat_intel/blocklist.txt";
  CHECK(ti->Sniff(blocklist, ReadFile(blocklist)) > 0);  // one bad entry in four
  CHECK(ti->Sniff("audit.log", "1709283600123456,db,app,10.0.1.15,1,0,CONNECT,shop,,0\n") <
        NewMysqlAuditIngestor()->Sniff("audit.log", "1709283600123456,db,app,10.0.1.15,1,0,CONNECT,shop,,0\n"));
}

TEST_CASE("ThreatIntel: the real March 2024 Tor exit list loads every address with its times",
          "[ingest][threat_intel][shared]") {
  const std::string path = std::string(GUMSHOE_SOURCE_DIR) + "/../shared/datasets/tor-exit-addresses-2024-03/exit-addresses";
  // [shared]: the public datasets must be beside the repository (scripts/test.sh checks).
  REQUIRE(std::filesystem::exists(path));
  std::string text = ReadFile(path);
  // Independent count: a plain scan of the ExitAddress lines.
  std::multimap<std::string, Timestamp> expected;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("ExitAddress ", 0) != 0) continue;
    std::istringstream fields(line.substr(12));
    std::string ip, day, clock;
    fields >> ip >> day >> clock;
    expected.emplace(ip, *ParseIsoTime(day + "T" + clock + "Z"));
  }
  std::set<std::string> distinct;
  for (const auto& [ip, t] : expected) distinct.insert(ip);
  REQUIRE(expected.size() == 2378);
  REQUIRE(distinct.size() == 1174);

  MemoryStore store;
  auto ctx = Feed(store, path, text);
  CHECK(ctx->rejects.empty());
  CHECK(ctx->begun == static_cast<int>(expected.size()));
  CHECK(ctx->duplicates == 0);

  size_t listed_ips = 0;
  REQUIRE(store.ScanEntities(EntityKind::kIpAddress, [&](const Entity& e) {
    if (e.tags.count("tor_exit")) ++listed_ips;
    return true;
  }).ok());
  CHECK(listed_ips == distinct.size());

  size_t covered = 0;
  for (const auto& [ip, t] : expected) {
    auto e = Listed(store, ip, "tor");
    REQUIRE(e);
    bool ok = e->hourly.count(static_cast<uint32_t>(t / 3600)) && e->first_seen <= t && t <= e->last_seen &&
              e->hourly.count(static_cast<uint32_t>(t / 3600 + 24)) && e->hourly.count(static_cast<uint32_t>(t / 3600 - 24));
    covered += ok;
  }
  CHECK(covered == expected.size());
}

}  // namespace
}  // namespace gumshoe::ingest
