// The sentence table (edge_text.h): one row per edge kind, and each sentence
// true of an event that writes the edge, read src -> dst as model.h defines it.
#include <catch2/catch.hpp>

#include <set>

#include "engine/incident_fixtures.h"
#include "gumshoe/edge_text.h"

using namespace gumshoe;
using namespace gumshoe::testing;

TEST_CASE("EdgeText: every edge kind in kAllEdgeKinds has a sentence, an attempt form and a label",
          "[engine][edge_text]") {
  for (EdgeKind k : kAllEdgeKinds) {
    INFO(EdgeKindName(k));
    const EdgeText* t = FindEdgeText(k);
    REQUIRE(t != nullptr);
    CHECK(t->kind == k);
    CHECK(std::string_view(t->sentence).find("{src") != std::string_view::npos);
    CHECK(std::string_view(t->sentence).find("{dst") != std::string_view::npos);
    CHECK(std::string_view(t->attempt).find("{src") != std::string_view::npos);
    CHECK_FALSE(t->label.empty());
    CHECK_FALSE(t->attempt_label.empty());
  }
}

namespace {

struct Golden {
  EdgeKind kind;
  EntityRef src, dst;
  const char* event;     // the record that writes src -kind-> dst
  const char* sentence;  // what the tool says about it
};

const EntityRef kAcct{EntityKind::kAccount, "111122223333"};
const EntityRef kOther{EntityKind::kAccount, "444455556666"};
const EntityRef kSnap{EntityKind::kEbsSnapshot, "snap-0abc0000000000001"};
const EntityRef kSg{EntityKind::kSecurityGroup, "sg-0abc0000000000001"};
const EntityRef kFn{EntityKind::kLambdaFunction, "arn:aws:lambda:us-east-1:111122223333:function:exfil"};
const EntityRef kKms{EntityKind::kKmsKey, "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"};
const EntityRef kTrail{EntityKind::kCloudTrailTrail, "arn:aws:cloudtrail:us-east-1:111122223333:trail/org-trail"};
const EntityRef kRepo{EntityKind::kEcrRepository, "arn:aws:ecr:us-east-1:111122223333:repository/web"};
const EntityRef kSecretRef{EntityKind::kSecret,
                           "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-password-AbCdEf"};

}  // namespace

TEST_CASE("EdgeText: one fixture edge per kind reads true of its event", "[engine][edge_text]") {
  const Golden goldens[] = {
      {EdgeKind::kAssumedRole, Session("deploy", "ci-run-42"), Role("deploy"),
       "AssumeRole roleArn .../role/deploy, assumedRoleUser .../assumed-role/deploy/ci-run-42",
       "deploy/ci-run-42 is a session of IAM role deploy"},
      {EdgeKind::kMinted, Key("AKIAEXAMPLECIDEPLOY1"), Key("ASIAEXAMPLEMINTED001"),
       "AssumeRole signed with AKIA...CIDEPLOY1 returning credentials.accessKeyId ASIA...MINTED001",
       "AKIAEXAMPLECIDEPLOY1 minted temporary access key ASIAEXAMPLEMINTED001"},
      {EdgeKind::kAuthenticatedWith, User("ci-deploy"), Key("AKIAEXAMPLECIDEPLOY1"),
       "any call with userIdentity.arn .../user/ci-deploy, accessKeyId AKIA...CIDEPLOY1",
       "ci-deploy signed calls with access key AKIAEXAMPLECIDEPLOY1"},
      {EdgeKind::kCalledFrom, User("ci-deploy"), Ip("203.0.113.50"), "sourceIPAddress 203.0.113.50",
       "ci-deploy made calls from IP address 203.0.113.50"},
      {EdgeKind::kUsedAgent, User("ci-deploy"), Agent("aws-cli/2.15.30"), "userAgent aws-cli/2.15.30",
       "ci-deploy sent user agent aws-cli/2.15.30"},
      {EdgeKind::kCreated, User("ci-deploy"), User("svc-backup"), "CreateUser by ci-deploy, userName svc-backup",
       "ci-deploy created IAM user svc-backup"},
      {EdgeKind::kModified, User("ci-deploy"), Role("deploy"), "AttachRolePolicy by ci-deploy, roleName deploy",
       "ci-deploy changed the permissions or configuration of IAM role deploy"},
      {EdgeKind::kLaunched, Session("deploy", "ci-run-42"), Instance("i-0abc0000000000001"),
       "RunInstances by the session, instancesSet.items[0].instanceId i-0abc0000000000001",
       "deploy/ci-run-42 launched EC2 instance i-0abc0000000000001"},
      {EdgeKind::kInstanceProfileRole, Instance("i-0abc0000000000001"), Role("web"),
       "AssumeRole by ec2.amazonaws.com, roleSessionName i-0abc0000000000001, roleArn .../role/web",
       "EC2 instance i-0abc0000000000001 runs with IAM role web (instance profile)"},
      {EdgeKind::kRead, User("ci-deploy"), Bucket("finance-reports"), "GetObject bucketName finance-reports",
       "ci-deploy read from S3 bucket finance-reports"},
      {EdgeKind::kWrote, User("ci-deploy"), Bucket("finance-reports"), "PutObject bucketName finance-reports",
       "ci-deploy wrote to or deleted from S3 bucket finance-reports"},
      {EdgeKind::kNetworkFlow, Eni("eni-0abc0000000000001"), Ip("198.51.100.9"),
       "flow log: interface eni-0abc... srcaddr 10.0.0.5 dstaddr 198.51.100.9 ACCEPT",
       "eni-0abc0000000000001 opened connections to IP address 198.51.100.9"},
      {EdgeKind::kQueried, Instance("i-0abc0000000000001"), Domain("pool.minexmr.example"),
       "Route 53 resolver query_name pool.minexmr.example. from the instance",
       "i-0abc0000000000001 looked up domain pool.minexmr.example"},
      {EdgeKind::kResolvedTo, Domain("pool.minexmr.example"), Ip("192.0.2.201"), "answer rdata 192.0.2.201",
       "domain pool.minexmr.example resolved to IP address 192.0.2.201"},
      {EdgeKind::kDbLogin, Ip("198.51.100.7"), DbUser("prod-db/admin"),
       "MySQL audit CONNECT user admin host 198.51.100.7 on prod-db",
       "198.51.100.7 logged in as DB user prod-db/admin"},
      {EdgeKind::kDbUserOf, DbUser("prod-db/admin"), Rds("prod-db"), "serverhost prod-db",
       "DB user prod-db/admin is a user of RDS instance prod-db"},
      {EdgeKind::kInvolves, Finding("9c1d2e3f"), Instance("i-0abc0000000000001"),
       "GuardDuty resource.instanceDetails.instanceId", "finding 9c1d2e3f names EC2 instance i-0abc0000000000001"},
      {EdgeKind::kInAccount, User("ci-deploy"), kAcct, "userIdentity.accountId 111122223333",
       "IAM user ci-deploy belongs to account 111122223333"},
      {EdgeKind::kHasInterface, Instance("i-0abc0000000000001"), Eni("eni-0abc0000000000001"),
       "RunInstances networkInterfaceSet.items[0].networkInterfaceId",
       "EC2 instance i-0abc0000000000001 has network interface eni-0abc0000000000001"},
      {EdgeKind::kAssignedIp, Eni("eni-0abc0000000000001"), Ip("10.0.0.5"), "privateIpAddress 10.0.0.5",
       "network interface eni-0abc0000000000001 holds IP address 10.0.0.5"},
      {EdgeKind::kCredentialOf, Key("AKIAEXAMPLECIDEPLOY1"), User("ci-deploy"),
       "userIdentity.accessKeyId of the user ci-deploy",
       "access key AKIAEXAMPLECIDEPLOY1 is a credential of IAM user ci-deploy"},
      {EdgeKind::kDeleted, User("ci-deploy"), Key("AKIAEXAMPLEOLDKEY001"), "DeleteAccessKey accessKeyId AKIA...OLDKEY001",
       "ci-deploy deleted or deactivated access key AKIAEXAMPLEOLDKEY001"},
      {EdgeKind::kCalledApi, User("ci-deploy"), Api("iam.amazonaws.com:CreateUser"), "eventName CreateUser",
       "ci-deploy called iam.amazonaws.com:CreateUser"},
      {EdgeKind::kListedIn, Ip("185.220.101.7"), EntityRef{EntityKind::kThreatList, "tor"}, "Tor exit list entry",
       "IP address 185.220.101.7 is listed in threat list tor"},
      {EdgeKind::kFederatedBy, Session("sso-admin", "alice@example.com"),
       EntityRef{EntityKind::kIdentityProvider, "arn:aws:iam::111122223333:saml-provider/okta"},
       "AssumeRoleWithSAML principalArn .../saml-provider/okta",
       "sso-admin/alice@example.com was vouched for by identity provider okta"},
      {EdgeKind::kDbAction, DbUser("prod-db/admin"), DbUser("prod-db/backdoor"), "QUERY CREATE USER backdoor",
       "prod-db/admin changed DB user prod-db/backdoor with SQL statements"},
      {EdgeKind::kConsoleLogin, User("alice"), kAcct, "ConsoleLogin responseElements.ConsoleLogin Success",
       "alice signed in to the console of account 111122223333"},
      {EdgeKind::kSessionOnInstance, Session("web", "i-0abc0000000000001"), Instance("i-0abc0000000000001"),
       "AssumeRole by ec2.amazonaws.com, roleSessionName i-0abc0000000000001",
       "web/i-0abc0000000000001 is the instance-profile session of EC2 instance i-0abc0000000000001"},
      {EdgeKind::kSameEvent, Session("deploy", "ci-run-42"),
       EntityRef{EntityKind::kRoleSession, "arn:aws:sts::444455556666:assumed-role/deploy/ci-run-42"},
       "the two accounts' copies of one AssumeRole (sharedEventID)",
       "role session deploy/ci-run-42 is the same event's counterpart of role session deploy/ci-run-42 in another "
       "account"},
      {EdgeKind::kSharedWith, kSnap, kOther, "ModifySnapshotAttribute createVolumePermission add userId 444455556666",
       "EBS snapshot snap-0abc0000000000001 was shared with account 444455556666"},
      {EdgeKind::kUnshared, kSnap, kOther, "ModifySnapshotAttribute createVolumePermission remove userId 444455556666",
       "EBS snapshot snap-0abc0000000000001 stopped being shared with account 444455556666"},
      {EdgeKind::kOpenedTo, kSg, EntityRef{EntityKind::kIpNetwork, "0.0.0.0/0"},
       "AuthorizeSecurityGroupIngress groupId sg-0abc0000000000001 ipRanges cidrIp 0.0.0.0/0 tcp 22",
       "security group sg-0abc0000000000001 was given a rule allowing traffic with IP network 0.0.0.0/0"},
      {EdgeKind::kClosedTo, kSg, EntityRef{EntityKind::kIpNetwork, "0.0.0.0/0"},
       "RevokeSecurityGroupIngress groupId sg-0abc0000000000001 cidrIp 0.0.0.0/0",
       "security group sg-0abc0000000000001 had its rule for IP network 0.0.0.0/0 revoked"},
      {EdgeKind::kGuards, kSg, Instance("i-0abc0000000000001"),
       "RunInstances groupSet.items[0].groupId sg-0abc0000000000001, instanceId i-0abc0000000000001",
       "security group sg-0abc0000000000001 was attached to EC2 instance i-0abc0000000000001 at launch"},
      {EdgeKind::kCodeChanged, User("ci-deploy"), kFn, "UpdateFunctionCode20150331v2 functionName exfil",
       "ci-deploy changed the code or configuration of Lambda function exfil"},
      {EdgeKind::kInvoked, User("ci-deploy"), kFn, "Invoke (data event) functionName exfil",
       "ci-deploy invoked Lambda function exfil"},
      {EdgeKind::kRunsAs, kFn, Role("lambda-exec"), "CreateFunction20150331 role .../role/lambda-exec",
       "Lambda function exfil runs as IAM role lambda-exec"},
      {EdgeKind::kUsedKey, User("ci-deploy"), kKms, "Decrypt resources[0].ARN .../key/1234abcd-...",
       "ci-deploy used KMS key 1234abcd-12ab-34cd-56ef-1234567890ab to decrypt data or make data keys"},
      {EdgeKind::kGrantedTo, kKms, kOther, "CreateGrant granteePrincipal arn:aws:iam::444455556666:root",
       "KMS key 1234abcd-12ab-34cd-56ef-1234567890ab was granted for use by account 444455556666"},
      {EdgeKind::kDisabled, User("ci-deploy"), kTrail, "StopLogging name .../trail/org-trail",
       "ci-deploy stopped, deleted, disabled or narrowed CloudTrail trail org-trail"},
      {EdgeKind::kEnabled, User("ci-deploy"), kTrail, "StartLogging name .../trail/org-trail",
       "ci-deploy started CloudTrail trail org-trail again"},
      {EdgeKind::kExecutedOn, EntityRef{EntityKind::kSsmCommand, "5a1e0d6c-7b8f-4c3e-9f21-0d9b8a7c6e5f"},
       Instance("i-0abc0000000000001"), "SendCommand instanceIds [i-0abc0000000000001], commandId 5a1e0d6c-...",
       "5a1e0d6c-7b8f-4c3e-9f21-0d9b8a7c6e5f reached EC2 instance i-0abc0000000000001 through SSM (a command or a "
       "session)"},
      {EdgeKind::kRan, User("ci-deploy"),
       EntityRef{EntityKind::kEcsTask, "arn:aws:ecs:us-east-1:111122223333:task/prod/0a1b2c3d4e5f"},
       "RunTask responseElements.tasks[0].taskArn .../task/prod/0a1b2c3d4e5f",
       "ci-deploy started ECS task prod/0a1b2c3d4e5f"},
      {EdgeKind::kPulled, User("ci-deploy"), kRepo, "BatchGetImage repositoryName web",
       "ci-deploy pulled an image from ECR repository web"},
      {EdgeKind::kPushed, User("ci-deploy"), kRepo, "PutImage repositoryName web",
       "ci-deploy pushed an image to ECR repository web"},
      {EdgeKind::kAttempted, User("ci-deploy"), kSecretRef, "GetSecretValue errorCode AccessDenied",
       "ci-deploy tried to act on secret prod/db-password-AbCdEf"},
      {EdgeKind::kDescribed, User("ci-deploy"), kSecretRef, "DescribeSecret secretId prod/db-password",
       "ci-deploy looked at the metadata of secret prod/db-password-AbCdEf"},
      {EdgeKind::kPolicyAttached, User("ci-deploy"),
       EntityRef{EntityKind::kAwsResource, "arn:aws:iam::aws:policy/AdministratorAccess"},
       "AttachUserPolicy userName ci-deploy policyArn arn:aws:iam::aws:policy/AdministratorAccess",
       "AWS resource arn:aws:iam::aws:policy/AdministratorAccess was attached to or detached from IAM user "
       "ci-deploy"},
      {EdgeKind::kSessionOfFunction, Session("lambda-exec", "exfil"), kFn,
       "AssumeRole by lambda.amazonaws.com, roleSessionName exfil, roleArn .../role/lambda-exec, awsRegion us-east-1",
       "lambda-exec/exfil is the execution-role session of Lambda function exfil"},
  };
  std::set<EdgeKind> covered;
  for (const Golden& g : goldens) {
    INFO(EdgeKindName(g.kind) << ": " << g.event);
    CHECK(EdgeSentence(g.src, g.kind, g.dst) == g.sentence);
    covered.insert(g.kind);
  }
  for (EdgeKind k : kAllEdgeKinds) {
    INFO("no golden sentence for " << EdgeKindName(k));
    CHECK(covered.count(k) == 1);
  }
}

TEST_CASE("EdgeText: attempts read as attempts, with their error codes", "[engine][edge_text]") {
  EdgeStats denied;
  ObserveEdge(denied, T("2026-06-01T10:09:00Z"), -1, "cloudtrail:ev-cu", 1);
  denied.counters["error:AccessDenied"] = 1;
  CHECK(EdgeSentence(User("ci-deploy"), EdgeKind::kCreated, User("svc-backup"), denied) ==
        "ci-deploy tried to create IAM user svc-backup (denied: AccessDenied)");
  CHECK(EdgeLabel(EdgeKind::kCreated, denied) == "tried to create");
  EdgeStats vcpu;
  ObserveEdge(vcpu, T("2026-06-01T10:08:00Z"), -1, "cloudtrail:ev-run", 1);
  vcpu.counters["error:Client.VcpuLimitExceeded"] = 1;
  CHECK(EdgeSentence(User("ci-deploy"), EdgeKind::kCalledApi, Api("ec2.amazonaws.com:RunInstances"), vcpu) ==
        "ci-deploy tried to call ec2.amazonaws.com:RunInstances (failed: Client.VcpuLimitExceeded)");
  EdgeStats login;
  ObserveEdge(login, T("2026-05-20T03:00:00Z"), -1, "audit.log:7", 400);
  CHECK(EdgeSentence(Ip("198.51.100.7"), EdgeKind::kDbLogin, DbUser("prod-db/admin"), login) ==
        "198.51.100.7 tried to log in as DB user prod-db/admin (failed)");
  // Once a success is recorded the edge is the act itself.
  ObserveEdge(login, T("2026-05-20T03:10:00Z"), +1, "audit.log:408", 1);
  CHECK(EdgeSentence(Ip("198.51.100.7"), EdgeKind::kDbLogin, DbUser("prod-db/admin"), login) ==
        "198.51.100.7 logged in as DB user prod-db/admin");
}
