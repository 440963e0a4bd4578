// The IAM "could" graph end to end: a get-account-authorization-details
// document (in the shape the AWS CLI prints it) parsed by the ingest layer,
// could-edges built by the engine, and the privilege-escalation path each
// catalogued method gives a low-privilege user -- and the same method blocked
// by an explicit Deny, a permission boundary and an SCP.
#include <algorithm>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "gumshoe/iam/authz.h"
#include "gumshoe/iam_authz.h"

namespace gumshoe {
namespace {

constexpr const char* kAcct = "111122223333";

std::string Arn(const std::string& rest) { return std::string("arn:aws:iam::") + kAcct + ":" + rest; }

std::string Trust(const std::string& principal_json) {
  return R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":)" + principal_json +
         R"(,"Action":"sts:AssumeRole"}]})";
}

std::string ServiceRole(const std::string& name, const std::string& service, bool profile = false) {
  std::string r = R"({"Path":"/","RoleName":")" + name + R"(","RoleId":"AROA)" + name + R"(","Arn":")" +
                  Arn("role/" + name) + R"(","CreateDate":"2026-01-02T03:04:05Z","AssumeRolePolicyDocument":)" +
                  Trust(R"({"Service":")" + service + R"("})") + R"(,"InstanceProfileList":[)";
  if (profile)
    r += R"({"Path":"/","InstanceProfileName":")" + name + R"(","Arn":")" + Arn("instance-profile/" + name) + R"("})";
  r += R"(],"RolePolicyList":[],"AttachedManagedPolicies":[{"PolicyName":"AdministratorAccess","PolicyArn":"arn:aws:iam::aws:policy/AdministratorAccess"}],"Tags":[]})";
  return r;
}

// The account every case runs in. `attacker_statements` is the attacker's
// inline policy; `attacker_extra` adds fields to its user entry (a boundary).
std::string Account(const std::string& attacker_statements, const std::string& attacker_extra = "") {
  std::string users = R"([{"Path":"/","UserName":"attacker","UserId":"AIDAATTACKER","Arn":")" + Arn("user/attacker") +
                      R"(","CreateDate":"2026-01-02T03:04:05Z","UserPolicyList":[{"PolicyName":"foothold","PolicyDocument":{"Version":"2012-10-17","Statement":[)" +
                      attacker_statements +
                      R"(]}}],"GroupList":["devs"],"AttachedManagedPolicies":[{"PolicyName":"DevPolicy","PolicyArn":")" +
                      Arn("policy/DevPolicy") + R"("}],"Tags":[])" + attacker_extra + "}," +
                      R"({"Path":"/","UserName":"victim","UserId":"AIDAVICTIM","Arn":")" + Arn("user/victim") +
                      R"(","CreateDate":"2026-01-02T03:04:05Z","UserPolicyList":[],"GroupList":[],"AttachedManagedPolicies":[{"PolicyName":"AdministratorAccess","PolicyArn":"arn:aws:iam::aws:policy/AdministratorAccess"}],"Tags":[]}])";
  std::string groups = R"([{"Path":"/","GroupName":"devs","GroupId":"AGPADEVS","Arn":")" + Arn("group/devs") +
                       R"(","CreateDate":"2026-01-02T03:04:05Z","GroupPolicyList":[],"AttachedManagedPolicies":[]},)" +
                       R"({"Path":"/","GroupName":"admins","GroupId":"AGPAADMINS","Arn":")" + Arn("group/admins") +
                       R"(","CreateDate":"2026-01-02T03:04:05Z","GroupPolicyList":[],"AttachedManagedPolicies":[{"PolicyName":"AdministratorAccess","PolicyArn":"arn:aws:iam::aws:policy/AdministratorAccess"}]}])";
  std::string roles = "[" + ServiceRole("Ec2AdminRole", "ec2.amazonaws.com", true) + "," +
                      ServiceRole("LambdaAdminRole", "lambda.amazonaws.com") + "," +
                      ServiceRole("GlueAdminRole", "glue.amazonaws.com") + "," +
                      ServiceRole("CfnAdminRole", "cloudformation.amazonaws.com") + "," +
                      ServiceRole("PipelineAdminRole", "datapipeline.amazonaws.com") + "," +
                      ServiceRole("NotebookAdminRole", "sagemaker.amazonaws.com") + "," +
                      ServiceRole("TaskAdminRole", "ecs-tasks.amazonaws.com") + "," +
                      ServiceRole("BuildAdminRole", "codebuild.amazonaws.com") + "," +
                      // Trusts only the victim: the attacker needs to rewrite its trust.
                      R"({"Path":"/","RoleName":"BreakGlass","RoleId":"AROABREAK","Arn":")" + Arn("role/BreakGlass") +
                      R"(","AssumeRolePolicyDocument":)" + Trust(R"({"AWS":")" + Arn("user/victim") + R"("})") +
                      R"(,"InstanceProfileList":[],"RolePolicyList":[],"AttachedManagedPolicies":[{"PolicyName":"AdministratorAccess","PolicyArn":"arn:aws:iam::aws:policy/AdministratorAccess"}]},)" +
                      // Trusts the account, holds nothing: what the attacker could make admin.
                      R"({"Path":"/","RoleName":"PlainRole","RoleId":"AROAPLAIN","Arn":")" + Arn("role/PlainRole") +
                      R"(","AssumeRolePolicyDocument":)" + Trust(R"({"AWS":"arn:aws:iam::111122223333:root"})") +
                      R"(,"InstanceProfileList":[],"RolePolicyList":[],"AttachedManagedPolicies":[]}])";
  // DevPolicy: harmless default v1, an admin v2 left behind.
  std::string policies = R"([{"PolicyName":"DevPolicy","PolicyId":"ANPADEV","Arn":")" + Arn("policy/DevPolicy") +
                         R"(","Path":"/","DefaultVersionId":"v1","AttachmentCount":1,"IsAttachable":true,"PolicyVersionList":[)" +
                         R"({"Document":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListAllMyBuckets","Resource":"*"}]},"VersionId":"v1","IsDefaultVersion":true},)" +
                         R"({"Document":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]},"VersionId":"v2","IsDefaultVersion":false}]},)" +
                         R"({"PolicyName":"OnlyS3","PolicyId":"ANPAS3","Arn":")" + Arn("policy/OnlyS3") +
                         R"(","Path":"/","DefaultVersionId":"v1","PolicyVersionList":[{"Document":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]},"VersionId":"v1","IsDefaultVersion":true}]}])";
  return R"({"UserDetailList":)" + users + R"(,"GroupDetailList":)" + groups + R"(,"RoleDetailList":)" + roles +
         R"(,"Policies":)" + policies + "}";
}

std::string Allow(const std::string& action, const std::string& resource) {
  return R"({"Effect":"Allow","Action":")" + action + R"(","Resource":")" + resource + R"("})";
}
std::string Deny(const std::string& action) { return R"({"Effect":"Deny","Action":")" + action + R"(","Resource":"*"})"; }

iam::AuthorizationSnapshot Parse(const std::string& json, AuthzParseStats* stats = nullptr) {
  AuthzParseStats local;
  auto snap = ParseAuthorizationDetails(json, kNoTime, stats ? stats : &local);
  REQUIRE(snap.ok());
  iam::AuthorizationSnapshot s = std::move(snap).value();
  s.workloads.push_back({"lambda.amazonaws.com", "arn:aws:lambda:us-east-1:111122223333:function:backdoor",
                         Arn("role/LambdaAdminRole")});
  s.workloads.push_back({"glue.amazonaws.com", "arn:aws:glue:us-east-1:111122223333:devEndpoint/ep1",
                         Arn("role/GlueAdminRole")});
  return s;
}

struct MethodCase {
  const char* method;          // PrivescMethod::id expected on the path
  std::string statements;      // the attacker's inline policy
  const char* key_action;      // the permission the blocked variants take away
  const char* target;          // ARN (or group name) the path reaches
};

std::vector<MethodCase> Cases() {
  const std::string dev = Arn("policy/DevPolicy");
  auto role = [](const char* n) { return Arn(std::string("role/") + n); };
  auto pass = [&](const char* r, std::initializer_list<const char*> actions) {
    std::string s = Allow("iam:PassRole", role(r));
    for (const char* a : actions) s += "," + Allow(a, "*");
    return s;
  };
  return {
      {"CreateNewPolicyVersion", Allow("iam:CreatePolicyVersion", dev), "iam:CreatePolicyVersion", "user/attacker"},
      {"SetExistingDefaultPolicyVersion", Allow("iam:SetDefaultPolicyVersion", dev), "iam:SetDefaultPolicyVersion",
       "user/attacker"},
      {"CreateEC2WithExistingInstanceProfile", pass("Ec2AdminRole", {"ec2:RunInstances"}), "iam:PassRole",
       "role/Ec2AdminRole"},
      {"CreateAccessKey", Allow("iam:CreateAccessKey", Arn("user/victim")), "iam:CreateAccessKey", "user/victim"},
      {"CreateLoginProfile", Allow("iam:CreateLoginProfile", Arn("user/victim")), "iam:CreateLoginProfile",
       "user/victim"},
      {"UpdateLoginProfile", Allow("iam:UpdateLoginProfile", Arn("user/*")), "iam:UpdateLoginProfile", "user/victim"},
      {"AttachUserPolicy", Allow("iam:AttachUserPolicy", Arn("user/attacker")), "iam:AttachUserPolicy",
       "user/attacker"},
      {"AttachGroupPolicy", Allow("iam:AttachGroupPolicy", Arn("group/devs")), "iam:AttachGroupPolicy", "group/devs"},
      {"AttachRolePolicy", Allow("iam:AttachRolePolicy", role("PlainRole")) + "," + Allow("sts:AssumeRole", role("PlainRole")),
       "iam:AttachRolePolicy", "role/PlainRole"},
      {"PutUserPolicy", Allow("iam:PutUserPolicy", Arn("user/attacker")), "iam:PutUserPolicy", "user/attacker"},
      {"PutGroupPolicy", Allow("iam:PutGroupPolicy", Arn("group/devs")), "iam:PutGroupPolicy", "group/devs"},
      {"PutRolePolicy", Allow("iam:PutRolePolicy", role("PlainRole")) + "," + Allow("sts:AssumeRole", role("PlainRole")),
       "iam:PutRolePolicy", "role/PlainRole"},
      {"AddUserToGroup", Allow("iam:AddUserToGroup", Arn("group/admins")), "iam:AddUserToGroup", "group/admins"},
      {"UpdateRolePolicyToAssumeIt", Allow("iam:UpdateAssumeRolePolicy", role("BreakGlass")),
       "iam:UpdateAssumeRolePolicy", "role/BreakGlass"},
      {"PassExistingRoleToNewLambdaThenInvoke",
       pass("LambdaAdminRole", {"lambda:CreateFunction", "lambda:InvokeFunction"}), "iam:PassRole",
       "role/LambdaAdminRole"},
      {"PassExistingRoleToNewLambdaThenTriggerWithNewDynamo",
       pass("LambdaAdminRole", {"lambda:CreateFunction", "lambda:CreateEventSourceMapping"}), "iam:PassRole",
       "role/LambdaAdminRole"},
      {"EditExistingLambdaFunctionWithRole",
       Allow("lambda:UpdateFunctionCode", "arn:aws:lambda:us-east-1:111122223333:function:backdoor"),
       "lambda:UpdateFunctionCode", "role/LambdaAdminRole"},
      {"PassExistingRoleToNewGlueDevEndpoint", pass("GlueAdminRole", {"glue:CreateDevEndpoint"}), "iam:PassRole",
       "role/GlueAdminRole"},
      {"UpdateExistingGlueDevEndpoint", Allow("glue:UpdateDevEndpoint", "*"), "glue:UpdateDevEndpoint",
       "role/GlueAdminRole"},
      {"PassExistingRoleToCloudFormation", pass("CfnAdminRole", {"cloudformation:CreateStack"}), "iam:PassRole",
       "role/CfnAdminRole"},
      {"PassExistingRoleToNewDataPipeline",
       pass("PipelineAdminRole", {"datapipeline:CreatePipeline", "datapipeline:PutPipelineDefinition"}),
       "iam:PassRole", "role/PipelineAdminRole"},
      {"PassExistingRoleToNewSageMakerNotebook",
       pass("NotebookAdminRole", {"sagemaker:CreateNotebookInstance", "sagemaker:CreatePresignedNotebookInstanceUrl"}),
       "iam:PassRole", "role/NotebookAdminRole"},
      {"PassExistingRoleToNewEcsTask", pass("TaskAdminRole", {"ecs:RegisterTaskDefinition", "ecs:RunTask"}),
       "iam:PassRole", "role/TaskAdminRole"},
      {"PassExistingRoleToNewCodeBuildProject", pass("BuildAdminRole", {"codebuild:CreateProject", "codebuild:StartBuild"}),
       "iam:PassRole", "role/BuildAdminRole"},
  };
}

size_t Attacker(const iam::AuthorizationSnapshot& s) {
  auto a = s.Find(Arn("user/attacker"));
  REQUIRE(a);
  return *a;
}

bool PathUses(const iam::CouldGraph& g, const iam::CouldPath& p, std::string_view method) {
  for (size_t e : p.steps)
    if (g.edges[e].method == method) return true;
  return false;
}

// The method's edge is gone from the attacker (and so from every path), and
// the attacker is not admin-equivalent by any other way.
void CheckBlocked(const iam::AuthorizationSnapshot& snap, std::string_view method) {
  auto g = iam::BuildCouldGraph(snap);
  size_t a = Attacker(snap);
  for (size_t e : g.out[a]) CHECK(g.edges[e].method != method);
  CHECK(!iam::AdminPath(g, a));
}

}  // namespace

TEST_CASE("IamAuthz: the catalogue lists every method once, with its edge", "[ingest][iam]") {
  auto methods = iam::PrivescMethods();
  REQUIRE(methods.size() >= 21);
  std::vector<std::string_view> ids;
  for (const auto& m : methods) {
    ids.push_back(m.id);
    CHECK(!m.permissions.empty());
    CHECK(!m.description.empty());
    if (m.edge == iam::CouldKind::kCanPassRoleTo) CHECK(m.permissions.find("iam:PassRole") != std::string_view::npos);
  }
  std::sort(ids.begin(), ids.end());
  CHECK(std::adjacent_find(ids.begin(), ids.end()) == ids.end());
  // Every case below names a catalogued method, and every method has a case.
  for (const auto& c : Cases()) CHECK(std::find(ids.begin(), ids.end(), c.method) != ids.end());
  CHECK(Cases().size() == methods.size());
}

TEST_CASE("IamAuthz: with no escalation permission the attacker reaches nothing", "[ingest][iam]") {
  auto snap = Parse(Account(Allow("s3:GetObject", "*")));
  auto g = iam::BuildCouldGraph(snap);
  size_t a = Attacker(snap);
  CHECK(!g.admin[a]);
  CHECK(g.out[a].empty());
  CHECK(!iam::AdminPath(g, a));
  // The admins are admin by their own policies, with the statement as evidence.
  auto victim = snap.Find(Arn("user/victim"));
  REQUIRE(victim);
  CHECK(g.admin[*victim]);
  REQUIRE(g.admin_evidence[*victim].size() == 1);
  CHECK(g.refs[g.admin_evidence[*victim][0]].ToString() == "arn:aws:iam::aws:policy/AdministratorAccess v1 #0");
}

TEST_CASE("IamAuthz: each privilege-escalation method gives the attacker an admin path", "[ingest][iam]") {
  for (const MethodCase& c : Cases()) {
    SECTION(c.method) {
      auto snap = Parse(Account(c.statements));
      auto g = iam::BuildCouldGraph(snap);
      size_t a = Attacker(snap);
      CHECK(!g.admin[a]);
      auto path = iam::AdminPath(g, a);
      REQUIRE(path);
      CHECK(path->admin_equivalent);
      CHECK(PathUses(g, *path, c.method));
      // The path's target is the principal the method acts on.
      const iam::Node& target = snap.nodes[path->target];
      CHECK(target.arn == Arn(c.target));
      // Evidence names the attacker's inline policy statement.
      bool cites_foothold = false;
      for (size_t e : path->steps)
        for (uint32_t r : g.edges[e].evidence)
          cites_foothold = cites_foothold || g.refs[r].policy == Arn("user/attacker") + "/inline/foothold";
      CHECK(cites_foothold);
      for (size_t e : path->steps) CHECK(g.edges[e].condition_keys.empty());
    }
  }
}

TEST_CASE("IamAuthz: an explicit Deny, a permission boundary or an SCP blocks each method", "[ingest][iam]") {
  for (const MethodCase& c : Cases()) {
    SECTION(std::string(c.method) + " / explicit deny") {
      CheckBlocked(Parse(Account(c.statements + "," + Deny(c.key_action))), c.method);
    }
    SECTION(std::string(c.method) + " / permission boundary") {
      auto snap = Parse(Account(c.statements,
                                R"(,"PermissionsBoundary":{"PermissionsBoundaryType":"Policy","PermissionsBoundaryArn":")" +
                                    Arn("policy/OnlyS3") + R"("})"));
      CheckBlocked(snap, c.method);
    }
    SECTION(std::string(c.method) + " / SCP") {
      auto snap = Parse(Account(c.statements));
      AuthzParseStats stats;
      auto full = ParsePolicyDocument(R"({"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}})",
                                      "p-FullAWSAccess", "", &stats);
      auto deny = ParsePolicyDocument(R"({"Statement":[)" + Deny(c.key_action) + "]}", "p-deny", "", &stats);
      REQUIRE(full.ok());
      REQUIRE(deny.ok());
      snap.scp_layers.push_back({std::move(full).value(), std::move(deny).value()});
      CheckBlocked(snap, c.method);
    }
  }
}

TEST_CASE("IamAuthz: a condition gumshoe cannot decide makes the edge conditional, naming the key", "[ingest][iam]") {
  auto snap = Parse(Account(
      R"({"Effect":"Allow","Action":"iam:CreateAccessKey","Resource":"arn:aws:iam::111122223333:user/victim","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}})"));
  auto g = iam::BuildCouldGraph(snap);
  auto path = iam::AdminPath(g, Attacker(snap));
  REQUIRE(path);
  REQUIRE(path->steps.size() == 1);
  const auto& e = g.edges[path->steps[0]];
  CHECK(iam::CouldKindName(e.kind) == "can_create_key_for");
  CHECK(e.condition_keys == std::vector<std::string>{"aws:MultiFactorAuthPresent"});
  SECTION("dropped when conditional edges are not wanted") {
    auto strict = iam::BuildCouldGraph(snap, iam::CouldOptions{false});
    CHECK(!iam::AdminPath(strict, Attacker(snap)));
  }
}

TEST_CASE("IamAuthz: AssumeRole needs the trust policy, and the identity policy unless trusted by name",
          "[ingest][iam]") {
  SECTION("trusted through the account: the attacker's own sts:AssumeRole is required") {
    auto snap = Parse(Account(Allow("s3:*", "*")));
    auto g = iam::BuildCouldGraph(snap);
    auto plain = snap.Find(Arn("role/PlainRole"));
    for (size_t e : g.out[Attacker(snap)]) CHECK(g.edges[e].to != *plain);
    auto with = Parse(Account(Allow("sts:AssumeRole", "*")));
    auto g2 = iam::BuildCouldGraph(with);
    bool assume = false;
    for (size_t e : g2.out[Attacker(with)])
      assume = assume || (g2.edges[e].to == *plain && g2.edges[e].kind == iam::CouldKind::kCanAssume);
    CHECK(assume);
    // No other role trusts the account or the attacker.
    for (size_t e : g2.out[Attacker(with)])
      if (g2.edges[e].kind == iam::CouldKind::kCanAssume) CHECK(g2.edges[e].to == *plain);
  }
  SECTION("trusted by name: no identity permission needed, but an explicit Deny still blocks") {
    std::string json = Account(Allow("s3:*", "*"));
    // Make BreakGlass trust the attacker by ARN.
    const std::string from = Arn("user/victim") + R"("})";
    size_t at = json.find(from);
    REQUIRE(at != std::string::npos);
    json.replace(at, from.size(), Arn("user/attacker") + R"("})");
    auto snap = Parse(json);
    auto g = iam::BuildCouldGraph(snap);
    auto path = iam::AdminPath(g, Attacker(snap));
    REQUIRE(path);
    CHECK(snap.nodes[path->target].arn == Arn("role/BreakGlass"));
    CHECK(g.edges[path->steps[0]].method == "AssumeRole");
    std::string denied = json;
    size_t s = denied.find(Allow("s3:*", "*"));
    denied.replace(s, Allow("s3:*", "*").size(), Allow("s3:*", "*") + "," + Deny("sts:AssumeRole"));
    auto snap2 = Parse(denied);
    CHECK(!iam::AdminPath(iam::BuildCouldGraph(snap2), Attacker(snap2)));
  }
}

TEST_CASE("IamAuthz: shortest paths come first and chain through roles", "[ingest][iam]") {
  // attacker -> can assume PlainRole; PlainRole may create a key for victim (admin).
  std::string json = Account(Allow("sts:AssumeRole", Arn("role/PlainRole")));
  const std::string plain_inline = R"("RolePolicyList":[],"AttachedManagedPolicies":[]}])";
  size_t at = json.rfind(plain_inline);
  REQUIRE(at != std::string::npos);
  json.replace(at, plain_inline.size(),
               R"("RolePolicyList":[{"PolicyName":"ops","PolicyDocument":{"Statement":[)" +
                   Allow("iam:CreateAccessKey", Arn("user/victim")) + R"(]}}],"AttachedManagedPolicies":[]}])");
  auto snap = Parse(json);
  auto g = iam::BuildCouldGraph(snap);
  auto paths = iam::ShortestPaths(g, Attacker(snap));
  REQUIRE(paths.size() == 2);
  CHECK(paths[0].admin_equivalent);
  CHECK(snap.nodes[paths[0].target].arn == Arn("user/victim"));
  REQUIRE(paths[0].steps.size() == 2);
  CHECK(g.edges[paths[0].steps[0]].method == "AssumeRole");
  CHECK(g.edges[paths[0].steps[1]].method == "CreateAccessKey");
  CHECK(!paths[1].admin_equivalent);
  CHECK(snap.nodes[paths[1].target].arn == Arn("role/PlainRole"));
}

TEST_CASE("IamAuthz: bad policy parts are counted and grant nothing", "[ingest][iam]") {
  AuthzParseStats stats;
  auto snap = Parse(Account(R"({"Effect":"allow","Action":"*","Resource":"*"},{"Effect":"Allow","Action":7,"Resource":"*"},)"
                            R"({"Effect":"Allow","Resource":"*"})"),
                    &stats);
  CHECK(stats.anomalies["bad_effect"] == 1);
  CHECK(stats.anomalies["bad_action"] == 2);
  auto g = iam::BuildCouldGraph(snap);
  CHECK(!g.admin[Attacker(snap)]);
  CHECK(stats.users == 2);
  CHECK(stats.roles == 10);
  CHECK(stats.groups == 2);
  CHECK(stats.policies == 2);
  SECTION("URL-encoded documents, as the raw API returns them") {
    auto p = ParsePolicyDocument("%7B%22Statement%22%3A%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22iam%3A%2A%22%2C%22Resource%22%3A%22%2A%22%7D%7D",
                                 "x", "v1", &stats);
    REQUIRE(p.ok());
    REQUIRE(p.value().statements.size() == 1);
    CHECK(p.value().statements[0].actions == std::vector<std::string>{"iam:*"});
  }
  SECTION("a broken document is an error naming it") {
    auto bad = ParseAuthorizationDetails(R"({"UserDetailList":[)", kNoTime, &stats);
    REQUIRE(!bad.ok());
    CHECK(bad.status().message().find("offset") != std::string::npos);
  }
}

}  // namespace gumshoe
