#include "gumshoe/timeline.h"

#include <algorithm>
#include <map>
#include <set>

namespace gumshoe {
namespace {

struct Source {
  EdgeKind kind;
  Direction dir;
  const char* category;
};

constexpr Source kSources[] = {
    {EdgeKind::kCalledApi, Direction::kOut, "api_call"},
    {EdgeKind::kCalledFrom, Direction::kOut, "source_ip"},
    {EdgeKind::kUsedAgent, Direction::kOut, "user_agent"},
    {EdgeKind::kNetworkFlow, Direction::kOut, "flow_out"},
    {EdgeKind::kNetworkFlow, Direction::kIn, "flow_in"},
    {EdgeKind::kQueried, Direction::kOut, "dns"},
    {EdgeKind::kConsoleLogin, Direction::kOut, "console_login"},
    {EdgeKind::kDbLogin, Direction::kIn, "db_login"},
    {EdgeKind::kDbLogin, Direction::kOut, "db_login"},
    {EdgeKind::kCalledFrom, Direction::kIn, "caller"},
};

// Who touched a resource.
constexpr Source kResourceSources[] = {
    {EdgeKind::kRead, Direction::kIn, "read_by"},         {EdgeKind::kWrote, Direction::kIn, "written_by"},
    {EdgeKind::kModified, Direction::kIn, "modified_by"}, {EdgeKind::kCreated, Direction::kIn, "created_by"},
    {EdgeKind::kDeleted, Direction::kIn, "deleted_by"},   {EdgeKind::kLaunched, Direction::kIn, "launched_by"},
    {EdgeKind::kCodeChanged, Direction::kIn, "code_changed_by"}, {EdgeKind::kInvoked, Direction::kIn, "invoked_by"},
    {EdgeKind::kUsedKey, Direction::kIn, "used_by"},      {EdgeKind::kDisabled, Direction::kIn, "disabled_by"},
    {EdgeKind::kEnabled, Direction::kIn, "enabled_by"},   {EdgeKind::kRan, Direction::kIn, "run_by"},
    {EdgeKind::kPulled, Direction::kIn, "pulled_by"},     {EdgeKind::kPushed, Direction::kIn, "pushed_by"},
    {EdgeKind::kAttempted, Direction::kIn, "attempted_by"},
};

struct CategoryEdge {
  const char* category;
  EdgeKind kind;
  bool in;  // the item is the edge's source
};
constexpr CategoryEdge kCategoryEdges[] = {
    {"api_call", EdgeKind::kCalledApi, false},     {"source_ip", EdgeKind::kCalledFrom, false},
    {"caller", EdgeKind::kCalledFrom, true},       {"user_agent", EdgeKind::kUsedAgent, false},
    {"dns", EdgeKind::kQueried, false},            {"console_login", EdgeKind::kConsoleLogin, false},
    {"flow_out", EdgeKind::kNetworkFlow, false},   {"flow_in", EdgeKind::kNetworkFlow, true},
    {"read_by", EdgeKind::kRead, true},            {"written_by", EdgeKind::kWrote, true},
    {"modified_by", EdgeKind::kModified, true},    {"created_by", EdgeKind::kCreated, true},
    {"deleted_by", EdgeKind::kDeleted, true},      {"launched_by", EdgeKind::kLaunched, true},
    {"code_changed_by", EdgeKind::kCodeChanged, true}, {"invoked_by", EdgeKind::kInvoked, true},
    {"used_by", EdgeKind::kUsedKey, true},         {"disabled_by", EdgeKind::kDisabled, true},
    {"enabled_by", EdgeKind::kEnabled, true},      {"run_by", EdgeKind::kRan, true},
    {"pulled_by", EdgeKind::kPulled, true},        {"pushed_by", EdgeKind::kPushed, true},
    {"attempted_by", EdgeKind::kAttempted, true},
};

struct Item {
  EntityId other;
  const char* category;
  EdgeStats stats;
  uint64_t window_count = 0;
  std::string via;
};

}  // namespace

Result<TimelineResult> Timeline(const GraphReader& reader, const EntityRef& entity, const TimelineOptions& options) {
  EntityId id = reader.IdOf(entity.kind, entity.key);
  GUMSHOE_ASSIGN_OR_RETURN(std::optional<Entity> e, reader.GetEntity(id));
  if (!e) return Status::NotFound("no entity " + FormatRef(entity));
  TimelineResult result;
  result.entity = std::move(*e);
  GUMSHOE_ASSIGN_OR_RETURN(result.window, ScopeWindow(reader, entity, options.window, options.scope));
  const TimeWindow& w = result.window;

  std::vector<std::pair<EntityId, std::string>> scanned{{id, ""}};
  if (entity.kind == EntityKind::kEc2Instance) {
    std::vector<EntityId> enis;
    GUMSHOE_RETURN_IF_ERROR(reader.ScanEdges(id, Direction::kOut, EdgeKind::kHasInterface, [&](const Edge& edge) {
      enis.push_back(edge.dst);
      return enis.size() < 64;
    }));
    for (const EntityId& eni : enis) {
      GUMSHOE_ASSIGN_OR_RETURN(std::optional<Entity> eni_entity, reader.GetEntity(eni));
      scanned.emplace_back(eni, eni_entity ? eni_entity->key : std::string("?"));
    }
  }

  std::map<std::string, std::map<EntityId, Item>> by_category;
  std::vector<Source> sources(std::begin(kSources), std::end(kSources));
  if (IsResourceKind(entity.kind)) sources.insert(sources.end(), std::begin(kResourceSources), std::end(kResourceSources));
  for (const Source& src : sources) {
    for (const auto& scanned_entry : scanned) {
      // Not a structured binding: clang 14 cannot capture one in the lambda.
      const auto& scan_id = scanned_entry.first;
      const auto& via = scanned_entry.second;
      if (!via.empty() && src.kind != EdgeKind::kNetworkFlow && src.kind != EdgeKind::kQueried) continue;
      GUMSHOE_RETURN_IF_ERROR(reader.ScanEdges(scan_id, src.dir, src.kind, [&](const Edge& edge) {
        uint64_t n = edge.stats.CountInWindow(w.since, w.until);
        if (n == 0) return true;
        const EntityId& other = src.dir == Direction::kOut ? edge.dst : edge.src;
        Item& item = by_category[src.category][other];
        if (item.stats.count == 0) {
          item.other = other;
          item.category = src.category;
          item.via = via;
        }
        MergeEdgeStats(item.stats, edge.stats);
        item.window_count += n;
        return true;
      }));
    }
  }

  if (IsResourceKind(entity.kind)) {
    GUMSHOE_ASSIGN_OR_RETURN(ResourceTouches touches, TouchesOf(reader, entity, w));
    result.touches = std::move(touches);
  }

  for (auto& [category, items] : by_category) {
    std::vector<Item*> order;
    for (auto& [oid, item] : items) order.push_back(&item);
    std::stable_sort(order.begin(), order.end(),
                     [](const Item* a, const Item* b) { return a->window_count > b->window_count; });
    if (order.size() > options.max_items_per_category) {
      result.omitted_items += order.size() - options.max_items_per_category;
      order.resize(options.max_items_per_category);
    }
    for (const Item* item : order) {
      GUMSHOE_ASSIGN_OR_RETURN(std::optional<Entity> other, reader.GetEntity(item->other));
      EntityRef ref{item->other.kind, other ? other->key : std::string("?")};
      Timestamp first_hour = item->stats.first_seen == kNoTime ? kNoTime : item->stats.first_seen / 3600 * 3600;
      auto emit = [&](Timestamp hour, uint64_t count) {
        if (result.entries.size() >= options.max_entries) {
          result.truncated = true;
          return;
        }
        TimelineEntry entry;
        entry.hour = hour;
        entry.category = item->category;
        entry.item = ref;
        entry.count = count;
        entry.success = item->stats.success;
        entry.failure = item->stats.failure;
        entry.is_new = first_hour != kNoTime && hour == first_hour;
        entry.via = item->via;
        if (entry.is_new) entry.evidence = item->stats.first_evidence.ref;
        result.entries.push_back(std::move(entry));
      };
      if (item->stats.hourly.empty()) {
        // A source without buckets: one row at the first observation.
        emit(first_hour, item->window_count);
        continue;
      }
      for (const auto& [h, n] : item->stats.hourly) {
        Timestamp hour = static_cast<Timestamp>(h) * 3600;
        if (w.since != kNoTime && hour + 3599 < w.since) continue;
        if (w.until != kNoTime && hour > w.until) break;
        emit(hour, n);
      }
    }
  }
  std::sort(result.entries.begin(), result.entries.end(), [](const TimelineEntry& a, const TimelineEntry& b) {
    if (a.hour != b.hour) return a.hour < b.hour;
    if (a.category != b.category) return a.category < b.category;
    if (a.count != b.count) return a.count > b.count;
    return a.item < b.item;
  });
  return result;
}

Subgraph TimelineResult::ToSubgraph() const {
  Subgraph g;
  g.title = "Timeline of " + FormatRef(entity.ref());
  g.window = window;
  SubgraphNode focus;
  focus.entity = entity;
  focus.emphasis = Emphasis::kFocus;
  focus.hop = 0;
  g.nodes.push_back(std::move(focus));
  std::map<std::pair<std::string, EntityRef>, SubgraphEdge> edges;
  std::set<EntityRef> present{entity.ref()};
  for (const TimelineEntry& t : entries) {
    if (present.insert(t.item).second) {
      SubgraphNode n;
      n.entity.kind = t.item.kind;
      n.entity.key = t.item.key;
      n.hop = 1;
      if (t.is_new) n.note = "new";
      g.nodes.push_back(std::move(n));
    }
    auto& e = edges[{t.category, t.item}];
    bool in = t.category == "db_login" && entity.kind == EntityKind::kDbUser;
    EdgeKind kind = EdgeKind::kDbLogin;
    for (const CategoryEdge& c : kCategoryEdges) {
      if (t.category != c.category) continue;
      kind = c.kind;
      in = c.in;
    }
    e.kind = kind;
    e.src = in ? t.item : entity.ref();
    e.dst = in ? entity.ref() : t.item;
    e.stats.count += t.count;
    e.stats.success = t.success;
    e.stats.failure = t.failure;
    if (e.stats.first_seen == kNoTime || t.hour < e.stats.first_seen) e.stats.first_seen = t.hour;
    if (e.stats.last_seen == kNoTime || t.hour + 3599 > e.stats.last_seen) e.stats.last_seen = t.hour + 3599;
    e.stats.hourly[static_cast<uint32_t>(t.hour / 3600)] += t.count;
  }
  for (auto& [k, e] : edges) g.edges.push_back(std::move(e));
  return g;
}

}  // namespace gumshoe
