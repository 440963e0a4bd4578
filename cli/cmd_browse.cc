// gumshoe stats | entities | show | pivot: looking at what is stored.
#include <algorithm>
#include <map>

#include "cli_common.h"
#include "gumshoe/edge_counters.h"
#include "gumshoe/edge_text.h"
#include "gumshoe/normalize.h"
#include "gumshoe/pivot.h"
#include "gumshoe/time_util.h"
#include "output.h"
#include "table.h"

namespace gumshoe::cli {
namespace {

std::string Num(uint64_t n) { return std::to_string(n); }

int RunStats(CliContext& ctx) {
  auto store = OpenStore(ctx, false);
  if (!store.ok()) return ReportError(ctx, store.status());
  const GraphReader& r = **store;
  std::map<std::string, uint64_t> entities, edges;
  uint64_t n_entities = 0, n_edges = 0;
  Status st = r.ScanEntities(std::nullopt, [&](const Entity& e) {
    ++entities[std::string(EntityKindName(e.kind))];
    ++n_entities;
    return true;
  });
  if (st.ok()) st = r.ScanAllEdges([&](const Edge& e) {
    ++edges[std::string(EdgeKindName(e.kind))];
    ++n_edges;
    return true;
  });
  if (!st.ok()) return ReportError(ctx, st);
  uint64_t runs = 0;
  st = (*store)->ScanMeta("run/", [&runs](std::string_view, std::string_view) {
    ++runs;
    return true;
  });
  if (!st.ok()) return ReportError(ctx, st);
  if (ctx.json) {
    JsonOut j;
    j.Begin("gumshoe.stats/1", ctx, TimeWindow{});
    j.Key("entity");
    j.w().Null();
    j.Field("entities", n_entities);
    j.Field("edges", n_edges);
    j.Field("ingest_runs", runs);
    j.Key("entities_by_kind");
    j.w().StartObject();
    for (const auto& [k, n] : entities) j.Field(k, n);
    j.w().EndObject();
    j.Key("edges_by_kind");
    j.w().StartObject();
    for (const auto& [k, n] : edges) j.Field(k, n);
    j.w().EndObject();
    j.w().EndObject();
    return j.Emit(ctx);
  }
  std::printf("store %s: %llu entities, %llu edges, %llu ingest runs\n\n", TerminalSafe(ctx.db_path).c_str(),
              static_cast<unsigned long long>(n_entities), static_cast<unsigned long long>(n_edges),
              static_cast<unsigned long long>(runs));
  std::vector<std::vector<std::string>> rows;
  for (const auto& [k, n] : entities) rows.push_back({k, Num(n)});
  PrintTable(ctx, {"entity kind", "count"}, rows);
  rows.clear();
  for (const auto& [k, n] : edges) rows.push_back({k, Num(n)});
  std::printf("\n");
  PrintTable(ctx, {"edge kind", "count"}, rows);
  return kExitOk;
}

struct EntitiesArgs {
  std::string kind;
  std::string search;
  size_t limit = 100;
  size_t offset = 0;
  bool jsonl = false;
};

int RunEntities(CliContext& ctx, const EntitiesArgs& args) {
  if (args.jsonl && ctx.json) return ReportError(ctx, Status::InvalidArgument("--json and --jsonl exclude each other"));
  std::optional<EntityKind> kind;
  if (!args.kind.empty()) {
    auto parsed = ParseKindArg(args.kind);
    if (!parsed.ok()) return ReportError(ctx, parsed.status());
    kind = *parsed;
  }
  auto store = OpenStore(ctx, false);
  if (!store.ok()) return ReportError(ctx, store.status());
  std::vector<Entity> found;
  uint64_t matches = 0;
  std::string needle = args.search;
  std::transform(needle.begin(), needle.end(), needle.begin(), [](unsigned char c) { return std::tolower(c); });
  const size_t keep = args.offset + args.limit;  // the page is found[offset, offset + limit)
  Status st = (*store)->ScanEntities(kind, [&](const Entity& e) {
    if (!needle.empty()) {
      std::string key = e.key;
      std::transform(key.begin(), key.end(), key.begin(), [](unsigned char c) { return std::tolower(c); });
      if (key.find(needle) == std::string::npos) return true;
    }
    ++matches;
    found.push_back(e);
    // Keep memory bounded: hold at most 4x the page end, trimmed to the sorted head.
    if (found.size() >= 4 * keep + 1024) {
      std::sort(found.begin(), found.end(), [](const Entity& a, const Entity& b) { return a.ref() < b.ref(); });
      found.resize(keep);
    }
    return true;
  });
  if (!st.ok()) return ReportError(ctx, st);
  std::sort(found.begin(), found.end(), [](const Entity& a, const Entity& b) { return a.ref() < b.ref(); });
  if (found.size() > keep) found.resize(keep);
  found.erase(found.begin(), found.begin() + static_cast<std::ptrdiff_t>(std::min(args.offset, found.size())));
  if (args.jsonl)
    return PrintJsonLines(ctx, nullptr, found, [](JsonOut& j, const Entity& e) { j.Entity(e); });
  if (ctx.json) {
    JsonOut j;
    j.Begin("gumshoe.entities/1", ctx, TimeWindow{});
    j.Key("entity");
    j.w().Null();
    j.Field("matches", matches);
    j.Field("offset", static_cast<uint64_t>(args.offset));
    j.Key("entities");
    j.w().StartArray();
    for (const auto& e : found) j.Entity(e);
    j.w().EndArray();
    j.w().EndObject();
    return j.Emit(ctx);
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& e : found)
    rows.push_back({std::string(EntityKindName(e.kind)), e.key, FormatTime(e.first_seen), FormatTime(e.last_seen)});
  PrintTable(ctx, {"kind", "key", "first seen", "last seen"}, rows);
  if (matches > found.size()) {
    if (args.offset + found.size() < matches) {
      std::printf("(%zu-%zu of %llu shown; --offset %zu for the next page)\n", found.empty() ? args.offset : args.offset + 1,
                  args.offset + found.size(), static_cast<unsigned long long>(matches), args.offset + found.size());
    } else {
      std::printf("(%zu-%zu of %llu shown)\n", found.empty() ? args.offset : args.offset + 1, args.offset + found.size(),
                  static_cast<unsigned long long>(matches));
    }
  }
  return kExitOk;
}

int RunShow(CliContext& ctx, const std::string& text) {
  auto store = OpenStore(ctx, false);
  if (!store.ok()) return ReportError(ctx, store.status());
  auto ref = ResolveEntity(**store, text);
  if (!ref.ok()) return ReportError(ctx, ref.status());
  auto entity = (*store)->Find(*ref);
  if (!entity.ok()) return ReportError(ctx, entity.status());
  const Entity& e = **entity;
  std::map<std::pair<int, std::string>, uint64_t> degree;
  EntityId id = (*store)->IdOf(e.kind, e.key);
  for (Direction dir : {Direction::kOut, Direction::kIn}) {
    Status st = (*store)->ScanEdges(id, dir, std::nullopt, [&](const Edge& edge) {
      ++degree[{static_cast<int>(dir), std::string(EdgeKindName(edge.kind))}];
      return true;
    });
    if (!st.ok()) return ReportError(ctx, st);
  }
  if (ctx.json) {
    JsonOut j;
    j.Begin("gumshoe.show/1", ctx, TimeWindow{});
    j.Key("entity");
    j.Entity(e);
    j.Key("edges");
    j.w().StartArray();
    for (const auto& [k, n] : degree) {
      j.w().StartObject();
      j.Field("direction", k.first == 0 ? "out" : "in");
      j.Field("kind", k.second);
      j.Field("count", n);
      j.w().EndObject();
    }
    j.w().EndArray();
    j.w().EndObject();
    return j.Emit(ctx);
  }
  std::printf("%s %s\n", std::string(EntityKindLabel(e.kind)).c_str(), TerminalSafe(e.key).c_str());
  std::printf("first seen %s, last seen %s\n", FormatTime(e.first_seen).c_str(), FormatTime(e.last_seen).c_str());
  if (!e.tags.empty()) {
    std::string tags;
    for (const auto& t : e.tags) tags += (tags.empty() ? "" : ", ") + TerminalSafe(t);
    std::printf("tags: %s\n", tags.c_str());
  }
  if (!e.attrs.empty()) {
    std::vector<std::vector<std::string>> rows;
    for (const auto& [name, v] : e.attrs) rows.push_back({name, v.value, FormatTime(v.observed)});
    std::printf("\n");
    PrintTable(ctx, {"attribute", "value", "observed"}, rows);
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& [k, n] : degree) rows.push_back({k.first == 0 ? "out" : "in", k.second, Num(n)});
  std::printf("\n");
  PrintTable(ctx, {"direction", "edge kind", "neighbours"}, rows);
  return kExitOk;
}

// What an edge moved, for the pivot table: object data, listing and metadata
// bytes, and the S3 object keys kept on read/wrote edges (most bytes first,
// at most kShownObjects; then how many calls went to objects not kept).
std::string MovedDetail(const EdgeStats& s) {
  constexpr size_t kShownObjects = 5;
  auto counter = [&](std::string_view name) -> int64_t {
    auto it = s.counters.find(std::string(name));
    return it == s.counters.end() ? 0 : it->second;
  };
  std::vector<std::string> parts;
  for (auto [name, label] : {std::pair{"bytes_out", "out"}, std::pair{"bytes_in", "in"},
                             std::pair{"listing_bytes_out", "listings"}, std::pair{"metadata_bytes_out", "metadata out"},
                             std::pair{"metadata_bytes_in", "metadata in"}})
    if (int64_t v = counter(name); v > 0) parts.push_back(std::string(label) + " " + Num(static_cast<uint64_t>(v)) + " B");
  struct Object {
    std::string key;
    int64_t calls = 0, bytes = 0;
  };
  std::vector<Object> objects;
  for (auto it = s.counters.lower_bound(std::string(kObjectCallsPrefix));
       it != s.counters.end() && std::string_view(it->first).starts_with(kObjectCallsPrefix); ++it) {
    Object o{it->first.substr(kObjectCallsPrefix.size()), it->second, 0};
    o.bytes = counter(std::string(kObjectBytesPrefix) + o.key);
    objects.push_back(std::move(o));
  }
  std::stable_sort(objects.begin(), objects.end(), [](const Object& a, const Object& b) {
    if (a.bytes != b.bytes) return a.bytes > b.bytes;
    return a.calls > b.calls;
  });
  for (size_t i = 0; i < objects.size() && i < kShownObjects; ++i) {
    const Object& o = objects[i];
    std::string text = "object " + o.key + " x" + Num(static_cast<uint64_t>(o.calls));
    if (o.bytes > 0) text += " " + Num(static_cast<uint64_t>(o.bytes)) + " B";
    parts.push_back(std::move(text));
  }
  if (objects.size() > kShownObjects)
    parts.push_back(Num(objects.size() - kShownObjects) + " more objects (--json lists them)");
  if (int64_t calls = counter(kObjectOverflowCalls); calls > 0) {
    std::string text = Num(static_cast<uint64_t>(calls)) + " calls on objects not kept";
    if (int64_t bytes = counter(kObjectOverflowBytes); bytes > 0) text += " (" + Num(static_cast<uint64_t>(bytes)) + " B)";
    parts.push_back(std::move(text));
  }
  std::string out;
  for (const std::string& p : parts) out += (out.empty() ? "" : "; ") + p;
  return out;
}

struct PivotArgs {
  std::string entity, since, until, edge, dot;
  size_t limit = 50, offset = 0;
  size_t scan_limit = PivotOptions{}.max_scan;
};

int RunPivot(CliContext& ctx, const PivotArgs& args) {
  PivotOptions options;
  auto window = ParseWindow(args.since, args.until);
  if (!window.ok()) return ReportError(ctx, window.status());
  options.window = *window;
  options.limit = args.limit;
  options.offset = args.offset;
  options.max_scan = args.scan_limit;
  if (!args.edge.empty()) {
    auto edge = ParseEdgeKindArg(args.edge);
    if (!edge.ok()) return ReportError(ctx, edge.status());
    options.edge_kind = *edge;
  }
  auto store = OpenStore(ctx, false);
  if (!store.ok()) return ReportError(ctx, store.status());
  auto snapshot = (*store)->Snapshot();
  auto ref = ResolveEntity(*snapshot, args.entity);
  if (!ref.ok()) return ReportError(ctx, ref.status());
  auto result = Pivot(*snapshot, *ref, options);
  if (!result.ok()) return ReportError(ctx, result.status());
  if (!args.dot.empty()) {
    int rc = WriteDotFile(ctx, result->ToSubgraph(), args.dot);
    if (rc != kExitOk) return rc;
  }
  if (ctx.json) {
    JsonOut j(snapshot.get());
    j.Begin("gumshoe.pivot/1", ctx, options.window);
    j.Key("entity");
    j.Entity(result->focus);
    j.Key("groups");
    j.w().StartArray();
    for (const auto& g : result->groups) {
      j.w().StartObject();
      j.Field("edge", EdgeKindName(g.kind));
      j.Field("direction", g.direction == Direction::kOut ? "out" : "in");
      j.Field("total", g.total);
      j.Field("total_exact", g.total_exact);
      j.Key("neighbors");
      j.w().StartArray();
      for (const auto& n : g.neighbors) {
        j.w().StartObject();
        j.Key("entity");
        j.Ref(n.entity);
        j.Field("window_count", n.window_count);
        if (!n.via.empty()) j.Field("via", n.via);
        j.Key("edge");
        j.Stats(n.stats);
        j.Field("attempt", IsAttempt(n.stats));
        j.w().EndObject();
      }
      j.w().EndArray();
      j.w().EndObject();
    }
    j.w().EndArray();
    j.Key("derived");
    j.w().StartArray();
    for (const auto& g : result->derived) {
      j.w().StartObject();
      j.Field("name", g.name);
      j.Field("total", g.total);
      j.Field("total_exact", g.total_exact);
      j.Key("items");
      j.w().StartArray();
      for (const auto& item : g.items) {
        j.w().StartObject();
        j.Key("entity");
        j.Ref(item.entity);
        j.Field("count", item.count);
        j.Time("first_seen", item.first_seen);
        j.Time("last_seen", item.last_seen);
        j.Field("first_evidence", item.first_evidence);
        j.Field("last_evidence", item.last_evidence);
        j.Key("keys");
        j.w().StartArray();
        for (const auto& k : item.keys) j.String(k);
        j.w().EndArray();
        j.Key("related");
        j.Refs(item.related);
        j.w().EndObject();
      }
      j.w().EndArray();
      j.w().EndObject();
    }
    j.w().EndArray();
    j.w().EndObject();
    return j.Emit(ctx);
  }
  const Entity& f = result->focus;
  std::printf("%s %s (first seen %s, last seen %s)\n", std::string(EntityKindLabel(f.kind)).c_str(),
              TerminalSafe(f.key).c_str(), FormatTime(f.first_seen).c_str(), FormatTime(f.last_seen).c_str());
  if (result->groups.empty()) std::printf("no neighbours in the window\n");
  for (const auto& g : result->groups) {
    std::printf("\n%s %s (%s%llu)\n", g.direction == Direction::kOut ? "->" : "<-", std::string(EdgeKindName(g.kind)).c_str(),
                g.total_exact ? "" : ">= ", static_cast<unsigned long long>(g.total));
    std::vector<std::vector<std::string>> rows;
    bool moved = false;
    for (const auto& n : g.neighbors) {
      std::string outcome = n.stats.success + n.stats.failure > 0
                                ? Num(n.stats.success) + "/" + Num(n.stats.failure)
                                : "";
      std::string detail = MovedDetail(n.stats);
      moved |= !detail.empty();
      // Every observation failed: an attempt, not the act (edge_text.h).
      if (IsAttempt(n.stats)) outcome += " " + std::string(AttemptVerdict(n.stats)) + " (attempt)";
      rows.push_back({std::string(EntityKindName(n.entity.kind)), n.entity.key, Num(n.window_count), outcome,
                      FormatTime(n.stats.first_seen), FormatTime(n.stats.last_seen), n.via, std::move(detail)});
    }
    std::vector<std::string> header{"  kind", "key", "count", "ok/fail", "first seen", "last seen", "via"};
    if (moved) {
      header.push_back("moved");
    } else {
      for (auto& r : rows) r.pop_back();
    }
    PrintTable(ctx, header, rows);
    if (g.total > args.offset + g.neighbors.size())
      std::printf(g.total_exact ? "  ... %llu more (use --offset %zu)\n"
                                : "  ... at least %llu more (use --offset %zu; --scan-limit 0 reads them all)\n",
                  static_cast<unsigned long long>(g.total - args.offset - g.neighbors.size()),
                  args.offset + g.neighbors.size());
  }
  for (const auto& g : result->derived) {
    const bool roles = g.name == "roles_assumed";
    const bool by = g.name == "assumed_by";
    std::printf("\n%s (%s%llu; derived from key -minted-> key -credential_of-> session -assumed_role-> role)\n",
                roles ? "roles assumed" : by ? "assumed by" : "sessions started", g.total_exact ? "" : ">= ",
                static_cast<unsigned long long>(g.total));
    std::vector<std::vector<std::string>> rows;
    for (const auto& item : g.items) {
      std::string keys, related;
      for (const auto& k : item.keys) keys += (keys.empty() ? "" : " ") + k;
      for (const auto& r : item.related) related += (related.empty() ? "" : " ") + ShortName(r);
      rows.push_back({std::string(EntityKindName(item.entity.kind)), item.entity.key, Num(item.count),
                      FormatTime(item.first_seen), FormatTime(item.last_seen), keys, related, item.first_evidence});
    }
    PrintTable({"  kind", "key", by ? "assumptions" : "mints", "first seen", "last seen",
                by ? "with" : "via keys", roles || by ? "sessions" : "role", "first event"},
               rows);
    if (g.total > args.offset + g.items.size())
      std::printf("  ... %llu more (use --offset %zu)\n",
                  static_cast<unsigned long long>(g.total - args.offset - g.items.size()),
                  args.offset + g.items.size());
  }
  return kExitOk;
}

// The dump's own line format (not a --json document: its bytes are what
// `dump --hash` digests, so they stay as they are).
void DumpEntity(JsonOut& j, const Entity& e) {
  j.w().StartObject();
  j.Field("kind", EntityKindName(e.kind));
  j.Field("key", e.key);
  j.Time("first_seen", e.first_seen);
  j.Time("last_seen", e.last_seen);
  j.Key("attrs");
  j.w().StartObject();
  for (const auto& [name, v] : e.attrs) j.Field(name, v.value);
  j.w().EndObject();
  j.Key("tags");
  j.w().StartArray();
  for (const auto& t : e.tags) j.String(t);
  j.w().EndArray();
  j.w().EndObject();
}

void DumpRef(JsonOut& j, const EntityRef& r) {
  j.w().StartObject();
  j.Field("kind", EntityKindName(r.kind));
  j.Field("key", r.key);
  j.w().EndObject();
}

// A canonical, sorted text dump of everything stored (entities with attributes,
// edges with statistics), independent of the store's hash key. Two stores
// that hold the same graph dump byte-identically; --hash prints a digest.
int RunDump(CliContext& ctx, bool hash_only) {
  auto store = OpenStore(ctx, false);
  if (!store.ok()) return ReportError(ctx, store.status());
  auto snap = (*store)->Snapshot();
  std::map<EntityId, EntityRef> refs;
  std::vector<std::string> lines;
  Status st = snap->ScanEntities(std::nullopt, [&](const Entity& e) {
    refs[snap->IdOf(e.kind, e.key)] = e.ref();
    JsonOut j;
    DumpEntity(j, e);
    lines.push_back("E " + j.str());
    return true;
  });
  if (st.ok()) st = snap->ScanAllEdges([&](const Edge& e) {
    auto s = refs.find(e.src), d = refs.find(e.dst);
    JsonOut j;
    j.w().StartObject();
    j.Field("edge", EdgeKindName(e.kind));
    j.Key("src");
    DumpRef(j, s == refs.end() ? EntityRef{e.src.kind, "?"} : s->second);
    j.Key("dst");
    DumpRef(j, d == refs.end() ? EntityRef{e.dst.kind, "?"} : d->second);
    j.Key("stats");
    j.Stats(e.stats);
    j.Key("hourly");
    j.w().StartObject();
    for (const auto& [hour, n] : e.stats.hourly) j.Field(std::to_string(hour), n);
    j.w().EndObject();
    j.w().EndObject();
    lines.push_back("R " + j.str());
    return true;
  });
  if (!st.ok()) return ReportError(ctx, st);
  std::sort(lines.begin(), lines.end());
  if (hash_only) {
    uint64_t h = 1469598103934665603ULL;
    for (const auto& line : lines) {
      for (unsigned char c : line) h = (h ^ c) * 1099511628211ULL;
      h = (h ^ '\n') * 1099511628211ULL;
    }
    std::printf("%016llx %zu\n", static_cast<unsigned long long>(h), lines.size());
    return kExitOk;
  }
  for (const auto& line : lines) std::printf("%s\n", line.c_str());
  return kExitOk;
}

}  // namespace

void RegisterBrowseCommands(CLI::App& app, CliContext& ctx) {
  CLI::App* stats = app.add_subcommand("stats", "Counts of stored entities and edges by kind");
  AddCommonOptions(stats, ctx);
  stats->callback([&ctx] { ctx.exit_code = RunStats(ctx); });

  auto eargs = std::make_shared<EntitiesArgs>();
  CLI::App* entities = app.add_subcommand("entities", "List entities, by kind and key substring");
  AddCommonOptions(entities, ctx);
  entities->add_option("--kind", eargs->kind, "Entity kind (iam_user, ip_address, ...)");
  entities->add_option("--search", eargs->search, "Case-insensitive substring of the key");
  entities->add_option("--limit", eargs->limit, "Most entities to print")->capture_default_str();
  entities->add_option("--offset", eargs->offset, "Skip this many entities first (paging, in kind and key order)");
  entities->add_flag("--jsonl", eargs->jsonl, "Print one entity object per line (JSON Lines; docs/json.md)");
  entities->callback([&ctx, eargs] { ctx.exit_code = RunEntities(ctx, *eargs); });

  auto entity = std::make_shared<std::string>();
  CLI::App* show = app.add_subcommand("show", "An entity's attributes, tags and edge counts");
  AddCommonOptions(show, ctx);
  show->add_option("entity", *entity, "kind:key, or an ARN, key ID, instance ID, IP, bucket, finding ID")->required();
  show->callback([&ctx, entity] { ctx.exit_code = RunShow(ctx, *entity); });

  auto hash_only = std::make_shared<bool>(false);
  CLI::App* dump = app.add_subcommand("dump", "Canonical sorted dump of every entity and edge (for diffing stores)");
  AddCommonOptions(dump, ctx, /*json=*/false);
  dump->add_flag("--hash", *hash_only, "Print only a digest and the line count");
  dump->callback([&ctx, hash_only] { ctx.exit_code = RunDump(ctx, *hash_only); });

  auto pargs = std::make_shared<PivotArgs>();
  CLI::App* pivot = app.add_subcommand("pivot", "Neighbours of an entity grouped by edge kind");
  AddCommonOptions(pivot, ctx);
  pivot->add_option("entity", pargs->entity, "kind:key, or an ARN, key ID, instance ID, IP, bucket, finding ID")->required();
  pivot->add_option("--since", pargs->since, "Window start (ISO 8601 or YYYY-MM-DD)");
  pivot->add_option("--until", pargs->until, "Window end (ISO 8601 or YYYY-MM-DD)");
  pivot->add_option("--edge", pargs->edge, "Only this edge kind");
  pivot->add_option("--limit", pargs->limit, "Neighbours per group")->capture_default_str();
  pivot->add_option("--offset", pargs->offset, "Skip this many neighbours per group (paging)");
  pivot
      ->add_option("--scan-limit", pargs->scan_limit,
                   "Edges read per group not served from a ranking; past it the count is '>= N' (0: all)")
      ->capture_default_str();
  pivot->add_option("--dot", pargs->dot, "Also write the result as a DOT graph to FILE");
  pivot->callback([&ctx, pargs] { ctx.exit_code = RunPivot(ctx, *pargs); });
}

}  // namespace gumshoe::cli
