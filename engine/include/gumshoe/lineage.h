// Credential lineage: where did this credential come from, and what came from it.
//
// Backward mode walks from a key, session, user, role, federated user or
// instance to the root of trust through the edges CloudTrail ingest writes:
//   ASIA key   <-minted-      caller credential (key, session, service, account)
//   key        <-created-     principal that ran CreateAccessKey
//   key        -credential_of-> owner (a long-term key's user; a session)
//   session    <-credential_of- its keys; -session_on_instance-> ec2_instance;
//              -assumed_role-> iam_role (context: the role is not a root)
// A temporary key always names its role session, minted or not; a session
// reached from a key whose minting was seen is context, not a root.
//   instance   <-launched-    principal that ran RunInstances
//   user/role  <-created-     principal that created it
//   session/federated user -federated_by-> identity_provider
// Roots: the long-term key of an IAM user, the root account, an identity
// provider, an AWS service (an instance profile continues to the instance and
// whoever launched it), a principal of another account, or "origin not
// observed" with the earliest use seen. Several candidate parents are all
// kept, nearest in time to the child's first use first. Cycles are cut, depth
// and size are bounded.
//
// Forward mode (descendants) lists every credential minted or created
// downstream of the entity (keys, sessions, users, roles, instances).
// From an access key (long-term or temporary) that is everything minted,
// created or launched by calls signed with it. Mints are stored on the key
// itself; CreateUser, CreateAccessKey, CreateRole and RunInstances are stored
// on the principal or session that made the call (the key's credential_of
// owner), so they are attributed to the key by time:
//   - the key's active time is its owner's authenticated_with edge to it:
//     from its first to its last observation, and only in the hours that
//     edge has observations in (every call signed with the key is one);
//   - an owner's created/launched edge with at least one successful
//     observation belongs to the key when its first or last evidence time
//     (else its first or last seen) lies in that active time;
//   - when several keys of the owner were active at that time, the keys that
//     called from the creating call's source IP (src_ip counter, the key's
//     called_from edge in that hour) win; when that still leaves several, the
//     child is listed under each and the link's note says which keys were in
//     use (never silently given to one).
// A key of principal P never inherits a creation made while only P's other
// keys were in use. The session or user a temporary key belongs to is listed
// as the key's child (the identity the mint produced) but not walked further
// from there: its other keys are not the key's descendants.
//
// Console sessions: a temporary key an IAM user (or root) signed calls with,
// not minted by any observed call, is a console session when its calls say so
// (sessionCredentialFromConsole, stored as the key's attr console_session) or
// when a successful ConsoleLogin of that user lies within 5 minutes of the
// session's creationDate (attr session_created). Its root is that ConsoleLogin
// (LineageRoot::kConsoleLogin on the user): time, source IP, MFA yes/no and
// event ID, read from the console_login edge's "login:" counters (see the
// CloudTrail ingestor), or the edge's first/last evidence when the counters
// were capped.
//
// Flags: instance-profile / service-role credentials used from an IP outside
// AWS (authority: AWS ip-ranges.json when it was ingested, otherwise the weaker
// "IP other than the credential's first use", and the result says which), and
// a credential used after the principal or key that created it was deleted or
// deactivated.
//
// AWS ip-ranges live in the graph as attributes of one entity,
// aws_service:"ip-ranges.amazonaws.com" (see AwsIpRanges), written by the
// aws_ip_ranges ingestor; queries load it and mark IP entities in their
// results with attrs aws_service / aws_region / aws_prefix at query time, so
// IPs ingested before or after the ranges are treated alike.
//
// Thread-safety: Lineage() only reads; results are plain values.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gumshoe/model.h"
#include "gumshoe/normalize.h"
#include "gumshoe/status.h"
#include "gumshoe/store.h"
#include "gumshoe/subgraph.h"

namespace gumshoe {

// One published AWS prefix.
struct AwsIpRange {
  IpPrefix prefix;
  std::string service;        // "EC2", "AMAZON", "S3", ...
  std::string region;         // "eu-west-1", "GLOBAL"
  std::string border_group;
};

// AWS's ip-ranges.json, as stored in the graph.
class AwsIpRanges {
 public:
  // The entity holding the ranges and the attribute names used on it.
  static constexpr EntityKind kEntityKind = EntityKind::kAwsService;
  static constexpr std::string_view kEntityKey = "ip-ranges.amazonaws.com";
  static constexpr std::string_view kAttrSyncToken = "ip_ranges.sync_token";
  static constexpr std::string_view kAttrCreateDate = "ip_ranges.create_date";
  static constexpr std::string_view kAttrChunks = "ip_ranges.chunks";
  static constexpr std::string_view kAttrChunkPrefix = "ip_ranges.chunk.";  // + 5 digits
  // Bounds of what one snapshot may hold.
  static constexpr size_t kMaxRanges = 200000;
  static constexpr size_t kMaxFieldBytes = 64;

  void Add(AwsIpRange range);
  // The most specific range holding `ip` (a service other than AMAZON wins a
  // tie of the same prefix length), or nullptr when the IP is not AWS's.
  const AwsIpRange* Lookup(const IpAddress& ip) const;
  size_t size() const { return ranges_.size(); }
  bool empty() const { return ranges_.empty(); }

  std::string sync_token;
  std::string create_date;

  // Chunks of "prefix service region border_group" lines, each starting with
  // "sync <token>" and at most kMaxAttrValueBytes long; stored as attrs
  // kAttrChunkPrefix + "%05d", with kAttrChunks holding their count.
  std::vector<std::string> EncodeChunks() const;
  // Loads the ranges stored in `reader`; std::nullopt when none were ingested.
  // Chunks of a different snapshot than kAttrSyncToken names are skipped.
  static Result<std::optional<AwsIpRanges>> Load(const GraphReader& reader);

 private:
  std::vector<AwsIpRange> ranges_;
};

// Marks an IP entity (a copy in a result) as AWS's: attrs aws_service,
// aws_region, aws_prefix and tag "aws". Returns whether it is AWS's.
bool AnnotateAwsIp(const AwsIpRanges& ranges, Entity& ip_entity);

struct LineageOptions {
  bool descendants = false;       // forward mode
  int max_depth = 24;             // hops from the start
  size_t max_nodes = 5000;        // entities in the result
  size_t max_parents = 16;        // candidate parents (or children) kept per entity
  bool use_ip_ranges = true;      // load AWS ip-ranges from the store when present
};

enum class LineageRoot : uint8_t {
  kNone = 0,             // not a root (has parents)
  kIamUserKey,           // an IAM user and its long-term key: creator not observed
  kRootAccount,          // the account root principal
  kIdentityProvider,     // SAML/OIDC provider
  kAwsService,           // an AWS service (instance profile, service role, Lambda, ECS)
  kOtherAccount,         // a principal of another account, seen only as an account
  kOriginNotObserved,    // nothing earlier seen; note says the earliest use
  kCycle,                // the walk came back to an entity already on the path
  kDepthLimit,           // cut by max_depth / max_nodes
  kConsoleLogin,         // an IAM user's console sign-in (password, MFA or not): the session key's origin
};
std::string_view LineageRootName(LineageRoot root);

// One hop between two entities of the result. In backward mode `from` is the
// child and `to` a parent; in forward mode `from` is the parent and `to` a
// child. `edge` is the stored edge that links them, `edge_src` its real source.
struct LineageLink {
  size_t from = 0;             // index into LineageResult::nodes
  size_t to = 0;
  EdgeKind edge = EdgeKind::kMinted;
  EntityRef edge_src;          // stored edge direction: edge_src -edge-> the other
  std::string event_id;        // "cloudtrail:<eventID>" of the first observation
  Timestamp time = kNoTime;    // first observation of the edge
  std::string source_ip;       // the minting/creating call's source IP, when known
  bool cross_account = false;  // the two ends are in different accounts
  EdgeStats stats;             // the stored edge's statistics
  // Forward mode, a creation attributed to a key through its owner: edge_src
  // is the owner (neither end of the link) and `note` says how the key was
  // chosen ("the only key of P in use then", or the keys that were).
  std::string note;
};

// The ConsoleLogin a console session key came from.
struct ConsoleSignIn {
  EntityRef principal;         // the IAM user who signed in
  Timestamp time = kNoTime;    // the ConsoleLogin's time; the session's creationDate when not observed
  std::string source_ip;       // empty when not known
  std::string mfa;             // "yes", "no", or empty when not recorded
  std::string event_id;        // "cloudtrail:<eventID>" of the ConsoleLogin; empty when not observed
  bool observed = false;       // the ConsoleLogin record itself was ingested
  std::string Describe() const;  // one line for people
};

struct LineageNode {
  Entity entity;
  int depth = 0;
  std::string account;                 // owning account when known
  std::vector<size_t> links;           // indices into LineageResult::links, nearest in time first
  LineageRoot root = LineageRoot::kNone;
  std::string note;                    // root explanation, "earliest use ..."
  Timestamp earliest_use = kNoTime;    // first call signed with / made by it
  std::optional<ConsoleSignIn> console_sign_in;  // a console session key: the sign-in it came from
};

struct LineageFlag {
  std::string kind;        // "used_outside_aws", "used_from_new_ip", "used_after_creator_deleted"
  EntityRef entity;        // the credential or session
  std::string detail;      // one line for people
  std::string evidence;    // an event or file ref
  Timestamp time = kNoTime;
};

struct LineageResult {
  EntityRef start;
  bool descendants = false;
  std::vector<LineageNode> nodes;      // nodes[0] is the start
  std::vector<LineageLink> links;
  std::vector<LineageFlag> flags;
  bool ip_ranges_loaded = false;       // flags used AWS ip-ranges (else the weaker heuristic)
  std::string ip_ranges_note;          // which snapshot, or why the heuristic was used
  bool truncated = false;

  // The root nodes reached (indices into nodes), in walk order.
  std::vector<size_t> Roots() const;
  Subgraph ToSubgraph() const;
  // Stable JSON: start, mode, nodes, links, roots, flags.
  std::string ToJson() const;
  // An indented tree; `escape` makes log-derived text safe for the output.
  std::string ToTree(const std::function<std::string(std::string_view)>& escape) const;
};

// REQUIRES: `start` names a stored entity (NotFound otherwise).
Result<LineageResult> Lineage(const GraphReader& reader, const EntityRef& start, const LineageOptions& options);

}  // namespace gumshoe
