// Regressions found by the libFuzzer targets (tests/fuzz, scripts/fuzz.sh).
// Each reproducer is a file in tests/data/hostile/regress/ named
// <target>-<what>.<ext>: entity_ref-* files are user-typed entity references
// (the CLI's ENTITY argument), the others are inputs of the ingestor
// <target>, fed through Ingest() with the fuzz targets' options. Every file
// is checked with the properties its fuzz target checks, plus the specific
// outcome listed below for the bug it reproduced.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "gumshoe/ingest.h"
#include "gumshoe/memory_store.h"
#include "gumshoe/normalize.h"

namespace fs = std::filesystem;
using namespace gumshoe;

namespace {

const fs::path kRegress = fs::path(GUMSHOE_TEST_DATA) / "hostile" / "regress";

std::string Slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Reproducers of `target`, sorted.
std::vector<fs::path> Reproducers(const std::string& target) {
  std::vector<fs::path> out;
  for (const auto& entry : fs::directory_iterator(kRegress)) {
    std::string name = entry.path().filename().string();
    if (name.rfind(target + "-", 0) == 0) out.push_back(entry.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// The fuzz_ingest options (tests/fuzz/fuzz_ingest.cc).
IngestStats RunFuzzIngest(MemoryStore& store, const fs::path& file, const std::string& source) {
  IngestOptions options;
  options.source = source;
  options.max_record_bytes = 1 << 20;
  options.max_decompressed_bytes = 64 << 20;
  options.batch_records = 16;
  options.list_name = "fuzz";
  options.db_instance = "fuzz-db";
  options.now = 1798761600;  // 2027-01-01
  auto stats = Ingest(store, {file.string()}, options);
  REQUIRE(stats.ok());
  const IngestStats& s = *stats;
  INFO(s.ToJson());
  CHECK(s.records_total == s.records_ok + s.duplicates + s.rejected + s.no_data);
  for (const std::string& e : s.file_errors) CHECK(e.find("internal error") == std::string::npos);
  return s;
}

}  // namespace

TEST_CASE("Fuzz regressions: entity references normalise to themselves and display safely",
          "[ingest][fuzz_regress]") {
  auto files = Reproducers("entity_ref");
  REQUIRE(files.size() >= 3);
  for (const auto& file : files) {
    INFO(file.filename().string());
    std::string text = Slurp(file);
    auto refs = CandidateRefs(text);
    CHECK_FALSE(refs.empty());
    for (const auto& ref : refs) {
      INFO(EntityKindName(ref.kind));
      auto again = NormalizeKey(ref.kind, ref.key);
      REQUIRE(again.ok());
      CHECK(*again == ref.key);
      std::string shown;
      CHECK_NOTHROW(shown = ShortName(ref));
      CHECK_FALSE(shown.empty());
    }
  }
}

TEST_CASE("Fuzz regressions: a user agent cut at the key limit keeps no trailing blank", "[ingest][fuzz_regress]") {
  std::string text = Slurp(kRegress / "entity_ref-user-agent-cut-at-space.txt");
  auto key = NormalizeKey(EntityKind::kUserAgent, text);
  REQUIRE(key.ok());
  CHECK(key->size() == kMaxUserAgentBytes - 1);
  CHECK(key->back() == 'A');
  auto domain = NormalizeKey(EntityKind::kDomain, "Example.COM. .");
  REQUIRE(domain.ok());
  CHECK(*domain == "example.com");
  CHECK(ShortName(EntityRef{EntityKind::kIamUser, "arn::root"}) == "root");
  CHECK(ShortName(EntityRef{EntityKind::kIamUser, "arn:aws:iam::111122223333:root"}) == "root (111122223333)");
}

TEST_CASE("Fuzz regressions: every ingest reproducer is accounted for without internal errors",
          "[ingest][fuzz_regress]") {
  for (const auto& entry : fs::directory_iterator(kRegress)) {
    std::string name = entry.path().filename().string();
    std::string target = name.substr(0, name.find('-'));
    if (target == "entity_ref") continue;
    INFO(name);
    MemoryStore store;
    RunFuzzIngest(store, entry.path(), target);
  }
}

TEST_CASE("Fuzz regressions: hostile byte and packet counts saturate instead of overflowing", "[ingest][fuzz_regress]") {
  // Two records of one edge carry counts near or above INT64_MAX; a third is
  // ordinary. Summing them overflowed the signed counters (UBSan:
  // signed-integer-overflow) and stored negative byte counts.
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  for (const char* name : {"vpc_flow-huge-byte-counters.log", "s3_access-huge-bytes-sent.log",
                           "cloudtrail-huge-bytes-transferred.jsonl"}) {
    INFO(name);
    std::string file = name;
    MemoryStore store;
    IngestStats s = RunFuzzIngest(store, kRegress / file, file.substr(0, file.find('-')));
    CHECK(s.records_ok == 3);
    int64_t bytes = 0;
    bool all_non_negative = true;
    REQUIRE(store.ScanAllEdges([&](const Edge& e) {
                   for (const auto& [counter, n] : e.stats.counters) {
                     if (n < 0) all_non_negative = false;
                     if (counter.rfind("bytes_", 0) == 0) bytes = std::max(bytes, n);
                   }
                   return true;
                 }).ok());
    CHECK(all_non_negative);
    CHECK(bytes == kMax);
  }
}
