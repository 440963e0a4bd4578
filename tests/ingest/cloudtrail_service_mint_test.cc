// Issue 20 items 4 and 7 on fixtures in the shape of real records:
// AssumeRole called by EC2, Lambda and ECS (no assumedRoleUser in the
// response, as in the OTRF set), and S3 data events with object keys, listing
// bytes and failed reads.
#include <catch2/catch.hpp>

#include <string>

#include "gumshoe/edge_counters.h"
#include "gumshoe/lineage.h"
#include "gumshoe/memory_store.h"
#include "ingest/cloudtrail_fixture.h"
#include "ingest/test_context.h"

namespace gumshoe::ingest {
namespace {

using namespace ct_fixture;
using testing::TestContext;

const std::string kData = std::string(GUMSHOE_TEST_DATA) + "/cloudtrail/";
const std::string kAcct = "111122223333";

EntityRef Key(const std::string& k) { return {EntityKind::kAccessKey, k}; }
EntityRef Role(const std::string& path_and_name) {
  return {EntityKind::kIamRole, "arn:aws:iam::" + kAcct + ":role/" + path_and_name};
}
EntityRef Session(const std::string& role, const std::string& name) {
  return {EntityKind::kRoleSession, "arn:aws:sts::" + kAcct + ":assumed-role/" + role + "/" + name};
}

TEST_CASE("CloudTrail: AssumeRole by EC2 creates the instance-profile session, its role and instance",
          "[ingest][cloudtrail][service_mint]") {
  MemoryStore store;
  TestContext ctx;
  CHECK(FeedLines(ctx, ReadText(kData + "service_mints.jsonl")) == 6);
  Apply(store, ctx);
  CHECK(ctx.rejects.empty());
  CHECK(ctx.anomalies.count("mint_without_session") == 0);
  CHECK(ctx.anomalies.count("mint_without_key") == 0);  // the denied mint minted nothing

  const EntityRef key = Key("ASIAQ3EXAMPLEWEBIP01");
  // The session ARN names the role without its path (/service/).
  const EntityRef session = Session("WebAppRole", "i-0a1b2c3d4e5f60718");
  const EntityRef role = Role("service/WebAppRole");
  const EntityRef inst{EntityKind::kEc2Instance, "i-0a1b2c3d4e5f60718"};
  const EntityRef ec2{EntityKind::kAwsService, "ec2.amazonaws.com"};

  auto minted = FindEdge(store, ec2, EdgeKind::kMinted, key);
  REQUIRE(minted);
  CHECK(minted->first_evidence.ref == "cloudtrail:3c3c3c3c-0001-4000-8000-000000000001");
  REQUIRE(FindEdge(store, key, EdgeKind::kCredentialOf, session));
  REQUIRE(FindEdge(store, session, EdgeKind::kAssumedRole, role));
  REQUIRE(FindEdge(store, session, EdgeKind::kSessionOnInstance, inst));
  REQUIRE(FindEdge(store, inst, EdgeKind::kInstanceProfileRole, role));
  REQUIRE(FindEdge(store, key, EdgeKind::kInAccount, {EntityKind::kAccount, kAcct}));
  REQUIRE(FindEdge(store, role, EdgeKind::kInAccount, {EntityKind::kAccount, kAcct}));
  CHECK(*Get(store, session)->Attr("minted_by_service") == "ec2.amazonaws.com");
  // The same session is also the caller of the later GetCallerIdentity: one entity.
  CHECK(CountIn(store, session, EdgeKind::kCredentialOf) == 1);

  SECTION("lineage of the key names the role, the session and the instance") {
    auto res = Lineage(store, key, LineageOptions{});
    REQUIRE(res.ok());
    const LineageLink* to_service = LinkBetween(*res, key, ec2);
    REQUIRE(to_service);
    CHECK(to_service->edge == EdgeKind::kMinted);
    CHECK(to_service->event_id == "cloudtrail:3c3c3c3c-0001-4000-8000-000000000001");
    const LineageLink* to_session = LinkBetween(*res, key, session);
    REQUIRE(to_session);
    CHECK(to_session->edge == EdgeKind::kCredentialOf);
    const LineageLink* to_instance = LinkBetween(*res, session, inst);
    REQUIRE(to_instance);
    CHECK(to_instance->edge == EdgeKind::kSessionOnInstance);
    const LineageLink* to_role = LinkBetween(*res, session, role);
    REQUIRE(to_role);
    CHECK(to_role->edge == EdgeKind::kAssumedRole);
    // The role is context, not a root: trust comes from the service that minted the key.
    CHECK(res->nodes[NodeOf(*res, role)].root == LineageRoot::kNone);
    CHECK(res->nodes[NodeOf(*res, ec2)].root == LineageRoot::kAwsService);
    std::string tree = res->ToTree([](std::string_view s) { return std::string(s); });
    CHECK(tree.find("credential_of -> role_session " + session.key) != std::string::npos);
    CHECK(tree.find("assumed_role -> iam_role " + role.key) != std::string::npos);
    CHECK(tree.find("session_on_instance -> ec2_instance i-0a1b2c3d4e5f60718") != std::string::npos);
    // Used from 203.0.113.50 only, its first use: no "new IP" flag without ip-ranges.
    CHECK(res->flags.empty());
  }
}

TEST_CASE("CloudTrail: AssumeRole by Lambda names the function, its role-validation sessions do not",
          "[ingest][cloudtrail][service_mint]") {
  MemoryStore store;
  TestContext ctx;
  FeedLines(ctx, ReadText(kData + "service_mints.jsonl"));
  Apply(store, ctx);
  const EntityRef session = Session("billing-export-role", "billing-export");
  REQUIRE(FindEdge(store, Key("ASIAQ3EXAMPLELAMBDA1"), EdgeKind::kCredentialOf, session));
  REQUIRE(FindEdge(store, session, EdgeKind::kAssumedRole, Role("billing-export-role")));
  // eu-west-1 (awsRegion), the role's account, the session name.
  const std::string fn_arn = "arn:aws:lambda:eu-west-1:" + kAcct + ":function:billing-export";
  REQUIRE(Get(store, session)->Attr("lambda_function") != nullptr);
  CHECK(*Get(store, session)->Attr("lambda_function") == fn_arn);
  auto fn = Get(store, {EntityKind::kLambdaFunction, fn_arn});
  REQUIRE(fn);
  CHECK(*fn->Attr("execution_role") == Role("billing-export-role").key);
  CHECK(CountOut(store, session, EdgeKind::kSessionOnInstance) == 0);

  const EntityRef validation = Session("billing-export-role", "awslambda_55_20260302100600123");
  REQUIRE(FindEdge(store, Key("ASIAQ3EXAMPLELAMBDA2"), EdgeKind::kCredentialOf, validation));
  CHECK(Get(store, validation)->Attr("lambda_function") == nullptr);
  CHECK_FALSE(Get(store, {EntityKind::kLambdaFunction,
                          "arn:aws:lambda:eu-west-1:" + kAcct + ":function:awslambda_55_20260302100600123"}));

  auto res = Lineage(store, Key("ASIAQ3EXAMPLELAMBDA1"), LineageOptions{});
  REQUIRE(res.ok());
  int s = NodeOf(*res, session);
  REQUIRE(s >= 0);
  CHECK(NodeOf(*res, Role("billing-export-role")) >= 0);
  CHECK(res->ToJson().find("\"lambda_function\":\"" + fn_arn + "\"") != std::string::npos);
}

TEST_CASE("CloudTrail: AssumeRole by ECS keeps the task's session and its task ID",
          "[ingest][cloudtrail][service_mint]") {
  MemoryStore store;
  TestContext ctx;
  FeedLines(ctx, ReadText(kData + "service_mints.jsonl"));
  Apply(store, ctx);
  const EntityRef session = Session("ecs-task-role", "7e5c6b3d5e0c4f6a9b1d2c3e4f5a6b7c");
  REQUIRE(FindEdge(store, Key("ASIAQ3EXAMPLEECSTSK1"), EdgeKind::kCredentialOf, session));
  REQUIRE(FindEdge(store, session, EdgeKind::kAssumedRole, Role("ecs-task-role")));
  REQUIRE(FindEdge(store, {EntityKind::kAwsService, "ecs-tasks.amazonaws.com"}, EdgeKind::kMinted,
                   Key("ASIAQ3EXAMPLEECSTSK1")));
  CHECK(*Get(store, session)->Attr("ecs_task_id") == "7e5c6b3d5e0c4f6a9b1d2c3e4f5a6b7c");
}

TEST_CASE("CloudTrail: a denied service AssumeRole is an attempt that creates no session",
          "[ingest][cloudtrail][service_mint]") {
  MemoryStore store;
  TestContext ctx;
  FeedLines(ctx, ReadText(kData + "service_mints.jsonl"));
  Apply(store, ctx);
  CHECK_FALSE(Get(store, Key("ASIAQ3EXAMPLEDENIED1")));
  CHECK_FALSE(Get(store, Session("NoTrustRole", "i-0fedcba9876543210")));
  CHECK_FALSE(Get(store, {EntityKind::kEc2Instance, "i-0fedcba9876543210"}));
  auto api = FindEdge(store, {EntityKind::kAwsService, "ec2.amazonaws.com"}, EdgeKind::kCalledApi,
                      {EntityKind::kApiCall, "sts.amazonaws.com:AssumeRole"});
  REQUIRE(api);
  CHECK(api->success == 1);  // the EC2 mint; Lambda and ECS are other callers
  CHECK(api->failure == 1);
  CHECK(CounterOf(*api, "error:AccessDenied") == 1);
}

TEST_CASE("CloudTrail: S3 reads keep object keys and bytes apart from listings and attempts",
          "[ingest][cloudtrail][s3_objects]") {
  MemoryStore store;
  TestContext ctx;
  CHECK(FeedLines(ctx, ReadText(kData + "s3_objects.jsonl")) == 10);
  Apply(store, ctx);
  CHECK(ctx.rejects.empty());
  const EntityRef session = Session("WebAppRole", "i-0a1b2c3d4e5f60718");
  const EntityRef real_bucket{EntityKind::kS3Bucket, "exfil-target-bucket"};
  auto read = FindEdge(store, session, EdgeKind::kRead, real_bucket);
  REQUIRE(read);
  CHECK(read->count == 9);
  CHECK(read->success == 8);
  CHECK(read->failure == 1);
  // GetObject data only: 89 + 89 + 4096 + 10; the denied read's 243 bytes are an error body.
  CHECK(CounterOf(*read, "bytes_out") == 4284);
  CHECK(CounterOf(*read, "listing_bytes_out") == 500 + 524);
  CHECK(CounterOf(*read, "metadata_bytes_out") == 1024);  // GetObjectAcl
  CHECK(CounterOf(*read, "op:GetObject") == 5);
  CHECK(CounterOf(*read, "op:ListObjects") == 2);
  CHECK(CounterOf(*read, "object:ring.txt") == 2);
  CHECK(CounterOf(*read, "object_bytes:ring.txt") == 178);
  CHECK(CounterOf(*read, "object:reports/q1.csv") == 1);
  CHECK(CounterOf(*read, "object_bytes:reports/q1.csv") == 4096);
  CHECK(CounterOf(*read, "object:reports/q2.csv") == 2);  // HeadObject + GetObjectAcl: touched, not read
  CHECK(read->counters.count("object_bytes:reports/q2.csv") == 0);
  CHECK(CounterOf(*read, "object:from-resources.txt") == 1);  // no requestParameters.key
  CHECK(CounterOf(*read, "object_bytes:from-resources.txt") == 10);
  CHECK(read->counters.count("object:secret/keys.txt") == 0);  // denied: an attempt reaches nothing
  int objects = 0;
  for (const auto& [name, v] : read->counters) objects += name.rfind("object:", 0) == 0;
  CHECK(objects == 4);

  auto wrote = FindEdge(store, session, EdgeKind::kWrote, real_bucket);
  REQUIRE(wrote);
  CHECK(CounterOf(*wrote, "bytes_in") == 2048);
  CHECK(CounterOf(*wrote, "object:drop/payload.bin") == 1);
  CHECK(CounterOf(*wrote, "object_bytes:drop/payload.bin") == 2048);
}

TEST_CASE("CloudTrail: object keys per edge are bounded with an exact count of the rest",
          "[ingest][cloudtrail][s3_objects]") {
  // 40 objects of 100 bytes each, one GetObject each, then 60 more in a second batch.
  std::string one = ReadText(kData + "s3_objects.jsonl");
  one = one.substr(0, one.find('\n'));  // a ListObjects record, to reuse its identity block
  auto record = [&](int i) {
    char id[64];
    std::snprintf(id, sizeof id, "5e5e5e5e-%04d-4000-8000-%012d", i, i);
    char key[32];
    std::snprintf(key, sizeof key, "dump/file-%03d.bin", i);
    std::string r = one;
    auto replace = [&](const std::string& from, const std::string& to) {
      size_t at = r.find(from);
      REQUIRE(at != std::string::npos);
      r.replace(at, from.size(), to);
    };
    replace("\"eventName\":\"ListObjects\"", "\"eventName\":\"GetObject\"");
    replace("\"prefix\":\"\"", std::string("\"key\":\"") + key + "\"");
    replace("\"bytesTransferredOut\":500", "\"bytesTransferredOut\":100");
    replace("4d4d4d4d-0001-4000-8000-000000000001", id);
    return r + "\n";
  };
  MemoryStore store;
  TestContext ctx;
  std::string batch1, batch2;
  for (int i = 0; i < 40; ++i) batch1 += record(i);
  for (int i = 40; i < 100; ++i) batch2 += record(i);
  FeedLines(ctx, batch1);
  Apply(store, ctx);
  FeedLines(ctx, batch2);
  Apply(store, ctx);
  auto read = FindEdge(store, Session("WebAppRole", "i-0a1b2c3d4e5f60718"), EdgeKind::kRead,
                       {EntityKind::kS3Bucket, "exfil-target-bucket"});
  REQUIRE(read);
  CHECK(read->count == 100);
  CHECK(CounterOf(*read, "bytes_out") == 10000);
  int objects = 0;
  int64_t kept_calls = 0, kept_bytes = 0;
  for (const auto& [name, v] : read->counters) {
    if (name.rfind("object:", 0) == 0) ++objects, kept_calls += v;
    if (name.rfind("object_bytes:", 0) == 0) kept_bytes += v;
  }
  CHECK(objects == static_cast<int>(kMaxObjectKeys));
  CHECK(read->counters.count("object:dump/file-000.bin") == 1);  // the smallest names are kept
  CHECK(read->counters.count("object:dump/file-099.bin") == 0);
  CHECK(kept_calls + CounterOf(*read, "object_overflow_calls") == 100);
  CHECK(kept_bytes + CounterOf(*read, "object_overflow_bytes") == 10000);
  CHECK(CounterOf(*read, "object_overflow_calls") == 100 - static_cast<int64_t>(kMaxObjectKeys));
  // The other counters are not crowded out by object keys.
  CHECK(CounterOf(*read, "op:GetObject") == 100);
  CHECK(read->counters.count("overflow") == 0);
}

// lambda_backdoor.jsonl, worked out from its four records: mallory (key
// AKIAEXAMPLEMALLORY01) creates log-shipper in eu-west-1 with role
// log-shipper-role (7d7d7d7d-0001); devops's UpdateFunctionCode is denied
// (AccessDeniedException, 7d7d7d7d-0002); Lambda assumes log-shipper-role
// with session name log-shipper, minting ASIAEXAMPLELOGSHIP01 (7d7d7d7d-0003);
// that key reads prod/db-password (7d7d7d7d-0004).
TEST_CASE("CloudTrail: a Lambda session's key leads through its function to whoever planted it",
          "[ingest][cloudtrail][service_mint][lineage]") {
  MemoryStore store;
  TestContext ctx;
  CHECK(FeedLines(ctx, ReadText(kData + "lambda_backdoor.jsonl")) == 4);
  Apply(store, ctx);
  CHECK(ctx.rejects.empty());
  const EntityRef key = Key("ASIAEXAMPLELOGSHIP01");
  const EntityRef session = Session("log-shipper-role", "log-shipper");
  const EntityRef fn{EntityKind::kLambdaFunction, "arn:aws:lambda:eu-west-1:" + kAcct + ":function:log-shipper"};
  const EntityRef mallory{EntityKind::kIamUser, "arn:aws:iam::" + kAcct + ":user/mallory"};
  const EntityRef devops{EntityKind::kIamUser, "arn:aws:iam::" + kAcct + ":user/devops"};
  const EntityRef lambda{EntityKind::kAwsService, "lambda.amazonaws.com"};

  auto of = FindEdge(store, session, EdgeKind::kSessionOfFunction, fn);
  REQUIRE(of);
  CHECK(of->first_evidence.ref == "cloudtrail:7d7d7d7d-0003-4000-8000-000000000003");
  CHECK(FindEdge(store, fn, EdgeKind::kRunsAs, Role("log-shipper-role")));
  REQUIRE(FindEdge(store, mallory, EdgeKind::kCreated, fn));
  // The denied code change is an attempt, not a change.
  CHECK_FALSE(FindEdge(store, devops, EdgeKind::kCodeChanged, fn));
  CHECK(FindEdge(store, devops, EdgeKind::kAttempted, fn));

  auto res = Lineage(store, key, LineageOptions{});
  REQUIRE(res.ok());
  const LineageLink* minted = LinkBetween(*res, key, lambda);
  REQUIRE(minted);
  CHECK(minted->edge == EdgeKind::kMinted);
  const LineageLink* to_session = LinkBetween(*res, key, session);
  REQUIRE(to_session);
  const LineageLink* to_fn = LinkBetween(*res, session, fn);
  REQUIRE(to_fn);
  CHECK(to_fn->edge == EdgeKind::kSessionOfFunction);
  const LineageLink* planted = LinkBetween(*res, fn, mallory);
  REQUIRE(planted);
  CHECK(planted->edge == EdgeKind::kCreated);
  CHECK(planted->event_id == "cloudtrail:7d7d7d7d-0001-4000-8000-000000000001");
  CHECK(res->nodes[NodeOf(*res, mallory)].root == LineageRoot::kIamUserKey);
  CHECK(res->nodes[NodeOf(*res, mallory)].note.find("AKIAEXAMPLEMALLORY01") != std::string::npos);
  CHECK(NodeOf(*res, devops) < 0);  // a denied change leads nowhere
  std::string tree = res->ToTree([](std::string_view s) { return std::string(s); });
  CHECK(tree.find("session_of_function -> lambda_function " + fn.key) != std::string::npos);
  CHECK(tree.find("<- created iam_user " + mallory.key) != std::string::npos);
}

// s3_copy.jsonl: mallory copies prod-customer-data/exports/customers.csv into
// exfil-drop-444455556666 (account 444455556666 in resources[]), then is
// denied copying /hr-payroll/2026/payroll.xlsx?versionId=... (AccessDenied).
TEST_CASE("CloudTrail: CopyObject reads its copy source and writes its bucket, a denied copy reads nothing",
          "[ingest][cloudtrail][s3]") {
  MemoryStore store;
  TestContext ctx;
  CHECK(FeedLines(ctx, ReadText(kData + "s3_copy.jsonl")) == 2);
  Apply(store, ctx);
  CHECK(ctx.rejects.empty());
  CHECK(ctx.anomalies.empty());
  const EntityRef mallory{EntityKind::kIamUser, "arn:aws:iam::" + kAcct + ":user/mallory"};
  const EntityRef source{EntityKind::kS3Bucket, "prod-customer-data"};
  const EntityRef drop{EntityKind::kS3Bucket, "exfil-drop-444455556666"};
  const EntityRef payroll{EntityKind::kS3Bucket, "hr-payroll"};

  auto wrote = FindEdge(store, mallory, EdgeKind::kWrote, drop);
  REQUIRE(wrote);
  CHECK(wrote->success == 1);
  CHECK(wrote->failure == 1);
  CHECK(CounterOf(*wrote, "object:dump/customers.csv") == 1);
  CHECK(wrote->counters.count("object:dump/payroll.xlsx") == 0);
  auto read = FindEdge(store, mallory, EdgeKind::kRead, source);
  REQUIRE(read);
  CHECK(read->success == 1);
  CHECK(read->failure == 0);
  CHECK(CounterOf(*read, "op:CopyObject") == 1);
  CHECK(CounterOf(*read, "object:exports/customers.csv") == 1);
  CHECK(read->first_evidence.ref == "cloudtrail:9e9e9e9e-0001-4000-8000-000000000001");
  // The denied copy: an attempt on its source (leading '/' and ?versionId cut), no object reached.
  auto tried = FindEdge(store, mallory, EdgeKind::kRead, payroll);
  REQUIRE(tried);
  CHECK(tried->success == 0);
  CHECK(tried->failure == 1);
  CHECK(tried->counters.count("object:2026/payroll.xlsx") == 0);
  // Each bucket's account, from resources[].
  CHECK(FindEdge(store, source, EdgeKind::kInAccount, {EntityKind::kAccount, kAcct}));
  CHECK(FindEdge(store, drop, EdgeKind::kInAccount, {EntityKind::kAccount, "444455556666"}));
  CHECK(FindEdge(store, payroll, EdgeKind::kInAccount, {EntityKind::kAccount, kAcct}));
}

}  // namespace
}  // namespace gumshoe::ingest
