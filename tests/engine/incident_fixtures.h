// Whole-incident graphs for the investigation tests, built the way the
// ingestors describe records (CloudTrail, VPC flow, Route 53, GuardDuty, DB
// logins, threat intel) into a GraphDelta and applied to a MemoryStore.
//
//   coin mining via a leaked key (2026-03-10):
//     dev's long-term key AKIA...LEAKED used from a Tor exit -> CreateUser
//     backdoor -> CreateAccessKey for backdoor -> AssumeRole ec2-admin
//     (session "miner") -> RunInstances in us-east-1, eu-west-1,
//     ap-northeast-1 -> pool DNS and port 3333 flows -> GuardDuty
//     CryptoCurrency:EC2/BitcoinTool.B!DNS on the us-east-1 instance.
//   S3 exfiltration (2026-04-02): analyst's key used from a new IP with a
//     Kali agent -> AssumeRole data-reader -> ListObjects/GetObject on
//     customer-exports -> GuardDuty Exfiltration:S3/AnomalousBehavior.
//   RDS brute force (2026-05-20): 400 failed logins from one IP to
//     prod-db/admin, then a success, then CREATE USER; gumshoe detection.
#pragma once

#include <string>

#include "gumshoe/delta.h"
#include "gumshoe/memory_store.h"
#include "gumshoe/model.h"
#include "gumshoe/time_util.h"

namespace gumshoe::testing {

inline Timestamp T(const char* iso) { return *ParseIsoTime(iso); }

inline EntityRef User(const std::string& name) { return {EntityKind::kIamUser, "arn:aws:iam::111122223333:user/" + name}; }
inline EntityRef Role(const std::string& name) { return {EntityKind::kIamRole, "arn:aws:iam::111122223333:role/" + name}; }
inline EntityRef Session(const std::string& role, const std::string& name) {
  return {EntityKind::kRoleSession, "arn:aws:sts::111122223333:assumed-role/" + role + "/" + name};
}
inline EntityRef Key(const std::string& id) { return {EntityKind::kAccessKey, id}; }
inline EntityRef Instance(const std::string& id) { return {EntityKind::kEc2Instance, id}; }
inline EntityRef Eni(const std::string& id) { return {EntityKind::kNetworkInterface, id}; }
inline EntityRef Ip(const std::string& ip) { return {EntityKind::kIpAddress, ip}; }
inline EntityRef Api(const std::string& name) { return {EntityKind::kApiCall, name}; }
inline EntityRef Agent(const std::string& ua) { return {EntityKind::kUserAgent, ua}; }
inline EntityRef Domain(const std::string& d) { return {EntityKind::kDomain, d}; }
inline EntityRef Bucket(const std::string& b) { return {EntityKind::kS3Bucket, b}; }
inline EntityRef Finding(const std::string& id) { return {EntityKind::kFinding, id}; }
inline EntityRef DbUser(const std::string& u) { return {EntityKind::kDbUser, u}; }
inline EntityRef Rds(const std::string& d) { return {EntityKind::kRdsInstance, d}; }

// One CloudTrail call by `actor` with `key`: identity, IP, agent, API edges.
inline void Call(GraphDelta& d, const EntityRef& actor, const EntityRef& key, const std::string& ip,
                 const std::string& agent, const std::string& api, Timestamp t, const std::string& event_id,
                 int outcome = +1) {
  std::string ev = "cloudtrail:" + event_id;
  d.AddEdge(actor, EdgeKind::kAuthenticatedWith, key, {t, 0, ev});
  d.AddEdge(actor, EdgeKind::kCalledFrom, Ip(ip), {t, outcome, ev});
  d.AddEdge(actor, EdgeKind::kUsedAgent, Agent(agent), {t, outcome, ev});
  d.AddEdge(actor, EdgeKind::kCalledApi, Api(api), {t, outcome, ev});
}

inline void AddFinding(GraphDelta& d, const EntityRef& f, const char* type, const char* severity, Timestamp first,
                    Timestamp last, const std::string& source = "") {
  d.SetAttr(f, "type", type, first);
  d.SetAttr(f, "severity", severity, first);
  d.SetAttr(f, "title", std::string("Finding ") + type, first);
  d.SetAttr(f, "account", "111122223333", first);
  d.SetAttr(f, "region", "us-east-1", first);
  if (!source.empty()) d.SetAttr(f, "source", source, first);
  d.Touch(f, last);
}

inline void Involves(GraphDelta& d, const EntityRef& f, const EntityRef& e, Timestamp t, bool foothold) {
  EdgeStats& s = d.AddEdge(f, EdgeKind::kInvolves, e, {t, 0, "guardduty:" + f.key});
  if (foothold) s.counters["foothold"] = 1;
}

// ---- coin mining via a leaked key ----
inline const EntityRef kDev = User("dev");
inline const EntityRef kLeakedKey = Key("AKIAEXAMPLELEAKED001");
inline const EntityRef kBackdoor = User("backdoor");
inline const EntityRef kBackdoorKey = Key("AKIAEXAMPLEBACKDOOR1");
inline const EntityRef kMinerKey = Key("ASIAEXAMPLEMINER0001");
inline const EntityRef kMinerSession = Session("ec2-admin", "miner");
inline const EntityRef kEc2Admin = Role("ec2-admin");
inline const EntityRef kMinerUse1 = Instance("i-0a1b2c3d4e5f60001");
inline const EntityRef kMinerEuw1 = Instance("i-0a1b2c3d4e5f60002");
inline const EntityRef kMinerApne1 = Instance("i-0a1b2c3d4e5f60003");
inline const EntityRef kPoolIp = Ip("203.0.113.50");
inline const EntityRef kPoolDomain = Domain("pool.minexmr.example");
inline const EntityRef kTorIp = Ip("185.220.101.7");
inline const EntityRef kCoinFinding = Finding("4ec6a5f1b2c3d4e5f60718293a4b5c6d");

inline Status BuildCoinMining(GraphStore& store) {
  GraphDelta d;
  // Baseline: dev works from the office with the CLI, a month before.
  for (int day = 1; day <= 20; ++day) {
    Timestamp t = T("2026-02-01T09:00:00Z") + day * 86400;
    Call(d, kDev, kLeakedKey, "198.51.100.10", "aws-cli/2.15.0 Python/3.11.6 Linux/6.5", "s3.amazonaws.com:ListBuckets",
         t, "base-" + std::to_string(day));
    Call(d, kDev, kLeakedKey, "198.51.100.10", "aws-cli/2.15.0 Python/3.11.6 Linux/6.5",
         "ec2.amazonaws.com:DescribeInstances", t + 60, "base-d-" + std::to_string(day));
  }
  d.AddEdge(kLeakedKey, EdgeKind::kCredentialOf, kDev, {T("2026-02-02T09:00:00Z"), 0, "cloudtrail:base-1"});
  // The attacker, from a Tor exit, with a scripted agent.
  const std::string ua = "Boto3/1.34.0 md/Botocore#1.34.0 ua/2.0 os/linux Python/3.12.1";
  Call(d, kDev, kLeakedKey, kTorIp.key, ua, "sts.amazonaws.com:GetCallerIdentity", T("2026-03-10T08:02:11Z"), "ev-gci");
  Call(d, kDev, kLeakedKey, kTorIp.key, ua, "iam.amazonaws.com:CreateUser", T("2026-03-10T08:05:40Z"), "ev-createuser");
  d.AddEdge(kDev, EdgeKind::kCreated, kBackdoor, {T("2026-03-10T08:05:40Z"), +1, "cloudtrail:ev-createuser"});
  Call(d, kDev, kLeakedKey, kTorIp.key, ua, "iam.amazonaws.com:AttachUserPolicy", T("2026-03-10T08:06:02Z"), "ev-attach");
  d.AddEdge(kDev, EdgeKind::kModified, kBackdoor, {T("2026-03-10T08:06:02Z"), +1, "cloudtrail:ev-attach"});
  Call(d, kDev, kLeakedKey, kTorIp.key, ua, "iam.amazonaws.com:CreateAccessKey", T("2026-03-10T08:07:15Z"), "ev-createkey");
  d.AddEdge(kDev, EdgeKind::kCreated, kBackdoorKey, {T("2026-03-10T08:07:15Z"), +1, "cloudtrail:ev-createkey"});
  d.AddEdge(kBackdoorKey, EdgeKind::kCredentialOf, kBackdoor, {T("2026-03-10T08:07:15Z"), 0, "cloudtrail:ev-createkey"});
  d.AddTag(kTorIp, "tor_exit", T("2026-03-09T00:00:00Z"));
  d.AddTag(kTorIp, "public", T("2026-03-09T00:00:00Z"));
  d.AddEdge(kTorIp, EdgeKind::kListedIn, {EntityKind::kThreatList, "tor"}, {T("2026-03-10T00:00:00Z"), 0, "tor.txt:12"});
  // The backdoor user assumes ec2-admin.
  Call(d, kBackdoor, kBackdoorKey, kTorIp.key, ua, "sts.amazonaws.com:AssumeRole", T("2026-03-10T08:20:31Z"), "ev-assume");
  d.AddEdge(kBackdoorKey, EdgeKind::kMinted, kMinerKey, {T("2026-03-10T08:20:31Z"), +1, "cloudtrail:ev-assume"});
  d.AddEdge(kMinerKey, EdgeKind::kCredentialOf, kMinerSession, {T("2026-03-10T08:20:31Z"), 0, "cloudtrail:ev-assume"});
  d.AddEdge(kMinerSession, EdgeKind::kAssumedRole, kEc2Admin, {T("2026-03-10T08:20:31Z"), 0, "cloudtrail:ev-assume"});
  // RunInstances in three regions.
  struct Launch {
    EntityRef instance;
    const char* region;
    const char* eni;
    const char* time;
    const char* event;
  };
  const Launch launches[] = {
      {kMinerUse1, "us-east-1", "eni-0aa00000000000001", "2026-03-10T08:31:05Z", "ev-run-use1"},
      {kMinerEuw1, "eu-west-1", "eni-0aa00000000000002", "2026-03-10T08:33:47Z", "ev-run-euw1"},
      {kMinerApne1, "ap-northeast-1", "", "2026-03-10T08:36:12Z", "ev-run-apne1"},
  };
  for (const Launch& l : launches) {
    Timestamp t = T(l.time);
    Call(d, kMinerSession, kMinerKey, kTorIp.key, ua, "ec2.amazonaws.com:RunInstances", t, l.event);
    d.AddEdge(kMinerSession, EdgeKind::kLaunched, l.instance, {t, +1, std::string("cloudtrail:") + l.event});
    d.SetAttr(l.instance, "region", l.region, t);
    d.SetAttr(l.instance, "account", "111122223333", t);
    d.AddEdge(l.instance, EdgeKind::kInstanceProfileRole, Role("worker"), {t, 0, std::string("cloudtrail:") + l.event});
    // Mining traffic: every 10 minutes for three hours.
    for (int m = 10; m <= 180; m += 10) {
      Timestamp ft = t + m * 60;
      if (*l.eni) d.AddEdge(Eni(l.eni), EdgeKind::kNetworkFlow, kPoolIp, {ft, +1, "vpcflow.log:" + std::to_string(m)});
      else d.AddEdge(l.instance, EdgeKind::kNetworkFlow, kPoolIp, {ft, +1, "vpcflow.log:" + std::to_string(m)});
    }
    if (*l.eni) d.AddEdge(l.instance, EdgeKind::kHasInterface, Eni(l.eni), {t, 0, std::string("cloudtrail:") + l.event});
  }
  d.AddEdge(kMinerUse1, EdgeKind::kQueried, kPoolDomain, {T("2026-03-10T08:40:00Z"), +1, "resolver.log:3"});
  d.AddEdge(kPoolDomain, EdgeKind::kResolvedTo, kPoolIp, {T("2026-03-10T08:40:00Z"), +1, "resolver.log:3"});
  // GuardDuty: the DNS finding on the us-east-1 instance.
  AddFinding(d, kCoinFinding, "CryptoCurrency:EC2/BitcoinTool.B!DNS", "8", T("2026-03-10T08:41:00Z"),
          T("2026-03-10T11:30:00Z"));
  Involves(d, kCoinFinding, kMinerUse1, T("2026-03-10T08:41:00Z"), true);
  Involves(d, kCoinFinding, kPoolDomain, T("2026-03-10T08:41:00Z"), false);
  return store.Apply(d);
}

// ---- S3 exfiltration ----
inline const EntityRef kAnalyst = User("analyst");
inline const EntityRef kAnalystKey = Key("AKIAEXAMPLEANALYST01");
inline const EntityRef kReaderSession = Session("data-reader", "exfil");
inline const EntityRef kReaderKey = Key("ASIAEXAMPLEREADER001");
inline const EntityRef kExportsBucket = Bucket("customer-exports");
inline const EntityRef kKaliIp = Ip("192.0.2.77");
inline const EntityRef kExfilFinding = Finding("7a1e5c0ffee0123456789abcdef01234");
inline const EntityRef kExfilRecon = Finding("7a1e5c0ffee0123456789abcdef05678");

inline Status BuildS3Exfil(GraphStore& store) {
  GraphDelta d;
  for (int day = 1; day <= 30; ++day)
    Call(d, kAnalyst, kAnalystKey, "198.51.100.20", "aws-cli/2.13.1", "s3.amazonaws.com:ListBuckets",
         T("2026-03-01T10:00:00Z") + day * 86400, "a-" + std::to_string(day));
  d.AddEdge(kAnalystKey, EdgeKind::kCredentialOf, kAnalyst, {T("2026-03-02T10:00:00Z"), 0, "cloudtrail:a-1"});
  const std::string kali = "aws-cli/2.9.0 Python/3.11 Linux/6.0.0-kali3-amd64";
  Call(d, kAnalyst, kAnalystKey, kKaliIp.key, kali, "sts.amazonaws.com:AssumeRole", T("2026-04-02T14:00:00Z"), "x-assume");
  d.AddEdge(kAnalystKey, EdgeKind::kMinted, kReaderKey, {T("2026-04-02T14:00:00Z"), +1, "cloudtrail:x-assume"});
  d.AddEdge(kReaderKey, EdgeKind::kCredentialOf, kReaderSession, {T("2026-04-02T14:00:00Z"), 0, "cloudtrail:x-assume"});
  d.AddEdge(kReaderSession, EdgeKind::kAssumedRole, Role("data-reader"), {T("2026-04-02T14:00:00Z"), 0, "cloudtrail:x-assume"});
  Call(d, kReaderSession, kReaderKey, kKaliIp.key, kali, "s3.amazonaws.com:ListObjects", T("2026-04-02T14:02:00Z"), "x-list");
  d.AddEdge(kReaderSession, EdgeKind::kRead, kExportsBucket, {T("2026-04-02T14:02:00Z"), +1, "cloudtrail:x-list"});
  for (int i = 0; i < 250; ++i) {
    Timestamp t = T("2026-04-02T14:05:00Z") + i * 20;
    std::string ev = "x-get-" + std::to_string(i);
    Call(d, kReaderSession, kReaderKey, kKaliIp.key, kali, "s3.amazonaws.com:GetObject", t, ev);
    d.AddEdge(kReaderSession, EdgeKind::kRead, kExportsBucket, {t, +1, "cloudtrail:" + ev});
  }
  d.AddTag(kKaliIp, "public", T("2026-04-02T14:00:00Z"));
  AddFinding(d, kExfilFinding, "Exfiltration:S3/AnomalousBehavior", "8.5", T("2026-04-02T14:10:00Z"),
          T("2026-04-02T15:30:00Z"));
  Involves(d, kExfilFinding, kReaderSession, T("2026-04-02T14:10:00Z"), true);
  Involves(d, kExfilFinding, kReaderKey, T("2026-04-02T14:10:00Z"), true);
  Involves(d, kExfilFinding, kExportsBucket, T("2026-04-02T14:10:00Z"), false);
  Involves(d, kExfilFinding, kKaliIp, T("2026-04-02T14:10:00Z"), false);
  // A related recon finding on the same IP a day earlier.
  AddFinding(d, kExfilRecon, "PenTest:IAMUser/KaliLinux", "5", T("2026-04-01T20:00:00Z"), T("2026-04-01T20:30:00Z"));
  Involves(d, kExfilRecon, kAnalyst, T("2026-04-01T20:00:00Z"), true);
  Involves(d, kExfilRecon, kKaliIp, T("2026-04-01T20:00:00Z"), false);
  return store.Apply(d);
}

// ---- RDS brute force ----
inline const EntityRef kBruteIp = Ip("45.155.205.233");
inline const EntityRef kDbAdmin = DbUser("prod-db/admin");
inline const EntityRef kDbRoot = DbUser("prod-db/root");
inline const EntityRef kDbBackdoor = DbUser("prod-db/svc_backup");
inline const EntityRef kProdDb = Rds("prod-db");
inline const EntityRef kBruteFinding = Finding("gumshoe-rds-bruteforce-prod-db-admin");

inline Status BuildRdsBruteForce(GraphStore& store) {
  GraphDelta d;
  Timestamp t0 = T("2026-05-20T02:00:00Z");
  d.AddEdge(kBruteIp, EdgeKind::kDbLogin, kDbAdmin, {t0, -1, "postgresql.log:1", 400});
  d.AddEdge(kBruteIp, EdgeKind::kDbLogin, kDbRoot, {t0 + 600, -1, "postgresql.log:401", 120});
  d.AddEdge(kBruteIp, EdgeKind::kDbLogin, kDbAdmin, {t0 + 3700, +1, "postgresql.log:522"});
  d.AddEdge(kDbAdmin, EdgeKind::kDbUserOf, kProdDb, {t0, 0, "postgresql.log:1"});
  d.AddEdge(kDbRoot, EdgeKind::kDbUserOf, kProdDb, {t0 + 600, 0, "postgresql.log:401"});
  d.AddEdge(kDbAdmin, EdgeKind::kDbAction, kDbBackdoor, {t0 + 3800, +1, "postgresql.log:530"});
  d.AddEdge(kDbBackdoor, EdgeKind::kDbUserOf, kProdDb, {t0 + 3800, 0, "postgresql.log:530"});
  d.AddTag(kBruteIp, "public", t0);
  AddFinding(d, kBruteFinding, "gumshoe:RDS/BruteForceSuccess", "8", t0, t0 + 3700, "gumshoe");
  Involves(d, kBruteFinding, kDbAdmin, t0, true);
  Involves(d, kBruteFinding, kBruteIp, t0, true);
  Involves(d, kBruteFinding, kProdDb, t0, false);
  return store.Apply(d);
}

}  // namespace gumshoe::testing
