#include "gumshoe/dot_export.h"

#include <algorithm>
#include <exception>
#include <map>
#include <set>
#include <sstream>
#include <tuple>
#include <utility>
#include <vector>

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/graphviz.hpp>

#include "gumshoe/edge_text.h"
#include "gumshoe/normalize.h"
#include "gumshoe/time_util.h"
#include "text_safety.h"

namespace gumshoe {
namespace {

using internal::DotEscape;
using internal::TruncateChars;

// ---------------------------------------------------------------------------
// Style tables.

struct KindStyle {
  EntityKind kind;
  const char* shape;
  const char* extra_style;  // appended to "filled"
  const char* fill;
  const char* border;
};

// Every kind has its own shape and its own fill colour. Identities are blues
// and purples, credentials gold, compute orange, network greens, data
// browns/teals, threats red.
constexpr KindStyle kKindStyles[] = {
    {EntityKind::kAccount, "folder", "", "#e0e0e0", "#616161"},
    {EntityKind::kIamUser, "box", ",rounded", "#aec7e8", "#1f4e8c"},
    {EntityKind::kIamRole, "hexagon", "", "#c5b0d5", "#5b3a8c"},
    {EntityKind::kRoleSession, "box", ",diagonals", "#f7b6d2", "#a3336f"},
    {EntityKind::kFederatedUser, "house", "", "#9edae5", "#17808c"},
    {EntityKind::kAccessKey, "cds", "", "#ffe08a", "#9c7a00"},
    {EntityKind::kEc2Instance, "box3d", "", "#ffbb78", "#b35900"},
    {EntityKind::kNetworkInterface, "septagon", "", "#dbdb8d", "#7a7a1f"},
    {EntityKind::kIpAddress, "ellipse", "", "#b5e6a8", "#2e7d32"},
    {EntityKind::kRdsInstance, "cylinder", "", "#c49c94", "#6d4c41"},
    {EntityKind::kDbUser, "invhouse", "", "#e7cb94", "#8c6d1f"},
    {EntityKind::kS3Bucket, "invtrapezium", "", "#7fcdbb", "#00695c"},
    {EntityKind::kUserAgent, "note", "", "#fff7bc", "#8d8d2a"},
    {EntityKind::kDomain, "tab", "", "#d9f0a3", "#5a7d00"},
    {EntityKind::kFinding, "octagon", "", "#ff9896", "#b71c1c"},
    {EntityKind::kAwsService, "component", "", "#dadaeb", "#54547f"},
    {EntityKind::kLambdaFunction, "rarrow", "", "#fdd0a2", "#a65400"},
    {EntityKind::kEksCluster, "Mdiamond", "", "#c6dbef", "#2b5c8a"},
    {EntityKind::kThreatList, "diamond", "", "#fc9272", "#99000d"},
    {EntityKind::kIdentityProvider, "pentagon", "", "#bcbddc", "#4a4a8c"},
    {EntityKind::kApiCall, "box", "", "#f0f0f0", "#555555"},
    {EntityKind::kIpNetwork, "doublecircle", "", "#d4edc9", "#1b5e20"},
    {EntityKind::kAwsResource, "tripleoctagon", "", "#f5f5f5", "#424242"},
    {EntityKind::kSecret, "doubleoctagon", "", "#ffd54f", "#8d6e00"},
    {EntityKind::kSsmParameter, "parallelogram", "", "#ffecb3", "#8a6d00"},
    {EntityKind::kKmsKey, "Msquare", "", "#fff59d", "#827717"},
    {EntityKind::kSecurityGroup, "trapezium", "", "#c8e6c9", "#33691e"},
    {EntityKind::kEbsSnapshot, "egg", "", "#d7ccc8", "#4e342e"},
    {EntityKind::kAmi, "invtriangle", "", "#ffccbc", "#bf360c"},
    {EntityKind::kRdsSnapshot, "Mcircle", "", "#bcaaa4", "#3e2723"},
    {EntityKind::kCloudTrailTrail, "triangle", "", "#b3e5fc", "#01579b"},
    {EntityKind::kFlowLog, "larrow", "", "#b2dfdb", "#004d40"},
    {EntityKind::kGuardDutyDetector, "star", "", "#ef9a9a", "#880e4f"},
    {EntityKind::kConfigRecorder, "square", "", "#cfd8dc", "#263238"},
    {EntityKind::kSsmCommand, "signature", "", "#ffe0b2", "#e65100"},
    {EntityKind::kEcsTask, "circle", "", "#ffcc80", "#ef6c00"},
    {EntityKind::kEcrRepository, "terminator", "", "#80cbc4", "#00695c"},
};
constexpr KindStyle kUnknownStyle = {EntityKind::kAccount, "box", ",dashed", "#ffffff", "#000000"};

const KindStyle& StyleOf(EntityKind kind) {
  for (const auto& s : kKindStyles)
    if (s.kind == kind) return s;
  return kUnknownStyle;
}

struct EmphasisStyle {
  Emphasis emphasis;
  const char* legend;
  const char* color;
  const char* penwidth;
};
constexpr EmphasisStyle kEmphasisStyles[] = {
    {Emphasis::kFocus, "focus", "#000000", "3"},
    {Emphasis::kLineage, "lineage chain", "#1565c0", "3"},
    {Emphasis::kCompromise, "compromise path", "#e65100", "3"},
    {Emphasis::kFlagged, "flagged", "#d50000", "3"},
};
const EmphasisStyle* EmphasisOf(Emphasis e) {
  for (const auto& s : kEmphasisStyles)
    if (s.emphasis == e) return &s;
  return nullptr;
}

// Which emphasis wins when one node or edge is named twice.
int EmphasisRank(Emphasis e) {
  switch (e) {
    case Emphasis::kFocus: return 4;
    case Emphasis::kFlagged: return 3;
    case Emphasis::kCompromise: return 2;
    case Emphasis::kLineage: return 1;
    default: return 0;
  }
}
Emphasis Stronger(Emphasis a, Emphasis b) { return EmphasisRank(a) >= EmphasisRank(b) ? a : b; }

std::string Plural(std::string_view label, uint64_t n) {
  std::string out(label);
  if (n == 1) return out;
  if (!out.empty() && out.back() == 's') return out + "es";
  return out + "s";
}

// "2024-03-01 12:00" from FormatTime's "2024-03-01T12:00:00Z".
std::string Minutes(Timestamp t) {
  std::string s = FormatTime(t);
  if (s.size() < 16) return s;
  s[10] = ' ';
  return s.substr(0, 16);
}

// "2024-03-01 12:00–14:05 UTC", "2024-03-01 12:00 – 2024-03-04 08:00 UTC".
std::string TimeRange(Timestamp first, Timestamp last) {
  if (first == kNoTime && last == kNoTime) return "";
  if (first == kNoTime || last == kNoTime || Minutes(first) == Minutes(last))
    return Minutes(first == kNoTime ? last : first) + " UTC";
  std::string a = Minutes(first), b = Minutes(last);
  if (a.size() == 16 && b.size() == 16 && a.compare(0, 10, b, 0, 10) == 0) return a + "–" + b.substr(11) + " UTC";
  return a + " – " + b + " UTC";
}

// An attribute list rendered as ` [name="value", ...]`; every value goes
// through DotEscape, lines of a label are joined with DOT's "\n".
class AttrList {
 public:
  void Add(std::string_view name, std::string_view text) { Raw(name, DotEscape(text)); }
  void Lines(std::string_view name, const std::vector<std::string>& lines) {
    std::string v;
    for (size_t i = 0; i < lines.size(); ++i) {
      if (i) v += "\\n";
      v += DotEscape(TruncateChars(VisibleText(lines[i]), kMaxDotLabelChars));
    }
    Raw(name, v);
  }
  void Tooltip(const std::vector<std::string>& parts) {
    std::string joined;
    for (const auto& p : parts) {
      if (p.empty()) continue;
      if (!joined.empty()) joined += " · ";
      joined += p;
    }
    std::string visible = VisibleText(joined);
    if (visible.size() > kMaxDotTooltipBytes) {
      size_t cut = kMaxDotTooltipBytes;
      while (cut > 0 && (static_cast<uint8_t>(visible[cut]) & 0xc0) == 0x80) --cut;
      visible = visible.substr(0, cut) + "…";
    }
    Raw("tooltip", DotEscape(visible));
  }
  std::string str() const { return "[" + text_ + "]"; }
  // The attributes as statement lines inside a subgraph: `name="value";`.
  const std::vector<std::pair<std::string, std::string>>& items() const { return items_; }

 private:
  void Raw(std::string_view name, const std::string& escaped) {
    if (!text_.empty()) text_ += ", ";
    text_ += std::string(name) + "=\"" + escaped + "\"";
    items_.emplace_back(std::string(name), escaped);
  }
  std::string text_;
  std::vector<std::pair<std::string, std::string>> items_;
};

// ---------------------------------------------------------------------------
// The prepared graph: merged, completed, collapsed, sorted.

struct NodeData {
  Entity entity;
  Emphasis emphasis = Emphasis::kNone;
  int hop = -1;
  std::string note;
  int collapsed_count = 0;
  bool synthetic = false;                // made here by collapsing leaves
  std::vector<std::string> members;      // keys of the collapsed leaves (synthetic)
};

struct EdgeKey {
  EntityRef src;
  EdgeKind kind;
  EntityRef dst;
  std::string could;  // a could-edge (SubgraphEdge::could); kind is then kInvolves
  friend bool operator<(const EdgeKey& a, const EdgeKey& b) {
    return std::tie(a.src, a.kind, a.could, a.dst) < std::tie(b.src, b.kind, b.could, b.dst);
  }
};

struct EdgeData {
  std::string could_detail;
  EdgeStats stats;
  Emphasis emphasis = Emphasis::kNone;
  uint64_t merged_edges = 1;  // > 1 after collapsing
};

struct Prepared {
  std::map<EntityRef, NodeData> nodes;
  std::map<EdgeKey, EdgeData> edges;
};

Prepared Merge(const Subgraph& g) {
  Prepared p;
  for (const SubgraphNode& n : g.nodes) {
    auto [it, inserted] = p.nodes.try_emplace(n.entity.ref());
    NodeData& d = it->second;
    if (inserted) {
      d.entity = n.entity;
      d.emphasis = n.emphasis;
      d.hop = n.hop;
      d.note = n.note;
      d.collapsed_count = n.collapsed_count;
      continue;
    }
    MergeEntity(d.entity, n.entity);
    d.emphasis = Stronger(d.emphasis, n.emphasis);
    if (n.hop >= 0 && (d.hop < 0 || n.hop < d.hop)) d.hop = n.hop;
    if (d.note.empty() || (!n.note.empty() && n.note < d.note)) d.note = n.note.empty() ? d.note : n.note;
    d.collapsed_count = std::max(d.collapsed_count, n.collapsed_count);
  }
  for (const SubgraphEdge& e : g.edges) {
    for (const EntityRef* r : {&e.src, &e.dst}) {
      auto [it, inserted] = p.nodes.try_emplace(*r);
      if (inserted) {
        it->second.entity.kind = r->kind;
        it->second.entity.key = r->key;
      }
    }
    auto [it, inserted] = p.edges.try_emplace(
        EdgeKey{e.src, e.could.empty() ? e.kind : EdgeKind::kInvolves, e.dst, e.could});
    if (inserted) {
      it->second.could_detail = e.could_detail;
      it->second.stats = e.stats;
      it->second.emphasis = e.emphasis;
    } else {
      MergeEdgeStats(it->second.stats, e.stats);
      it->second.emphasis = Stronger(it->second.emphasis, e.emphasis);
    }
  }
  return p;
}

// Collapses same-kind leaves hanging off one neighbour by one edge kind and
// direction, largest groups first, until the graph fits in max_nodes.
void Collapse(Prepared& p, size_t max_nodes) {
  if (max_nodes == 0 || p.nodes.size() <= max_nodes) return;
  std::map<EntityRef, size_t> degree;
  for (const auto& [k, e] : p.edges) {
    if (k.src == k.dst) continue;
    ++degree[k.src];
    ++degree[k.dst];
  }
  // (leaf kind, neighbour, edge kind, leaf is source) -> leaves
  using GroupKey = std::tuple<EntityKind, EntityRef, EdgeKind, bool>;
  std::map<GroupKey, std::vector<EntityRef>> groups;
  for (const auto& [k, e] : p.edges) {
    if (k.src == k.dst || !k.could.empty()) continue;  // could-edges are never folded away
    for (bool leaf_is_src : {true, false}) {
      const EntityRef& leaf = leaf_is_src ? k.src : k.dst;
      const EntityRef& other = leaf_is_src ? k.dst : k.src;
      const NodeData& d = p.nodes.at(leaf);
      if (degree[leaf] != 1 || d.emphasis != Emphasis::kNone || d.collapsed_count > 0 || d.synthetic) continue;
      groups[{leaf.kind, other, k.kind, leaf_is_src}].push_back(leaf);
    }
  }
  std::vector<std::pair<const GroupKey*, std::vector<EntityRef>*>> order;
  for (auto& [k, leaves] : groups)
    if (leaves.size() >= 2) order.emplace_back(&k, &leaves);
  std::stable_sort(order.begin(), order.end(),
                   [](const auto& a, const auto& b) { return a.second->size() > b.second->size(); });
  size_t serial = 0;
  for (auto& [key, leaves] : order) {
    if (p.nodes.size() <= max_nodes) break;
    const auto& [kind, other, edge_kind, leaf_is_src] = *key;
    EntityRef synth{kind, "\x01collapsed:" + std::to_string(serial++)};
    while (p.nodes.count(synth)) synth.key += "+";
    NodeData d;
    d.entity.kind = kind;
    d.entity.key = synth.key;
    d.synthetic = true;
    d.collapsed_count = static_cast<int>(leaves->size());
    EdgeData merged;
    merged.stats = EdgeStats{};
    merged.merged_edges = 0;
    // Members in tooltip order: most observations first, then key.
    std::vector<std::pair<uint64_t, std::string>> members;
    for (const EntityRef& leaf : *leaves) {
      EdgeKey ek = leaf_is_src ? EdgeKey{leaf, edge_kind, other} : EdgeKey{other, edge_kind, leaf};
      auto it = p.edges.find(ek);
      members.emplace_back(it->second.stats.count, leaf.key);
      MergeEdgeStats(merged.stats, it->second.stats);
      merged.merged_edges += it->second.merged_edges;
      p.edges.erase(it);
      p.nodes.erase(leaf);
    }
    std::sort(members.begin(), members.end(),
              [](const auto& a, const auto& b) { return a.first != b.first ? a.first > b.first : a.second < b.second; });
    for (auto& m : members) d.members.push_back(std::move(m.second));
    p.nodes.emplace(synth, std::move(d));
    p.edges.emplace(leaf_is_src ? EdgeKey{synth, edge_kind, other} : EdgeKey{other, edge_kind, synth},
                    std::move(merged));
  }
}

std::string AccountOf(const NodeData& d) {
  if (d.synthetic) return std::string();
  if (d.entity.kind == EntityKind::kAccount) return d.entity.key;
  if (const std::string* a = d.entity.Attr("account")) return *a;
  // ARN-keyed entities carry their account in the fifth field:
  // arn:partition:service:region:account:resource.
  const std::string& k = d.entity.key;
  if (k.rfind("arn:", 0) != 0) return std::string();
  size_t pos = 0;
  for (int field = 0; field < 4; ++field) {
    pos = k.find(':', pos);
    if (pos == std::string::npos) return std::string();
    ++pos;
  }
  size_t end = k.find(':', pos);
  if (end == std::string::npos) return std::string();
  std::string account = k.substr(pos, end - pos);
  bool digits = account.size() == 12 && account.find_first_not_of("0123456789") == std::string::npos;
  return digits ? account : std::string();
}
std::string RegionOf(const NodeData& d) {
  const std::string* r = d.entity.Attr("region");
  return r ? *r : std::string();
}

// ---------------------------------------------------------------------------
// Attribute lists of nodes and edges.

// ShortName, guarded: it must not throw for odd keys (an "arn:...:root" key
// shorter than an IAM ARN throws std::out_of_range in engine ShortName).
std::string SafeShortName(const EntityRef& ref) {
  try {
    return ShortName(ref);
  } catch (const std::exception&) {
    return ref.key;
  }
}

std::string NodeLabelName(const NodeData& d) {
  if (d.synthetic || d.collapsed_count > 0) {
    return "+" + std::to_string(d.collapsed_count) + " " +
           Plural(EntityKindLabel(d.entity.kind), static_cast<uint64_t>(d.collapsed_count));
  }
  // The name is cut, never the kind: "OrganizationAccountAccessRole/ali… (role session)".
  return TruncateChars(VisibleText(SafeShortName(d.entity.ref())), kMaxDotNameChars) + " (" +
         std::string(EntityKindLabel(d.entity.kind)) + ")";
}

AttrList NodeAttrs(const NodeData& d) {
  const KindStyle& ks = StyleOf(d.entity.kind);
  AttrList a;
  std::vector<std::string> lines{NodeLabelName(d)};
  if (d.entity.kind == EntityKind::kFinding && !d.synthetic) {
    if (const std::string* type = d.entity.Attr("type"))
      lines.push_back(TruncateChars(VisibleText(*type), kMaxDotNameChars));
    if (const std::string* sev = d.entity.Attr("severity")) lines.push_back("severity " + *sev);
  }
  // The region is part of the visible label: a PNG or PDF has no tooltips.
  if (!d.synthetic)
    if (const std::string* region = d.entity.Attr("region"); region && !region->empty())
      lines.push_back(TruncateChars(VisibleText(*region), kMaxDotNameChars));
  if (!d.note.empty()) lines.push_back(TruncateChars(VisibleText(d.note), kMaxDotNameChars));
  a.Lines("label", lines);

  std::vector<std::string> tip;
  if (d.synthetic) {
    std::string list = std::to_string(d.collapsed_count) + " " +
                       Plural(EntityKindLabel(d.entity.kind), static_cast<uint64_t>(d.collapsed_count)) +
                       " collapsed: ";
    for (size_t i = 0; i < d.members.size() && i < kMaxCollapsedTooltipKeys; ++i)
      list += (i ? ", " : "") + d.members[i];
    if (d.members.size() > kMaxCollapsedTooltipKeys) list += ", …";
    tip.push_back(list);
  } else {
    tip.push_back(std::string(EntityKindLabel(d.entity.kind)) + " " + d.entity.key);
    if (d.entity.first_seen != kNoTime || d.entity.last_seen != kNoTime)
      tip.push_back("seen " + TimeRange(d.entity.first_seen, d.entity.last_seen));
    for (const auto& [name, v] : d.entity.attrs) tip.push_back(name + ": " + v.value);
    if (!d.entity.tags.empty()) {
      std::string tags = "tags: ";
      bool first = true;
      for (const auto& t : d.entity.tags) {
        tags += (first ? "" : ", ") + t;
        first = false;
      }
      tip.push_back(tags);
    }
    if (d.hop >= 0) tip.push_back("hop " + std::to_string(d.hop));
  }
  a.Tooltip(tip);

  a.Add("shape", ks.shape);
  std::string style = std::string("filled") + ks.extra_style;
  if (d.synthetic || d.collapsed_count > 0) style += ",dashed";
  a.Add("style", style);
  a.Add("fillcolor", ks.fill);
  const EmphasisStyle* es = EmphasisOf(d.emphasis);
  a.Add("color", es ? es->color : ks.border);
  bool finding = d.entity.kind == EntityKind::kFinding && !d.synthetic;
  if (es) a.Add("penwidth", es->penwidth);
  else if (finding) a.Add("penwidth", "2");
  if (d.emphasis == Emphasis::kFocus) a.Add("peripheries", "2");
  if (d.emphasis == Emphasis::kFocus || finding) a.Add("fontname", "Helvetica-Bold");
  if (d.emphasis == Emphasis::kFlagged) a.Add("fontcolor", "#b71c1c");
  return a;
}

AttrList EdgeAttrs(const EdgeKey& k, const EdgeData& e, const NodeData& src, const NodeData& dst,
                   const DotOptions& options) {
  AttrList a;
  if (!k.could.empty()) {
    // Allowed by the policies, not seen in the logs: dashed, "could ...".
    a.Lines("label", {"could " + k.could});
    std::vector<std::string> tip{"could (not observed): " + SafeShortName(src.entity.ref()) + " " + k.could + " " +
                                 SafeShortName(dst.entity.ref())};
    if (!e.could_detail.empty()) tip.push_back(e.could_detail);
    a.Tooltip(tip);
    a.Add("style", "dashed");
    a.Add("color", "#7e57c2");
    a.Add("fontcolor", "#5e35b1");
    return a;
  }
  // The label reads along the arrow (edge_text.h); an attempt says so.
  const bool attempt = IsAttempt(e.stats);
  std::string first = std::string(EdgeLabel(k.kind, e.stats));
  if (e.stats.count > 0) first += " ×" + std::to_string(e.stats.count);
  if (attempt) first += std::string(" (") + std::string(AttemptVerdict(e.stats)) + ")";
  std::vector<std::string> lines{first};
  if (e.stats.success + e.stats.failure > 0)
    lines.push_back("ok " + std::to_string(e.stats.success) + " · fail " + std::to_string(e.stats.failure));
  if (e.merged_edges > 1) lines.push_back(std::to_string(e.merged_edges) + " edges");
  std::string range = TimeRange(e.stats.first_seen, e.stats.last_seen);
  if (options.edge_times && !range.empty()) lines.push_back(range);
  a.Lines("label", lines);

  std::vector<std::string> tip;
  auto name = [](const NodeData& d) { return d.synthetic ? NodeLabelName(d) : SafeShortName(d.entity.ref()); };
  if (src.synthetic || dst.synthetic)
    tip.push_back(name(src) + " → " + name(dst) + ": " + std::string(EdgeKindName(k.kind)) + " (" +
                  std::string(EdgeKindMeaning(k.kind)) + ")");
  else
    tip.push_back(EdgeSentence(src.entity.ref(), k.kind, dst.entity.ref(), e.stats) + " (" +
                  std::string(EdgeKindName(k.kind)) + ")");
  tip.push_back("count " + std::to_string(e.stats.count));
  if (e.stats.success + e.stats.failure > 0)
    tip.push_back("success " + std::to_string(e.stats.success) + ", failure " + std::to_string(e.stats.failure));
  if (e.stats.first_seen != kNoTime) tip.push_back("first " + FormatTime(e.stats.first_seen));
  if (e.stats.last_seen != kNoTime) tip.push_back("last " + FormatTime(e.stats.last_seen));
  if (!e.stats.first_evidence.ref.empty()) tip.push_back("first evidence " + e.stats.first_evidence.ref);
  if (!e.stats.last_evidence.ref.empty() && e.stats.last_evidence.ref != e.stats.first_evidence.ref)
    tip.push_back("last evidence " + e.stats.last_evidence.ref);
  a.Tooltip(tip);

  const EmphasisStyle* es = EmphasisOf(e.emphasis);
  if (attempt) {
    // Reached nothing: drawn dashed and grey-red, never as a compromise path.
    a.Add("style", "dashed");
    a.Add("color", "#c62828");
    a.Add("fontcolor", "#c62828");
  } else if (es) {
    a.Add("color", es->color);
    a.Add("fontcolor", es->color);
    a.Add("penwidth", es->penwidth);
  } else if (k.kind == EdgeKind::kInAccount) {
    a.Add("style", "dotted");
    a.Add("color", "#9e9e9e");
  }
  return a;
}

// ---------------------------------------------------------------------------
// Boost.Graph model and property writers.

struct VertexProp {
  std::string id;     // "n0", "n1", ...: never log-derived
  std::string attrs;  // " [...]", values already escaped
};
struct EdgeProp {
  std::string attrs;
};
using DotGraph = boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS, VertexProp, EdgeProp>;

class VertexWriter {
 public:
  explicit VertexWriter(const DotGraph& g) : g_(&g) {}
  void operator()(std::ostream& out, DotGraph::vertex_descriptor v) const { out << " " << (*g_)[v].attrs; }

 private:
  const DotGraph* g_;
};

class EdgeWriter {
 public:
  explicit EdgeWriter(const DotGraph& g) : g_(&g) {}
  void operator()(std::ostream& out, DotGraph::edge_descriptor e) const { out << (*g_)[e].attrs; }

 private:
  const DotGraph* g_;
};

// Writes graph/node/edge defaults, account clusters and the legend.
class GraphWriter {
 public:
  explicit GraphWriter(const std::string* text) : text_(text) {}
  void operator()(std::ostream& out) const { out << *text_; }

 private:
  const std::string* text_;
};

void AppendSubgraphAttrs(std::string& out, const AttrList& a, const std::string& indent) {
  for (const auto& [name, value] : a.items()) out += indent + name + "=\"" + value + "\";\n";
}

// A graph whose longest path has at least this many edges is laid out top to bottom.
constexpr size_t kDeepGraphRanks = 4;

// True when the longest edge path (left to right: Graphviz ranks) is at least
// `needed` hops. Relaxation capped at `needed` rounds; cycles just stop growing.
bool HasRanks(size_t node_count, const std::vector<std::pair<size_t, size_t>>& edges, size_t needed) {
  std::vector<size_t> rank(node_count, 0);
  for (size_t round = 0; round < needed; ++round) {
    bool changed = false;
    for (const auto& [s, d] : edges) {
      if (s == d || rank[s] + 1 <= rank[d] || rank[s] + 1 > needed) continue;
      rank[d] = rank[s] + 1;
      changed = true;
      if (rank[d] >= needed) return true;
    }
    if (!changed) break;
  }
  return false;
}

std::string GraphHeader(const Subgraph& g, const std::vector<const NodeData*>& nodes,
                        const std::vector<std::pair<size_t, size_t>>& edge_ends, const DotOptions& options) {
  std::string out;
  AttrList graph;
  std::vector<std::string> title;
  title.push_back(g.title.empty() ? std::string("gumshoe") : g.title);
  if (!g.window.unbounded())
    title.push_back("window " + (g.window.since == kNoTime ? std::string("…") : Minutes(g.window.since)) + " – " +
                    (g.window.until == kNoTime ? std::string("…") : Minutes(g.window.until)) + " UTC");
  std::string title_text;
  for (size_t i = 0; i < title.size(); ++i)
    title_text += (i ? "\\n" : "") + DotEscape(TruncateChars(VisibleText(title[i]), 2 * kMaxDotLabelChars));
  out += "graph [label=\"" + title_text + "\"";
  // Deep graphs (credential chains) read top to bottom; shallow, wide ones
  // (pivot fan-outs, blast radius) left to right.
  bool deep = HasRanks(nodes.size(), edge_ends, kDeepGraphRanks);
  out += std::string(", labelloc=\"t\", labeljust=\"l\", fontname=\"Helvetica-Bold\", fontsize=\"14\", rankdir=\"") +
         (deep ? "TB" : "LR") + "\", "
         "newrank=\"true\", nodesep=\"0.3\", ranksep=\"0.7\", pad=\"0.3\", bgcolor=\"white\"];\n";
  out += "node [fontname=\"Helvetica\", fontsize=\"11\", margin=\"0.12,0.06\"];\n";
  out += "edge [fontname=\"Helvetica\", fontsize=\"9\", color=\"#5f6b7a\", fontcolor=\"#37474f\", arrowsize=\"0.7\"];\n";

  if (options.cluster_by_account) {
    // account -> region -> node ids ("" region: directly in the account).
    std::map<std::string, std::map<std::string, std::vector<size_t>>> accounts;
    for (size_t i = 0; i < nodes.size(); ++i) {
      std::string acct = AccountOf(*nodes[i]);
      if (!acct.empty()) accounts[acct][RegionOf(*nodes[i])].push_back(i);
    }
    // Every known account gets its box (even a single one: the picture says
    // whose account it is); entities whose account is unknown sit outside.
    bool boxes = !accounts.empty();
    size_t ai = 0;
    for (const auto& [acct, regions] : accounts) {
      size_t named_regions = 0;
      for (const auto& [region, ids] : regions) named_regions += region.empty() ? 0 : 1;
      bool sub = named_regions >= 2;
      if (!boxes && !sub) continue;
      std::string label = "account " + acct;
      if (named_regions == 1 && regions.size() == 1) label += " · " + regions.begin()->first;
      std::string cid = "cluster_account_" + std::to_string(ai++);
      if (boxes) {
        out += "subgraph " + cid + " {\n";
        AttrList ca;
        ca.Add("label", TruncateChars(VisibleText(label), kMaxDotLabelChars));
        ca.Add("style", "rounded,dashed");
        ca.Add("color", "#78909c");
        ca.Add("fontcolor", "#455a64");
        ca.Add("fontsize", "11");
        AppendSubgraphAttrs(out, ca, "  ");
      }
      size_t ri = 0;
      for (const auto& [region, ids] : regions) {
        bool in_sub = sub && !region.empty();
        std::string indent = in_sub ? "    " : "  ";
        if (in_sub) {
          out += "  subgraph " + cid + "_region_" + std::to_string(ri++) + " {\n";
          AttrList ra;
          ra.Add("label", TruncateChars(VisibleText(region), kMaxDotLabelChars));
          ra.Add("style", "rounded");
          ra.Add("color", "#b0bec5");
          ra.Add("fontcolor", "#607d8b");
          ra.Add("fontsize", "10");
          AppendSubgraphAttrs(out, ra, indent);
        }
        if (!boxes && !in_sub) continue;
        for (size_t id : ids) out += indent + "n" + std::to_string(id) + ";\n";
        if (in_sub) out += "  }\n";
      }
      if (boxes) out += "}\n";
    }
  }

  if (options.show_legend && !nodes.empty()) {
    std::map<std::string, EntityKind> kinds;
    std::set<int> emphases;
    for (const NodeData* d : nodes) {
      kinds.emplace(std::string(EntityKindName(d->entity.kind)), d->entity.kind);
      if (d->emphasis != Emphasis::kNone) emphases.insert(static_cast<int>(d->emphasis));
    }
    out += "subgraph cluster_legend {\n";
    AttrList la;
    la.Add("label", "Legend");
    la.Add("style", "rounded");
    la.Add("color", "#cfd8dc");
    la.Add("fontcolor", "#546e7a");
    la.Add("fontsize", "10");
    AppendSubgraphAttrs(out, la, "  ");
    std::vector<std::string> ids;
    for (const auto& [name, kind] : kinds) {
      const KindStyle& ks = StyleOf(kind);
      AttrList a;
      a.Add("label", EntityKindLabel(kind));
      a.Add("shape", ks.shape);
      a.Add("style", std::string("filled") + ks.extra_style);
      a.Add("fillcolor", ks.fill);
      a.Add("color", ks.border);
      a.Add("fontsize", "9");
      a.Add("height", "0.3");
      a.Add("margin", "0.06,0.02");
      a.Add("tooltip", "entity kind " + name);
      std::string id = "legend_" + name;
      out += "  " + id + " " + a.str() + ";\n";
      ids.push_back(id);
    }
    for (const auto& es : kEmphasisStyles) {
      if (!emphases.count(static_cast<int>(es.emphasis))) continue;
      AttrList a;
      a.Add("label", es.legend);
      a.Add("shape", "box");
      a.Add("style", "rounded");
      a.Add("color", es.color);
      a.Add("fontcolor", es.color);
      a.Add("penwidth", es.penwidth);
      a.Add("fontsize", "9");
      a.Add("height", "0.3");
      a.Add("margin", "0.06,0.02");
      a.Add("tooltip", std::string("emphasis: ") + es.legend);
      std::string id = "legend_emphasis_" + std::to_string(static_cast<int>(es.emphasis));
      out += "  " + id + " " + a.str() + ";\n";
      ids.push_back(id);
    }
    // Top to bottom: one row sharing a rank. Left to right: two columns
    // (two ranks tied by invisible edges), half as tall as one.
    size_t half = deep || ids.size() < 5 ? ids.size() : (ids.size() + 1) / 2;
    for (size_t start = 0; start < ids.size(); start += half) {
      out += "  { rank=\"same\";";
      for (size_t i = start; i < ids.size() && i < start + half; ++i) out += " " + ids[i] + ";";
      out += " }\n";
    }
    for (size_t i = half; i < ids.size(); ++i)
      out += "  " + ids[i - half] + " -> " + ids[i] + " [style=\"invis\"];\n";
    out += "}\n";
  }
  return out;
}

}  // namespace

std::string ToDot(const Subgraph& g, const DotOptions& options) {
  Prepared p = Merge(g);
  Collapse(p, options.max_nodes);

  // Sort nodes by (kind name, synthetic, key).
  std::vector<std::pair<const EntityRef*, const NodeData*>> order;
  order.reserve(p.nodes.size());
  for (const auto& [ref, d] : p.nodes) order.emplace_back(&ref, &d);
  std::sort(order.begin(), order.end(), [](const auto& a, const auto& b) {
    std::string_view ka = EntityKindName(a.first->kind), kb = EntityKindName(b.first->kind);
    if (ka != kb) return ka < kb;
    if (a.second->synthetic != b.second->synthetic) return !a.second->synthetic;
    return a.first->key < b.first->key;
  });
  std::map<EntityRef, size_t> index;
  std::vector<const NodeData*> nodes;
  for (size_t i = 0; i < order.size(); ++i) {
    index[*order[i].first] = i;
    nodes.push_back(order[i].second);
  }

  // Sort edges by (source index, kind name, destination index).
  std::vector<std::pair<const EdgeKey*, const EdgeData*>> edges;
  for (const auto& [k, e] : p.edges) edges.emplace_back(&k, &e);
  std::sort(edges.begin(), edges.end(), [&index](const auto& a, const auto& b) {
    size_t sa = index.at(a.first->src), sb = index.at(b.first->src);
    if (sa != sb) return sa < sb;
    std::string_view ka = EdgeKindName(a.first->kind), kb = EdgeKindName(b.first->kind);
    if (ka != kb) return ka < kb;
    return index.at(a.first->dst) < index.at(b.first->dst);
  });

  std::vector<std::pair<size_t, size_t>> edge_ends;
  for (const auto& [k, e] : edges) edge_ends.emplace_back(index.at(k->src), index.at(k->dst));

  DotGraph graph;
  for (size_t i = 0; i < nodes.size(); ++i) {
    auto v = boost::add_vertex(graph);
    graph[v].id = "n" + std::to_string(i);
    graph[v].attrs = NodeAttrs(*nodes[i]).str();
  }
  for (const auto& [k, e] : edges) {
    size_t s = index.at(k->src), d = index.at(k->dst);
    auto added = boost::add_edge(s, d, graph);
    graph[added.first].attrs = EdgeAttrs(*k, *e, *nodes[s], *nodes[d], options).str();
  }

  std::string header = GraphHeader(g, nodes, edge_ends, options);
  std::ostringstream out;
  boost::write_graphviz(out, graph, VertexWriter(graph), EdgeWriter(graph), GraphWriter(&header),
                        boost::get(&VertexProp::id, graph));
  return out.str();
}

}  // namespace gumshoe
