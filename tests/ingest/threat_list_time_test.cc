// Issue 20.11: when a threat list says an address was listed, and which list
// a record belongs to. Issue 21.9: a list's expansion (entries x window
// hours) is bounded and counted in the write batch's size.
#include <catch2/catch.hpp>

#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "gumshoe/ingest.h"
#include "gumshoe/memory_store.h"
#include "gumshoe/normalize.h"
#include "gumshoe/rds_detect.h"
#include "gumshoe/time_util.h"

namespace gumshoe {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "gumshoe-lists-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string Write(const std::string& name, const std::string& text) const {
    std::string p = (fs::path(path_) / name).string();
    fs::create_directories(fs::path(p).parent_path());
    std::ofstream(p, std::ios::binary) << text;
    return p;
  }

 private:
  std::string path_;
};

IngestStats MustIngest(GraphStore& store, const std::string& path, IngestOptions options) {
  options.threads = 1;
  Result<IngestStats> stats = Ingest(store, {path}, options);
  REQUIRE(stats.ok());
  INFO(stats->ToJson());
  CHECK(stats->file_errors.empty());
  return std::move(stats).value();
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

int64_t Counter(const EdgeStats& s, const std::string& name) {
  auto it = s.counters.find(name);
  return it == s.counters.end() ? 0 : it->second;
}

Timestamp T(const char* iso) { return *ParseIsoTime(iso); }

// An Aurora MySQL audit log (the shape of the AWS documentation's example):
// 198.51.100.23 logs in as app on 2024-03-01 09:00:00 UTC, long before the
// list below is downloaded (its file is written now, so its mtime is today).
const char* kAudit =
    "1709283600000000,prod-aurora-1,app,198.51.100.23,4711,0,CONNECT,shop,,0\n"
    "1709283601000000,prod-aurora-1,app,198.51.100.23,4711,0,DISCONNECT,shop,,0\n";

const RdsFinding* FindType(const RdsDetectResult& r, const std::string& type) {
  for (const RdsFinding& f : r.findings)
    if (f.type == type) return &f;
  return nullptr;
}

TEST_CASE("ThreatList: a list without a date holds for the whole timeline, not from its mtime",
          "[ingest][threat_intel]") {
  TempDir dir;
  MemoryStore store;
  IngestOptions audit;
  audit.source = "mysql_audit";
  MustIngest(store, dir.Write("audit/audit.log", kAudit), audit);
  const std::string list = dir.Write("bad-actors.txt", "# scanners and brute forcers\n198.51.100.23\n203.0.113.0/24\n");
  IngestStats s = MustIngest(store, list, IngestOptions{});
  CHECK(s.records_ok == 2);

  auto e = Listed(store, "198.51.100.23", "bad-actors");
  REQUIRE(e);
  CHECK(Counter(*e, "listed_always") == 1);
  CHECK(e->hourly.empty());  // nothing written per hour
  CHECK(e->first_seen == kNoTime);
  CHECK(e->first_evidence.ref == "bad-actors.txt:2");
  auto l = store.Find(EntityRef{EntityKind::kThreatList, "bad-actors"});
  REQUIRE(l.ok());
  REQUIRE(l->has_value());
  REQUIRE((*l)->Attr("cidr:203.0.113.0/24"));
  CHECK(*(*l)->Attr("cidr:203.0.113.0/24") == "..");

  // The login, months before the list's file was written, matches it.
  Result<RdsDetectResult> r = DetectRds(store, RdsDetectOptions{});
  REQUIRE(r.ok());
  const RdsFinding* f = FindType(*r, "CredentialAccess:RDS/MaliciousIPCaller.SuccessfulLogin");
  REQUIRE(f);
  CHECK(f->remote_ip == "198.51.100.23");
  CHECK(f->threat_list == "bad-actors");
  CHECK(f->first_seen / 3600 == T("2024-03-01T09:00:00Z") / 3600);
}

TEST_CASE("ThreatList: an undated CIDR matches at any time", "[ingest][threat_intel]") {
  TempDir dir;
  MemoryStore store;
  IngestOptions audit;
  audit.source = "mysql_audit";
  MustIngest(store, dir.Write("audit/audit.log", "1709283600000000,prod-aurora-1,app,203.0.113.77,9,0,CONNECT,shop,,0\n"),
             audit);
  IngestOptions opt;
  opt.list_name = "honeypot";
  MustIngest(store, dir.Write("nets.txt", "203.0.113.0/24\n"), opt);
  Result<RdsDetectResult> r = DetectRds(store, RdsDetectOptions{});
  REQUIRE(r.ok());
  const RdsFinding* f = FindType(*r, "CredentialAccess:RDS/MaliciousIPCaller.SuccessfulLogin");
  REQUIRE(f);
  CHECK(f->threat_list == "honeypot");
}

TEST_CASE("ThreatList: --listed-at and --window-hours date an undated list", "[ingest][threat_intel]") {
  TempDir dir;
  const std::string list = dir.Write("bad-actors.txt", "# window_hours: 72\n198.51.100.23\n198.51.100.24 2024-02-01T00:00:00Z\n");
  SECTION("--listed-at: the header's window") {
    MemoryStore store;
    IngestOptions opt;
    opt.list_listed_at = T("2024-03-10T12:00:00Z");
    MustIngest(store, list, opt);
    auto e = Listed(store, "198.51.100.23", "bad-actors");
    REQUIRE(e);
    CHECK(Counter(*e, "listed_always") == 0);
    CHECK(e->first_seen == T("2024-03-10T12:00:00Z"));
    CHECK(e->hourly.size() == 145);
    CHECK(e->hourly.begin()->first == T("2024-03-10T12:00:00Z") / 3600 - 72);
    // A line's own time wins.
    auto own = Listed(store, "198.51.100.24", "bad-actors");
    REQUIRE(own);
    CHECK(own->first_seen == T("2024-02-01T00:00:00Z"));
    // The login on 2024-03-01 is outside the window: no match.
    IngestOptions audit;
    audit.source = "mysql_audit";
    MustIngest(store, dir.Write("audit/audit.log", kAudit), audit);
    Result<RdsDetectResult> r = DetectRds(store, RdsDetectOptions{});
    REQUIRE(r.ok());
    CHECK(FindType(*r, "CredentialAccess:RDS/MaliciousIPCaller.SuccessfulLogin") == nullptr);
  }
  SECTION("--window-hours wins over the header") {
    MemoryStore store;
    IngestOptions opt;
    opt.list_listed_at = T("2024-03-10T12:00:00Z");
    opt.list_window_hours = 2;
    MustIngest(store, list, opt);
    auto e = Listed(store, "198.51.100.23", "bad-actors");
    REQUIRE(e);
    CHECK(e->hourly.size() == 5);
  }
}

TEST_CASE("ThreatList: the list name is part of a record's identity", "[ingest][threat_intel]") {
  TempDir dir;
  const std::string plain = dir.Write("ips.txt", "198.51.100.23\n198.51.100.24\n");
  const std::string tor = dir.Write("exit-addresses",
                                    "ExitNode 7E5A1C0DE0000000000000000000000000000A01\n"
                                    "Published 2024-03-16 02:03:04\nLastStatus 2024-03-16 10:00:00\n"
                                    "ExitAddress 185.220.101.4 2024-03-16 10:05:00\n");
  MemoryStore store;
  for (const std::string& path : {plain, tor}) {
    INFO(path);
    IngestOptions a;
    a.list_name = "alpha";
    IngestOptions b;
    b.list_name = "beta";
    IngestStats first = MustIngest(store, path, a);
    CHECK(first.records_ok > 0);
    CHECK(first.duplicates == 0);
    IngestStats other = MustIngest(store, path, b);
    CHECK(other.records_ok == first.records_ok);
    CHECK(other.duplicates == 0);
    IngestStats again = MustIngest(store, path, b);
    CHECK(again.records_ok == 0);
    CHECK(again.duplicates == first.records_ok);
  }
  CHECK(Listed(store, "198.51.100.23", "alpha"));
  CHECK(Listed(store, "198.51.100.23", "beta"));
  CHECK(Listed(store, "185.220.101.4", "alpha"));
  CHECK(Listed(store, "185.220.101.4", "beta"));
  CHECK_FALSE(Listed(store, "185.220.101.4", "tor"));
}

// Issue 21.9: a 47 KB list of 3,000 addresses with `# window_hours: 20000`
// reached a 4 GB RSS (17,569 buckets per address in one batch).
std::string ManyAddresses(int n, const std::string& header) {
  std::string text = header;
  for (int i = 0; i < n; ++i)
    text += "198.18." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1) + "\n";
  return text;
}

TEST_CASE("ThreatList: a window past the limit is rejected by name, not expanded", "[ingest][threat_intel]") {
  TempDir dir;
  MemoryStore store;
  const std::string list =
      dir.Write("huge-window.txt", ManyAddresses(3000, "# listed_at: 2024-03-10T00:00:00Z\n# window_hours: 20000\n"));
  IngestStats s = MustIngest(store, list, IngestOptions{});
  CHECK(s.rejects["threat_intel.window_hours_too_large"] == 1);
  REQUIRE(s.examples["threat_intel.window_hours_too_large"].size() == 1);
  CHECK(s.examples["threat_intel.window_hours_too_large"][0] == list + ":2");
  CHECK(s.records_ok == 3000);
  // The entries keep the default window (24 h on each side).
  auto e = Listed(store, "198.18.0.1", "huge-window");
  REQUIRE(e);
  CHECK(e->hourly.size() == 49);
  CHECK(kMaxListWindowHours == 744);
}

TEST_CASE("ThreatList: hours x entries per file are bounded, the rest is rejected", "[ingest][threat_intel]") {
  TempDir dir;
  MemoryStore store;
  IngestOptions opt;
  opt.list_listed_at = T("2024-03-10T00:00:00Z");
  opt.list_window_hours = 24;       // 49 buckets per entry
  opt.max_listed_hours_per_file = 49 * 100;
  IngestStats s = MustIngest(store, dir.Write("capped.txt", ManyAddresses(150, "")), opt);
  CHECK(s.records_ok == 100);
  CHECK(s.rejects["threat_intel.listed_hours_limit"] == 50);
  CHECK(Listed(store, "198.18.0.100", "capped"));  // the 100th entry
  CHECK_FALSE(Listed(store, "198.18.0.101", "capped"));
  // Undated entries write no buckets: not limited by it.
  IngestOptions undated;
  undated.max_listed_hours_per_file = 1;
  IngestStats u = MustIngest(store, dir.Write("undated.txt", ManyAddresses(150, "")), undated);
  CHECK(u.records_ok == 150);
}

TEST_CASE("ThreatList: the buckets of a long window count in the batch size", "[ingest][threat_intel]") {
  TempDir dir;
  MemoryStore store;
  IngestOptions opt;
  opt.list_listed_at = T("2024-03-10T00:00:00Z");
  opt.list_window_hours = kMaxListWindowHours;  // 1,489 buckets per entry
  opt.batch_bytes = 4u << 20;
  opt.apply_in_background = false;
  // 800 entries: about 57 MB of buckets at 48 bytes each, so about fourteen
  // 4 MiB batches; counted as entities and edges only (before the fix) they
  // made well under one.
  IngestStats s = MustIngest(store, dir.Write("long.txt", ManyAddresses(800, "")), opt);
  CHECK(s.records_ok == 800);
  CHECK(s.batches >= 12);
  auto e = Listed(store, "198.18.3.50", "long");
  REQUIRE(e);
  CHECK(e->hourly.size() == 2 * kMaxListWindowHours + 1);
}

}  // namespace
}  // namespace gumshoe
