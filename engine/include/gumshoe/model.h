// The entity-graph model: entity kinds, edge kinds, and the values stored for
// each. Numeric values of EntityKind and EdgeKind are written to disk: never
// renumber one, only append. Names (`iam_user`, `called_from`) are what users
// type and what JSON/DOT output shows; they are stable too.
//
// Times are seconds since the Unix epoch, UTC. kNoTime marks "unknown".
// Thread-safety: plain values.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace gumshoe {

using Timestamp = int64_t;  // seconds since epoch, UTC
inline constexpr Timestamp kNoTime = std::numeric_limits<int64_t>::min();

// Entity kinds. Canonical key of each (see normalize.h for the exact rules):
enum class EntityKind : uint8_t {
  kAccount = 1,           // 12-digit account ID, or a pseudo account such as ANONYMOUS_PRINCIPAL
  kIamUser = 2,           // user ARN: arn:aws:iam::<acct>:user/<path/>name
  kIamRole = 3,           // role ARN: arn:aws:iam::<acct>:role/<path/>name
  kRoleSession = 4,       // session ARN: arn:aws:sts::<acct>:assumed-role/<role>/<session>
  kFederatedUser = 5,     // arn:aws:sts::<acct>:federated-user/<name>, or provider:subject for SAML/OIDC users
  kAccessKey = 6,         // access key ID, upper case: AKIA... (long-term), ASIA... (temporary)
  kEc2Instance = 7,       // instance ID, lower case: i-0123456789abcdef0
  kNetworkInterface = 8,  // ENI ID, lower case: eni-...
  kIpAddress = 9,         // IPv4 dotted quad, or IPv6 in RFC 5952 canonical text
  kRdsInstance = 10,      // DB instance (or cluster) identifier, lower case
  kDbUser = 11,           // <db-instance>/<user name> (user names are per instance)
  kS3Bucket = 12,         // bucket name, lower case
  kUserAgent = 13,        // the user-agent string as logged (bounded length)
  kDomain = 14,           // DNS name, lower case, without the trailing dot
  kFinding = 15,          // finding ID (GuardDuty's `id`, or a gumshoe detection ID)
  kAwsService = 16,       // service principal, lower case: ec2.amazonaws.com, "aws internal"
  kLambdaFunction = 17,   // function ARN
  kEksCluster = 18,       // cluster name or ARN
  kThreatList = 19,       // threat-intel list name: tor, or the name given with --list-name
  kIdentityProvider = 20, // SAML provider ARN or OIDC issuer
  kApiCall = 21,          // <eventSource>:<eventName>, e.g. iam.amazonaws.com:CreateUser
  kIpNetwork = 22,        // IP network in CIDR notation, canonical (host bits zero, RFC 5952 for IPv6):
                          //   203.0.113.0/24; 0.0.0.0/0 and ::/0 stand for the internet
  // Resources an attacker touches (issue 22; see ingest/src/cloudtrail/resources.h):
  kAwsResource = 23,      // any other resource: its ARN as logged (attrs type, service)
  kSecret = 24,           // Secrets Manager secret: its ARN, or the name as given (attr name)
  kSsmParameter = 25,     // arn:aws:ssm:<region>:<acct>:parameter/<name without leading slash>
  kKmsKey = 26,           // arn:aws:kms:<region>:<acct>:key/<id> (or .../alias/<name>)
  kSecurityGroup = 27,    // sg-..., lower case
  kEbsSnapshot = 28,      // snap-..., lower case
  kAmi = 29,              // ami-..., lower case
  kRdsSnapshot = 30,      // DB (cluster) snapshot identifier, lower case
  kCloudTrailTrail = 31,  // arn:aws:cloudtrail:<region>:<acct>:trail/<name>
  kFlowLog = 32,          // fl-..., lower case
  kGuardDutyDetector = 33,// detector ID as logged
  kConfigRecorder = 34,   // arn:aws:config:<region>:<acct>:config-recorder/<name>
  kSsmCommand = 35,       // SSM command ID (a UUID), lower case
  kEcsTask = 36,          // task ARN
  kEcrRepository = 37,    // arn:aws:ecr:<region>:<acct>:repository/<name>
};
inline constexpr EntityKind kAllEntityKinds[] = {
    EntityKind::kAccount,       EntityKind::kIamUser,          EntityKind::kIamRole,
    EntityKind::kRoleSession,   EntityKind::kFederatedUser,    EntityKind::kAccessKey,
    EntityKind::kEc2Instance,   EntityKind::kNetworkInterface, EntityKind::kIpAddress,
    EntityKind::kRdsInstance,   EntityKind::kDbUser,           EntityKind::kS3Bucket,
    EntityKind::kUserAgent,     EntityKind::kDomain,           EntityKind::kFinding,
    EntityKind::kAwsService,    EntityKind::kLambdaFunction,   EntityKind::kEksCluster,
    EntityKind::kThreatList,    EntityKind::kIdentityProvider, EntityKind::kApiCall,
    EntityKind::kIpNetwork,     EntityKind::kAwsResource,      EntityKind::kSecret,
    EntityKind::kSsmParameter,  EntityKind::kKmsKey,           EntityKind::kSecurityGroup,
    EntityKind::kEbsSnapshot,   EntityKind::kAmi,              EntityKind::kRdsSnapshot,
    EntityKind::kCloudTrailTrail, EntityKind::kFlowLog,        EntityKind::kGuardDutyDetector,
    EntityKind::kConfigRecorder, EntityKind::kSsmCommand,      EntityKind::kEcsTask,
    EntityKind::kEcrRepository};

// Edge kinds. Every edge is directed src -> dst; the meaning of each:
enum class EdgeKind : uint8_t {
  kAssumedRole = 1,        // role_session -> iam_role: the session is of this role (sessionIssuer)
  kMinted = 2,             // caller credential (key/session/principal) -> minted access key
                           //   (AssumeRole*, GetSessionToken, GetFederationToken)
  kAuthenticatedWith = 3,  // principal or session -> access key it signed calls with
  kCalledFrom = 4,         // actor -> ip_address or aws_service the calls came from
  kUsedAgent = 5,          // actor -> user_agent
  kCreated = 6,            // actor -> IAM entity or key it created (CreateUser, CreateAccessKey, ...)
  kModified = 7,           // actor -> entity whose permissions/config it changed (policies, ACLs, trails)
  kLaunched = 8,           // actor -> ec2_instance it launched (RunInstances)
  kInstanceProfileRole = 9,// ec2_instance -> iam_role of its instance profile
  kRead = 10,              // actor or ip -> s3_bucket it read (GetObject, ListObjects, ...)
  kWrote = 11,             // actor or ip -> s3_bucket it wrote (PutObject, DeleteObject, ...)
  kNetworkFlow = 12,       // VPC flow: the side that initiated the connection -> the side that accepted
                           //   it; one end is the log's local side (ec2_instance/network_interface/ip),
                           //   the other a remote ip_address. local -> remote: the local side connected
                           //   out ("contacted"); remote -> local: the remote side connected in
                           //   ("connected from"). ip_network 0.0.0.0/0 or ::/0 -> local: folded
                           //   rejected inbound internet probes. bytes_out/packets_out: sent by the
                           //   source (initiator). See ingest/src/vpc_flow/vpc_flow.cc.
  kQueried = 13,           // ec2_instance or ip -> domain it asked the resolver for
  kResolvedTo = 14,        // domain -> ip_address in the answer
  kDbLogin = 15,           // ip_address -> db_user: login attempts (success and failure counts), or
                           //   -> rds_instance: connections that named no user (counter probe)
  kDbUserOf = 16,          // db_user -> rds_instance
  kInvolves = 17,          // finding -> any entity the finding names
  kInAccount = 18,         // entity -> account that owns it
  kHasInterface = 19,      // ec2_instance -> network_interface
  kAssignedIp = 20,        // network_interface or ec2_instance -> ip_address it holds
  kCredentialOf = 21,      // access key -> the principal or session it belongs to
  kDeleted = 22,           // actor -> entity it deleted or deactivated (DeleteAccessKey, DeleteUser, ...)
  kCalledApi = 23,         // actor -> api_call (per-API success/failure, hourly)
  kListedIn = 24,          // ip_address -> threat_list, hourly buckets cover the listed times
  kFederatedBy = 25,       // role_session/federated_user -> identity_provider that vouched for it
  kDbAction = 26,          // db_user -> entity its statements changed (CREATE USER, GRANT, ...)
  kConsoleLogin = 27,      // principal -> account it signed in to (success/failure, MFA counters)
  kSessionOnInstance = 28, // role_session -> ec2_instance whose profile it is (session name = instance ID)
  kSameEvent = 29,         // role_session/key -> counterpart in another account (sharedEventID)
  // Resources (issue 22). read/wrote/created/deleted/modified above also go from
  // an actor to these kinds; only successful calls make them (failed: attempted).
  kSharedWith = 30,        // snapshot/AMI/bucket/secret/key/function -> account it was shared with
                           //   (account "all": public); counters add/remove, by event
  kUnshared = 31,          // resource -> account whose share was removed (time: the removal)
  kOpenedTo = 32,          // security_group -> ip_network a rule allows (counters "tcp/22-22", ingress/egress)
  kClosedTo = 33,          // security_group -> ip_network whose rule was revoked
  kGuards = 34,            // security_group -> ec2_instance launched in it (RunInstances)
  kCodeChanged = 35,       // actor -> lambda_function whose code, layers or configuration it changed
  kInvoked = 36,           // actor -> lambda_function it invoked
  kRunsAs = 37,            // lambda_function/ecs_task -> iam_role it runs as (execution / task role)
  kUsedKey = 38,           // actor -> kms_key it decrypted or generated data keys with
  kGrantedTo = 39,         // kms_key -> principal or account a grant or key policy gives use of it
  kDisabled = 40,          // actor -> trail/flow_log/detector/recorder/kms_key it stopped, deleted,
                           //   disabled or narrowed: evidence missing from this time on
  kEnabled = 41,           // actor -> trail/recorder/detector it started again (end of a gap)
  kExecutedOn = 42,        // ssm_command (SendCommand) or actor (StartSession) -> ec2_instance
  kRan = 43,               // actor -> ecs_task it started (RunTask)
  kPulled = 44,            // actor -> ecr_repository it pulled an image from
  kPushed = 45,            // actor -> ecr_repository it pushed an image to
  kAttempted = 46,         // actor -> resource of the kinds above: calls that failed (op:, error: counters)
  kDescribed = 47,         // actor -> resource whose metadata it only looked at (Describe*, List*, ...)
  kPolicyAttached = 48,    // IAM user/role (account: a group) -> managed policy (aws_resource) attached to it;
                           //   counters attach/detach by event name
  kSessionOfFunction = 49, // role_session -> lambda_function Lambda minted it for (AssumeRole by
                           //   lambda.amazonaws.com, the session named after the function)
};
inline constexpr EdgeKind kAllEdgeKinds[] = {
    EdgeKind::kAssumedRole,  EdgeKind::kMinted,        EdgeKind::kAuthenticatedWith,
    EdgeKind::kCalledFrom,   EdgeKind::kUsedAgent,     EdgeKind::kCreated,
    EdgeKind::kModified,     EdgeKind::kLaunched,      EdgeKind::kInstanceProfileRole,
    EdgeKind::kRead,         EdgeKind::kWrote,         EdgeKind::kNetworkFlow,
    EdgeKind::kQueried,      EdgeKind::kResolvedTo,    EdgeKind::kDbLogin,
    EdgeKind::kDbUserOf,     EdgeKind::kInvolves,      EdgeKind::kInAccount,
    EdgeKind::kHasInterface, EdgeKind::kAssignedIp,    EdgeKind::kCredentialOf,
    EdgeKind::kDeleted,      EdgeKind::kCalledApi,     EdgeKind::kListedIn,
    EdgeKind::kFederatedBy,  EdgeKind::kDbAction,      EdgeKind::kConsoleLogin,
    EdgeKind::kSessionOnInstance, EdgeKind::kSameEvent, EdgeKind::kSharedWith,
    EdgeKind::kUnshared,     EdgeKind::kOpenedTo,      EdgeKind::kClosedTo,
    EdgeKind::kGuards,       EdgeKind::kCodeChanged,   EdgeKind::kInvoked,
    EdgeKind::kRunsAs,       EdgeKind::kUsedKey,       EdgeKind::kGrantedTo,
    EdgeKind::kDisabled,     EdgeKind::kEnabled,       EdgeKind::kExecutedOn,
    EdgeKind::kRan,          EdgeKind::kPulled,        EdgeKind::kPushed,
    EdgeKind::kAttempted,    EdgeKind::kDescribed,     EdgeKind::kPolicyAttached,
    EdgeKind::kSessionOfFunction};

std::string_view EntityKindName(EntityKind kind);   // "iam_user"
std::string_view EntityKindLabel(EntityKind kind);  // "IAM user"
std::optional<EntityKind> ParseEntityKind(std::string_view name);
std::string_view EdgeKindName(EdgeKind kind);        // "called_from"
std::string_view EdgeKindMeaning(EdgeKind kind);     // one line, for --help and README
std::optional<EdgeKind> ParseEdgeKind(std::string_view name);

// An entity's identity inside one store: its kind and a keyed 64-bit hash of
// its canonical key. Fixed-width on disk: kind byte + big-endian hash.
struct EntityId {
  EntityKind kind = EntityKind::kAccount;
  uint64_t hash = 0;
  friend bool operator==(const EntityId& a, const EntityId& b) { return a.kind == b.kind && a.hash == b.hash; }
  friend bool operator!=(const EntityId& a, const EntityId& b) { return !(a == b); }
  friend bool operator<(const EntityId& a, const EntityId& b) {
    return a.kind != b.kind ? a.kind < b.kind : a.hash < b.hash;
  }
};
struct EntityIdHash {
  size_t operator()(const EntityId& id) const { return static_cast<size_t>(id.hash ^ (uint64_t(id.kind) << 56)); }
};

// An entity named by kind and canonical key: what ingestors emit and users type.
struct EntityRef {
  EntityKind kind = EntityKind::kAccount;
  std::string key;
  friend bool operator==(const EntityRef& a, const EntityRef& b) { return a.kind == b.kind && a.key == b.key; }
  friend bool operator<(const EntityRef& a, const EntityRef& b) {
    return a.kind != b.kind ? a.kind < b.kind : a.key < b.key;
  }
};
std::string FormatRef(const EntityRef& ref);  // "iam_user:arn:aws:iam::1:user/x"

// An attribute value and the time it was observed; the newest observation wins
// when two disagree (ties: the larger value), so merge order never matters.
struct AttrValue {
  std::string value;
  Timestamp observed = kNoTime;
  friend bool operator==(const AttrValue&, const AttrValue&) = default;
};

struct Entity {
  EntityKind kind = EntityKind::kAccount;
  std::string key;
  Timestamp first_seen = kNoTime;
  Timestamp last_seen = kNoTime;
  std::map<std::string, AttrValue> attrs;  // typed by convention: "account", "region", "ip_class", ...
  std::set<std::string> tags;              // "tor_exit", "public", "aws", ...
  EntityRef ref() const { return EntityRef{kind, key}; }
  const std::string* Attr(std::string_view name) const;
  friend bool operator==(const Entity&, const Entity&) = default;
};

// Where an observation came from: a source event ID ("cloudtrail:<eventID>")
// or a file position ("flows.log:42").
struct Evidence {
  Timestamp time = kNoTime;
  std::string ref;
  friend bool operator==(const Evidence&, const Evidence&) = default;
};

// Aggregated statistics of one edge. Merging two EdgeStats is associative and
// commutative (see MergeEdgeStats), which is what makes ingest idempotent under
// any batching and lets RocksDB merge them without read-modify-write.
struct EdgeStats {
  uint64_t count = 0;
  uint64_t success = 0;
  uint64_t failure = 0;
  Timestamp first_seen = kNoTime;
  Timestamp last_seen = kNoTime;
  Evidence first_evidence;
  Evidence last_evidence;
  std::map<uint32_t, uint64_t> hourly;      // hour since epoch -> observations
  std::map<std::string, int64_t> counters;  // bytes_out, packets_in, "dport:00443", "op:GetObject", ...

  // Observations whose hour lies in [since, until] (inclusive of partial hours).
  // kNoTime on either side means unbounded.
  uint64_t CountInWindow(Timestamp since, Timestamp until) const;
  // The first hour start >= since with observations, or kNoTime.
  Timestamp FirstActiveAtOrAfter(Timestamp since) const;
  friend bool operator==(const EdgeStats&, const EdgeStats&) = default;
};

// Counters map limits: at most this many keys are kept. Fixed counters (names
// without ':', such as bytes_out) are always kept; of the keyed families
// (names with ':', such as "dport:00443") the lexicographically smallest are
// kept (that rule keeps merging associative) and the rest are summed into
// "overflow". Attacker-influenced text only ever goes after a ':'.
inline constexpr size_t kMaxEdgeCounters = 96;

struct Edge {
  EntityId src;
  EdgeKind kind = EdgeKind::kAssumedRole;
  EntityId dst;
  EdgeStats stats;
};

enum class Direction : uint8_t { kOut = 0, kIn = 1 };

// Folds `from` into `into` (counts add, first/last take the extremes and their
// evidence, buckets and counters add).
void MergeEdgeStats(EdgeStats& into, const EdgeStats& from);
// Folds `from` into `into`: first/last extremes, attrs newest-wins, tags union.
// REQUIRES: same kind and key.
void MergeEntity(Entity& into, const Entity& from);
// The same results as merging a one-observation EdgeStats (count `weight`,
// success/failure by the sign of `outcome`, first/last seen and evidence at
// `time`, one hourly bucket) or a one-attribute Entity, without building one:
// the ingest hot path.
void ObserveEdge(EdgeStats& into, Timestamp time, int outcome, std::string_view evidence, uint64_t weight);
// ObserveEdge without the hourly bucket, for callers that keep their own
// pointer to the bucket; HourOf gives the bucket (nullopt: none).
void ObserveEdgeTotals(EdgeStats& into, Timestamp time, int outcome, std::string_view evidence, uint64_t weight);
inline std::optional<uint32_t> HourOf(Timestamp time) {
  if (time == kNoTime || time < 0) return std::nullopt;
  return static_cast<uint32_t>(time / 3600);
}
// Returns whether a new attribute name was added.
bool ObserveAttr(Entity& into, std::string_view name, std::string_view value, Timestamp observed);

// A half-open time window; kNoTime on either side means unbounded.
struct TimeWindow {
  Timestamp since = kNoTime;
  Timestamp until = kNoTime;
  bool Contains(Timestamp t) const {
    return (since == kNoTime || t >= since) && (until == kNoTime || t <= until);
  }
  bool unbounded() const { return since == kNoTime && until == kNoTime; }
};

}  // namespace gumshoe
