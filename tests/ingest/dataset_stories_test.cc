// Issue 20: the story of each remaining public dataset in ../shared/datasets,
// as assertions on the graph gumshoe builds through the framework (Ingest into
// a MemoryStore). Every expected value was worked out from the raw records
// (jq, python3, awk), not read off gumshoe's output; the working is in the
// comments.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>

#include "gumshoe/indicators.h"
#include "gumshoe/ingest.h"
#include "gumshoe/memory_store.h"
#include "gumshoe/normalize.h"
#include "gumshoe/time_util.h"
#include "ingest/cloudtrail_fixture.h"

namespace gumshoe::ingest {
namespace {

namespace fs = std::filesystem;
using ct_fixture::CounterOf;
using ct_fixture::CountOut;
using ct_fixture::FindEdge;

const std::string kData = std::string(GUMSHOE_SOURCE_DIR) + "/../shared/datasets";

IngestStats MustIngest(GraphStore& store, const std::vector<std::string>& paths, IngestOptions options = {}) {
  options.threads = 1;
  Result<IngestStats> stats = Ingest(store, paths, options);
  REQUIRE(stats.ok());
  return std::move(stats).value();
}

EntityRef User(const std::string& acct, const std::string& name) {
  return {EntityKind::kIamUser, "arn:aws:iam::" + acct + ":user/" + name};
}
EntityRef Account(const std::string& id) { return {EntityKind::kAccount, id}; }
EntityRef Api(const std::string& source, const std::string& name) {
  return {EntityKind::kApiCall, source + ":" + name};
}
EntityRef Ip(const std::string& ip) { return {EntityKind::kIpAddress, ip}; }
EntityRef Eni(const std::string& id) { return {EntityKind::kNetworkInterface, id}; }
EntityRef Bucket(const std::string& b) { return {EntityKind::kS3Bucket, b}; }
EntityRef Instance(const std::string& id) { return {EntityKind::kEc2Instance, id}; }
EntityRef Domain(const std::string& d) { return {EntityKind::kDomain, d}; }
const EntityRef kInternetV4{EntityKind::kIpNetwork, "0.0.0.0/0"};

Entity MustFind(const GraphReader& r, const EntityRef& ref) {
  auto e = r.Find(ref);
  REQUIRE(e.ok());
  INFO(FormatRef(ref));
  REQUIRE(e->has_value());
  return **e;
}

// ---------------------------------------------------------------------------
// stratus-detonation-logs: 35 files, 310 records (python3: the sum of the
// arrays' lengths; 310 distinct eventIDs), none without eventTime. 107
// records have a source IP with a leading-zero octet (e.g. 075.050.255.67):
// obfuscated, kept, counted as an anomaly, never rejected.
TEST_CASE("Dataset stratus-detonation-logs: each technique's actor, target and outcome",
          "[ingest][cloudtrail][dataset][shared]") {
  const std::string dir = kData + "/stratus-detonation-logs";
  REQUIRE(fs::is_directory(dir));
  MemoryStore store;
  IngestStats stats = MustIngest(store, {dir});
  INFO(stats.ToJson());
  CHECK(stats.files == 36);  // the 35 technique files and SOURCE.md
  CHECK(stats.records_total == 310);
  CHECK(stats.records_ok == 310);
  CHECK(stats.rejected == 0);
  CHECK(stats.duplicates == 0);
  CHECK(stats.records_by_source == std::map<std::string, uint64_t>{{"cloudtrail", 310}});
  CHECK(stats.anomalies["cloudtrail.leading_zero_ip"] == 107);
  // batch-retrieve-secrets: five BatchGetSecretValue by filters (tag-key
  // StratusRedTeam), no secretIdList: which secrets were read is not logged.
  CHECK(stats.anomalies["cloudtrail.secret_read_by_filter"] == 5);
  CHECK(stats.anomalies.size() == 2);
  CHECK(stats.skipped_files.size() == 1);  // SOURCE.md

  SECTION("cloudtrail-stop: christophe stopped trail ...-buykxbqejv, and it succeeded") {
    // 10163ed2, 2024-07-31T13:06:24Z, no errorCode, requestParameters.name.
    auto e = FindEdge(store, User("143434273843", "christophe"), EdgeKind::kModified, Account("143434273843"));
    REQUIRE(e);
    CHECK(e->count == 1);
    CHECK(e->success == 1);
    CHECK(CounterOf(*e, "op:StopLogging") == 1);
    CHECK(CounterOf(*e, "target:stratus-red-team-ct-stop-trail-buykxbqejv") == 1);
    CHECK(e->first_evidence.ref == "cloudtrail:10163ed2-2253-469d-a5ee-cbc6651f8934");
    CHECK(FormatTime(e->first_seen) == "2024-07-31T13:06:24Z");
  }

  SECTION("cloudtrail-delete: DeleteTrail of ...-kvrwohmiai") {
    auto e = FindEdge(store, User("847129010505", "christophe"), EdgeKind::kModified, Account("847129010505"));
    REQUIRE(e);
    CHECK(e->success == 1);
    CHECK(CounterOf(*e, "op:DeleteTrail") == 1);
    CHECK(CounterOf(*e, "target:stratus-red-team-cloudtraild-trail-kvrwohmiai") == 1);
    CHECK(e->first_evidence.ref == "cloudtrail:ee73c230-44bc-4492-8542-cfb189eae287");
  }

  SECTION("iam-create-admin-user: CreateUser, CreateAccessKey, AttachUserPolicy AdministratorAccess") {
    // Three records at 2024-08-01T13:33:28Z from 075.050.255.67, key
    // AKIAOZUDECYXYM4ONAN4; the new key is AKIAXAFZN8JEPF6L682H.
    const EntityRef actor = User("229654561268", "christophe");
    const EntityRef victim = User("229654561268", "malicious-iam-user");
    const EntityRef key{EntityKind::kAccessKey, "AKIAXAFZN8JEPF6L682H"};
    auto made = FindEdge(store, actor, EdgeKind::kCreated, victim);
    REQUIRE(made);
    CHECK(made->first_evidence.ref == "cloudtrail:3346344c-5a3e-429e-8405-420f98f75d6e");
    CHECK(CounterOf(*made, "src_ip:75.50.255.67") == 1);  // the leading zeros normalised
    auto minted = FindEdge(store, actor, EdgeKind::kCreated, key);
    REQUIRE(minted);
    CHECK(minted->first_evidence.ref == "cloudtrail:94faedcc-0fa4-46e6-9322-022e8e934f04");
    CHECK(FindEdge(store, key, EdgeKind::kCredentialOf, victim));
    auto admin = FindEdge(store, actor, EdgeKind::kModified, victim);
    REQUIRE(admin);
    CHECK(CounterOf(*admin, "op:AttachUserPolicy") == 1);
    CHECK(CounterOf(*admin, "policy:arn:aws:iam::aws:policy/AdministratorAccess") == 1);
    CHECK(CountOut(store, actor, EdgeKind::kCreated) == 2);
  }

  SECTION("iam-backdoor-user: a second key for stratus-red-team-backdoor-u-user") {
    const EntityRef key{EntityKind::kAccessKey, "AKIAL80DWDVKKM0UXEER"};
    auto e = FindEdge(store, User("946986569305", "christophe"), EdgeKind::kCreated, key);
    REQUIRE(e);
    CHECK(e->first_evidence.ref == "cloudtrail:c64c4ded-ef03-4e5c-81eb-153b118d72f2");
    CHECK(CounterOf(*e, "src_ip:211.9.16.253") == 1);  // 211.9.016.253 in the record
    CHECK(FindEdge(store, key, EdgeKind::kCredentialOf, User("946986569305", "stratus-red-team-backdoor-u-user")));
    CHECK(*MustFind(store, key).Attr("status") == "Active");
  }

  SECTION("rds-share-snapshot: snapshot 'exfiltration' shared with account 503161813013") {
    // fef2bf02, 2024-08-01T12:38:06Z, ModifyDBSnapshotAttribute, attributeName
    // restore, dBSnapshotIdentifier exfiltration, valuesToAdd [503161813013],
    // recipientAccountId 171471557522, no errorCode.
    const EntityRef snap{EntityKind::kRdsSnapshot, "exfiltration"};
    auto share = FindEdge(store, snap, EdgeKind::kSharedWith, Account("503161813013"));
    REQUIRE(share);
    CHECK(share->success == 1);
    CHECK(share->first_evidence.ref == "cloudtrail:fef2bf02-bbea-4d0f-a91c-e6ccfe3fba46");
    CHECK(FormatTime(share->first_seen) == "2024-08-01T12:38:06Z");
    auto e = FindEdge(store, User("171471557522", "christophe"), EdgeKind::kModified, snap);
    REQUIRE(e);
    CHECK(e->success == 1);
    CHECK(CounterOf(*e, "op:ModifyDBSnapshotAttribute") == 1);
    CHECK(CounterOf(*e, "share:503161813013") == 1);
    CHECK(FindEdge(store, snap, EdgeKind::kInAccount, Account("171471557522")));
  }

  SECTION("secretsmanager-retrieve-secrets: ListSecrets then 20 GetSecretValue, all succeeded") {
    const EntityRef actor = User("903144391865", "christophe");
    auto get = FindEdge(store, actor, EdgeKind::kCalledApi, Api("secretsmanager.amazonaws.com", "GetSecretValue"));
    REQUIRE(get);
    CHECK(get->count == 20);
    CHECK(get->success == 20);
    CHECK(get->failure == 0);
    auto list = FindEdge(store, actor, EdgeKind::kCalledApi, Api("secretsmanager.amazonaws.com", "ListSecrets"));
    REQUIRE(list);
    CHECK(list->count == 1);
    // 20 distinct secretIds (ARNs, region cn-centraleast-1r), one read each;
    // ...-secret-0-28bajb by bd52f504 at 2024-07-31T12:36:51Z.
    CHECK(CountOut(store, actor, EdgeKind::kRead) == 20);
    auto first = FindEdge(store, actor, EdgeKind::kRead,
                          {EntityKind::kSecret,
                           "arn:aws:secretsmanager:cn-centraleast-1r:903144391865:secret:stratus-red-team-retrieve-"
                           "secret-0-28bajb"});
    REQUIRE(first);
    CHECK(first->success == 1);
    CHECK(first->first_evidence.ref == "cloudtrail:bd52f504-dd75-46cb-a14e-e447612ea736");
    CHECK(FormatTime(first->first_seen) == "2024-07-31T12:36:51Z");
  }

  SECTION("ec2-get-password-data: 30 attempts, every one Client.UnauthorizedOperation") {
    const EntityRef session{EntityKind::kRoleSession,
                            "arn:aws:sts::457448411975:assumed-role/stratus-red-team-ec2-get-password-data-role/"
                            "aws-go-sdk-1722375070115152000"};
    auto e = FindEdge(store, session, EdgeKind::kCalledApi, Api("ec2.amazonaws.com", "GetPasswordData"));
    REQUIRE(e);
    CHECK(e->count == 30);
    CHECK(e->success == 0);
    CHECK(e->failure == 30);
    CHECK(CounterOf(*e, "error:Client.UnauthorizedOperation") == 30);
  }

  SECTION("organizations-leave: LeaveOrganization was denied and changed nothing") {
    const EntityRef session{EntityKind::kRoleSession,
                            "arn:aws:sts::307578594326:assumed-role/stratus-red-team-leave-org-role/"
                            "aws-go-sdk-1722587398902687000"};
    auto e = FindEdge(store, session, EdgeKind::kCalledApi, Api("organizations.amazonaws.com", "LeaveOrganization"));
    REQUIRE(e);
    CHECK(e->failure == 1);
    CHECK(e->success == 0);
    CHECK(CounterOf(*e, "error:AccessDenied") == 1);
    CHECK(e->first_evidence.ref == "cloudtrail:16903cbd-fdff-4818-82f2-d66ad09aaf57");
    CHECK(CountOut(store, session, EdgeKind::kModified) == 0);
    CHECK(CountOut(store, session, EdgeKind::kDeleted) == 0);
  }

  SECTION("EBS snapshot share, AMI share and port-22 ingress: the resource, its share or rule, and the call") {
    auto ebs = FindEdge(store, User("756680937392", "christophe"), EdgeKind::kCalledApi,
                        Api("ec2.amazonaws.com", "ModifySnapshotAttribute"));
    REQUIRE(ebs);
    CHECK(ebs->success == 1);
    CHECK(ebs->first_evidence.ref == "cloudtrail:6897ff63-d738-445c-9e86-43e5b1f8e12f");
    // createVolumePermission.add.items[0].userId 098797384747 on snap-041993b54a9b3af6f.
    auto snap_share = FindEdge(store, {EntityKind::kEbsSnapshot, "snap-041993b54a9b3af6f"}, EdgeKind::kSharedWith,
                               Account("098797384747"));
    REQUIRE(snap_share);
    CHECK(snap_share->first_evidence.ref == "cloudtrail:6897ff63-d738-445c-9e86-43e5b1f8e12f");
    auto ami = FindEdge(store, User("118238665043", "christophe"), EdgeKind::kCalledApi,
                        Api("ec2.amazonaws.com", "ModifyImageAttribute"));
    REQUIRE(ami);
    CHECK(ami->first_evidence.ref == "cloudtrail:1f00bcfa-e050-4c2e-b99b-768ebe3a3dd3");
    // imageId ami-de1fbCab6ccB03e6D (mixed case in the record, keyed lower
    // case), launchPermission.add.items[0].userId 846424999548.
    auto ami_share =
        FindEdge(store, {EntityKind::kAmi, "ami-de1fbcab6ccb03e6d"}, EdgeKind::kSharedWith, Account("846424999548"));
    REQUIRE(ami_share);
    CHECK(ami_share->first_evidence.ref == "cloudtrail:1f00bcfa-e050-4c2e-b99b-768ebe3a3dd3");
    auto sg = FindEdge(store, User("032092706103", "christophe"), EdgeKind::kCalledApi,
                       Api("ec2.amazonaws.com", "AuthorizeSecurityGroupIngress"));
    REQUIRE(sg);
    CHECK(sg->success == 1);
    CHECK(sg->first_evidence.ref == "cloudtrail:9fd68588-ecbf-4528-a345-199fa6bb0821");
    // cidrIp 208.236.235.254/0: a /0, i.e. every IPv4 address (0.0.0.0/0),
    // tcp 22-22 on sg-003dc7f1f1c686164.
    const EntityRef group{EntityKind::kSecurityGroup, "sg-003dc7f1f1c686164"};
    auto open = FindEdge(store, group, EdgeKind::kOpenedTo, kInternetV4);
    REQUIRE(open);
    CHECK(CounterOf(*open, "perm:tcp/22-22") == 1);
    CHECK(CounterOf(*open, "ingress") == 1);
    CHECK(open->first_evidence.ref == "cloudtrail:9fd68588-ecbf-4528-a345-199fa6bb0821");
    Entity g = MustFind(store, group);
    CHECK(g.tags.count("open_to_internet") == 1);
  }
}

// ---------------------------------------------------------------------------
// panther-rule-test-fixtures: each line wraps one event in `_log`. Worked out
// with python3 over the five AWS sources gumshoe reads:
// - CloudTrail, 477 lines: 20 without eventTime/p_event_time, 2 whose time is
//   not a time ("redacted" line 330, "..." line 463), 5 more without
//   eventName; of the 450 left, identity eventID|eventName|time (or the whole
//   record when there is no eventID) gives 306 distinct and 144 repeats.
// - GuardDuty, 8: one id|updatedAt (eeb88ab5..., 2020-02-14T18:12:22.316Z) six
//   times: 3 findings, 5 repeats.
// - VPC flow, 23: line 2 SKIPDATA (no data); lines 1, 22, 23 carry no
//   address; line 12 srcAddr "null"; lines 6-8 repeat lines 3-5: 15 rows.
// - Route 53 Resolver, 13: all kept.
// - S3 server access, 16: 5 lines (5-7, 11, 12) without an operation.
// The other five files (ALB, Bedrock, Security Hub, WAF, EKS) are formats
// gumshoe does not read: skipped, not errors.
TEST_CASE("Dataset panther-rule-test-fixtures: per-source counts and one story per source",
          "[ingest][dataset][shared]") {
  const std::string dir = kData + "/panther-rule-test-fixtures";
  REQUIRE(fs::is_directory(dir));
  MemoryStore store;
  IngestStats stats = MustIngest(store, {dir});
  INFO(stats.ToJson());
  CHECK(stats.records_by_source == std::map<std::string, uint64_t>{
                                       {"cloudtrail", 306}, {"guardduty", 3}, {"route53", 13}, {"s3_access", 11}, {"vpc_flow", 15}});
  CHECK(stats.records_total == 477 + 8 + 23 + 13 + 16);
  CHECK(stats.duplicates == 144 + 5 + 3);
  CHECK(stats.no_data == 1);
  CHECK(stats.rejects == std::map<std::string, uint64_t>{{"cloudtrail.bad_eventTime", 2},
                                                          {"cloudtrail.missing_eventName", 5},
                                                          {"cloudtrail.missing_eventTime", 20},
                                                          {"s3_access.missing_operation", 5},
                                                          {"vpc_flow.bad_ip", 1},
                                                          {"vpc_flow.missing_address", 3}});
  CHECK(stats.file_errors.empty());
  CHECK(stats.skipped_files.size() == 6);  // five unread formats and SOURCE.md

  SECTION("GuardDuty: the attack-sequence finding and the privilege-escalation finding's role") {
    Entity seq = MustFind(store, {EntityKind::kFinding, "8c258d654378414b9bc26f61a93eb816"});
    CHECK(*seq.Attr("type") == "AttackSequence:IAM/CompromisedCredentials");
    CHECK(*seq.Attr("severity") == "9");
    CHECK(*seq.Attr("severity_band") == "critical");
    // eeb88ab5: PutRolePolicy from cloudformation.amazonaws.com on
    // arn:aws:iam::123456789012:role/IAMRole; the first of its six copies
    // (severity 8) is the one kept.
    const EntityRef esc{EntityKind::kFinding, "eeb88ab56556eb7771b266670dddee5a"};
    Entity f = MustFind(store, esc);
    CHECK(*f.Attr("type") == "PrivilegeEscalation:IAMUser/AdministrativePermissions");
    CHECK(*f.Attr("severity_band") == "high");
    auto role = FindEdge(store, esc, EdgeKind::kInvolves, {EntityKind::kIamRole, "arn:aws:iam::123456789012:role/IAMRole"});
    REQUIRE(role);
    CHECK(CounterOf(*role, "role:affected") == 1);
    CHECK(FormatTime(role->first_seen) == "2020-02-14T17:59:17Z");  // eventFirstSeen
    auto remote = FindEdge(store, esc, EdgeKind::kInvolves, Domain("cloudformation.amazonaws.com"));
    REQUIRE(remote);
    CHECK(CounterOf(*remote, "role:remote") == 1);
  }

  SECTION("Route 53: instance -> domain, the trailing dot folded into one domain") {
    // Lines 1-2: i-0abc234 asks dynamodb.us-west-2.amazonaws.com, once with a
    // trailing dot; lines 3, 5: moneropool.ru likewise.
    auto dynamo = FindEdge(store, Instance("i-0abc234"), EdgeKind::kQueried, Domain("dynamodb.us-west-2.amazonaws.com"));
    REQUIRE(dynamo);
    CHECK(dynamo->count == 2);
    CHECK(CounterOf(*dynamo, "rcode:NOERROR") == 2);
    CHECK(FormatTime(dynamo->first_seen) == "2022-06-25T00:27:53Z");
    auto test = FindEdge(store, Instance("i-09d9aa4e31675db61"), EdgeKind::kQueried, Domain("test.com"));
    REQUIRE(test);
    CHECK(test->count == 1);
    CHECK(FormatTime(test->first_seen) == "2023-04-11T01:29:20Z");
    // Lines 12-13 name no instance: the querier is srcaddr 10.0.0.1.
    CHECK(FindEdge(store, Ip("10.0.0.1"), EdgeKind::kQueried, Domain("c2vjcmv0lwrhdgetzxhmawwty2h1bms.malicious.com")));
  }

  SECTION("S3 access: a failed PUT from 54.159.198.108 and the delivery role's two writes") {
    // Line 1: REST.PUT.OBJECT on bucket cloudtrail, no requester, remoteip
    // 54.159.198.108, 403 SignatureDoesNotMatch, bytessent 9438.
    auto put = FindEdge(store, Ip("54.159.198.108"), EdgeKind::kWrote, Bucket("cloudtrail"));
    REQUIRE(put);
    CHECK(put->count == 1);
    CHECK(put->failure == 1);
    CHECK(put->success == 0);
    CHECK(CounterOf(*put, "bytes_out") == 9438);
    CHECK(FormatTime(put->first_seen) == "2020-06-21T20:41:25Z");
    // Lines 8 and 10 (identical): eagle/regionalDeliverySession PUT, 200,
    // objectsize 747 each.
    auto eagle = FindEdge(store, {EntityKind::kRoleSession, "arn:aws:sts::123456789012:assumed-role/eagle/regionalDeliverySession"},
                          EdgeKind::kWrote, Bucket("cloudtrail"));
    REQUIRE(eagle);
    CHECK(eagle->count == 2);
    CHECK(eagle->success == 2);
    CHECK(CounterOf(*eagle, "bytes_in") == 2 * 747);
    // Lines 2-4: awslogsdelivery, 403/403/500: three failed reads.
    auto denied = FindEdge(store, User("162777425019", "awslogsdelivery"), EdgeKind::kRead, Bucket("panther-auditlogs"));
    REQUIRE(denied);
    CHECK(denied->count == 3);
    CHECK(denied->failure == 3);
  }

  SECTION("VPC flow: 1.1.1.1 connected to the instance twice; the REJECT is a folded probe") {
    // Lines 15-16: 1.1.1.1 -> 10.0.0.1 ports 22 and 443, instanceId
    // i-0d4c7318592c6a2c7, ACCEPT; line 18 the same to 22, REJECT.
    const EntityRef inst = Instance("i-0d4c7318592c6a2c7");
    auto in = FindEdge(store, Ip("1.1.1.1"), EdgeKind::kNetworkFlow, inst);
    REQUIRE(in);
    CHECK(in->count == 2);
    CHECK(CounterOf(*in, "accepted") == 2);
    CHECK(CounterOf(*in, "dport:00022") == 1);
    CHECK(CounterOf(*in, "dport:00443") == 1);
    CHECK_FALSE(FindEdge(store, inst, EdgeKind::kNetworkFlow, Ip("1.1.1.1")));
    auto probe = FindEdge(store, kInternetV4, EdgeKind::kNetworkFlow, inst);
    REQUIRE(probe);
    CHECK(CounterOf(*probe, "folded_probes") == 1);
    CHECK(probe->success == 0);
  }
}

// ---------------------------------------------------------------------------
// otrf-s3-honeybucket: a CSV export (header "Event Type,Event Name,...", 301
// rows: 159 HeadBucket, 138 ListObjects, 4 PutObject) with Python-style dicts.
// No ingestor reads it: walking the folder skips it; naming it is a file
// error; forcing a reader rejects every line; nothing enters the graph.
TEST_CASE("Dataset otrf-s3-honeybucket: the CSV export is not read, and leaves nothing behind",
          "[ingest][dataset][shared]") {
  const std::string dir = kData + "/otrf-s3-honeybucket";
  const std::string csv = dir + "/AWS_S3_HoneyBucketLogs.csv";
  REQUIRE(fs::exists(csv));
  MemoryStore store;
  IngestStats walked = MustIngest(store, {dir});
  INFO(walked.ToJson());
  CHECK(walked.records_total == 0);
  CHECK(walked.rejected == 0);
  CHECK(walked.file_errors.empty());
  CHECK(walked.skipped_files == std::vector<std::string>{csv, dir + "/SOURCE.md", dir + "/metadata.yaml"});

  IngestStats named = MustIngest(store, {csv});
  INFO(named.ToJson());
  CHECK(named.records_total == 0);
  REQUIRE(named.file_errors.size() == 1);
  CHECK(named.file_errors[0] == csv + ": cannot tell which log source this is (use --source)");

  // Forced through a reader (--source), each of the file's 302 lines (the
  // header and 301 rows, no quoted newlines: csv.reader and wc -l agree) is
  // rejected by name; none is half-kept.
  IngestOptions as_ct;
  as_ct.source = "cloudtrail";
  IngestStats ct = MustIngest(store, {csv}, as_ct);
  INFO(ct.ToJson());
  CHECK(ct.records_total == 302);
  CHECK(ct.records_ok == 0);
  CHECK(ct.rejects == std::map<std::string, uint64_t>{{"cloudtrail.unsupported_text", 302}});
  IngestOptions as_s3;
  as_s3.source = "s3_access";
  IngestStats s3 = MustIngest(store, {csv}, as_s3);
  INFO(s3.ToJson());
  CHECK(s3.records_total == 302);
  CHECK(s3.records_ok == 0);
  CHECK(s3.rejected == 302);

  size_t entities = 0;
  REQUIRE(store.ScanEntities(std::nullopt, [&](const Entity&) {
            ++entities;
            return true;
          }).ok());
  CHECK(entities == 0);  // no bucket microsoft-devtest, no scanner IPs, no half-parsed rows
}

// ---------------------------------------------------------------------------
// cribl-vpcflow-sample/vpcflow_v2.log: a header and 99 rows (awk): 32 ACCEPT,
// 67 REJECT; REJECT per interface 50 / 7 / 7 / 3 (eni-07e5..., eni-0858...,
// eni-0b2f..., eni-0bf2...). flow_direction_test.cc checks the folded total,
// the eni-07e5/eni-0bf2 probes, the public peers and the Splunk forwarder;
// this adds the framework's totals, the other two interfaces' probes and two
// more internal connections.
TEST_CASE("Dataset cribl-vpcflow-sample: rows, ACCEPT vs REJECT, probes, two internal connections",
          "[ingest][vpc_flow][dataset][shared]") {
  const std::string file = kData + "/cribl-vpcflow-sample/vpcflow_v2.log";
  REQUIRE(fs::exists(file));
  MemoryStore store;
  IngestStats stats = MustIngest(store, {file});
  INFO(stats.ToJson());
  CHECK(stats.records_total == 99);
  CHECK(stats.records_ok == 99);
  CHECK(stats.rejected == 0);
  CHECK(stats.records_by_source == std::map<std::string, uint64_t>{{"vpc_flow", 99}});

  int64_t accepted = 0, rejected = 0, folded = 0;
  REQUIRE(store.ScanAllEdges([&](const Edge& e) {
            if (e.kind != EdgeKind::kNetworkFlow) return true;
            accepted += CounterOf(e.stats, "accepted");
            rejected += CounterOf(e.stats, "rejected");
            folded += CounterOf(e.stats, "folded_probes");
            return true;
          }).ok());
  CHECK(accepted == 32);
  CHECK(rejected == 67);
  CHECK(folded == 67);  // every REJECT came from a public address

  auto p0858 = FindEdge(store, kInternetV4, EdgeKind::kNetworkFlow, Eni("eni-0858304751c757b2e"));
  REQUIRE(p0858);
  CHECK(CounterOf(*p0858, "folded_probes") == 7);
  CHECK(p0858->failure == 7);
  auto p0b2f = FindEdge(store, kInternetV4, EdgeKind::kNetworkFlow, Eni("eni-0b2fc5457066bc156"));
  REQUIRE(p0b2f);
  CHECK(CounterOf(*p0b2f, "folded_probes") == 7);
  CHECK(CounterOf(*p0b2f, "dport:01900") == 1);  // line 2: 89.248.165.164 -> 10.0.0.164:1900 UDP

  // eni-07e5 (10.0.0.138) opened 58758 -> 10.0.0.33:6379 (Redis): 19387
  // packets / 2190736 bytes out, 19437 / 1671653 back.
  const EntityRef e07 = Eni("eni-07e5d76940fbaa5c6");
  CHECK_FALSE(FindEdge(store, Ip("10.0.0.33"), EdgeKind::kNetworkFlow, e07));
  auto redis = FindEdge(store, e07, EdgeKind::kNetworkFlow, Ip("10.0.0.33"));
  REQUIRE(redis);
  CHECK(redis->count == 2);
  CHECK(CounterOf(*redis, "accepted") == 2);
  CHECK(CounterOf(*redis, "bytes_out") == 2190736);
  CHECK(CounterOf(*redis, "bytes_in") == 1671653);
  CHECK(CounterOf(*redis, "packets_out") == 19387);
  CHECK(CounterOf(*redis, "dport:06379") == 1);

  // 10.0.0.17 connected twice to eni-0bf2 (10.0.0.89):9997: 650854 + 3623
  // bytes out, 5044 + 586 back.
  const EntityRef e0bf = Eni("eni-0bf22c72ebe087ac9");
  CHECK_FALSE(FindEdge(store, e0bf, EdgeKind::kNetworkFlow, Ip("10.0.0.17")));
  auto fwd = FindEdge(store, Ip("10.0.0.17"), EdgeKind::kNetworkFlow, e0bf);
  REQUIRE(fwd);
  CHECK(fwd->count == 4);
  CHECK(CounterOf(*fwd, "bytes_out") == 650854 + 3623);
  CHECK(CounterOf(*fwd, "bytes_in") == 5044 + 586);
  CHECK(CounterOf(*fwd, "dport:09997") == 2);
}

// ---------------------------------------------------------------------------
// tor-exit-addresses-2024-03/exit-addresses: 2,378 ExitAddress lines under
// 2,372 ExitNode blocks (grep -c). 217.95.18.115 is listed once (line 8722,
// relay E614A111E0464B9E36A8710DA48D6626119220B7, "ExitAddress 217.95.18.115
// 2024-03-09 04:06:44"): hour 474988 since the epoch; with the default 24 h
// window on each side it is listed for hours 474964..475012, i.e.
// 2024-03-08T04:00Z to 2024-03-10T04:59:59Z.
TEST_CASE("Dataset tor-exit-addresses-2024-03: the listing window, and a CloudTrail call from an exit",
          "[ingest][threat_intel][dataset][shared]") {
  const std::string file = kData + "/tor-exit-addresses-2024-03/exit-addresses";
  REQUIRE(fs::exists(file));
  MemoryStore store;
  IngestStats stats = MustIngest(store, {file});
  INFO(stats.ToJson());
  CHECK(stats.records_total == 2378);
  CHECK(stats.records_ok == 2378);
  CHECK(stats.rejected == 0);
  CHECK(stats.records_by_source == std::map<std::string, uint64_t>{{"threat_intel", 2378}});

  const EntityRef tor{EntityKind::kThreatList, "tor"};
  const EntityRef exit = Ip("217.95.18.115");
  auto listed = FindEdge(store, exit, EdgeKind::kListedIn, tor);
  REQUIRE(listed);
  CHECK(listed->count == 1);
  CHECK(FormatTime(listed->first_seen) == "2024-03-09T04:06:44Z");
  CHECK(listed->last_seen == listed->first_seen);
  CHECK(listed->first_evidence.ref == "exit-addresses:8722");
  REQUIRE(listed->hourly.size() == 49);
  CHECK(listed->hourly.begin()->first == 474964);
  CHECK(listed->hourly.rbegin()->first == 475012);
  CHECK(listed->CountInWindow(*ParseIsoTime("2024-03-10T04:30:00Z"), *ParseIsoTime("2024-03-10T04:40:00Z")) == 1);
  CHECK(listed->CountInWindow(*ParseIsoTime("2024-03-10T05:00:00Z"), *ParseIsoTime("2024-03-10T06:00:00Z")) == 0);
  Entity ip = MustFind(store, exit);
  CHECK(ip.tags.count("tor_exit") == 1);
  CHECK(*ip.Attr("tor_exit_node") == "E614A111E0464B9E36A8710DA48D6626119220B7");

  // A CloudTrail call from that exit inside its window (05:30Z on the 9th).
  const std::string ct = (fs::temp_directory_path() / "gumshoe-stories-tor-ct.json").string();
  std::ofstream(ct, std::ios::binary)
      << R"({"Records":[{"eventVersion":"1.08","userIdentity":{"type":"IAMUser","principalId":"AIDAEXAMPLEUSER00001",)"
         R"("arn":"arn:aws:iam::111122223333:user/mallory","accountId":"111122223333","accessKeyId":"AKIAEXAMPLEKEY00001",)"
         R"("userName":"mallory"},"eventTime":"2024-03-09T05:30:00Z","eventSource":"s3.amazonaws.com",)"
         R"("eventName":"ListBuckets","awsRegion":"us-east-1","sourceIPAddress":"217.95.18.115",)"
         R"("userAgent":"aws-cli/2.15.0","requestParameters":{"Host":"s3.amazonaws.com"},"responseElements":null,)"
         R"("requestID":"8X2QF0W9R1YV3T5B","eventID":"0f6b4c1e-2d3a-4b5c-8d7e-9f0a1b2c3d4e","readOnly":true,)"
         R"("eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"111122223333"}]})";
  IngestStats cs = MustIngest(store, {ct});
  fs::remove(ct);
  CHECK(cs.records_ok == 1);
  const EntityRef mallory = User("111122223333", "mallory");
  auto from = FindEdge(store, mallory, EdgeKind::kCalledFrom, exit);
  REQUIRE(from);
  // The call's hour is one the exit list covers.
  const Timestamp at = *ParseIsoTime("2024-03-09T05:30:00Z");
  CHECK(from->first_seen == at);
  CHECK(listed->hourly.count(static_cast<uint32_t>(at / 3600)) == 1);

  IndicatorOptions io;
  io.window = TimeWindow{*ParseIsoTime("2024-03-09T00:00:00Z"), *ParseIsoTime("2024-03-09T23:59:59Z")};
  auto ind = Indicators(store, mallory, io);
  REQUIRE(ind.ok());
  auto flagged = ind->OfKind("flagged_ip");
  REQUIRE(flagged.size() == 1);
  CHECK(flagged[0]->entity == exit);
  CHECK(flagged[0]->detail == "tor_exit, listed in tor");
  CHECK(flagged[0]->window_count == 1);
}

}  // namespace
}  // namespace gumshoe::ingest
