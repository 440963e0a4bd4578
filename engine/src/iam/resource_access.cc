#include "gumshoe/iam/resource_access.h"

#include <algorithm>
#include <array>
#include <map>
#include <set>
#include <tuple>

namespace gumshoe::iam {
namespace {

using T = ResourceType;
using A = Access;

// The table: what counts as reading and as writing each type.
constexpr std::array<AccessAction, 33> kAccessActions = {{
    {T::kS3Bucket, A::kRead, "s3:GetObject", true},
    {T::kS3Bucket, A::kRead, "s3:GetObjectVersion", true},
    {T::kS3Bucket, A::kRead, "s3:ListBucket", false},
    {T::kS3Bucket, A::kRead, "s3:ListBucketVersions", false},
    {T::kS3Bucket, A::kWrite, "s3:PutObject", true},
    {T::kS3Bucket, A::kWrite, "s3:DeleteObject", true},
    {T::kS3Bucket, A::kWrite, "s3:DeleteObjectVersion", true},
    {T::kS3Bucket, A::kWrite, "s3:PutBucketPolicy", false},
    {T::kS3Bucket, A::kWrite, "s3:PutBucketAcl", false},
    {T::kS3Bucket, A::kWrite, "s3:DeleteBucket", false},
    {T::kSecret, A::kRead, "secretsmanager:GetSecretValue", false},
    {T::kSecret, A::kWrite, "secretsmanager:PutSecretValue", false},
    {T::kSecret, A::kWrite, "secretsmanager:UpdateSecret", false},
    {T::kSecret, A::kWrite, "secretsmanager:DeleteSecret", false},
    {T::kSecret, A::kWrite, "secretsmanager:PutResourcePolicy", false},
    {T::kSsmParameter, A::kRead, "ssm:GetParameter", false},
    {T::kSsmParameter, A::kRead, "ssm:GetParameters", false},
    {T::kSsmParameter, A::kRead, "ssm:GetParametersByPath", false},
    {T::kSsmParameter, A::kRead, "ssm:GetParameterHistory", false},
    {T::kSsmParameter, A::kWrite, "ssm:PutParameter", false},
    {T::kSsmParameter, A::kWrite, "ssm:DeleteParameter", false},
    {T::kSsmParameter, A::kWrite, "ssm:DeleteParameters", false},
    {T::kSsmParameter, A::kWrite, "ssm:LabelParameterVersion", false},
    {T::kKmsKey, A::kRead, "kms:Decrypt", false},
    {T::kKmsKey, A::kRead, "kms:ReEncryptFrom", false},
    {T::kKmsKey, A::kWrite, "kms:Encrypt", false},
    {T::kKmsKey, A::kWrite, "kms:GenerateDataKey", false},
    {T::kKmsKey, A::kWrite, "kms:ScheduleKeyDeletion", false},
    {T::kKmsKey, A::kWrite, "kms:DisableKey", false},
    {T::kKmsKey, A::kWrite, "kms:PutKeyPolicy", false},
    {T::kKmsKey, A::kWrite, "kms:CreateGrant", false},
    {T::kKmsKey, A::kWrite, "kms:ImportKeyMaterial", false},
    {T::kKmsKey, A::kWrite, "kms:DeleteImportedKeyMaterial", false},
}};

constexpr std::array<ResourceType, 4> kTypes = {T::kS3Bucket, T::kSecret, T::kSsmParameter, T::kKmsKey};

// The condition an edge to a secret known by name only carries when a Deny
// may cover its real ARN.
constexpr std::string_view kArnUnknown = "(the secret's full ARN is unknown and a Deny may cover it)";

bool HasWildcard(std::string_view s) { return s.find_first_of("*?") != std::string_view::npos; }

// arn:partition:service:region:account:resource -> the six fields.
bool SplitArn(std::string_view arn, std::array<std::string_view, 6>& f) {
  size_t pos = 0;
  for (int i = 0; i < 5; ++i) {
    size_t c = arn.find(':', pos);
    if (c == std::string_view::npos) return false;
    f[i] = arn.substr(pos, c - pos);
    pos = c + 1;
  }
  f[5] = arn.substr(pos);
  return f[0] == "arn";
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

// The string a request for `row` on `r` names, and how it is matched.
Request RequestFor(const AccessAction& row, const KnownResource& r) {
  Request req;
  req.action = std::string(row.action);
  req.resource = r.arn;
  if (row.objects) req.resource = r.arn + "/*";
  if (row.objects || r.pattern) req.set = Request::Set::kSome;
  return req;
}

void Unique(std::vector<std::string>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

void AddRefs(std::vector<StatementRef>& into, const std::vector<StatementRef>& refs) {
  for (const StatementRef& r : refs)
    if (std::find(into.begin(), into.end(), r) == into.end()) into.push_back(r);
}

// An Allow of everything: stands for "the resource policy grants it" in the
// identity layer, so that identity denies, the boundary and the SCPs still apply.
const Policy& GrantedElsewhere() {
  static const Policy p = [] {
    Statement s;
    s.effect = Effect::kAllow;
    s.actions = {"*"};
    s.has_resource = true;
    s.resources = {"*"};
    return Policy{"(resource policy)", "", {s}};
  }();
  return p;
}

const ResourcePolicy* PolicyOf(const AuthorizationSnapshot& snap, const KnownResource& r) {
  for (const ResourcePolicy& p : snap.resource_policies)
    if (p.type == r.type && p.arn == r.arn) return &p;
  return nullptr;
}

// The set of every resource of a type in an account, for WildcardGrant.
std::string ScopeOf(ResourceType t, std::string_view account) {
  const std::string acct = account.empty() ? "*" : std::string(account);
  switch (t) {
    case T::kS3Bucket: return "arn:aws:s3:::*";
    case T::kSecret: return "arn:aws:secretsmanager:*:" + acct + ":secret:*";
    case T::kSsmParameter: return "arn:aws:ssm:*:" + acct + ":parameter/*";
    case T::kKmsKey: return "arn:aws:kms:*:" + acct + ":key/*";
  }
  return "*";
}

// Whether a wildcard Resource pattern names a set of resources of type `t`
// (for S3: of buckets, a wildcard in the bucket name; not one bucket's objects).
bool IsSetOf(ResourceType t, std::string_view pattern) {
  switch (t) {
    case T::kS3Bucket: {
      if (!pattern.starts_with("arn:aws:s3:::")) return false;
      std::string_view name = pattern.substr(13);
      return HasWildcard(name.substr(0, name.find('/')));
    }
    case T::kSecret: return pattern.starts_with("arn:aws:secretsmanager:");
    case T::kSsmParameter: return pattern.starts_with("arn:aws:ssm:") && pattern.find(":parameter/") != std::string_view::npos;
    case T::kKmsKey: return pattern.starts_with("arn:aws:kms:");
  }
  return false;
}

// `set` with only its Allow statements.
struct AllowOnly {
  std::vector<Policy> identity, boundary;
  std::vector<std::vector<Policy>> scps;
  PolicySet set;
  explicit AllowOnly(const PolicySet& from) {
    auto strip = [](const Policy& p) {
      Policy q{p.name, p.version_id, {}};
      for (const Statement& s : p.statements)
        if (s.effect == Effect::kAllow) q.statements.push_back(s);
      return q;
    };
    for (const Policy* p : from.identity) identity.push_back(strip(*p));
    if (from.boundary) boundary.push_back(strip(*from.boundary));
    for (const auto& layer : from.scp_layers) {
      scps.emplace_back();
      for (const Policy* p : layer) scps.back().push_back(strip(*p));
    }
    for (const Policy& p : identity) set.identity.push_back(&p);
    if (!boundary.empty()) set.boundary = &boundary[0];
    for (const auto& layer : scps) {
      set.scp_layers.emplace_back();
      for (const Policy& p : layer) set.scp_layers.back().push_back(&p);
    }
  }
};

}  // namespace

std::string_view ResourceTypeLabel(ResourceType t) {
  switch (t) {
    case T::kS3Bucket: return "S3 bucket";
    case T::kSecret: return "secret";
    case T::kSsmParameter: return "SSM parameter";
    case T::kKmsKey: return "KMS key";
  }
  return "resource";
}

EntityKind EntityKindOf(ResourceType t) {
  switch (t) {
    case T::kS3Bucket: return EntityKind::kS3Bucket;
    case T::kSecret: return EntityKind::kSecret;
    case T::kSsmParameter: return EntityKind::kSsmParameter;
    case T::kKmsKey: return EntityKind::kKmsKey;
  }
  return EntityKind::kAwsResource;
}

std::string_view AccessEdgeName(Access a) { return a == A::kRead ? "can_read" : "can_write"; }

std::span<const AccessAction> AccessActions() { return kAccessActions; }

std::optional<KnownResource> ResourceOfArn(std::string_view arn) {
  std::array<std::string_view, 6> f;
  if (arn.size() > kMaxPatternBytes || !SplitArn(arn, f)) return std::nullopt;
  KnownResource r;
  r.account = std::string(f[4]);
  if (f[2] == "s3" && f[3].empty() && f[4].empty()) {
    std::string_view bucket = f[5].substr(0, f[5].find('/'));
    if (bucket.empty() || HasWildcard(bucket) || bucket.size() > 63) return std::nullopt;
    r.type = T::kS3Bucket;
    r.ref = EntityRef{EntityKind::kS3Bucket, Lower(bucket)};
    r.arn = "arn:aws:s3:::" + r.ref.key;
    return r;
  }
  if (HasWildcard(arn) || f[3].empty() || f[4].empty()) return std::nullopt;
  if (f[2] == "secretsmanager" && f[5].starts_with("secret:") && f[5].size() > 7) {
    r.type = T::kSecret;
  } else if (f[2] == "ssm" && f[5].starts_with("parameter/") && f[5].size() > 10) {
    r.type = T::kSsmParameter;
  } else if (f[2] == "kms" && (f[5].starts_with("key/") || f[5].starts_with("alias/")) && f[5].size() > 6) {
    r.type = T::kKmsKey;
  } else {
    return std::nullopt;
  }
  r.ref = EntityRef{EntityKindOf(r.type), std::string(arn)};
  r.arn = std::string(arn);
  return r;
}

std::vector<KnownResource> PolicyNamedResources(const AuthorizationSnapshot& snap) {
  std::vector<KnownResource> out;
  auto scan = [&](const Policy& p) {
    for (const Statement& s : p.statements) {
      if (s.effect != Effect::kAllow || s.not_resource) continue;
      for (const std::string& res : s.resources)
        if (auto r = ResourceOfArn(res)) {
          r->source = "policy";
          out.push_back(std::move(*r));
        }
    }
  };
  for (const Node& n : snap.nodes)
    for (const Policy& p : n.inline_policies) scan(p);
  for (const auto& [arn, mp] : snap.policies)
    if (const Policy* p = mp.Default()) scan(*p);
  for (const ResourcePolicy& rp : snap.resource_policies) {
    if (auto r = ResourceOfArn(rp.arn)) {
      r->source = "resource policy";
      if (r->account.empty()) r->account = rp.account;
      out.push_back(std::move(*r));
    }
  }
  return MergeResources({}, out);
}

std::vector<KnownResource> MergeResources(std::vector<KnownResource> a, const std::vector<KnownResource>& b) {
  std::map<EntityRef, size_t> have;
  for (size_t i = 0; i < a.size(); ++i) have.emplace(a[i].ref, i);
  for (const KnownResource& r : b) {
    auto [it, fresh] = have.emplace(r.ref, a.size());
    if (fresh) {
      a.push_back(r);
    } else if (a[it->second].account.empty()) {
      a[it->second].account = r.account;  // a bucket policy may say whose bucket it is
    }
  }
  std::sort(a.begin(), a.end(), [](const KnownResource& x, const KnownResource& y) { return x.ref < y.ref; });
  return a;
}

ResourceAccess ResourceAccessOf(const AuthorizationSnapshot& snap, size_t node,
                                std::span<const KnownResource> resources, bool include_conditional) {
  ResourceAccess out;
  if (node >= snap.nodes.size() || snap.nodes[node].type == NodeType::kGroup) return out;
  const Node& who = snap.nodes[node];
  const PolicySet set = PoliciesOf(snap, node);
  PolicySet with_grant = set;
  with_grant.identity.insert(with_grant.identity.begin(), &GrantedElsewhere());
  const Caller caller{who.arn, who.account, false};
  std::map<std::pair<ResourceType, Access>, size_t> known;

  for (size_t ri = 0; ri < resources.size(); ++ri) {
    const KnownResource& res = resources[ri];
    const bool same_account = res.account.empty() || res.account == who.account;
    const ResourcePolicy* rp = PolicyOf(snap, res);
    for (Access access : {A::kRead, A::kWrite}) {
      ResourceEdge edge;
      edge.resource = ri;
      edge.access = access;
      edge.owner_unknown = res.account.empty();
      std::vector<std::string> keys;
      for (const AccessAction& row : kAccessActions) {
        if (row.type != res.type || row.access != access) continue;
        const Request req = RequestFor(row, res);
        EvalResult id = Evaluate(set, req);
        if (res.pattern && id.allowed()) {
          // Known by name only: a Deny may name the secret's real ARN.
          Request all = req;
          all.set = Request::Set::kAll;
          if (!Evaluate(set, all).allowed()) {
            id.decision = Decision::kConditional;
            id.condition_keys.push_back(std::string(kArnUnknown));
          }
        }
        TrustResult tr;
        bool direct = false;  // the resource policy names the caller, or anyone ("*")
        if (rp != nullptr) {
          tr = EvaluateTrust(rp->policy, caller, req.action, req.resource, req.set);
          TrustResult pub = EvaluateTrust(rp->policy, Caller{"(anyone)", "", false}, req.action, req.resource, req.set);
          direct = tr.match == TrustMatch::kDirect || (pub.match != TrustMatch::kNone && pub.eval.allowed());
        }
        // Which route grants it: the identity policies (within the account,
        // unless a key policy keeps the account out), or the resource policy.
        bool ok = false;
        bool via_rp = false;
        std::vector<const EvalResult*> parts;
        EvalResult guard;
        if (rp != nullptr && tr.eval.decision == Decision::kExplicitDeny) {
          if (id.allowed())
            out.blocked.push_back(BlockedAccess{ri, access, std::string(row.action), tr.eval.denied_by});
          continue;
        }
        if (id.decision == Decision::kExplicitDeny) {
          out.blocked.push_back(BlockedAccess{ri, access, std::string(row.action), id.denied_by});
          continue;
        }
        const bool kms_admits_account = res.type != T::kKmsKey || rp == nullptr || tr.match != TrustMatch::kNone;
        if (same_account && id.allowed() && kms_admits_account) {
          ok = true;
          parts.push_back(&id);
          if (rp != nullptr && tr.match != TrustMatch::kNone) parts.push_back(&tr.eval);
        } else if (same_account && rp != nullptr && direct && tr.eval.allowed()) {
          guard = Evaluate(with_grant, req);
          if (!guard.allowed()) {
            out.blocked.push_back(BlockedAccess{ri, access, std::string(row.action), guard.denied_by});
            continue;
          }
          ok = true;
          via_rp = true;
          parts.push_back(&tr.eval);
          parts.push_back(&guard);
        } else if (!same_account && rp != nullptr && tr.match != TrustMatch::kNone && id.allowed()) {
          ok = true;
          via_rp = true;
          parts.push_back(&id);
          parts.push_back(&tr.eval);
        } else if (id.allowed() && (same_account || rp != nullptr)) {
          // The identity policies allow it; the key policy keeps the account
          // out, or the other account's resource policy does not admit it.
          out.blocked.push_back(BlockedAccess{ri, access, std::string(row.action), {}});
          continue;
        }
        if (!ok) continue;
        std::vector<std::string> row_keys;
        for (const EvalResult* p : parts) row_keys.insert(row_keys.end(), p->condition_keys.begin(), p->condition_keys.end());
        if (!row_keys.empty() && !include_conditional) continue;
        edge.actions.emplace_back(row.action);
        edge.via_resource_policy = edge.via_resource_policy || via_rp;
        for (const EvalResult* p : parts)
          if (p != &guard) AddRefs(edge.evidence, p->allowed_by);
        keys.insert(keys.end(), row_keys.begin(), row_keys.end());
      }
      if (edge.actions.empty()) continue;
      // Conditional only when every allowed action is: keep the keys of all.
      Unique(keys);
      edge.condition_keys = std::move(keys);
      ++known[{res.type, access}];
      out.edges.push_back(std::move(edge));
    }
  }

  // Wildcard summaries: the whole type in the account when it is allowed,
  // else each wildcard Resource pattern of an Allow statement that names a
  // set of this type ("arn:aws:ssm:us-east-1:1111...:parameter/app/*").
  AllowOnly allow_only(set);
  for (ResourceType t : kTypes) {
    const std::string whole = ScopeOf(t, who.account);
    std::vector<std::string> narrower;
    for (const Policy* p : set.identity)
      for (const Statement& st : p->statements) {
        if (st.effect != Effect::kAllow || st.not_resource) continue;
        for (const std::string& r : st.resources)
          if (r != "*" && HasWildcard(r) && IsSetOf(t, r)) narrower.push_back(r);
      }
    Unique(narrower);
    for (Access access : {A::kRead, A::kWrite}) {
      std::vector<std::string> scopes{whole};
      scopes.insert(scopes.end(), narrower.begin(), narrower.end());
      for (const std::string& scope : scopes) {
        WildcardGrant g;
        g.type = t;
        g.access = access;
        g.scope = scope;
        g.whole_account = scope == whole;
        for (const AccessAction& row : kAccessActions) {
          if (row.type != t || row.access != access) continue;
          Request req{std::string(row.action), row.objects && scope != whole ? scope + "/*" : scope, false,
                      Request::Set::kAll};
          EvalResult all = Evaluate(allow_only.set, req);
          if (!all.allowed()) continue;
          if (!include_conditional && all.decision == Decision::kConditional) continue;
          EvalResult full = Evaluate(set, req);
          if (!full.allowed()) {
            g.except_denied = true;
            AddRefs(g.denied_by, full.denied_by);
          }
          g.actions.emplace_back(row.action);
          AddRefs(g.evidence, all.allowed_by);
          g.condition_keys.insert(g.condition_keys.end(), all.condition_keys.begin(), all.condition_keys.end());
        }
        if (g.actions.empty()) continue;
        Unique(g.condition_keys);
        auto k = known.find({t, access});
        g.known = k == known.end() ? 0 : k->second;
        const bool is_whole = g.whole_account;
        out.wildcards.push_back(std::move(g));
        if (is_whole) break;  // the narrower sets are inside it
      }
    }
  }
  return out;
}

std::vector<ExternalGrant> ExternalGrants(const AuthorizationSnapshot& snap) {
  std::vector<ExternalGrant> out;
  for (size_t pi = 0; pi < snap.resource_policies.size(); ++pi) {
    const ResourcePolicy& rp = snap.resource_policies[pi];
    // The principals its Allow statements name outside the owner account.
    std::set<std::pair<std::string, bool>> who;  // (principal, public)
    for (const Statement& s : rp.policy.statements) {
      if (s.effect != Effect::kAllow || !s.has_principal) continue;
      if (s.not_principal) {
        who.insert({"*", true});
        continue;
      }
      for (const PrincipalPattern& p : s.principals) {
        using PT = PrincipalPattern::Type;
        if (p.type == PT::kAny || (p.type == PT::kAws && p.value == "*")) {
          who.insert({"*", true});
        } else if (p.type == PT::kAws) {
          std::string acct = p.value;
          std::array<std::string_view, 6> f;
          if (SplitArn(p.value, f)) acct = std::string(f[4]);
          if (!acct.empty() && acct != rp.account) who.insert({p.value, false});
        }
      }
    }
    KnownResource res;
    res.type = rp.type;
    res.arn = rp.arn;
    for (const auto& [principal, is_public] : who) {
      Caller c;
      if (is_public) {
        c = Caller{"(anyone)", "", false};
      } else if (principal.starts_with("arn:")) {
        std::array<std::string_view, 6> f;
        SplitArn(principal, f);
        c = Caller{principal, std::string(f[4]), false};
      } else {
        c = Caller{"arn:aws:iam::" + principal + ":root", principal, false};
      }
      for (Access access : {A::kRead, A::kWrite}) {
        ExternalGrant g;
        g.policy = pi;
        g.principal = principal;
        g.is_public = is_public;
        g.access = access;
        for (const AccessAction& row : kAccessActions) {
          if (row.type != rp.type || row.access != access) continue;
          const Request req = RequestFor(row, res);
          TrustResult tr = EvaluateTrust(rp.policy, c, req.action, req.resource, req.set);
          if (tr.match == TrustMatch::kNone || !tr.eval.allowed()) continue;
          g.actions.emplace_back(row.action);
          AddRefs(g.evidence, tr.eval.allowed_by);
          g.condition_keys.insert(g.condition_keys.end(), tr.eval.condition_keys.begin(), tr.eval.condition_keys.end());
        }
        if (g.actions.empty()) continue;
        Unique(g.condition_keys);
        out.push_back(std::move(g));
      }
    }
  }
  return out;
}

}  // namespace gumshoe::iam
