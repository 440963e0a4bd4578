// DOT of blast-radius --latent: could-edges (SubgraphEdge::could) are dashed
// and labelled "could ...", observed edges keep their rendering, a could-edge
// beside an observed edge between the same entities does not merge into it,
// and could-edges are never collapsed into a "+N" node.
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <catch2/catch.hpp>

#include "gumshoe/dot_export.h"

namespace gumshoe {
namespace {

constexpr Timestamp kT0 = 1762336800;  // 2025-11-05T10:00:00Z
const std::string kUser = "arn:aws:iam::210987654321:user/analyst";
const std::string kRole = "arn:aws:iam::210987654321:role/deploy";
const std::string kSecret = "arn:aws:secretsmanager:us-east-1:210987654321:secret:app/token-AbCdEf";

SubgraphEdge Observed(EntityKind sk, std::string s, EdgeKind kind, EntityKind dk, std::string d) {
  SubgraphEdge e;
  e.src = EntityRef{sk, std::move(s)};
  e.kind = kind;
  e.dst = EntityRef{dk, std::move(d)};
  e.stats.count = 1;
  e.stats.success = 1;
  e.stats.first_seen = e.stats.last_seen = kT0;
  e.stats.first_evidence = Evidence{kT0, "cloudtrail:9e8d7c6b-2222-4222-8222-000000000001"};
  e.emphasis = Emphasis::kCompromise;
  return e;
}

SubgraphEdge Could(EntityKind sk, std::string s, std::string could, EntityKind dk, std::string d) {
  SubgraphEdge e;
  e.src = EntityRef{sk, std::move(s)};
  e.dst = EntityRef{dk, std::move(d)};
  e.could = std::move(could);
  e.could_detail = "granted by arn:aws:iam::210987654321:user/analyst/inline/read-data Sid ReadSecrets";
  return e;
}

Subgraph LatentShaped() {
  using K = EntityKind;
  Subgraph g;
  g.title = "Blast radius of access_key:AKIAEXAMPLEANALYST01";
  SubgraphNode key;
  key.entity.kind = K::kAccessKey;
  key.entity.key = "AKIAEXAMPLEANALYST01";
  key.emphasis = Emphasis::kFocus;
  g.nodes.push_back(key);
  g.edges.push_back(Observed(K::kAccessKey, "AKIAEXAMPLEANALYST01", EdgeKind::kCredentialOf, K::kIamUser, kUser));
  g.edges.push_back(Observed(K::kIamUser, kUser, EdgeKind::kRead, K::kSecret, kSecret));
  // Between the same two entities as the observed read: drawn apart.
  g.edges.push_back(Could(K::kIamUser, kUser, "can_write", K::kSecret, kSecret));
  g.edges.push_back(Could(K::kIamUser, kUser, "can_assume", K::kIamRole, kRole));
  g.edges.push_back(Could(K::kIamRole, kRole, "can_write", K::kS3Bucket, "acme-artifacts"));
  g.edges.push_back(Could(K::kIamUser, kUser, "can_read", K::kKmsKey, "*"));
  return g;
}

bool Has(const std::string& text, const std::string& needle) { return text.find(needle) != std::string::npos; }

size_t Count(const std::string& s, const std::string& what) {
  size_t n = 0;
  for (size_t p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
  return n;
}

std::string Line(const std::string& dot, const std::string& needle) {
  std::istringstream in(dot);
  std::string line;
  while (std::getline(in, line))
    if (line.find(needle) != std::string::npos) return line;
  return "";
}

}  // namespace

TEST_CASE("DotExport: could-edges are dashed and labelled could, observed ones unchanged", "[graphviz][dot_export][latent]") {
  DotOptions o;
  o.show_legend = false;
  const std::string dot = ToDot(LatentShaped(), o);
  CHECK(Count(dot, "label=\"could ") == 4);
  CHECK(Count(dot, "style=\"dashed\", color=\"#7e57c2\"") == 4);
  CHECK(Has(dot, "label=\"could can_assume\""));
  CHECK(Has(dot, "could (not observed): analyst can_write app/token-AbCdEf"));
  // The observed read keeps its label and compromise colour, and is not dashed.
  const std::string read = Line(dot, "label=\"read ×1");
  REQUIRE(!read.empty());
  CHECK(read.find("dashed") == std::string::npos);
  // The wildcard summary is its own node.
  CHECK(Has(dot, "tooltip=\"could (not observed): analyst can_read *"));
}

TEST_CASE("DotExport: could-edges are never collapsed away", "[graphviz][dot_export][latent]") {
  Subgraph g = LatentShaped();
  for (int i = 0; i < 12; ++i)
    g.edges.push_back(Could(EntityKind::kIamUser, kUser, "can_read", EntityKind::kS3Bucket, "bucket-" + std::to_string(i)));
  DotOptions o;
  o.max_nodes = 5;
  const std::string dot = ToDot(g, o);
  CHECK(Count(dot, "label=\"could can_read\"") == 13);
  CHECK(!Has(dot, "+12"));
}

TEST_CASE("DotExport: blast radius with could-edges matches its golden file", "[graphviz][dot_export][latent]") {
  const std::string actual = ToDot(LatentShaped());
  const std::string path = std::string(GUMSHOE_GOLDEN_DIR) + "/blast_radius_latent.dot";
  const char* update = std::getenv("GUMSHOE_UPDATE_GOLDEN");
  if (update && std::string(update) == "1") {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << actual;
    WARN("rewrote golden file " << path);
    return;
  }
  INFO("golden file " << path << " (GUMSHOE_UPDATE_GOLDEN=1 rewrites it)");
  REQUIRE(std::filesystem::exists(path));
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  CHECK(ss.str() == actual);
}

}  // namespace gumshoe
