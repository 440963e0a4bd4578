// gumshoe blast-radius | findings | timeline | investigate: the investigation
// layer on the command line. Every command takes --since/--until (defaults
// follow the focus: a finding's first-last seen widened by --margin hours, an
// entity's last 24 h of activity), prints a table (log-derived text through
// TerminalSafe) or one JSON document (--json), and can write its graph as DOT.
#include <algorithm>
#include <cstdio>
#include <functional>
#include <optional>
#include <set>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "cli_common.h"
#include "latent.h"
#include "lineage_json.h"
#include "gumshoe/blast_radius.h"
#include "gumshoe/edge_text.h"
#include "gumshoe/finding_groups.h"
#include "gumshoe/indicators.h"
#include "gumshoe/investigate.h"
#include "gumshoe/normalize.h"
#include "gumshoe/report.h"
#include "gumshoe/time_util.h"
#include "gumshoe/timeline.h"
#include "output.h"
#include "table.h"

namespace gumshoe::cli {
namespace {

// Limits on what users type.
constexpr int kMaxDepth = 64;
constexpr double kMaxMarginHours = 24 * 366;

std::string Num(uint64_t n) { return std::to_string(n); }
std::string Score(double s) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.2f", s);
  return buf;
}
std::string RefText(const EntityRef& r) { return std::string(EntityKindName(r.kind)) + ":" + r.key; }

struct WindowArgs {
  std::string since, until;
  double margin_hours = 24;
};

void AddWindowOptions(CLI::App* cmd, WindowArgs& w, bool margin) {
  cmd->add_option("--since", w.since, "Window start (ISO 8601 or YYYY-MM-DD)");
  cmd->add_option("--until", w.until, "Window end (ISO 8601 or YYYY-MM-DD)");
  if (margin)
    cmd->add_option("--margin", w.margin_hours, "Hours added each side of a finding's first-last seen")
        ->capture_default_str();
}

Result<std::pair<TimeWindow, ScopeOptions>> WindowFrom(const WindowArgs& w) {
  GUMSHOE_ASSIGN_OR_RETURN(TimeWindow window, ParseWindow(w.since, w.until));
  if (!(w.margin_hours >= 0 && w.margin_hours <= kMaxMarginHours))
    return Status::InvalidArgument("--margin must be between 0 and " + std::to_string(int(kMaxMarginHours)) + " hours");
  ScopeOptions scope;
  scope.finding_margin = static_cast<Timestamp>(w.margin_hours * 3600);
  return std::make_pair(window, scope);
}

Result<std::vector<EdgeKind>> ParseEdgeList(const std::string& text) {
  std::vector<EdgeKind> out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (item.empty()) continue;
    auto k = ParseEdgeKind(item);
    if (!k) return Status::InvalidArgument("unknown edge kind '" + TerminalSafe(item) + "'");
    out.push_back(*k);
  }
  return out;
}

// ---- JSON writers ----

// A blast-radius object: the gumshoe.blast-radius/1 document when `ctx` is
// given (schema, store), else investigate's nested "blast_radius". `extra`
// writes members of its own at the end (blast-radius --latent: "latent").
void WriteBlast(JsonOut& j, const BlastRadiusResult& r, const CliContext* ctx,
                const std::function<void(JsonOut&)>& extra = {}) {
  if (ctx != nullptr) {
    j.Begin("gumshoe.blast-radius/1", *ctx, r.window);
  } else {
    j.w().StartObject();
    j.Window("window", r.window);
  }
  j.Key("entity");
  j.Ref(r.start);
  j.Field("summary", r.summary);
  j.Field("foothold_note", r.foothold_note);
  j.Key("footholds");
  j.Refs(r.footholds);
  j.Key("nodes");
  j.w().StartArray();
  for (const BlastNode& n : r.nodes) {
    j.w().StartObject();
    j.Key("entity");
    j.Entity(n.entity);
    j.Field("hop", n.hop);
    j.Field("foothold", n.foothold);
    j.Key("score");
    j.w().Double(n.score);
    j.Field("volume", n.volume);
    j.Time("first_touch", n.first_touch);
    j.Key("path");
    j.w().StartArray();
    for (const BlastHop& h : n.path) {
      j.w().StartObject();
      j.Key("from");
      j.Ref(h.from);
      j.Field("edge", EdgeKindName(h.edge));
      j.Field("direction", h.stored_forward ? "out" : "in");
      j.Key("to");
      j.Ref(h.to);
      j.Time("time", h.time);
      j.Field("evidence", h.evidence);
      j.Time("evidence_time", h.evidence_time);
      if (!h.via.empty()) j.Field("via", h.via);
      j.w().EndObject();
    }
    j.w().EndArray();
    j.w().EndObject();
  }
  j.w().EndArray();
  j.Key("truncations");
  j.w().StartArray();
  for (const auto& t : r.truncations) {
    j.w().StartObject();
    j.Key("at");
    j.Ref(t.at);
    j.Field("edge", EdgeKindName(t.edge));
    j.Field("omitted", static_cast<uint64_t>(t.omitted));
    j.Field("note", t.note);
    j.w().EndObject();
  }
  j.w().EndArray();
  j.Field("truncated", r.truncated);
  j.Key("attempts");
  j.w().StartArray();
  for (const BlastAttempt& a : r.attempts) {
    j.w().StartObject();
    j.Key("actor");
    j.Ref(a.actor);
    j.Field("edge", EdgeKindName(a.edge));
    j.Key("target");
    j.Ref(a.target);
    j.Field("count", a.count);
    j.Field("verdict", a.verdict);
    j.Field("errors", a.errors);
    j.Time("time", a.time);
    j.Field("evidence", a.evidence);
    j.Field("text", a.text);
    j.Field("sentence", a.sentence);
    j.w().EndObject();
  }
  j.w().EndArray();
  j.Field("attempts_omitted", static_cast<uint64_t>(r.attempts_omitted));
  if (extra) extra(j);
  j.w().EndObject();
}

void WriteFinding(JsonOut& j, const FindingInfo& f) {
  j.w().StartObject();
  j.Field("id", f.entity.key);
  j.Field("type", f.type);
  j.Key("severity");
  j.w().Double(f.severity);
  j.Field("severity_band", f.severity_band);
  j.Field("title", f.title);
  j.Field("source", f.source);
  j.Time("first_seen", f.entity.first_seen);
  j.Time("last_seen", f.entity.last_seen);
  j.Key("entity");
  j.Entity(f.entity);
  j.Key("affected");
  j.Refs(f.affected);
  j.Key("involved");
  j.Refs(f.involved);
  j.w().EndObject();
}

void WriteGroup(JsonOut& j, const FindingGroup& g) {
  j.w().StartObject();
  j.Key("severity");
  j.w().Double(g.severity);
  j.Field("severity_band", g.severity_band);
  j.Time("first_seen", g.first_seen);
  j.Time("last_seen", g.last_seen);
  j.Key("tying");
  j.Refs(g.tying);
  j.Key("findings");
  j.w().StartArray();
  for (const auto& f : g.findings) WriteFinding(j, f);
  j.w().EndArray();
  j.w().EndObject();
}

void WriteIndicators(JsonOut& j, const IndicatorsResult& r) {
  j.w().StartObject();
  j.Key("principal");
  j.Ref(r.principal);
  j.Window("window", r.window);
  j.Window("baseline", r.baseline);
  j.Key("baseline_data_days");
  j.w().Double(r.baseline_data_days);
  j.Field("baseline_judged", r.baseline_judged);
  j.Key("indicators");
  j.w().StartArray();
  for (const Indicator& i : r.indicators) {
    j.w().StartObject();
    j.Field("kind", i.kind);
    j.Field("available", i.available);
    j.Key("entity");
    j.Ref(i.entity);
    j.Field("detail", i.detail);
    j.Field("window_count", i.window_count);
    j.Field("baseline_count", i.baseline_count);
    j.Time("first_seen", i.first_seen);
    if (!i.evidence.empty()) j.Field("evidence", i.evidence);
    if (!i.technique_id.empty()) {
      j.Field("tactic", i.tactic);
      j.Field("technique_id", i.technique_id);
      j.Field("technique", i.technique);
    }
    j.w().EndObject();
  }
  j.w().EndArray();
  j.w().EndObject();
}

void WriteTouches(JsonOut& j, const ResourceTouches& t) {
  j.w().StartObject();
  j.Key("resource");
  j.Ref(t.resource);
  j.Key("touches");
  j.w().StartArray();
  for (const ResourceTouch& x : t.touches) {
    j.w().StartObject();
    j.Key("actor");
    j.Ref(x.actor);
    j.Field("edge", EdgeKindName(x.edge));
    j.Field("window_count", x.window_count);
    j.Field("edge_success", x.success);
    j.Field("edge_failure", x.failure);
    j.Field("attempt_only", x.attempt_only);
    j.Time("first_seen", x.first_seen);
    j.Time("last_seen", x.last_seen);
    j.Field("first_evidence", x.first_evidence);
    j.Field("last_evidence", x.last_evidence);
    j.Key("from");
    j.Refs(x.from);
    j.Key("credentials");
    j.Refs(x.credentials);
    j.w().EndObject();
  }
  j.w().EndArray();
  j.Field("omitted", static_cast<uint64_t>(t.omitted));
  j.w().EndObject();
}

// ---- blast-radius ----

struct BlastArgs {
  std::string entity, edges, dot;
  WindowArgs window;
  int depth = 8;
  size_t max_fanout = 100;
  size_t limit = 200;
  bool latent = false;
};

// blast-radius --latent: what the principals of the footholds and of the
// reached credentials could still do, from the IAM snapshots as of the
// window's end, beyond what the logs show.
struct LatentPart {
  Timestamp as_of = kNoTime;
  std::vector<AccountAuthorization> accounts;
  std::vector<LatentExposure> exposures;
  std::vector<LatentItem> items;
};

Result<LatentPart> LatentOfBlast(const GraphStore& store, const GraphReader& reader, const BlastRadiusResult& r) {
  LatentPart part;
  part.as_of = r.window.until;
  GUMSHOE_ASSIGN_OR_RETURN(part.accounts, LoadAuthorization(store, part.as_of));
  std::vector<EntityRef> creds;
  std::set<EntityRef> reached;
  for (const BlastNode& n : r.nodes) {
    reached.insert(n.entity.ref());
    const EntityKind k = n.entity.kind;
    if (k == EntityKind::kAccessKey || k == EntityKind::kRoleSession || k == EntityKind::kIamUser ||
        k == EntityKind::kIamRole)
      creds.push_back(n.entity.ref());
  }
  GUMSHOE_ASSIGN_OR_RETURN(part.exposures, LatentExposures(reader, part.accounts, creds, 50, 6, false));
  part.items = LatentBeyond(part.exposures, reached);
  return part;
}

void AddLatentToSubgraph(const LatentPart& part, Subgraph& g) {
  for (const LatentItem& it : part.items) {
    SubgraphEdge e;
    e.src = it.from;
    e.dst = it.to;
    e.could = it.edge;
    e.could_detail = (it.wildcard ? it.note + "; " : std::string()) + it.method;
    for (const std::string& ev : it.evidence) e.could_detail += "; granted by " + ev;
    if (!it.conditions.empty()) {
      e.could_detail += "; only if";
      for (const std::string& c : it.conditions) e.could_detail += " " + c;
    }
    g.edges.push_back(std::move(e));
  }
}

void WriteLatentPart(JsonOut& j, const LatentPart& part) {
  auto& w = j.w();
  j.Key("latent");
  w.StartObject();
  j.Time("as_of", part.as_of);
  j.Field("snapshots", static_cast<uint64_t>(part.accounts.size()));
  j.Key("principals");
  w.StartArray();
  for (const LatentExposure& x : part.exposures) {
    w.StartObject();
    j.Key("credential");
    j.Ref(x.credential);
    j.Field("principal", x.graph.snapshot->nodes[x.node].arn);
    j.Field("admin_equivalent", x.admin.has_value());
    w.EndObject();
  }
  w.EndArray();
  j.Key("edges");
  w.StartArray();
  for (const LatentItem& it : part.items) {
    w.StartObject();
    j.Field("observed", false);
    j.Field("edge", it.edge);
    j.Key("from");
    j.Ref(it.from);
    j.Key("to");
    j.Ref(it.to);
    j.Field("method", it.method);
    j.Key("evidence");
    w.StartArray();
    for (const std::string& e : it.evidence) j.String(e);
    w.EndArray();
    j.Key("conditions");
    w.StartArray();
    for (const std::string& c : it.conditions) j.String(c);
    w.EndArray();
    j.Field("admin_equivalent", it.admin_equivalent);
    j.Field("wildcard", it.wildcard);
    if (it.wildcard) j.Field("note", it.note);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
}

void PrintLatentPart(const LatentPart& part) {
  std::printf("\ncould (allowed by the IAM policies as of %s, the logs show none of it):\n",
              part.as_of == kNoTime ? "now" : FormatTime(part.as_of).c_str());
  if (part.accounts.empty()) {
    std::printf("  no IAM authorization snapshot in the store\n");
    return;
  }
  if (part.exposures.empty()) {
    std::printf("  no reached credential is a principal of a stored snapshot\n");
    return;
  }
  if (part.items.empty()) std::printf("  nothing beyond what was observed\n");
  for (const LatentItem& it : part.items) {
    std::string line = "  could  " + RefText(it.from) + " -" + it.edge + "-> " +
                       (it.wildcard ? it.note.substr(std::min(it.note.size(), it.edge.size() + 1)) : RefText(it.to)) + " [" + it.method + "]";
    if (it.admin_equivalent) line += " (admin-equivalent path)";
    if (!it.conditions.empty()) {
      line += " only if";
      for (const std::string& c : it.conditions) line += " " + c;
    }
    if (!it.evidence.empty()) {
      line += "; granted by";
      for (size_t i = 0; i < it.evidence.size(); ++i) line += (i ? ", " : " ") + it.evidence[i];
    }
    std::printf("%s\n", TerminalSafe(line).c_str());
  }
}

int RunBlast(CliContext& ctx, const BlastArgs& args) {
  if (args.depth < 1 || args.depth > kMaxDepth)
    return ReportError(ctx, Status::InvalidArgument("--depth must be between 1 and " + std::to_string(kMaxDepth)));
  if (args.max_fanout < 1) return ReportError(ctx, Status::InvalidArgument("--max-fanout must be at least 1"));
  auto w = WindowFrom(args.window);
  if (!w.ok()) return ReportError(ctx, w.status());
  auto edges = ParseEdgeList(args.edges);
  if (!edges.ok()) return ReportError(ctx, edges.status());
  auto store = OpenStore(ctx, false);
  if (!store.ok()) return ReportError(ctx, store.status());
  auto snapshot = (*store)->Snapshot();
  auto ref = ResolveEntity(*snapshot, args.entity);
  if (!ref.ok()) return ReportError(ctx, ref.status());
  BlastRadiusOptions options;
  options.window = w->first;
  options.scope = w->second;
  options.max_depth = args.depth;
  options.edge_kinds = *edges;
  options.max_fanout = args.max_fanout;
  options.include_resource_touchers = true;
  auto r = BlastRadius(*snapshot, *ref, options);
  if (!r.ok()) return ReportError(ctx, r.status());
  std::optional<LatentPart> latent;
  if (args.latent) {
    auto part = LatentOfBlast(**store, *snapshot, *r);
    if (!part.ok()) return ReportError(ctx, part.status());
    latent = std::move(part).value();
  }
  if (!args.dot.empty()) {
    Subgraph g = r->ToSubgraph();
    if (latent) AddLatentToSubgraph(*latent, g);
    int rc = WriteDotFile(ctx, g, args.dot);
    if (rc != kExitOk) return rc;
  }
  if (ctx.json) {
    JsonOut j(snapshot.get());
    WriteBlast(j, *r, &ctx, [&](JsonOut& jj) {
      if (latent) WriteLatentPart(jj, *latent);
    });
    return j.Emit(ctx);
  }
  std::printf("Blast radius of %s, %s .. %s\n", TerminalSafe(RefText(r->start)).c_str(),
              FormatTime(r->window.since).c_str(), FormatTime(r->window.until).c_str());
  std::printf("%s\n", TerminalSafe(r->summary).c_str());
  std::printf("footholds (%s):", TerminalSafe(r->foothold_note).c_str());
  for (const auto& f : r->footholds) std::printf(" %s", TerminalSafe(RefText(f)).c_str());
  std::printf("\n\n");
  std::vector<std::vector<std::string>> rows;
  for (const BlastNode& n : r->nodes) {
    if (rows.size() >= args.limit) break;
    std::string via, evidence;
    if (!n.path.empty()) {
      const BlastHop& h = n.path.back();
      via = ShortName(h.from) + " -" + std::string(EdgeKindName(h.edge)) + "->";
      if (!h.via.empty()) via += " (via " + h.via + ")";
      evidence = h.evidence;
    }
    const std::string* region = n.entity.Attr("region");
    rows.push_back({std::to_string(n.hop), n.foothold ? "foothold" : Score(n.score),
                    std::string(EntityKindName(n.entity.kind)), n.entity.key, region ? *region : "",
                    FormatTime(n.first_touch), via, evidence});
  }
  PrintTable(ctx, {"hop", "score", "kind", "entity", "region", "first touch", "reached by", "evidence"}, rows);
  if (r->nodes.size() > rows.size())
    std::printf("... %zu more (use --limit, or --json for every path)\n", r->nodes.size() - rows.size());
  for (const auto& t : r->truncations) std::printf("%s\n", TerminalSafe(t.note).c_str());
  if (r->truncated) std::printf("(node limit reached: the result is partial)\n");
  if (!r->attempts.empty()) {
    std::printf("\nattempts (every call failed: they reached nothing):\n");
    std::vector<std::vector<std::string>> arows;
    for (const BlastAttempt& a : r->attempts)
      arows.push_back({a.text, RefText(a.actor), FormatTime(a.time), a.evidence});
    PrintTable({"attempt", "by", "first", "evidence"}, arows);
    if (r->attempts_omitted > 0) std::printf("+%zu more attempts\n", r->attempts_omitted);
  }
  if (latent) PrintLatentPart(*latent);
  return kExitOk;
}

// ---- findings ----

struct FindingsArgs {
  WindowArgs window;
  bool groups = false;
  bool jsonl = false;
  std::string dot;
  size_t limit = 500;
};

int RunFindings(CliContext& ctx, const FindingsArgs& args) {
  if (args.jsonl && ctx.json) return ReportError(ctx, Status::InvalidArgument("--json and --jsonl exclude each other"));
  auto w = WindowFrom(args.window);
  if (!w.ok()) return ReportError(ctx, w.status());
  auto store = OpenStore(ctx, false);
  if (!store.ok()) return ReportError(ctx, store.status());
  auto snapshot = (*store)->Snapshot();
  auto affected = [](const FindingInfo& f) {
    std::string s;
    for (const auto& r : f.affected) s += (s.empty() ? "" : ", ") + RefText(r);
    return s;
  };
  if (!args.groups) {
    auto list = ListFindings(*snapshot, w->first);
    if (!list.ok()) return ReportError(ctx, list.status());
    if (args.jsonl) return PrintJsonLines(ctx, snapshot.get(), *list, WriteFinding);
    if (ctx.json) {
      JsonOut j(snapshot.get());
      j.Begin("gumshoe.findings/1", ctx, w->first);
      j.Key("entity");
      j.w().Null();
      j.Key("findings");
      j.w().StartArray();
      for (const auto& f : *list) WriteFinding(j, f);
      j.w().EndArray();
      j.w().EndObject();
      return j.Emit(ctx);
    }
    std::vector<std::vector<std::string>> rows;
    for (const auto& f : *list) {
      if (rows.size() >= args.limit) break;
      rows.push_back({f.entity.key, f.type, Score(f.severity) + " " + f.severity_band, FormatTime(f.entity.first_seen),
                      FormatTime(f.entity.last_seen), affected(f)});
    }
    PrintTable(ctx, {"finding", "type", "severity", "first seen", "last seen", "affected"}, rows);
    if (list->size() > rows.size()) std::printf("... %zu more (use --limit)\n", list->size() - rows.size());
    return kExitOk;
  }
  FindingGroupOptions options;
  options.window = w->first;
  auto r = FindingGroups(*snapshot, options);
  if (!r.ok()) return ReportError(ctx, r.status());
  if (!args.dot.empty()) {
    int rc = WriteDotFile(ctx, r->ToSubgraph(), args.dot);
    if (rc != kExitOk) return rc;
  }
  if (args.jsonl) return PrintJsonLines(ctx, snapshot.get(), r->groups, WriteGroup);
  if (ctx.json) {
    JsonOut j(snapshot.get());
    j.Begin("gumshoe.findings-groups/1", ctx, options.window);
    j.Key("entity");
    j.w().Null();
    j.Key("groups");
    j.w().StartArray();
    for (const auto& g : r->groups) WriteGroup(j, g);
    j.w().EndArray();
    j.Key("super_nodes");
    j.Refs(r->super_nodes);
    j.w().EndObject();
    return j.Emit(ctx);
  }
  size_t n = 0;
  for (const auto& g : r->groups) {
    if (n++ >= args.limit) break;
    std::string tie;
    for (const auto& t : g.tying) tie += " " + RefText(t);
    std::printf("group %zu: %zu finding(s), severity %s, %s .. %s%s\n", n, g.findings.size(),
                TerminalSafe(g.severity_band).c_str(), FormatTime(g.first_seen).c_str(), FormatTime(g.last_seen).c_str(),
                tie.empty() ? "" : (", tied by" + TerminalSafe(tie)).c_str());
    std::vector<std::vector<std::string>> rows;
    for (const auto& f : g.findings)
      rows.push_back({"  " + f.entity.key, f.type, Score(f.severity) + " " + f.severity_band,
                      FormatTime(f.entity.first_seen), FormatTime(f.entity.last_seen), affected(f)});
    PrintTable(ctx, {"  finding", "type", "severity", "first seen", "last seen", "affected"}, rows);
    std::printf("\n");
  }
  if (!r->super_nodes.empty()) {
    std::printf("super-nodes kept out of the grouping:");
    for (const auto& s : r->super_nodes) std::printf(" %s", TerminalSafe(RefText(s)).c_str());
    std::printf("\n");
  }
  return kExitOk;
}

// ---- timeline ----

struct TimelineArgs {
  std::string entity, dot;
  WindowArgs window;
  size_t limit = 2000;
  bool jsonl = false;
};

int RunTimeline(CliContext& ctx, const TimelineArgs& args) {
  if (args.jsonl && ctx.json) return ReportError(ctx, Status::InvalidArgument("--json and --jsonl exclude each other"));
  auto w = WindowFrom(args.window);
  if (!w.ok()) return ReportError(ctx, w.status());
  auto store = OpenStore(ctx, false);
  if (!store.ok()) return ReportError(ctx, store.status());
  auto snapshot = (*store)->Snapshot();
  auto ref = ResolveEntity(*snapshot, args.entity);
  if (!ref.ok()) return ReportError(ctx, ref.status());
  TimelineOptions options;
  options.window = w->first;
  options.scope = w->second;
  auto r = Timeline(*snapshot, *ref, options);
  if (!r.ok()) return ReportError(ctx, r.status());
  if (!args.dot.empty()) {
    int rc = WriteDotFile(ctx, r->ToSubgraph(), args.dot);
    if (rc != kExitOk) return rc;
  }
  // One timeline entry (the same object on a --jsonl line and in "entries").
  auto write_entry = [](JsonOut& j, const TimelineEntry& e) {
    j.w().StartObject();
    j.Time("hour", e.hour);
    j.Field("category", e.category);
    j.Key("item");
    j.Ref(e.item);
    j.Field("count", e.count);
    j.Field("edge_success", e.success);
    j.Field("edge_failure", e.failure);
    j.Field("new", e.is_new);
    if (!e.via.empty()) j.Field("via", e.via);
    if (!e.evidence.empty()) j.Field("evidence", e.evidence);
    j.w().EndObject();
  };
  if (args.jsonl) return PrintJsonLines(ctx, snapshot.get(), r->entries, write_entry);
  if (ctx.json) {
    JsonOut j(snapshot.get());
    j.Begin("gumshoe.timeline/1", ctx, r->window);
    j.Key("entity");
    j.Entity(r->entity);
    j.Key("entries");
    j.w().StartArray();
    for (const auto& e : r->entries) write_entry(j, e);
    j.w().EndArray();
    j.Field("omitted_items", static_cast<uint64_t>(r->omitted_items));
    j.Field("truncated", r->truncated);
    if (r->touches) {
      j.Key("touched_by");
      WriteTouches(j, *r->touches);
    }
    j.w().EndObject();
    return j.Emit(ctx);
  }
  std::printf("Timeline of %s, %s .. %s\n\n", TerminalSafe(RefText(r->entity.ref())).c_str(),
              FormatTime(r->window.since).c_str(), FormatTime(r->window.until).c_str());
  std::vector<std::vector<std::string>> rows;
  for (const auto& e : r->entries) {
    if (rows.size() >= args.limit) break;
    std::string outcome = e.success + e.failure > 0 ? Num(e.success) + "/" + Num(e.failure) : "";
    rows.push_back({FormatTime(e.hour), e.category, e.item.key, Num(e.count), outcome, e.is_new ? "new" : "",
                    e.via});
  }
  PrintTable(ctx, {"hour", "what", "item", "count", "ok/fail (edge total)", "new", "via"}, rows);
  if (r->entries.size() > rows.size()) std::printf("... %zu more rows (use --limit)\n", r->entries.size() - rows.size());
  if (r->omitted_items > 0) std::printf("(%zu less active items left out)\n", r->omitted_items);
  if (r->touches) {
    std::printf("\nTouched by (who, when, from where, with which credential):\n");
    std::string text = r->touches->ToText([](std::string_view s) { return TerminalSafe(s); }, "  ");
    std::fwrite(text.data(), 1, text.size(), stdout);
  }
  return kExitOk;
}

// ---- investigate ----

struct InvestigateArgs {
  std::string entity, dot, out_dir, mmdb;
  WindowArgs window;
  int depth = 8;
  double baseline_days = 45;
  double min_baseline_days = 7;
};

Report BuildReport(const Investigation& inv) {
  Report report;
  report.title = inv.finding ? "Investigation of finding " + inv.finding->entity.key + " (" + inv.finding->type + ")"
                             : "Investigation of " + RefText(inv.start);
  if (inv.finding) {
    report.summary.push_back(inv.finding->title.empty() ? inv.finding->type : inv.finding->title);
    report.summary.push_back("Severity " + Score(inv.finding->severity) + " (" + inv.finding->severity_band +
                             "), seen " + FormatTime(inv.finding->entity.first_seen) + " .. " +
                             FormatTime(inv.finding->entity.last_seen));
  }
  report.summary.push_back("Window " + FormatTime(inv.window.since) + " .. " + FormatTime(inv.window.until));
  report.summary.push_back("Blast radius: " + inv.blast.summary);

  ReportSection involved{"Entities involved", {}, {}};
  ReportTable t{"", {"kind", "entity", "foothold"}, {}};
  for (const auto& i : inv.involved)
    t.rows.push_back({std::string(EntityKindName(i.entity.kind)), i.entity.key, i.foothold ? "yes" : ""});
  involved.tables.push_back(std::move(t));
  report.sections.push_back(std::move(involved));

  ReportSection lineage{"Credential lineage", {}, {}};
  for (const auto& l : inv.lineages) {
    if (!l.lineage) {
      lineage.paragraphs.push_back(RefText(l.credential) + ": " + l.error);
      continue;
    }
    // One sentence per link, in the direction of the event (edge_text.h),
    // whichever way the walk went.
    ReportTable lt{"Lineage of " + RefText(l.credential), {"what happened", "edge", "event", "time", "source IP"}, {}};
    for (const LineageLink& link : l.lineage->links) {
      const EntityRef& a = l.lineage->nodes[link.from].entity.ref();
      const EntityRef& b = l.lineage->nodes[link.to].entity.ref();
      bool a_is_src = link.edge_src == a;
      const EntityRef& src = a_is_src ? a : b;
      const EntityRef& dst = a_is_src ? b : a;
      lt.rows.push_back({EdgeSentence(src, link.edge, dst, link.stats), std::string(EdgeKindName(link.edge)),
                         link.event_id, FormatTime(link.time), link.source_ip});
    }
    for (size_t root : l.lineage->Roots())
      lineage.paragraphs.push_back("Root: " + RefText(l.lineage->nodes[root].entity.ref()) + " (" +
                                   std::string(LineageRootName(l.lineage->nodes[root].root)) + ") " +
                                   l.lineage->nodes[root].note);
    lineage.tables.push_back(std::move(lt));
  }
  if (inv.lineages.empty()) lineage.paragraphs.push_back("No credential involved.");
  report.sections.push_back(std::move(lineage));

  ReportSection blast{"Blast radius", {inv.blast.summary, "Footholds: " + inv.blast.foothold_note}, {}};
  ReportTable bt{"", {"hop", "score", "kind", "entity", "region", "first touch", "reached by", "evidence"}, {}};
  for (const BlastNode& n : inv.blast.nodes) {
    std::string via, evidence;
    if (!n.path.empty()) {
      const BlastHop& h = n.path.back();
      via = h.stored_forward ? EdgeSentence(h.from, h.edge, h.to) : EdgeSentence(h.to, h.edge, h.from);
      evidence = h.evidence;
    }
    const std::string* region = n.entity.Attr("region");
    bt.rows.push_back({std::to_string(n.hop), n.foothold ? "foothold" : Score(n.score),
                       std::string(EntityKindName(n.entity.kind)), n.entity.key, region ? *region : "",
                       FormatTime(n.first_touch), via, evidence});
  }
  blast.tables.push_back(std::move(bt));
  for (const auto& tr : inv.blast.truncations) blast.paragraphs.push_back(tr.note);
  report.sections.push_back(std::move(blast));

  ReportSection attempts{"Attempts (failed calls: they reached nothing)", {}, {}};
  if (inv.blast.attempts.empty()) attempts.paragraphs.push_back("None.");
  ReportTable at{"", {"what was tried", "count", "first", "evidence"}, {}};
  for (const BlastAttempt& a : inv.blast.attempts)
    at.rows.push_back({a.sentence, Num(a.count), FormatTime(a.time), a.evidence});
  if (!at.rows.empty()) attempts.tables.push_back(std::move(at));
  if (inv.blast.attempts_omitted > 0)
    attempts.paragraphs.push_back("+" + std::to_string(inv.blast.attempts_omitted) + " more attempts");
  report.sections.push_back(std::move(attempts));

  ReportSection ind{"Indicators", {}, {}};
  for (const auto& r : inv.indicators) {
    ReportTable it{"Indicators of " + RefText(r.principal) + " (baseline " + FormatTime(r.baseline.since) + " .. " +
                       FormatTime(r.baseline.until) + ")",
                   {"indicator", "entity", "detail", "in window", "in baseline", "evidence"},
                   {}};
    for (const Indicator& i : r.indicators)
      it.rows.push_back({i.kind, i.entity == r.principal ? "" : RefText(i.entity), i.detail, Num(i.window_count),
                         Num(i.baseline_count), i.evidence});
    ind.tables.push_back(std::move(it));
  }
  report.sections.push_back(std::move(ind));

  ReportSection related{"Related findings", {}, {}};
  ReportTable rt{"", {"finding", "type", "severity", "first seen", "last seen"}, {}};
  for (const auto& f : inv.related)
    rt.rows.push_back({f.entity.key, f.type, Score(f.severity) + " " + f.severity_band, FormatTime(f.entity.first_seen),
                       FormatTime(f.entity.last_seen)});
  if (inv.group) {
    std::string tie;
    for (const auto& x : inv.group->tying) tie += " " + RefText(x);
    related.paragraphs.push_back("Finding group: " + std::to_string(inv.group->findings.size()) +
                                 " finding(s), severity " + inv.group->severity_band +
                                 (tie.empty() ? "" : ", tied by" + tie));
  }
  if (inv.related.empty()) related.paragraphs.push_back("None.");
  else related.tables.push_back(std::move(rt));
  report.sections.push_back(std::move(related));

  for (const ResponseAction& a : inv.checklist)
    report.checklist.push_back(gumshoe::ChecklistItem{a.text + (a.evidence.empty() ? "" : " [" + a.evidence + "]"), false});
  report.graph = inv.ToSubgraph();
  return report;
}

int RunInvestigate(CliContext& ctx, const InvestigateArgs& args) {
  if (args.depth < 1 || args.depth > kMaxDepth)
    return ReportError(ctx, Status::InvalidArgument("--depth must be between 1 and " + std::to_string(kMaxDepth)));
  if (!(args.baseline_days > 0 && args.baseline_days <= 3660))
    return ReportError(ctx, Status::InvalidArgument("--baseline-days must be between 0 and 3660"));
  if (!(args.min_baseline_days >= 0 && args.min_baseline_days <= 3660))
    return ReportError(ctx, Status::InvalidArgument("--min-baseline-days must be between 0 and 3660"));
  auto w = WindowFrom(args.window);
  if (!w.ok()) return ReportError(ctx, w.status());
  auto store = OpenStore(ctx, false);
  if (!store.ok()) return ReportError(ctx, store.status());
  auto snapshot = (*store)->Snapshot();
  auto ref = ResolveEntity(*snapshot, args.entity);
  if (!ref.ok()) return ReportError(ctx, ref.status());
  InvestigateOptions options;
  options.window = w->first;
  options.scope = w->second;
  options.blast.max_depth = args.depth;
  options.indicators.baseline_length = static_cast<Timestamp>(args.baseline_days * 86400);
  options.indicators.min_baseline_days = args.min_baseline_days;
  options.indicators.mmdb_path = args.mmdb;
  auto inv = Investigate(*snapshot, *ref, options);
  if (!inv.ok()) return ReportError(ctx, inv.status());
  // What the investigation's credentials could still do, as of the window's end.
  auto authz = LoadAuthorization(**store, inv->window.until);
  if (!authz.ok()) return ReportError(ctx, authz.status());
  std::vector<EntityRef> credentials;
  for (const auto& l : inv->lineages) {
    credentials.push_back(l.credential);
    if (l.lineage)
      for (size_t root : l.lineage->Roots()) credentials.push_back(l.lineage->nodes[root].entity.ref());
  }
  auto latent = LatentExposures(*snapshot, *authz, credentials, 8, 6, false);
  if (!latent.ok()) return ReportError(ctx, latent.status());
  if (!args.dot.empty()) {
    int rc = WriteDotFile(ctx, inv->ToSubgraph(), args.dot);
    if (rc != kExitOk) return rc;
  }
  if (!args.out_dir.empty()) {
    ReportFiles files;
    Status st = WriteReportFiles(BuildReport(*inv), args.out_dir, DotOptions{}, &files);
    for (const auto& p : files.paths)
      if (ctx.log) ctx.log->info("wrote {}", TerminalSafe(p));
    if (!files.message.empty() && ctx.log) ctx.log->warn("{}", TerminalSafe(files.message));
    if (!st.ok()) return ReportError(ctx, st);
  }
  if (ctx.json) {
    JsonOut j(snapshot.get());
    j.Begin("gumshoe.investigate/1", ctx, inv->window);
    j.Key("entity");
    j.Ref(inv->start);
    j.Key("finding");
    if (inv->finding) WriteFinding(j, *inv->finding);
    else j.w().Null();
    j.Key("involved");
    j.w().StartArray();
    for (const auto& i : inv->involved) {
      j.w().StartObject();
      j.Key("entity");
      j.Entity(i.entity);
      j.Field("foothold", i.foothold);
      j.w().EndObject();
    }
    j.w().EndArray();
    if (inv->touches) {
      j.Key("touched_by");
      WriteTouches(j, *inv->touches);
    }
    j.Key("lineages");
    j.w().StartArray();
    for (const auto& l : inv->lineages) {
      j.w().StartObject();
      j.Key("entity");
      if (l.lineage) {
        WriteLineageStart(j, *l.lineage);
        WriteLineageMembers(j, *l.lineage);
      } else {
        j.Ref(l.credential);
        j.Field("error", l.error);
      }
      j.w().EndObject();
    }
    j.w().EndArray();
    j.Key("blast_radius");
    WriteBlast(j, inv->blast, nullptr);
    j.Key("indicators");
    j.w().StartArray();
    for (const auto& r : inv->indicators) WriteIndicators(j, r);
    j.w().EndArray();
    j.Key("related_findings");
    j.w().StartArray();
    for (const auto& f : inv->related) WriteFinding(j, f);
    j.w().EndArray();
    j.Key("group");
    if (inv->group) WriteGroup(j, *inv->group);
    else j.w().Null();
    j.Key("latent_exposure");
    WriteLatent(j, *latent);
    j.Key("checklist");
    j.w().StartArray();
    for (const auto& a : inv->checklist) {
      j.w().StartObject();
      j.Field("action", a.action);
      j.Field("text", a.text);
      j.Key("entities");
      j.Refs(a.entities);
      if (!a.evidence.empty()) j.Field("evidence", a.evidence);
      j.Time("time", a.time);
      j.w().EndObject();
    }
    j.w().EndArray();
    // Resources exposed (issue 22): gumshoe/exposures.h.
    j.Key("exposures");
    j.w().StartObject();
    j.Field("summary", inv->exposures.summary);
    j.Key("items");
    j.w().StartArray();
    for (const auto& x : inv->exposures.items) {
      j.w().StartObject();
      j.Field("category", x.category);
      j.Key("resource");
      j.Ref(x.resource);
      j.Key("actor");
      j.Ref(x.actor);
      if (!x.target.key.empty()) {
        j.Key("target");
        j.Ref(x.target);
      }
      if (!x.detail.empty()) j.Field("detail", x.detail);
      j.Key("still_open");
      j.w().Bool(x.still_open);
      j.Time("time", x.time);
      j.Field("evidence", x.evidence);
      j.w().EndObject();
    }
    j.w().EndArray();
    j.Key("denied");
    j.w().StartArray();
    for (const auto& d : inv->exposures.denied) {
      j.w().StartObject();
      j.Field("ops", d.ops);
      j.Key("resource");
      j.Ref(d.resource);
      j.Key("actor");
      j.Ref(d.actor);
      j.Field("evidence", d.evidence);
      j.w().EndObject();
    }
    j.w().EndArray();
    j.w().EndObject();
    j.w().EndObject();
    return j.Emit(ctx);
  }
  std::string text = inv->ToText([](std::string_view s) { return TerminalSafe(s); });
  std::fwrite(text.data(), 1, text.size(), stdout);
  if (!authz->empty()) {
    std::string section = "\n" + LatentText(*latent, *authz, inv->window.until);
    std::fwrite(section.data(), 1, section.size(), stdout);
  }
  return kExitOk;
}

constexpr const char* kEntityHelp = "kind:key, or an ARN, access key ID, instance ID, IP, bucket, finding ID";

}  // namespace

void RegisterBlastRadiusCommand(CLI::App& app, CliContext& ctx) {
  auto args = std::make_shared<BlastArgs>();
  CLI::App* cmd = app.add_subcommand(
      "blast-radius", "What a finding's foothold (or an entity) could reach, forward in time, ranked by score");
  AddCommonOptions(cmd, ctx);
  cmd->add_option("entity", args->entity, kEntityHelp)->required();
  AddWindowOptions(cmd, args->window, true);
  cmd->add_option("--depth", args->depth, "Most hops from a foothold")->capture_default_str();
  cmd->add_option("--edges", args->edges, "Follow only these edge kinds (comma-separated: launched,created,...)");
  cmd->add_option("--max-fanout", args->max_fanout, "Neighbours per entity and edge kind before '+N more'")
      ->capture_default_str();
  cmd->add_option("--limit", args->limit, "Rows printed")->capture_default_str();
  cmd->add_option("--dot", args->dot, "Also write the result as a DOT graph to FILE");
  cmd->add_flag("--latent", args->latent,
                "Add what the reached principals could still do from the stored IAM snapshots (marked could, "
                "never observed)");
  cmd->callback([&ctx, args] { ctx.exit_code = RunBlast(ctx, *args); });
}

void RegisterFindingsCommand(CLI::App& app, CliContext& ctx) {
  auto args = std::make_shared<FindingsArgs>();
  CLI::App* cmd = app.add_subcommand("findings", "List findings, or group those sharing entities within 48 h");
  AddCommonOptions(cmd, ctx);
  AddWindowOptions(cmd, args->window, false);
  cmd->add_flag("--groups", args->groups, "Group findings that share a session, key, instance or external IP");
  cmd->add_flag("--jsonl", args->jsonl, "Print one finding (with --groups: one group) object per line (JSON Lines; docs/json.md)");
  cmd->add_option("--limit", args->limit, "Rows (or groups) printed")->capture_default_str();
  cmd->add_option("--dot", args->dot, "With --groups: also write the groups as a DOT graph to FILE");
  cmd->callback([&ctx, args] { ctx.exit_code = RunFindings(ctx, *args); });
}

void RegisterTimelineCommand(CLI::App& app, CliContext& ctx) {
  auto args = std::make_shared<TimelineArgs>();
  CLI::App* cmd = app.add_subcommand(
      "timeline", "An entity's activity hour by hour: API calls, IPs, agents, flows, logins (first occurrences new)");
  AddCommonOptions(cmd, ctx);
  cmd->add_option("entity", args->entity, kEntityHelp)->required();
  AddWindowOptions(cmd, args->window, true);
  cmd->add_option("--limit", args->limit, "Rows printed")->capture_default_str();
  cmd->add_option("--dot", args->dot, "Also write the result as a DOT graph to FILE");
  cmd->add_flag("--jsonl", args->jsonl, "Print one timeline entry object per line (JSON Lines; docs/json.md)");
  cmd->callback([&ctx, args] { ctx.exit_code = RunTimeline(ctx, *args); });
}

void RegisterInvestigateCommand(CLI::App& app, CliContext& ctx) {
  auto args = std::make_shared<InvestigateArgs>();
  CLI::App* cmd = app.add_subcommand(
      "investigate",
      "A finding end to end: entities, credential lineage, blast radius, indicators, related findings, checklist");
  AddCommonOptions(cmd, ctx);
  cmd->add_option("entity", args->entity, "A finding ID (or any entity)")->required();
  AddWindowOptions(cmd, args->window, true);
  cmd->add_option("--depth", args->depth, "Blast-radius hops")->capture_default_str();
  cmd->add_option("--baseline-days", args->baseline_days, "Indicator baseline before the window, in days")
      ->capture_default_str();
  cmd->add_option("--min-baseline-days", args->min_baseline_days,
                  "Days of data a baseline needs before new/increased activity is flagged")
      ->capture_default_str();
  cmd->add_option("--mmdb", args->mmdb, "MaxMind GeoIP database for geolocation indicators");
  cmd->add_option("-o,--output-dir", args->out_dir, "Write the report (graph.dot, report.md, SVG/HTML with Graphviz)");
  cmd->add_option("--dot", args->dot, "Also write the graph as DOT to FILE");
  cmd->callback([&ctx, args] { ctx.exit_code = RunInvestigate(ctx, *args); });
}

}  // namespace gumshoe::cli
