#include <catch2/catch.hpp>

#include "engine/incident_fixtures.h"
#include "gumshoe/attack_table.h"
#include "gumshoe/indicators.h"
#include "gumshoe/memory_store.h"

using namespace gumshoe;
using namespace gumshoe::testing;

namespace {
std::vector<std::string> Keys(const IndicatorsResult& r, std::string_view kind) {
  std::vector<std::string> out;
  for (const Indicator* i : r.OfKind(kind)) out.push_back(i->entity.key);
  return out;
}
}  // namespace

TEST_CASE("Indicators: the leaked key's new agent, APIs, Tor IP and TTPs against the baseline",
          "[engine][indicators]") {
  MemoryStore store;
  REQUIRE(BuildCoinMining(store).ok());
  IndicatorOptions options;
  options.window = {T("2026-03-10T00:00:00Z"), T("2026-03-10T23:59:59Z")};
  auto r = Indicators(store, kDev, options);
  REQUIRE(r.ok());
  CHECK(r->baseline.since == T("2026-01-24T00:00:00Z"));
  CHECK(Keys(*r, "new_user_agent") ==
        std::vector<std::string>{"Boto3/1.34.0 md/Botocore#1.34.0 ua/2.0 os/linux Python/3.12.1"});
  CHECK(Keys(*r, "new_api_call") ==
        std::vector<std::string>{"iam.amazonaws.com:AttachUserPolicy", "iam.amazonaws.com:CreateAccessKey",
                                 "iam.amazonaws.com:CreateUser", "sts.amazonaws.com:GetCallerIdentity"});
  CHECK(Keys(*r, "new_source_ip") == std::vector<std::string>{"185.220.101.7"});
  REQUIRE(r->OfKind("new_network").size() == 1);
  CHECK(r->OfKind("new_network")[0]->detail == "network 185.220.101.0/24 not used in the baseline");
  REQUIRE(r->OfKind("flagged_ip").size() == 1);
  CHECK(r->OfKind("flagged_ip")[0]->detail == "tor_exit, listed in tor");
  CHECK(r->OfKind("flagged_ip")[0]->evidence == "cloudtrail:ev-gci");
  std::set<std::string> techniques;
  for (const Indicator* i : r->OfKind("ttp")) techniques.insert(i->technique_id + " " + i->entity.key);
  CHECK(techniques.count("T1136.003 iam.amazonaws.com:CreateUser"));
  CHECK(techniques.count("T1098.001 iam.amazonaws.com:CreateAccessKey"));
  CHECK(techniques.count("T1087.004 sts.amazonaws.com:GetCallerIdentity"));
  // Geolocation is never guessed.
  REQUIRE(r->OfKind("impossible_travel").size() == 1);
  CHECK_FALSE(r->OfKind("impossible_travel")[0]->available);
  CHECK(r->OfKind("impossible_travel")[0]->detail == "unavailable (no --mmdb)");
  CHECK_FALSE(r->OfKind("new_geolocation")[0]->available);
  // Nothing from the baseline month is reported.
  for (const auto& i : r->indicators) CHECK(i.entity.key.find("ListBuckets") == std::string::npos);
}

TEST_CASE("Indicators: increased volume, a key counts its signers' activity, related findings and groups",
          "[engine][indicators]") {
  MemoryStore store;
  REQUIRE(BuildS3Exfil(store).ok());
  GraphDelta d;
  // The analyst lists buckets once a day in the baseline, then 40 times in an hour.
  for (int i = 0; i < 40; ++i)
    Call(d, kAnalyst, kAnalystKey, "198.51.100.20", "aws-cli/2.13.1", "s3.amazonaws.com:ListBuckets",
         T("2026-04-02T13:00:00Z") + i * 60, "burst-" + std::to_string(i));
  REQUIRE(store.Apply(d).ok());
  IndicatorOptions options;
  options.window = {T("2026-04-02T00:00:00Z"), T("2026-04-02T23:59:59Z")};
  auto r = Indicators(store, kAnalystKey, options);
  REQUIRE(r.ok());
  CHECK(std::find(r->actors.begin(), r->actors.end(), kAnalyst) != r->actors.end());
  REQUIRE(r->OfKind("increased_api_volume").size() == 1);
  CHECK(r->OfKind("increased_api_volume")[0]->entity == Api("s3.amazonaws.com:ListBuckets"));
  CHECK(r->OfKind("increased_api_volume")[0]->window_count == 40);
  CHECK(Keys(*r, "new_api_call") == std::vector<std::string>{"sts.amazonaws.com:AssumeRole"});
  CHECK(Keys(*r, "new_source_ip") == std::vector<std::string>{"192.0.2.77"});
  CHECK(Keys(*r, "new_user_agent") == std::vector<std::string>{"aws-cli/2.9.0 Python/3.11 Linux/6.0.0-kali3-amd64"});
  // The recon finding names the analyst; it is grouped with the exfiltration finding by the Kali IP.
  CHECK(Keys(*r, "related_finding") == std::vector<std::string>{kExfilRecon.key});
  REQUIRE(r->OfKind("related_group").size() == 1);
  CHECK(r->OfKind("related_group")[0]->detail == "group of 2 findings, severity high, tied by ip_address:192.0.2.77");
  CHECK(r->OfKind("flagged_ip").empty());
}

TEST_CASE("AttackTable: covers the handled events and the Stratus techniques", "[engine][indicators]") {
  for (const char* api :
       {"iam.amazonaws.com:CreateUser", "iam.amazonaws.com:CreateAccessKey", "cloudtrail.amazonaws.com:StopLogging",
        "cloudtrail.amazonaws.com:DeleteTrail", "cloudtrail.amazonaws.com:PutEventSelectors",
        "ec2.amazonaws.com:DeleteFlowLogs", "guardduty.amazonaws.com:DeleteDetector", "ec2.amazonaws.com:RunInstances",
        "rds.amazonaws.com:ModifyDBSnapshotAttribute", "s3.amazonaws.com:PutBucketPolicy",
        "s3.amazonaws.com:GetObject", "signin.amazonaws.com:ConsoleLogin", "sts.amazonaws.com:GetFederationToken",
        "ec2.amazonaws.com:GetPasswordData", "secretsmanager.amazonaws.com:BatchGetSecretValue",
        "ssm.amazonaws.com:GetParameters", "route53resolver.amazonaws.com:DeleteResolverQueryLogConfig",
        "organizations.amazonaws.com:LeaveOrganization", "ec2.amazonaws.com:DescribeInstanceAttribute",
        "ssm.amazonaws.com:SendCommand", "ssm.amazonaws.com:StartSession",
        "ec2.amazonaws.com:AuthorizeSecurityGroupIngress", "ec2.amazonaws.com:ModifyImageAttribute",
        "ec2.amazonaws.com:ModifySnapshotAttribute", "bedrock.amazonaws.com:InvokeModel",
        "ec2-instance-connect.amazonaws.com:SendSSHPublicKey",
        "ec2-instance-connect.amazonaws.com:SendSerialConsoleSSHPublicKey", "iam.amazonaws.com:UpdateAssumeRolePolicy",
        "iam.amazonaws.com:CreateLoginProfile", "iam.amazonaws.com:UpdateLoginProfile",
        "lambda.amazonaws.com:AddPermission20150331v2", "lambda.amazonaws.com:UpdateFunctionCode20150331v2",
        "lambda.amazonaws.com:UpdateFunctionConfiguration20150331v2", "rolesanywhere.amazonaws.com:CreateTrustAnchor",
        "iam.amazonaws.com:AttachRolePolicy", "iam.amazonaws.com:CreateRole"}) {
    INFO(api);
    CHECK_FALSE(LookupAttack(api).empty());
  }
  auto m = LookupAttack("cloudtrail.amazonaws.com:StopLogging");
  REQUIRE(m.size() == 1);
  CHECK(m[0]->technique_id == "T1562.008");
  CHECK(m[0]->tactic == "Defense Evasion");
  CHECK(LookupAttack("s3.amazonaws.com:ListBuckets").empty());
  // The source must match when given.
  CHECK(LookupAttack("s3.amazonaws.com:CreateUser").empty());
  CHECK_FALSE(LookupAttack("CreateUser").empty());
}
