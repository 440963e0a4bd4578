// can_read / can_write, resource policies and SCPs, on the fixtures of
// tests/data/iam/data/ (AWS CLI output shapes: get-account-authorization-details,
// get-bucket-policy / get-key-policy with "ResourceArn" added,
// secretsmanager get-resource-policy, organizations describe-policy merged
// with list-targets-for-policy). Expected answers are worked out by hand from
// the statements of those files.
#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "gumshoe/iam/authz.h"
#include "gumshoe/iam/policy.h"
#include "gumshoe/iam/resource_access.h"
#include "gumshoe/iam_authz.h"

namespace gumshoe {
namespace {

const std::string kDir = GUMSHOE_TEST_DATA "/iam/data/";
constexpr const char* kAcct = "210987654321";
const std::string kToken = "arn:aws:secretsmanager:us-east-1:210987654321:secret:app/token-AbCdEf";
const std::string kProdDb = "arn:aws:secretsmanager:us-east-1:210987654321:secret:prod/db-Q1w2E3";
const std::string kShared = "arn:aws:secretsmanager:us-east-1:210987654321:secret:shared/api-key-Xy12Ab";
const std::string kParam = "arn:aws:ssm:us-east-1:210987654321:parameter/app/db-url";
const std::string kKey = "arn:aws:kms:us-east-1:210987654321:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const std::string kInline = "arn:aws:iam::210987654321:user/analyst/inline/read-data";

std::string Slurp(const std::string& name) {
  std::ifstream in(kDir + name, std::ios::binary);
  REQUIRE(in.good());
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

iam::AuthorizationSnapshot Snapshot() {
  AuthzParseStats stats;
  auto snap = ParseAuthorizationDetails(Slurp("authz-2026-11-01.json"), kNoTime, &stats);
  REQUIRE(snap.ok());
  CHECK(stats.anomalies.empty());
  return std::move(snap).value();
}

iam::KnownResource Res(const std::string& arn) {
  auto r = iam::ResourceOfArn(arn);
  REQUIRE(r.has_value());
  return *r;
}

size_t NodeOf(const iam::AuthorizationSnapshot& s, const std::string& arn) {
  auto n = s.Find(arn);
  REQUIRE(n.has_value());
  return *n;
}

const iam::ResourceEdge* EdgeTo(const iam::ResourceAccess& a, size_t resource, iam::Access access) {
  for (const iam::ResourceEdge& e : a.edges)
    if (e.resource == resource && e.access == access) return &e;
  return nullptr;
}

std::vector<std::string> Refs(const std::vector<iam::StatementRef>& refs) {
  std::vector<std::string> out;
  for (const auto& r : refs) out.push_back(r.ToString());
  return out;
}

using Strings = std::vector<std::string>;

}  // namespace

TEST_CASE("IamData: set patterns overlap and cover", "[ingest][iam][resource_access]") {
  CHECK(iam::GlobOverlaps("arn:aws:s3:::acme-reports/public/*", "arn:aws:s3:::acme-reports/*"));
  CHECK(!iam::GlobCovers("arn:aws:s3:::acme-reports/public/*", "arn:aws:s3:::acme-reports/*"));
  CHECK(iam::GlobCovers("arn:aws:s3:::acme-*", "arn:aws:s3:::acme-reports/*"));
  CHECK(!iam::GlobOverlaps("arn:aws:s3:::other/*", "arn:aws:s3:::acme-reports/*"));
  CHECK(iam::GlobOverlaps("arn:aws:secretsmanager:us-east-1:1:secret:prod/db-Q1w2E3",
                          "arn:aws:secretsmanager:*:1:secret:prod/db-??????"));
  CHECK(!iam::GlobCovers("arn:aws:secretsmanager:us-east-1:1:secret:*", "arn:aws:secretsmanager:*:1:secret:*"));
  CHECK(!iam::GlobCovers("a?c", "a*c"));  // '?' is one character, '*' any run
  CHECK(iam::GlobCovers("a*c", "a?c"));
}

TEST_CASE("IamData: can_read and can_write from identity policies, an explicit Deny blocks", "[ingest][iam][resource_access]") {
  const iam::AuthorizationSnapshot snap = Snapshot();
  // 0 bucket, 1 token, 2 prod/db, 3 parameter, 4 key, 5 acme-artifacts.
  std::vector<iam::KnownResource> res{Res("arn:aws:s3:::acme-reports"), Res(kToken), Res(kProdDb), Res(kParam), Res(kKey),
                                      Res("arn:aws:s3:::acme-artifacts")};
  for (auto& r : res) r.account = kAcct;
  const size_t analyst = NodeOf(snap, "arn:aws:iam::210987654321:user/analyst");
  const iam::ResourceAccess a = iam::ResourceAccessOf(snap, analyst, res);

  SECTION("positive: the statements that name the resource, or a wildcard over it") {
    const iam::ResourceEdge* bucket = EdgeTo(a, 0, iam::Access::kRead);
    REQUIRE(bucket != nullptr);
    CHECK(bucket->actions == Strings{"s3:GetObject", "s3:ListBucket"});
    CHECK(Refs(bucket->evidence) == Strings{kInline + " Sid ReadReports"});
    CHECK(EdgeTo(a, 0, iam::Access::kWrite) == nullptr);
    const iam::ResourceEdge* token = EdgeTo(a, 1, iam::Access::kRead);
    REQUIRE(token != nullptr);
    CHECK(token->actions == Strings{"secretsmanager:GetSecretValue"});
    CHECK(Refs(token->evidence) == Strings{kInline + " Sid ReadSecrets"});
    const iam::ResourceEdge* pw = EdgeTo(a, 3, iam::Access::kWrite);
    REQUIRE(pw != nullptr);
    CHECK(pw->actions == Strings{"ssm:PutParameter"});
    REQUIRE(EdgeTo(a, 3, iam::Access::kRead) != nullptr);
    CHECK(EdgeTo(a, 3, iam::Access::kRead)->actions == Strings{"ssm:GetParameter"});
    // kms:Decrypt on "*", no key policy exported: the default key policy admits the account.
    REQUIRE(EdgeTo(a, 4, iam::Access::kRead) != nullptr);
    CHECK(EdgeTo(a, 4, iam::Access::kRead)->actions == Strings{"kms:Decrypt"});
    CHECK(EdgeTo(a, 4, iam::Access::kWrite) == nullptr);
    // Nothing grants acme-artifacts to the analyst (the deploy role writes it).
    CHECK(EdgeTo(a, 5, iam::Access::kRead) == nullptr);
    CHECK(EdgeTo(a, 5, iam::Access::kWrite) == nullptr);
    CHECK(a.edges.size() == 5);
  }
  SECTION("blocked: secret:* allows prod/db, Deny DenyProdDb takes it back") {
    CHECK(EdgeTo(a, 2, iam::Access::kRead) == nullptr);
    REQUIRE(a.blocked.size() == 1);
    CHECK(a.blocked[0].resource == 2);
    CHECK(a.blocked[0].action == "secretsmanager:GetSecretValue");
    CHECK(Refs(a.blocked[0].denied_by) == Strings{kInline + " Sid DenyProdDb"});
    // The role's own statement for prod/db is its could-edge.
    const iam::ResourceAccess d = iam::ResourceAccessOf(snap, NodeOf(snap, "arn:aws:iam::210987654321:role/deploy"), res);
    REQUIRE(EdgeTo(d, 2, iam::Access::kRead) != nullptr);
    REQUIRE(EdgeTo(d, 5, iam::Access::kWrite) != nullptr);
    CHECK(EdgeTo(d, 5, iam::Access::kWrite)->actions == Strings{"s3:PutObject", "s3:DeleteObject"});
  }
  SECTION("wildcards: one summary per set, not the world") {
    // kms:Decrypt on "*": every key of the account; secret:* in us-east-1 with
    // a Deny carving out prod/db-*; parameter/app/* for read and for write.
    REQUIRE(a.wildcards.size() == 4);
    const auto& secret = a.wildcards[0];
    CHECK(secret.type == iam::ResourceType::kSecret);
    CHECK(!secret.whole_account);
    CHECK(secret.scope == "arn:aws:secretsmanager:us-east-1:210987654321:secret:*");
    CHECK(secret.except_denied);
    CHECK(Refs(secret.denied_by) == Strings{kInline + " Sid DenyProdDb"});
    CHECK(secret.known == 1);
    CHECK(a.wildcards[1].type == iam::ResourceType::kSsmParameter);
    CHECK(a.wildcards[1].access == iam::Access::kRead);
    CHECK(a.wildcards[1].scope == "arn:aws:ssm:us-east-1:210987654321:parameter/app/*");
    CHECK(a.wildcards[2].access == iam::Access::kWrite);
    const auto& kms = a.wildcards[3];
    CHECK(kms.type == iam::ResourceType::kKmsKey);
    CHECK(kms.whole_account);
    CHECK(kms.scope == "arn:aws:kms:*:210987654321:key/*");
    CHECK(kms.actions == Strings{"kms:Decrypt"});
    CHECK(!kms.except_denied);
    CHECK(kms.known == 1);
  }
  SECTION("the resources a policy names by full ARN") {
    std::vector<iam::KnownResource> named = iam::PolicyNamedResources(snap);
    std::vector<std::string> keys;
    for (const auto& r : named) keys.push_back(iam::EntityKindOf(r.type) == EntityKind::kS3Bucket ? r.ref.key : r.arn);
    // acme-reports (bucket and its objects), acme-artifacts (objects), prod/db; not the wildcards.
    CHECK(keys == Strings{"acme-artifacts", "acme-reports", kProdDb});
  }
}

TEST_CASE("IamData: resource policies in their CLI shapes, grants to other accounts and to anyone", "[ingest][iam][resource_access]") {
  AuthzParseStats stats;
  auto bucket = ParseResourcePolicy(Slurp("bucket-policy-acme-reports.json"), &stats);
  auto key = ParseResourcePolicy(Slurp("key-policy.json"), &stats);
  auto secret = ParseResourcePolicy(Slurp("secret-policy.json"), &stats);
  REQUIRE(bucket.ok());
  REQUIRE(key.ok());
  REQUIRE(secret.ok());
  CHECK(stats.anomalies.empty());
  CHECK(bucket->type == iam::ResourceType::kS3Bucket);
  CHECK(bucket->arn == "arn:aws:s3:::acme-reports");
  CHECK(bucket->account == kAcct);  // from "Account": a bucket ARN has no account
  CHECK(key->type == iam::ResourceType::kKmsKey);
  CHECK(key->account == kAcct);
  CHECK(secret->arn == kShared);
  CHECK(!ParseResourcePolicy(R"({"Policy":"{}","ResourceArn":"arn:aws:s3:::acme-*"})", &stats).ok());

  iam::AuthorizationSnapshot snap = Snapshot();
  snap.resource_policies = {*bucket, *key, *secret};
  const std::vector<iam::ExternalGrant> grants = iam::ExternalGrants(snap);
  REQUIRE(grants.size() == 4);
  // Bucket: anyone may read public/*, account 999988887777 every object.
  CHECK(grants[0].policy == 0);
  CHECK(grants[0].is_public);
  CHECK(grants[0].actions == Strings{"s3:GetObject"});
  CHECK(Refs(grants[0].evidence) == Strings{"arn:aws:s3:::acme-reports/resource-policy Sid PublicIndex"});
  CHECK(grants[1].principal == "arn:aws:iam::999988887777:root");
  CHECK(Refs(grants[1].evidence)[0] == "arn:aws:s3:::acme-reports/resource-policy Sid PartnerRead");
  // Key: the partner account may decrypt; the owner's own root is not "external".
  CHECK(grants[2].policy == 1);
  CHECK(grants[2].principal == "arn:aws:iam::999988887777:root");
  CHECK(grants[2].actions == Strings{"kms:Decrypt"});
  CHECK(grants[3].principal == "arn:aws:iam::999988887777:role/partner-sync");
  CHECK(grants[3].actions == Strings{"secretsmanager:GetSecretValue"});

  SECTION("the partner's side: its identity policy and the resource policy must both allow it") {
    AuthzParseStats ps;
    auto partner = ParseAuthorizationDetails(R"({"UserDetailList":[],"GroupDetailList":[],"Policies":[],"RoleDetailList":[
      {"Path":"/","RoleName":"partner-sync","RoleId":"AROAPARTNERSYNC00001","Arn":"arn:aws:iam::999988887777:role/partner-sync",
       "AssumeRolePolicyDocument":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]},
       "InstanceProfileList":[],"AttachedManagedPolicies":[],
       "RolePolicyList":[{"PolicyName":"sync","PolicyDocument":{"Version":"2012-10-17","Statement":[
         {"Sid":"Sync","Effect":"Allow","Action":["secretsmanager:GetSecretValue","kms:Decrypt"],"Resource":"*"}]}}]},
      {"Path":"/","RoleName":"other","RoleId":"AROAPARTNEROTHER0001","Arn":"arn:aws:iam::999988887777:role/other",
       "AssumeRolePolicyDocument":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]},
       "InstanceProfileList":[],"AttachedManagedPolicies":[],"RolePolicyList":[]}]})",
                                             kNoTime, &ps);
    REQUIRE(partner.ok());
    partner->resource_policies = snap.resource_policies;
    std::vector<iam::KnownResource> res{Res(kShared), Res(kKey), Res("arn:aws:s3:::acme-reports")};
    res[2].account = kAcct;
    const iam::ResourceAccess sync =
        iam::ResourceAccessOf(*partner, NodeOf(*partner, "arn:aws:iam::999988887777:role/partner-sync"), res);
    const iam::ResourceEdge* s = EdgeTo(sync, 0, iam::Access::kRead);
    REQUIRE(s != nullptr);
    CHECK(s->via_resource_policy);
    CHECK(Refs(s->evidence) == Strings{"arn:aws:iam::999988887777:role/partner-sync/inline/sync Sid Sync",
                                       kShared + "/resource-policy #0"});
    const iam::ResourceEdge* k = EdgeTo(sync, 1, iam::Access::kRead);
    REQUIRE(k != nullptr);
    CHECK(k->via_resource_policy);
    CHECK(k->actions == Strings{"kms:Decrypt"});
    // No identity policy allows s3:GetObject: the bucket policy alone is not enough across accounts.
    CHECK(EdgeTo(sync, 2, iam::Access::kRead) == nullptr);
    // A role with no policy gets nothing, though its account is named by the key policy.
    const iam::ResourceAccess other = iam::ResourceAccessOf(*partner, NodeOf(*partner, "arn:aws:iam::999988887777:role/other"), res);
    CHECK(other.edges.empty());
  }
  SECTION("within the account a public bucket grant needs no identity policy") {
    std::vector<iam::KnownResource> res{Res("arn:aws:s3:::acme-reports")};
    res[0].account = kAcct;
    const iam::ResourceAccess d = iam::ResourceAccessOf(snap, NodeOf(snap, "arn:aws:iam::210987654321:role/deploy"), res);
    const iam::ResourceEdge* e = EdgeTo(d, 0, iam::Access::kRead);
    REQUIRE(e != nullptr);
    CHECK(e->via_resource_policy);
    CHECK(e->actions == Strings{"s3:GetObject"});  // only the objects PublicIndex names; not ListBucket
  }
  SECTION("a key policy that does not admit the account blocks the identity grant") {
    AuthzParseStats ks;
    auto strict = ParseResourcePolicy(
        R"({"Policy":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"DeployOnly\",\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::210987654321:role/deploy\"},\"Action\":\"kms:Decrypt\",\"Resource\":\"*\"}]}","ResourceArn":")" +
            kKey + R"("})",
        &ks);
    REQUIRE(strict.ok());
    snap.resource_policies = {*strict};
    std::vector<iam::KnownResource> res{Res(kKey)};
    const iam::ResourceAccess a = iam::ResourceAccessOf(snap, NodeOf(snap, "arn:aws:iam::210987654321:user/analyst"), res);
    CHECK(EdgeTo(a, 0, iam::Access::kRead) == nullptr);
    REQUIRE(a.blocked.size() == 1);
    CHECK(a.blocked[0].action == "kms:Decrypt");
    const iam::ResourceAccess d = iam::ResourceAccessOf(snap, NodeOf(snap, "arn:aws:iam::210987654321:role/deploy"), res);
    REQUIRE(EdgeTo(d, 0, iam::Access::kRead) != nullptr);
    CHECK(EdgeTo(d, 0, iam::Access::kRead)->via_resource_policy);
  }
}

TEST_CASE("IamData: an SCP attached to the account blocks the CreateAccessKey method", "[ingest][iam][scp]") {
  AuthzParseStats stats;
  auto scp = ParseServiceControlPolicy(Slurp("scp-deny-keys.json"), &stats);
  REQUIRE(scp.ok());
  CHECK(scp->id == "p-denykeys01");
  REQUIRE(scp->targets.size() == 2);
  CHECK(scp->targets[0].type == "ACCOUNT");
  CHECK(scp->targets[1].type == "ORGANIZATIONAL_UNIT");
  CHECK(!ParseServiceControlPolicy(R"({"Policy":{"PolicySummary":{"Id":"p-1","Type":"TAG_POLICY"},"Content":"{}"}})", &stats).ok());

  iam::AuthorizationSnapshot snap = Snapshot();
  const size_t analyst = NodeOf(snap, "arn:aws:iam::210987654321:user/analyst");
  const size_t ci_admin = NodeOf(snap, "arn:aws:iam::210987654321:user/ci-admin");
  auto has_key_edge = [&](const iam::CouldGraph& g) {
    for (size_t ei : g.out[analyst])
      if (g.edges[ei].to == ci_admin && g.edges[ei].method == "CreateAccessKey") return true;
    return false;
  };
  {
    iam::CouldGraph g = iam::BuildCouldGraph(snap);
    CHECK(has_key_edge(g));
    auto admin = iam::AdminPath(g, analyst);
    REQUIRE(admin.has_value());
    CHECK(admin->target == ci_admin);
  }
  std::vector<std::string> notes;
  snap.scp_layers = ScpLayersFor({*scp}, kAcct, &notes);
  REQUIRE(snap.scp_layers.size() == 1);  // the account level; no SCP on the root was exported
  REQUIRE(notes.size() == 2);
  CHECK(notes[0].find("ou-ab12-cd34ef56: not applied") != std::string::npos);
  CHECK(notes[1] == "account 210987654321 level has SCPs with only Deny statements: evaluated with FullAWSAccess beside them");
  iam::CouldGraph g = iam::BuildCouldGraph(snap);
  CHECK(!has_key_edge(g));
  CHECK(!iam::AdminPath(g, analyst).has_value());
  // The rest still holds: the SCP denies only key creation.
  bool assume = false;
  for (size_t ei : g.out[analyst]) assume = assume || g.edges[ei].kind == iam::CouldKind::kCanAssume;
  CHECK(assume);
  // Another account is not governed by it.
  CHECK(ScpLayersFor({*scp}, "111122223333", nullptr).empty());
}

}  // namespace gumshoe

namespace gumshoe {

TEST_CASE("IamData: the README's can_read / can_write table is AccessActions()", "[ingest][iam][resource_access]") {
  std::ifstream in(std::string(GUMSHOE_SOURCE_DIR) + "/README.md", std::ios::binary);
  REQUIRE(in.good());
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string readme = ss.str();
  // One row per (type, access): "| S3 bucket | `can_read` | s3:GetObject (objects: ...), ... |".
  for (iam::ResourceType t : {iam::ResourceType::kS3Bucket, iam::ResourceType::kSecret, iam::ResourceType::kSsmParameter,
                              iam::ResourceType::kKmsKey}) {
    for (iam::Access a : {iam::Access::kRead, iam::Access::kWrite}) {
      std::string row;
      for (const iam::AccessAction& x : iam::AccessActions()) {
        if (x.type != t || x.access != a) continue;
        if (!row.empty()) row += ", ";
        row += std::string(x.action) + (x.objects ? " (objects: `arn:aws:s3:::b/*`)" : "");
      }
      const std::string label = t == iam::ResourceType::kSecret ? "Secrets Manager secret" : std::string(iam::ResourceTypeLabel(t));
      const std::string line = "| " + label + " | `" + std::string(iam::AccessEdgeName(a)) + "` | " + row + " |";
      INFO(line);
      CHECK(readme.find(line) != std::string::npos);
    }
  }
}

}  // namespace gumshoe
