#include <catch2/catch.hpp>

#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <rapidjson/document.h>

#include "cloudtrail/event_table.h"
#include "gumshoe/ingest.h"
#include "gumshoe/lineage.h"
#include "gumshoe/memory_store.h"
#include "gumshoe/normalize.h"
#include "gumshoe/time_util.h"
#include "ingest/test_context.h"
#include "ingestor.h"

namespace gumshoe::ingest {

std::unique_ptr<Ingestor> NewCloudTrailIngestor();
std::unique_ptr<Ingestor> NewAwsIpRangesIngestor();

namespace {

namespace fs = std::filesystem;
using testing::TestContext;

const std::string kData = std::string(GUMSHOE_TEST_DATA) + "/cloudtrail/";
const std::string kShared = std::string(GUMSHOE_SOURCE_DIR) + "/../shared/datasets/";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string ReadGzip(const std::string& path) {
  gzFile f = gzopen(path.c_str(), "rb");
  REQUIRE(f != nullptr);
  std::string out;
  char buf[65536];
  int n;
  while ((n = gzread(f, buf, sizeof(buf))) > 0) out.append(buf, static_cast<size_t>(n));
  gzclose(f);
  return out;
}

// Splits a file the way the framework does: {"Records":[...]}, a top-level
// array, or one JSON value per line; feeds each record to the parser.
// Returns the number of records fed.
int Feed(FileParser& parser, TestContext& ctx, const std::string& text) {
  int fed = 0;
  size_t first = text.find_first_not_of(" \t\r\n");
  rapidjson::Document whole;
  whole.Parse(text.c_str(), text.size());
  if (!whole.HasParseError() && first != std::string::npos && (text[first] == '[' || text[first] == '{')) {
    const rapidjson::Value* arr = nullptr;
    if (whole.IsArray()) arr = &whole;
    if (whole.IsObject() && whole.HasMember("Records") && whole["Records"].IsArray()) arr = &whole["Records"];
    if (arr != nullptr) {
      for (const auto& r : arr->GetArray()) {
        ++ctx.pos_.line;
        parser.OnJson(r, ctx);
        ++fed;
      }
      parser.Finish(ctx);
      return fed;
    }
  }
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    ++ctx.pos_.line;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    rapidjson::Document doc;
    doc.Parse(line.c_str(), line.size());
    ++fed;
    if (doc.HasParseError()) {
      ctx.Reject("bad_json");
      continue;
    }
    parser.OnJson(doc, ctx);
  }
  parser.Finish(ctx);
  return fed;
}

std::unique_ptr<FileParser> CloudTrailParser() {
  return NewCloudTrailIngestor()->NewParser(FileInfo{"ct.json", true}, IngestOptions{});
}

int Rejected(const TestContext& ctx) {
  int n = 0;
  for (const auto& [reason, k] : ctx.rejects) n += k;
  return n;
}
int Ok(const TestContext& ctx) { return ctx.begun - ctx.duplicates - Rejected(ctx); }

// Ingests fixture files into `store` through the parser; returns the context.
void IngestFiles(MemoryStore& store, const std::vector<std::string>& files, TestContext& ctx) {
  for (const std::string& f : files) {
    auto parser = CloudTrailParser();
    Feed(*parser, ctx, ReadFile(kData + f));
  }
  REQUIRE(store.Apply(ctx.delta_).ok());
  ctx.delta_.Clear();
}

void IngestRanges(MemoryStore& store, const std::string& path) {
  TestContext ctx;
  auto parser = NewAwsIpRangesIngestor()->NewParser(FileInfo{path, true}, IngestOptions{});
  rapidjson::Document doc;
  std::string text = ReadFile(path);
  doc.Parse(text.c_str(), text.size());
  REQUIRE(!doc.HasParseError());
  parser->OnJson(doc, ctx);
  REQUIRE(ctx.rejects.empty());
  REQUIRE(store.Apply(ctx.delta_).ok());
}

std::optional<Entity> Get(const GraphReader& r, EntityKind kind, const std::string& key) {
  auto e = r.Find(EntityRef{kind, key});
  REQUIRE(e.ok());
  return *e;
}

std::optional<EdgeStats> FindEdge(const GraphReader& r, const EntityRef& src, EdgeKind kind, const EntityRef& dst) {
  std::optional<EdgeStats> out;
  EntityId want = r.IdOf(dst.kind, dst.key);
  REQUIRE(r.ScanEdges(r.IdOf(src.kind, src.key), Direction::kOut, kind, [&](const Edge& e) {
             if (e.dst == want) out = e.stats;
             return true;
           }).ok());
  return out;
}

EntityRef Key(const std::string& k) { return {EntityKind::kAccessKey, k}; }
EntityRef User(const std::string& acct, const std::string& name) {
  return {EntityKind::kIamUser, "arn:aws:iam::" + acct + ":user/" + name};
}
EntityRef Session(const std::string& acct, const std::string& role, const std::string& s) {
  return {EntityKind::kRoleSession, "arn:aws:sts::" + acct + ":assumed-role/" + role + "/" + s};
}
EntityRef Role(const std::string& acct, const std::string& name) {
  return {EntityKind::kIamRole, "arn:aws:iam::" + acct + ":role/" + name};
}
EntityRef Account(const std::string& a) { return {EntityKind::kAccount, a}; }

const char* kA = "111122223333";
const char* kB = "444455556666";

// The node index of `ref` in a lineage result, or -1.
int NodeOf(const LineageResult& r, const EntityRef& ref) {
  for (size_t i = 0; i < r.nodes.size(); ++i)
    if (r.nodes[i].entity.ref() == ref) return static_cast<int>(i);
  return -1;
}
const LineageLink* LinkBetween(const LineageResult& r, const EntityRef& from, const EntityRef& to) {
  int f = NodeOf(r, from), t = NodeOf(r, to);
  for (const LineageLink& l : r.links)
    if (static_cast<int>(l.from) == f && static_cast<int>(l.to) == t) return &l;
  return nullptr;
}
bool HasFlag(const LineageResult& r, const std::string& kind) {
  for (const LineageFlag& f : r.flags)
    if (f.kind == kind) return true;
  return false;
}

TEST_CASE("CloudTrail: event table lists each handled event once", "[ingest][cloudtrail]") {
  std::set<std::pair<std::string_view, std::string_view>> seen;
  for (const auto& e : cloudtrail::HandledEvents()) {
    CHECK(seen.insert({e.name, e.source}).second);
    CHECK(!e.meaning.empty());
    CHECK(cloudtrail::LookupEvent(e.source, e.name) == &e);
  }
  CHECK(cloudtrail::LookupEvent("sts.amazonaws.com", "AssumeRole") != nullptr);
  CHECK(cloudtrail::LookupEvent("iam.amazonaws.com", "AssumeRole") == nullptr);
}

TEST_CASE("CloudTrail: sniffing recognises CloudTrail shapes and not others", "[ingest][cloudtrail]") {
  auto ct = NewCloudTrailIngestor();
  CHECK(ct->Sniff("AWSLogs/1/CloudTrail/x.json.gz", "{\"Records\":[{\"eventVersion\":\"1.08\"") >= 90);
  CHECK(ct->Sniff("x.jsonl", "{\"eventSource\":\"s3.amazonaws.com\",\"eventName\":\"GetObject\"") >= 80);
  CHECK(ct->Sniff("x.json", "{\"detail-type\":\"AWS API Call via CloudTrail\"") >= 80);
  CHECK(ct->Sniff("flows.log", "version account-id interface-id") == 0);
  auto ranges = NewAwsIpRangesIngestor();
  CHECK(ranges->Sniff("ip-ranges.json", "{\n  \"syncToken\": \"1\",\n  \"createDate\": \"x\",\n  \"prefixes\": [") >
        ct->Sniff("ip-ranges.json", "{\n  \"syncToken\": \"1\",\n  \"createDate\": \"x\",\n  \"prefixes\": ["));
}

TEST_CASE("CloudTrail: every identity type yields its actor", "[ingest][cloudtrail]") {
  MemoryStore store;
  TestContext ctx;
  IngestFiles(store, {"identity_types.json"}, ctx);
  CHECK(Rejected(ctx) == 0);
  CHECK(Ok(ctx) == 14);
  // Root: tagged, console login with MFA counted.
  auto root = Get(store, EntityKind::kIamUser, "arn:aws:iam::111122223333:root");
  REQUIRE(root);
  CHECK(root->tags.count("root") == 1);
  auto login = FindEdge(store, root->ref(), EdgeKind::kConsoleLogin, Account(kA));
  REQUIRE(login);
  CHECK(login->success == 1);
  CHECK(login->counters.at("mfa_used") == 1);
  // IAMUser with its key.
  CHECK(FindEdge(store, User(kA, "alice"), EdgeKind::kAuthenticatedWith, Key("AKIAQ3EXAMPLEALICE01")));
  CHECK(FindEdge(store, Key("AKIAQ3EXAMPLEALICE01"), EdgeKind::kCredentialOf, User(kA, "alice")));
  // AssumedRole session -> role, attrs.
  auto s1 = Session(kA, "dev-hop", "alice-hop1");
  CHECK(FindEdge(store, s1, EdgeKind::kAssumedRole, Role(kA, "dev-hop")));
  auto s1e = Get(store, EntityKind::kRoleSession, s1.key);
  REQUIRE(s1e);
  CHECK(*s1e->Attr("creation_date") == "2026-03-01T10:00:00Z");
  CHECK(*s1e->Attr("mfa_authenticated") == "false");
  // Role actor, called from a service name (kept apart from IPs).
  CHECK(FindEdge(store, Role(kA, "dev-hop"), EdgeKind::kCalledFrom, {EntityKind::kAwsService, "kms.amazonaws.com"}));
  // FederatedUser minted by GetFederationToken.
  EntityRef fed{EntityKind::kFederatedUser, "arn:aws:sts::111122223333:federated-user/contractor"};
  CHECK(FindEdge(store, Key("AKIAQ3EXAMPLEALICE01"), EdgeKind::kMinted, Key("ASIAQ3EXAMPLEFED0001")));
  CHECK(FindEdge(store, Key("ASIAQ3EXAMPLEFED0001"), EdgeKind::kCredentialOf, fed));
  CHECK(FindEdge(store, fed, EdgeKind::kCalledFrom, {EntityKind::kIpAddress, "198.51.100.24"}));
  // AWSAccount ANONYMOUS_PRINCIPAL read a bucket; the IP too.
  EntityRef bucket{EntityKind::kS3Bucket, "public-web-111122223333"};
  auto anon_read = FindEdge(store, Account("ANONYMOUS_PRINCIPAL"), EdgeKind::kRead, bucket);
  REQUIRE(anon_read);
  CHECK(anon_read->counters.at("bytes_out") == 5120);
  CHECK(FindEdge(store, {EntityKind::kIpAddress, "203.0.113.99"}, EdgeKind::kRead, bucket));
  // AWSService minted a Lambda execution-role session.
  CHECK(FindEdge(store, {EntityKind::kAwsService, "lambda.amazonaws.com"}, EdgeKind::kMinted, Key("ASIAQ3EXAMPLELAMBDA1")));
  // SAML and web identity: federated by their providers.
  EntityRef saml_session = Session(kA, "sso-readonly", "jdoe@example.com");
  CHECK(FindEdge(store, saml_session, EdgeKind::kFederatedBy,
                 {EntityKind::kIdentityProvider, "arn:aws:iam::111122223333:saml-provider/Okta"}));
  EntityRef saml_user{EntityKind::kFederatedUser, "Q3zc8JyOkTzW0pH0yGq8KfP2Yt0=:jdoe@example.com"};
  CHECK(FindEdge(store, saml_user, EdgeKind::kMinted, Key("ASIAQ3EXAMPLESAML001")));
  EntityRef gha = Session(kA, "gha-deploy", "GitHubActions");
  CHECK(FindEdge(store, gha, EdgeKind::kFederatedBy,
                 {EntityKind::kIdentityProvider,
                  "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"}));
  // Identity Center, Directory, hidden console failure, Unknown.
  CHECK(Get(store, EntityKind::kFederatedUser,
            "arn:aws:identitystore::111122223333:identitystore/d-1234567890:94482488-3041-7026-18f3-be45837cd0e4"));
  CHECK(Get(store, EntityKind::kFederatedUser, "directory:d-906701ab12:S-1-5-21-1111"));
  auto failed = FindEdge(store, Account(kA), EdgeKind::kConsoleLogin, Account(kA));
  REQUIRE(failed);
  CHECK(failed->failure == 1);
  CHECK(Get(store, EntityKind::kFederatedUser, "principal:AIDAQ3EXAMPLEUNKNWN1"));
  CHECK(FindEdge(store, {EntityKind::kFederatedUser, "principal:AIDAQ3EXAMPLEUNKNWN1"}, EdgeKind::kCalledFrom,
                 {EntityKind::kAwsService, "aws internal"}));
  // api_call edges count success.
  auto api = FindEdge(store, User(kA, "alice"), EdgeKind::kCalledApi,
                      {EntityKind::kApiCall, "sts.amazonaws.com:GetCallerIdentity"});
  REQUIRE(api);
  CHECK(api->success == 1);
  CHECK(api->first_evidence.ref == "cloudtrail:3d3d3d3d-0002-4000-8000-000000000002");
}

TEST_CASE("CloudTrail: EventBridge, Logstash and Panther envelopes are unwrapped", "[ingest][cloudtrail]") {
  MemoryStore store;
  TestContext ctx;
  IngestFiles(store, {"envelopes.jsonl"}, ctx);
  CHECK(Rejected(ctx) == 0);
  CHECK(Ok(ctx) == 3);
  auto attach = FindEdge(store, User(kA, "admin"), EdgeKind::kModified, User(kA, "eve"));
  REQUIRE(attach);
  CHECK(attach->counters.at("policy:arn:aws:iam::aws:policy/AdministratorAccess") == 1);
  auto stop = FindEdge(store, User(kA, "alice"), EdgeKind::kCalledApi,
                       {EntityKind::kApiCall, "ec2.amazonaws.com:StopInstances"});
  REQUIRE(stop);
  CHECK(stop->first_seen == *ParseIsoTime("2026-03-04T10:01:00Z"));
  auto alice = Get(store, EntityKind::kIamUser, User(kA, "alice").key);
  CHECK(alice->tags.count("defense_evasion") == 1);
  CHECK(FindEdge(store, User(kA, "alice"), EdgeKind::kModified, Account(kA))->counters.at("op:StopLogging") == 1);
}

TEST_CASE("CloudTrail: the same eventID counts once, in any file order", "[ingest][cloudtrail]") {
  MemoryStore store;
  TestContext ctx;
  IngestFiles(store, {"role_chain.json", "role_chain.json"}, ctx);
  CHECK(ctx.duplicates == 5);
  CHECK(Ok(ctx) == 5);
  auto minted = FindEdge(store, Key("AKIAQ3EXAMPLEALICE01"), EdgeKind::kMinted, Key("ASIAQ3EXAMPLEHOP0001"));
  REQUIRE(minted);
  CHECK(minted->count == 1);
}

TEST_CASE("CloudTrail: malformed records are counted and their neighbours kept", "[ingest][cloudtrail]") {
  MemoryStore store;
  TestContext ctx;
  auto parser = CloudTrailParser();
  int fed = Feed(*parser, ctx, ReadFile(kData + "malformed.jsonl"));
  REQUIRE(store.Apply(ctx.delta_).ok());
  CHECK(fed == 16);
  CHECK(ctx.duplicates == 1);
  CHECK(ctx.rejects["bad_eventTime"] == 3);     // a number, year 2999, "yesterday"
  CHECK(ctx.rejects["missing_eventTime"] == 1);
  CHECK(ctx.rejects["missing_eventName"] == 1);
  CHECK(ctx.rejects["not_an_object"] == 1);
  CHECK(Ok(ctx) + Rejected(ctx) + ctx.duplicates == fed);
  CHECK(ctx.anomalies["bad_userIdentity"] == 1);
  CHECK(ctx.anomalies["missing_eventID"] == 1);
  CHECK(ctx.anomalies["bad_userIdentity_arn"] == 1);  // a 3 KB ARN
  CHECK(ctx.anomalies["bad_sourceIPAddress"] == 1);   // a number
  CHECK(ctx.anomalies["bad_minted_accessKeyId"] == 1);
  CHECK(ctx.anomalies["run_instances_without_instances"] == 1);
  // The neighbours of the bad records are there.
  auto api = FindEdge(store, User(kA, "alice"), EdgeKind::kCalledApi,
                      {EntityKind::kApiCall, "sts.amazonaws.com:GetCallerIdentity"});
  REQUIRE(api);
  CHECK(api->count >= 4);
  CHECK(api->last_evidence.ref == "cloudtrail:5f5f5f5f-0010-4000-8000-000000000010");
  // The huge user agent was kept, truncated.
  bool long_agent = false;
  REQUIRE(store.ScanKeys(EntityKind::kUserAgent, "Mozilla/5.0 AAAA", [&](std::string_view k) {
                 long_agent = k.size() <= kMaxUserAgentBytes;
                 return true;
               }).ok());
  CHECK(long_agent);
}

TEST_CASE("CloudTrail: RunInstances records every instance, interface and IP", "[ingest][cloudtrail]") {
  MemoryStore store;
  TestContext ctx;
  IngestFiles(store, {"instance_profile.json"}, ctx);
  CHECK(Ok(ctx) == 4);
  for (const char* id : {"i-0a1b2c3d4e5f60718", "i-0a1b2c3d4e5f60719"}) {
    EntityRef inst{EntityKind::kEc2Instance, id};
    CHECK(FindEdge(store, User(kB, "ops"), EdgeKind::kLaunched, inst));
    auto e = Get(store, EntityKind::kEc2Instance, id);
    REQUIRE(e);
    CHECK(*e->Attr("region") == "eu-west-1");
    CHECK(*e->Attr("instance_profile") == "arn:aws:iam::444455556666:instance-profile/web-profile");
    CHECK(FindEdge(store, inst, EdgeKind::kInAccount, Account(kB)));
  }
  EntityRef eni{EntityKind::kNetworkInterface, "eni-0aa11bb22cc33dd44"};
  CHECK(FindEdge(store, {EntityKind::kEc2Instance, "i-0a1b2c3d4e5f60718"}, EdgeKind::kHasInterface, eni));
  CHECK(FindEdge(store, eni, EdgeKind::kAssignedIp, {EntityKind::kIpAddress, "10.0.1.15"}));
  // The instance-profile session is tied to its instance and the instance to its role.
  EntityRef session = Session(kB, "web-role", "i-0a1b2c3d4e5f60718");
  CHECK(FindEdge(store, session, EdgeKind::kSessionOnInstance, {EntityKind::kEc2Instance, "i-0a1b2c3d4e5f60718"}));
  CHECK(FindEdge(store, {EntityKind::kEc2Instance, "i-0a1b2c3d4e5f60718"}, EdgeKind::kInstanceProfileRole,
                 Role(kB, "web-role")));
  auto read = FindEdge(store, session, EdgeKind::kRead, {EntityKind::kS3Bucket, "web-assets-444455556666"});
  REQUIRE(read);
  CHECK(read->counters.at("bytes_out") == 812);
}

TEST_CASE("Lineage: roles chained 3 deep across 2 accounts end at the IAM user's key", "[ingest][cloudtrail][lineage]") {
  MemoryStore store;
  TestContext ctx;
  IngestFiles(store, {"role_chain.json"}, ctx);
  auto res = Lineage(store, Key("ASIAQ3EXAMPLEHOP0003"), LineageOptions{});
  REQUIRE(res.ok());
  const LineageLink* hop3 = LinkBetween(*res, Key("ASIAQ3EXAMPLEHOP0003"), Key("ASIAQ3EXAMPLEHOP0002"));
  REQUIRE(hop3);
  CHECK(hop3->edge == EdgeKind::kMinted);
  CHECK(hop3->event_id == "cloudtrail:c1a1a1a1-0004-4000-8000-000000000004");
  CHECK(hop3->source_ip == "198.51.100.23");
  const LineageLink* hop2 = LinkBetween(*res, Key("ASIAQ3EXAMPLEHOP0002"), Key("ASIAQ3EXAMPLEHOP0001"));
  REQUIRE(hop2);
  CHECK(hop2->cross_account);
  CHECK(hop2->time == *ParseIsoTime("2026-03-01T10:05:00Z"));
  // The role owner's copy of the cross-account call adds the calling account as a
  // candidate, after the specific key; the key's own session is named too.
  int hop2_node = NodeOf(*res, Key("ASIAQ3EXAMPLEHOP0002"));
  REQUIRE(res->nodes[hop2_node].links.size() == 3);
  CHECK(res->nodes[res->links[res->nodes[hop2_node].links[0]].to].entity.ref() == Key("ASIAQ3EXAMPLEHOP0001"));
  CHECK(res->links[res->nodes[hop2_node].links[1]].edge == EdgeKind::kCredentialOf);
  CHECK(res->nodes[res->links[res->nodes[hop2_node].links[1]].to].entity.kind == EntityKind::kRoleSession);
  CHECK(res->nodes[res->links[res->nodes[hop2_node].links[2]].to].entity.ref() == Account(kA));
  const LineageLink* hop1 = LinkBetween(*res, Key("ASIAQ3EXAMPLEHOP0001"), Key("AKIAQ3EXAMPLEALICE01"));
  REQUIRE(hop1);
  CHECK(hop1->event_id == "cloudtrail:c1a1a1a1-0001-4000-8000-000000000001");
  int alice = NodeOf(*res, User(kA, "alice"));
  REQUIRE(alice >= 0);
  CHECK(res->nodes[alice].root == LineageRoot::kIamUserKey);
  CHECK(res->nodes[NodeOf(*res, Account(kA))].root == LineageRoot::kOtherAccount);
  // Forward: everything minted from alice's key.
  LineageOptions fwd;
  fwd.descendants = true;
  auto down = Lineage(store, Key("AKIAQ3EXAMPLEALICE01"), fwd);
  REQUIRE(down.ok());
  CHECK(NodeOf(*down, Key("ASIAQ3EXAMPLEHOP0003")) >= 0);
  CHECK(NodeOf(*down, Session(kB, "prod-admin", "hop3")) >= 0);
  std::string tree = res->ToTree([](std::string_view s) { return std::string(s); });
  // hop1's session in 111122223333 called AssumeRole on prod-bridge in 444455556666.
  CHECK(tree.find("cross-account 111122223333->444455556666") != std::string::npos);
  CHECK(tree.find("cross-account 444455556666->111122223333") == std::string::npos);
  CHECK(res->ToJson().find("\"root\":\"iam_user_long_term_key\"") != std::string::npos);
}

TEST_CASE("Lineage: an instance-profile key leads to the instance and who launched it", "[ingest][cloudtrail][lineage]") {
  MemoryStore store;
  TestContext ctx;
  IngestFiles(store, {"instance_profile.json"}, ctx);
  SECTION("without ip-ranges: the weaker heuristic, said so") {
    auto res = Lineage(store, Key("ASIAQ3EXAMPLEWEB0001"), LineageOptions{});
    REQUIRE(res.ok());
    CHECK_FALSE(res->ip_ranges_loaded);
    CHECK(res->ip_ranges_note.find("not ingested") != std::string::npos);
    int svc = NodeOf(*res, {EntityKind::kAwsService, "ec2.amazonaws.com"});
    REQUIRE(svc >= 0);
    CHECK(res->nodes[svc].root == LineageRoot::kAwsService);
    const LineageLink* launch =
        LinkBetween(*res, {EntityKind::kEc2Instance, "i-0a1b2c3d4e5f60718"}, User(kB, "ops"));
    REQUIRE(launch);
    CHECK(launch->edge == EdgeKind::kLaunched);
    CHECK(launch->event_id == "cloudtrail:1b1b1b1b-0001-4000-8000-000000000001");
    CHECK(launch->source_ip == "198.51.100.40");
    CHECK(res->nodes[NodeOf(*res, User(kB, "ops"))].root == LineageRoot::kIamUserKey);
    CHECK(HasFlag(*res, "used_from_new_ip"));
    CHECK_FALSE(HasFlag(*res, "used_outside_aws"));
  }
  SECTION("with ip-ranges: used from outside AWS is flagged, the EC2 address is not") {
    IngestRanges(store, kData + "ip-ranges-small.json");
    auto res = Lineage(store, Key("ASIAQ3EXAMPLEWEB0001"), LineageOptions{});
    REQUIRE(res.ok());
    CHECK(res->ip_ranges_loaded);
    REQUIRE(res->flags.size() == 1);
    CHECK(res->flags[0].kind == "used_outside_aws");
    CHECK(res->flags[0].detail.find("185.220.101.4") != std::string::npos);
    CHECK(res->flags[0].evidence == "cloudtrail:1b1b1b1b-0004-4000-8000-000000000004");
  }
}

TEST_CASE("Lineage: user creates user creates key, used after its creator was deleted", "[ingest][cloudtrail][lineage]") {
  MemoryStore store;
  TestContext ctx;
  IngestFiles(store, {"user_chain.json"}, ctx);
  CHECK(Get(store, EntityKind::kAccessKey, "AKIAQ3EXAMPLEMALLOR1")->Attr("status")->compare("Deleted") == 0);
  auto res = Lineage(store, Key("AKIAQ3EXAMPLEEVE0001"), LineageOptions{});
  REQUIRE(res.ok());
  const LineageLink* made = LinkBetween(*res, Key("AKIAQ3EXAMPLEEVE0001"), User(kA, "mallory"));
  REQUIRE(made);
  CHECK(made->edge == EdgeKind::kCreated);
  CHECK(made->event_id == "cloudtrail:2c2c2c2c-0004-4000-8000-000000000004");
  CHECK(made->source_ip == "185.220.101.4");
  const LineageLink* made_mallory = LinkBetween(*res, User(kA, "mallory"), User(kA, "admin"));
  REQUIRE(made_mallory);
  CHECK(made_mallory->event_id == "cloudtrail:2c2c2c2c-0001-4000-8000-000000000001");
  CHECK(res->nodes[NodeOf(*res, User(kA, "admin"))].root == LineageRoot::kIamUserKey);
  CHECK(HasFlag(*res, "used_after_creator_deleted"));
}

TEST_CASE("AwsIpRanges: the ingestor stores ranges that queries load", "[ingest][aws_ip_ranges]") {
  MemoryStore store;
  TestContext ctx;
  auto parser = NewAwsIpRangesIngestor()->NewParser(FileInfo{"ip-ranges.json", true}, IngestOptions{});
  rapidjson::Document doc;
  std::string text = ReadFile(kData + "ip-ranges-small.json");
  doc.Parse(text.c_str(), text.size());
  parser->OnJson(doc, ctx);
  CHECK(ctx.anomalies["bad_prefix"] == 1);
  REQUIRE(store.Apply(ctx.delta_).ok());
  auto ranges = AwsIpRanges::Load(store);
  REQUIRE(ranges.ok());
  REQUIRE(ranges->has_value());
  CHECK((*ranges)->size() == 4);
  const AwsIpRange* r = (*ranges)->Lookup(*ParseIp("34.250.10.20"));
  REQUIRE(r != nullptr);
  CHECK(r->service == "EC2");
  CHECK(r->region == "eu-west-1");
  CHECK((*ranges)->Lookup(*ParseIp("2a05:d018::1")) != nullptr);
  CHECK((*ranges)->Lookup(*ParseIp("185.220.101.4")) == nullptr);
}

TEST_CASE("AwsIpRanges: the published snapshot round-trips through the store", "[ingest][aws_ip_ranges][shared]") {
  std::string path = std::string(GUMSHOE_SOURCE_DIR) + "/../shared/reference/aws-ip-ranges-2026-08-22.json";
  // [shared]: the public datasets must be beside the repository (scripts/test.sh checks).
  REQUIRE(fs::exists(path));
  MemoryStore store;
  IngestRanges(store, path);
  auto ranges = AwsIpRanges::Load(store);
  REQUIRE(ranges.ok());
  REQUIRE(ranges->has_value());
  CHECK((*ranges)->size() == 10666 + 6160);
  CHECK((*ranges)->Lookup(*ParseIp("18.236.253.47"))->service == "EC2");
  CHECK((*ranges)->Lookup(*ParseIp("212.129.81.36")) == nullptr);
}

// --- Shared real data -------------------------------------------------------

TEST_CASE("Lineage: maheribra ASIAUACFUVW5ALWCP7NT goes back to aws-attack-chain-lab-attacker",
          "[ingest][cloudtrail][lineage][shared]") {
  std::string dir = kShared + "maheribra-pacu-role-s3-exfil/raw";
  // [shared]: the public datasets must be beside the repository (scripts/test.sh checks).
  REQUIRE(fs::exists(dir));
  MemoryStore store;
  TestContext ctx;
  ctx.now_ = NowSeconds();
  int fed = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() != ".gz") continue;
    auto parser = CloudTrailParser();
    fed += Feed(*parser, ctx, ReadGzip(entry.path().string()));
  }
  REQUIRE(store.Apply(ctx.delta_).ok());
  CHECK(fed == 689);
  CHECK(Ok(ctx) + Rejected(ctx) + ctx.duplicates == fed);
  CHECK(Rejected(ctx) == 0);

  auto res = Lineage(store, Key("ASIAUACFUVW5ALWCP7NT"), LineageOptions{});
  REQUIRE(res.ok());
  const LineageLink* mint = LinkBetween(*res, Key("ASIAUACFUVW5ALWCP7NT"), Key("AKIAUACFUVW5KPPHDGME"));
  REQUIRE(mint);
  CHECK(mint->edge == EdgeKind::kMinted);
  CHECK(mint->event_id == "cloudtrail:70dff8a0-9ea1-45a2-95e9-7ae83a9861ec");
  CHECK(FormatTime(mint->time) == "2026-07-28T11:48:39Z");
  CHECK(mint->source_ip == "212.129.81.36");
  EntityRef attacker = User("275023965626", "aws-attack-chain-lab-attacker");
  REQUIRE(LinkBetween(*res, Key("AKIAUACFUVW5KPPHDGME"), attacker));
  std::vector<size_t> roots = res->Roots();
  REQUIRE(roots.size() == 1);
  CHECK(res->nodes[roots[0]].entity.ref() == attacker);
  CHECK(res->nodes[roots[0]].root == LineageRoot::kIamUserKey);
  // The session read the sensitive object.
  auto read = FindEdge(store, Session("275023965626", "aws-attack-chain-lab-vulnerable-role", "botocore-session-1785239315"),
                       EdgeKind::kRead, {EntityKind::kS3Bucket, "aws-attack-chain-lab-sensitive-a4d694d045bb26b29bc1375294"});
  REQUIRE(read);
  CHECK(read->counters.at("bytes_out") == 453);
}

TEST_CASE("CloudTrail: every record of the shared sets is ok, duplicate or rejected", "[ingest][cloudtrail][shared]") {
  // [shared]: the public datasets must be beside the repository (scripts/test.sh checks).
  REQUIRE(fs::exists(kShared));
  std::vector<std::string> files;
  for (const auto& entry : fs::directory_iterator(kShared + "stratus-detonation-logs"))
    if (entry.path().extension() == ".json") files.push_back(entry.path().string());
  files.push_back(kShared + "otrf-ec2-proxy-s3-exfil/ec2_proxy_s3_exfiltration_2020-09-14011940.json");
  files.push_back(kShared + "panther-rule-test-fixtures/AWS_CloudTrail.jsonl");
  MemoryStore store;
  TestContext ctx;
  ctx.now_ = NowSeconds();
  int fed = 0;
  for (const std::string& f : files) {
    auto parser = CloudTrailParser();
    fed += Feed(*parser, ctx, ReadFile(f));
  }
  REQUIRE(store.Apply(ctx.delta_).ok());
  CHECK(fed == 310 + 103 + 477);
  CHECK(Ok(ctx) + Rejected(ctx) + ctx.duplicates == fed);
  std::string reasons;
  for (const auto& [k, v] : ctx.rejects) reasons += k + "=" + std::to_string(v) + " ";
  INFO("rejects: " << reasons);
  // Only Panther's partial fixtures: no timestamp ("redacted", "...", absent) or no eventName.
  CHECK(Rejected(ctx) ==
        ctx.rejects["missing_eventTime"] + ctx.rejects["bad_eventTime"] + ctx.rejects["missing_eventName"]);
  CHECK(Rejected(ctx) <= 26);
  // Panther reuses eventIDs across rule tests; those count once, as the spec says.
  CHECK(Ok(ctx) > 700);
  // OTRF: the stolen instance-profile session leads to its instance.
  auto res = Lineage(store, Key("ASIA5FLZVX4OPVKKVBMX"), LineageOptions{});
  REQUIRE(res.ok());
  CHECK(NodeOf(*res, {EntityKind::kEc2Instance, "i-0317f6c6b66ae9c40"}) >= 0);
  CHECK(NodeOf(*res, {EntityKind::kAwsService, "ec2.amazonaws.com"}) >= 0);
}

TEST_CASE("CloudTrail: the framework ingests the shared sets with consistent totals", "[ingest][cloudtrail][shared]") {
  // [shared]: the public datasets must be beside the repository (scripts/test.sh checks).
  REQUIRE(fs::exists(kShared));
  MemoryStore store;
  IngestOptions options;
  auto stats = Ingest(store,
                      {kShared + "maheribra-pacu-role-s3-exfil/raw", kShared + "stratus-detonation-logs",
                       kShared + "otrf-ec2-proxy-s3-exfil/ec2_proxy_s3_exfiltration_2020-09-14011940.json",
                       kShared + "panther-rule-test-fixtures/AWS_CloudTrail.jsonl"},
                      options);
  REQUIRE(stats.ok());
  CHECK(stats->records_by_source["cloudtrail"] == stats->records_ok);
  CHECK(stats->records_ok + stats->rejected + stats->duplicates + stats->no_data == stats->records_total);
  CHECK(stats->records_total == 689 + 310 + 103 + 477);
  auto res = Lineage(store, Key("ASIAUACFUVW5ALWCP7NT"), LineageOptions{});
  REQUIRE(res.ok());
  CHECK(LinkBetween(*res, Key("ASIAUACFUVW5ALWCP7NT"), Key("AKIAUACFUVW5KPPHDGME")) != nullptr);
}

}  // namespace
}  // namespace gumshoe::ingest
