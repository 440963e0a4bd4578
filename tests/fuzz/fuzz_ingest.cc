// libFuzzer target: one log source's parser, through the real ingest
// framework (splitting, gzip, dedup, batching), into a MemoryStore.
// The ingestor ("cloudtrail", "vpc_flow", ...) is the binary's name after
// "fuzz_" (fuzz_cloudtrail), or the GUMSHOE_FUZZ_SOURCE environment variable;
// so one object file serves every target.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "gumshoe/memory_store.h"
#include "registry.h"
#include "runner.h"

namespace {

std::string& SourceName() {
  static std::string name;
  return name;
}

const gumshoe::ingest::Ingestor* Target() {
  static const gumshoe::ingest::Ingestor* target = [] {
    for (const auto& ing : gumshoe::ingest::Ingestors())
      if (ing->name() == SourceName()) return ing.get();
    std::fprintf(stderr, "no ingestor named '%s' in this build\n", SourceName().c_str());
    std::abort();
  }();
  return target;
}

// The file each input is written to (and removed from after its run).
const std::string& InputPath() {
  static const std::string path = "/dev/shm/gumshoe-fuzz-" + std::to_string(getpid()) + "-" + SourceName();
  return path;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  if (const char* env = std::getenv("GUMSHOE_FUZZ_SOURCE"); env != nullptr && *env != '\0') {
    SourceName() = env;
  } else if (*argc > 0) {
    std::string self = (*argv)[0];
    self = self.substr(self.find_last_of('/') + 1);
    SourceName() = self.rfind("fuzz_", 0) == 0 ? self.substr(5) : self;
  }
  Target();  // fail fast on an unknown name
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string& path = InputPath();
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return 0;
  std::fwrite(data, 1, size, f);
  std::fclose(f);
  gumshoe::MemoryStore store(gumshoe::HashKey{1, 2});
  gumshoe::IngestOptions options;
  options.source = SourceName();
  options.max_record_bytes = 1 << 20;
  options.max_decompressed_bytes = 64 << 20;
  options.batch_records = 16;
  // Batches apply inline on one reader: a thread per 16-record batch made
  // JSON-lines targets spend their time creating threads, not parsing.
  options.apply_in_background = false;
  options.threads = 1;
  options.list_name = "fuzz";
  options.db_instance = "fuzz-db";
  auto stats = gumshoe::ingest::IngestWith(store, {Target()}, {path}, options);
  std::remove(path.c_str());  // libFuzzer ends with _Exit: no atexit cleanup
  if (stats.ok()) {
    // Every record is accounted for exactly once.
    const auto& s = *stats;
    if (s.records_total != s.records_ok + s.duplicates + s.rejected + s.no_data) std::abort();
    // An exception escaping a parser is a bug (it ends the file early).
    for (const std::string& e : s.file_errors) {
      if (e.find(": internal error: ") != std::string::npos) {
        std::fprintf(stderr, "%s\n", e.c_str());
        std::abort();
      }
    }
  }
  return 0;
}
