// The IAM authorization graph: what each principal of an account *could* do,
// computed offline from an `aws iam get-account-authorization-details`
// snapshot (parsed by the ingest layer into AuthorizationSnapshot).
//
// Nodes are the snapshot's users and roles (and groups, which a user joins to
// gain their policies). Could-edges say how one principal may gain another's
// permissions, each with the method (see PrivescMethods(): the classic IAM
// privilege-escalation methods catalogued by Rhino Security Labs and their
// successors) and the policy statements that grant it. A principal is
// admin-equivalent when its own policies allow `*` on `*`, or when a path of
// could-edges leads from it to one that is; ShortestPaths lists the paths.
//
// Thread-safety: BuildCouldGraph only reads the snapshot; results are plain
// values. Ownership: CouldGraph indexes into the snapshot it was built from,
// which must outlive it.
#pragma once

#include <cstddef>
#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "gumshoe/iam/policy.h"
#include "gumshoe/model.h"

namespace gumshoe::iam {

// A managed policy with every stored version (SetDefaultPolicyVersion can
// switch to any of them).
struct ManagedPolicy {
  std::string arn;
  std::string default_version;            // "v2"
  std::map<std::string, Policy> versions; // version id -> document
  const Policy* Default() const;
};

enum class NodeType : uint8_t { kUser, kRole, kGroup };
std::string_view NodeTypeName(NodeType t);

struct Node {
  NodeType type = NodeType::kUser;
  std::string arn;
  std::string name;
  std::string account;
  std::vector<std::string> managed;  // attached managed policy ARNs
  std::vector<Policy> inline_policies;
  std::string boundary;              // permission boundary policy ARN, or empty
  std::vector<std::string> groups;   // users: group names they belong to
  std::optional<Policy> trust;       // roles: the trust policy
  bool has_instance_profile = false; // roles: usable by EC2 through an instance profile
  std::vector<std::string> instance_profiles;  // roles: their instance profiles' ARNs (and names)
};

// The resource types could-edges can_read / can_write point at
// (resource_access.h).
enum class ResourceType : uint8_t { kS3Bucket, kSecret, kSsmParameter, kKmsKey };

// A resource-based policy exported beside the snapshot: a bucket policy, a
// KMS key policy, a secret's resource policy.
struct ResourcePolicy {
  ResourceType type = ResourceType::kS3Bucket;
  std::string arn;      // the resource: arn:aws:s3:::name, a key or secret ARN
  std::string account;  // its owner; empty when the ARN does not say (buckets)
  Policy policy;
};

struct AuthorizationSnapshot {
  std::string account;
  Timestamp as_of = kNoTime;
  std::vector<Node> nodes;                          // users, roles, groups
  std::map<std::string, ManagedPolicy> policies;    // by ARN
  std::vector<std::vector<Policy>> scp_layers;      // from the root down; each layer must allow
  // Code that runs as a role and whose code a principal may change (Lambda
  // functions, Glue dev endpoints), when exported beside the snapshot.
  struct Workload {
    std::string service;  // "lambda.amazonaws.com", "glue.amazonaws.com"
    std::string arn;
    std::string role_arn;
  };
  std::vector<Workload> workloads;
  // Resource policies stored for any account (LoadAuthorization gives every
  // account the same list: a grant to another account is read from its side).
  std::vector<ResourcePolicy> resource_policies;
  // REQUIRES: nodes are final. The index of the node with this ARN (users and
  // roles), or of the group with this name.
  std::optional<size_t> Find(std::string_view arn) const;
  std::optional<size_t> FindGroup(std::string_view name) const;
};

enum class CouldKind : uint8_t {
  kCanAssume,              // from may call sts:AssumeRole on the role `to`
  kCanCreateKeyFor,        // from may create an access key for the user `to`
  kCanSetPasswordFor,      // from may set or change the console password of `to`
  kCanAttachPolicyTo,      // from may attach any managed policy to `to` (user, role or group)
  kCanPutPolicyOn,         // from may write an inline policy on `to`
  kCanAddToGroup,          // from (a user) may add itself to the group `to`
  kCanUpdateTrustOf,       // from may rewrite the trust policy of the role `to`
  kCanPassRoleTo,          // from may hand the role `to` to a service that runs its code
  kCanChangeCodeOf,        // from may change the code of a function running as `to`
  kCanCreatePolicyVersion, // from may rewrite a managed policy attached to `to`
};
std::string_view CouldKindName(CouldKind k);  // "can_assume", ...

// One catalogued privilege-escalation method.
struct PrivescMethod {
  std::string_view id;           // "CreateAccessKey", "PassExistingRoleToNewLambdaThenInvoke"
  std::string_view permissions;  // "iam:PassRole + ec2:RunInstances"
  CouldKind edge;
  std::string_view service;      // for kCanPassRoleTo: the service principal the role must trust
  std::string_view description;
};
std::span<const PrivescMethod> PrivescMethods();

// Whether a could-edge lets `from` act as `to` (assume it, use its key, run
// code as it, join the group) or only lets `from` give `to` any permission
// (attach or write a policy, rewrite a policy attached to it). The latter
// makes `from` admin-equivalent when `to` is `from` itself or a group it is in.
bool GivesIdentity(CouldKind k);

struct CouldEdge {
  size_t from = 0;
  size_t to = 0;
  CouldKind kind = CouldKind::kCanAssume;
  std::string_view method;                  // PrivescMethod::id, or "AssumeRole"
  std::vector<uint32_t> evidence;           // indexes into CouldGraph::refs: the statements that grant it
  std::vector<std::string> condition_keys;  // non-empty: only if these conditions hold
};

struct CouldGraph {
  const AuthorizationSnapshot* snapshot = nullptr;
  std::vector<CouldEdge> edges;               // sorted by (from, to, kind, method)
  std::vector<std::vector<size_t>> out;       // node -> indexes into edges
  std::vector<bool> admin;                    // node's own policies allow * on * (unconditionally)
  std::vector<std::vector<uint32_t>> admin_evidence;  // per node, when admin: indexes into refs
  std::vector<StatementRef> refs;             // interned evidence
  // Nodes from which edges that give an identity lead to a node that is admin,
  // can give itself any permission, or can give it to a node it can act as
  // directly (AttachRolePolicy + AssumeRole): what AdminPath searches.
  std::vector<bool> reaches_admin;
  // Per node: the edges (into edges; -1 for none) that make it admin by its own
  // permissions -- a grant to itself, or a grant and an identity edge to one node.
  std::vector<std::array<int64_t, 2>> self_admin;
};

struct CouldOptions {
  bool include_conditional = true;  // keep edges that hold only under conditions
};

// Builds every could-edge of the snapshot.
CouldGraph BuildCouldGraph(const AuthorizationSnapshot& snapshot, const CouldOptions& options = {});

// The effective policies of one node (its own, its groups', its boundary, the SCPs).
PolicySet PoliciesOf(const AuthorizationSnapshot& snapshot, size_t node);

struct CouldPath {
  size_t target = 0;              // the node reached
  bool admin_equivalent = false;  // the start is admin once it walks this path
  bool grants = false;            // the last step gives `target` any permission; it does not
                                  //   make the start act as `target` (GivesIdentity is false)
  std::vector<size_t> steps;      // indexes into CouldGraph::edges, in order
};

// Shortest paths (breadth-first, fewest steps, ties by node index) from
// `start` to every node it can act as or give permissions to: admin-equivalent
// paths first, then by length, then by target index. Only edges that give an
// identity are walked further. At most `max_paths`; max_depth bounds the steps.
// An admin start has no paths: it can already do everything.
std::vector<CouldPath> ShortestPaths(const CouldGraph& graph, size_t start, size_t max_depth = 6,
                                     size_t max_paths = 256);

// Whether `node` is admin-equivalent, and the shortest path when it gets there
// through other principals (empty steps: its own policies). Searches only
// CouldGraph::reaches_admin, so it is cheap for every node of a large account;
// a path that needs one reached node to grant permissions to another reached
// node that it cannot act as itself is found by ShortestPaths only.
std::optional<CouldPath> AdminPath(const CouldGraph& graph, size_t node, size_t max_depth = 6);

}  // namespace gumshoe::iam
