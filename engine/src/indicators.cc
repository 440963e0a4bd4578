#include "gumshoe/indicators.h"

#include <algorithm>
#include <map>
#include <set>
#include <cstdio>

#include "gumshoe/attack_table.h"
#include "gumshoe/edge_text.h"
#include "gumshoe/normalize.h"
#include "gumshoe/time_util.h"

namespace gumshoe {
namespace {

constexpr std::string_view kKindOrder[] = {"baseline_too_short", "new_user_agent",  "new_api_call",
                                           "increased_api_volume", "failed_api_call", "new_source_ip",
                                           "new_network",        "flagged_ip",      "related_finding",
                                           "related_group",      "ttp",             "impossible_travel",
                                           "new_geolocation"};

size_t KindRank(std::string_view kind) {
  for (size_t i = 0; i < std::size(kKindOrder); ++i)
    if (kKindOrder[i] == kind) return i;
  return std::size(kKindOrder);
}

struct Usage {
  EntityId other;
  uint64_t window = 0;
  uint64_t baseline = 0;
  Timestamp first_in_window = kNoTime;
  std::string evidence;
  size_t window_edges = 0;     // edges active in the window
  size_t window_attempts = 0;  // of which attempts (IsAttempt)
  EdgeStats attempt_stats;     // the attempts' stats merged (error counters)
  bool attempt_only() const { return window_edges > 0 && window_attempts == window_edges; }
};

// Window counts of one edge kind over `actors`, baseline counts over
// `baseline_actors` (the same list, or a session's role and its sessions).
Status CollectUsage(const GraphReader& reader, const std::vector<EntityId>& actors,
                    const std::vector<EntityId>& baseline_actors, EdgeKind kind, const TimeWindow& w,
                    const TimeWindow& b, size_t max_items, std::map<EntityId, Usage>& out) {
  for (const EntityId& actor : baseline_actors) {
    size_t n = 0;
    GUMSHOE_RETURN_IF_ERROR(reader.ScanEdges(actor, Direction::kOut, kind, [&](const Edge& e) {
      uint64_t in_b = e.stats.CountInWindow(b.since, b.until);
      if (in_b > 0) {
        Usage& u = out[e.dst];
        u.other = e.dst;
        u.baseline += in_b;
      }
      return ++n < max_items;
    }));
  }
  for (const EntityId& actor : actors) {
    size_t n = 0;
    GUMSHOE_RETURN_IF_ERROR(reader.ScanEdges(actor, Direction::kOut, kind, [&](const Edge& e) {
      uint64_t in_w = e.stats.CountInWindow(w.since, w.until);
      if (in_w == 0) return ++n < max_items;
      Usage& u = out[e.dst];
      u.other = e.dst;
      u.window += in_w;
      ++u.window_edges;
      if (IsAttempt(e.stats)) {
        ++u.window_attempts;
        MergeEdgeStats(u.attempt_stats, e.stats);
      }
      if (in_w > 0) {
        Timestamp t = e.stats.FirstActiveAtOrAfter(w.since);
        if (t != kNoTime && (u.first_in_window == kNoTime || t < u.first_in_window)) {
          u.first_in_window = t;
          u.evidence = e.stats.first_evidence.time >= t || e.stats.last_evidence.ref.empty()
                           ? e.stats.first_evidence.ref
                           : e.stats.last_evidence.ref;
        }
      }
      return ++n < max_items;
    }));
  }
  return Status::Ok();
}

std::string NetworkOf(const std::string& ip_text) {
  auto ip = ParseIp(ip_text);
  if (!ip) return std::string();
  IpPrefix p;
  p.base = *ip;
  p.length = ip->v6 ? 48 : 24;
  // Zero the host bits.
  int bits = ip->v6 ? 128 : 32;
  for (int i = p.length; i < bits; ++i) p.base.bytes[i / 8] &= static_cast<uint8_t>(~(0x80 >> (i % 8)));
  return p.ToString();
}

double Hours(const TimeWindow& w) {
  if (w.since == kNoTime || w.until == kNoTime) return 1;
  return std::max(1.0, static_cast<double>(w.until - w.since) / 3600.0);
}

}  // namespace

std::vector<const Indicator*> IndicatorsResult::OfKind(std::string_view kind) const {
  std::vector<const Indicator*> out;
  for (const Indicator& i : indicators)
    if (i.kind == kind) out.push_back(&i);
  return out;
}

Result<IndicatorsResult> Indicators(const GraphReader& reader, const EntityRef& principal,
                                    const IndicatorOptions& options) {
  EntityId pid = reader.IdOf(principal.kind, principal.key);
  GUMSHOE_ASSIGN_OR_RETURN(std::optional<Entity> pe, reader.GetEntity(pid));
  if (!pe) return Status::NotFound("no entity " + FormatRef(principal));
  IndicatorsResult result;
  result.principal = principal;
  GUMSHOE_ASSIGN_OR_RETURN(result.window, ScopeWindow(reader, principal, options.window, options.scope));
  const TimeWindow& w = result.window;
  if (w.since != kNoTime) result.baseline = TimeWindow{w.since - options.baseline_length, w.since - 1};
  else result.baseline = TimeWindow{0, 0};  // no window start: no baseline, everything is new
  const TimeWindow& b = result.baseline;

  // Actors: whose activity in the window counts.
  std::vector<EntityId> actors{pid};
  auto add_actors = [&](EdgeKind kind, Direction dir) -> Status {
    return reader.ScanEdges(pid, dir, kind, [&](const Edge& e) {
      const EntityId& other = dir == Direction::kOut ? e.dst : e.src;
      if (std::find(actors.begin(), actors.end(), other) == actors.end()) actors.push_back(other);
      return actors.size() <= options.max_actors;
    });
  };
  if (principal.kind == EntityKind::kIamRole) GUMSHOE_RETURN_IF_ERROR(add_actors(EdgeKind::kAssumedRole, Direction::kIn));
  if (principal.kind == EntityKind::kAccessKey) {
    GUMSHOE_RETURN_IF_ERROR(add_actors(EdgeKind::kAuthenticatedWith, Direction::kIn));
  }
  for (const EntityId& a : actors) {
    GUMSHOE_ASSIGN_OR_RETURN(std::optional<Entity> ae, reader.GetEntity(a));
    if (ae) result.actors.push_back(ae->ref());
  }
  // Baseline actors: the same, except that a role session (new by nature)
  // is compared with its role's history: the role and all its sessions.
  std::vector<EntityId> baseline_actors = actors;
  if (principal.kind == EntityKind::kRoleSession) {
    std::vector<EntityId> roles;
    GUMSHOE_RETURN_IF_ERROR(reader.ScanEdges(pid, Direction::kOut, EdgeKind::kAssumedRole, [&](const Edge& e) {
      roles.push_back(e.dst);
      return roles.size() < 4;
    }));
    for (const EntityId& role : roles) {
      if (std::find(baseline_actors.begin(), baseline_actors.end(), role) == baseline_actors.end())
        baseline_actors.push_back(role);
      GUMSHOE_RETURN_IF_ERROR(reader.ScanEdges(role, Direction::kIn, EdgeKind::kAssumedRole, [&](const Edge& e) {
        if (std::find(baseline_actors.begin(), baseline_actors.end(), e.src) == baseline_actors.end())
          baseline_actors.push_back(e.src);
        return baseline_actors.size() <= options.max_actors;
      }));
    }
  }
  for (const EntityId& a : baseline_actors) {
    GUMSHOE_ASSIGN_OR_RETURN(std::optional<Entity> ae, reader.GetEntity(a));
    if (ae) result.baseline_actors.push_back(ae->ref());
  }

  // How much data the baseline holds: from the first record naming a
  // baseline actor (or the baseline start, when later) to the window start.
  Timestamp earliest = kNoTime;
  for (const EntityId& a : baseline_actors) {
    GUMSHOE_ASSIGN_OR_RETURN(std::optional<Entity> ae, reader.GetEntity(a));
    if (ae && ae->first_seen != kNoTime && (earliest == kNoTime || ae->first_seen < earliest)) earliest = ae->first_seen;
  }
  if (w.since != kNoTime && earliest != kNoTime && earliest < w.since) {
    Timestamp from = std::max(earliest, b.since);
    result.baseline_data_days = static_cast<double>(w.since - from) / 86400.0;
  }
  result.baseline_judged = result.baseline_data_days >= options.min_baseline_days;
  if (!result.baseline_judged) {
    char buf[200];
    std::snprintf(buf, sizeof(buf),
                  "baseline too short (%.1f days of data, fewer than %.0f): new and increased agents, APIs, "
                  "IPs and networks not judged",
                  result.baseline_data_days, options.min_baseline_days);
    result.indicators.push_back(Indicator{"baseline_too_short", false, principal, buf, 0, 0, earliest, "", "", "", ""});
  }
  const bool judge = result.baseline_judged;

  auto key_of = [&](const EntityId& id) -> Result<std::optional<Entity>> { return reader.GetEntity(id); };

  // Agents and API calls.
  std::map<EntityId, Usage> agents, apis, sources;
  GUMSHOE_RETURN_IF_ERROR(
      CollectUsage(reader, actors, baseline_actors, EdgeKind::kUsedAgent, w, b, options.max_items, agents));
  GUMSHOE_RETURN_IF_ERROR(
      CollectUsage(reader, actors, baseline_actors, EdgeKind::kCalledApi, w, b, options.max_items, apis));
  GUMSHOE_RETURN_IF_ERROR(
      CollectUsage(reader, actors, baseline_actors, EdgeKind::kCalledFrom, w, b, options.max_items, sources));

  for (const auto& [id, u] : agents) {
    if (!judge || u.window == 0 || u.baseline > 0) continue;
    GUMSHOE_ASSIGN_OR_RETURN(std::optional<Entity> e, key_of(id));
    if (!e) continue;
    Indicator ind{"new_user_agent", true, e->ref(), "user agent not used in the baseline", u.window, 0,
                  u.first_in_window, u.evidence, "", "", ""};
    result.indicators.push_back(std::move(ind));
  }
  double w_hours = Hours(w), b_hours = Hours(b);
  for (const auto& [id, u] : apis) {
    if (u.window == 0) continue;
    GUMSHOE_ASSIGN_OR_RETURN(std::optional<Entity> e, key_of(id));
    if (!e) continue;
    if (u.attempt_only()) {
      // Calls that all failed: a credential probing what it may do.
      std::string errors = AttemptErrors(u.attempt_stats);
      std::string detail = std::string(AttemptVerdict(u.attempt_stats)) + ": " + e->key + " x" +
                           std::to_string(u.window) + (errors.empty() ? "" : " (" + errors + ")");
      if (pe->first_seen != kNoTime && u.first_in_window != kNoTime && u.first_in_window > pe->first_seen)
        detail += ", after the credential's first use at " + FormatTime(pe->first_seen);
      else
        detail += ", at the credential's first use";
      detail += "; nothing was changed";
      result.indicators.push_back(Indicator{"failed_api_call", true, e->ref(), detail, u.window, u.baseline,
                                            u.first_in_window, u.evidence, "", "", ""});
    }
    if (!judge) {
    } else if (u.baseline == 0) {
      result.indicators.push_back(Indicator{"new_api_call", true, e->ref(), "API not called in the baseline", u.window,
                                            0, u.first_in_window, u.evidence, "", "", ""});
    } else if (u.window >= options.min_volume &&
               u.window / w_hours >= options.volume_ratio * (static_cast<double>(u.baseline) / b_hours)) {
      char buf[160];
      std::snprintf(buf, sizeof(buf), "%.1f calls/hour against %.2f/hour in the baseline", u.window / w_hours,
                    u.baseline / b_hours);
      result.indicators.push_back(Indicator{"increased_api_volume", true, e->ref(), buf, u.window, u.baseline,
                                            u.first_in_window, u.evidence, "", "", ""});
    }
    for (const AttackMapping* m : LookupAttack(e->key)) {
      Indicator ind{"ttp", true, e->ref(),
                    std::string(m->tactic) + ": " + std::string(m->technique_id) + " " + std::string(m->technique) +
                        (u.attempt_only() ? " (attempted: every call failed)" : ""),
                    u.window, u.baseline, u.first_in_window, u.evidence, std::string(m->tactic),
                    std::string(m->technique_id), std::string(m->technique)};
      result.indicators.push_back(std::move(ind));
    }
  }

  // Source IPs and networks.
  std::set<std::string> baseline_networks;
  std::vector<std::pair<Entity, const Usage*>> window_ips;
  for (const auto& [id, u] : sources) {
    if (id.kind != EntityKind::kIpAddress) continue;
    GUMSHOE_ASSIGN_OR_RETURN(std::optional<Entity> e, key_of(id));
    if (!e) continue;
    if (u.baseline > 0) baseline_networks.insert(NetworkOf(e->key));
    if (u.window > 0) window_ips.emplace_back(std::move(*e), &u);
  }
  std::set<std::string> reported_networks;
  for (const auto& [ip, u] : window_ips) {
    if (judge && u->baseline == 0)
      result.indicators.push_back(Indicator{"new_source_ip", true, ip.ref(), "source IP not used in the baseline",
                                            u->window, 0, u->first_in_window, u->evidence, "", "", ""});
    std::string net = NetworkOf(ip.key);
    if (judge && !net.empty() && !baseline_networks.count(net) && reported_networks.insert(net).second)
      result.indicators.push_back(Indicator{"new_network", true, ip.ref(), "network " + net + " not used in the baseline",
                                            u->window, 0, u->first_in_window, u->evidence, "", "", ""});
    std::vector<std::string> marks;
    for (const char* tag : {"tor_exit", "threat_listed"})
      if (ip.tags.count(tag)) marks.push_back(tag);
    std::vector<EntityId> lists;
    GUMSHOE_RETURN_IF_ERROR(reader.ScanEdges(reader.IdOf(ip.kind, ip.key), Direction::kOut, EdgeKind::kListedIn,
                                             [&](const Edge& e) {
                                               lists.push_back(e.dst);
                                               return lists.size() < 64;
                                             }));
    for (const EntityId& l : lists) {
      GUMSHOE_ASSIGN_OR_RETURN(std::optional<Entity> le, key_of(l));
      if (le) marks.push_back("listed in " + le->key);
    }
    if (!marks.empty()) {
      std::string detail;
      for (const auto& m : marks) detail += (detail.empty() ? "" : ", ") + m;
      result.indicators.push_back(Indicator{"flagged_ip", true, ip.ref(), detail, u->window, u->baseline,
                                            u->first_in_window, u->evidence, "", "", ""});
    }
  }

  // Related findings and their groups.
  std::set<EntityRef> related;
  for (const EntityRef& a : result.actors) {
    GUMSHOE_ASSIGN_OR_RETURN(std::vector<EntityRef> f, FindingsNaming(reader, a));
    related.insert(f.begin(), f.end());
  }
  if (!related.empty()) {
    FindingGroupOptions gopts = options.groups;
    gopts.window = w;
    // Findings up to the join window outside the window can still share a group.
    if (gopts.window.since != kNoTime) gopts.window.since -= gopts.join_window;
    if (gopts.window.until != kNoTime) gopts.window.until += gopts.join_window;
    GUMSHOE_ASSIGN_OR_RETURN(FindingGroupsResult groups, FindingGroups(reader, gopts));
    std::set<const FindingGroup*> seen_groups;
    for (const EntityRef& f : related) {
      auto info = ReadFinding(reader, f);
      if (!info.ok()) continue;
      result.indicators.push_back(Indicator{"related_finding", true, f,
                                            info->type + " (severity " + info->severity_band + ")", 0, 0,
                                            info->entity.first_seen, "", "", "", ""});
      const FindingGroup* g = groups.GroupOf(f);
      if (g && g->findings.size() > 1 && seen_groups.insert(g).second) {
        std::string detail = "group of " + std::to_string(g->findings.size()) + " findings, severity " +
                             g->severity_band + ", tied by";
        for (const EntityRef& t : g->tying) detail += " " + FormatRef(t);
        result.indicators.push_back(Indicator{"related_group", true, g->findings.front().entity.ref(), detail,
                                              g->findings.size(), 0, g->first_seen, "", "", "", ""});
      }
    }
  }

  // Geolocation needs a MaxMind database: never guessed.
  std::string geo = options.mmdb_path.empty() ? "unavailable (no --mmdb)"
                                              : "unavailable (this build cannot read MaxMind databases)";
  for (const char* kind : {"impossible_travel", "new_geolocation"})
    result.indicators.push_back(Indicator{kind, false, principal, geo, 0, 0, kNoTime, "", "", "", ""});

  std::stable_sort(result.indicators.begin(), result.indicators.end(), [](const Indicator& x, const Indicator& y) {
    size_t a = KindRank(x.kind), c = KindRank(y.kind);
    if (a != c) return a < c;
    if (x.entity != y.entity) return x.entity < y.entity;
    return x.technique_id < y.technique_id;
  });
  return result;
}

Subgraph IndicatorsResult::ToSubgraph() const {
  Subgraph g;
  g.title = "Indicators of " + FormatRef(principal);
  g.window = window;
  SubgraphNode focus;
  focus.entity.kind = principal.kind;
  focus.entity.key = principal.key;
  focus.emphasis = Emphasis::kFocus;
  focus.hop = 0;
  g.nodes.push_back(std::move(focus));
  std::map<EntityRef, std::string> notes;
  for (const Indicator& i : indicators) {
    if (!i.available || i.entity == principal) continue;
    std::string& n = notes[i.entity];
    n += (n.empty() ? "" : ", ") + i.kind;
  }
  for (const auto& [ref, note] : notes) {
    SubgraphNode n;
    n.entity.kind = ref.kind;
    n.entity.key = ref.key;
    n.note = note;
    n.hop = 1;
    n.emphasis = note.find("flagged_ip") != std::string::npos || ref.kind == EntityKind::kFinding ? Emphasis::kFlagged
                                                                                                 : Emphasis::kNone;
    g.nodes.push_back(std::move(n));
    SubgraphEdge e;
    e.kind = ref.kind == EntityKind::kFinding    ? EdgeKind::kInvolves
             : ref.kind == EntityKind::kUserAgent ? EdgeKind::kUsedAgent
             : ref.kind == EntityKind::kApiCall   ? EdgeKind::kCalledApi
                                                  : EdgeKind::kCalledFrom;
    e.src = ref.kind == EntityKind::kFinding ? ref : principal;
    e.dst = ref.kind == EntityKind::kFinding ? principal : ref;
    g.edges.push_back(std::move(e));
  }
  return g;
}

}  // namespace gumshoe
