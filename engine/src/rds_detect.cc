#include "gumshoe/rds_detect.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <unordered_map>

#include "gumshoe/delta.h"
#include "gumshoe/hash.h"
#include "gumshoe/normalize.h"
#include "gumshoe/time_util.h"

namespace gumshoe {
namespace {

constexpr double kLow = 2.0;
constexpr double kMedium = 5.0;
constexpr double kHigh = 8.0;
constexpr size_t kMaxEvidencePerFinding = 8;
constexpr size_t kMaxDbActionsPerUser = 32;
constexpr std::string_view kOkHourPrefix = "ok_hour:";
constexpr std::string_view kNoAuthUser = "[unknown]";

using Hours = std::map<int64_t, uint64_t>;  // hour since epoch -> observations

std::string Band(double s) {
  if (s < 4.0) return "low";
  if (s < 7.0) return "medium";
  if (s < 9.0) return "high";
  return "critical";
}

struct LoginEdge {
  std::string ip_key;
  std::optional<IpAddress> ip;
  IpClass ip_class = IpClass::kPublic;
  std::string user_key;
  std::string user_name;
  bool probe = false;  // the edge goes to the no-auth pseudo user
  EdgeStats stats;
  Hours ok, fail, all;
  std::set<std::string> apps;
  std::string network;
};

// Hours during which an IP was listed, per list.
struct Listing {
  std::set<int64_t> hours;
  std::string evidence;
};

struct Cidr {
  std::string list;
  IpPrefix prefix;
  Timestamp since = kNoTime;
  Timestamp until = kNoTime;
};

std::string NetworkOf(const IpAddress& ip, int v4_bits, int v6_bits) {
  IpPrefix p;
  p.base = ip;
  p.length = ip.v6 ? std::clamp(v6_bits, 0, 128) : std::clamp(v4_bits, 0, 32);
  size_t bytes = ip.v6 ? 16 : 4;
  for (size_t i = 0; i < bytes; ++i) {
    int keep = std::clamp(p.length - static_cast<int>(i) * 8, 0, 8);
    uint8_t mask = keep == 0 ? 0 : static_cast<uint8_t>(0xFF << (8 - keep));
    p.base.bytes[i] &= mask;
  }
  return p.ToString();
}

std::string HexId(std::string_view text) {
  uint64_t h = SipHash24(HashKey{}, text);
  char buf[40];
  std::snprintf(buf, sizeof(buf), "gumshoe-rds-%016llx", static_cast<unsigned long long>(h));
  return buf;
}

uint64_t SumIn(const Hours& h, int64_t lo, int64_t hi) {
  uint64_t n = 0;
  for (auto it = h.lower_bound(lo); it != h.end() && it->first <= hi; ++it) n += it->second;
  return n;
}

// Hours of `activity` that fall in `listed`.
std::vector<int64_t> Overlap(const Hours& activity, const std::set<int64_t>& listed) {
  std::vector<int64_t> out;
  for (const auto& [h, n] : activity)
    if (n > 0 && listed.count(h)) out.push_back(h);
  return out;
}

class Detector {
 public:
  Detector(const GraphReader& reader, const RdsDetectOptions& options) : r_(reader), o_(options) {
    if (auto key = NormalizeKey(EntityKind::kThreatList, o_.tor_list); key.ok()) {
      tor_key_ = *key;
    } else {
      tor_key_ = o_.tor_list;
    }
  }

  Result<RdsDetectResult> Run() {
    GUMSHOE_RETURN_IF_ERROR(LoadCidrs());
    std::vector<Entity> instances;
    GUMSHOE_RETURN_IF_ERROR(r_.ScanEntities(EntityKind::kRdsInstance, [&](const Entity& e) {
      instances.push_back(e);
      return true;
    }));
    for (const Entity& inst : instances) {
      ++result_.instances;
      GUMSHOE_RETURN_IF_ERROR(Instance(inst));
    }
    std::sort(result_.findings.begin(), result_.findings.end(), [](const RdsFinding& a, const RdsFinding& b) {
      return a.first_seen != b.first_seen ? a.first_seen < b.first_seen : a.id < b.id;
    });
    return std::move(result_);
  }

 private:
  Status LoadCidrs() {
    return r_.ScanEntities(EntityKind::kThreatList, [&](const Entity& e) {
      for (const auto& [name, value] : e.attrs) {
        if (name.rfind("cidr:", 0) != 0) continue;
        std::optional<IpPrefix> p = ParsePrefix(std::string_view(name).substr(5));
        size_t dots = value.value.find("..");
        if (!p || dots == std::string::npos) continue;
        Cidr c;
        c.list = e.key;
        c.prefix = *p;
        // An empty side is unbounded: ".." is a prefix listed for the whole timeline.
        constexpr Timestamp kUnbounded = std::numeric_limits<Timestamp>::max() / 2;
        c.since = dots == 0 ? -kUnbounded : std::strtoll(value.value.c_str(), nullptr, 10);
        c.until = dots + 2 == value.value.size() ? kUnbounded : std::strtoll(value.value.c_str() + dots + 2, nullptr, 10);
        // Indexed by family and first byte; prefixes shorter than /8 are checked for every address.
        if (c.prefix.length >= 8) {
          cidrs_[{c.prefix.base.v6, c.prefix.base.bytes[0]}].push_back(std::move(c));
        } else {
          wide_cidrs_.push_back(std::move(c));
        }
      }
      return true;
    });
  }

  Result<std::string> KeyOf(const EntityId& id) {
    if (auto it = keys_.find(id); it != keys_.end()) return it->second;
    GUMSHOE_ASSIGN_OR_RETURN(std::optional<Entity> e, r_.GetEntity(id));
    std::string key = e ? e->key : std::string();
    keys_.emplace(id, key);
    return key;
  }

  // The lists `ip` was on, with their hours.
  Result<std::map<std::string, Listing>> ListingsOf(const LoginEdge& edge) {
    std::map<std::string, Listing> out;
    EntityId ip_id = r_.IdOf(EntityKind::kIpAddress, edge.ip_key);
    Status inner;
    GUMSHOE_RETURN_IF_ERROR(r_.ScanEdges(ip_id, Direction::kOut, EdgeKind::kListedIn, [&](const Edge& e) {
      Result<std::string> key = KeyOf(e.dst);
      if (!key.ok()) {
        inner = key.status();
        return false;
      }
      Listing& l = out[*key];
      // An undated listing holds for the whole timeline: every hour the
      // login edge was active (bounded by the edge, not by all time).
      if (auto always = e.stats.counters.find("listed_always");
          always != e.stats.counters.end() && always->second > 0) {
        for (const auto& [h, n] : edge.all)
          if (n > 0) l.hours.insert(h);
      }
      for (const auto& [h, n] : e.stats.hourly)
        if (n > 0) l.hours.insert(h);
      if (l.evidence.empty()) l.evidence = e.stats.first_evidence.ref;
      return true;
    }));
    GUMSHOE_RETURN_IF_ERROR(inner);
    if (edge.ip) {
      std::vector<const Cidr*> candidates;
      for (const Cidr& c : wide_cidrs_) candidates.push_back(&c);
      if (auto it = cidrs_.find({edge.ip->v6, edge.ip->bytes[0]}); it != cidrs_.end())
        for (const Cidr& c : it->second) candidates.push_back(&c);
      for (const Cidr* cp : candidates) {
        const Cidr& c = *cp;
        if (!c.prefix.Contains(*edge.ip) || c.since > c.until) continue;
        Listing& l = out[c.list];
        int64_t lo = c.since / 3600, hi = c.until / 3600;
        // Only the hours the edge was active matter; bound the work by them.
        for (const auto& [h, n] : edge.all)
          if (h >= lo && h <= hi) l.hours.insert(h);
        if (l.evidence.empty()) l.evidence = "threat_list:" + c.list + " cidr " + c.prefix.ToString();
      }
    }
    return out;
  }

  // DDL/DCL of the user, with the time of its last occurrence.
  Result<std::vector<std::pair<Timestamp, std::string>>> DbActionsOf(const std::string& user_key) {
    if (auto it = actions_.find(user_key); it != actions_.end()) return it->second;
    std::vector<std::pair<Timestamp, std::string>> out;
    Status inner;
    GUMSHOE_RETURN_IF_ERROR(r_.ScanEdges(r_.IdOf(EntityKind::kDbUser, user_key), Direction::kOut,
                                         EdgeKind::kDbAction, [&](const Edge& e) {
      Result<std::string> dst = KeyOf(e.dst);
      if (!dst.ok()) {
        inner = dst.status();
        return false;
      }
      for (const auto& [stmt, n] : e.stats.counters) {
        if (out.size() >= kMaxDbActionsPerUser) return false;
        std::string line = stmt + " -> " + *dst;
        if (n > 1) line += " (x" + std::to_string(n) + ")";
        if (!e.stats.last_evidence.ref.empty()) line += " [" + e.stats.last_evidence.ref + "]";
        out.emplace_back(e.stats.last_seen, std::move(line));
      }
      return true;
    }));
    GUMSHOE_RETURN_IF_ERROR(inner);
    actions_.emplace(user_key, out);
    return out;
  }

  Status Instance(const Entity& inst) {
    std::vector<LoginEdge> edges;
    std::vector<std::pair<EntityId, std::string>> users;
    GUMSHOE_RETURN_IF_ERROR(r_.ScanEdges(r_.IdOf(EntityKind::kRdsInstance, inst.key), Direction::kIn,
                                         EdgeKind::kDbUserOf, [&](const Edge& e) {
      users.emplace_back(e.src, std::string());
      return true;
    }));
    for (auto& [uid, key] : users) {
      GUMSHOE_ASSIGN_OR_RETURN(std::optional<Entity> user, r_.GetEntity(uid));
      if (!user) continue;
      std::string name = user->key.substr(std::min(user->key.size(), inst.key.size() + 1));
      if (const std::string* a = user->Attr("user")) name = *a;
      bool probe = (user->Attr("pseudo") != nullptr) || name == kNoAuthUser;
      Status inner;
      GUMSHOE_RETURN_IF_ERROR(r_.ScanEdges(uid, Direction::kIn, EdgeKind::kDbLogin, [&](const Edge& e) {
        Result<std::string> ip_key = KeyOf(e.src);
        if (!ip_key.ok()) {
          inner = ip_key.status();
          return false;
        }
        LoginEdge le;
        le.ip_key = *ip_key;
        le.ip = ParseIp(le.ip_key);
        if (le.ip) {
          le.ip_class = ClassifyIp(*le.ip);
          le.network = NetworkOf(*le.ip, o_.ipv4_network_bits, o_.ipv6_network_bits);
        }
        le.user_key = user->key;
        le.user_name = probe ? std::string() : name;
        le.probe = probe;
        le.stats = e.stats;
        for (const auto& [h, n] : e.stats.hourly) le.all[h] += n;
        for (const auto& [k, n] : e.stats.counters) {
          if (k.rfind(kOkHourPrefix, 0) == 0) {
            le.ok[std::strtoll(k.c_str() + kOkHourPrefix.size(), nullptr, 10)] += static_cast<uint64_t>(n);
          } else if (k.rfind("app:", 0) == 0) {
            le.apps.insert(k.substr(4));
          }
        }
        // When the edge's counters overflowed (kMaxEdgeCounters), the latest
        // ok_hour keys were folded into "overflow": attempts after the last
        // kept ok hour are ambiguous. They are failures when every success is
        // accounted for, else counted as successes (the more severe reading).
        bool overflow = e.stats.counters.count("overflow") != 0;
        int64_t last_ok = le.ok.empty() ? INT64_MIN : le.ok.rbegin()->first;
        uint64_t known_ok = 0;
        for (const auto& [h, n] : le.ok) known_ok += n;
        bool unaccounted = e.stats.success > known_ok;
        for (const auto& [h, n] : le.all) {
          uint64_t ok = le.ok.count(h) ? le.ok.at(h) : 0;
          if (n <= ok) continue;
          if ((overflow && h > last_ok && unaccounted) || (le.ok.empty() && unaccounted)) {
            le.ok[h] += n - ok;
          } else {
            le.fail[h] = n - ok;
          }
        }
        edges.push_back(std::move(le));
        return true;
      }));
      GUMSHOE_RETURN_IF_ERROR(inner);
    }
    // Connections that never named a user: ip -db_login-> the instance.
    {
      Status inner;
      GUMSHOE_RETURN_IF_ERROR(r_.ScanEdges(r_.IdOf(EntityKind::kRdsInstance, inst.key), Direction::kIn,
                                           EdgeKind::kDbLogin, [&](const Edge& e) {
        Result<std::string> ip_key = KeyOf(e.src);
        if (!ip_key.ok()) {
          inner = ip_key.status();
          return false;
        }
        LoginEdge le;
        le.ip_key = *ip_key;
        le.ip = ParseIp(le.ip_key);
        if (le.ip) {
          le.ip_class = ClassifyIp(*le.ip);
          le.network = NetworkOf(*le.ip, o_.ipv4_network_bits, o_.ipv6_network_bits);
        }
        le.probe = true;
        le.stats = e.stats;
        for (const auto& [h, n] : e.stats.hourly) le.all[h] += n;
        edges.push_back(std::move(le));
        return true;
      }));
      GUMSHOE_RETURN_IF_ERROR(inner);
    }
    result_.login_edges += edges.size();
    if (edges.empty()) return Status::Ok();

    bool instance_public = false;
    if (const std::string* p = inst.Attr("publicly_accessible")) instance_public = *p == "true";
    for (const LoginEdge& e : edges)
      if (e.ip && e.ip_class == IpClass::kPublic) instance_public = true;

    // Baseline over the learning period.
    Timestamp start = kNoTime;
    for (const LoginEdge& e : edges)
      if (!e.probe && e.stats.first_seen != kNoTime && (start == kNoTime || e.stats.first_seen < start))
        start = e.stats.first_seen;
    int64_t learn_end_hour = start == kNoTime ? INT64_MAX
                                              : (start + int64_t{o_.learning_period_days} * 86400) / 3600;
    std::set<std::string> base_users, base_nets, base_apps;
    for (const LoginEdge& e : edges) {
      if (e.probe || e.ok.empty() || e.ok.begin()->first >= learn_end_hour) continue;
      base_users.insert(e.user_name);
      if (!e.network.empty()) base_nets.insert(e.network);
      base_apps.insert(e.apps.begin(), e.apps.end());
    }
    // Failures from public IPs per hour, instance-wide.
    Hours public_fail;
    for (const LoginEdge& e : edges)
      if (!e.probe && e.ip && e.ip_class == IpClass::kPublic)
        for (const auto& [h, n] : e.fail) public_fail[h] += n;

    for (const LoginEdge& e : edges) {
      GUMSHOE_ASSIGN_OR_RETURN(auto listings, ListingsOf(e));
      bool threat = false;
      for (const auto& [list, listing] : listings) {
        bool tor = list == tor_key_;
        if (e.probe) {
          std::vector<int64_t> hit = Overlap(e.all, listing.hours);
          if (hit.empty()) continue;
          threat = true;
          GUMSHOE_RETURN_IF_ERROR(Add(tor ? "Discovery:RDS/TorIPCaller" : "Discovery:RDS/MaliciousIPCaller", kMedium,
                                      inst, e, hit.front(), hit.back(), list, listing.evidence, instance_public));
          continue;
        }
        std::vector<int64_t> ok = Overlap(e.ok, listing.hours);
        std::vector<int64_t> fail = Overlap(e.fail, listing.hours);
        std::string family = tor ? "CredentialAccess:RDS/TorIPCaller" : "CredentialAccess:RDS/MaliciousIPCaller";
        if (!ok.empty()) {
          threat = true;
          int64_t first = fail.empty() ? ok.front() : std::min(ok.front(), fail.front());
          GUMSHOE_RETURN_IF_ERROR(Add(family + ".SuccessfulLogin", kHigh, inst, e, first, ok.back(), list,
                                      listing.evidence, instance_public));
        } else if (!fail.empty()) {
          threat = true;
          GUMSHOE_RETURN_IF_ERROR(Add(family + ".FailedLogin", kMedium, inst, e, fail.front(), fail.back(), list,
                                      listing.evidence, instance_public));
        }
      }
      if (e.probe) continue;

      bool brute = false;
      for (const auto& [h, n] : e.ok) {
        int64_t lo = h - o_.brute_force_window_hours;
        uint64_t before = SumIn(e.fail, lo, h);
        if (before >= o_.brute_force_min_failures) {
          auto first_fail = e.fail.lower_bound(lo);
          int64_t first = first_fail != e.fail.end() && first_fail->first <= h ? first_fail->first : h;
          GUMSHOE_RETURN_IF_ERROR(Add("CredentialAccess:RDS/AnomalousBehavior.SuccessfulBruteForce", kHigh, inst, e,
                                      first, h, "", "", instance_public));
          brute = true;
          break;
        }
      }

      bool new_user = base_users.count(e.user_name) == 0;
      bool new_net = !e.network.empty() && base_nets.count(e.network) == 0;
      bool new_app = false;
      for (const std::string& a : e.apps) new_app |= base_apps.count(a) == 0;
      bool in_baseline = !e.ok.empty() && e.ok.begin()->first < learn_end_hour;
      if (!brute && !in_baseline && !e.ok.empty() && (new_user || new_net || new_app)) {
        auto it = e.ok.lower_bound(learn_end_hour);
        if (it != e.ok.end()) {
          int64_t h0 = it->first;
          double sev = kLow;
          if (e.ip && e.ip_class == IpClass::kPublic) {
            sev = SumIn(public_fail, h0 - o_.consistent_failure_window_hours, h0) >= o_.consistent_failure_min ? kHigh
                                                                                                              : kMedium;
          }
          GUMSHOE_RETURN_IF_ERROR(Add("CredentialAccess:RDS/AnomalousBehavior.SuccessfulLogin", sev, inst, e, h0,
                                      e.ok.rbegin()->first, "", "", instance_public));
        }
      }
      if (!threat && e.ok.empty() && (new_user || new_net)) {
        uint64_t late = SumIn(e.fail, learn_end_hour, INT64_MAX);
        if (late >= o_.anomalous_failed_min && late > 0) {
          auto it = e.fail.lower_bound(learn_end_hour);
          GUMSHOE_RETURN_IF_ERROR(Add("CredentialAccess:RDS/AnomalousBehavior.FailedLogin", kLow, inst, e, it->first,
                                      e.fail.rbegin()->first, "", "", instance_public));
        }
      }
    }
    return Status::Ok();
  }

  Status Add(const std::string& type, double severity, const Entity& inst, const LoginEdge& e, int64_t first_hour,
             int64_t last_hour, const std::string& list, const std::string& list_evidence, bool instance_public) {
    RdsFinding f;
    f.type = type;
    f.severity = severity;
    f.severity_band = Band(severity);
    f.instance = inst.key;
    f.db_user = e.user_key;
    f.user_name = e.user_name;
    f.remote_ip = e.ip_key;
    f.ip_class = e.ip ? std::string(IpClassName(e.ip_class)) : std::string();
    f.threat_list = list;
    f.instance_public = instance_public;
    Timestamp lo = first_hour * 3600, hi = last_hour * 3600 + 3599;
    f.first_seen = e.stats.first_seen != kNoTime ? std::max(e.stats.first_seen, lo) : lo;
    f.last_seen = e.stats.last_seen != kNoTime ? std::min(e.stats.last_seen, hi) : hi;
    if (f.last_seen < f.first_seen) f.last_seen = f.first_seen;
    if (!(o_.window.unbounded() ||
          ((o_.window.until == kNoTime || f.first_seen <= o_.window.until) &&
           (o_.window.since == kNoTime || f.last_seen >= o_.window.since))))
      return Status::Ok();
    if (e.probe) {
      f.probes = SumIn(e.all, first_hour, last_hour);
    } else {
      f.successes = SumIn(e.ok, first_hour, last_hour);
      f.failures = SumIn(e.fail, first_hour, last_hour);
    }
    for (const std::string& ev : {e.stats.first_evidence.ref, e.stats.last_evidence.ref, list_evidence}) {
      if (!ev.empty() && f.evidence.size() < kMaxEvidencePerFinding &&
          std::find(f.evidence.begin(), f.evidence.end(), ev) == f.evidence.end())
        f.evidence.push_back(ev);
    }
    if (!e.probe) {
      GUMSHOE_ASSIGN_OR_RETURN(auto actions, DbActionsOf(e.user_key));
      for (auto& [when, text] : actions)
        if (when == kNoTime || when >= f.first_seen) f.db_actions.push_back(text);
    }
    f.id = HexId(type + "|" + f.instance + "|" + f.db_user + "|" + f.remote_ip + "|" + list + "|" +
                 std::to_string(first_hour));
    f.title = Title(f);
    if (result_.findings.size() >= o_.max_findings) {
      ++result_.truncated;
      return Status::Ok();
    }
    result_.findings.push_back(std::move(f));
    return Status::Ok();
  }

  static std::string Title(const RdsFinding& f) {
    std::string who = f.user_name.empty() ? std::string() : " as " + f.user_name;
    std::string where = " to RDS instance " + f.instance;
    std::string from = " from " + f.ip_class + " IP " + f.remote_ip;
    const std::string& t = f.type;
    if (t.find("SuccessfulBruteForce") != std::string::npos)
      return "Successful login" + who + where + from + " after " + std::to_string(f.failures) + " failed attempts";
    if (t.rfind("Discovery:", 0) == 0)
      return "Connection without authentication" + where + from + " listed in " + f.threat_list;
    std::string what = t.find("SuccessfulLogin") != std::string::npos ? "Successful login" : "Failed logins";
    if (t.find("TorIPCaller") != std::string::npos) return what + who + where + " from Tor exit node " + f.remote_ip;
    if (t.find("MaliciousIPCaller") != std::string::npos)
      return what + who + where + from + " listed in " + f.threat_list;
    return "Anomalous " + std::string(what == "Successful login" ? "successful login" : "failed logins") + who + where +
           from;
  }

  const GraphReader& r_;
  const RdsDetectOptions& o_;
  std::string tor_key_;
  std::map<std::pair<bool, uint8_t>, std::vector<Cidr>> cidrs_;
  std::vector<Cidr> wide_cidrs_;
  std::unordered_map<EntityId, std::string, EntityIdHash> keys_;
  std::map<std::string, std::vector<std::pair<Timestamp, std::string>>> actions_;
  RdsDetectResult result_;
};

}  // namespace

Result<RdsDetectResult> DetectRds(const GraphReader& reader, const RdsDetectOptions& options) {
  if (options.learning_period_days < 0 || options.brute_force_window_hours < 0 ||
      options.consistent_failure_window_hours < 0)
    return Status::InvalidArgument("rds detect: periods must not be negative");
  return Detector(reader, options).Run();
}

std::vector<std::string> RdsResponseSteps(const RdsFinding& f) {
  std::vector<std::string> steps;
  bool public_ip = f.ip_class == "public";
  if (public_ip) {
    steps.push_back("Restrict the security groups of " + f.instance +
                    " to the sources that need the database: remove any rule that admits " + f.remote_ip +
                    " (e.g. 0.0.0.0/0 on the DB port) and block " + f.remote_ip + " in the network ACL.");
  } else {
    steps.push_back("Restrict the security groups of " + f.instance + " to the hosts that need the database; find " +
                    "which host holds " + f.remote_ip + " (" + (f.ip_class.empty() ? "unknown" : f.ip_class) +
                    " address) and why it reached the database.");
  }
  if (!f.user_name.empty()) {
    if (f.successes > 0) {
      steps.push_back("Rotate the password of DB user " + f.user_name + " on " + f.instance +
                      " now (it logged in successfully from " + f.remote_ip +
                      "), end its open sessions, and prefer IAM database authentication.");
    } else {
      steps.push_back("Check the password strength of DB user " + f.user_name + " on " + f.instance + " (" +
                      std::to_string(f.failures) + " failed logins from " + f.remote_ip +
                      "); rotate it if it is shared or guessable.");
    }
  } else {
    steps.push_back("No credentials were tried; review which DB users on " + f.instance +
                    " have weak or default passwords before the caller returns.");
  }
  if (f.instance_public) {
    steps.push_back("Move " + f.instance + " to a private subnet and set PubliclyAccessible to false: it accepted " +
                    "connections from public addresses" + (public_ip ? " such as " + f.remote_ip : std::string()) + ".");
  }
  if (f.user_name.empty()) {
    steps.push_back("Read the connection log of " + f.instance + " around " + FormatTime(f.first_seen) +
                    " for other connections from " + f.remote_ip + ".");
  } else if (f.db_actions.empty()) {
    steps.push_back("Read the audit log of " + f.instance + " for what " + f.user_name + " did after " +
                    FormatTime(f.first_seen) +
                    " (new users, password changes, grants): no DDL/DCL by this user is in the ingested logs.");
  } else {
    std::string list;
    for (const std::string& a : f.db_actions) list += (list.empty() ? "" : "; ") + a;
    steps.push_back("Read the audit log of " + f.instance + " for what " + f.user_name + " did after " +
                    FormatTime(f.first_seen) + "; DDL/DCL seen: " + list +
                    ". Revert users, passwords and grants the owner does not recognise.");
  }
  return steps;
}

Result<uint64_t> WriteRdsFindings(GraphStore& store, const std::vector<RdsFinding>& findings) {
  uint64_t written = 0;
  GraphDelta delta;
  for (const RdsFinding& f : findings) {
    RecordId rid = store.hasher().RecordIdOf(
        "rds_detect", f.id + "|" + std::to_string(f.first_seen) + "|" + std::to_string(f.last_seen) + "|" +
                          std::to_string(f.successes) + "|" + std::to_string(f.failures) + "|" +
                          std::to_string(f.probes) + "|" + std::to_string(f.db_actions.size()));
    GUMSHOE_ASSIGN_OR_RETURN(bool seen, store.ContainsRecord(rid));
    if (seen || delta.HasRecord(rid)) continue;
    EntityRef finding{EntityKind::kFinding, f.id};
    GUMSHOE_ASSIGN_OR_RETURN(std::optional<Entity> existing, store.Find(finding));
    Timestamp t = f.last_seen;
    delta.AddRecord(rid);
    delta.Touch(finding, f.first_seen);
    delta.Touch(finding, f.last_seen);
    delta.AddTag(finding, "gumshoe", kNoTime);
    char sev[32];
    std::snprintf(sev, sizeof(sev), "%g", f.severity);
    std::string evidence;
    for (const std::string& e : f.evidence) evidence += (evidence.empty() ? "" : " ") + e;
    for (auto [name, value] : {std::pair<const char*, std::string>{"source", "gumshoe"},
                               {"type", f.type},
                               {"title", f.title},
                               {"severity", sev},
                               {"severity_band", f.severity_band},
                               {"first_seen", FormatTime(f.first_seen)},
                               {"last_seen", FormatTime(f.last_seen)},
                               {"resource_type", "RDSDBInstance"},
                               {"instance", f.instance},
                               {"db_user", f.db_user},
                               {"remote_ip", f.remote_ip},
                               {"threat_list", f.threat_list},
                               {"successes", std::to_string(f.successes)},
                               {"failures", std::to_string(f.failures)},
                               {"probes", std::to_string(f.probes)},
                               {"evidence", evidence}}) {
      if (!value.empty()) delta.SetAttr(finding, name, value.substr(0, kMaxAttrValueBytes), t);
    }
    std::vector<std::string> steps = RdsResponseSteps(f);
    for (size_t i = 0; i < steps.size(); ++i)
      delta.SetAttr(finding, "response_" + std::to_string(i + 1), steps[i].substr(0, kMaxAttrValueBytes), t);
    ++written;
    if (existing) continue;  // involves edges are written once per finding
    std::string ev = f.evidence.empty() ? std::string() : f.evidence.front();
    EdgeObservation obs{f.first_seen, 0, ev, 1};
    auto involve = [&](EntityKind kind, const std::string& key, const char* role, bool foothold) {
      if (key.empty()) return;
      EdgeStats& s = delta.AddEdge(finding, EdgeKind::kInvolves, EntityRef{kind, key}, obs);
      s.counters[std::string("role:") + role] += 1;
      if (foothold) s.counters["foothold"] += 1;
    };
    involve(EntityKind::kDbUser, f.db_user, f.user_name.empty() ? "target" : "actor", !f.user_name.empty());
    involve(EntityKind::kIpAddress, f.remote_ip, "remote", true);
    involve(EntityKind::kRdsInstance, f.instance, "target", false);
    involve(EntityKind::kThreatList, f.threat_list, "threat_list", false);
  }
  if (!delta.empty()) GUMSHOE_RETURN_IF_ERROR(store.Apply(delta));
  return written;
}

}  // namespace gumshoe
