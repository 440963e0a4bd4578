// Helpers shared by the parser unit tests of the network sources: reading
// fixtures, feeding JSON lines to a parser, and looking edges up in a store.
#pragma once

#include <fstream>
#include <optional>
#include <sstream>
#include <string>

#include <rapidjson/document.h>

#include "gumshoe/store.h"
#include "ingest/test_context.h"

namespace gumshoe::ingest::testing {

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void FeedJsonLines(FileParser& parser, TestContext& ctx, const std::string& text) {
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

inline std::optional<EdgeStats> FindEdge(const GraphReader& r, const EntityRef& src, EdgeKind kind, const EntityRef& dst) {
  std::optional<EdgeStats> out;
  EntityId want = r.IdOf(dst.kind, dst.key);
  REQUIRE(r.ScanEdges(r.IdOf(src.kind, src.key), Direction::kOut, kind, [&](const Edge& e) {
             if (e.dst == want) out = e.stats;
             return true;
           }).ok());
  return out;
}

inline size_t CountEdges(const GraphReader& r, const EntityRef& src, EdgeKind kind) {
  size_t n = 0;
  REQUIRE(r.ScanEdges(r.IdOf(src.kind, src.key), Direction::kOut, kind, [&](const Edge&) {
             ++n;
             return true;
           }).ok());
  return n;
}

inline int64_t Counter(const EdgeStats& s, const std::string& name) {
  auto it = s.counters.find(name);
  return it == s.counters.end() ? 0 : it->second;
}

inline EntityRef Eni(const std::string& id) { return {EntityKind::kNetworkInterface, id}; }
inline EntityRef Ip(const std::string& ip) { return {EntityKind::kIpAddress, ip}; }
inline EntityRef Instance(const std::string& id) { return {EntityKind::kEc2Instance, id}; }

// Records begun and kept (the parsers reject before beginning a record).
inline int Ok(const TestContext& ctx) { return ctx.begun - ctx.duplicates - ctx.no_data; }

inline int Rejected(const TestContext& ctx) {
  int rejected = 0;
  for (const auto& [reason, n] : ctx.rejects) rejected += n;
  return rejected;
}


}  // namespace gumshoe::ingest::testing
