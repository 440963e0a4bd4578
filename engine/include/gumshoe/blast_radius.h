// Blast radius: from a finding's foothold (or any entity), what could the
// attacker reach, forward in time?
//
// Start. From a finding, the entities it names as compromised or acting: its
// `involves` edges whose counter "foothold" is 1 (the access key, principal or
// session, instance, DB user). When a finding marks none, every involved
// credential, principal, instance and DB user is a foothold. From any other
// entity, that entity. An EC2 instance foothold also makes the principal
// that launched it (in the window) a foothold (include_launchers): a
// crypto-mining finding on one instance scopes every instance its launcher
// started, in every region.
//
// Window. From a finding: its first-last seen widened by scope.finding_margin.
// From an entity: from scope.entity_lookback before its last activity to
// forward_horizon (default 7 days) after it, since the attacker's reach starts
// at the foothold's last use rather than ending there (BlastWindow). A side the
// caller gives is kept.
//
// Walk. Two phases. (1) The time-scoped neighbourhood is loaded from the
// reader, level by level up to max_depth: only edges of the reach kinds (see
// DefaultBlastRules: the edge kind, the direction walked, and which entity
// kinds walk it) that have activity in the window. An EC2 instance also walks
// the flows and DNS queries of its network interfaces (instance
// -has_interface-> eni), cited "via eni-...". IP addresses, domains, buckets,
// roles and RDS instances are leaves unless they are a foothold.
// (2) Boost.Graph breadth-first search over that neighbourhood from all
// footholds at once, keeping an edge only when it is active at or after the
// time its source was reached (forward in time): a foothold is reached at
// max(window.since, its first_seen); a neighbour at the edge's first activity
// at or after that (EdgeStats::FirstActiveAtOrAfter), which must lie in the
// window. Edges that state a fact rather than an activity (credential_of,
// assumed_role, instance_profile_role, db_user_of, session_on_instance,
// same_event) count whenever they existed by the window's end and are
// crossed at max(arrival, their first observation). BFS gives each entity its hop count, first touch time and one
// shortest explaining path whose every hop cites its evidence event.
//
// Attempts. An edge whose observations all failed (edge_text.h, IsAttempt:
// an AccessDenied StopLogging, a RunInstances over the vCPU limit, rejected
// logins and flows) is never walked: it reaches nothing and is neither
// counted nor scored. The reached principals' attempts in the window are
// listed apart (BlastRadiusResult::attempts) and named in the summary.
//
// First touch. A foothold's first touch is its first observed event in the
// window, not the window start nor a threat list's listing time.
//
// Super-nodes. Per entity, per edge kind and direction, at most max_fanout
// neighbours are loaded (most active in the window first); the rest are
// counted in a truncation "+N more <kind> via <edge> from <entity>".
//
// Score (also in the README):
//   score = kind_weight x volume x recency / hop
//   kind_weight: what the reaching edge means for the victim: 10 IAM writes
//     (created, modified), 9 data access (read, wrote, db_action), 8 new
//     credentials (minted, credential_of, authenticated_with, same_event),
//     7 compute and database access (launched, db_login, db_user_of,
//     session_on_instance), 6 permissions held (instance_profile_role,
//     assumed_role), 4 network_flow, 3 queried;
//   volume = 1 + log10(1 + observations of the reaching edge in the window);
//   recency = 0.5 + 0.5 x (first touch - window start) / window length
//     (later touches are the live exposure), 1 when the window is unbounded;
//   hop >= 1: nearer entities first. Footholds (hop 0) have score 0.
//
// Thread-safety: BlastRadius() only reads; results are plain values.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "gumshoe/model.h"
#include "gumshoe/scope.h"
#include "gumshoe/status.h"
#include "gumshoe/store.h"
#include "gumshoe/subgraph.h"

namespace gumshoe {

// One reach rule: from an entity (of `from_kinds`, empty = any non-leaf kind),
// walk edges of `kind` in direction `dir`.
struct BlastRule {
  EdgeKind kind;
  Direction dir;
  std::vector<EntityKind> from_kinds;
};
// minted, credential_of, authenticated_with, created, modified, launched,
// instance_profile_role, assumed_role, session_on_instance (instance <- its
// profile sessions), read, wrote, db_login (ip -> db_user; only logins that
// succeeded at least once), db_user_of,
// db_action, network_flow (both directions, from instances, ENIs and
// foothold IPs: connections the foothold initiated (out-edges) or accepted
// (in-edges, see model.h); only flows accepted at least once: rejected probes
// reach nothing), queried, same_event (both directions).
std::vector<BlastRule> DefaultBlastRules();
// Kinds the walk does not continue from unless they are a foothold: IP
// addresses, domains, buckets, roles, RDS instances, user agents, API calls,
// accounts, AWS services, threat lists and findings.
bool IsBlastLeafKind(EntityKind kind);
// Edges that state a fact (credential_of, assumed_role, instance_profile_role,
// db_user_of, session_on_instance, same_event): they count whenever they
// existed by the window's end, whatever their hourly activity.
bool IsBlastStructuralEdge(EdgeKind kind);
// Kinds that are a foothold when a finding marks none: credentials,
// principals, sessions, instances and DB users (see FindingFootholds).
bool IsFallbackFootholdKind(EntityKind kind);

struct BlastRadiusOptions {
  TimeWindow window;                 // sides left kNoTime are filled by BlastWindow
  ScopeOptions scope;
  // Walking forward in time: from an entity (not a finding) with no `until`
  // given, the window ends this long after the entity's last activity rather
  // than at it, so what its minted credentials, created users and launched
  // instances did afterwards is in scope. The start stays the scope default
  // (last activity - scope.entity_lookback). Negative: no end (everything
  // after the start). Findings keep their own first-last seen + margin.
  Timestamp forward_horizon = 7 * 24 * 3600;
  int max_depth = 8;                 // hops from a foothold
  std::vector<EdgeKind> edge_kinds;  // non-empty: follow only these of the default rules
  size_t max_fanout = 100;           // neighbours per (entity, edge kind, direction)
  size_t max_nodes = 20000;          // entities loaded
  bool fold_interfaces = true;       // instances walk their ENIs' flows and queries
  bool include_launchers = true;     // an instance foothold adds the principal that launched it
  // A resource start other than an instance (bucket, RDS instance, Lambda
  // function, secret, snapshot, ...: IsResourceKind) adds as footholds the principals,
  // sessions and DB users that touched it in the window with at least one
  // success (resource_touch.h; IPs and accounts are not footholds), most
  // active first, at most max_resource_touchers. The CLI and Investigate turn
  // it on; the adjacency-snapshot walk (adjacency.h) does not implement it,
  // so it is off by default.
  bool include_resource_touchers = false;
  size_t max_resource_touchers = 16;
};

// One hop of an explaining path, in the direction of the walk.
struct BlastHop {
  EntityRef from;
  EntityRef to;
  EdgeKind edge = EdgeKind::kInvolves;
  bool stored_forward = true;     // the stored edge is from -edge-> to (else to -edge-> from)
  Timestamp time = kNoTime;       // first activity at or after `from` was reached
  std::string evidence;           // event or file ref of the observation cited
  Timestamp evidence_time = kNoTime;
  std::string via;                // network interface the edge was seen on
};

struct BlastNode {
  Entity entity;
  int hop = 0;
  Timestamp first_touch = kNoTime;
  double score = 0;
  uint64_t volume = 0;            // observations of the reaching edge in the window
  bool foothold = false;
  std::vector<BlastHop> path;     // foothold -> ... -> entity; empty for a foothold
};

struct BlastTruncation {
  EntityRef at;
  EdgeKind edge = EdgeKind::kInvolves;
  Direction dir = Direction::kOut;
  size_t omitted = 0;
  EntityKind omitted_kind = EntityKind::kIpAddress;  // kind of the first omitted neighbour
  std::string note;               // "+123 more IP address via network_flow from i-0abc"
};

// A call that reached nothing: an edge of a reached principal (or of a
// foothold IP) whose observations all failed (IsAttempt, edge_text.h), active
// in the window. CloudTrail attempts are listed per API (called_api), DB and
// console sign-in attempts per target (db_login, console_login).
struct BlastAttempt {
  EntityRef actor;
  EdgeKind edge = EdgeKind::kCalledApi;
  EntityRef target;               // the API call, DB user or account
  uint64_t count = 0;             // failed observations in the window
  std::string verdict;            // "denied" (authorization errors only) or "failed"
  std::string errors;             // "AccessDenied", "Client.VcpuLimitExceeded", or ""
  Timestamp time = kNoTime;       // first observation in the window
  std::string evidence;           // its event or file ref
  std::string text;               // "denied: cloudtrail.amazonaws.com:StopLogging x1 (AccessDenied)"
  std::string sentence;           // EdgeSentence of the edge: "dev tried to call ... (denied: AccessDenied)"
};
// At most this many attempts are listed; the rest are counted.
inline constexpr size_t kMaxBlastAttempts = 200;

struct BlastRadiusResult {
  EntityRef start;
  std::optional<Entity> start_entity;      // the finding, when started from one
  TimeWindow window;
  std::vector<EntityRef> footholds;
  std::string foothold_note;               // how the footholds were chosen
  std::vector<BlastNode> nodes;            // footholds first, then by score desc, then ref
  std::vector<BlastTruncation> truncations;
  bool truncated = false;                  // max_nodes hit
  std::string summary;                     // "3 EC2 instances launched in 3 regions (...), ..."; then
                                           // "; attempts that reached nothing: denied: ... x1, ..."
  std::vector<BlastAttempt> attempts;      // by time, actor, target
  size_t attempts_omitted = 0;             // beyond kMaxBlastAttempts

  const BlastNode* Find(const EntityRef& ref) const;
  Subgraph ToSubgraph() const;
};

// The footholds a finding names (involves edges with counter foothold >= 1),
// or, when none is marked, its involved credentials/principals/instances/DB users.
// `marked` tells which rule was used.
Result<std::vector<EntityRef>> FindingFootholds(const GraphReader& reader, const EntityRef& finding, bool* marked);

// The window BlastRadius uses for `start`: ScopeWindow, then, for an entity
// (not a finding) whose `until` was not given, the end moved forward by
// options.forward_horizon. REQUIRES: `start` is stored (NotFound otherwise).
Result<TimeWindow> BlastWindow(const GraphReader& reader, const EntityRef& start, const BlastRadiusOptions& options);
// The second half of BlastWindow, for callers that computed ScopeWindow
// themselves (an AdjacencySnapshot): `scoped` is the scope window of an entity
// of `start_kind`; a non-finding whose `until` was not given ends
// options.forward_horizon later (no end when negative).
TimeWindow BlastWindowFromScope(EntityKind start_kind, const TimeWindow& scoped, const BlastRadiusOptions& options);

// REQUIRES: `start` is stored (NotFound otherwise).
Result<BlastRadiusResult> BlastRadius(const GraphReader& reader, const EntityRef& start,
                                      const BlastRadiusOptions& options);

// Pieces of BlastRadius's result shared with the adjacency-snapshot walk
// (adjacency.h), so both describe a reach the same way.
// The observation a hop crossed at `time` cites: the edge's first evidence
// when it is at or after `time` (or the last is before it), else its last.
const Evidence& BlastHopEvidence(const EdgeStats& stats, Timestamp time);
// The score formula above, rounded to 0.01; `volume` is the reaching edge's
// observations in `window`. REQUIRES: hop >= 1.
double BlastScore(EdgeKind reaching, uint64_t volume, Timestamp first_touch, const TimeWindow& window, int hop);
// BlastRadiusResult::foothold_note.
std::string BlastFootholdNote(bool from_finding, bool marked, bool plus_launchers);
// BlastTruncation::note: "+123 more IP address via network_flow from i-0abc".
std::string BlastTruncationNote(const BlastTruncation& t);

// The last step of both BlastRadius overloads, reading from `reader`: each
// foothold's first touch becomes its first observed event in the window (an
// edge of any kind but facts, threat-list listings and findings; an
// instance's ENI flows and queries count), kNoTime when it has none there;
// a node reached before its foothold's first touch (over a fact edge crossed
// at the window start) is moved to it, and its score recomputed; the
// attempts of the reached principals are collected; the summary is written.
Status FinishBlastResult(const GraphReader& reader, BlastRadiusResult& result);

// Counts per entity kind of every node (footholds included), with the edge
// that reached them when all share one and their distinct regions:
// "3 EC2 instances launched in 3 regions (ap-northeast-1, eu-west-1, us-east-1)".
// Entities reached over a network_flow in-edge (they initiated the connection
// to the foothold) are counted apart: "1 IP address that connected in";
// "contacted" is said only of those the foothold connected to.
std::string BlastSummary(const std::vector<BlastNode>& nodes);

}  // namespace gumshoe
