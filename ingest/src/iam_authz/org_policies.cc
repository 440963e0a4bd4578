// Service control policies (Organizations describe-policy + list-targets-for-policy)
// and resource policies (bucket, KMS key, secret), read from their AWS CLI
// output shapes (see gumshoe/iam_authz.h) and loaded beside the snapshots.
#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include "gumshoe/iam/resource_access.h"
#include "gumshoe/iam_authz.h"
#include "iam_authz/iam_authz_internal.h"
#include "json_util.h"

namespace gumshoe {
namespace {

using ingest::Arr;
using ingest::Member;
using ingest::Obj;
using ingest::Str;

constexpr size_t kMaxTargets = 4096;
constexpr size_t kMaxScps = 4096;
constexpr size_t kMaxResourcePolicies = 100000;
constexpr std::string_view kFullAwsAccess = "arn:aws:iam::aws:policy/FullAWSAccess (assumed: the level has no Allow)";

void Count(AuthzParseStats* stats, const std::string& name) {
  if (stats != nullptr) ++stats->anomalies[name];
}

Result<rapidjson::Document> ParseJson(std::string_view json, std::string_view what) {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError())
    return Status::Corruption(std::string(what) + ": " + rapidjson::GetParseError_En(doc.GetParseError()) +
                              " at offset " + std::to_string(doc.GetErrorOffset()));
  return doc;
}

// Stored documents of one prefix: <prefix><name>/<time|unknown>/<hash>, the
// latest of each name at or before `as_of` (else the earliest after it).
Result<std::vector<std::string>> Latest(const GraphStore& store, const std::string& prefix, Timestamp as_of) {
  struct Doc {
    Timestamp time = kNoTime;
    std::string key, value;
  };
  std::map<std::string, std::vector<Doc>> by_name;
  GUMSHOE_RETURN_IF_ERROR(store.ScanMeta(prefix, [&](std::string_view key, std::string_view value) {
    std::string_view rest = key.substr(prefix.size());
    size_t b = rest.rfind('/');
    size_t a = b == std::string_view::npos || b == 0 ? std::string_view::npos : rest.rfind('/', b - 1);
    if (a == std::string_view::npos) return true;
    Doc d;
    std::string_view time = rest.substr(a + 1, b - a - 1);
    if (time != "unknown") d.time = std::strtoll(std::string(time).c_str(), nullptr, 10);
    d.key = std::string(key);
    d.value = std::string(value);
    by_name[std::string(rest.substr(0, a))].push_back(std::move(d));
    return true;
  }));
  std::vector<std::string> out;
  for (auto& [name, docs] : by_name) {
    std::sort(docs.begin(), docs.end(), [](const Doc& x, const Doc& y) { return std::tie(x.time, x.key) < std::tie(y.time, y.key); });
    const Doc* pick = nullptr;
    for (const Doc& d : docs)
      if (as_of == kNoTime || d.time == kNoTime || d.time <= as_of) pick = &d;
    if (pick == nullptr) pick = &docs.front();
    out.push_back(pick->value);
  }
  return out;
}

}  // namespace

namespace ingest {

bool IsScpDocument(const JsonValue& v) {
  return v.IsObject() && Obj(Member(Member(v, "Policy"), "PolicySummary")) != nullptr &&
         Member(Member(v, "Policy"), "Content") != nullptr;
}

Result<ServiceControlPolicy> ScpFromJson(const JsonValue& doc, AuthzParseStats* stats) {
  if (!IsScpDocument(doc)) return Status::InvalidArgument("not an Organizations describe-policy document");
  const JsonValue* summary = Member(Member(doc, "Policy"), "PolicySummary");
  ServiceControlPolicy scp;
  auto type = Str(Member(summary, "Type"));
  if (!type || *type != "SERVICE_CONTROL_POLICY")
    return Status::InvalidArgument("describe-policy: PolicySummary.Type is not SERVICE_CONTROL_POLICY");
  auto id = Str(Member(summary, "Id"));
  auto arn = Str(Member(summary, "Arn"));
  if (!id || id->empty() || id->size() > 128 || id->find('/') != std::string_view::npos)
    return Status::Corruption("describe-policy: PolicySummary.Id missing or malformed");
  scp.id = std::string(*id);
  scp.arn = arn ? std::string(arn->substr(0, 2048)) : scp.id;
  scp.name = std::string(Str(Member(summary, "Name")).value_or("").substr(0, 256));
  auto content = Str(Member(Member(doc, "Policy"), "Content"));
  if (!content) return Status::Corruption("describe-policy: Policy.Content is not a string");
  GUMSHOE_ASSIGN_OR_RETURN(scp.policy, ParsePolicyDocument(*content, scp.arn, "", stats));
  const JsonValue* targets = Arr(Member(doc, "Targets"));
  if (targets == nullptr) {
    Count(stats, "scp_without_targets");
    return scp;
  }
  for (const JsonValue& t : targets->GetArray()) {
    if (scp.targets.size() >= kMaxTargets) {
      Count(stats, "too_many_scp_targets");
      break;
    }
    auto ttype = Str(Member(t, "Type"));
    auto tid = Str(Member(t, "TargetId"));
    if (!ttype || !tid || (*ttype != "ACCOUNT" && *ttype != "ORGANIZATIONAL_UNIT" && *ttype != "ROOT")) {
      Count(stats, "bad_scp_target");
      continue;
    }
    scp.targets.push_back({std::string(*ttype), std::string(tid->substr(0, 128))});
  }
  return scp;
}

bool IsResourcePolicyDocument(const JsonValue& v) {
  if (!v.IsObject()) return false;
  if (Str(Member(v, "ResourcePolicy")) && Str(Member(v, "ARN"))) return true;
  return Str(Member(v, "Policy")) && Str(Member(v, "ResourceArn"));
}

Result<iam::ResourcePolicy> ResourcePolicyFromJson(const JsonValue& doc, AuthzParseStats* stats) {
  if (!IsResourcePolicyDocument(doc))
    return Status::InvalidArgument("not a resource policy ({\"ARN\",\"ResourcePolicy\"} or {\"ResourceArn\",\"Policy\"})");
  const bool secret_shape = Str(Member(doc, "ResourcePolicy")).has_value();
  std::string_view arn = *Str(Member(doc, secret_shape ? "ARN" : "ResourceArn"));
  std::string_view text = *Str(Member(doc, secret_shape ? "ResourcePolicy" : "Policy"));
  auto res = iam::ResourceOfArn(arn);
  if (!res || (secret_shape && res->type != iam::ResourceType::kSecret))
    return Status::InvalidArgument("resource policy for " + std::string(arn.substr(0, 256)) +
                                   ": not a bucket, KMS key or secret ARN without wildcards");
  iam::ResourcePolicy rp;
  rp.type = res->type;
  rp.arn = res->arn;
  rp.account = res->account;
  if (rp.account.empty())
    if (auto a = Str(Member(doc, "Account"))) rp.account = std::string(a->substr(0, 32));
  GUMSHOE_ASSIGN_OR_RETURN(rp.policy, ParsePolicyDocument(text, rp.arn + "/resource-policy", "", stats));
  return rp;
}

Status LoadOrgAndResourcePolicies(const GraphStore& store, Timestamp as_of, std::vector<AccountAuthorization>& accounts) {
  const std::string doc(kDocumentPrefix);
  GUMSHOE_ASSIGN_OR_RETURN(std::vector<std::string> scp_docs, Latest(store, doc + "iam_scp/", as_of));
  std::vector<ServiceControlPolicy> scps;
  AuthzParseStats scp_stats;
  for (const std::string& text : scp_docs) {
    if (scps.size() >= kMaxScps) break;
    auto scp = ParseServiceControlPolicy(text, &scp_stats);
    if (scp.ok()) scps.push_back(std::move(scp).value());
  }
  GUMSHOE_ASSIGN_OR_RETURN(std::vector<std::string> rp_docs, Latest(store, doc + "resource_policy/", as_of));
  std::vector<iam::ResourcePolicy> rps;
  AuthzParseStats rp_stats;
  for (const std::string& text : rp_docs) {
    if (rps.size() >= kMaxResourcePolicies) break;
    auto rp = ParseResourcePolicy(text, &rp_stats);
    if (rp.ok()) rps.push_back(std::move(rp).value());
  }
  std::sort(rps.begin(), rps.end(), [](const iam::ResourcePolicy& a, const iam::ResourcePolicy& b) { return a.arn < b.arn; });
  for (AccountAuthorization& acc : accounts) {
    acc.snapshot.scp_layers = ScpLayersFor(scps, acc.snapshot.account, &acc.scp_notes);
    for (const ServiceControlPolicy& s : scps)
      for (const auto& t : s.targets)
        if (t.type == "ROOT" || (t.type == "ACCOUNT" && t.id == acc.snapshot.account))
          acc.scps_applied.push_back(s.arn + " (" + t.type + ")");
    acc.snapshot.resource_policies = rps;
    for (const auto* st : {&scp_stats, &rp_stats})
      for (const auto& [name, n] : st->anomalies) acc.stats.anomalies[name] += n;
  }
  return Status::Ok();
}

}  // namespace ingest

Result<ServiceControlPolicy> ParseServiceControlPolicy(std::string_view json, AuthzParseStats* stats) {
  GUMSHOE_ASSIGN_OR_RETURN(rapidjson::Document doc, ParseJson(json, "service control policy"));
  return ingest::ScpFromJson(doc, stats);
}

Result<iam::ResourcePolicy> ParseResourcePolicy(std::string_view json, AuthzParseStats* stats) {
  GUMSHOE_ASSIGN_OR_RETURN(rapidjson::Document doc, ParseJson(json, "resource policy"));
  return ingest::ResourcePolicyFromJson(doc, stats);
}

bool LooksLikeIamPolicyExport(std::string_view head) {
  auto has = [&](std::string_view s) { return head.find(s) != std::string_view::npos; };
  return (has("\"PolicySummary\"") && has("\"Content\"")) || (has("\"ResourcePolicy\"") && has("\"ARN\"")) ||
         (has("\"ResourceArn\"") && has("\"Policy\""));
}

std::vector<std::vector<iam::Policy>> ScpLayersFor(const std::vector<ServiceControlPolicy>& scps,
                                                   std::string_view account, std::vector<std::string>* notes) {
  std::vector<iam::Policy> root, own;
  for (const ServiceControlPolicy& s : scps) {
    for (const auto& t : s.targets) {
      if (t.type == "ROOT") {
        root.push_back(s.policy);
      } else if (t.type == "ACCOUNT" && t.id == account) {
        own.push_back(s.policy);
      } else if (t.type == "ORGANIZATIONAL_UNIT" && notes != nullptr) {
        notes->push_back(s.arn + " is attached to " + t.id +
                         ": not applied (which accounts that OU holds is not in the input)");
      }
    }
  }
  std::vector<std::vector<iam::Policy>> layers;
  for (auto* level : {&root, &own}) {
    if (level->empty()) continue;
    bool allows = false;
    for (const iam::Policy& p : *level)
      for (const iam::Statement& st : p.statements) allows = allows || st.effect == iam::Effect::kAllow;
    if (!allows) {
      iam::Statement all;
      all.effect = iam::Effect::kAllow;
      all.actions = {"*"};
      all.has_resource = true;
      all.resources = {"*"};
      level->push_back(iam::Policy{std::string(kFullAwsAccess), "", {all}});
      if (notes != nullptr)
        notes->push_back(std::string(level == &root ? "the root" : "account " + std::string(account)) +
                         " level has SCPs with only Deny statements: evaluated with FullAWSAccess beside them");
    }
    layers.push_back(std::move(*level));
  }
  return layers;
}

}  // namespace gumshoe
