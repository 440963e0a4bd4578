#include "gumshoe/iam_authz.h"

#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include "iam_authz/iam_authz_internal.h"
#include "json_util.h"

namespace gumshoe {
namespace {

using ingest::Arr;
using ingest::JsonValue;
using ingest::Member;
using ingest::Obj;
using ingest::Str;

constexpr size_t kMaxNodes = 1u << 20;
constexpr size_t kMaxPoliciesPerNode = 4096;
constexpr size_t kMaxVersions = 16;  // AWS keeps at most 5 versions of a managed policy
constexpr size_t kMaxDocumentBytes = 1u << 20;

void Count(AuthzParseStats* stats, const std::string& name) {
  if (stats != nullptr) ++stats->anomalies[name];
}

// %XX and '+' decoding, for the URL-encoded documents of the raw IAM API.
std::string UrlDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2])));
      i += 2;
    } else if (s[i] == '+') {
      out.push_back(' ');
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

// A string or an array of strings, bounded. False when the element has another type.
bool Strings(const JsonValue* v, std::vector<std::string>& out) {
  if (v == nullptr) return true;
  if (v->IsString()) {
    if (v->GetStringLength() <= iam::kMaxPatternBytes) out.emplace_back(v->GetString(), v->GetStringLength());
    return v->GetStringLength() <= iam::kMaxPatternBytes;
  }
  if (!v->IsArray()) return false;
  for (const JsonValue& e : v->GetArray()) {
    if (!e.IsString() || e.GetStringLength() > iam::kMaxPatternBytes) return false;
    if (out.size() >= iam::kMaxPatternsPerElement) return false;
    out.emplace_back(e.GetString(), e.GetStringLength());
  }
  return true;
}

bool Principals(const JsonValue* v, std::vector<iam::PrincipalPattern>& out) {
  using T = iam::PrincipalPattern::Type;
  if (v->IsString()) {
    if (std::string_view(v->GetString(), v->GetStringLength()) != "*") return false;
    out.push_back({T::kAny, "*"});
    return true;
  }
  if (!v->IsObject()) return false;
  for (auto it = v->MemberBegin(); it != v->MemberEnd(); ++it) {
    std::string_view type(it->name.GetString(), it->name.GetStringLength());
    T t;
    if (type == "AWS") {
      t = T::kAws;
    } else if (type == "Service") {
      t = T::kService;
    } else if (type == "Federated") {
      t = T::kFederated;
    } else if (type == "CanonicalUser") {
      t = T::kCanonicalUser;
    } else {
      return false;
    }
    std::vector<std::string> values;
    if (!Strings(&it->value, values)) return false;
    for (std::string& s : values) out.push_back({t, std::move(s)});
  }
  return true;
}

std::optional<iam::Statement> ParseStatement(const JsonValue& v, size_t index, AuthzParseStats* stats) {
  if (!v.IsObject()) {
    Count(stats, "bad_statement");
    return std::nullopt;
  }
  iam::Statement s;
  s.index = index;
  if (auto sid = Str(Member(v, "Sid"))) s.sid = std::string(sid->substr(0, 256));
  auto effect = Str(Member(v, "Effect"));
  if (effect && *effect == "Allow") {
    s.effect = iam::Effect::kAllow;
  } else if (effect && *effect == "Deny") {
    s.effect = iam::Effect::kDeny;
  } else {
    Count(stats, "bad_effect");
    return std::nullopt;
  }
  const JsonValue* action = Member(v, "Action");
  const JsonValue* not_action = Member(v, "NotAction");
  if ((action == nullptr) == (not_action == nullptr) || !Strings(action ? action : not_action, s.actions)) {
    Count(stats, "bad_action");
    return std::nullopt;
  }
  s.not_action = not_action != nullptr;
  const JsonValue* resource = Member(v, "Resource");
  const JsonValue* not_resource = Member(v, "NotResource");
  if (resource != nullptr && not_resource != nullptr) {
    Count(stats, "bad_resource");
    return std::nullopt;
  }
  if (resource != nullptr || not_resource != nullptr) {
    s.has_resource = true;
    s.not_resource = not_resource != nullptr;
    if (!Strings(resource ? resource : not_resource, s.resources)) {
      Count(stats, "bad_resource");
      return std::nullopt;
    }
  }
  const JsonValue* principal = Member(v, "Principal");
  const JsonValue* not_principal = Member(v, "NotPrincipal");
  if (principal != nullptr || not_principal != nullptr) {
    s.has_principal = true;
    s.not_principal = not_principal != nullptr;
    if ((principal && not_principal) || !Principals(principal ? principal : not_principal, s.principals)) {
      Count(stats, "bad_principal");
      return std::nullopt;
    }
  }
  if (const JsonValue* cond = Member(v, "Condition")) {
    if (!cond->IsObject()) {
      Count(stats, "bad_condition");
      return std::nullopt;
    }
    for (auto op = cond->MemberBegin(); op != cond->MemberEnd(); ++op) {
      if (!op->value.IsObject()) {
        Count(stats, "bad_condition");
        return std::nullopt;
      }
      for (auto key = op->value.MemberBegin(); key != op->value.MemberEnd(); ++key)
        s.condition_keys.emplace_back(key->name.GetString(), key->name.GetStringLength());
    }
    // A Condition block with no keys constrains nothing, but say it was there.
    if (s.condition_keys.empty()) s.condition_keys.emplace_back("(empty condition)");
    std::sort(s.condition_keys.begin(), s.condition_keys.end());
    s.condition_keys.erase(std::unique(s.condition_keys.begin(), s.condition_keys.end()), s.condition_keys.end());
  }
  return s;
}

iam::Policy ParseDocument(const JsonValue& doc, std::string name, std::string version, AuthzParseStats* stats) {
  iam::Policy p{std::move(name), std::move(version), {}};
  const JsonValue* st = Member(doc, "Statement");
  if (st == nullptr) {
    Count(stats, "missing_statement");
    return p;
  }
  auto one = [&](const JsonValue& v) {
    if (p.statements.size() >= iam::kMaxStatements) {
      Count(stats, "too_many_statements");
      return;
    }
    if (auto s = ParseStatement(v, p.statements.size(), stats)) p.statements.push_back(std::move(*s));
  };
  if (st->IsArray()) {
    size_t i = 0;
    for (const JsonValue& v : st->GetArray()) {
      if (auto s = i < iam::kMaxStatements ? ParseStatement(v, i, stats) : std::nullopt) p.statements.push_back(std::move(*s));
      if (i++ == iam::kMaxStatements) Count(stats, "too_many_statements");
    }
  } else {
    one(*st);
  }
  return p;
}

// A document given as an object, or as a (URL-encoded) JSON string.
std::optional<iam::Policy> DocumentAt(const JsonValue* v, std::string name, std::string version,
                                      AuthzParseStats* stats) {
  if (v == nullptr) return std::nullopt;
  if (v->IsObject()) return ParseDocument(*v, std::move(name), std::move(version), stats);
  if (auto text = Str(v)) {
    auto parsed = ParsePolicyDocument(*text, std::move(name), std::move(version), stats);
    if (parsed.ok()) return std::move(parsed).value();
  }
  Count(stats, "bad_policy_document");
  return std::nullopt;
}

std::string AccountOf(std::string_view arn) {
  // arn:aws:iam::<account>:...
  size_t pos = 0;
  for (int i = 0; i < 4; ++i) {
    pos = arn.find(':', pos);
    if (pos == std::string_view::npos) return {};
    ++pos;
  }
  size_t end = arn.find(':', pos);
  return end == std::string_view::npos ? std::string() : std::string(arn.substr(pos, end - pos));
}

void InlinePolicies(const JsonValue* list, const std::string& owner, iam::Node& node, AuthzParseStats* stats) {
  const JsonValue* arr = Arr(list);
  if (arr == nullptr) return;
  for (const JsonValue& e : arr->GetArray()) {
    if (node.inline_policies.size() >= kMaxPoliciesPerNode) {
      Count(stats, "too_many_policies");
      break;
    }
    auto pname = Str(Member(e, "PolicyName"));
    if (!pname) {
      Count(stats, "bad_inline_policy");
      continue;
    }
    if (auto doc = DocumentAt(Member(e, "PolicyDocument"), owner + "/inline/" + std::string(*pname), "", stats))
      node.inline_policies.push_back(std::move(*doc));
  }
}

void Attached(const JsonValue* list, iam::Node& node, AuthzParseStats* stats) {
  const JsonValue* arr = Arr(list);
  if (arr == nullptr) return;
  for (const JsonValue& e : arr->GetArray()) {
    if (node.managed.size() >= kMaxPoliciesPerNode) {
      Count(stats, "too_many_policies");
      break;
    }
    if (auto arn = Str(Member(e, "PolicyArn"))) {
      node.managed.emplace_back(*arn);
    } else {
      Count(stats, "bad_attached_policy");
    }
  }
}

bool Common(const JsonValue& e, iam::NodeType type, std::string_view name_field, iam::Node& node,
            AuthzParseStats* stats) {
  auto arn = Str(Member(e, "Arn"));
  auto name = Str(Member(e, name_field));
  if (!arn || !name) {
    Count(stats, "unnamed_entity");
    return false;
  }
  node.type = type;
  node.arn = std::string(*arn);
  node.name = std::string(*name);
  node.account = AccountOf(node.arn);
  Attached(Member(e, "AttachedManagedPolicies"), node, stats);
  if (auto b = Str(Member(Member(e, "PermissionsBoundary"), "PermissionsBoundaryArn"))) node.boundary = std::string(*b);
  return true;
}

// AWS managed policies a snapshot may reference without listing. Only those
// whose content AWS has never changed are known here.
std::optional<iam::ManagedPolicy> BuiltinManaged(std::string_view arn) {
  if (arn != "arn:aws:iam::aws:policy/AdministratorAccess") return std::nullopt;
  iam::ManagedPolicy mp;
  mp.arn = std::string(arn);
  mp.default_version = "v1";
  iam::Statement s;
  s.effect = iam::Effect::kAllow;
  s.actions = {"*"};
  s.has_resource = true;
  s.resources = {"*"};
  mp.versions["v1"] = iam::Policy{mp.arn, "v1", {s}};
  return mp;
}

}  // namespace

bool LooksLikeAuthorizationDetails(std::string_view head) {
  return head.find("\"UserDetailList\"") != std::string_view::npos ||
         head.find("\"RoleDetailList\"") != std::string_view::npos ||
         head.find("\"GroupDetailList\"") != std::string_view::npos;
}

Result<iam::Policy> ParsePolicyDocument(std::string_view text, std::string name, std::string version_id,
                                        AuthzParseStats* stats) {
  if (text.size() > kMaxDocumentBytes) return Status::LimitExceeded("policy document " + name + " over 1 MiB");
  std::string decoded;
  std::string_view body = text;
  size_t first = body.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && body[first] == '%') {
    decoded = UrlDecode(body);
    body = decoded;
  }
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseStopWhenDoneFlag>(body.data(), body.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    if (first != std::string_view::npos && body[first] != '{') {
      decoded = UrlDecode(text);
      doc.Parse<rapidjson::kParseStopWhenDoneFlag>(decoded.data(), decoded.size());
    }
    if (doc.HasParseError() || !doc.IsObject())
      return Status::Corruption("policy document " + name + " is not a JSON object");
  }
  return ParseDocument(doc, std::move(name), std::move(version_id), stats);
}

Result<iam::AuthorizationSnapshot> ParseAuthorizationDetails(std::string_view json, Timestamp as_of,
                                                             AuthzParseStats* stats) {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError())
    return Status::Corruption(std::string("authorization details: ") + rapidjson::GetParseError_En(doc.GetParseError()) +
                              " at offset " + std::to_string(doc.GetErrorOffset()));
  return ingest::SnapshotFromJson(doc, as_of, stats);
}

namespace ingest {

Result<iam::AuthorizationSnapshot> SnapshotFromJson(const JsonValue& doc, Timestamp as_of, AuthzParseStats* stats) {
  if (!IsAuthorizationDetails(doc))
    return Status::InvalidArgument("not a get-account-authorization-details document (no UserDetailList/RoleDetailList)");
  iam::AuthorizationSnapshot snap;
  snap.as_of = as_of;
  auto each = [&](std::string_view list, auto&& fn) {
    if (const JsonValue* arr = Arr(Member(doc, list)))
      for (const JsonValue& e : arr->GetArray()) {
        if (snap.nodes.size() >= kMaxNodes) {
          Count(stats, "too_many_entities");
          return;
        }
        if (Obj(&e) == nullptr) {
          Count(stats, "bad_entity");
          continue;
        }
        fn(e);
      }
  };
  each("UserDetailList", [&](const JsonValue& e) {
    iam::Node n;
    if (!Common(e, iam::NodeType::kUser, "UserName", n, stats)) return;
    InlinePolicies(Member(e, "UserPolicyList"), n.arn, n, stats);
    std::vector<std::string> groups;
    if (!Strings(Member(e, "GroupList"), groups)) Count(stats, "bad_group_list");
    n.groups = std::move(groups);
    snap.nodes.push_back(std::move(n));
    if (stats) ++stats->users;
  });
  each("GroupDetailList", [&](const JsonValue& e) {
    iam::Node n;
    if (!Common(e, iam::NodeType::kGroup, "GroupName", n, stats)) return;
    InlinePolicies(Member(e, "GroupPolicyList"), n.arn, n, stats);
    snap.nodes.push_back(std::move(n));
    if (stats) ++stats->groups;
  });
  each("RoleDetailList", [&](const JsonValue& e) {
    iam::Node n;
    if (!Common(e, iam::NodeType::kRole, "RoleName", n, stats)) return;
    InlinePolicies(Member(e, "RolePolicyList"), n.arn, n, stats);
    n.trust = DocumentAt(Member(e, "AssumeRolePolicyDocument"), n.arn + "/trust", "", stats);
    if (!n.trust) {
      Count(stats, "missing_trust_policy");
      n.trust = iam::Policy{n.arn + "/trust", "", {}};
    }
    if (const JsonValue* ips = Arr(Member(e, "InstanceProfileList"))) {
      n.has_instance_profile = !ips->Empty();
      for (const JsonValue& ip : ips->GetArray()) {
        if (n.instance_profiles.size() >= 64) break;
        if (auto a = Str(Member(ip, "Arn"))) n.instance_profiles.emplace_back(*a);
        if (auto nm = Str(Member(ip, "InstanceProfileName"))) n.instance_profiles.emplace_back(*nm);
      }
    }
    snap.nodes.push_back(std::move(n));
    if (stats) ++stats->roles;
  });
  if (const JsonValue* arr = Arr(Member(doc, "Policies"))) {
    for (const JsonValue& e : arr->GetArray()) {
      auto arn = Str(Member(e, "Arn"));
      if (!arn) {
        Count(stats, "unnamed_policy");
        continue;
      }
      iam::ManagedPolicy mp;
      mp.arn = std::string(*arn);
      if (auto d = Str(Member(e, "DefaultVersionId"))) mp.default_version = std::string(*d);
      if (const JsonValue* versions = Arr(Member(e, "PolicyVersionList"))) {
        for (const JsonValue& v : versions->GetArray()) {
          if (mp.versions.size() >= kMaxVersions) {
            Count(stats, "too_many_policy_versions");
            break;
          }
          auto vid = Str(Member(v, "VersionId"));
          if (!vid) {
            Count(stats, "bad_policy_version");
            continue;
          }
          if (auto def = ingest::Bool(Member(v, "IsDefaultVersion")); def && *def && mp.default_version.empty())
            mp.default_version = std::string(*vid);
          if (auto d = DocumentAt(Member(v, "Document"), mp.arn, std::string(*vid), stats))
            mp.versions[std::string(*vid)] = std::move(*d);
        }
      }
      if (mp.Default() == nullptr) Count(stats, "policy_without_default_version");
      snap.policies[mp.arn] = std::move(mp);
      if (stats) ++stats->policies;
    }
  }
  // Attached policies the snapshot does not hold grant nothing, and say so.
  for (const iam::Node& n : snap.nodes) {
    for (const std::string& arn : n.managed) {
      if (snap.policies.count(arn) != 0) continue;
      if (auto b = BuiltinManaged(arn)) {
        snap.policies[arn] = std::move(*b);
      } else {
        Count(stats, "missing_managed_policy");
      }
    }
    if (!n.boundary.empty() && snap.policies.count(n.boundary) == 0) Count(stats, "missing_boundary_policy");
  }
  for (const iam::Node& n : snap.nodes)
    if (snap.account.empty() && !n.account.empty()) snap.account = n.account;
  return snap;
}

bool IsAuthorizationDetails(const JsonValue& v) {
  return v.IsObject() && (Arr(Member(v, "UserDetailList")) != nullptr || Arr(Member(v, "RoleDetailList")) != nullptr ||
                          Arr(Member(v, "GroupDetailList")) != nullptr);
}

}  // namespace ingest

}  // namespace gumshoe

namespace gumshoe {
namespace {

using ingest::Path;

std::optional<std::string> ReqStr(const JsonValue& rec, std::string_view field) {
  if (auto s = Str(Path(rec, "requestParameters." + std::string(field)))) return std::string(*s);
  return std::nullopt;
}

iam::Node* FindNode(iam::AuthorizationSnapshot& snap, iam::NodeType type, std::string_view name) {
  for (iam::Node& n : snap.nodes)
    if (n.type == type && n.name == name) return &n;
  return nullptr;
}

void Erase(std::vector<std::string>& v, std::string_view s) {
  v.erase(std::remove(v.begin(), v.end(), s), v.end());
}

}  // namespace

Status ApplyIamChange(iam::AuthorizationSnapshot& snap, std::string_view record_json, AuthzParseStats* stats) {
  rapidjson::Document rec;
  rec.Parse(record_json.data(), record_json.size());
  if (rec.HasParseError() || !rec.IsObject()) return Status::Corruption("IAM change record is not a JSON object");
  auto event = Str(Member(rec, "eventName"));
  if (!event) return Status::Corruption("IAM change record without eventName");
  const std::string name(*event);
  std::string account = std::string(Str(Member(rec, "recipientAccountId")).value_or(""));
  if (account.empty()) account = std::string(Str(Path(rec, "userIdentity.accountId")).value_or(snap.account));
  using T = iam::NodeType;
  auto target = [&](T type, std::string_view field) -> Result<iam::Node*> {
    auto n = ReqStr(rec, field);
    if (!n) return Status::Corruption(name + " without requestParameters." + std::string(field));
    iam::Node* node = FindNode(snap, type, *n);
    if (node == nullptr) return Status::NotFound(name + ": " + std::string(iam::NodeTypeName(type)) + " " + *n + " is not in the snapshot");
    return node;
  };
  auto type_of = [&](std::string_view what) { return what == "User" ? T::kUser : what == "Role" ? T::kRole : T::kGroup; };
  auto field_of = [&](T t) { return t == T::kUser ? "userName" : t == T::kRole ? "roleName" : "groupName"; };
  auto doc = [&](std::string_view field, const std::string& pname, const std::string& version) -> Result<iam::Policy> {
    auto text = ReqStr(rec, field);
    if (!text) return Status::Corruption(name + " without requestParameters." + std::string(field));
    return ParsePolicyDocument(*text, pname, version, stats);
  };

  for (std::string_view kind : {"User", "Role", "Group"}) {
    const T t = type_of(kind);
    if (name == "Attach" + std::string(kind) + "Policy" || name == "Detach" + std::string(kind) + "Policy") {
      GUMSHOE_ASSIGN_OR_RETURN(iam::Node * node, target(t, field_of(t)));
      auto arn = ReqStr(rec, "policyArn");
      if (!arn) return Status::Corruption(name + " without requestParameters.policyArn");
      Erase(node->managed, *arn);
      if (name[0] == 'A') {
        node->managed.push_back(*arn);
        if (snap.policies.count(*arn) == 0) Count(stats, "missing_managed_policy");
      }
      return Status::Ok();
    }
    if (name == "Put" + std::string(kind) + "Policy" || name == "Delete" + std::string(kind) + "Policy") {
      GUMSHOE_ASSIGN_OR_RETURN(iam::Node * node, target(t, field_of(t)));
      auto pname = ReqStr(rec, "policyName");
      if (!pname) return Status::Corruption(name + " without requestParameters.policyName");
      const std::string full = node->arn + "/inline/" + *pname;
      std::erase_if(node->inline_policies, [&](const iam::Policy& p) { return p.name == full; });
      if (name[0] == 'P') {
        GUMSHOE_ASSIGN_OR_RETURN(iam::Policy p, doc("policyDocument", full, ""));
        node->inline_policies.push_back(std::move(p));
      }
      return Status::Ok();
    }
  }
  if (name == "AddUserToGroup" || name == "RemoveUserFromGroup") {
    GUMSHOE_ASSIGN_OR_RETURN(iam::Node * user, target(T::kUser, "userName"));
    GUMSHOE_ASSIGN_OR_RETURN(iam::Node * group, target(T::kGroup, "groupName"));
    Erase(user->groups, group->name);
    if (name[0] == 'A') user->groups.push_back(group->name);
    return Status::Ok();
  }
  if (name == "UpdateAssumeRolePolicy") {
    GUMSHOE_ASSIGN_OR_RETURN(iam::Node * role, target(T::kRole, "roleName"));
    GUMSHOE_ASSIGN_OR_RETURN(iam::Policy p, doc("policyDocument", role->arn + "/trust", ""));
    role->trust = std::move(p);
    return Status::Ok();
  }
  if (name == "PutUserPermissionsBoundary" || name == "PutRolePermissionsBoundary" ||
      name == "DeleteUserPermissionsBoundary" || name == "DeleteRolePermissionsBoundary") {
    const T t = name.find("User") != std::string::npos ? T::kUser : T::kRole;
    GUMSHOE_ASSIGN_OR_RETURN(iam::Node * node, target(t, field_of(t)));
    node->boundary.clear();
    if (name[0] == 'P') node->boundary = ReqStr(rec, "permissionsBoundary").value_or("");
    return Status::Ok();
  }
  if (name == "AddRoleToInstanceProfile") {
    GUMSHOE_ASSIGN_OR_RETURN(iam::Node * role, target(T::kRole, "roleName"));
    role->has_instance_profile = true;
    if (auto p = ReqStr(rec, "instanceProfileName")) role->instance_profiles.push_back(*p);
    return Status::Ok();
  }
  if (name == "RemoveRoleFromInstanceProfile") return Status::Ok();  // it may still be in another profile
  if (name == "CreatePolicy") {
    auto arn = Str(Path(rec, "responseElements.policy.arn"));
    if (!arn) return Status::Corruption("CreatePolicy without responseElements.policy.arn");
    iam::ManagedPolicy mp;
    mp.arn = std::string(*arn);
    mp.default_version = std::string(Str(Path(rec, "responseElements.policy.defaultVersionId")).value_or("v1"));
    GUMSHOE_ASSIGN_OR_RETURN(iam::Policy p, doc("policyDocument", mp.arn, mp.default_version));
    mp.versions[mp.default_version] = std::move(p);
    snap.policies[mp.arn] = std::move(mp);
    return Status::Ok();
  }
  if (name == "CreatePolicyVersion" || name == "SetDefaultPolicyVersion" || name == "DeletePolicyVersion") {
    auto arn = ReqStr(rec, "policyArn");
    if (!arn) return Status::Corruption(name + " without requestParameters.policyArn");
    auto it = snap.policies.find(*arn);
    if (it == snap.policies.end()) return Status::NotFound(name + ": policy " + *arn + " is not in the snapshot");
    iam::ManagedPolicy& mp = it->second;
    if (name == "CreatePolicyVersion") {
      auto vid = Str(Path(rec, "responseElements.policyVersion.versionId"));
      if (!vid) return Status::Corruption("CreatePolicyVersion without responseElements.policyVersion.versionId");
      GUMSHOE_ASSIGN_OR_RETURN(iam::Policy p, doc("policyDocument", mp.arn, std::string(*vid)));
      mp.versions[std::string(*vid)] = std::move(p);
      auto set_default = ingest::Bool(Path(rec, "requestParameters.setAsDefault"));
      if (set_default && *set_default) mp.default_version = std::string(*vid);
    } else {
      auto vid = ReqStr(rec, "versionId");
      if (!vid) return Status::Corruption(name + " without requestParameters.versionId");
      if (name == "SetDefaultPolicyVersion") {
        mp.default_version = *vid;
      } else {
        mp.versions.erase(*vid);
      }
    }
    return Status::Ok();
  }
  if (name == "CreateUser" || name == "CreateRole" || name == "CreateGroup") {
    const T t = name == "CreateUser" ? T::kUser : name == "CreateRole" ? T::kRole : T::kGroup;
    const std::string lower = t == T::kUser ? "user" : t == T::kRole ? "role" : "group";
    auto n = ReqStr(rec, field_of(t));
    if (!n) return Status::Corruption(name + " without requestParameters." + field_of(t));
    if (FindNode(snap, t, *n) != nullptr) return Status::Ok();
    iam::Node node;
    node.type = t;
    node.name = *n;
    node.arn = std::string(Str(Path(rec, "responseElements." + lower + ".arn"))
                               .value_or("arn:aws:iam::" + account + ":" + lower + "/" + *n));
    node.account = account;
    if (t == T::kRole) {
      auto trust = doc("assumeRolePolicyDocument", node.arn + "/trust", "");
      node.trust = trust.ok() ? std::move(trust).value() : iam::Policy{node.arn + "/trust", "", {}};
    }
    if (auto b = ReqStr(rec, "permissionsBoundary")) node.boundary = *b;
    snap.nodes.push_back(std::move(node));
    return Status::Ok();
  }
  if (name == "DeleteUser" || name == "DeleteRole") {
    const T t = name == "DeleteUser" ? T::kUser : T::kRole;
    auto n = ReqStr(rec, field_of(t));
    std::erase_if(snap.nodes, [&](const iam::Node& x) { return x.type == t && n && x.name == *n; });
    return Status::Ok();
  }
  return Status::InvalidArgument(name + " is not an IAM permission change gumshoe replays");
}

Result<std::vector<AccountAuthorization>> LoadAuthorization(const GraphStore& store, Timestamp as_of) {
  struct Snap {
    Timestamp time = kNoTime;
    std::string key, value;
  };
  std::map<std::string, std::vector<Snap>> by_account;
  const std::string prefix = std::string(kDocumentPrefix) + "iam_authz/";
  GUMSHOE_RETURN_IF_ERROR(store.ScanMeta(prefix, [&](std::string_view key, std::string_view value) {
    // iam_authz/<account>/<time|unknown>/<hash>
    std::string_view rest = key.substr(prefix.size());
    size_t a = rest.find('/');
    size_t b = a == std::string_view::npos ? a : rest.find('/', a + 1);
    if (b == std::string_view::npos) return true;
    Snap s;
    std::string_view time = rest.substr(a + 1, b - a - 1);
    if (time != "unknown") s.time = std::strtoll(std::string(time).c_str(), nullptr, 10);
    s.key = std::string(key);
    s.value = std::string(value);
    by_account[std::string(rest.substr(0, a))].push_back(std::move(s));
    return true;
  }));
  std::vector<AccountAuthorization> out;
  for (auto& [account, snaps] : by_account) {
    // Unknown times sort first: any dated snapshot is preferred.
    std::sort(snaps.begin(), snaps.end(), [](const Snap& x, const Snap& y) { return std::tie(x.time, x.key) < std::tie(y.time, y.key); });
    const Snap* pick = nullptr;
    bool after = false;
    for (const Snap& s : snaps)
      if (as_of == kNoTime || s.time == kNoTime || s.time <= as_of) pick = &s;
    if (pick == nullptr) {
      pick = &snaps.front();
      after = true;
    }
    AccountAuthorization acc;
    acc.snapshot_time = pick->time;
    acc.snapshot_after = after;
    GUMSHOE_ASSIGN_OR_RETURN(acc.snapshot, ParseAuthorizationDetails(pick->value, pick->time, &acc.stats));
    if (!after) {
      const std::string cprefix = std::string(kDocumentPrefix) + "iam_change/" + account + "/";
      std::vector<std::pair<std::string, std::string>> changes;
      GUMSHOE_RETURN_IF_ERROR(store.ScanMeta(cprefix, [&](std::string_view key, std::string_view value) {
        std::string_view rest = key.substr(cprefix.size());
        Timestamp t = std::strtoll(std::string(rest.substr(0, rest.find('/'))).c_str(), nullptr, 10);
        if ((pick->time == kNoTime || t > pick->time) && (as_of == kNoTime || t <= as_of))
          changes.emplace_back(std::string(rest.substr(rest.find('/') + 1)), std::string(value));
        return true;
      }));
      for (const auto& [id, value] : changes) {
        rapidjson::Document d;
        d.Parse(value.data(), value.size());
        std::string label = "cloudtrail:" + id + " " + std::string(Str(Member(d, "eventName")).value_or("?"));
        Status s = ApplyIamChange(acc.snapshot, value, &acc.stats);
        if (s.ok()) {
          acc.changes_applied.push_back(label);
        } else {
          acc.changes_skipped.push_back(label + ": " + s.message());
        }
      }
    }
    out.push_back(std::move(acc));
  }
  GUMSHOE_RETURN_IF_ERROR(ingest::LoadOrgAndResourcePolicies(store, as_of, out));
  return out;
}

}  // namespace gumshoe
