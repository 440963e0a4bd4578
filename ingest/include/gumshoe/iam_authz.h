// Reading IAM authorization snapshots: the output of
// `aws iam get-account-authorization-details` (UserDetailList,
// GroupDetailList, RoleDetailList, Policies with every PolicyVersionList
// entry) into the engine's iam::AuthorizationSnapshot, and single policy
// documents (JSON objects, or the URL-encoded JSON strings the raw API
// returns).
//
// Bad parts are counted and skipped, never guessed: a statement with an
// unknown Effect is dropped ("bad_effect"), an element of the wrong type
// ("bad_action", "bad_resource", "bad_principal") drops its statement, a
// managed policy that is attached but absent from the snapshot is counted
// ("missing_managed_policy") and grants nothing. Sizes are bounded by the
// limits in gumshoe/iam/policy.h.
//
// Thread-safety: free functions, no shared state.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "gumshoe/iam/authz.h"
#include "gumshoe/iam/policy.h"
#include "gumshoe/status.h"
#include "gumshoe/store.h"

namespace gumshoe {

struct AuthzParseStats {
  uint64_t users = 0, roles = 0, groups = 0, policies = 0;
  std::map<std::string, uint64_t> anomalies;  // name -> count
};

// Parses one get-account-authorization-details document. `as_of` is the time
// the snapshot was taken (kNoTime when unknown).
Result<iam::AuthorizationSnapshot> ParseAuthorizationDetails(std::string_view json, Timestamp as_of,
                                                             AuthzParseStats* stats);

// Parses one policy document. `name` and `version_id` become its evidence.
Result<iam::Policy> ParsePolicyDocument(std::string_view text, std::string name, std::string version_id,
                                        AuthzParseStats* stats);

// Whether `head` (the first bytes of a file) looks like an authorization snapshot.
bool LooksLikeAuthorizationDetails(std::string_view head);

// An AWS Organizations service control policy with the targets it is attached
// to. Input: the output of `aws organizations describe-policy` and of
// `aws organizations list-targets-for-policy` merged into one object
// (`jq -s '.[0] + .[1]' policy.json targets.json`):
//   {"Policy": {"PolicySummary": {"Id", "Arn", "Name", "Type": "SERVICE_CONTROL_POLICY", ...},
//               "Content": "<policy JSON as a string>"},
//    "Targets": [{"TargetId", "Arn", "Name", "Type": "ACCOUNT|ORGANIZATIONAL_UNIT|ROOT"}]}
struct ServiceControlPolicy {
  std::string id, arn, name;
  iam::Policy policy;  // named by the policy ARN
  struct Target {
    std::string type;  // ACCOUNT, ORGANIZATIONAL_UNIT, ROOT
    std::string id;    // 111122223333, ou-..., r-...
  };
  std::vector<Target> targets;
};
Result<ServiceControlPolicy> ParseServiceControlPolicy(std::string_view json, AuthzParseStats* stats);

// The SCP levels that govern `account`, from the root down: the SCPs attached
// to the root, then those attached to the account itself. SCPs attached to
// an OU are not applied (which accounts an OU holds is not part of the
// input) and are named in `notes`, as is a level whose exported SCPs allow
// nothing (only Deny statements): AWS requires an Allow at every level
// (FullAWSAccess by default), so such a level is evaluated with its Deny
// statements and FullAWSAccess. A level without any exported SCP is absent.
std::vector<std::vector<iam::Policy>> ScpLayersFor(const std::vector<ServiceControlPolicy>& scps,
                                                   std::string_view account, std::vector<std::string>* notes);

// A resource-based policy. Input, detected by content:
//   - `aws secretsmanager get-resource-policy` output as is:
//       {"ARN": "<secret ARN>", "Name": "...", "ResourcePolicy": "<policy JSON string>"};
//   - `aws s3api get-bucket-policy` or `aws kms get-key-policy` output with
//     the resource's ARN added (`jq --arg a ARN '. + {ResourceArn: $a}'`):
//       {"Policy": "<policy JSON string>", "ResourceArn": "arn:aws:s3:::bucket" | "<key ARN>"},
//     optionally "Account": the owner account (buckets' ARNs do not say it).
// Lambda function policies (`aws lambda get-policy`) are not read yet.
Result<iam::ResourcePolicy> ParseResourcePolicy(std::string_view json, AuthzParseStats* stats);

// Whether `head` looks like one of the two shapes above.
bool LooksLikeIamPolicyExport(std::string_view head);

// Replays one successful CloudTrail IAM change (the whole record, as the
// cloudtrail ingestor keeps it) on `snapshot`: policies attached, detached,
// written or deleted; group membership; trust policies; managed policies and
// their versions; permission boundaries; users, groups and roles created or
// deleted. NotFound when the change names a principal or policy the snapshot
// does not hold (it is then not applied).
Status ApplyIamChange(iam::AuthorizationSnapshot& snapshot, std::string_view record_json, AuthzParseStats* stats);

// One account's authorization as of a time.
struct AccountAuthorization {
  iam::AuthorizationSnapshot snapshot;
  Timestamp snapshot_time = kNoTime;  // kNoTime: the snapshot's time is unknown
  bool snapshot_after = false;        // no snapshot at or before the time: the earliest after it
  std::vector<std::string> changes_applied;  // "cloudtrail:<eventID> <eventName>", in time order
  std::vector<std::string> changes_skipped;  // the same, with why they could not be applied
  std::vector<std::string> scps_applied;     // "<policy ARN> (ROOT|ACCOUNT)": the SCPs evaluated
  std::vector<std::string> scp_notes;        // SCPs not applied, levels completed (see ScpLayersFor)
  AuthzParseStats stats;
};

// For every account with a stored snapshot: the latest snapshot taken at or
// before `as_of` (else the earliest after it), with the stored CloudTrail IAM
// changes after the snapshot and up to `as_of` replayed in time order.
// as_of kNoTime: the latest snapshot and every change after it.
// The stored SCPs (latest of each policy at or before `as_of`) become each
// snapshot's scp_layers (ScpLayersFor), and the stored resource policies
// (latest per resource ARN at or before `as_of`) every snapshot's
// resource_policies.
Result<std::vector<AccountAuthorization>> LoadAuthorization(const GraphStore& store, Timestamp as_of);

}  // namespace gumshoe
