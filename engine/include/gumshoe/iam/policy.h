// IAM policy documents and their offline evaluation: what a principal *could*
// do, as opposed to what the logs show it did.
//
// The model is the parsed form of a policy document (identity policy, role
// trust policy, permission boundary, SCP or resource policy); parsing JSON is
// the ingest layer's job. Evaluation follows AWS's documented logic for one
// request:
//   - an explicit Deny in any applicable policy wins;
//   - the identity policies must Allow, and so must the permission boundary
//     (when one is set) and every SCP layer (when any is given);
//   - within one policy, `*` matches any run of characters and `?` exactly
//     one; actions compare case-insensitively, resources and principals
//     case-sensitively; NotAction / NotResource / NotPrincipal invert the set.
// Conditions are never ignored silently: a matching statement with a
// Condition block gumshoe cannot decide offline makes the answer
// *conditional* and names the condition keys (aws:SourceIp,
// aws:MultiFactorAuthPresent, ...). A conditional Allow allows only if its
// condition holds; a conditional Deny denies only if its condition holds, so
// either makes an otherwise allowed request conditional.
//
// Thread-safety: plain values; evaluation only reads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace gumshoe::iam {

// Limits on what one policy document may hold (AWS's own limits are smaller:
// 6,144 characters for a managed policy, 10,240 for a role's inline policies).
inline constexpr size_t kMaxStatements = 512;
inline constexpr size_t kMaxPatternsPerElement = 1024;
inline constexpr size_t kMaxPatternBytes = 2048;

enum class Effect : uint8_t { kAllow, kDeny };

// A principal named in a Principal / NotPrincipal element.
struct PrincipalPattern {
  enum class Type : uint8_t { kAws, kService, kFederated, kCanonicalUser, kAny };
  Type type = Type::kAws;
  std::string value;  // "arn:aws:iam::111122223333:root", "111122223333", "ec2.amazonaws.com", "*"
  friend bool operator==(const PrincipalPattern&, const PrincipalPattern&) = default;
};

struct Statement {
  std::string sid;   // may be empty
  size_t index = 0;  // position in the document, for evidence when there is no Sid
  Effect effect = Effect::kAllow;
  std::vector<std::string> actions;  // Action or NotAction patterns ("iam:Create*")
  bool not_action = false;
  std::vector<std::string> resources;  // Resource or NotResource patterns; empty with
  bool not_resource = false;           //   has_resource false: the policy's own resource
  bool has_resource = false;           //   (trust and resource policies)
  std::vector<PrincipalPattern> principals;  // Principal / NotPrincipal
  bool not_principal = false;
  bool has_principal = false;
  std::vector<std::string> condition_keys;  // keys of the Condition block, sorted, unique
};

// One policy document and where it came from.
struct Policy {
  std::string name;        // policy ARN for managed policies, "<owner ARN>/inline/<name>" for inline ones
  std::string version_id;  // "v3" for managed policies, empty otherwise
  std::vector<Statement> statements;
};

// Which statement decided, for the evidence of a could-edge.
struct StatementRef {
  std::string policy;
  std::string version_id;
  std::string sid;
  size_t index = 0;
  // "arn:aws:iam::aws:policy/AdministratorAccess v1 #0" or "... Sid AllowAll"
  std::string ToString() const;
  friend bool operator==(const StatementRef&, const StatementRef&) = default;
};

enum class Decision : uint8_t {
  kImplicitDeny,  // nothing allows it
  kExplicitDeny,  // a Deny statement without conditions matches
  kConditional,   // allowed only if conditions gumshoe cannot decide offline hold
  kAllow,
};
std::string_view DecisionName(Decision d);

struct EvalResult {
  Decision decision = Decision::kImplicitDeny;
  std::vector<StatementRef> allowed_by;    // the Allow statements that grant it (first few)
  std::vector<StatementRef> denied_by;     // the Deny statements that block it (first few)
  std::vector<std::string> condition_keys; // sorted, unique; set when kConditional
  bool allowed() const { return decision == Decision::kAllow || decision == Decision::kConditional; }
};

// `*` matches any run (also across ':' and '/'), `?` one character.
bool WildcardMatch(std::string_view pattern, std::string_view text, bool case_insensitive);

// The request one evaluation answers.
struct Request {
  std::string action;    // "iam:CreateAccessKey"
  std::string resource;  // ARN, or "*" for actions without a resource
  // "Is there some resource this action is allowed on?": an Allow with any
  // Resource covers it; a Deny covers it only when its Resource is "*".
  bool any_resource = false;
  // `resource` is itself a pattern standing for a set of resources
  // ("arn:aws:s3:::bucket/*": every object of a bucket):
  //   kSome: "is some resource of the set allowed?": an Allow covers it when
  //     one of its patterns may match a member (GlobOverlaps); a Deny only when
  //     one of its patterns matches every member (GlobCovers);
  //   kAll: "is every resource of the set allowed?": the reverse.
  enum class Set : uint8_t { kExact, kSome, kAll };
  Set set = Set::kExact;
};

// Whether some string matches both `pattern` and `glob` (each with `*` and `?`).
bool GlobOverlaps(std::string_view pattern, std::string_view glob);
// Whether every string `glob` matches also matches `pattern` (sufficient
// test: a `*` of `glob` must be met by a `*` of `pattern`, a `?` by `?` or `*`).
bool GlobCovers(std::string_view pattern, std::string_view glob);

// The policies that govern one principal's requests.
struct PolicySet {
  std::vector<const Policy*> identity;        // attached, inline, and those of its groups
  const Policy* boundary = nullptr;           // permission boundary, when set
  std::vector<std::vector<const Policy*>> scp_layers;  // one layer per OU level; each must allow
};

// Evaluates `request` against the identity policies, the boundary and the
// SCPs of `set` (resource policies are evaluated apart, see EvaluateTrust).
EvalResult Evaluate(const PolicySet& set, const Request& request);

// One policy's verdict alone: kAllow / kConditional when an Allow statement
// matches, kExplicitDeny / kConditional for a matching Deny.
EvalResult EvaluatePolicy(const Policy& policy, const Request& request);

// The caller of an sts:AssumeRole* request, for trust-policy evaluation.
struct Caller {
  std::string arn;      // arn:aws:iam::111122223333:user/alice, or a service: ec2.amazonaws.com
  std::string account;  // 111122223333 (empty for a service)
  bool service = false;
};

// How a trust (or other resource) policy admits a caller.
enum class TrustMatch : uint8_t {
  kNone,     // the trust policy does not allow the caller
  kAccount,  // allowed through the caller's account (root / account ID / "*"): the
             //   caller's own identity policies must allow the action too
  kDirect,   // the caller's ARN or service is named: enough within one account
};
struct TrustResult {
  TrustMatch match = TrustMatch::kNone;
  EvalResult eval;  // the trust policy's own verdict for `action` from `caller`
};
// `set`: resource_arn stands for a set of resources (Request::set).
TrustResult EvaluateTrust(const Policy& trust, const Caller& caller, std::string_view action,
                          std::string_view resource_arn, Request::Set set = Request::Set::kExact);

}  // namespace gumshoe::iam
