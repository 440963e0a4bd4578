// can_read / can_write: which data a principal *could* read or change, from
// its identity policies (intersected with its permission boundary and the
// SCPs, an explicit Deny winning) and the resources' own policies when they
// were exported, on the resources gumshoe knows about: the S3 buckets,
// Secrets Manager secrets, SSM parameters and KMS keys of the did-graph
// (GraphResources, observed.h) and those named by full ARN in a policy of the
// snapshot (PolicyNamedResources).
//
// Which actions count as read and which as write is one table,
// AccessActions() (also in the README beside the privilege-escalation
// methods). A resource gets an edge when any of its type's actions of that
// access is allowed; the edge lists them.
//
// Wildcards. A policy whose Resource is "*" (or "arn:aws:s3:::*", ...) is not
// expanded into the world: it yields one edge to each *known* resource of
// that type (in the principal's account; buckets whose owner is unknown are
// included and say so), plus a WildcardGrant summary per type and access
// ("can_read every secret of its account, and any created later") when the
// whole type is allowed, else one per wildcard Resource pattern that names a
// set of that type ("every SSM parameter matching ...:parameter/app/*"); each
// says when a Deny, boundary or SCP carves some resources out.
//
// Resource policies. Within the owner account, a resource policy that names
// the principal's ARN grants on its own (an identity Deny, the boundary and
// the SCPs still apply); from another account both the principal's identity
// policies and the resource policy must allow it. A KMS key whose key policy
// was exported admits the account's IAM policies only when the key policy
// allows the account (the default "Enable IAM User Permissions" statement);
// without an exported key policy the default key policy is assumed.
// ExternalGrants lists what resource policies give other accounts or anyone
// ("Principal": "*"), principal by principal.
//
// Objects of a bucket are evaluated as the set "arn:aws:s3:::<bucket>/*"
// (Request::Set::kSome: some object may be read; a Deny blocks only when it
// covers every object). A secret the logs name only by its name is the set
// "arn:aws:secretsmanager:<region|*>:<account|*>:secret:<name>-??????".
//
// Thread-safety: reads only; plain values.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <optional>
#include <string_view>
#include <vector>

#include "gumshoe/iam/authz.h"
#include "gumshoe/iam/policy.h"
#include "gumshoe/model.h"

namespace gumshoe::iam {

std::string_view ResourceTypeLabel(ResourceType t);  // "S3 bucket", "secret", "SSM parameter", "KMS key"
EntityKind EntityKindOf(ResourceType t);

enum class Access : uint8_t { kRead, kWrite };
std::string_view AccessEdgeName(Access a);  // "can_read", "can_write"

// One row of the table.
struct AccessAction {
  ResourceType type;
  Access access;
  std::string_view action;  // "s3:GetObject"
  bool objects;             // S3 only: the action is on the bucket's objects, not the bucket
};
std::span<const AccessAction> AccessActions();

// A resource could-edges may point at.
struct KnownResource {
  ResourceType type = ResourceType::kS3Bucket;
  EntityRef ref;         // the graph entity: s3_bucket:name, secret:<arn or name>, ...
  std::string arn;       // matched against policies; a pattern when `pattern`
  bool pattern = false;  // a secret known by name only (see above)
  std::string account;   // owner; empty when unknown (a bucket with no in_account edge)
  std::string source;    // "logs" (the did-graph), "policy" (named in a policy), "resource policy"
};

// The resource an ARN names, when it is one of the four types and has no
// wildcard in its name (and at most kMaxPatternBytes long): arn:aws:s3:::b,
// arn:aws:s3:::b/* and arn:aws:s3:::b/prefix/* are the bucket b.
std::optional<KnownResource> ResourceOfArn(std::string_view arn);

// Resources named by full ARN in the Resource element of an Allow statement
// of any policy of the snapshot, and those with an exported resource policy.
std::vector<KnownResource> PolicyNamedResources(const AuthorizationSnapshot& snapshot);

// `a` with the resources of `b` it does not hold (same entity) appended;
// sorted by (kind, key).
std::vector<KnownResource> MergeResources(std::vector<KnownResource> a, const std::vector<KnownResource>& b);

struct ResourceEdge {
  size_t resource = 0;  // index into the resources given
  Access access = Access::kRead;
  std::vector<std::string> actions;        // the table's actions allowed, in table order
  std::vector<StatementRef> evidence;      // the statements that allow them (identity and resource policy)
  std::vector<std::string> condition_keys; // non-empty: only if these hold
  bool via_resource_policy = false;        // the resource policy names the principal or its account
  bool owner_unknown = false;              // a bucket whose account is unknown: if it is another
                                           //   account's, its bucket policy must allow it too
};

// A wildcard grant, summarised once instead of enumerating the world.
struct WildcardGrant {
  ResourceType type = ResourceType::kS3Bucket;
  Access access = Access::kRead;
  std::string scope;                        // the set: "arn:aws:secretsmanager:*:1111...:secret:*"
  bool whole_account = true;                // the scope is every resource of the type in the account;
                                            //   false: a wildcard Resource pattern of a statement
  std::vector<std::string> actions;
  std::vector<StatementRef> evidence;
  std::vector<std::string> condition_keys;
  bool except_denied = false;               // a Deny, boundary or SCP takes some of the set out
  std::vector<StatementRef> denied_by;
  size_t known = 0;                         // edges to known resources of this type and access
};

// An access an explicit Deny (or the boundary, an SCP, a key policy) blocks
// although an identity policy allows it: not a could-edge, listed to explain.
struct BlockedAccess {
  size_t resource = 0;
  Access access = Access::kRead;
  std::string action;
  std::vector<StatementRef> denied_by;  // empty: blocked by the boundary, an SCP or the key policy
};

struct ResourceAccess {
  std::vector<ResourceEdge> edges;       // by resource index, then access
  std::vector<WildcardGrant> wildcards;  // by type, then access
  std::vector<BlockedAccess> blocked;
};

// What node `node` of `snapshot` could read and write among `resources`.
ResourceAccess ResourceAccessOf(const AuthorizationSnapshot& snapshot, size_t node,
                                std::span<const KnownResource> resources, bool include_conditional = true);

// What the resource policies of `snapshot` give principals outside the
// resource's account, or anyone.
struct ExternalGrant {
  size_t policy = 0;       // index into snapshot.resource_policies
  std::string principal;   // "*" (anyone), an account ID, or a principal ARN
  bool is_public = false;
  Access access = Access::kRead;
  std::vector<std::string> actions;
  std::vector<StatementRef> evidence;
  std::vector<std::string> condition_keys;
};
std::vector<ExternalGrant> ExternalGrants(const AuthorizationSnapshot& snapshot);

}  // namespace gumshoe::iam
