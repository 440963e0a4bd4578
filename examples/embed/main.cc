// Embedding gumshoe: open a store, ingest a log file, pivot from an entity.
//
//   embed_example STORE_DIR LOG_FILE ENTITY_KIND ENTITY_KEY
//
// Prints one line per neighbour group and exits non-zero on any error.
#include <cstdio>
#include <string>

#include "gumshoe/ingest.h"
#include "gumshoe/normalize.h"
#include "gumshoe/pivot.h"
#include "gumshoe/rocksdb_store.h"

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: %s STORE_DIR LOG_FILE ENTITY_KIND ENTITY_KEY\n", argv[0]);
    return 2;
  }
  auto store = gumshoe::OpenRocksStore(argv[1]);
  if (!store.ok()) {
    std::fprintf(stderr, "%s\n", store.status().ToString().c_str());
    return 1;
  }
  auto stats = gumshoe::Ingest(**store, {argv[2]}, gumshoe::IngestOptions{});
  if (!stats.ok()) {
    std::fprintf(stderr, "%s\n", stats.status().ToString().c_str());
    return 1;
  }
  std::printf("ingested %llu records (%llu rejected)\n", static_cast<unsigned long long>(stats->records_ok),
              static_cast<unsigned long long>(stats->rejected));

  auto kind = gumshoe::ParseEntityKind(argv[3]);
  if (!kind) {
    std::fprintf(stderr, "unknown entity kind %s\n", argv[3]);
    return 2;
  }
  auto key = gumshoe::NormalizeKey(*kind, argv[4]);
  if (!key.ok()) {
    std::fprintf(stderr, "%s\n", key.status().ToString().c_str());
    return 2;
  }
  auto pivot = gumshoe::Pivot(**store, gumshoe::EntityRef{*kind, *key}, gumshoe::PivotOptions{});
  if (!pivot.ok()) {
    std::fprintf(stderr, "%s\n", pivot.status().ToString().c_str());
    return 1;
  }
  for (const auto& group : pivot->groups)
    std::printf("%s %s: %llu\n", group.direction == gumshoe::Direction::kOut ? "out" : "in",
                std::string(gumshoe::EdgeKindName(group.kind)).c_str(),
                static_cast<unsigned long long>(group.total));
  return 0;
}
