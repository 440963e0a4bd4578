#include "gumshoe/iam/authz.h"

#include <algorithm>
#include <array>
#include <set>
#include <tuple>
#include <unordered_map>

namespace gumshoe::iam {
namespace {

using K = CouldKind;

// The catalogue. Rhino Security Labs' 21 methods come first, in their order;
// later additions (SageMaker, ECS, CodeBuild) follow.
constexpr std::array<PrivescMethod, 24> kMethods = {{
    {"CreateNewPolicyVersion", "iam:CreatePolicyVersion", K::kCanCreatePolicyVersion, "",
     "write a new default version of a managed policy attached to the target"},
    {"SetExistingDefaultPolicyVersion", "iam:SetDefaultPolicyVersion", K::kCanCreatePolicyVersion, "",
     "make an existing admin version of a policy attached to the target the default"},
    {"CreateEC2WithExistingInstanceProfile", "iam:PassRole + ec2:RunInstances", K::kCanPassRoleTo,
     "ec2.amazonaws.com", "launch an instance with the role's instance profile and read its credentials"},
    {"CreateAccessKey", "iam:CreateAccessKey", K::kCanCreateKeyFor, "", "create an access key for the user"},
    {"CreateLoginProfile", "iam:CreateLoginProfile", K::kCanSetPasswordFor, "",
     "set a console password for a user that has none"},
    {"UpdateLoginProfile", "iam:UpdateLoginProfile", K::kCanSetPasswordFor, "",
     "change the user's console password"},
    {"AttachUserPolicy", "iam:AttachUserPolicy", K::kCanAttachPolicyTo, "",
     "attach any managed policy (AdministratorAccess) to the user"},
    {"AttachGroupPolicy", "iam:AttachGroupPolicy", K::kCanAttachPolicyTo, "",
     "attach any managed policy to a group"},
    {"AttachRolePolicy", "iam:AttachRolePolicy", K::kCanAttachPolicyTo, "",
     "attach any managed policy to the role"},
    {"PutUserPolicy", "iam:PutUserPolicy", K::kCanPutPolicyOn, "", "write an inline policy on the user"},
    {"PutGroupPolicy", "iam:PutGroupPolicy", K::kCanPutPolicyOn, "", "write an inline policy on a group"},
    {"PutRolePolicy", "iam:PutRolePolicy", K::kCanPutPolicyOn, "", "write an inline policy on the role"},
    {"AddUserToGroup", "iam:AddUserToGroup", K::kCanAddToGroup, "", "add oneself to the group"},
    {"UpdateRolePolicyToAssumeIt", "iam:UpdateAssumeRolePolicy", K::kCanUpdateTrustOf, "",
     "rewrite the role's trust policy to trust oneself, then assume it"},
    {"PassExistingRoleToNewLambdaThenInvoke", "iam:PassRole + lambda:CreateFunction + lambda:InvokeFunction",
     K::kCanPassRoleTo, "lambda.amazonaws.com", "create a function running as the role and invoke it"},
    {"PassExistingRoleToNewLambdaThenTriggerWithNewDynamo",
     "iam:PassRole + lambda:CreateFunction + lambda:CreateEventSourceMapping", K::kCanPassRoleTo,
     "lambda.amazonaws.com", "create a function running as the role, triggered by an event source"},
    {"EditExistingLambdaFunctionWithRole", "lambda:UpdateFunctionCode", K::kCanChangeCodeOf, "lambda.amazonaws.com",
     "replace the code of a function that runs as the role"},
    {"PassExistingRoleToNewGlueDevEndpoint", "iam:PassRole + glue:CreateDevEndpoint", K::kCanPassRoleTo,
     "glue.amazonaws.com", "create a Glue dev endpoint running as the role and log in to it"},
    {"UpdateExistingGlueDevEndpoint", "glue:UpdateDevEndpoint", K::kCanChangeCodeOf, "glue.amazonaws.com",
     "add an SSH key to a Glue dev endpoint that runs as the role"},
    {"PassExistingRoleToCloudFormation", "iam:PassRole + cloudformation:CreateStack", K::kCanPassRoleTo,
     "cloudformation.amazonaws.com", "create a stack whose resources are made with the role"},
    {"PassExistingRoleToNewDataPipeline",
     "iam:PassRole + datapipeline:CreatePipeline + datapipeline:PutPipelineDefinition", K::kCanPassRoleTo,
     "datapipeline.amazonaws.com", "create a pipeline whose activities run as the role"},
    {"PassExistingRoleToNewSageMakerNotebook",
     "iam:PassRole + sagemaker:CreateNotebookInstance + sagemaker:CreatePresignedNotebookInstanceUrl",
     K::kCanPassRoleTo, "sagemaker.amazonaws.com", "create a notebook running as the role and open it"},
    {"PassExistingRoleToNewEcsTask", "iam:PassRole + ecs:RegisterTaskDefinition + ecs:RunTask", K::kCanPassRoleTo,
     "ecs-tasks.amazonaws.com", "run a task whose task role is the role"},
    {"PassExistingRoleToNewCodeBuildProject", "iam:PassRole + codebuild:CreateProject + codebuild:StartBuild",
     K::kCanPassRoleTo, "codebuild.amazonaws.com", "run a build whose service role is the role"},
}};

// The service actions each pass-role method needs besides iam:PassRole.
struct ServiceActions {
  std::string_view method;
  std::array<std::string_view, 2> actions;
};
constexpr std::array<ServiceActions, 9> kServiceActions = {{
    {"CreateEC2WithExistingInstanceProfile", {"ec2:RunInstances", ""}},
    {"PassExistingRoleToNewLambdaThenInvoke", {"lambda:CreateFunction", "lambda:InvokeFunction"}},
    {"PassExistingRoleToNewLambdaThenTriggerWithNewDynamo",
     {"lambda:CreateFunction", "lambda:CreateEventSourceMapping"}},
    {"PassExistingRoleToNewGlueDevEndpoint", {"glue:CreateDevEndpoint", ""}},
    {"PassExistingRoleToCloudFormation", {"cloudformation:CreateStack", ""}},
    {"PassExistingRoleToNewDataPipeline", {"datapipeline:CreatePipeline", "datapipeline:PutPipelineDefinition"}},
    {"PassExistingRoleToNewSageMakerNotebook",
     {"sagemaker:CreateNotebookInstance", "sagemaker:CreatePresignedNotebookInstanceUrl"}},
    {"PassExistingRoleToNewEcsTask", {"ecs:RegisterTaskDefinition", "ecs:RunTask"}},
    {"PassExistingRoleToNewCodeBuildProject", {"codebuild:CreateProject", "codebuild:StartBuild"}},
}};

// The statements of one node's effective policies whose Action element covers
// one action, in the layers Evaluate combines. Evaluating a target resource
// then touches only these few statements instead of every policy.
class ActionView {
 public:
  ActionView(const PolicySet& set, std::string_view action) : action_(action) {
    for (const Policy* p : set.identity) Keep(*p, identity_);
    if (set.boundary != nullptr) {
      has_boundary_ = true;
      Keep(*set.boundary, boundary_);
    }
    for (const auto& layer : set.scp_layers) {
      scps_.emplace_back();
      for (const Policy* p : layer) Keep(*p, scps_.back());
    }
    possible_ = HasAllow(identity_) && (!has_boundary_ || HasAllow(boundary_)) &&
                std::all_of(scps_.begin(), scps_.end(), [](const std::vector<Policy>& l) { return HasAllow(l); });
  }
  // False when no resource at all can be allowed: every target fails.
  bool possible() const { return possible_; }
  EvalResult At(std::string_view resource, bool any_resource = false) const {
    if (!possible_) return {};
    PolicySet set;
    for (const Policy& p : identity_) set.identity.push_back(&p);
    if (has_boundary_) set.boundary = &boundary_[0];
    for (const auto& layer : scps_) {
      set.scp_layers.emplace_back();
      for (const Policy& p : layer) set.scp_layers.back().push_back(&p);
    }
    return Evaluate(set, Request{action_, std::string(resource), any_resource});
  }

 private:
  void Keep(const Policy& p, std::vector<Policy>& into) const {
    Policy kept{p.name, p.version_id, {}};
    for (const Statement& s : p.statements) {
      bool action = false;
      for (const std::string& a : s.actions) action = action || WildcardMatch(a, action_, true);
      if (s.not_action) action = !action;
      if (action) kept.statements.push_back(s);
    }
    if (!kept.statements.empty()) into.push_back(std::move(kept));
  }
  static bool HasAllow(const std::vector<Policy>& l) {
    for (const Policy& p : l)
      for (const Statement& s : p.statements)
        if (s.effect == Effect::kAllow) return true;
    return false;
  }
  std::string action_;
  std::vector<Policy> identity_, boundary_;
  std::vector<std::vector<Policy>> scps_;
  bool has_boundary_ = false;
  bool possible_ = false;
};

// Who a role's trust policy names, so that a caller is checked only against
// the roles that could admit it.
struct TrustIndex {
  std::unordered_map<std::string, std::vector<size_t>> by_arn;      // AWS principal ARNs, federated providers
  std::unordered_map<std::string, std::vector<size_t>> by_account;  // account IDs (from "123" or ":root")
  std::unordered_map<std::string, std::vector<size_t>> by_service;  // service principals
  std::vector<size_t> anyone;  // "*" or NotPrincipal: checked for every caller
};

std::string_view RootAccount(std::string_view v) {
  // arn:aws:iam::123456789012:root -> 123456789012
  constexpr std::string_view kPrefix = "arn:aws:iam::";
  if (v.size() > kPrefix.size() + 5 && v.substr(0, kPrefix.size()) == kPrefix && v.ends_with(":root"))
    return v.substr(kPrefix.size(), v.size() - kPrefix.size() - 5);
  return {};
}

bool AllDigits(std::string_view v) {
  return !v.empty() && std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; });
}

TrustIndex IndexTrust(const AuthorizationSnapshot& snap) {
  TrustIndex idx;
  for (size_t i = 0; i < snap.nodes.size(); ++i) {
    const Node& n = snap.nodes[i];
    if (n.type != NodeType::kRole || !n.trust) continue;
    bool anyone = false;
    for (const Statement& s : n.trust->statements) {
      if (s.effect != Effect::kAllow || !s.has_principal) continue;
      if (s.not_principal) {
        anyone = true;
        continue;
      }
      for (const PrincipalPattern& p : s.principals) {
        using T = PrincipalPattern::Type;
        if (p.type == T::kAny || p.value == "*") {
          anyone = true;
        } else if (p.type == T::kService) {
          idx.by_service[p.value].push_back(i);
        } else if (p.type == T::kAws && AllDigits(p.value)) {
          idx.by_account[p.value].push_back(i);
        } else if (p.type == T::kAws && !RootAccount(p.value).empty()) {
          idx.by_account[std::string(RootAccount(p.value))].push_back(i);
        } else {
          idx.by_arn[p.value].push_back(i);
        }
      }
    }
    if (anyone) idx.anyone.push_back(i);
  }
  return idx;
}

// Whether giving `to` any permission gives it to `holder`: `to` is the holder
// itself or a group the holder (a user) is in.
bool SelfGrantOf(const AuthorizationSnapshot& snap, size_t holder, size_t to) {
  if (to == holder) return true;
  const Node& h = snap.nodes[holder];
  const Node& t = snap.nodes[to];
  return h.type == NodeType::kUser && t.type == NodeType::kGroup &&
         std::find(h.groups.begin(), h.groups.end(), t.name) != h.groups.end();
}

class Builder {
 public:
  Builder(const AuthorizationSnapshot& snap, const CouldOptions& opt) : snap_(snap), opt_(opt) {
    g_.snapshot = &snap;
    const size_t n = snap.nodes.size();
    g_.out.resize(n);
    g_.admin.assign(n, false);
    g_.admin_evidence.resize(n);
    sets_.reserve(n);
    for (size_t i = 0; i < n; ++i) sets_.push_back(PoliciesOf(snap, i));
    for (size_t i = 0; i < n; ++i) {
      const Node& node = snap.nodes[i];
      if (node.type == NodeType::kUser) users_.push_back(i);
      if (node.type == NodeType::kRole) roles_.push_back(i);
      if (node.type == NodeType::kGroup) groups_.push_back(i);
      for (const std::string& arn : node.managed) attached_[arn].push_back(i);
      if (node.type == NodeType::kUser)
        for (const std::string& gname : node.groups)
          if (auto gi = snap.FindGroup(gname)) member_of_[i].push_back(*gi);
      EvalResult r = Evaluate(sets_[i], Request{"*", "*", false});
      if (r.decision == Decision::kAllow) {
        g_.admin[i] = true;
        for (const StatementRef& ref : r.allowed_by) g_.admin_evidence[i].push_back(Intern(ref));
      }
    }
    trust_ = IndexTrust(snap);
  }

  CouldGraph Build() {
    for (size_t a = 0; a < snap_.nodes.size(); ++a) {
      // An admin can already do everything; its edges would only restate that.
      if (g_.admin[a]) continue;
      From(a);
    }
    std::sort(g_.edges.begin(), g_.edges.end(), [](const CouldEdge& x, const CouldEdge& y) {
      return std::tie(x.from, x.to, x.kind, x.method) < std::tie(y.from, y.to, y.kind, y.method);
    });
    for (size_t e = 0; e < g_.edges.size(); ++e) g_.out[g_.edges[e].from].push_back(e);
    MarkReachesAdmin();
    return std::move(g_);
  }

 private:
  // Seeds: admins, nodes that can give themselves (or a group they are in)
  // any permission, and nodes that can give it to a node they act as in one
  // step. Every node with an identity path to a seed reaches admin.
  void MarkReachesAdmin() {
    const size_t n = snap_.nodes.size();
    g_.reaches_admin.assign(n, false);
    g_.self_admin.assign(n, {-1, -1});
    std::vector<std::vector<size_t>> in(n);
    std::vector<size_t> queue;
    auto seed = [&](size_t i) {
      if (!g_.reaches_admin[i]) {
        g_.reaches_admin[i] = true;
        queue.push_back(i);
      }
    };
    for (size_t i = 0; i < n; ++i) {
      // out[i] is sorted by target: the first identity edge to each target.
      std::unordered_map<size_t, size_t> identity_to;
      for (size_t ei : g_.out[i]) {
        const CouldEdge& e = g_.edges[ei];
        if (GivesIdentity(e.kind)) {
          in[e.to].push_back(i);
          identity_to.emplace(e.to, ei);
        }
      }
      if (g_.admin[i]) seed(i);
      for (size_t ei : g_.out[i]) {
        const CouldEdge& e = g_.edges[ei];
        if (GivesIdentity(e.kind) || g_.self_admin[i][0] >= 0) continue;
        if (SelfGrantOf(snap_, i, e.to)) {
          g_.self_admin[i] = {static_cast<int64_t>(ei), -1};
        } else if (auto it = identity_to.find(e.to); it != identity_to.end()) {
          g_.self_admin[i] = {static_cast<int64_t>(ei), static_cast<int64_t>(it->second)};
        }
        if (g_.self_admin[i][0] >= 0) seed(i);
      }
    }
    for (size_t qi = 0; qi < queue.size(); ++qi)
      for (size_t from : in[queue[qi]]) seed(from);
  }

  uint32_t Intern(const StatementRef& ref) {
    auto key = ref.ToString();
    auto [it, fresh] = ref_index_.emplace(key, static_cast<uint32_t>(g_.refs.size()));
    if (fresh) g_.refs.push_back(ref);
    return it->second;
  }

  // Adds the edge when every part allows it; parts' conditions are unioned.
  void Add(size_t from, size_t to, CouldKind kind, std::string_view method, std::initializer_list<const EvalResult*> parts) {
    CouldEdge e{from, to, kind, method, {}, {}};
    for (const EvalResult* r : parts) {
      if (!r->allowed()) return;
      for (const StatementRef& ref : r->allowed_by) e.evidence.push_back(Intern(ref));
      e.condition_keys.insert(e.condition_keys.end(), r->condition_keys.begin(), r->condition_keys.end());
    }
    if (!e.condition_keys.empty() && !opt_.include_conditional) return;
    std::sort(e.condition_keys.begin(), e.condition_keys.end());
    e.condition_keys.erase(std::unique(e.condition_keys.begin(), e.condition_keys.end()), e.condition_keys.end());
    std::sort(e.evidence.begin(), e.evidence.end());
    e.evidence.erase(std::unique(e.evidence.begin(), e.evidence.end()), e.evidence.end());
    g_.edges.push_back(std::move(e));
  }

  const ActionView& View(size_t a, std::string_view action) {
    auto it = views_.find(std::string(action));
    if (it == views_.end()) it = views_.emplace(std::string(action), ActionView(sets_[a], action)).first;
    return it->second;
  }

  // Resource-targeted methods: one action on each target of a type.
  void OnTargets(size_t a, std::string_view action, NodeType type, CouldKind kind, std::string_view method,
                 bool self_too) {
    const ActionView& v = View(a, action);
    if (!v.possible()) return;
    const std::vector<size_t>& targets =
        type == NodeType::kUser ? users_ : type == NodeType::kRole ? roles_ : groups_;
    for (size_t t : targets) {
      if (t == a && !self_too) continue;
      EvalResult r = v.At(snap_.nodes[t].arn);
      Add(a, t, kind, method, {&r});
    }
  }

  void From(size_t a) {
    views_.clear();
    const Node& node = snap_.nodes[a];
    OnTargets(a, "iam:CreateAccessKey", NodeType::kUser, K::kCanCreateKeyFor, "CreateAccessKey", false);
    OnTargets(a, "iam:CreateLoginProfile", NodeType::kUser, K::kCanSetPasswordFor, "CreateLoginProfile", false);
    OnTargets(a, "iam:UpdateLoginProfile", NodeType::kUser, K::kCanSetPasswordFor, "UpdateLoginProfile", false);
    OnTargets(a, "iam:AttachUserPolicy", NodeType::kUser, K::kCanAttachPolicyTo, "AttachUserPolicy", true);
    OnTargets(a, "iam:AttachGroupPolicy", NodeType::kGroup, K::kCanAttachPolicyTo, "AttachGroupPolicy", true);
    OnTargets(a, "iam:AttachRolePolicy", NodeType::kRole, K::kCanAttachPolicyTo, "AttachRolePolicy", true);
    OnTargets(a, "iam:PutUserPolicy", NodeType::kUser, K::kCanPutPolicyOn, "PutUserPolicy", true);
    OnTargets(a, "iam:PutGroupPolicy", NodeType::kGroup, K::kCanPutPolicyOn, "PutGroupPolicy", true);
    OnTargets(a, "iam:PutRolePolicy", NodeType::kRole, K::kCanPutPolicyOn, "PutRolePolicy", true);
    OnTargets(a, "iam:UpdateAssumeRolePolicy", NodeType::kRole, K::kCanUpdateTrustOf, "UpdateRolePolicyToAssumeIt",
              false);
    if (node.type == NodeType::kUser) {
      const ActionView& v = View(a, "iam:AddUserToGroup");
      if (v.possible()) {
        const auto& mine = member_of_[a];
        for (size_t gi : groups_) {
          if (std::find(mine.begin(), mine.end(), gi) != mine.end()) continue;
          EvalResult r = v.At(snap_.nodes[gi].arn);
          Add(a, gi, K::kCanAddToGroup, "AddUserToGroup", {&r});
        }
      }
    }
    PolicyVersions(a);
    PassRole(a);
    ChangeCode(a);
    Assume(a);
  }

  void PolicyVersions(size_t a) {
    const ActionView& create = View(a, "iam:CreatePolicyVersion");
    const ActionView& set_default = View(a, "iam:SetDefaultPolicyVersion");
    if (!create.possible() && !set_default.possible()) return;
    for (const auto& [arn, mp] : snap_.policies) {
      auto att = attached_.find(arn);
      if (att == attached_.end()) continue;
      EvalResult c = create.At(arn);
      bool admin_version = false;
      if (set_default.possible())
        for (const auto& [vid, doc] : mp.versions)
          if (vid != mp.default_version && EvaluatePolicy(doc, Request{"*", "*", false}).decision == Decision::kAllow)
            admin_version = true;
      EvalResult d = admin_version ? set_default.At(arn) : EvalResult{};
      for (size_t t : att->second) {
        Add(a, t, K::kCanCreatePolicyVersion, "CreateNewPolicyVersion", {&c});
        Add(a, t, K::kCanCreatePolicyVersion, "SetExistingDefaultPolicyVersion", {&d});
      }
    }
  }

  void PassRole(size_t a) {
    const ActionView& pass = View(a, "iam:PassRole");
    if (!pass.possible()) return;
    for (const ServiceActions& sa : kServiceActions) {
      const PrivescMethod* m = nullptr;
      for (const PrivescMethod& x : kMethods)
        if (x.id == sa.method) m = &x;
      auto trusting = trust_.by_service.find(std::string(m->service));
      if (trusting == trust_.by_service.end()) continue;
      std::vector<EvalResult> service;
      bool ok = true;
      for (std::string_view act : sa.actions) {
        if (act.empty()) continue;
        service.push_back(View(a, act).At("", true));
        ok = ok && service.back().allowed();
      }
      if (!ok) continue;
      const bool ec2 = m->service == "ec2.amazonaws.com";
      EvalResult make_profile, add_to_profile;
      if (ec2) {
        make_profile = View(a, "iam:CreateInstanceProfile").At("", true);
        add_to_profile = View(a, "iam:AddRoleToInstanceProfile").At("", true);
      }
      for (size_t r : trusting->second) {
        if (r == a) continue;
        const Node& role = snap_.nodes[r];
        Caller svc{std::string(m->service), "", true};
        TrustResult tr = EvaluateTrust(*role.trust, svc, "sts:AssumeRole", role.arn);
        if (tr.match != TrustMatch::kDirect) continue;
        EvalResult p = pass.At(role.arn);
        std::vector<const EvalResult*> parts{&p, &tr.eval};
        for (const EvalResult& s : service) parts.push_back(&s);
        if (ec2 && !role.has_instance_profile) {
          parts.push_back(&make_profile);
          parts.push_back(&add_to_profile);
        }
        AddParts(a, r, K::kCanPassRoleTo, m->id, parts);
      }
    }
  }

  void AddParts(size_t from, size_t to, CouldKind kind, std::string_view method,
                const std::vector<const EvalResult*>& parts) {
    for (const EvalResult* r : parts)
      if (!r->allowed()) return;
    EvalResult merged;
    merged.decision = Decision::kAllow;
    for (const EvalResult* r : parts) {
      merged.allowed_by.insert(merged.allowed_by.end(), r->allowed_by.begin(), r->allowed_by.end());
      merged.condition_keys.insert(merged.condition_keys.end(), r->condition_keys.begin(), r->condition_keys.end());
    }
    Add(from, to, kind, method, {&merged});
  }

  void ChangeCode(size_t a) {
    for (const auto& w : snap_.workloads) {
      auto role = snap_.Find(w.role_arn);
      if (!role || *role == a) continue;
      std::string_view action = w.service == "lambda.amazonaws.com" ? "lambda:UpdateFunctionCode"
                                : w.service == "glue.amazonaws.com" ? "glue:UpdateDevEndpoint"
                                                                    : "";
      if (action.empty()) continue;
      const ActionView& v = View(a, action);
      if (!v.possible()) continue;
      EvalResult r = v.At(w.arn);
      Add(a, *role, K::kCanChangeCodeOf,
          w.service == "lambda.amazonaws.com" ? "EditExistingLambdaFunctionWithRole" : "UpdateExistingGlueDevEndpoint",
          {&r});
    }
  }

  void Assume(size_t a) {
    const Node& node = snap_.nodes[a];
    const ActionView& identity = View(a, "sts:AssumeRole");
    std::vector<size_t> candidates;
    auto take = [&](const auto& map, const std::string& key) {
      auto it = map.find(key);
      if (it != map.end()) candidates.insert(candidates.end(), it->second.begin(), it->second.end());
    };
    take(trust_.by_arn, node.arn);
    if (identity.possible()) {
      take(trust_.by_account, node.account);
      candidates.insert(candidates.end(), trust_.anyone.begin(), trust_.anyone.end());
    }
    std::sort(candidates.begin(), candidates.end());
    candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
    Caller caller{node.arn, node.account, false};
    for (size_t r : candidates) {
      if (r == a) continue;
      const Node& role = snap_.nodes[r];
      TrustResult tr = EvaluateTrust(*role.trust, caller, "sts:AssumeRole", role.arn);
      if (tr.match == TrustMatch::kNone) continue;
      // Named directly in the same account, the trust policy is enough; through
      // the account (or from another account) the caller's policies must allow it.
      if (tr.match == TrustMatch::kDirect && role.account == node.account) {
        // Boundaries and SCPs still apply to the caller's request.
        EvalResult guard = GuardOnly(a, role.arn);
        Add(a, r, K::kCanAssume, "AssumeRole", {&tr.eval, &guard});
      } else {
        EvalResult id = identity.At(role.arn);
        Add(a, r, K::kCanAssume, "AssumeRole", {&tr.eval, &id});
      }
    }
  }

  // The boundary and SCPs alone (no identity policy needed), for a same-account
  // AssumeRole that the trust policy grants by name.
  EvalResult GuardOnly(size_t a, const std::string& role_arn) const {
    const PolicySet& set = sets_[a];
    const Request req{"sts:AssumeRole", role_arn, false};
    // Explicit denies in the identity policies still block it.
    for (const Policy* p : set.identity) {
      EvalResult r = EvaluatePolicy(*p, req);
      if (r.decision == Decision::kExplicitDeny) return r;
    }
    EvalResult ok;
    ok.decision = Decision::kAllow;
    auto fold = [&](const EvalResult& r) {
      ok.condition_keys.insert(ok.condition_keys.end(), r.condition_keys.begin(), r.condition_keys.end());
    };
    if (set.boundary != nullptr) {
      EvalResult r = EvaluatePolicy(*set.boundary, req);
      if (!r.allowed()) return r;
      fold(r);
    }
    for (const auto& layer : set.scp_layers) {
      PolicySet one;
      one.identity = layer;
      EvalResult r = Evaluate(one, req);
      if (!r.allowed()) return r;
      fold(r);
    }
    if (!ok.condition_keys.empty()) ok.decision = Decision::kConditional;
    return ok;
  }

  const AuthorizationSnapshot& snap_;
  const CouldOptions& opt_;
  CouldGraph g_;
  std::vector<PolicySet> sets_;
  std::vector<size_t> users_, roles_, groups_;
  std::unordered_map<std::string, std::vector<size_t>> attached_;
  std::unordered_map<size_t, std::vector<size_t>> member_of_;
  std::unordered_map<std::string, uint32_t> ref_index_;
  std::unordered_map<std::string, ActionView> views_;
  TrustIndex trust_;
};

}  // namespace

const Policy* ManagedPolicy::Default() const {
  auto it = versions.find(default_version);
  return it == versions.end() ? nullptr : &it->second;
}

std::string_view NodeTypeName(NodeType t) {
  switch (t) {
    case NodeType::kUser: return "user";
    case NodeType::kRole: return "role";
    case NodeType::kGroup: return "group";
  }
  return "unknown";
}

std::optional<size_t> AuthorizationSnapshot::Find(std::string_view arn) const {
  for (size_t i = 0; i < nodes.size(); ++i)
    if (nodes[i].type != NodeType::kGroup && nodes[i].arn == arn) return i;
  return std::nullopt;
}

std::optional<size_t> AuthorizationSnapshot::FindGroup(std::string_view name) const {
  for (size_t i = 0; i < nodes.size(); ++i)
    if (nodes[i].type == NodeType::kGroup && nodes[i].name == name) return i;
  return std::nullopt;
}

std::string_view CouldKindName(CouldKind k) {
  switch (k) {
    case K::kCanAssume: return "can_assume";
    case K::kCanCreateKeyFor: return "can_create_key_for";
    case K::kCanSetPasswordFor: return "can_set_password_for";
    case K::kCanAttachPolicyTo: return "can_attach_policy_to";
    case K::kCanPutPolicyOn: return "can_put_policy_on";
    case K::kCanAddToGroup: return "can_add_to_group";
    case K::kCanUpdateTrustOf: return "can_update_trust_of";
    case K::kCanPassRoleTo: return "can_pass_role_to";
    case K::kCanChangeCodeOf: return "can_change_code_of";
    case K::kCanCreatePolicyVersion: return "can_create_policy_version";
  }
  return "unknown";
}

bool GivesIdentity(CouldKind k) {
  return k != K::kCanAttachPolicyTo && k != K::kCanPutPolicyOn && k != K::kCanCreatePolicyVersion;
}

std::span<const PrivescMethod> PrivescMethods() { return kMethods; }

PolicySet PoliciesOf(const AuthorizationSnapshot& snap, size_t i) {
  PolicySet set;
  const Node& n = snap.nodes[i];
  auto add_node = [&](const Node& x) {
    for (const std::string& arn : x.managed) {
      auto it = snap.policies.find(arn);
      if (it != snap.policies.end())
        if (const Policy* p = it->second.Default()) set.identity.push_back(p);
    }
    for (const Policy& p : x.inline_policies) set.identity.push_back(&p);
  };
  add_node(n);
  if (n.type == NodeType::kUser)
    for (const std::string& g : n.groups)
      if (auto gi = snap.FindGroup(g)) add_node(snap.nodes[*gi]);
  if (!n.boundary.empty() && n.type != NodeType::kGroup) {
    auto it = snap.policies.find(n.boundary);
    static const Policy kDenyAll{};  // a boundary that cannot be read allows nothing
    set.boundary = it != snap.policies.end() && it->second.Default() ? it->second.Default() : &kDenyAll;
  }
  for (const auto& layer : snap.scp_layers) {
    set.scp_layers.emplace_back();
    for (const Policy& p : layer) set.scp_layers.back().push_back(&p);
  }
  return set;
}

CouldGraph BuildCouldGraph(const AuthorizationSnapshot& snapshot, const CouldOptions& options) {
  return Builder(snapshot, options).Build();
}

namespace {

bool SelfGrant(const AuthorizationSnapshot& snap, size_t holder, const CouldEdge& e) {
  return SelfGrantOf(snap, holder, e.to);
}

}  // namespace

std::vector<CouldPath> ShortestPaths(const CouldGraph& graph, size_t start, size_t max_depth, size_t max_paths) {
  std::vector<CouldPath> paths;
  const AuthorizationSnapshot& snap = *graph.snapshot;
  if (start >= snap.nodes.size() || graph.admin[start]) return paths;
  const size_t n = snap.nodes.size();
  // Breadth-first over the edges that let the start act as another node.
  std::vector<int64_t> via(n, -1);  // the edge that first reached each node
  std::vector<size_t> depth(n, 0);
  std::vector<bool> seen(n, false);
  std::vector<size_t> order{start};
  seen[start] = true;
  for (size_t qi = 0; qi < order.size(); ++qi) {
    const size_t x = order[qi];
    if (depth[x] >= max_depth || (x != start && graph.admin[x])) continue;
    for (size_t ei : graph.out[x]) {
      const CouldEdge& e = graph.edges[ei];
      if (!GivesIdentity(e.kind) || seen[e.to]) continue;
      seen[e.to] = true;
      via[e.to] = static_cast<int64_t>(ei);
      depth[e.to] = depth[x] + 1;
      order.push_back(e.to);
    }
  }
  auto path_to = [&](size_t node) {
    std::vector<size_t> steps;
    for (size_t x = node; via[x] >= 0; x = graph.edges[static_cast<size_t>(via[x])].from)
      steps.push_back(static_cast<size_t>(via[x]));
    std::reverse(steps.begin(), steps.end());
    return steps;
  };
  for (size_t x : order) {
    if (x == start) continue;
    paths.push_back(CouldPath{x, static_cast<bool>(graph.admin[x]), false, path_to(x)});
  }
  // Edges that give a node any permission: the start becomes admin when the
  // node is one it acts as (itself, a group it is in, or one it can reach).
  for (size_t x : order) {
    if (x != start && graph.admin[x]) continue;
    for (size_t ei : graph.out[x]) {
      const CouldEdge& e = graph.edges[ei];
      if (GivesIdentity(e.kind)) continue;
      CouldPath p{e.to, false, true, path_to(x)};
      p.steps.push_back(ei);
      if (SelfGrant(snap, x, e)) {
        p.admin_equivalent = true;
      } else if (seen[e.to]) {
        p.admin_equivalent = true;
        for (size_t s : path_to(e.to)) p.steps.push_back(s);
      }
      paths.push_back(std::move(p));
    }
  }
  std::stable_sort(paths.begin(), paths.end(), [](const CouldPath& a, const CouldPath& b) {
    return std::make_tuple(!a.admin_equivalent, a.steps.size(), a.target, a.grants) <
           std::make_tuple(!b.admin_equivalent, b.steps.size(), b.target, b.grants);
  });
  // The first (shortest) path to each target, for each way of ending.
  std::vector<CouldPath> out;
  std::set<std::pair<size_t, bool>> kept;
  for (CouldPath& p : paths) {
    if (!kept.insert({p.target, p.grants}).second) continue;
    out.push_back(std::move(p));
    if (out.size() >= max_paths) break;
  }
  return out;
}

std::optional<CouldPath> AdminPath(const CouldGraph& graph, size_t node, size_t max_depth) {
  if (node >= graph.admin.size()) return std::nullopt;
  if (graph.admin[node]) return CouldPath{node, true, false, {}};
  if (!graph.reaches_admin[node]) return std::nullopt;
  // Breadth-first inside reaches_admin; the first seed met ends the walk.
  std::unordered_map<size_t, std::pair<int64_t, size_t>> via;  // node -> (edge, depth)
  via[node] = {-1, 0};
  std::vector<size_t> order{node};
  auto path_to = [&](size_t x) {
    std::vector<size_t> steps;
    for (int64_t e = via[x].first; e >= 0; e = via[graph.edges[static_cast<size_t>(e)].from].first)
      steps.push_back(static_cast<size_t>(e));
    std::reverse(steps.begin(), steps.end());
    return steps;
  };
  for (size_t qi = 0; qi < order.size(); ++qi) {
    const size_t x = order[qi];
    if (graph.admin[x]) return CouldPath{x, true, false, path_to(x)};
    if (const auto& sa = graph.self_admin[x]; sa[0] >= 0) {
      CouldPath p{graph.edges[static_cast<size_t>(sa[0])].to, true, true, path_to(x)};
      p.steps.push_back(static_cast<size_t>(sa[0]));
      if (sa[1] >= 0) p.steps.push_back(static_cast<size_t>(sa[1]));
      return p;
    }
    if (via[x].second >= max_depth) continue;
    for (size_t ei : graph.out[x]) {
      const CouldEdge& e = graph.edges[ei];
      if (!GivesIdentity(e.kind) || !graph.reaches_admin[e.to] || via.count(e.to)) continue;
      via[e.to] = {static_cast<int64_t>(ei), via[x].second + 1};
      order.push_back(e.to);
    }
  }
  return std::nullopt;
}

}  // namespace gumshoe::iam
