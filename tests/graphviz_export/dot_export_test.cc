// Tests of the DOT exporter: golden files per query shape, Graphviz parsing,
// collapsing, styling, and injection resistance of DOT/SVG/HTML/Markdown.
#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "gumshoe/dot_export.h"
#include "gumshoe/report.h"
#include "gumshoe/time_util.h"

namespace gumshoe {
namespace {

constexpr Timestamp kT0 = 1709294400;  // 2024-03-01T12:00:00Z

SubgraphNode MakeNode(EntityKind kind, std::string key, Emphasis emphasis = Emphasis::kNone,
                  std::map<std::string, std::string> attrs = {}) {
  SubgraphNode n;
  n.entity.kind = kind;
  n.entity.key = std::move(key);
  n.emphasis = emphasis;
  for (auto& [k, v] : attrs) n.entity.attrs[k] = AttrValue{v, kT0};
  return n;
}

SubgraphEdge MakeEdge(EntityKind sk, std::string s, EdgeKind kind, EntityKind dk, std::string d, uint64_t count,
                  Timestamp first, Timestamp last, Emphasis emphasis = Emphasis::kNone) {
  SubgraphEdge e;
  e.src = EntityRef{sk, std::move(s)};
  e.kind = kind;
  e.dst = EntityRef{dk, std::move(d)};
  e.stats.count = count;
  e.stats.first_seen = first;
  e.stats.last_seen = last;
  e.emphasis = emphasis;
  return e;
}

const std::string kAlice = "arn:aws:iam::111122223333:user/alice";
const std::string kAdminRole = "arn:aws:iam::444455556666:role/OrganizationAccountAccessRole";
const std::string kSession = "arn:aws:sts::444455556666:assumed-role/OrganizationAccountAccessRole/alice-cli";

// `gumshoe pivot alice`: the focus and its one-hop neighbours.
Subgraph PivotShaped() {
  using K = EntityKind;
  Subgraph g;
  g.title = "Pivot from iam_user:" + kAlice;
  g.window = TimeWindow{kT0 - 86400, kT0 + 86400};
  g.nodes.push_back(MakeNode(K::kIamUser, kAlice, Emphasis::kFocus, {{"account", "111122223333"}}));
  g.nodes.push_back(MakeNode(K::kIpAddress, "203.0.113.7"));
  g.nodes.push_back(MakeNode(K::kIpAddress, "198.51.100.23", Emphasis::kFlagged));
  g.nodes.push_back(MakeNode(K::kUserAgent, "aws-cli/2.15.0 Python/3.11.6 Linux/6.1 exe/x86_64.debian.12"));
  g.nodes.push_back(MakeNode(K::kAccessKey, "AKIAEXAMPLEALICE0001", Emphasis::kNone, {{"account", "111122223333"}}));
  g.nodes.push_back(MakeNode(K::kS3Bucket, "payroll-exports", Emphasis::kNone, {{"account", "111122223333"}}));
  g.nodes.push_back(MakeNode(K::kApiCall, "s3.amazonaws.com:GetObject"));
  g.edges.push_back(MakeEdge(K::kIamUser, kAlice, EdgeKind::kCalledFrom, K::kIpAddress, "203.0.113.7", 41, kT0, kT0 + 3900));
  g.edges.push_back(MakeEdge(K::kIamUser, kAlice, EdgeKind::kCalledFrom, K::kIpAddress, "198.51.100.23", 3, kT0 + 7200,
                         kT0 + 90000, Emphasis::kFlagged));
  g.edges.push_back(MakeEdge(K::kIamUser, kAlice, EdgeKind::kUsedAgent, K::kUserAgent,
                         "aws-cli/2.15.0 Python/3.11.6 Linux/6.1 exe/x86_64.debian.12", 44, kT0, kT0 + 90000));
  g.edges.push_back(MakeEdge(K::kIamUser, kAlice, EdgeKind::kAuthenticatedWith, K::kAccessKey, "AKIAEXAMPLEALICE0001", 44,
                         kT0, kT0 + 90000));
  g.edges.push_back(MakeEdge(K::kIamUser, kAlice, EdgeKind::kRead, K::kS3Bucket, "payroll-exports", 1200, kT0 + 7300,
                         kT0 + 7900));
  SubgraphEdge api = MakeEdge(K::kIamUser, kAlice, EdgeKind::kCalledApi, K::kApiCall, "s3.amazonaws.com:GetObject", 1210,
                          kT0 + 7300, kT0 + 7900);
  api.stats.success = 1200;
  api.stats.failure = 10;
  g.edges.push_back(api);
  return g;
}

// `gumshoe lineage`: user -> key -> minted temporary key -> session -> role, cross-account.
Subgraph LineageShaped() {
  using K = EntityKind;
  const Emphasis L = Emphasis::kLineage;
  Subgraph g;
  g.title = "Credential lineage of " + kSession;
  g.nodes.push_back(MakeNode(K::kIamUser, kAlice, L, {{"account", "111122223333"}}));
  g.nodes.push_back(MakeNode(K::kAccessKey, "AKIAEXAMPLEALICE0001", L, {{"account", "111122223333"}}));
  g.nodes.push_back(MakeNode(K::kAccessKey, "ASIAEXAMPLETEMP00042", L, {{"account", "444455556666"}}));
  SubgraphNode session = MakeNode(K::kRoleSession, kSession, Emphasis::kFocus, {{"account", "444455556666"}});
  session.note = "hop 3";
  g.nodes.push_back(session);
  g.nodes.push_back(MakeNode(K::kIamRole, kAdminRole, L, {{"account", "444455556666"}}));
  g.nodes.push_back(MakeNode(K::kAccount, "444455556666"));
  g.nodes.push_back(MakeNode(K::kIpAddress, "185.220.101.4", Emphasis::kFlagged, {{"ip_class", "public"}}));
  g.nodes.push_back(MakeNode(K::kThreatList, "tor", Emphasis::kFlagged));
  g.edges.push_back(MakeEdge(K::kIamUser, kAlice, EdgeKind::kAuthenticatedWith, K::kAccessKey, "AKIAEXAMPLEALICE0001", 44,
                         kT0, kT0 + 600, L));
  g.edges.push_back(MakeEdge(K::kAccessKey, "AKIAEXAMPLEALICE0001", EdgeKind::kMinted, K::kAccessKey,
                         "ASIAEXAMPLETEMP00042", 1, kT0 + 610, kT0 + 610, L));
  g.edges.push_back(MakeEdge(K::kAccessKey, "ASIAEXAMPLETEMP00042", EdgeKind::kCredentialOf, K::kRoleSession, kSession, 1,
                         kT0 + 610, kT0 + 610, L));
  g.edges.push_back(MakeEdge(K::kRoleSession, kSession, EdgeKind::kAssumedRole, K::kIamRole, kAdminRole, 1, kT0 + 610,
                         kT0 + 610, L));
  g.edges.push_back(MakeEdge(K::kIamRole, kAdminRole, EdgeKind::kInAccount, K::kAccount, "444455556666", 1, kT0 + 610,
                         kT0 + 610));
  g.edges.push_back(MakeEdge(K::kRoleSession, kSession, EdgeKind::kCalledFrom, K::kIpAddress, "185.220.101.4", 97,
                         kT0 + 700, kT0 + 5400, Emphasis::kFlagged));
  g.edges.push_back(MakeEdge(K::kIpAddress, "185.220.101.4", EdgeKind::kListedIn, K::kThreatList, "tor", 24, kT0 - 86400,
                         kT0 + 86400, Emphasis::kFlagged));
  return g;
}

// `gumshoe blast-radius`: a finding on an instance, its role, what the role's
// sessions reached, in two regions, plus 80 flow peers (collapsed).
Subgraph BlastRadiusShaped() {
  using K = EntityKind;
  const Emphasis C = Emphasis::kCompromise;
  const std::string inst = "i-0abc1234def567890";
  const std::string role = "arn:aws:iam::111122223333:role/web-app-role";
  const std::string sess = "arn:aws:sts::111122223333:assumed-role/web-app-role/i-0abc1234def567890";
  const std::string finding = "a2b4c6d8e0f1a2b4c6d8e0f1a2b4c6d8";
  Subgraph g;
  g.title = "Blast radius of finding " + finding;
  SubgraphNode f = MakeNode(K::kFinding, finding, Emphasis::kFocus,
                        {{"type", "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS"},
                         {"severity", "8.0"}, {"account", "111122223333"}, {"region", "us-east-1"}});
  g.nodes.push_back(f);
  g.nodes.push_back(MakeNode(K::kEc2Instance, inst, C, {{"account", "111122223333"}, {"region", "us-east-1"}}));
  g.nodes.push_back(MakeNode(K::kIamRole, role, C, {{"account", "111122223333"}}));
  g.nodes.push_back(MakeNode(K::kRoleSession, sess, C, {{"account", "111122223333"}}));
  g.nodes.push_back(MakeNode(K::kS3Bucket, "customer-data-prod", C, {{"account", "111122223333"}, {"region", "us-east-1"}}));
  g.nodes.push_back(MakeNode(K::kS3Bucket, "backups-eu", C, {{"account", "111122223333"}, {"region", "eu-west-1"}}));
  g.nodes.push_back(MakeNode(K::kRdsInstance, "orders-db", Emphasis::kNone,
                         {{"account", "111122223333"}, {"region", "eu-west-1"}}));
  g.nodes.push_back(MakeNode(K::kIpAddress, "45.155.205.99", Emphasis::kFlagged));
  g.edges.push_back(MakeEdge(K::kFinding, finding, EdgeKind::kInvolves, K::kEc2Instance, inst, 1, kT0, kT0, C));
  g.edges.push_back(MakeEdge(K::kEc2Instance, inst, EdgeKind::kInstanceProfileRole, K::kIamRole, role, 3, kT0 - 86400 * 30,
                         kT0, C));
  g.edges.push_back(MakeEdge(K::kRoleSession, sess, EdgeKind::kAssumedRole, K::kIamRole, role, 12, kT0 - 86400 * 30, kT0, C));
  g.edges.push_back(MakeEdge(K::kRoleSession, sess, EdgeKind::kRead, K::kS3Bucket, "customer-data-prod", 5311, kT0 + 60,
                         kT0 + 1800, C));
  g.edges.push_back(MakeEdge(K::kRoleSession, sess, EdgeKind::kWrote, K::kS3Bucket, "backups-eu", 2, kT0 + 1900, kT0 + 1901, C));
  g.edges.push_back(MakeEdge(K::kRoleSession, sess, EdgeKind::kCalledFrom, K::kIpAddress, "45.155.205.99", 5313, kT0 + 60,
                         kT0 + 1901, Emphasis::kFlagged));
  g.edges.push_back(MakeEdge(K::kRoleSession, sess, EdgeKind::kModified, K::kRdsInstance, "orders-db", 1, kT0 + 2000,
                         kT0 + 2000));
  for (int i = 0; i < 80; ++i) {
    std::string ip = "198.18." + std::to_string(i / 10) + "." + std::to_string(10 + i);
    g.nodes.push_back(MakeNode(K::kIpAddress, ip));
    g.edges.push_back(MakeEdge(K::kEc2Instance, inst, EdgeKind::kNetworkFlow, K::kIpAddress, ip, 1 + i % 7, kT0 + i * 60,
                           kT0 + i * 60 + 30));
  }
  return g;
}

Subgraph Shuffled(Subgraph g, unsigned seed) {
  std::mt19937 rng(seed);
  std::shuffle(g.nodes.begin(), g.nodes.end(), rng);
  std::shuffle(g.edges.begin(), g.edges.end(), rng);
  return g;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void CheckGolden(const std::string& name, const std::string& actual) {
  std::string path = std::string(GUMSHOE_GOLDEN_DIR) + "/" + name;
  const char* update = std::getenv("GUMSHOE_UPDATE_GOLDEN");
  if (update && std::string(update) == "1") {
    std::filesystem::create_directories(GUMSHOE_GOLDEN_DIR);
    std::ofstream(path, std::ios::binary | std::ios::trunc) << actual;
    WARN("rewrote golden file " << path);
    return;
  }
  INFO("golden file " << path << " (GUMSHOE_UPDATE_GOLDEN=1 rewrites it)");
  REQUIRE(std::filesystem::exists(path));
  std::string expected = ReadFile(path);
  if (expected != actual) {
    size_t i = 0;
    while (i < expected.size() && i < actual.size() && expected[i] == actual[i]) ++i;
    INFO("first difference at byte " << i << ": expected ..." << expected.substr(i, 80) << "... got ..."
                                     << actual.substr(i, 80) << "...");
    CHECK(expected == actual);
  }
}

// ---------------------------------------------------------------------------
// A DOT reader following Graphviz's lexer rules for quoted strings (\" is a
// quote, \\ a backslash), enough to parse what ToDot writes, and strict: any
// statement it does not expect fails the test.

struct DotAttrs {
  std::map<std::string, std::string> values;  // decoded
  bool all_quoted = true;
};
struct ParsedDot {
  std::map<std::string, DotAttrs> nodes;  // every node ID mentioned, with attributes
  std::vector<std::tuple<std::string, std::string, DotAttrs>> edges;
  std::set<std::string> attr_names;
  bool ok = true;
  std::string error;
};

class DotReader {
 public:
  explicit DotReader(const std::string& text) : s_(text) {}

  ParsedDot Parse() {
    Expect("digraph");
    Expect("G");
    Expect("{");
    StmtList();
    if (out_.ok && pos_ < s_.size()) {
      SkipSpace();
      if (pos_ != s_.size()) Fail("text after the graph");
    }
    return out_;
  }

 private:
  struct Tok {
    enum Type { kId, kQuoted, kPunct, kEnd } type;
    std::string text;
  };

  void Fail(const std::string& why) {
    if (out_.ok) out_.error = why + " at byte " + std::to_string(pos_);
    out_.ok = false;
  }
  void SkipSpace() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
  }
  Tok Next() {
    SkipSpace();
    if (pos_ >= s_.size()) return {Tok::kEnd, ""};
    char c = s_[pos_];
    if (c == '"') {
      std::string v;
      ++pos_;
      while (true) {
        if (pos_ >= s_.size()) {
          Fail("unterminated string");
          return {Tok::kEnd, ""};
        }
        char d = s_[pos_];
        if (d == '"') {
          ++pos_;
          break;
        }
        if (static_cast<unsigned char>(d) < 0x20) Fail("control byte inside a quoted string");
        if (d == '\\' && pos_ + 1 < s_.size()) {
          char e = s_[pos_ + 1];
          if (e == '"') v += '"';
          else if (e == '\\') v += '\\';
          else if (e == 'n') v += '\n';
          else v += std::string("\\") + e;
          pos_ += 2;
          continue;
        }
        v += d;
        ++pos_;
      }
      // Graphviz expands entities; the exporter writes only &amp;.
      std::string decoded;
      for (size_t i = 0; i < v.size(); ++i) {
        if (v.compare(i, 5, "&amp;") == 0) {
          decoded += '&';
          i += 4;
        } else {
          decoded += v[i];
        }
      }
      return {Tok::kQuoted, decoded};
    }
    if (s_.compare(pos_, 2, "->") == 0) {
      pos_ += 2;
      return {Tok::kPunct, "->"};
    }
    if (std::string("{}[];,=").find(c) != std::string::npos) {
      ++pos_;
      return {Tok::kPunct, std::string(1, c)};
    }
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '_') {
      size_t start = pos_;
      while (pos_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '_')) ++pos_;
      return {Tok::kId, s_.substr(start, pos_ - start)};
    }
    Fail(std::string("unexpected character '") + c + "'");
    ++pos_;
    return {Tok::kEnd, ""};
  }
  Tok Peek() {
    size_t save = pos_;
    Tok t = Next();
    pos_ = save;
    return t;
  }
  void Expect(const std::string& text) {
    Tok t = Next();
    if (t.text != text) Fail("expected '" + text + "', got '" + t.text + "'");
  }
  DotAttrs AttrBlock() {
    DotAttrs a;
    Expect("[");
    while (out_.ok) {
      Tok name = Next();
      if (name.text == "]") break;
      if (name.text == ",") continue;
      if (name.type != Tok::kId) {
        Fail("attribute name expected");
        break;
      }
      Expect("=");
      Tok value = Next();
      if (value.type != Tok::kQuoted) a.all_quoted = false;
      if (a.values.count(name.text)) Fail("attribute " + name.text + " given twice");
      a.values[name.text] = value.text;
      out_.attr_names.insert(name.text);
    }
    return a;
  }
  void StmtList() {
    while (out_.ok) {
      Tok t = Next();
      if (t.type == Tok::kEnd) {
        Fail("missing }");
        return;
      }
      if (t.text == "}") return;
      if (t.text == ";") continue;
      if (t.text == "graph" || t.text == "node" || t.text == "edge") {
        DotAttrs a = AttrBlock();
        if (!a.all_quoted) Fail("unquoted attribute value");
        continue;
      }
      if (t.text == "subgraph") {
        Tok id = Next();
        if (id.type != Tok::kId) Fail("subgraph id expected");
        Expect("{");
        StmtList();
        continue;
      }
      if (t.text == "{") {
        StmtList();
        continue;
      }
      if (t.type != Tok::kId) {
        Fail("statement expected, got '" + t.text + "'");
        return;
      }
      Tok after = Peek();
      if (after.text == "=") {
        Next();
        Tok value = Next();
        if (value.type != Tok::kQuoted) Fail("unquoted subgraph attribute");
        out_.attr_names.insert(t.text);
        continue;
      }
      out_.nodes[t.text];
      if (after.text == "->") {
        Next();
        Tok dst = Next();
        if (dst.type != Tok::kId) Fail("edge target expected");
        out_.nodes[dst.text];
        DotAttrs a;
        if (Peek().text == "[") a = AttrBlock();
        if (!a.all_quoted) Fail("unquoted edge attribute");
        out_.edges.emplace_back(t.text, dst.text, a);
        continue;
      }
      if (after.text == "[") {
        DotAttrs a = AttrBlock();
        if (!a.all_quoted) Fail("unquoted node attribute");
        for (auto& [k, v] : a.values) out_.nodes[t.text].values[k] = v;
      }
    }
  }

  const std::string& s_;
  size_t pos_ = 0;
  ParsedDot out_;
};

ParsedDot ParseDot(const std::string& dot) { return DotReader(dot).Parse(); }

const std::set<std::string> kAllowedAttrs = {
    "label",  "tooltip",  "shape",     "style",    "fillcolor", "color",   "penwidth", "peripheries",
    "fontname", "fontcolor", "fontsize", "labelloc", "labeljust", "rankdir", "newrank", "nodesep",
    "ranksep", "pad",      "bgcolor",   "margin",   "arrowsize", "rank",     "height"};

size_t CountSubstr(const std::string& s, const std::string& needle) {
  size_t n = 0;
  for (size_t p = s.find(needle); p != std::string::npos; p = s.find(needle, p + 1)) ++n;
  return n;
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

bool NeedsGraphviz() {
  if (DotAvailable()) return true;
  WARN("Graphviz dot not installed: skipping the rendering checks");
  return false;
}

// Parses with dot -Tsvg and checks the SVG has the nodes the DOT declares.
std::string RenderChecked(const std::string& dot) {
  RenderOptions ro;
  ro.fail_on_warning = true;
  auto svg = RenderSvg(dot, ro);
  INFO(svg.status().ToString());
  REQUIRE(svg.ok());
  ParsedDot parsed = ParseDot(dot);
  REQUIRE(parsed.ok);
  CHECK(CountSubstr(*svg, "class=\"node\"") == parsed.nodes.size());
  CHECK(CheckSvgSafe(*svg).ok());
  return *svg;
}

}  // namespace

TEST_CASE("DotExport: pivot, lineage and blast radius match their golden files", "[graphviz][dot_export]") {
  CheckGolden("pivot.dot", ToDot(PivotShaped()));
  CheckGolden("lineage.dot", ToDot(LineageShaped()));
  CheckGolden("blast_radius.dot", ToDot(BlastRadiusShaped()));
}

TEST_CASE("DotExport: output is byte-identical whatever the input order", "[graphviz][dot_export]") {
  for (const Subgraph& g : {PivotShaped(), LineageShaped(), BlastRadiusShaped()}) {
    std::string first = ToDot(g);
    CHECK(ToDot(g) == first);
    for (unsigned seed : {1u, 2u, 3u}) CHECK(ToDot(Shuffled(g, seed)) == first);
    // Duplicates merge instead of drawing twice.
    Subgraph doubled = g;
    doubled.nodes.insert(doubled.nodes.end(), g.nodes.begin(), g.nodes.end());
    ParsedDot a = ParseDot(first), b = ParseDot(ToDot(doubled));
    REQUIRE(a.ok);
    REQUIRE(b.ok);
    CHECK(a.nodes.size() == b.nodes.size());
    CHECK(a.edges.size() == b.edges.size());
  }
}

TEST_CASE("DotExport: every generated DOT parses with dot -Tsvg", "[graphviz][dot_export]") {
  if (!NeedsGraphviz()) return;
  for (const Subgraph& g : {PivotShaped(), LineageShaped(), BlastRadiusShaped(), Subgraph{}}) {
    for (bool legend : {true, false}) {
      for (bool clusters : {true, false}) {
        DotOptions o;
        o.show_legend = legend;
        o.cluster_by_account = clusters;
        RenderChecked(ToDot(g, o));
      }
    }
  }
}

TEST_CASE("DotExport: short labels, full key in the tooltip, edge kind/count/times", "[graphviz][dot_export]") {
  ParsedDot p = ParseDot(ToDot(PivotShaped()));
  REQUIRE(p.ok);
  const DotAttrs* alice = nullptr;
  for (const auto& [id, a] : p.nodes)
    if (a.values.count("label") && a.values.at("label") == "alice (IAM user)") alice = &a;
  REQUIRE(alice != nullptr);
  CHECK(alice->values.at("tooltip").find(kAlice) != std::string::npos);
  CHECK(alice->values.at("peripheries") == "2");  // the focus stands out
  CHECK(alice->values.at("fontname") == "Helvetica-Bold");
  bool read_edge = false;
  for (const auto& [s, d, a] : p.edges) {
    if (a.values.count("label") && a.values.at("label").rfind("read ×1200\n", 0) == 0) {
      read_edge = true;
      CHECK(a.values.at("label").find("2024-03-01 14:01–14:11 UTC") != std::string::npos);
    }
  }
  CHECK(read_edge);
  // The flagged IP and its edge are red.
  bool red_node = false;
  for (const auto& [id, a] : p.nodes)
    if (a.values.count("label") && a.values.at("label") == "198.51.100.23 (IP address)")
      red_node = a.values.at("color") == "#d50000";
  CHECK(red_node);
}

TEST_CASE("DotExport: lineage chain and compromise paths are coloured and thick", "[graphviz][dot_export]") {
  ParsedDot p = ParseDot(ToDot(LineageShaped()));
  REQUIRE(p.ok);
  int lineage_edges = 0;
  for (const auto& [s, d, a] : p.edges)
    if (a.values.count("color") && a.values.at("color") == "#1565c0" && a.values.at("penwidth") == "3") ++lineage_edges;
  CHECK(lineage_edges == 4);
  ParsedDot b = ParseDot(ToDot(BlastRadiusShaped()));
  REQUIRE(b.ok);
  int compromise_edges = 0;
  for (const auto& [s, d, a] : b.edges)
    if (a.values.count("color") && a.values.at("color") == "#e65100") ++compromise_edges;
  CHECK(compromise_edges == 5);
}

TEST_CASE("DotExport: over max_nodes, leaves of one kind collapse into a counted node", "[graphviz][dot_export]") {
  Subgraph g = BlastRadiusShaped();
  ParsedDot full = ParseDot(ToDot(g, DotOptions{.max_nodes = 0}));
  REQUIRE(full.ok);
  size_t graph_nodes = 0;
  for (const auto& [id, a] : full.nodes) graph_nodes += id.rfind("n", 0) == 0 ? 1 : 0;
  CHECK(graph_nodes == 88);

  std::string dot = ToDot(g);  // default max_nodes = 60
  ParsedDot p = ParseDot(dot);
  REQUIRE(p.ok);
  size_t shown = 0;
  const DotAttrs* collapsed = nullptr;
  for (const auto& [id, a] : p.nodes) {
    if (id.rfind("n", 0) != 0) continue;
    ++shown;
    if (a.values.at("label") == "+80 IP addresses") collapsed = &a;
  }
  CHECK(shown == 9);
  REQUIRE(collapsed != nullptr);
  CHECK(collapsed->values.at("style").find("dashed") != std::string::npos);
  CHECK(collapsed->values.at("tooltip").rfind("80 IP addresses collapsed: 198.18.", 0) == 0);
  // The flagged IP is never folded away.
  CHECK(dot.find("45.155.205.99 (IP address)") != std::string::npos);
  // Its edge sums the observations of the 80 flows.
  uint64_t sum = 0;
  for (const SubgraphEdge& e : g.edges)
    if (e.kind == EdgeKind::kNetworkFlow) sum += e.stats.count;
  CHECK(dot.find("connected to ×" + std::to_string(sum) + "\\n80 edges") != std::string::npos);
}

TEST_CASE("DotExport: clusters per account, region sub-clusters when an account spans regions",
          "[graphviz][dot_export]") {
  std::string lineage = ToDot(LineageShaped());
  CHECK(lineage.find("label=\"account 111122223333\"") != std::string::npos);
  CHECK(lineage.find("label=\"account 444455556666\"") != std::string::npos);
  CHECK(lineage.find("_region_") == std::string::npos);
  std::string blast = ToDot(BlastRadiusShaped());
  CHECK(blast.find("label=\"us-east-1\"") != std::string::npos);
  CHECK(blast.find("label=\"eu-west-1\"") != std::string::npos);
  DotOptions flat;
  flat.cluster_by_account = false;
  flat.show_legend = false;
  CHECK(ToDot(BlastRadiusShaped(), flat).find("subgraph") == std::string::npos);
}

TEST_CASE("DotExport: every entity kind has its own shape and colour, shown in the legend", "[graphviz][dot_export]") {
  Subgraph g;
  for (EntityKind k : kAllEntityKinds) g.nodes.push_back(MakeNode(k, "x-" + std::string(EntityKindName(k))));
  ParsedDot p = ParseDot(ToDot(g, DotOptions{.max_nodes = 60, .show_legend = true, .cluster_by_account = false}));
  REQUIRE(p.ok);
  std::set<std::string> shapes, fills;
  size_t legend = 0;
  for (const auto& [id, a] : p.nodes) {
    if (id.rfind("legend_", 0) == 0) {
      ++legend;
      continue;
    }
    const std::string& style = a.values.at("style");
    shapes.insert(a.values.at("shape") + (style.find("rounded") != std::string::npos ? "+rounded" : "") +
                  (style.find("diagonals") != std::string::npos ? "+diagonals" : ""));
    fills.insert(a.values.at("fillcolor"));
  }
  CHECK(shapes.size() == std::size(kAllEntityKinds));
  CHECK(fills.size() == std::size(kAllEntityKinds));
  CHECK(legend == std::size(kAllEntityKinds));
  if (NeedsGraphviz()) RenderChecked(ToDot(g));
}

// ---------------------------------------------------------------------------
// Adversarial strings.

namespace {

struct Adversary {
  EntityKind kind;
  std::string text;
};

std::vector<Adversary> LoadAdversaries() {
  std::ifstream in(std::string(GUMSHOE_TEST_DATA) + "/adversarial/strings.txt", std::ios::binary);
  std::vector<Adversary> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    size_t tab = line.find('\t');
    REQUIRE(tab != std::string::npos);
    auto kind = ParseEntityKind(line.substr(0, tab));
    REQUIRE(kind);
    std::string raw = line.substr(tab + 1), text;
    for (size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] != '\\' || i + 1 == raw.size()) {
        text += raw[i];
        continue;
      }
      char e = raw[++i];
      if (e == 'n') text += '\n';
      else if (e == 'r') text += '\r';
      else if (e == 't') text += '\t';
      else if (e == 'e') text += '\x1b';
      else if (e == '\\') text += '\\';
      else if (e == 'x') {
        text += static_cast<char>(std::stoi(raw.substr(i + 1, 2), nullptr, 16));
        i += 2;
      } else if (e == 'u') {
        size_t close = raw.find('}', i);
        uint32_t cp = static_cast<uint32_t>(std::stoul(raw.substr(i + 2, close - i - 2), nullptr, 16));
        if (cp < 0x800) {
          text += static_cast<char>(0xc0 | (cp >> 6));
          text += static_cast<char>(0x80 | (cp & 0x3f));
        } else {
          text += static_cast<char>(0xe0 | (cp >> 12));
          text += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
          text += static_cast<char>(0x80 | (cp & 0x3f));
        }
        i = close;
      } else {
        FAIL("bad escape in fixture: " << e);
      }
    }
    out.push_back({*kind, text});
  }
  return out;
}

Subgraph AdversarialGraph(const std::vector<Adversary>& adv) {
  Subgraph g;
  g.title = "Pivot from " + adv[1].text;
  SubgraphNode focus = MakeNode(EntityKind::kIamUser, kAlice, Emphasis::kFocus, {{"account", adv[2].text}});
  focus.note = adv[3].text;
  g.nodes.push_back(focus);
  for (size_t i = 0; i < adv.size(); ++i) {
    SubgraphNode n = MakeNode(adv[i].kind, adv[i].text, Emphasis::kNone,
                          {{"account", "111122223333"}, {"region", adv[(i + 1) % adv.size()].text}});
    n.entity.tags.insert(adv[(i + 2) % adv.size()].text);
    g.nodes.push_back(n);
    SubgraphEdge e = MakeEdge(EntityKind::kIamUser, kAlice, EdgeKind::kUsedAgent, adv[i].kind, adv[i].text, i + 1, kT0, kT0);
    e.stats.first_evidence.ref = adv[(i + 3) % adv.size()].text;
    g.edges.push_back(e);
  }
  return g;
}

// Bytes no output may carry: ESC, other C0 controls but \n, the C1 CSI, bidi overrides.
void CheckNoRawControls(const std::string& out, const std::string& what) {
  INFO(what);
  for (size_t i = 0; i < out.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(out[i]);
    if (c < 0x20 && c != '\n') FAIL("raw control byte " << int(c) << " at " << i);
  }
  CHECK(out.find("\xe2\x80\xae") == std::string::npos);  // U+202E
  CHECK(out.find("\xe2\x81\xa6") == std::string::npos);  // U+2066
  CHECK(out.find("\xc2\x9b") == std::string::npos);      // U+009B CSI
  CHECK(out.find("\xef\xbb\xbf") == std::string::npos);  // U+FEFF
}

// The tag names of an HTML/SVG document, by "<name".
std::set<std::string> TagNames(const std::string& doc) {
  std::set<std::string> names;
  for (size_t p = doc.find('<'); p != std::string::npos; p = doc.find('<', p + 1)) {
    size_t q = p + 1;
    if (q < doc.size() && (doc[q] == '/' || doc[q] == '!' || doc[q] == '?')) ++q;
    size_t start = q;
    while (q < doc.size() && (std::isalnum(static_cast<unsigned char>(doc[q])) || doc[q] == ':')) ++q;
    names.insert(Lower(doc.substr(start, q - start)));
  }
  return names;
}

}  // namespace

TEST_CASE("DotExport: adversarial strings cannot inject into the DOT", "[graphviz][dot_export][adversarial]") {
  std::vector<Adversary> adv = LoadAdversaries();
  REQUIRE(adv.size() >= 10);
  Subgraph g = AdversarialGraph(adv);
  for (size_t max_nodes : {size_t{0}, size_t{5}}) {
    DotOptions o;
    o.max_nodes = max_nodes;
    std::string dot = ToDot(g, o);
    CheckNoRawControls(dot, "dot");
    ParsedDot p = ParseDot(dot);
    INFO(p.error);
    REQUIRE(p.ok);
    for (const auto& name : p.attr_names) CHECK(kAllowedAttrs.count(name) == 1);
    size_t graph_nodes = 0;
    for (const auto& [id, a] : p.nodes) {
      bool ours = id.rfind("legend_", 0) == 0;
      if (id.size() > 1 && id[0] == 'n' && std::all_of(id.begin() + 1, id.end(), ::isdigit)) {
        ours = true;
        ++graph_nodes;
        CHECK(a.values.count("label") == 1);
      }
      CHECK(ours);
    }
    if (max_nodes == 0) {
      CHECK(graph_nodes == adv.size() + 1);
      size_t graph_edges = 0;
      for (const auto& [s, d, a] : p.edges) graph_edges += s.rfind("legend_", 0) == 0 ? 0 : 1;
      CHECK(graph_edges == adv.size());
      // Each attacker string arrives whole, as visible text, in exactly one node tooltip.
      for (const Adversary& a : adv) {
        std::string want = std::string(EntityKindLabel(a.kind)) + " " + VisibleText(a.text);
        size_t holders = 0;
        for (const auto& [id, attrs] : p.nodes)
          if (attrs.values.count("tooltip") && attrs.values.at("tooltip").rfind(want, 0) == 0) ++holders;
        INFO(VisibleText(a.text));
        CHECK(holders == 1);
      }
    }
  }
}

TEST_CASE("DotExport: adversarial strings render inert in SVG, HTML and Markdown", "[graphviz][report][adversarial]") {
  std::vector<Adversary> adv = LoadAdversaries();
  Subgraph g = AdversarialGraph(adv);
  std::string dot = ToDot(g, DotOptions{.max_nodes = 0});

  Report r;
  r.title = adv[2].text;
  for (const auto& a : adv) r.summary.push_back(a.text);
  ReportSection s;
  s.heading = adv[9].text;
  s.paragraphs = {adv[0].text, adv[4].text};
  ReportTable t;
  t.caption = adv[3].text;
  t.header = {"kind", "key"};
  for (const auto& a : adv) t.rows.push_back({std::string(EntityKindName(a.kind)), a.text});
  s.tables.push_back(t);
  r.sections.push_back(s);
  for (const auto& a : adv) r.checklist.push_back({a.text, false});
  r.graph = g;

  std::string md = RenderMarkdown(r);
  CheckNoRawControls(md, "markdown");
  // Every '<' is backslash-escaped, so no inline HTML can start.
  for (size_t p = md.find('<'); p != std::string::npos; p = md.find('<', p + 1)) CHECK((p > 0 && md[p - 1] == '\\'));
  CHECK(md.find("\\<script\\>alert(1)\\</script\\>") != std::string::npos);
  CHECK(md.find("](//evil") == std::string::npos);
  // A table row per adversary, none split by a '|' from the text.
  for (size_t i = 0; i < adv.size(); ++i) {
    std::string kind;
    for (char c : EntityKindName(adv[i].kind)) kind += c == '_' ? std::string("\\_") : std::string(1, c);
    std::string row = "| " + kind + " | ";
    CHECK(md.find(row) != std::string::npos);
  }

  std::string svg;
  if (DotAvailable()) {
    svg = RenderChecked(dot);
    CheckNoRawControls(svg, "svg");
    CHECK(Lower(svg).find("<script") == std::string::npos);
    CHECK(svg.find("&lt;script&gt;alert(1)&lt;/script&gt;") != std::string::npos);
    std::set<std::string> svg_tags = TagNames(svg);
    for (const auto& bad : {"script", "img", "table", "foreignobject", "iframe"}) CHECK(svg_tags.count(bad) == 0);
  } else {
    WARN("Graphviz dot not installed: SVG checks skipped");
  }

  std::string html = RenderHtml(r, svg);
  CheckNoRawControls(html, "html");
  CHECK(Lower(html).find("<script") == std::string::npos);
  CHECK(html.find("&lt;script&gt;alert(1)&lt;/script&gt;") != std::string::npos);
  const std::set<std::string> allowed = {"", "html", "head", "meta", "title", "style", "body", "h1", "h2", "ul", "li",
                                         "p", "table", "tr", "th", "td", "caption", "div", "code", "svg", "g",
                                         "polygon", "path", "ellipse", "text", "a", "polyline", "doctype", "xml"};
  for (const auto& tag : TagNames(html)) {
    INFO("tag <" << tag << ">");
    CHECK(allowed.count(tag) == 1);
  }
  // Nothing reaches the network: no external references.
  CHECK(Lower(html).find("url(") == std::string::npos);
  CHECK(Lower(html).find("@import") == std::string::npos);
  CHECK(html.find("href=\"http") == std::string::npos);
  CHECK(html.find("<link") == std::string::npos);
}

TEST_CASE("Report: CheckSvgSafe rejects active content", "[graphviz][report]") {
  CHECK(CheckSvgSafe("<svg><g><text>&lt;script&gt;</text></g></svg>").ok());
  CHECK(!CheckSvgSafe("<svg><script>alert(1)</script></svg>").ok());
  CHECK(!CheckSvgSafe("<svg><SCRIPT>alert(1)</SCRIPT></svg>").ok());
  CHECK(!CheckSvgSafe("<svg onload=\"alert(1)\"></svg>").ok());
  CHECK(!CheckSvgSafe("<svg><g x=\"1\" onclick = 'x'></g></svg>").ok());
  CHECK(!CheckSvgSafe("<svg><a xlink:href=\"javascript:alert(1)\"></a></svg>").ok());
  CHECK(!CheckSvgSafe("<svg><foreignObject></foreignObject></svg>").ok());
  CHECK(CheckSvgSafe("<svg><text>onload=not a tag</text></svg>").ok());
  // An unsafe SVG is left out of the HTML.
  Report r;
  r.title = "t";
  std::string html = RenderHtml(r, "<svg onload=\"alert(1)\"></svg>");
  CHECK(html.find("onload") != std::string::npos);  // named in the note, escaped
  CHECK(html.find("<svg") == std::string::npos);
}

TEST_CASE("RenderSvg: errors are reported, not swallowed", "[graphviz][dot_export]") {
  RenderOptions missing;
  missing.dot_command = "/nonexistent/bin/dot";
  CHECK(!DotAvailable(missing.dot_command));
  auto r = RenderSvg("digraph G {}", missing);
  REQUIRE(!r.ok());
  CHECK(r.status().code() == Status::Code::kNotFound);
  if (!NeedsGraphviz()) return;
  auto bad = RenderSvg("digraph G { a -> }");
  REQUIRE(!bad.ok());
  CHECK(bad.status().code() == Status::Code::kCorruption);
  CHECK(bad.status().message().find("syntax error") != std::string::npos);
  auto fmt = RunGraphviz("digraph G {}", "svg; rm -rf /");
  CHECK(fmt.status().code() == Status::Code::kInvalidArgument);
  RenderOptions tiny;
  tiny.max_output_bytes = 100;
  auto big = RenderSvg(ToDot(PivotShaped()), tiny);
  REQUIRE(!big.ok());
  CHECK(big.status().code() == Status::Code::kLimitExceeded);
  // A large input is streamed without deadlock.
  DotOptions o;
  o.max_nodes = 0;
  auto large = RenderSvg(ToDot(BlastRadiusShaped(), o));
  CHECK(large.ok());
}

TEST_CASE("Report: WriteReportFiles with and without Graphviz", "[graphviz][report]") {
  Report r;
  r.title = "Blast radius of finding a2b4c6d8";
  r.summary = {"GuardDuty finding UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS"};
  ReportSection s;
  s.heading = "Blast radius";
  s.tables.push_back(ReportTable{"", {"entity", "reached by"}, {{"customer-data-prod", "read"}}});
  r.sections.push_back(s);
  r.checklist = {{"Revoke the role's active sessions", false}};
  r.graph = BlastRadiusShaped();
  std::filesystem::path base = std::filesystem::temp_directory_path() / "gumshoe_report_test";
  std::filesystem::remove_all(base);

  RenderOptions missing;
  missing.dot_command = "/nonexistent/bin/dot";
  ReportFiles files;
  REQUIRE(WriteReportFiles(r, (base / "nodot").string(), DotOptions{}, &files, missing).ok());
  CHECK(files.paths.size() == 2);
  CHECK(std::filesystem::exists(base / "nodot" / "graph.dot"));
  CHECK(std::filesystem::exists(base / "nodot" / "report.md"));
  CHECK(!std::filesystem::exists(base / "nodot" / "report.html"));
  CHECK(files.message.find("dot -Tsvg graph.dot > graph.svg") != std::string::npos);
  CHECK(ReadFile((base / "nodot" / "report.md").string()).find("dot -Tsvg graph.dot > graph.svg") != std::string::npos);

  if (NeedsGraphviz()) {
    ReportFiles with;
    REQUIRE(WriteReportFiles(r, (base / "dot").string(), DotOptions{}, &with).ok());
    CHECK(with.paths.size() == 4);
    CHECK(with.rendered_svg);
    std::string html = ReadFile((base / "dot" / "report.html").string());
    CHECK(html.find("<svg") != std::string::npos);
    CHECK(html.find("Revoke the role&#39;s active sessions") != std::string::npos);
    CHECK(ReadFile((base / "dot" / "report.md").string()).find("](graph.svg)") != std::string::npos);
    CHECK(ReadFile((base / "dot" / "graph.dot").string()) == ToDot(r.graph));
  }
  std::filesystem::remove_all(base);
}

}  // namespace gumshoe

namespace gumshoe {

TEST_CASE("VisibleText: terminal escapes, bidi controls and bad bytes become visible text", "[graphviz][dot_export]") {
  CHECK(VisibleText("alice") == "alice");
  CHECK(VisibleText("caf\xc3\xa9") == "caf\xc3\xa9");
  CHECK(VisibleText("\x1b[31mred") == "⟨ESC⟩[31mred");
  CHECK(VisibleText("a\nb\tc\x07") == "a⟨LF⟩b⟨TAB⟩c⟨BEL⟩");
  CHECK(VisibleText("\x01") == "⟨U+0001⟩");
  CHECK(VisibleText("x\xe2\x80\xaey") == "x⟨U+202E⟩y");
  CHECK(VisibleText("\xc2\x9b") == "⟨U+009B⟩");
  CHECK(VisibleText("\xff\xc3") == "\xef\xbf\xbd\xef\xbf\xbd");
  CHECK(VisibleText("\xed\xa0\x80") == "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");  // surrogate
}

}  // namespace gumshoe

namespace gumshoe {

TEST_CASE("RenderSvg: a hung Graphviz is killed at the timeout", "[graphviz][dot_export]") {
  std::filesystem::path dir = std::filesystem::temp_directory_path() / "gumshoe_hung_dot";
  std::filesystem::create_directories(dir);
  std::filesystem::path fake = dir / "dot";
  {
    std::ofstream script(fake, std::ios::trunc);
    script << "#!/bin/sh\nexec sleep 30\n";
  }
  std::filesystem::permissions(fake, std::filesystem::perms::owner_all);
  RenderOptions o;
  o.dot_command = fake.string();
  o.timeout = std::chrono::milliseconds(300);
  auto start = std::chrono::steady_clock::now();
  auto r = RenderSvg("digraph G {}", o);
  auto took = std::chrono::steady_clock::now() - start;
  REQUIRE(!r.ok());
  CHECK(r.status().code() == Status::Code::kLimitExceeded);
  CHECK(took < std::chrono::seconds(5));
  std::filesystem::remove_all(dir);
}

}  // namespace gumshoe

namespace gumshoe {

TEST_CASE("DotExport: odd keys never throw and still draw", "[graphviz][dot_export]") {
  Subgraph g;
  for (EntityKind k : kAllEntityKinds)
    for (const char* key : {"arn:x:root", "arn:", "", "/", ":root", "assumed-role/"})
      g.nodes.push_back(MakeNode(k, key));
  g.edges.push_back(MakeEdge(EntityKind::kIamUser, "arn:x:root", EdgeKind::kCreated, EntityKind::kIamUser, "arn:x:root", 1,
                         kNoTime, kNoTime));
  std::string dot;
  REQUIRE_NOTHROW(dot = ToDot(g));
  ParsedDot p = ParseDot(dot);
  REQUIRE(p.ok);
  size_t drawn = 0;
  for (const auto& [id, a] : p.nodes) drawn += id.rfind("n", 0) == 0 ? 1 : 0;
  CHECK(drawn == g.nodes.size());
  Report r = ReportFromSubgraph(g);
  REQUIRE_NOTHROW(RenderMarkdown(r));
  if (NeedsGraphviz()) RenderChecked(dot);
}

}  // namespace gumshoe

namespace gumshoe {

TEST_CASE("DotExport: one account is boxed by default, the region is in the visible label, --no-clusters flattens",
          "[graphviz][dot_export][clusters]") {
  Subgraph g;
  g.title = "Blast radius of ci-deploy";
  g.nodes.push_back(MakeNode(EntityKind::kIamUser, "arn:aws:iam::111122223333:user/ci-deploy", Emphasis::kFocus));
  g.nodes.push_back(MakeNode(EntityKind::kEc2Instance, "i-0abc0000000000001", Emphasis::kNone,
                             {{"account", "111122223333"}, {"region", "eu-west-1"}}));
  g.nodes.push_back(MakeNode(EntityKind::kIpAddress, "203.0.113.50"));
  SubgraphEdge launched;
  launched.src = g.nodes[0].entity.ref();
  launched.kind = EdgeKind::kLaunched;
  launched.dst = g.nodes[1].entity.ref();
  ObserveEdge(launched.stats, kT0, +1, "cloudtrail:ev-run", 1);
  g.edges.push_back(launched);
  std::string dot = ToDot(g);
  // The only known account still gets its cluster, with the user (ARN) and
  // the instance (account attribute) in it; the IP's account is unknown.
  CHECK(dot.find("label=\"account 111122223333\"") != std::string::npos);
  ParsedDot p = ParseDot(dot);
  REQUIRE(p.ok);
  // The region is on the node's label, not only in its tooltip.
  bool region_visible = false;
  for (const auto& [id, attrs] : p.nodes)
    if (attrs.values.count("label") && attrs.values.at("label") == "i-0abc0000000000001 (EC2 instance)\neu-west-1")
      region_visible = true;
  CHECK(region_visible);
  // The edge label reads along the arrow; the tooltip is the sentence.
  REQUIRE(p.edges.size() == 1);
  const DotAttrs& e = std::get<2>(p.edges[0]);
  CHECK(e.values.at("label").rfind("launched ×1", 0) == 0);
  CHECK(e.values.at("tooltip").rfind("ci-deploy launched EC2 instance i-0abc0000000000001 (launched)", 0) == 0);

  DotOptions flat;
  flat.cluster_by_account = false;
  std::string no_clusters = ToDot(g, flat);
  CHECK(no_clusters.find("cluster_account") == std::string::npos);
  CHECK(no_clusters.find("i-0abc0000000000001 (EC2 instance)\\neu-west-1") != std::string::npos);
}

TEST_CASE("DotExport: an attempt edge is labelled as one and drawn dashed, never as a compromise",
          "[graphviz][dot_export][attempts]") {
  Subgraph g;
  g.nodes.push_back(MakeNode(EntityKind::kIamUser, "arn:aws:iam::111122223333:user/ci-deploy"));
  g.nodes.push_back(MakeNode(EntityKind::kIamUser, "arn:aws:iam::111122223333:user/svc-backup"));
  SubgraphEdge created;
  created.src = g.nodes[0].entity.ref();
  created.kind = EdgeKind::kCreated;
  created.dst = g.nodes[1].entity.ref();
  created.emphasis = Emphasis::kCompromise;
  ObserveEdge(created.stats, kT0, -1, "cloudtrail:ev-cu", 1);
  created.stats.counters["error:AccessDenied"] = 1;
  g.edges.push_back(created);
  ParsedDot p = ParseDot(ToDot(g));
  REQUIRE(p.ok);
  REQUIRE(p.edges.size() == 1);
  const DotAttrs& e = std::get<2>(p.edges[0]);
  CHECK(e.values.at("label").rfind("tried to create ×1 (denied)", 0) == 0);
  CHECK(e.values.at("style") == "dashed");
  CHECK(e.values.at("color") == "#c62828");
  CHECK(e.values.at("tooltip").rfind("ci-deploy tried to create IAM user svc-backup (denied: AccessDenied)", 0) == 0);
}

}  // namespace gumshoe
