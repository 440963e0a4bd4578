#include "gumshoe/model.h"

#include "gumshoe/edge_counters.h"

#include <algorithm>
#include <limits>
#include <set>
#include <string>
#include <vector>

namespace gumshoe {
namespace {

struct KindInfo {
  EntityKind kind;
  std::string_view name;
  std::string_view label;
};
constexpr KindInfo kKindInfo[] = {
    {EntityKind::kAccount, "account", "account"},
    {EntityKind::kIamUser, "iam_user", "IAM user"},
    {EntityKind::kIamRole, "iam_role", "IAM role"},
    {EntityKind::kRoleSession, "role_session", "role session"},
    {EntityKind::kFederatedUser, "federated_user", "federated user"},
    {EntityKind::kAccessKey, "access_key", "access key"},
    {EntityKind::kEc2Instance, "ec2_instance", "EC2 instance"},
    {EntityKind::kNetworkInterface, "network_interface", "network interface"},
    {EntityKind::kIpAddress, "ip_address", "IP address"},
    {EntityKind::kRdsInstance, "rds_instance", "RDS instance"},
    {EntityKind::kDbUser, "db_user", "DB user"},
    {EntityKind::kS3Bucket, "s3_bucket", "S3 bucket"},
    {EntityKind::kUserAgent, "user_agent", "user agent"},
    {EntityKind::kDomain, "domain", "domain"},
    {EntityKind::kFinding, "finding", "finding"},
    {EntityKind::kAwsService, "aws_service", "AWS service"},
    {EntityKind::kLambdaFunction, "lambda_function", "Lambda function"},
    {EntityKind::kEksCluster, "eks_cluster", "EKS cluster"},
    {EntityKind::kThreatList, "threat_list", "threat list"},
    {EntityKind::kIdentityProvider, "identity_provider", "identity provider"},
    {EntityKind::kApiCall, "api_call", "API call"},
    {EntityKind::kIpNetwork, "ip_network", "IP network"},
    {EntityKind::kAwsResource, "aws_resource", "AWS resource"},
    {EntityKind::kSecret, "secret", "secret"},
    {EntityKind::kSsmParameter, "ssm_parameter", "SSM parameter"},
    {EntityKind::kKmsKey, "kms_key", "KMS key"},
    {EntityKind::kSecurityGroup, "security_group", "security group"},
    {EntityKind::kEbsSnapshot, "ebs_snapshot", "EBS snapshot"},
    {EntityKind::kAmi, "ami", "AMI"},
    {EntityKind::kRdsSnapshot, "rds_snapshot", "RDS snapshot"},
    {EntityKind::kCloudTrailTrail, "cloudtrail_trail", "CloudTrail trail"},
    {EntityKind::kFlowLog, "flow_log", "flow log"},
    {EntityKind::kGuardDutyDetector, "guardduty_detector", "GuardDuty detector"},
    {EntityKind::kConfigRecorder, "config_recorder", "Config recorder"},
    {EntityKind::kSsmCommand, "ssm_command", "SSM command"},
    {EntityKind::kEcsTask, "ecs_task", "ECS task"},
    {EntityKind::kEcrRepository, "ecr_repository", "ECR repository"},
};

struct EdgeInfo {
  EdgeKind kind;
  std::string_view name;
  std::string_view meaning;
};
constexpr EdgeInfo kEdgeInfo[] = {
    {EdgeKind::kAssumedRole, "assumed_role", "role session -> the IAM role it is a session of"},
    {EdgeKind::kMinted, "minted", "caller credential -> temporary key it minted (AssumeRole*, GetSessionToken, GetFederationToken)"},
    {EdgeKind::kAuthenticatedWith, "authenticated_with", "principal or session -> access key that signed its calls"},
    {EdgeKind::kCalledFrom, "called_from", "actor -> IP address or AWS service its calls came from"},
    {EdgeKind::kUsedAgent, "used_agent", "actor -> user agent it sent"},
    {EdgeKind::kCreated, "created", "actor -> IAM user, role, key or login profile it created"},
    {EdgeKind::kModified, "modified", "actor -> entity whose policy, ACL or configuration it changed"},
    {EdgeKind::kLaunched, "launched", "actor -> EC2 instance it launched"},
    {EdgeKind::kInstanceProfileRole, "instance_profile_role", "EC2 instance -> role of its instance profile"},
    {EdgeKind::kRead, "read", "actor or IP -> S3 bucket it read from"},
    {EdgeKind::kWrote, "wrote", "actor or IP -> S3 bucket it wrote to or deleted from"},
    {EdgeKind::kNetworkFlow, "network_flow", "who connected -> to whom: instance, interface or IP -> remote IP it connected to, or remote IP -> instance, interface or IP it connected to (0.0.0.0/0: folded rejected probes)"},
    {EdgeKind::kQueried, "queried", "instance or IP -> domain it looked up"},
    {EdgeKind::kResolvedTo, "resolved_to", "domain -> IP address in a DNS answer"},
    {EdgeKind::kDbLogin, "db_login", "IP address -> DB user it tried to log in as (success/failure counts), or -> RDS instance it connected to without naming a user (probe)"},
    {EdgeKind::kDbUserOf, "db_user_of", "DB user -> RDS instance it belongs to"},
    {EdgeKind::kInvolves, "involves", "finding -> entity the finding names"},
    {EdgeKind::kInAccount, "in_account", "entity -> account that owns it"},
    {EdgeKind::kHasInterface, "has_interface", "EC2 instance -> network interface attached to it"},
    {EdgeKind::kAssignedIp, "assigned_ip", "network interface or instance -> IP address it holds"},
    {EdgeKind::kCredentialOf, "credential_of", "access key -> the user, role session or federated user it belongs to"},
    {EdgeKind::kDeleted, "deleted", "actor -> entity it deleted or deactivated"},
    {EdgeKind::kCalledApi, "called_api", "actor -> API it called (success/failure per hour)"},
    {EdgeKind::kListedIn, "listed_in", "IP address -> threat list naming it (hours it was listed)"},
    {EdgeKind::kFederatedBy, "federated_by", "session or federated user -> identity provider that vouched for it"},
    {EdgeKind::kDbAction, "db_action", "DB user -> entity its statements created or changed"},
    {EdgeKind::kConsoleLogin, "console_login", "principal -> account it signed in to the console of"},
    {EdgeKind::kSessionOnInstance, "session_on_instance", "instance-profile role session -> the EC2 instance it belongs to"},
    {EdgeKind::kSameEvent, "same_event", "entity -> its counterpart in another account's copy of one event (sharedEventID)"},
    {EdgeKind::kSharedWith, "shared_with", "snapshot, AMI, bucket, secret, key or function -> account it was shared with (account all: public)"},
    {EdgeKind::kUnshared, "unshared", "resource -> account whose share was removed"},
    {EdgeKind::kOpenedTo, "opened_to", "security group -> IP network a rule it was given allows (protocol/port range counters)"},
    {EdgeKind::kClosedTo, "closed_to", "security group -> IP network whose rule was revoked"},
    {EdgeKind::kGuards, "guards", "security group -> EC2 instance launched in it"},
    {EdgeKind::kCodeChanged, "code_changed", "actor -> Lambda function whose code, layers or configuration it changed"},
    {EdgeKind::kInvoked, "invoked", "actor -> Lambda function it invoked"},
    {EdgeKind::kRunsAs, "runs_as", "Lambda function or ECS task -> IAM role it runs as"},
    {EdgeKind::kUsedKey, "used_key", "actor -> KMS key it decrypted or generated data keys with"},
    {EdgeKind::kGrantedTo, "granted_to", "KMS key -> principal or account a grant or key policy lets use it"},
    {EdgeKind::kDisabled, "disabled", "actor -> trail, flow log, detector, recorder or KMS key it stopped, deleted, disabled or narrowed"},
    {EdgeKind::kEnabled, "enabled", "actor -> trail, recorder or detector it started again"},
    {EdgeKind::kExecutedOn, "executed_on", "SSM command, or the actor of an SSM session -> EC2 instance it ran on"},
    {EdgeKind::kRan, "ran", "actor -> ECS task it started"},
    {EdgeKind::kPulled, "pulled", "actor -> ECR repository it pulled an image from"},
    {EdgeKind::kPushed, "pushed", "actor -> ECR repository it pushed an image to"},
    {EdgeKind::kAttempted, "attempted", "actor -> resource it called an API on that failed (an attempt: reaches nothing)"},
    {EdgeKind::kDescribed, "described", "actor -> resource whose metadata it only looked at (Describe*, List*, Get*Policy, ...)"},
    {EdgeKind::kPolicyAttached, "policy_attached", "IAM user or role (account: a group) -> managed policy attached to or detached from it"},
    {EdgeKind::kSessionOfFunction, "session_of_function", "role session -> the Lambda function Lambda minted it for"},
};

}  // namespace

std::string_view EntityKindName(EntityKind kind) {
  for (const auto& k : kKindInfo)
    if (k.kind == kind) return k.name;
  return "unknown";
}
std::string_view EntityKindLabel(EntityKind kind) {
  for (const auto& k : kKindInfo)
    if (k.kind == kind) return k.label;
  return "unknown";
}
std::optional<EntityKind> ParseEntityKind(std::string_view name) {
  for (const auto& k : kKindInfo)
    if (k.name == name) return k.kind;
  return std::nullopt;
}
std::string_view EdgeKindName(EdgeKind kind) {
  for (const auto& e : kEdgeInfo)
    if (e.kind == kind) return e.name;
  return "unknown";
}
std::string_view EdgeKindMeaning(EdgeKind kind) {
  for (const auto& e : kEdgeInfo)
    if (e.kind == kind) return e.meaning;
  return "";
}
std::optional<EdgeKind> ParseEdgeKind(std::string_view name) {
  for (const auto& e : kEdgeInfo)
    if (e.name == name) return e.kind;
  return std::nullopt;
}

std::string FormatRef(const EntityRef& ref) {
  std::string out(EntityKindName(ref.kind));
  out += ':';
  out += ref.key;
  return out;
}

const std::string* Entity::Attr(std::string_view name) const {
  auto it = attrs.find(std::string(name));
  return it == attrs.end() ? nullptr : &it->second.value;
}

namespace {
Timestamp MinTime(Timestamp a, Timestamp b) {
  if (a == kNoTime) return b;
  if (b == kNoTime) return a;
  return std::min(a, b);
}
Timestamp MaxTime(Timestamp a, Timestamp b) {
  if (a == kNoTime) return b;
  if (b == kNoTime) return a;
  return std::max(a, b);
}
// A total order, so merge order (thread timing, file order) never matters:
// a timed evidence beats an untimed one; then the earlier (first) or later
// (last) time wins; equal times (both untimed included) go to the smaller
// (first) or larger (last) ref.
bool BeatsFirst(Timestamp time, std::string_view ref, const Evidence& cur) {
  if (cur.time == kNoTime && cur.ref.empty()) return true;
  if (time == cur.time) return ref < cur.ref;
  if (time == kNoTime) return false;
  return cur.time == kNoTime || time < cur.time;
}
bool BeatsLast(Timestamp time, std::string_view ref, const Evidence& cur) {
  if (cur.time == kNoTime && cur.ref.empty()) return true;
  if (time == cur.time) return ref > cur.ref;
  if (time == kNoTime) return false;
  return cur.time == kNoTime || time > cur.time;
}
void TakeFirst(Evidence& into, const Evidence& from) {
  if (from.time == kNoTime && from.ref.empty()) return;
  if (BeatsFirst(from.time, from.ref, into)) into = from;
}
void TakeLast(Evidence& into, const Evidence& from) {
  if (from.time == kNoTime && from.ref.empty()) return;
  if (BeatsLast(from.time, from.ref, into)) into = from;
}
// Counters hold sums of counts taken from input: saturate, never overflow.
int64_t SaturatingAdd(int64_t a, int64_t b) {
  int64_t sum = 0;
  if (!__builtin_add_overflow(a, b, &sum)) return sum;
  return b > 0 ? std::numeric_limits<int64_t>::max() : std::numeric_limits<int64_t>::min();
}
bool IsObjectCounter(std::string_view name) {
  return name.starts_with(kObjectCallsPrefix) || name.starts_with(kObjectBytesPrefix);
}

// Keeps the kMaxObjectKeys smallest object keys (by name, over both object
// families) and folds the calls and bytes of the others into the
// object_overflow_* counters. The kept set is the smallest keys of the union
// of all merged inputs whatever the order: a key dropped by one merge had
// kMaxObjectKeys smaller keys beside it, and those stay. Returns the number
// of object counters left.
size_t CapObjectCounters(std::map<std::string, int64_t>& c) {
  auto calls_begin = c.lower_bound(std::string(kObjectCallsPrefix));
  auto bytes_begin = c.lower_bound(std::string(kObjectBytesPrefix));
  auto in_family = [&](std::map<std::string, int64_t>::iterator it, std::string_view prefix) {
    return it != c.end() && std::string_view(it->first).starts_with(prefix);
  };
  size_t n_calls = 0, n_bytes = 0;
  for (auto it = calls_begin; in_family(it, kObjectCallsPrefix); ++it) ++n_calls;
  for (auto it = bytes_begin; in_family(it, kObjectBytesPrefix); ++it) ++n_bytes;
  if (n_calls <= kMaxObjectKeys && n_bytes <= kMaxObjectKeys) {
    // Both families fit; the union may still not.
    if (n_calls + n_bytes <= kMaxObjectKeys) return n_calls + n_bytes;
  }
  std::set<std::string_view> keys;
  for (auto it = calls_begin; in_family(it, kObjectCallsPrefix); ++it)
    keys.insert(std::string_view(it->first).substr(kObjectCallsPrefix.size()));
  for (auto it = bytes_begin; in_family(it, kObjectBytesPrefix); ++it)
    keys.insert(std::string_view(it->first).substr(kObjectBytesPrefix.size()));
  if (keys.size() <= kMaxObjectKeys) return n_calls + n_bytes;
  std::vector<std::string> drop;
  size_t k = 0;
  for (std::string_view key : keys)
    if (k++ >= kMaxObjectKeys) drop.emplace_back(key);
  int64_t over_calls = 0, over_bytes = 0;
  for (const std::string& key : drop) {
    if (auto it = c.find(std::string(kObjectCallsPrefix) + key); it != c.end()) {
      over_calls = SaturatingAdd(over_calls, it->second);
      c.erase(it);
      --n_calls;
    }
    if (auto it = c.find(std::string(kObjectBytesPrefix) + key); it != c.end()) {
      over_bytes = SaturatingAdd(over_bytes, it->second);
      c.erase(it);
      --n_bytes;
    }
  }
  if (over_calls != 0) {
    int64_t& v = c[std::string(kObjectOverflowCalls)];
    v = SaturatingAdd(v, over_calls);
  }
  if (over_bytes != 0) {
    int64_t& v = c[std::string(kObjectOverflowBytes)];
    v = SaturatingAdd(v, over_bytes);
  }
  return n_calls + n_bytes;
}
}  // namespace

void MergeEdgeStats(EdgeStats& into, const EdgeStats& from) {
  into.count += from.count;
  into.success += from.success;
  into.failure += from.failure;
  into.first_seen = MinTime(into.first_seen, from.first_seen);
  into.last_seen = MaxTime(into.last_seen, from.last_seen);
  TakeFirst(into.first_evidence, from.first_evidence);
  TakeLast(into.last_evidence, from.last_evidence);
  for (const auto& [hour, n] : from.hourly) into.hourly[hour] += n;
  for (const auto& [name, n] : from.counters) into.counters[name] = SaturatingAdd(into.counters[name], n);
  const size_t objects = CapObjectCounters(into.counters);
  if (into.counters.size() - objects > kMaxEdgeCounters) {
    // Fixed counters (names without ':') are always kept. Of the keyed
    // families ("dport:00443", "op:GetObject") the smallest keys are kept and
    // the rest fold into "overflow": the kept set is then the same whatever
    // the merge order, because fixed counters only ever accumulate. Object
    // counters have their own bound (CapObjectCounters) and are left alone.
    int64_t overflow = 0;
    if (auto ov = into.counters.find("overflow"); ov != into.counters.end()) {
      overflow = ov->second;
      into.counters.erase(ov);
    }
    size_t fixed = 0;
    for (const auto& [name, n] : into.counters) fixed += name.find(':') == std::string::npos;
    size_t keyed_room = kMaxEdgeCounters - 1 > fixed ? kMaxEdgeCounters - 1 - fixed : 0;
    size_t kept_keyed = 0;
    for (auto it = into.counters.begin(); it != into.counters.end();) {
      if (it->first.find(':') == std::string::npos || IsObjectCounter(it->first) || kept_keyed++ < keyed_room) {
        ++it;
      } else {
        overflow = SaturatingAdd(overflow, it->second);
        it = into.counters.erase(it);
      }
    }
    into.counters["overflow"] = overflow;
  }
}

void MergeEntity(Entity& into, const Entity& from) {
  into.first_seen = MinTime(into.first_seen, from.first_seen);
  into.last_seen = MaxTime(into.last_seen, from.last_seen);
  for (const auto& [name, v] : from.attrs) {
    auto it = into.attrs.find(name);
    if (it == into.attrs.end()) {
      into.attrs.emplace(name, v);
    } else {
      AttrValue& cur = it->second;
      bool newer = cur.observed == kNoTime ? v.observed != kNoTime || v.value > cur.value
                   : v.observed == kNoTime ? false
                   : v.observed > cur.observed || (v.observed == cur.observed && v.value > cur.value);
      if (newer) cur = v;
    }
  }
  into.tags.insert(from.tags.begin(), from.tags.end());
}

void ObserveEdge(EdgeStats& into, Timestamp time, int outcome, std::string_view evidence, uint64_t weight) {
  ObserveEdgeTotals(into, time, outcome, evidence, weight);
  if (std::optional<uint32_t> hour = HourOf(time)) into.hourly[*hour] += weight;
}

void ObserveEdgeTotals(EdgeStats& into, Timestamp time, int outcome, std::string_view evidence, uint64_t weight) {
  into.count += weight;
  if (outcome > 0) into.success += weight;
  if (outcome < 0) into.failure += weight;
  into.first_seen = MinTime(into.first_seen, time);
  into.last_seen = MaxTime(into.last_seen, time);
  // TakeFirst / TakeLast with from = Evidence{time, evidence}.
  if (time != kNoTime || !evidence.empty()) {
    Evidence& first = into.first_evidence;
    if (BeatsFirst(time, evidence, first)) {
      first.time = time;
      first.ref.assign(evidence);
    }
    Evidence& last = into.last_evidence;
    if (BeatsLast(time, evidence, last)) {
      last.time = time;
      last.ref.assign(evidence);
    }
  }
}

bool ObserveAttr(Entity& into, std::string_view name, std::string_view value, Timestamp observed) {
  std::string key(name);  // attribute names are short: no allocation
  auto it = into.attrs.find(key);
  if (it == into.attrs.end()) {
    into.attrs.emplace(std::move(key), AttrValue{std::string(value), observed});
    return true;
  }
  AttrValue& cur = it->second;
  bool newer = cur.observed == kNoTime ? observed != kNoTime || value > cur.value
               : observed == kNoTime   ? false
                                       : observed > cur.observed || (observed == cur.observed && value > cur.value);
  if (newer) {
    cur.value.assign(value);
    cur.observed = observed;
  }
  return false;
}

uint64_t EdgeStats::CountInWindow(Timestamp since, Timestamp until) const {
  if (since == kNoTime && until == kNoTime) return count;
  auto lo = since == kNoTime ? hourly.begin() : hourly.lower_bound(static_cast<uint32_t>(std::max<Timestamp>(0, since) / 3600));
  uint64_t n = 0;
  for (auto it = lo; it != hourly.end(); ++it) {
    if (until != kNoTime && static_cast<Timestamp>(it->first) * 3600 > until) break;
    n += it->second;
  }
  return n;
}

Timestamp EdgeStats::FirstActiveAtOrAfter(Timestamp since) const {
  if (hourly.empty()) return first_seen != kNoTime && (since == kNoTime || first_seen >= since) ? first_seen : kNoTime;
  auto it = since == kNoTime ? hourly.begin() : hourly.lower_bound(static_cast<uint32_t>(std::max<Timestamp>(0, since) / 3600));
  if (it == hourly.end()) return kNoTime;
  Timestamp t = static_cast<Timestamp>(it->first) * 3600;
  if (first_seen != kNoTime && first_seen > t) t = first_seen;
  if (since != kNoTime && t < since) t = since;
  return t;
}

}  // namespace gumshoe
