#include "gumshoe/exposures.h"

#include <algorithm>
#include <map>
#include <set>

#include "gumshoe/investigate.h"
#include "gumshoe/normalize.h"
#include "gumshoe/time_util.h"

namespace gumshoe {
namespace {

constexpr size_t kMaxEdgesPerActor = 5000;

bool Active(const EdgeStats& s, const TimeWindow& w) { return s.CountInWindow(w.since, w.until) > 0; }

// The evidence of the first observation in the window (the edge's first when
// it lies in the window, else its last).
const Evidence& WindowEvidence(const EdgeStats& s, const TimeWindow& w) {
  if (s.first_evidence.time != kNoTime && (w.since == kNoTime || s.first_evidence.time >= w.since))
    return s.first_evidence;
  return s.last_evidence;
}

std::string Display(const EntityRef& r) {
  const std::string& k = r.key;
  switch (r.kind) {
    case EntityKind::kSecret: {
      size_t p = k.find(":secret:");
      return p == std::string::npos ? k : k.substr(p + 8);
    }
    case EntityKind::kSsmParameter: {
      size_t p = k.find(":parameter/");
      return p == std::string::npos ? k : "/" + k.substr(p + 11);
    }
    case EntityKind::kCloudTrailTrail:
    case EntityKind::kConfigRecorder:
    case EntityKind::kEcrRepository:
    case EntityKind::kKmsKey: {
      size_t p = k.find('/');
      return p == std::string::npos ? k : k.substr(p + 1);
    }
    default:
      return ShortName(r);
  }
}

// "tcp/22-22" -> "22/tcp", "tcp/0-65535" -> "0-65535/tcp", "all/all" -> "all traffic".
std::string PortText(std::string_view perm) {
  size_t slash = perm.find('/');
  if (slash == std::string_view::npos) return std::string(perm);
  std::string proto(perm.substr(0, slash));
  std::string range(perm.substr(slash + 1));
  if (proto == "all") return "all traffic";
  size_t dash = range.find('-');
  if (dash != std::string::npos && range.substr(0, dash) == range.substr(dash + 1)) range = range.substr(0, dash);
  if (range == "all") return "all " + proto + " ports";
  return range + "/" + proto;
}

bool IsInternet(const EntityRef& net) { return net.key == "0.0.0.0/0" || net.key == "::/0"; }

double CategoryScore(std::string_view c, bool outside) {
  if (c == "secret_read") return 10;
  if (c == "share") return outside ? 10 : 5;
  if (c == "parameter_read") return 9;
  if (c == "rule_opened") return outside ? 9.5 : 7;
  if (c == "function_created" || c == "code_changed") return 9;
  if (c == "evidence_gap") return 9;
  if (c == "command_run" || c == "session_opened") return 8.5;
  if (c == "key_disabled") return 7;
  if (c == "image_pushed" || c == "task_ran") return 6;
  return 3;
}

std::string Plural(size_t n, std::string_view one, std::string_view many) {
  return std::to_string(n) + " " + std::string(n == 1 ? one : many);
}

struct Collector {
  const GraphReader& reader;
  TimeWindow window;
  ExposureReport report;
  std::map<EntityId, std::optional<Entity>> cache;

  Result<std::optional<Entity>> Get(const EntityId& id) {
    auto it = cache.find(id);
    if (it != cache.end()) return it->second;
    GUMSHOE_ASSIGN_OR_RETURN(std::optional<Entity> e, reader.GetEntity(id));
    cache[id] = e;
    return e;
  }

  // Edges src -kind-> dst with dst's ref.
  Result<std::vector<std::pair<EntityRef, EdgeStats>>> Out(const EntityRef& src, EdgeKind kind, Direction dir = Direction::kOut) {
    std::vector<Edge> edges;
    GUMSHOE_RETURN_IF_ERROR(reader.ScanEdges(reader.IdOf(src.kind, src.key), dir, kind, [&](const Edge& e) {
      edges.push_back(e);
      return edges.size() < kMaxEdgesPerActor;
    }));
    std::vector<std::pair<EntityRef, EdgeStats>> out;
    for (const Edge& e : edges) {
      GUMSHOE_ASSIGN_OR_RETURN(std::optional<Entity> other, Get(dir == Direction::kOut ? e.dst : e.src));
      if (other) out.emplace_back(other->ref(), e.stats);
    }
    return out;
  }

  Result<std::optional<EdgeStats>> EdgeBetween(const EntityRef& src, EdgeKind kind, const EntityRef& dst) {
    std::optional<EdgeStats> out;
    EntityId want = reader.IdOf(dst.kind, dst.key);
    GUMSHOE_RETURN_IF_ERROR(reader.ScanEdges(reader.IdOf(src.kind, src.key), Direction::kOut, kind, [&](const Edge& e) {
      if (e.dst == want) out = e.stats;
      return !out;
    }));
    return out;
  }

  Result<std::string> OwnerAccount(const EntityRef& res) {
    GUMSHOE_ASSIGN_OR_RETURN(auto owners, Out(res, EdgeKind::kInAccount));
    return owners.empty() ? std::string() : owners.front().first.key;
  }

  Exposure Make(std::string category, const EntityRef& actor, const EntityRef& res, const EdgeStats& s) {
    Exposure x;
    x.category = std::move(category);
    x.actor = actor;
    x.resource = res;
    const Evidence& ev = WindowEvidence(s, window);
    x.time = ev.time;
    x.evidence = ev.ref;
    return x;
  }

  Status Shares(const EntityRef& actor, const EntityRef& res, const EdgeStats& actor_edge) {
    GUMSHOE_ASSIGN_OR_RETURN(std::string owner, OwnerAccount(res));
    for (const auto& [name, n] : actor_edge.counters) {
      if (n <= 0 || name.rfind("share:", 0) != 0) continue;
      EntityRef acct{EntityKind::kAccount, name.substr(6)};
      GUMSHOE_ASSIGN_OR_RETURN(std::optional<EdgeStats> shared, EdgeBetween(res, EdgeKind::kSharedWith, acct));
      if (!shared || !Active(*shared, window)) continue;
      Exposure x = Make("share", actor, res, *shared);
      x.target = acct;
      x.outside = acct.key == "all" || acct.key != owner;
      x.detail = acct.key == "all" ? "public" : x.outside ? "outside account" : "own account";
      GUMSHOE_ASSIGN_OR_RETURN(std::optional<EdgeStats> removed, EdgeBetween(res, EdgeKind::kUnshared, acct));
      if (removed && removed->last_seen != kNoTime && removed->last_seen >= shared->last_seen) {
        x.still_open = false;
        x.until = removed->last_evidence.time;
        x.until_evidence = removed->last_evidence.ref;
      }
      report.items.push_back(std::move(x));
    }
    return Status::Ok();
  }

  Status Rules(const EntityRef& actor, const EntityRef& sg, const EdgeStats& actor_edge) {
    for (const auto& [name, n] : actor_edge.counters) {
      if (n <= 0 || name.rfind("open:", 0) != 0) continue;
      std::string rule = name.substr(5);  // "<cidr> <proto>/<range>"
      size_t sp = rule.find(' ');
      if (sp == std::string::npos) continue;
      EntityRef net{EntityKind::kIpNetwork, rule.substr(0, sp)};
      std::string perm = rule.substr(sp + 1);
      GUMSHOE_ASSIGN_OR_RETURN(std::optional<EdgeStats> opened, EdgeBetween(sg, EdgeKind::kOpenedTo, net));
      if (!opened || !Active(*opened, window)) continue;
      Exposure x = Make("rule_opened", actor, sg, *opened);
      x.target = net;
      x.detail = PortText(perm);
      x.outside = IsInternet(net);
      GUMSHOE_ASSIGN_OR_RETURN(std::optional<EdgeStats> closed, EdgeBetween(sg, EdgeKind::kClosedTo, net));
      if (closed && closed->counters.count("perm:" + perm) && closed->last_seen >= opened->last_seen) {
        x.still_open = false;
        x.until = closed->last_evidence.time;
        x.until_evidence = closed->last_evidence.ref;
      }
      report.items.push_back(std::move(x));
    }
    return Status::Ok();
  }

  Status Gap(const EntityRef& actor, const EntityRef& res, const EdgeStats& s) {
    Exposure x = Make(res.kind == EntityKind::kKmsKey ? "key_disabled" : "evidence_gap", actor, res, s);
    for (const auto& [name, n] : s.counters)
      if (name.rfind("op:", 0) == 0 && n > 0) x.detail += (x.detail.empty() ? "" : ", ") + name.substr(3);
    // The gap ends at the first restart seen after it began.
    GUMSHOE_ASSIGN_OR_RETURN(auto restarts, Out(res, EdgeKind::kEnabled, Direction::kIn));
    for (const auto& [who, r] : restarts) {
      (void)who;
      Timestamp t = r.FirstActiveAtOrAfter(x.time);
      if (t == kNoTime || r.last_seen < x.time) continue;
      const Evidence& ev = r.first_evidence.time >= x.time ? r.first_evidence : r.last_evidence;
      if (x.until == kNoTime || ev.time < x.until) {
        x.until = ev.time;
        x.until_evidence = ev.ref;
        x.still_open = false;
      }
    }
    report.items.push_back(std::move(x));
    return Status::Ok();
  }

  Status Actor(const EntityRef& actor) {
    for (EdgeKind kind : {EdgeKind::kRead, EdgeKind::kCreated, EdgeKind::kModified, EdgeKind::kCodeChanged,
                          EdgeKind::kDisabled, EdgeKind::kExecutedOn, EdgeKind::kPushed, EdgeKind::kRan,
                          EdgeKind::kAttempted}) {
      GUMSHOE_ASSIGN_OR_RETURN(auto edges, Out(actor, kind));
      for (const auto& [res, s] : edges) {
        if (!Active(s, window)) continue;
        if (kind == EdgeKind::kAttempted) {
          DeniedCall d{actor, res, "", s.count, s.last_evidence.ref, s.last_evidence.time};
          for (const auto& [name, n] : s.counters)
            if (name.rfind("op:", 0) == 0)
              d.ops += (d.ops.empty() ? "" : ", ") + name.substr(3) + " x" + std::to_string(n);
          report.denied.push_back(std::move(d));
          continue;
        }
        if (s.success == 0) continue;  // an attempt (older edges may mix failures in)
        switch (kind) {
          case EdgeKind::kRead:
            if (res.kind == EntityKind::kSecret) report.items.push_back(Make("secret_read", actor, res, s));
            if (res.kind == EntityKind::kSsmParameter) {
              Exposure x = Make("parameter_read", actor, res, s);
              if (s.counters.count("decrypted")) x.detail = "decrypted";
              report.items.push_back(std::move(x));
            }
            break;
          case EdgeKind::kCreated:
            if (res.kind == EntityKind::kLambdaFunction) {
              Exposure x = Make("function_created", actor, res, s);
              GUMSHOE_ASSIGN_OR_RETURN(auto roles, Out(res, EdgeKind::kRunsAs));
              if (!roles.empty()) x.target = roles.front().first;
              report.items.push_back(std::move(x));
            } else if (res.kind == EntityKind::kSsmCommand) {
              Exposure x = Make("command_run", actor, res, s);
              GUMSHOE_ASSIGN_OR_RETURN(auto on, Out(res, EdgeKind::kExecutedOn));
              for (const auto& [inst, es] : on) {
                (void)es;
                x.instances.push_back(inst);
              }
              std::sort(x.instances.begin(), x.instances.end());
              for (const auto& [name, n] : s.counters)
                if (name.rfind("document:", 0) == 0 && n > 0) x.detail = name.substr(9);
              report.items.push_back(std::move(x));
            }
            break;
          case EdgeKind::kModified:
            if (res.kind == EntityKind::kSecurityGroup) GUMSHOE_RETURN_IF_ERROR(Rules(actor, res, s));
            GUMSHOE_RETURN_IF_ERROR(Shares(actor, res, s));
            break;
          case EdgeKind::kCodeChanged: {
            Exposure x = Make("code_changed", actor, res, s);
            for (const auto& [name, n] : s.counters)
              if (name.rfind("layer:", 0) == 0 && n > 0) x.detail += (x.detail.empty() ? "layer " : ", ") + name.substr(6);
            report.items.push_back(std::move(x));
            break;
          }
          case EdgeKind::kDisabled: GUMSHOE_RETURN_IF_ERROR(Gap(actor, res, s)); break;
          case EdgeKind::kExecutedOn: {
            Exposure x = Make("session_opened", actor, res, s);
            x.target = res;
            report.items.push_back(std::move(x));
            break;
          }
          case EdgeKind::kPushed: report.items.push_back(Make("image_pushed", actor, res, s)); break;
          case EdgeKind::kRan: report.items.push_back(Make("task_ran", actor, res, s)); break;
          default: break;
        }
      }
    }
    return Status::Ok();
  }
};

std::string Summary(const ExposureReport& r) {
  std::set<EntityRef> secrets, params, functions_created, functions_changed, commands, sessions_on;
  std::map<std::string, std::pair<std::set<EntityRef>, std::set<std::string>>> shared;  // noun -> (resources, outside accounts)
  std::map<std::string, std::set<EntityRef>> shared_public;
  std::set<EntityRef> groups_internet, groups_other;
  std::set<std::string> internet_ports;
  std::map<std::string, std::set<EntityRef>> gaps;  // noun -> resources
  std::set<EntityRef> keys_disabled;
  for (const Exposure& x : r.items) {
    const std::string& c = x.category;
    if (c == "secret_read") secrets.insert(x.resource);
    if (c == "parameter_read") params.insert(x.resource);
    if (c == "function_created") functions_created.insert(x.resource);
    if (c == "code_changed") functions_changed.insert(x.resource);
    if (c == "command_run") commands.insert(x.resource);
    if (c == "session_opened") sessions_on.insert(x.resource);
    if (c == "key_disabled") keys_disabled.insert(x.resource);
    if (c == "share" && x.outside) {
      std::string noun = x.resource.kind == EntityKind::kEbsSnapshot || x.resource.kind == EntityKind::kRdsSnapshot
                             ? "snapshot"
                             : x.resource.kind == EntityKind::kAmi ? "AMI"
                             : x.resource.kind == EntityKind::kS3Bucket ? "bucket"
                             : std::string(EntityKindLabel(x.resource.kind));
      if (x.target.key == "all") {
        shared_public[noun].insert(x.resource);
      } else {
        shared[noun].first.insert(x.resource);
        shared[noun].second.insert(x.target.key);
      }
    }
    if (c == "rule_opened") {
      if (x.outside) {
        groups_internet.insert(x.resource);
        internet_ports.insert(x.detail);
      } else {
        groups_other.insert(x.resource);
      }
    }
    if (c == "evidence_gap") {
      std::string noun = x.resource.kind == EntityKind::kCloudTrailTrail ? "trail stopped or narrowed"
                         : x.resource.kind == EntityKind::kFlowLog ? "flow log deleted"
                         : x.resource.kind == EntityKind::kGuardDutyDetector ? "GuardDuty detector disabled"
                                                                              : "Config recorder stopped";
      gaps[noun].insert(x.resource);
    }
  }
  std::vector<std::string> parts;
  auto plural_noun = [](const std::string& noun, size_t n) {
    if (n == 1) return noun;
    return noun + "s";
  };
  if (!secrets.empty()) parts.push_back(Plural(secrets.size(), "secret read", "secrets read"));
  if (!params.empty()) parts.push_back(Plural(params.size(), "SSM parameter read", "SSM parameters read"));
  for (const auto& [noun, v] : shared)
    parts.push_back(std::to_string(v.first.size()) + " " + plural_noun(noun, v.first.size()) + " shared with " +
                    Plural(v.second.size(), "outside account", "outside accounts"));
  for (const auto& [noun, v] : shared_public)
    parts.push_back(std::to_string(v.size()) + " " + plural_noun(noun, v.size()) + " made public");
  if (!groups_internet.empty()) {
    std::string ports;
    for (const std::string& p : internet_ports) ports += (ports.empty() ? "" : ", ") + p;
    parts.push_back(Plural(groups_internet.size(), "security group", "security groups") + " opened to the internet on " +
                    ports);
  }
  if (!groups_other.empty())
    parts.push_back(Plural(groups_other.size(), "security group", "security groups") + " opened to other networks");
  if (!functions_created.empty())
    parts.push_back(Plural(functions_created.size(), "Lambda function created", "Lambda functions created"));
  if (!functions_changed.empty())
    parts.push_back(Plural(functions_changed.size(), "Lambda function changed", "Lambda functions changed"));
  for (const auto& [noun, v] : gaps)
    parts.push_back(std::to_string(v.size()) + " " + noun);  // e.g. "1 trail stopped or narrowed"
  if (!keys_disabled.empty()) parts.push_back(Plural(keys_disabled.size(), "KMS key disabled", "KMS keys disabled"));
  if (!commands.empty()) parts.push_back(Plural(commands.size(), "SSM command run", "SSM commands run"));
  if (!sessions_on.empty())
    parts.push_back(Plural(sessions_on.size(), "instance entered by SSM session", "instances entered by SSM session"));
  uint64_t denied = 0;
  for (const DeniedCall& d : r.denied) denied += d.count;
  if (denied > 0) parts.push_back(Plural(denied, "denied call", "denied calls"));
  std::string out;
  for (const std::string& p : parts) out += (out.empty() ? "" : ", ") + p;
  return out.empty() ? "nothing exposed" : out;
}

}  // namespace

bool IsExposureKind(EntityKind kind) {
  return kind >= EntityKind::kAwsResource || kind == EntityKind::kLambdaFunction;
}

bool IsResourceLeafKind(EntityKind kind) {
  return (kind >= EntityKind::kAwsResource && kind != EntityKind::kSsmCommand) || kind == EntityKind::kLambdaFunction;
}

double ResourceEdgeWeight(EdgeKind kind) {
  switch (kind) {
    case EdgeKind::kCodeChanged:
    case EdgeKind::kDisabled:
      return 10;
    case EdgeKind::kExecutedOn:
    case EdgeKind::kPushed:
      return 9;
    case EdgeKind::kInvoked:
    case EdgeKind::kUsedKey:
    case EdgeKind::kRan:
    case EdgeKind::kPulled:
      return 7;
    default:
      return 0;
  }
}

std::vector<BlastRule> ResourceBlastRules() {
  return {
      {EdgeKind::kCodeChanged, Direction::kOut, {}}, {EdgeKind::kInvoked, Direction::kOut, {}},
      {EdgeKind::kUsedKey, Direction::kOut, {}},     {EdgeKind::kDisabled, Direction::kOut, {}},
      {EdgeKind::kExecutedOn, Direction::kOut, {}},  {EdgeKind::kRan, Direction::kOut, {}},
      {EdgeKind::kPulled, Direction::kOut, {}},      {EdgeKind::kPushed, Direction::kOut, {}},
  };
}

std::vector<EntityRef> ExposureActors(const BlastRadiusResult& blast) {
  std::vector<EntityRef> out;
  for (const BlastNode& n : blast.nodes) {
    switch (n.entity.kind) {
      case EntityKind::kIamUser:
      case EntityKind::kIamRole:
      case EntityKind::kRoleSession:
      case EntityKind::kFederatedUser:
      case EntityKind::kAccount:
        out.push_back(n.entity.ref());
        break;
      default:
        break;
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

Result<ExposureReport> CollectExposures(const GraphReader& reader, const std::vector<EntityRef>& actors,
                                        const TimeWindow& window) {
  Collector c{reader, window, {}, {}};
  for (const EntityRef& a : actors) GUMSHOE_RETURN_IF_ERROR(c.Actor(a));
  ExposureReport& r = c.report;
  for (Exposure& x : r.items) x.score = CategoryScore(x.category, x.outside) * (x.still_open ? 1.0 : 0.8);
  std::sort(r.items.begin(), r.items.end(), [](const Exposure& a, const Exposure& b) {
    if (a.score != b.score) return a.score > b.score;
    if (a.time != b.time) return a.time < b.time;
    if (!(a.resource == b.resource)) return a.resource < b.resource;
    if (!(a.target == b.target)) return a.target < b.target;
    return a.actor < b.actor;
  });
  std::sort(r.denied.begin(), r.denied.end(), [](const DeniedCall& a, const DeniedCall& b) {
    if (!(a.resource == b.resource)) return a.resource < b.resource;
    return a.actor < b.actor;
  });
  r.summary = Summary(r);
  return std::move(c.report);
}

void AppendExposureActions(const ExposureReport& report, std::vector<ResponseAction>* out) {
  for (const Exposure& x : report.items) {
    ResponseAction a;
    a.entities = {x.resource, x.actor};
    if (!x.target.key.empty()) a.entities.push_back(x.target);
    a.evidence = x.evidence;
    a.time = x.time;
    std::string label(EntityKindLabel(x.resource.kind));
    std::string res = label + " " + Display(x.resource);
    std::string by = " by " + ShortName(x.actor) + " at " + FormatTime(x.time);
    const std::string& c = x.category;
    if (c == "secret_read") {
      a.action = "rotate_secret";
      a.text = "Rotate " + res + ": its value was read" + by;
    } else if (c == "parameter_read") {
      a.action = "rotate_secret";
      a.text = "Rotate " + res + ": read" + (x.detail == "decrypted" ? " decrypted" : "") + by;
    } else if (c == "share") {
      if (!x.outside) continue;
      std::string with = x.target.key == "all" ? "everyone (public)" : "outside account " + x.target.key;
      if (x.still_open) {
        a.action = "revoke_share";
        a.text = "Revoke the share of " + res + " with " + with + ": shared" + by;
      } else {
        a.action = "review_share";
        a.text = "Check what " + with + " copied of " + res + ": shared" + by + ", removed at " + FormatTime(x.until) +
                 " [" + x.until_evidence + "]";
      }
    } else if (c == "rule_opened") {
      if (!x.still_open) continue;
      a.action = "revoke_rule";
      a.text = "Revoke the rule of " + res + " opening " + x.detail + " to " + x.target.key +
               (IsInternet(x.target) ? " (the internet)" : "") + ": added" + by;
    } else if (c == "function_created") {
      a.action = "remove_function";
      a.text = "Remove " + res + ": created" + by +
               (x.target.key.empty() ? std::string() : " (runs as " + ShortName(x.target) + ")");
    } else if (c == "code_changed") {
      a.action = "review_code_change";
      a.text = "Roll back the code or configuration change of " + res + (x.detail.empty() ? "" : " (" + x.detail + ")") +
               ": made" + by;
    } else if (c == "evidence_gap") {
      std::string what = (x.detail.empty() ? std::string("stopped") : x.detail) + by;
      if (x.still_open) {
        a.action = "restore_logging";
        a.text = "Restore " + res + ": " + what + "; evidence missing from " + FormatTime(x.time) +
                 " to the end of the logs (no restart seen)";
      } else {
        a.action = "review_gap";
        // Only this resource stopped: other trails or sources may hold the
        // span (the records cited may themselves fall inside it).
        const bool narrowed = x.detail.find("PutEventSelectors") != std::string::npos;
        a.text = "Account for the evidence gap of " + res + ": " + what + ", restarted at " + FormatTime(x.until) +
                 " [" + x.until_evidence + "]; it recorded " + (narrowed ? "only what its narrowed selectors kept" : "nothing") +
                 " from " + FormatTime(x.time) + " to " + FormatTime(x.until) +
                 ": look for that span in other trails or sources";
      }
    } else if (c == "key_disabled") {
      a.action = "enable_key";
      a.text = "Re-enable " + res + " or cancel its deletion: " + (x.detail.empty() ? "disabled" : x.detail) + by;
    } else if (c == "command_run") {
      a.action = "review_command";
      std::string on;
      for (const EntityRef& i : x.instances) on += (on.empty() ? "" : ", ") + i.key;
      a.text = "Review " + res + (x.detail.empty() ? "" : " (" + x.detail + ")") + " run" + by +
               (on.empty() ? std::string() : " on " + on) + ": check the instances for persistence";
      for (const EntityRef& i : x.instances) a.entities.push_back(i);
    } else if (c == "session_opened") {
      a.action = "review_command";
      a.text = "Review the SSM session opened on " + x.resource.key + by;
    } else if (c == "image_pushed") {
      a.action = "review_image";
      a.text = "Review the image pushed to " + res + by;
    } else {
      continue;
    }
    out->push_back(std::move(a));
  }
}

std::string ExposuresText(const ExposureReport& report, const std::function<std::string(std::string_view)>& esc) {
  std::string out = "EXPOSURES (" + esc(report.summary) + ")\n";
  auto ref = [&](const EntityRef& r) { return std::string(EntityKindName(r.kind)) + ":" + esc(r.key); };
  for (const Exposure& x : report.items) {
    char head[64];
    std::snprintf(head, sizeof(head), "  %-16s score %5.2f  ", x.category.c_str(), x.score);
    std::string s = head + ref(x.resource);
    if (!x.target.key.empty() && !(x.target == x.resource)) s += " -> " + ref(x.target);
    if (!x.detail.empty()) s += " (" + esc(x.detail) + ")";
    s += " by " + ref(x.actor) + " at " + FormatTime(x.time) + "  [" + esc(x.evidence) + "]";
    if (!x.still_open) s += "  ended " + FormatTime(x.until) + " [" + esc(x.until_evidence) + "]";
    out += s + "\n";
  }
  for (const DeniedCall& d : report.denied)
    out += "  denied: " + esc(d.ops) + " on " + ref(d.resource) + " by " + ref(d.actor) + "  [" + esc(d.evidence) + "]\n";
  return out;
}

}  // namespace gumshoe
