// Helpers for CloudTrail tests that feed JSON-lines records (inline fixtures
// or a shared dataset) through the parser into a MemoryStore and read back
// edges and lineage.
#pragma once

#include <catch2/catch.hpp>

#include <fstream>
#include <optional>
#include <sstream>
#include <string>

#include <rapidjson/document.h>

#include "gumshoe/lineage.h"
#include "gumshoe/memory_store.h"
#include "ingest/test_context.h"
#include "ingestor.h"

namespace gumshoe::ingest {

std::unique_ptr<Ingestor> NewCloudTrailIngestor();

namespace ct_fixture {

inline std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Feeds one JSON record per line to a fresh CloudTrail parser; returns the
// number of records fed. A line that is not JSON is rejected as bad_json.
inline int FeedLines(testing::TestContext& ctx, const std::string& text) {
  auto parser = NewCloudTrailIngestor()->NewParser(FileInfo{"ct.json", true}, IngestOptions{});
  std::istringstream in(text);
  std::string line;
  int fed = 0;
  while (std::getline(in, line)) {
    ++ctx.pos_.line;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    rapidjson::Document doc;
    doc.Parse(line.c_str(), line.size());
    ++fed;
    if (doc.HasParseError()) {
      ctx.Reject("bad_json");
      continue;
    }
    parser->OnJson(doc, ctx);
  }
  parser->Finish(ctx);
  return fed;
}

inline void Apply(MemoryStore& store, testing::TestContext& ctx) {
  REQUIRE(store.Apply(ctx.delta_).ok());
  ctx.delta_.Clear();
}

inline std::optional<Entity> Get(const GraphReader& r, const EntityRef& ref) {
  auto e = r.Find(ref);
  REQUIRE(e.ok());
  return *e;
}

inline std::optional<EdgeStats> FindEdge(const GraphReader& r, const EntityRef& src, EdgeKind kind,
                                         const EntityRef& dst) {
  std::optional<EdgeStats> out;
  EntityId want = r.IdOf(dst.kind, dst.key);
  REQUIRE(r.ScanEdges(r.IdOf(src.kind, src.key), Direction::kOut, kind, [&](const Edge& e) {
             if (e.dst == want) out = e.stats;
             return true;
           }).ok());
  return out;
}

// Number of out-edges of `kind` from `src`.
inline size_t CountOut(const GraphReader& r, const EntityRef& src, EdgeKind kind) {
  size_t n = 0;
  REQUIRE(r.ScanEdges(r.IdOf(src.kind, src.key), Direction::kOut, kind, [&](const Edge&) {
             ++n;
             return true;
           }).ok());
  return n;
}
inline size_t CountIn(const GraphReader& r, const EntityRef& dst, EdgeKind kind) {
  size_t n = 0;
  REQUIRE(r.ScanEdges(r.IdOf(dst.kind, dst.key), Direction::kIn, kind, [&](const Edge&) {
             ++n;
             return true;
           }).ok());
  return n;
}

inline int64_t CounterOf(const EdgeStats& s, const std::string& name) {
  auto it = s.counters.find(name);
  return it == s.counters.end() ? 0 : it->second;
}

inline int NodeOf(const LineageResult& r, const EntityRef& ref) {
  for (size_t i = 0; i < r.nodes.size(); ++i)
    if (r.nodes[i].entity.ref() == ref) return static_cast<int>(i);
  return -1;
}
inline const LineageLink* LinkBetween(const LineageResult& r, const EntityRef& from, const EntityRef& to) {
  int f = NodeOf(r, from), t = NodeOf(r, to);
  for (const LineageLink& l : r.links)
    if (static_cast<int>(l.from) == f && static_cast<int>(l.to) == t) return &l;
  return nullptr;
}

}  // namespace ct_fixture
}  // namespace gumshoe::ingest
