#include "gumshoe/resource_touch.h"

#include <algorithm>
#include <map>
#include <set>

#include "gumshoe/time_util.h"

namespace gumshoe {
namespace {

constexpr EdgeKind kTouchKinds[] = {
    EdgeKind::kRead,      EdgeKind::kWrote,    EdgeKind::kModified,  EdgeKind::kCreated,
    EdgeKind::kDeleted,   EdgeKind::kLaunched, EdgeKind::kCodeChanged, EdgeKind::kInvoked,
    EdgeKind::kUsedKey,   EdgeKind::kDisabled, EdgeKind::kEnabled,   EdgeKind::kRan,
    EdgeKind::kPulled,    EdgeKind::kPushed,   EdgeKind::kAttempted, EdgeKind::kDbUserOf,
    EdgeKind::kSessionOnInstance};

bool Structural(EdgeKind k) { return k == EdgeKind::kDbUserOf || k == EdgeKind::kSessionOnInstance; }

// Hours of `s` with observations inside the window.
std::set<uint32_t> ActiveHours(const EdgeStats& s, const TimeWindow& w) {
  std::set<uint32_t> out;
  for (const auto& [h, n] : s.hourly) {
    Timestamp start = static_cast<Timestamp>(h) * 3600;
    if (n == 0 || (w.since != kNoTime && start + 3599 < w.since) || (w.until != kNoTime && start > w.until)) continue;
    out.insert(h);
  }
  return out;
}

bool Overlaps(const EdgeStats& s, const std::set<uint32_t>& hours) {
  for (const auto& [h, n] : s.hourly)
    if (n > 0 && hours.count(h)) return true;
  return false;
}

}  // namespace

bool IsResourceKind(EntityKind kind) {
  switch (kind) {
    case EntityKind::kS3Bucket:
    case EntityKind::kRdsInstance:
    case EntityKind::kEc2Instance:
    case EntityKind::kLambdaFunction:
    case EntityKind::kEksCluster:
    case EntityKind::kAwsResource:
    case EntityKind::kSecret:
    case EntityKind::kSsmParameter:
    case EntityKind::kKmsKey:
    case EntityKind::kSecurityGroup:
    case EntityKind::kEbsSnapshot:
    case EntityKind::kAmi:
    case EntityKind::kRdsSnapshot:
    case EntityKind::kCloudTrailTrail:
    case EntityKind::kFlowLog:
    case EntityKind::kGuardDutyDetector:
    case EntityKind::kConfigRecorder:
    case EntityKind::kEcsTask:
    case EntityKind::kEcrRepository:
      return true;
    default:
      return false;
  }
}

std::vector<EntityRef> ResourceTouches::Credentials() const {
  std::set<EntityRef> out;
  for (const ResourceTouch& t : touches) {
    if (t.attempt_only) continue;
    if (t.actor.kind == EntityKind::kIpAddress || t.actor.kind == EntityKind::kAccount) {
      out.insert(t.credentials.begin(), t.credentials.end());
      continue;
    }
    out.insert(t.actor);
    out.insert(t.credentials.begin(), t.credentials.end());
  }
  return std::vector<EntityRef>(out.begin(), out.end());
}

std::string ResourceTouches::ToText(const std::function<std::string(std::string_view)>& escape,
                                    const std::string& indent) const {
  std::string out;
  auto ref = [&](const EntityRef& r) { return std::string(EntityKindName(r.kind)) + ":" + escape(r.key); };
  if (touches.empty()) out += indent + "nothing touched " + ref(resource) + " in the window\n";
  for (const ResourceTouch& t : touches) {
    // An attempted edge is itself the attempt ("attempted x2"); a read whose
    // calls all failed is "attempted read x2".
    std::string verb = t.edge == EdgeKind::kAttempted ? "attempted"
                       : t.attempt_only                ? "attempted " + std::string(EdgeKindName(t.edge))
                                                       : std::string(EdgeKindName(t.edge));
    std::string line = indent + ref(t.actor) + " " + verb + " x" + std::to_string(t.window_count) + " in the window";
    // Counts come from hourly buckets: an hour cut by the window counts whole.
    if (!t.window_first_exact || !t.window_last_exact) line += " (counted by the hour)";
    if (t.attempt_only) line += " (all failed)";
    else if (t.failure > 0) line += " (" + std::to_string(t.success) + " ok, " + std::to_string(t.failure) + " failed in all)";
    auto when = [](Timestamp x, bool exact) {
      return exact ? FormatTime(x) : "the hour from " + FormatTime(x);
    };
    if (t.window_first == t.window_last && t.window_first_exact == t.window_last_exact)
      line += (t.window_first_exact ? " at " : " in ") + when(t.window_first, t.window_first_exact);
    else
      line += ", first " + when(t.window_first, t.window_first_exact) + ", last " +
              when(t.window_last, t.window_last_exact);
    if (!t.from.empty()) {
      line += " from";
      for (size_t i = 0; i < t.from.size(); ++i) line += (i ? ", " : " ") + escape(t.from[i].key);
    }
    if (!t.credentials.empty()) {
      line += " with";
      for (size_t i = 0; i < t.credentials.size(); ++i) line += (i ? ", " : " ") + ref(t.credentials[i]);
    }
    // The evidence cited is an observation in the window.
    if (t.window_first_exact && !t.first_evidence.empty()) line += " [" + escape(t.first_evidence) + "]";
    else if (t.window_last_exact && !t.last_evidence.empty()) line += " [" + escape(t.last_evidence) + "]";
    out += line + "\n";
  }
  if (omitted > 0) out += indent + "(" + std::to_string(omitted) + " less active touches left out)\n";
  return out;
}

Result<ResourceTouches> TouchesOf(const GraphReader& reader, const EntityRef& resource, const TimeWindow& window,
                                  const ResourceTouchOptions& options) {
  GUMSHOE_ASSIGN_OR_RETURN(std::optional<Entity> e, reader.Find(resource));
  if (!e) return Status::NotFound("no entity " + FormatRef(resource));
  ResourceTouches result;
  result.resource = resource;
  result.window = window;
  struct Found {
    EntityId actor;
    EdgeKind kind;
    EdgeStats stats;
    uint64_t n;
  };
  std::vector<Found> found;
  const EntityId id = reader.IdOf(resource.kind, resource.key);
  for (EdgeKind kind : kTouchKinds) {
    GUMSHOE_RETURN_IF_ERROR(reader.ScanEdges(id, Direction::kIn, kind, [&](const Edge& edge) {
      uint64_t n = edge.stats.CountInWindow(window.since, window.until);
      if (Structural(kind)) {
        if (window.until != kNoTime && edge.stats.first_seen != kNoTime && edge.stats.first_seen > window.until)
          return true;
        n = std::max<uint64_t>(n, 1);
      }
      if (n == 0) return true;
      found.push_back(Found{edge.src, kind, edge.stats, n});
      return found.size() < 100000;
    }));
  }
  std::vector<EntityId> ids;
  for (const Found& f : found) ids.push_back(f.actor);
  GUMSHOE_ASSIGN_OR_RETURN(std::vector<std::optional<std::string>> keys, reader.GetEntityKeys(ids));
  for (size_t i = 0; i < found.size(); ++i) {
    ResourceTouch t;
    t.actor = EntityRef{found[i].actor.kind, keys[i] ? *keys[i] : std::string("?")};
    t.edge = found[i].kind;
    t.window_count = found[i].n;
    t.success = found[i].stats.success;
    t.failure = found[i].stats.failure;
    t.attempt_only = t.success == 0 && t.failure > 0;
    t.first_seen = found[i].stats.first_seen;
    t.last_seen = found[i].stats.last_seen;
    t.first_evidence = found[i].stats.first_evidence.ref;
    t.last_evidence = found[i].stats.last_evidence.ref;
    if (window.Contains(t.first_seen)) {
      t.window_first = t.first_seen;
      t.window_first_exact = true;
    }
    if (window.Contains(t.last_seen)) {
      t.window_last = t.last_seen;
      t.window_last_exact = true;
    }
    std::set<uint32_t> hours = ActiveHours(found[i].stats, window);
    if (!hours.empty()) {
      if (t.window_first == kNoTime) t.window_first = static_cast<Timestamp>(*hours.begin()) * 3600;
      if (t.window_last == kNoTime) t.window_last = static_cast<Timestamp>(*hours.rbegin()) * 3600;
    }
    if (t.window_first == kNoTime) {  // structural, no buckets
      t.window_first = t.first_seen;
      t.window_first_exact = true;
    }
    if (t.window_last == kNoTime) {
      t.window_last = t.last_seen;
      t.window_last_exact = true;
    }
    result.touches.push_back(std::move(t));
  }
  std::vector<size_t> order(result.touches.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    const ResourceTouch& x = result.touches[a];
    const ResourceTouch& y = result.touches[b];
    if (x.window_count != y.window_count) return x.window_count > y.window_count;
    if (!(x.actor == y.actor)) return x.actor < y.actor;
    return x.edge < y.edge;
  });
  std::vector<ResourceTouch> sorted;
  std::vector<const EdgeStats*> stats;
  for (size_t i : order) {
    if (sorted.size() >= options.max_actors) {
      ++result.omitted;
      continue;
    }
    sorted.push_back(std::move(result.touches[i]));
    stats.push_back(&found[i].stats);
  }
  result.touches = std::move(sorted);

  // Where from and with which credential, in the hours of each touch.
  for (size_t i = 0; i < result.touches.size(); ++i) {
    ResourceTouch& t = result.touches[i];
    const EntityId actor = reader.IdOf(t.actor.kind, t.actor.key);
    std::set<uint32_t> hours = ActiveHours(*stats[i], window);
    std::set<EntityRef> from, creds;
    std::vector<EntityId> from_ids, cred_ids;
    auto paired = [&](const EdgeStats& s) { return hours.empty() ? s.CountInWindow(window.since, window.until) > 0 : Overlaps(s, hours); };
    if (t.actor.kind == EntityKind::kIpAddress) {
      from.insert(t.actor);
    } else if (t.actor.kind == EntityKind::kDbUser) {
      creds.insert(t.actor);
      GUMSHOE_RETURN_IF_ERROR(reader.ScanEdges(actor, Direction::kIn, EdgeKind::kDbLogin, [&](const Edge& edge) {
        if (edge.stats.success > 0 && edge.stats.CountInWindow(window.since, window.until) > 0) from_ids.push_back(edge.src);
        return from_ids.size() < 4 * options.max_each;
      }));
    } else {
      GUMSHOE_RETURN_IF_ERROR(reader.ScanEdges(actor, Direction::kOut, EdgeKind::kCalledFrom, [&](const Edge& edge) {
        if (paired(edge.stats)) from_ids.push_back(edge.dst);
        return from_ids.size() < 4 * options.max_each;
      }));
      GUMSHOE_RETURN_IF_ERROR(reader.ScanEdges(actor, Direction::kOut, EdgeKind::kAuthenticatedWith, [&](const Edge& edge) {
        if (paired(edge.stats)) cred_ids.push_back(edge.dst);
        return cred_ids.size() < 4 * options.max_each;
      }));
    }
    GUMSHOE_ASSIGN_OR_RETURN(std::vector<std::optional<std::string>> fk, reader.GetEntityKeys(from_ids));
    for (size_t k = 0; k < fk.size(); ++k)
      if (fk[k]) from.insert(EntityRef{from_ids[k].kind, *fk[k]});
    GUMSHOE_ASSIGN_OR_RETURN(std::vector<std::optional<std::string>> ck, reader.GetEntityKeys(cred_ids));
    for (size_t k = 0; k < ck.size(); ++k)
      if (ck[k]) creds.insert(EntityRef{cred_ids[k].kind, *ck[k]});
    for (const EntityRef& r : from)
      if (t.from.size() < options.max_each) t.from.push_back(r);
    for (const EntityRef& r : creds)
      if (t.credentials.size() < options.max_each) t.credentials.push_back(r);
  }
  return result;
}

}  // namespace gumshoe
