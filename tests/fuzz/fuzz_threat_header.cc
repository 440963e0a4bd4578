// libFuzzer target: threat-list headers (issue 21.9). The input becomes the
// values of a list's `# window_hours:` and `# listed_at:` headers and a free
// header line, above a few addresses and networks; the list goes through the
// real ingest framework into a MemoryStore. However hostile the header, the
// hourly buckets written stay within IngestOptions::max_listed_hours_per_file
// and every record is accounted for once.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "gumshoe/memory_store.h"
#include "registry.h"
#include "runner.h"

namespace {

const gumshoe::ingest::Ingestor* ThreatIntel() {
  static const gumshoe::ingest::Ingestor* target = [] {
    for (const auto& ing : gumshoe::ingest::Ingestors())
      if (ing->name() == "threat_intel") return ing.get();
    std::abort();
  }();
  return target;
}

constexpr uint64_t kMaxHours = 4096;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  // Up to three header values, separated by newlines in the input.
  std::string_view parts[3];
  for (auto& p : parts) {
    size_t nl = in.find('\n');
    p = in.substr(0, nl);
    in = nl == std::string_view::npos ? std::string_view() : in.substr(nl + 1);
  }
  std::string text = "# window_hours: " + std::string(parts[0]) + "\n# listed_at: " + std::string(parts[1]) + "\n# " +
                     std::string(parts[2]) + "\n203.0.113.5\n198.51.100.0/28\n2001:db8::/120\n203.0.113.5\n";
  static const std::string path = "/dev/shm/gumshoe-fuzz-threat-header-" + std::to_string(getpid());
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return 0;
  std::fwrite(text.data(), 1, text.size(), f);
  std::fclose(f);
  gumshoe::MemoryStore store(gumshoe::HashKey{1, 2});
  gumshoe::IngestOptions options;
  options.source = "threat_intel";
  options.list_name = "fuzz";
  options.threads = 1;
  options.apply_in_background = false;
  options.max_listed_hours_per_file = kMaxHours;
  auto stats = gumshoe::ingest::IngestWith(store, {ThreatIntel()}, {path}, options);
  std::remove(path.c_str());
  if (!stats.ok()) return 0;
  const auto& s = *stats;
  if (s.records_total != s.records_ok + s.duplicates + s.rejected + s.no_data) std::abort();
  uint64_t hours = 0;
  gumshoe::Status st = store.ScanAllEdges([&](const gumshoe::Edge& e) {
    if (e.kind == gumshoe::EdgeKind::kListedIn) hours += e.stats.hourly.size();
    return true;
  });
  if (!st.ok()) std::abort();
  if (hours > kMaxHours) std::abort();
  return 0;
}
