// gumshoe_bench_gen: writes a realistic organisation's AWS logs in their real
// on-disk layouts, with embedded incidents and an answer key.
//
//   gumshoe_bench_gen --out DIR [--events N] [--seed S] [--days D] [--jobs J]
//                     [--flow-ratio R] [--dns-ratio R] [--audit-ratio R] [--gzip-level L]
//
// Output (DIR/):
//   AWSLogs/<acct>/CloudTrail/<region>/YYYY/MM/DD/<acct>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_<rand16>.json.gz
//   AWSLogs/<acct>/vpcflowlogs/<region>/YYYY/MM/DD/<acct>_vpcflowlogs_<region>_fl-..._<time>_<hash>.log.gz
//   AWSLogs/<acct>/vpcdnsquerylogs/<vpc>/YYYY/MM/DD/<vpc>_vpcdnsquerylogs_<acct>_<region>_<time>_<hash>.log.gz
//   AWSLogs/<acct>/GuardDuty/<region>/YYYY/MM/DD/<uuid>.jsonl.gz
//   rds/aws/rds/instance/<db>/audit/audit.log.<day>
//   answer_key.json   what an investigation must find (see bench/README.md)
//   manifest.json     counts and bytes per source
//
// Deterministic for (seed, events, days, ratios): each file has its own random
// stream, so the thread count does not change the bytes.
#include <libdeflate.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "org_model.h"

namespace gumshoe::bench {
namespace {

namespace fs = std::filesystem;

// CloudTrail delivers about every 5 minutes; small (test) sizes use longer
// slots so that they do not write thousands of near-empty files.
int64_t g_slot_seconds = 300;
constexpr int64_t kInstanceEpoch = 6 * 3600; // instance-profile credentials rotate every 6 h
constexpr int64_t kLambdaEpoch = 3600;

struct Options {
  std::string out;
  OrgParams org;
  int jobs = 2;
  double flow_ratio = 5.0;
  double dns_ratio = 0.5;
  double audit_ratio = 0.03;
  int gzip_level = 6;
};

// ---------------------------------------------------------------- writing

void AppendKV(std::string& out, std::string_view key, std::string_view value) {
  out.push_back('"');
  out.append(key);
  out.append("\":\"");
  out.append(value);
  out.push_back('"');
}

bool WriteFile(const std::string& path, const std::string& data, libdeflate_compressor* gz) {
  fs::create_directories(fs::path(path).parent_path());
  std::string buf;
  const std::string* payload = &data;
  if (gz != nullptr) {
    buf.resize(libdeflate_gzip_compress_bound(gz, data.size()));
    size_t n = libdeflate_gzip_compress(gz, data.data(), data.size(), buf.data(), buf.size());
    if (n == 0) return false;
    buf.resize(n);
    payload = &buf;
  }
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return false;
  bool ok = std::fwrite(payload->data(), 1, payload->size(), f) == payload->size();
  return std::fclose(f) == 0 && ok;
}

// ---------------------------------------------------------------- identities

struct Identity {
  enum Type { kIamUser, kAssumedRole, kAwsService, kAwsAccount } type = kIamUser;
  std::string account;
  std::string principal_id;
  std::string arn;
  std::string access_key;
  std::string user_name;
  // Assumed role:
  std::string role_arn, role_id, role_name;
  int64_t creation = 0;
  bool mfa = false;
  const char* ec2_delivery = nullptr;
  std::string invoked_by;
};

void AppendIdentity(std::string& o, const Identity& id) {
  switch (id.type) {
    case Identity::kAwsService:
      o += "{\"type\":\"AWSService\",\"invokedBy\":\"" + id.invoked_by + "\"}";
      return;
    case Identity::kAwsAccount:
      o += "{\"type\":\"AWSAccount\",\"principalId\":\"" + id.principal_id + "\",\"accountId\":\"" + id.account + "\"}";
      return;
    case Identity::kIamUser:
      o += "{\"type\":\"IAMUser\",\"principalId\":\"" + id.principal_id + "\",\"arn\":\"" + id.arn +
           "\",\"accountId\":\"" + id.account + "\",\"accessKeyId\":\"" + id.access_key + "\",\"userName\":\"" +
           id.user_name + "\"}";
      return;
    case Identity::kAssumedRole:
      o += "{\"type\":\"AssumedRole\",\"principalId\":\"" + id.principal_id + "\",\"arn\":\"" + id.arn +
           "\",\"accountId\":\"" + id.account + "\",\"accessKeyId\":\"" + id.access_key +
           "\",\"sessionContext\":{\"sessionIssuer\":{\"type\":\"Role\",\"principalId\":\"" + id.role_id +
           "\",\"arn\":\"" + id.role_arn + "\",\"accountId\":\"" + id.account + "\",\"userName\":\"" + id.role_name +
           "\"},\"attributes\":{\"creationDate\":\"" + IsoTime(id.creation) + "\",\"mfaAuthenticated\":\"" +
           (id.mfa ? "true" : "false") + "\"}";
      if (id.ec2_delivery != nullptr) o += std::string(",\"ec2RoleDelivery\":\"") + id.ec2_delivery + "\"";
      o += "}";
      if (!id.invoked_by.empty()) o += ",\"invokedBy\":\"" + id.invoked_by + "\"";
      o += "}";
      return;
  }
}

// One CloudTrail record being written.
struct Rec {
  const Identity* identity = nullptr;
  int64_t time = 0;
  std::string_view source, name, region, ip, agent;
  std::string_view error_code, error_message;
  std::string request = "null", response = "null";
  std::string additional, resources, shared_event_id, vpc_endpoint;
  std::string recipient;
  bool read_only = true;
  bool data_event = false;
  const char* event_type = "AwsApiCall";
  uint64_t id_seed = 0;
};

void AppendRecord(std::string& o, const Rec& r) {
  o += "{\"eventVersion\":\"";
  o += r.data_event ? "1.09" : "1.10";
  o += "\",\"userIdentity\":";
  AppendIdentity(o, *r.identity);
  o += ",\"eventTime\":\"" + IsoTime(r.time) + "\",";
  AppendKV(o, "eventSource", r.source);
  o += ',';
  AppendKV(o, "eventName", r.name);
  o += ',';
  AppendKV(o, "awsRegion", r.region);
  o += ',';
  AppendKV(o, "sourceIPAddress", r.ip);
  o += ',';
  AppendKV(o, "userAgent", r.agent);
  if (!r.error_code.empty()) {
    o += ',';
    AppendKV(o, "errorCode", r.error_code);
    o += ',';
    AppendKV(o, "errorMessage", r.error_message);
  }
  o += ",\"requestParameters\":" + r.request + ",\"responseElements\":" + r.response;
  if (!r.additional.empty()) o += ",\"additionalEventData\":" + r.additional;
  o += ",\"requestID\":\"" + Guid(r.id_seed, 1) + "\",\"eventID\":\"" + Guid(r.id_seed, 2) + "\",\"readOnly\":";
  o += r.read_only ? "true" : "false";
  if (!r.resources.empty()) o += ",\"resources\":" + r.resources;
  o += ",\"eventType\":\"";
  o += r.event_type;
  o += "\",\"managementEvent\":";
  o += r.data_event ? "false" : "true";
  o += ",\"recipientAccountId\":\"" + r.recipient + "\"";
  if (!r.shared_event_id.empty()) o += ",\"sharedEventID\":\"" + r.shared_event_id + "\"";
  if (!r.vpc_endpoint.empty()) o += ",\"vpcEndpointId\":\"" + r.vpc_endpoint + "\"";
  o += ",\"eventCategory\":\"";
  o += r.data_event ? "Data" : "Management";
  o += "\"";
  if (r.identity->type != Identity::kAwsService) {
    o += ",\"tlsDetails\":{\"tlsVersion\":\"TLSv1.3\",\"cipherSuite\":\"TLS_AES_128_GCM_SHA256\",\"clientProvidedHostHeader\":\"";
    std::string_view svc = r.source.substr(0, r.source.find('.'));
    o.append(svc);
    o += ".";
    o.append(r.region);
    o += ".amazonaws.com\"}";
  }
  o += "}";
}

std::string SessionToken(uint64_t h) {
  static constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string t = "IQoJb3JpZ2luX2VjE";
  Rng rng(h);
  size_t len = 600 + rng.Below(300);
  uint64_t x = 0;
  for (size_t i = 0; t.size() < len; ++i) {
    if (i % 10 == 0) x = rng.Next();
    t.push_back(kB64[x & 63]);
    x >>= 6;
  }
  return t;
}

// AssumeRole request/response for a minted session.
void FillAssumeRole(Rec& r, const std::string& role_arn, const std::string& role_id, const std::string& session_arn,
                    const std::string& session_name, const std::string& key, int64_t t, int duration, uint64_t h,
                    const std::string& role_account) {
  r.source = "sts.amazonaws.com";
  r.name = "AssumeRole";
  r.read_only = true;
  r.request = "{\"roleArn\":\"" + role_arn + "\",\"roleSessionName\":\"" + session_name +
              "\",\"durationSeconds\":" + std::to_string(duration) + "}";
  r.response = "{\"credentials\":{\"accessKeyId\":\"" + key + "\",\"sessionToken\":\"" + SessionToken(h) +
               "\",\"expiration\":\"" + IsoTime(t + duration) + "\"},\"assumedRoleUser\":{\"assumedRoleId\":\"" +
               role_id + ":" + session_name + "\",\"arn\":\"" + session_arn + "\"}}";
  r.resources = "[{\"accountId\":\"" + role_account + "\",\"type\":\"AWS::IAM::Role\",\"ARN\":\"" + role_arn + "\"}]";
  r.additional = "{\"ExtendedRequestId\":\"" + Rand16(h ^ 0xE7) + Rand16(h ^ 0xE8) + "=\"}";
}

// ---------------------------------------------------------------- plan

enum class SchedKind : uint8_t { kInstanceMint, kLambdaMint, kHumanMint, kChainMint, kPrerendered };

struct Sched {
  SchedKind kind;
  uint32_t actor = 0;   // instance / lambda / user index
  uint32_t epoch = 0;   // epoch or hour index
  int64_t time = 0;
  uint8_t copy = 0;     // 0: caller's account copy, 1: role owner's copy
  std::string text;     // kPrerendered: the record JSON
};

struct HumanSession {
  uint32_t user;
  int64_t mint;       // first session minted
  int64_t chain_mint; // 0 when the session did not chain
};

struct Plan;
struct CtFile {
  uint32_t account, region;
  int64_t slot;         // slot start
  uint64_t quota = 0;   // normal records
  std::vector<Sched> sched;
};

struct Incidents {
  // coin mining
  std::string leaked_key, leaked_user_arn, attacker_ip, attacker_ip2, created_user_arn, created_key, session_key,
      session_arn, fleet_role_arn, finding_mining;
  struct Miner {
    std::string id, eni, ip, region;
    int64_t launch;
  };
  std::vector<Miner> miners;
  std::vector<std::string> pool_domains, pool_ips;
  std::string instance_role_arn, instance_profile_arn;
  // s3 exfil
  std::string exfil_ip, exfil_key, exfil_session_arn, exfil_instance, exfil_bucket, exfil_role_arn, finding_exfil;
  int exfil_objects = 0;
  // rds brute force
  std::string rds_ip, rds_db, rds_user, finding_rds;
  int rds_failures = 0;
};

struct Plan {
  const Org* org;
  std::vector<CtFile> files;
  std::map<uint64_t, std::vector<HumanSession>> humans;  // (account << 32 | hour) -> sessions active
  Incidents inc;
  uint64_t scheduled = 0;
};

int64_t InstanceOffset(const Org& org, uint32_t j) { return int64_t(Mix(org.params.seed, 0x0FF1, j) % kInstanceEpoch); }
int64_t LambdaOffset(const Org& org, uint32_t j) { return int64_t(Mix(org.params.seed, 0x0FF2, j) % kLambdaEpoch); }

// Epoch of instance j's credentials at time t; the mint of epoch e is at
// start - epoch + off + e * epoch.
int64_t InstanceEpochAt(const Org& org, uint32_t j, int64_t t) {
  return (t - (org.params.start - kInstanceEpoch + InstanceOffset(org, j))) / kInstanceEpoch;
}
int64_t LambdaEpochAt(const Org& org, uint32_t j, int64_t t) {
  return (t - (org.params.start - kLambdaEpoch + LambdaOffset(org, j))) / kLambdaEpoch;
}
std::string InstanceKey(const Org& org, uint32_t j, int64_t e) { return AwsId("ASIA", Mix(org.params.seed, 0x15E55 + j, e)); }
std::string LambdaKey(const Org& org, uint32_t j, int64_t e) { return AwsId("ASIA", Mix(org.params.seed, 0x1A3B0 + j, e)); }
std::string HumanKey(const Org& org, uint32_t u, int64_t hour, int chain) {
  return AwsId("ASIA", Mix(org.params.seed, 0x4E550 + u * 2 + chain, hour));
}

std::string SessionArn(const Org& org, const Role& role, const std::string& session) {
  return "arn:aws:sts::" + org.accounts[role.account].id + ":assumed-role/" + role.name + "/" + session;
}

Identity InstanceIdentity(const Org& org, uint32_t j, int64_t t) {
  const Instance& inst = org.instances[j];
  const Role& role = org.roles[inst.role];
  int64_t e = InstanceEpochAt(org, j, t);
  Identity id;
  id.type = Identity::kAssumedRole;
  id.account = org.accounts[role.account].id;
  id.principal_id = role.id + ":" + inst.id;
  id.arn = SessionArn(org, role, inst.id);
  id.access_key = InstanceKey(org, j, e);
  id.role_arn = role.Arn(org.accounts);
  id.role_id = role.id;
  id.role_name = role.name;
  id.creation = org.params.start - kInstanceEpoch + InstanceOffset(org, j) + e * kInstanceEpoch;
  id.ec2_delivery = "2.0";
  return id;
}

Identity LambdaIdentity(const Org& org, uint32_t j, int64_t t) {
  const LambdaFn& fn = org.lambdas[j];
  const Role& role = org.roles[fn.role];
  int64_t e = LambdaEpochAt(org, j, t);
  Identity id;
  id.type = Identity::kAssumedRole;
  id.account = org.accounts[role.account].id;
  id.principal_id = role.id + ":" + fn.name;
  id.arn = SessionArn(org, role, fn.name);
  id.access_key = LambdaKey(org, j, e);
  id.role_arn = role.Arn(org.accounts);
  id.role_id = role.id;
  id.role_name = role.name;
  id.creation = org.params.start - kLambdaEpoch + LambdaOffset(org, j) + e * kLambdaEpoch;
  return id;
}

Identity UserIdentity(const Org& org, uint32_t u) {
  const User& user = org.users[u];
  Identity id;
  id.type = Identity::kIamUser;
  id.account = org.accounts[user.account].id;
  id.principal_id = user.id;
  id.arn = "arn:aws:iam::" + id.account + ":user/" + user.name;
  id.access_key = user.key;
  id.user_name = user.name;
  return id;
}

Identity HumanSessionIdentity(const Org& org, uint32_t u, int64_t hour, int chain, int64_t mint) {
  const User& user = org.users[u];
  const Role& role = org.roles[chain ? user.chain_role : user.target_role];
  Identity id;
  id.type = Identity::kAssumedRole;
  id.account = org.accounts[role.account].id;
  id.principal_id = role.id + ":" + user.name;
  id.arn = SessionArn(org, role, user.name);
  id.access_key = HumanKey(org, u, hour, chain);
  id.role_arn = role.Arn(org.accounts);
  id.role_id = role.id;
  id.role_name = role.name;
  id.creation = mint;
  id.mfa = chain == 0;
  return id;
}

size_t FileIndex(const Org& org, uint32_t account, uint32_t region, int64_t t) {
  int64_t slots = (org.end() - org.params.start) / g_slot_seconds;
  int64_t slot = std::clamp<int64_t>((t - org.params.start) / g_slot_seconds, 0, slots - 1);
  return (size_t(account) * org.regions.size() + region) * size_t(slots) + size_t(slot);
}

double Diurnal(int64_t t) {
  int h = int((t % 86400) / 3600);
  return 0.45 + 0.55 * std::max(0.0, std::sin((h - 6) * 3.14159265 / 14.0));
}

uint32_t RegionIndex(const Org& org, std::string_view name) {
  for (uint32_t i = 0; i < org.regions.size(); ++i)
    if (org.regions[i].name == name) return i;
  return 0;
}

// ---------------------------------------------------------------- incidents

std::string RenderPre(const Rec& r) {
  std::string s;
  AppendRecord(s, r);
  return s;
}

void AddPre(Plan& plan, uint32_t account, uint32_t region, const Rec& r) {
  Sched s;
  s.kind = SchedKind::kPrerendered;
  s.time = r.time;
  s.text = RenderPre(r);
  plan.files[FileIndex(*plan.org, account, region, r.time)].sched.push_back(std::move(s));
  ++plan.scheduled;
}

void PlanIncidents(Plan& plan) {
  const Org& org = *plan.org;
  const uint64_t seed = org.params.seed;
  Incidents& inc = plan.inc;
  const Account& prod = org.accounts[1];
  // ---- 1. coin mining via a leaked long-term key.
  uint32_t leaked_u = org.service_users_by_acct[1][0];
  Identity leaked = UserIdentity(org, leaked_u);
  inc.leaked_key = leaked.access_key;
  inc.leaked_user_arn = leaked.arn;
  inc.attacker_ip = "45.137.21.9";
  inc.attacker_ip2 = "185.220.101.47";
  const char* kKaliAgent = "Boto3/1.9.201 Python/2.7.18 Linux/5.15.0-kali3-amd64 Botocore/1.12.201";
  int64_t t1 = org.params.start + 86400 + 2 * 3600 + 13 * 60;
  uint64_t n = 0;
  auto base = [&](const Identity& id, int64_t t, const char* src, const char* name, const std::string& ip) {
    Rec r;
    r.identity = &id;
    r.time = t;
    r.source = src;
    r.name = name;
    r.region = "us-east-1";
    r.ip = ip;
    r.agent = kKaliAgent;
    r.recipient = prod.id;
    r.id_seed = Mix(seed, 0x1C1D, ++n);
    return r;
  };
  {
    Rec r = base(leaked, t1, "sts.amazonaws.com", "GetCallerIdentity", inc.attacker_ip);
    AddPre(plan, 1, 0, r);
    r = base(leaked, t1 + 41, "iam.amazonaws.com", "ListUsers", inc.attacker_ip);
    AddPre(plan, 1, 0, r);
    r = base(leaked, t1 + 44, "iam.amazonaws.com", "ListRoles", inc.attacker_ip);
    AddPre(plan, 1, 0, r);
  }
  std::string new_user = "backup-admin";
  inc.created_user_arn = "arn:aws:iam::" + prod.id + ":user/" + new_user;
  std::string new_user_id = AwsId("AIDA", Mix(seed, 0xBAD1));
  inc.created_key = AwsId("AKIA", Mix(seed, 0xBAD2));
  {
    Rec r = base(leaked, t1 + 120, "iam.amazonaws.com", "CreateUser", inc.attacker_ip);
    r.read_only = false;
    r.request = "{\"userName\":\"" + new_user + "\"}";
    r.response = "{\"user\":{\"path\":\"/\",\"userName\":\"" + new_user + "\",\"userId\":\"" + new_user_id +
                 "\",\"arn\":\"" + inc.created_user_arn + "\",\"createDate\":\"" + IsoTime(t1 + 120) + "\"}}";
    AddPre(plan, 1, 0, r);
    r = base(leaked, t1 + 151, "iam.amazonaws.com", "CreateAccessKey", inc.attacker_ip);
    r.read_only = false;
    r.request = "{\"userName\":\"" + new_user + "\"}";
    r.response = "{\"accessKey\":{\"userName\":\"" + new_user + "\",\"accessKeyId\":\"" + inc.created_key +
                 "\",\"status\":\"Active\",\"createDate\":\"" + IsoTime(t1 + 151) + "\"}}";
    AddPre(plan, 1, 0, r);
    r = base(leaked, t1 + 170, "iam.amazonaws.com", "AttachUserPolicy", inc.attacker_ip);
    r.read_only = false;
    r.request = "{\"userName\":\"" + new_user + "\",\"policyArn\":\"arn:aws:iam::aws:policy/AdministratorAccess\"}";
    AddPre(plan, 1, 0, r);
  }
  Identity created;
  created.type = Identity::kIamUser;
  created.account = prod.id;
  created.principal_id = new_user_id;
  created.arn = inc.created_user_arn;
  created.access_key = inc.created_key;
  created.user_name = new_user;
  const Role* fleet = nullptr;
  for (const Role& role : org.roles)
    if (role.name == "ec2-fleet-manager") fleet = &role;
  inc.fleet_role_arn = fleet->Arn(org.accounts);
  inc.session_key = AwsId("ASIA", Mix(seed, 0xBAD3));
  inc.session_arn = SessionArn(org, *fleet, new_user);
  {
    Rec r = base(created, t1 + 400, "sts.amazonaws.com", "AssumeRole", inc.attacker_ip2);
    FillAssumeRole(r, inc.fleet_role_arn, fleet->id, inc.session_arn, new_user, inc.session_key, t1 + 400, 43200,
                   Mix(seed, 0xBAD4), prod.id);
    AddPre(plan, 1, 0, r);
  }
  Identity session;
  session.type = Identity::kAssumedRole;
  session.account = prod.id;
  session.principal_id = fleet->id + ":" + new_user;
  session.arn = inc.session_arn;
  session.access_key = inc.session_key;
  session.role_arn = inc.fleet_role_arn;
  session.role_id = fleet->id;
  session.role_name = fleet->name;
  session.creation = t1 + 400;
  const Role& profile_role = org.roles[org.instances[org.instances_by_acct_region[1 * org.regions.size()].empty()
                                                         ? 0
                                                         : org.instances_by_acct_region[1 * org.regions.size()][0]]
                                           .role];
  inc.instance_role_arn = profile_role.Arn(org.accounts);
  std::string profile_name = profile_role.name;
  inc.instance_profile_arn = "arn:aws:iam::" + prod.id + ":instance-profile/" + profile_name;
  const char* mining_regions[] = {"us-east-1", "eu-west-1", "ap-northeast-1"};
  for (int k = 0; k < 3; ++k) {
    int64_t t = t1 + 600 + 60 * k;
    Rec r = base(session, t, "ec2.amazonaws.com", "RunInstances", inc.attacker_ip2);
    r.region = mining_regions[k];
    r.read_only = false;
    std::string items;
    std::string ami = "ami-" + Hex(Mix(seed, 0xA31, k), 17);
    for (int m = 0; m < 2; ++m) {
      uint64_t h = Mix(seed, 0x313E, k * 2 + m);
      Incidents::Miner miner{"i-" + Hex(Mix(h, 1), 17), "eni-" + Hex(Mix(h, 2), 17),
                             "172.31." + std::to_string(16 + k * 16 + m) + "." + std::to_string(10 + (h % 200)),
                             mining_regions[k], t};
      if (!items.empty()) items += ",";
      items += "{\"instanceId\":\"" + miner.id + "\",\"imageId\":\"" + ami +
               "\",\"instanceState\":{\"code\":0,\"name\":\"pending\"},\"privateDnsName\":\"ip-" + miner.ip +
               ".ec2.internal\",\"amiLaunchIndex\":" + std::to_string(m) +
               ",\"productCodes\":{},\"instanceType\":\"c5.4xlarge\",\"launchTime\":" + std::to_string(t * 1000) +
               ",\"placement\":{\"availabilityZone\":\"" + std::string(mining_regions[k]) +
               "a\",\"tenancy\":\"default\"},\"monitoring\":{\"state\":\"disabled\"},\"subnetId\":\"subnet-" +
               Hex(Mix(h, 3), 17) + "\",\"vpcId\":\"vpc-" + Hex(Mix(seed, 0xD3F, k), 17) + "\",\"privateIpAddress\":\"" +
               miner.ip + "\",\"stateReason\":{\"code\":\"pending\",\"message\":\"pending\"},\"architecture\":\"x86_64\"," +
               "\"rootDeviceType\":\"ebs\",\"rootDeviceName\":\"/dev/xvda\",\"blockDeviceMapping\":{},"
               "\"virtualizationType\":\"hvm\",\"hypervisor\":\"xen\",\"groupSet\":{\"items\":[{\"groupId\":\"sg-" +
               Hex(Mix(h, 4), 17) + "\",\"groupName\":\"default\"}]},\"networkInterfaceSet\":{\"items\":[{"
               "\"networkInterfaceId\":\"" + miner.eni + "\",\"subnetId\":\"subnet-" + Hex(Mix(h, 3), 17) +
               "\",\"vpcId\":\"vpc-" + Hex(Mix(seed, 0xD3F, k), 17) + "\",\"ownerId\":\"" + prod.id +
               "\",\"status\":\"in-use\",\"macAddress\":\"0e:" + Hex(Mix(h, 5), 2) + ":" + Hex(Mix(h, 6), 2) +
               ":1c:2d:3e\",\"privateIpAddress\":\"" + miner.ip + "\",\"sourceDestCheck\":true,\"interfaceType\":\"interface\"," +
               "\"attachment\":{\"attachmentId\":\"eni-attach-" + Hex(Mix(h, 7), 17) +
               "\",\"deviceIndex\":0,\"networkCardIndex\":0,\"status\":\"attaching\",\"attachTime\":" +
               std::to_string(t * 1000) + ",\"deleteOnTermination\":true}}]},\"iamInstanceProfile\":{\"arn\":\"arn:aws:iam::" +
               prod.id + ":instance-profile/" + profile_name + "\",\"id\":\"" + AwsId("AIPA", Mix(h, 8)) +
               "\"},\"ebsOptimized\":false,\"enaSupport\":true,\"cpuOptions\":{\"coreCount\":8,\"threadsPerCore\":2}}";
      {
        // EC2 delivers the instance-profile credentials right after launch.
        Identity ec2;
        ec2.type = Identity::kAwsService;
        ec2.invoked_by = "ec2.amazonaws.com";
        Rec mint = base(ec2, t + 35 + m * 3, "sts.amazonaws.com", "AssumeRole", ec2.invoked_by);
        mint.region = mining_regions[k];
        mint.agent = "ec2.amazonaws.com";
        FillAssumeRole(mint, profile_role.Arn(org.accounts), profile_role.id, SessionArn(org, profile_role, miner.id), miner.id,
                       AwsId("ASIA", Mix(h, 9)), mint.time, 21600, Mix(h, 10), prod.id);
        mint.shared_event_id = Guid(h, 11);
        AddPre(plan, 1, RegionIndex(org, mining_regions[k]), mint);
      }
      inc.miners.push_back(std::move(miner));
    }
    r.request = "{\"instancesSet\":{\"items\":[{\"imageId\":\"" + ami +
                "\",\"minCount\":2,\"maxCount\":2}]},\"instanceType\":\"c5.4xlarge\",\"iamInstanceProfile\":{\"name\":\"" +
                profile_name + "\"},\"disableApiTermination\":false,\"monitoring\":{\"enabled\":false}}";
    r.response = "{\"requestId\":\"" + Guid(r.id_seed, 9) + "\",\"reservationId\":\"r-" + Hex(Mix(seed, 0x4E5, k), 17) +
                 "\",\"ownerId\":\"" + prod.id + "\",\"groupSet\":{},\"instancesSet\":{\"items\":[" + items + "]}}";
    AddPre(plan, 1, RegionIndex(org, mining_regions[k]), r);
  }
  inc.pool_domains = {"pool.supportxmr.com", "xmr-eu1.nanopool.org", "gulf.moneroocean.stream"};
  inc.pool_ips = {"94.130.12.27", "51.15.65.182", "141.95.72.60", "162.19.139.184"};
  inc.finding_mining = Hex(Mix(seed, 0xF1D1), 32);

  // ---- 2. S3 exfiltration with stolen instance-profile credentials.
  const auto& prod_use1 = org.instances_by_acct_region[1 * org.regions.size() + 0];
  uint32_t victim = prod_use1.empty() ? 0 : prod_use1[0];
  const Instance& vi = org.instances[victim];
  int64_t t2 = org.params.start + 2 * 86400 + 14 * 3600 + 5 * 60;
  Identity stolen = InstanceIdentity(org, victim, t2);
  inc.exfil_ip = "91.203.5.146";
  inc.exfil_key = stolen.access_key;
  inc.exfil_session_arn = stolen.arn;
  inc.exfil_instance = vi.id;
  inc.exfil_role_arn = stolen.role_arn;
  inc.exfil_bucket = org.buckets[0];
  inc.finding_exfil = Hex(Mix(seed, 0xF1D2), 32);
  const char* kExfilAgent = "aws-cli/1.18.69 Python/3.8.10 Linux/5.4.0-kali7-amd64 botocore/1.16.19";
  {
    Rec r = base(stolen, t2, "sts.amazonaws.com", "GetCallerIdentity", inc.exfil_ip);
    r.agent = kExfilAgent;
    AddPre(plan, 1, 0, r);
    r = base(stolen, t2 + 30, "s3.amazonaws.com", "ListBuckets", inc.exfil_ip);
    r.agent = kExfilAgent;
    r.request = "{\"Host\":\"s3.amazonaws.com\"}";
    AddPre(plan, 1, 0, r);
    r = base(stolen, t2 + 62, "s3.amazonaws.com", "ListObjects", inc.exfil_ip);
    r.agent = kExfilAgent;
    r.data_event = true;
    r.request = "{\"bucketName\":\"" + inc.exfil_bucket + "\",\"list-type\":\"2\",\"prefix\":\"exports/\",\"Host\":\"" +
                inc.exfil_bucket + ".s3.amazonaws.com\"}";
    r.resources = "[{\"type\":\"AWS::S3::Object\",\"ARNPrefix\":\"arn:aws:s3:::" + inc.exfil_bucket +
                  "/exports/\"},{\"accountId\":\"" + prod.id + "\",\"type\":\"AWS::S3::Bucket\",\"ARN\":\"arn:aws:s3:::" +
                  inc.exfil_bucket + "\"}]";
    r.additional = "{\"SignatureVersion\":\"SigV4\",\"CipherSuite\":\"TLS_AES_128_GCM_SHA256\",\"bytesTransferredIn\":0,"
                   "\"AuthenticationMethod\":\"AuthHeader\",\"x-amz-id-2\":\"" + Rand16(r.id_seed) + "\",\"bytesTransferredOut\":5120}";
    AddPre(plan, 1, 0, r);
    inc.exfil_objects = 40;
    for (int k = 0; k < inc.exfil_objects; ++k) {
      char key[64];
      std::snprintf(key, sizeof(key), "exports/customers-%05d.csv.gz", k);
      r = base(stolen, t2 + 90 + k * 7, "s3.amazonaws.com", "GetObject", inc.exfil_ip);
      r.agent = kExfilAgent;
      r.data_event = true;
      r.request = "{\"bucketName\":\"" + inc.exfil_bucket + "\",\"Host\":\"" + inc.exfil_bucket +
                  ".s3.amazonaws.com\",\"key\":\"" + key + "\"}";
      r.resources = "[{\"type\":\"AWS::S3::Object\",\"ARN\":\"arn:aws:s3:::" + inc.exfil_bucket + "/" + key +
                    "\"},{\"accountId\":\"" + prod.id + "\",\"type\":\"AWS::S3::Bucket\",\"ARN\":\"arn:aws:s3:::" +
                    inc.exfil_bucket + "\"}]";
      r.additional = "{\"SignatureVersion\":\"SigV4\",\"CipherSuite\":\"TLS_AES_128_GCM_SHA256\",\"bytesTransferredIn\":0,"
                     "\"AuthenticationMethod\":\"AuthHeader\",\"x-amz-id-2\":\"" + Rand16(r.id_seed) +
                     "\",\"bytesTransferredOut\":" + std::to_string(40000000 + Mix(seed, k) % 20000000) + "}";
      AddPre(plan, 1, 0, r);
    }
  }
  // ---- 3. RDS brute force (audit log; finding written later).
  inc.rds_ip = "103.145.13.77";
  inc.rds_db = org.dbs[0].id;
  inc.rds_user = "admin";
  inc.rds_failures = 800;
  inc.finding_rds = Hex(Mix(seed, 0xF1D3), 32);
}

Plan BuildPlan(const Org& org) {
  Plan plan;
  plan.org = &org;
  const int64_t start = org.params.start, end = org.end();
  const int64_t slots = (end - start) / g_slot_seconds;
  plan.files.resize(4 * org.regions.size() * size_t(slots));
  for (uint32_t a = 0; a < 4; ++a)
    for (uint32_t g = 0; g < org.regions.size(); ++g)
      for (int64_t s = 0; s < slots; ++s) {
        CtFile& f = plan.files[FileIndex(org, a, g, start + s * g_slot_seconds)];
        f.account = a;
        f.region = g;
        f.slot = start + s * g_slot_seconds;
      }
  auto sched = [&](uint32_t acct, uint32_t region, Sched s) {
    plan.files[FileIndex(org, acct, region, s.time)].sched.push_back(std::move(s));
    ++plan.scheduled;
  };
  for (uint32_t j = 0; j < org.instances.size(); ++j) {
    const Instance& inst = org.instances[j];
    for (int64_t e = 1;; ++e) {
      int64_t t = start - kInstanceEpoch + InstanceOffset(org, j) + e * kInstanceEpoch;
      if (t >= end) break;
      sched(inst.account, inst.region, Sched{SchedKind::kInstanceMint, j, uint32_t(e), t, 0, {}});
    }
  }
  for (uint32_t j = 0; j < org.lambdas.size(); ++j) {
    const LambdaFn& fn = org.lambdas[j];
    for (int64_t e = 1;; ++e) {
      int64_t t = start - kLambdaEpoch + LambdaOffset(org, j) + e * kLambdaEpoch;
      if (t >= end) break;
      sched(fn.account, fn.region, Sched{SchedKind::kLambdaMint, j, uint32_t(e), t, 0, {}});
    }
  }
  for (uint32_t u = 0; u < org.users.size(); ++u) {
    const User& user = org.users[u];
    if (!user.human) continue;
    for (int64_t hour = start / 3600; hour < end / 3600; ++hour) {
      int h = int(hour % 24);
      if (h < 7 || h > 18 || Mix(org.params.seed, 0x40E5 + u, hour) % 10 >= 3) continue;
      int64_t mint = hour * 3600 + int64_t(Mix(org.params.seed, 0x417, u * 131 + hour) % 600);
      const Role& target = org.roles[user.target_role];
      sched(0, 0, Sched{SchedKind::kHumanMint, u, uint32_t(hour), mint, 0, {}});
      sched(target.account, 0, Sched{SchedKind::kHumanMint, u, uint32_t(hour), mint, 1, {}});
      int64_t chain_mint = 0;
      if (Mix(org.params.seed, 0xC4A1, u * 7 + hour) % 10 < 3) {
        chain_mint = mint + 300 + int64_t(Mix(org.params.seed, 0xC4A2, u + hour) % 600);
        const Role& chained = org.roles[user.chain_role];
        sched(target.account, 0, Sched{SchedKind::kChainMint, u, uint32_t(hour), chain_mint, 0, {}});
        if (chained.account != target.account)
          sched(chained.account, 0, Sched{SchedKind::kChainMint, u, uint32_t(hour), chain_mint, 1, {}});
        plan.humans[(uint64_t(chained.account) << 32) | uint64_t(hour)].push_back(HumanSession{u, chain_mint, -1});
      }
      plan.humans[(uint64_t(target.account) << 32) | uint64_t(hour)].push_back(HumanSession{u, mint, 0});
    }
  }
  PlanIncidents(plan);
  // Normal records fill each file's share of what is left.
  std::vector<double> weights(plan.files.size());
  double total = 0;
  for (size_t i = 0; i < plan.files.size(); ++i) {
    const CtFile& f = plan.files[i];
    weights[i] = org.accounts[f.account].weight * org.regions[f.region].weight * Diurnal(f.slot);
    total += weights[i];
  }
  uint64_t normal = org.params.events > plan.scheduled ? org.params.events - plan.scheduled : 0;
  double cum = 0;
  uint64_t given = 0;
  for (size_t i = 0; i < plan.files.size(); ++i) {
    cum += weights[i];
    uint64_t upto = uint64_t(std::llround(double(normal) * cum / total));
    plan.files[i].quota = upto - given;
    given = upto;
  }
  return plan;
}

// ---------------------------------------------------------------- CloudTrail files

struct Counters {
  std::atomic<uint64_t> ct_events{0}, ct_files{0}, ct_bytes{0}, ct_raw_bytes{0};
  std::atomic<uint64_t> flow_lines{0}, flow_files{0}, flow_bytes{0}, flow_raw_bytes{0};
  std::atomic<uint64_t> dns_lines{0}, dns_files{0}, dns_bytes{0};
  std::atomic<uint64_t> audit_lines{0}, audit_files{0}, audit_bytes{0};
  std::atomic<uint64_t> findings{0};
  std::atomic<bool> failed{false};
};

class CtWriter {
 public:
  CtWriter(const Org& org, const Plan& plan, const CtFile& file, uint64_t file_index)
      : org_(org), plan_(plan), file_(file), rng_(Mix(org.params.seed, 0xC7F11E, file_index)), file_index_(file_index) {}

  std::string Build(uint64_t& records) {
    std::string out;
    out.reserve(size_t(file_.quota + file_.sched.size()) * 1100 + 64);
    out += "{\"Records\":[";
    bool first = true;
    auto sep = [&] {
      if (!first) out += ",";
      first = false;
    };
    // Scheduled and normal records interleaved, not in time order (as delivered).
    uint64_t normal_left = file_.quota;
    size_t si = 0;
    uint64_t total = file_.quota + file_.sched.size();
    for (uint64_t k = 0; k < total; ++k) {
      bool take_sched = si < file_.sched.size() && (normal_left == 0 || rng_.Below(total - k) < file_.sched.size() - si);
      sep();
      if (take_sched) {
        WriteScheduled(out, file_.sched[si++]);
      } else {
        --normal_left;
        WriteNormal(out);
      }
      ++records;
    }
    out += "]}";
    return out;
  }

 private:
  const Account& acct() const { return org_.accounts[file_.account]; }
  std::string_view region() const { return org_.regions[file_.region].name; }
  uint64_t NextId() { return Mix(org_.params.seed ^ 0xE7E7, file_index_, ++seq_); }

  void WriteScheduled(std::string& out, const Sched& s) {
    if (s.kind == SchedKind::kPrerendered) {
      out += s.text;
      return;
    }
    Rec r;
    r.time = s.time;
    r.region = region();
    r.recipient = acct().id;
    r.id_seed = NextId();
    Identity caller;
    if (s.kind == SchedKind::kInstanceMint || s.kind == SchedKind::kLambdaMint) {
      bool inst = s.kind == SchedKind::kInstanceMint;
      const Role& role = org_.roles[inst ? org_.instances[s.actor].role : org_.lambdas[s.actor].role];
      std::string session = inst ? org_.instances[s.actor].id : org_.lambdas[s.actor].name;
      std::string key = inst ? InstanceKey(org_, s.actor, s.epoch) : LambdaKey(org_, s.actor, s.epoch);
      caller.type = Identity::kAwsService;
      caller.invoked_by = inst ? "ec2.amazonaws.com" : "lambda.amazonaws.com";
      r.identity = &caller;
      r.ip = caller.invoked_by;
      r.agent = caller.invoked_by;
      FillAssumeRole(r, role.Arn(org_.accounts), role.id, SessionArn(org_, role, session), session, key, s.time,
                     inst ? 21600 : 3600, r.id_seed, acct().id);
      r.shared_event_id = Guid(r.id_seed, 7);
      AppendRecord(out, r);
      return;
    }
    // Human mints: kHumanMint (user key -> target role session), kChainMint
    // (first session -> chained role). copy 1 is the role owner's copy.
    const User& user = org_.users[s.actor];
    int64_t hour = s.epoch;
    bool chain = s.kind == SchedKind::kChainMint;
    const Role& role = org_.roles[chain ? user.chain_role : user.target_role];
    Identity signer;
    if (chain) {
      int64_t first_mint = hour * 3600 + int64_t(Mix(org_.params.seed, 0x417, s.actor * 131 + hour) % 600);
      signer = HumanSessionIdentity(org_, s.actor, hour, 0, first_mint);
    } else {
      signer = UserIdentity(org_, s.actor);
    }
    uint64_t shared_seed = Mix(org_.params.seed, 0x5A4ED + s.actor * 2 + (chain ? 1 : 0), hour);
    Identity as_account;
    if (s.copy == 1) {
      as_account.type = Identity::kAwsAccount;
      as_account.principal_id = signer.principal_id;
      as_account.account = signer.account;
      r.identity = &as_account;
    } else {
      r.identity = &signer;
    }
    r.ip = user.home_ip;
    r.agent = org_.user_agents[(s.actor + hour) % 3];
    std::string session_arn = SessionArn(org_, role, user.name);
    FillAssumeRole(r, role.Arn(org_.accounts), role.id, session_arn, user.name, HumanKey(org_, s.actor, hour, chain ? 1 : 0),
                   s.time, 3600, shared_seed, org_.accounts[role.account].id);
    r.id_seed = Mix(shared_seed, s.copy);
    if (org_.accounts[role.account].id != signer.account) r.shared_event_id = Guid(shared_seed, 3);
    AppendRecord(out, r);
  }

  // The actor of a normal record in this file at time t.
  Identity PickActor(int64_t t, std::string& ip, std::string_view& agent) {
    const uint32_t a = file_.account;
    double u = rng_.Uniform();
    if (a == 0) {
      if (u < 0.55) {
        uint32_t uid = uint32_t(rng_.Below(org_.users.size()));
        while (!org_.users[uid].human) uid = uint32_t(rng_.Below(org_.users.size()));
        ip = org_.users[uid].home_ip;
        agent = org_.user_agents[rng_.Below(4)];
        return UserIdentity(org_, uid);
      }
      return ServiceActor(ip, agent);
    }
    if (u < 0.12) {
      auto it = plan_.humans.find((uint64_t(a) << 32) | uint64_t(t / 3600));
      if (it != plan_.humans.end() && !it->second.empty()) {
        const HumanSession& hs = it->second[rng_.Below(it->second.size())];
        if (t >= hs.mint) {
          ip = org_.users[hs.user].home_ip;
          agent = org_.user_agents[(hs.user % 3 == 0) ? 17 : rng_.Below(3)];
          return HumanSessionIdentity(org_, hs.user, t / 3600, hs.chain_mint < 0 ? 1 : 0, hs.mint);
        }
      }
    } else if (u < 0.27 && !org_.lambdas_by_acct[a].empty()) {
      uint32_t j = org_.lambdas_by_acct[a][rng_.Below(org_.lambdas_by_acct[a].size())];
      ip = org_.accounts[a].nat_ip;
      agent = org_.user_agents[4];
      return LambdaIdentity(org_, j, t);
    } else if (u < 0.34 && !org_.service_users_by_acct[a].empty()) {
      uint32_t uid = org_.service_users_by_acct[a][rng_.Below(org_.service_users_by_acct[a].size())];
      ip = org_.users[uid].home_ip;
      agent = org_.user_agents[9];
      return UserIdentity(org_, uid);
    } else if (u < 0.52) {
      return ServiceActor(ip, agent);
    }
    const auto* list = &org_.instances_by_acct_region[a * org_.regions.size() + file_.region];
    if (list->empty()) list = &org_.instances_by_acct_region[a * org_.regions.size()];
    if (list->empty()) return ServiceActor(ip, agent);
    uint32_t j = (*list)[rng_.Below(list->size())];
    const Instance& inst = org_.instances[j];
    ip = inst.public_ip.empty() ? org_.accounts[a].nat_ip : inst.public_ip;
    agent = org_.user_agents[3 + rng_.Below(6)];
    return InstanceIdentity(org_, j, t);
  }

  Identity ServiceActor(std::string& ip, std::string_view& agent) {
    Identity id;
    id.type = Identity::kAwsService;
    id.invoked_by = org_.service_principals[rng_.Below(org_.service_principals.size())];
    ip = id.invoked_by;
    agent = id.invoked_by;
    return id;
  }

  void WriteNormal(std::string& out) {
    int64_t t = file_.slot + int64_t(rng_.Below(g_slot_seconds)) - int64_t(rng_.Below(4) == 0 ? rng_.Below(600) : 0);
    if (t < org_.params.start) t = org_.params.start;
    std::string ip;
    std::string_view agent;
    Identity id = PickActor(t, ip, agent);
    Rec r;
    r.identity = &id;
    r.time = t;
    r.region = region();
    r.ip = ip;
    r.agent = agent;
    r.recipient = acct().id;
    r.id_seed = NextId();
    bool can_s3 = id.type == Identity::kAssumedRole || (id.type == Identity::kIamUser && file_.account != 0);
    if (can_s3 && rng_.Chance(0.18)) {
      WriteS3Data(r);
    } else {
      const ApiName* sampled = &org_.apis[org_.api_zipf.Sample(rng_)];
      while ((sampled->name == "RunInstances" || sampled->name == "TerminateInstances") && !rng_.Chance(org_.launch_keep)) {
        sampled = &org_.apis[org_.api_zipf.Sample(rng_)];
      }
      const ApiName& api = *sampled;
      r.source = api.source;
      r.name = api.name;
      r.read_only = api.read_only;
      if (api.name == "ConsoleLogin") {
        WriteConsoleLogin(out, r, id);
        return;
      }
      if (api.name == "RunInstances") WriteRunInstances(r);
      else if (api.name == "GetSessionToken") {
        std::string key = AwsId("ASIA", r.id_seed);
        r.request = "{\"durationSeconds\":3600}";
        r.response = "{\"credentials\":{\"accessKeyId\":\"" + key + "\",\"sessionToken\":\"" + SessionToken(r.id_seed) +
                     "\",\"expiration\":\"" + IsoTime(t + 3600) + "\"}}";
      } else if (api.read_only) {
        uint64_t shape = rng_.Below(4);
        if (shape == 1) r.request = "{\"maxResults\":" + std::to_string(50 + 50 * rng_.Below(4)) + "}";
        else if (shape == 2) r.request = "{\"filterSet\":{},\"includeAllInstances\":false}";
        else if (shape == 3) r.request = "{\"resourceArn\":\"arn:aws:" + std::string(api.source.substr(0, api.source.find('.'))) +
                                         ":" + std::string(region()) + ":" + acct().id + ":res/" + Hex(rng_.Next(), 12) + "\"}";
      } else {
        r.request = "{\"resourceId\":\"" + Hex(rng_.Next(), 17) + "\",\"clientToken\":\"" + Guid(rng_.Next(), 5) + "\"}";
        if (rng_.Chance(0.5)) r.response = "{\"requestId\":\"" + Guid(rng_.Next(), 6) + "\",\"return\":true}";
      }
    }
    double e = rng_.Uniform();
    if (e < 0.025) {
      r.error_code = "AccessDenied";
      error_ = "User: " + (id.arn.empty() ? id.invoked_by : id.arn) + " is not authorized to perform: " +
               std::string(r.source.substr(0, r.source.find('.'))) + ":" + std::string(r.name) +
               " because no identity-based policy allows the action";
      r.error_message = error_;
      r.response = "null";
    } else if (e < 0.03) {
      r.error_code = "ThrottlingException";
      r.error_message = "Rate exceeded";
      r.response = "null";
    }
    AppendRecord(out, r);
  }

  void WriteS3Data(Rec& r) {
    const auto& buckets = org_.buckets;
    size_t b = rng_.Below(buckets.size());
    const std::string& bucket = buckets[b];
    uint32_t owner = 1 + uint32_t(b % 3);
    static const char* kOps[] = {"GetObject", "GetObject", "GetObject", "PutObject", "HeadObject", "ListObjects",
                                 "GetObject", "PutObject", "DeleteObject", "GetObjectTagging"};
    const char* op = kOps[rng_.Below(10)];
    r.source = "s3.amazonaws.com";
    r.name = op;
    r.data_event = true;
    r.read_only = std::strncmp(op, "Put", 3) != 0 && std::strncmp(op, "Delete", 6) != 0;
    char key[96];
    std::snprintf(key, sizeof(key), "%s/%04llu/%02llu/part-%05llu.%s", r.read_only ? "data" : "incoming",
                  static_cast<unsigned long long>(2026), static_cast<unsigned long long>(1 + rng_.Below(12)),
                  static_cast<unsigned long long>(rng_.Below(5000)), rng_.Chance(0.5) ? "parquet" : "json.gz");
    bool list = std::strcmp(op, "ListObjects") == 0;
    if (list) {
      r.request = "{\"bucketName\":\"" + bucket + "\",\"list-type\":\"2\",\"prefix\":\"data/\",\"Host\":\"" + bucket +
                  ".s3." + std::string(region()) + ".amazonaws.com\"}";
      r.resources = "[{\"type\":\"AWS::S3::Object\",\"ARNPrefix\":\"arn:aws:s3:::" + bucket + "/data/\"},{\"accountId\":\"" +
                    org_.accounts[owner].id + "\",\"type\":\"AWS::S3::Bucket\",\"ARN\":\"arn:aws:s3:::" + bucket + "\"}]";
    } else {
      r.request = "{\"bucketName\":\"" + bucket + "\",\"Host\":\"" + bucket + ".s3." + std::string(region()) +
                  ".amazonaws.com\",\"key\":\"" + key + "\"}";
      r.resources = "[{\"type\":\"AWS::S3::Object\",\"ARN\":\"arn:aws:s3:::" + bucket + "/" + key + "\"},{\"accountId\":\"" +
                    org_.accounts[owner].id + "\",\"type\":\"AWS::S3::Bucket\",\"ARN\":\"arn:aws:s3:::" + bucket + "\"}]";
    }
    uint64_t bytes = 1000 + rng_.Below(4000000);
    r.additional = std::string("{\"SignatureVersion\":\"SigV4\",\"CipherSuite\":\"TLS_AES_128_GCM_SHA256\",\"bytesTransferredIn\":") +
                   std::to_string(r.read_only ? 0 : bytes) + ",\"AuthenticationMethod\":\"AuthHeader\",\"x-amz-id-2\":\"" +
                   Rand16(r.id_seed) + Rand16(r.id_seed + 1) + "\",\"bytesTransferredOut\":" +
                   std::to_string(r.read_only ? bytes : 0) + "}";
    if (rng_.Chance(0.3)) {
      r.vpc_endpoint = "vpce-" + Hex(Mix(org_.params.seed, file_.account), 17);
    }
  }

  void WriteRunInstances(Rec& r) {
    std::string ami = "ami-" + Hex(rng_.Next(), 17);
    std::string iid = "i-" + Hex(rng_.Next(), 17), eni = "eni-" + Hex(rng_.Next(), 17);
    std::string ip = "10." + std::to_string(10 + file_.account) + "." + std::to_string(rng_.Below(250)) + "." +
                     std::to_string(4 + rng_.Below(250));
    r.request = "{\"instancesSet\":{\"items\":[{\"imageId\":\"" + ami + "\",\"minCount\":1,\"maxCount\":1}]},\"instanceType\":\"m5.large\"}";
    r.response = "{\"requestId\":\"" + Guid(rng_.Next(), 3) + "\",\"reservationId\":\"r-" + Hex(rng_.Next(), 17) +
                 "\",\"ownerId\":\"" + acct().id + "\",\"groupSet\":{},\"instancesSet\":{\"items\":[{\"instanceId\":\"" + iid +
                 "\",\"imageId\":\"" + ami + "\",\"instanceType\":\"m5.large\",\"privateIpAddress\":\"" + ip +
                 "\",\"launchTime\":" + std::to_string(r.time * 1000) +
                 ",\"networkInterfaceSet\":{\"items\":[{\"networkInterfaceId\":\"" + eni + "\",\"privateIpAddress\":\"" + ip +
                 "\",\"macAddress\":\"0e:11:22:33:44:55\"}]}}]}}";
  }

  void WriteConsoleLogin(std::string& out, Rec& r, const Identity& id) {
    bool fail = rng_.Chance(0.08);
    r.source = "signin.amazonaws.com";
    r.event_type = "AwsConsoleSignIn";
    r.read_only = false;
    r.request = "null";
    r.response = std::string("{\"ConsoleLogin\":\"") + (fail ? "Failure" : "Success") + "\"}";
    r.additional = std::string("{\"LoginTo\":\"https://console.aws.amazon.com/console/home\",\"MobileVersion\":\"No\",\"MFAUsed\":\"") +
                   (fail ? "No" : "Yes") + "\"}";
    r.agent = org_.user_agents[17];
    if (fail) {
      r.error_code = "";
      r.error_message = "";
    }
    (void)id;
    AppendRecord(out, r);
    if (fail) {
      // errorMessage on a failed sign-in, inserted before requestParameters.
      std::string needle = ",\"requestParameters\"";
      size_t p = out.rfind(needle);
      if (p != std::string::npos) out.insert(p, ",\"errorMessage\":\"Failed authentication\"");
    }
  }

  const Org& org_;
  const Plan& plan_;
  const CtFile& file_;
  Rng rng_;
  uint64_t file_index_;
  uint64_t seq_ = 0;
  std::string error_;
};

// ---------------------------------------------------------------- flows, DNS, audit

struct NetTask {
  uint32_t account, region;
  int64_t hour;   // hour start
  uint64_t lines;
};

// Service endpoint addresses (S3, STS, DynamoDB, ...) per region: an
// instance reaches its own region's endpoints, whose DNS answers rotate over
// a few dozen addresses.
std::vector<std::vector<std::string>> AwsServiceIps(const Org& org) {
  constexpr int kPerRegion = 60;
  std::vector<std::vector<std::string>> out(org.regions.size());
  for (size_t r = 0; r < org.regions.size(); ++r) {
    for (int i = 0; i < kPerRegion; ++i) {
      uint64_t h = Mix(org.params.seed, 0x5E7, r * kPerRegion + size_t(i));
      static const char* kPrefixes[] = {"52.216.", "3.5.", "52.94.", "54.231.", "16.182.", "52.119."};
      out[r].push_back(std::string(kPrefixes[h % 6]) + std::to_string((h >> 8) % 250 + 1) + "." +
                       std::to_string((h >> 16) % 250 + 2));
    }
  }
  return out;
}

std::string InternetIp(uint64_t h) {
  static const int kFirst[] = {8, 13, 20, 23, 31, 34, 40, 46, 62, 64, 77, 91, 104, 140, 142, 151, 157, 172, 185, 192,
                               198, 199, 203, 205, 209, 216};
  int a = kFirst[h % 26];
  unsigned b = unsigned((h >> 8) % 256), c = unsigned((h >> 16) % 256), d = unsigned((h >> 24) % 254) + 1;
  if (a == 172 && b >= 16 && b < 32) b += 32;
  if (a == 192 && b == 168) b = 169;
  if (a == 198 && (b == 18 || b == 19 || b == 51)) b = 20;
  if (a == 203 && b == 0 && c == 113) c = 114;
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%d.%u.%u.%u", a, b, c, d);
  return buf;
}

// Internet scanners are a property of the internet, not of the organisation:
// a fixed population whose activity is skewed (research scanners and busy
// botnets revisit every exposed address; most others are seen once or twice).
// In the real cribl sample (4 exposed ENIs, one minute) 21 sources sent 67
// REJECTed probes: 20 sent one each, one swept 47 ports.
constexpr size_t kScannerPool = 50000;
constexpr double kScannerSkew = 1.0;
// Share of scan visits that sweep many ports, and the sweep's size.
constexpr double kSweepShare = 0.1;
constexpr uint64_t kMinSweep = 8, kMaxSweep = 64;
// Scan visits per drawn line slot (the other slots: 1 % NODATA, 37 % east-west,
// 22 % AWS endpoints, 20 % internet egress): with 4.5 probes a visit on
// average, about a fifth of the lines are REJECTed probes.
constexpr double kScanVisitShare = 0.047;

std::string ScannerIp(uint64_t h) {
  static const int kFirst[] = {45, 61, 79, 80, 89, 92, 94, 103, 106, 111, 112, 113, 114, 117, 118, 122, 123, 162,
                               167, 176, 179, 180, 183, 185, 193, 194, 195, 212, 218, 222};
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%d.%u.%u.%u", kFirst[h % 30], unsigned((h >> 8) % 256), unsigned((h >> 16) % 256),
                unsigned((h >> 24) % 254) + 1);
  return buf;
}

class NetWriter {
 public:
  NetWriter(const Org& org, const Plan& plan, const Zipf& internet, const Zipf& scanners, const Zipf& domains)
      : org_(org), plan_(plan), aws_ips_(AwsServiceIps(org)), internet_(internet), scanners_(scanners), domains_(domains) {
    exposed_.resize(org.instances_by_acct_region.size());
    for (size_t i = 0; i < exposed_.size(); ++i) {
      for (uint32_t idx : org.instances_by_acct_region[i]) {
        if (!org.instances[idx].public_ip.empty()) exposed_[i].push_back(idx);
      }
    }
  }

  static bool Extended(uint32_t account) { return account == 1; }

  std::string Flows(const NetTask& task, uint64_t& lines) {
    Rng rng(Mix(org_.params.seed, 0xF10, (uint64_t(task.account) << 40) ^ (uint64_t(task.region) << 32) ^ uint64_t(task.hour)));
    const auto& list = org_.instances_by_acct_region[task.account * org_.regions.size() + task.region];
    const bool ext = Extended(task.account);
    std::string out;
    out.reserve(task.lines * 160 + 512);
    out += ext ? "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action "
                 "log-status vpc-id subnet-id instance-id tcp-flags type pkt-srcaddr pkt-dstaddr region az-id flow-direction\n"
               : "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n";
    const std::string& acct = org_.accounts[task.account].id;
    const std::string& region = org_.regions[task.region].name;
    std::string vpc = org_.accounts[task.account].vpc_id;
    auto line = [&](const std::string& eni, const std::string& src, const std::string& dst, unsigned sport, unsigned dport,
                    int proto, uint64_t packets, uint64_t bytes, int64_t start, int64_t end, bool accept,
                    const std::string& subnet, const std::string& instance, bool egress, int flags) {
      char buf[512];
      int n;
      if (ext) {
        n = std::snprintf(buf, sizeof(buf), "5 %s %s %s %s %u %u %d %llu %llu %lld %lld %s OK %s %s %s %d IPv4 %s %s %s %s%c %s\n",
                          acct.c_str(), eni.c_str(), src.c_str(), dst.c_str(), sport, dport, proto,
                          static_cast<unsigned long long>(packets), static_cast<unsigned long long>(bytes),
                          static_cast<long long>(start), static_cast<long long>(end), accept ? "ACCEPT" : "REJECT",
                          vpc.c_str(), subnet.c_str(), instance.empty() ? "-" : instance.c_str(), flags, src.c_str(),
                          dst.c_str(), region.c_str(), region.c_str(), 'a' + char(start % 3), egress ? "egress" : "ingress");
      } else {
        n = std::snprintf(buf, sizeof(buf), "2 %s %s %s %s %u %u %d %llu %llu %lld %lld %s OK\n", acct.c_str(), eni.c_str(),
                          src.c_str(), dst.c_str(), sport, dport, proto, static_cast<unsigned long long>(packets),
                          static_cast<unsigned long long>(bytes), static_cast<long long>(start),
                          static_cast<long long>(end), accept ? "ACCEPT" : "REJECT");
      }
      out.append(buf, size_t(n));
      ++lines;
    };
    const auto& exposed = exposed_[task.account * org_.regions.size() + task.region];
    const auto& aws_ips = aws_ips_[task.region];
    for (uint64_t k = 0; k < task.lines && !list.empty(); ++k) {
      const uint32_t idx = list[rng.Below(list.size())];
      const Instance& inst = org_.instances[idx];
      int64_t start = task.hour + int64_t(rng.Below(3540));
      int64_t end = start + 60;
      double u = rng.Uniform() * (0.80 + kScanVisitShare);
      unsigned eph = 32768 + unsigned(rng.Below(28000));
      if (u >= 0.80 && exposed.empty()) u = 0.70;  // nothing here is reachable from the internet
      if (u < 0.01) {
        char buf[256];
        int n = ext ? std::snprintf(buf, sizeof(buf), "5 %s %s - - - - - - - %lld %lld - NODATA %s %s %s - - - - %s - -\n",
                                    acct.c_str(), inst.eni.c_str(), static_cast<long long>(start),
                                    static_cast<long long>(end), vpc.c_str(), inst.subnet.c_str(), inst.id.c_str(), region.c_str())
                    : std::snprintf(buf, sizeof(buf), "2 %s %s - - - - - - - %lld %lld - NODATA\n", acct.c_str(),
                                    inst.eni.c_str(), static_cast<long long>(start), static_cast<long long>(end));
        out.append(buf, size_t(n));
        ++lines;
      } else if (u < 0.38) {
        // East-west: each instance talks to the few services it depends on.
        uint64_t fanout = 2 + Mix(org_.params.seed, 0xEA6, idx) % 5;
        uint32_t peer_idx = list[Mix(org_.params.seed, 0xEA5, (uint64_t(idx) << 8) | rng.Below(fanout)) % list.size()];
        const Instance& peer = org_.instances[peer_idx];
        static const unsigned kPorts[] = {443, 8080, 5432, 3306, 6379, 9200, 2049, 8443};
        unsigned dport = kPorts[Mix(org_.params.seed, 0xEA7, peer_idx) % 8];
        line(inst.eni, inst.private_ip, peer.private_ip, eph, dport, 6, 5 + rng.Below(400), 800 + rng.Below(600000), start,
             end, true, inst.subnet, inst.id, true, 19);
      } else if (u < 0.60) {
        // AWS service endpoints of the instance's own region.
        const std::string& dst = aws_ips[rng.Below(aws_ips.size())];
        line(inst.eni, inst.private_ip, dst, eph, 443, 6, 10 + rng.Below(2000), 2000 + rng.Below(9000000), start, end, true,
             inst.subnet, inst.id, true, 19);
      } else if (u < 0.80) {
        // Internet egress: mostly the instance's own working set of
        // destinations (its package mirrors, SaaS APIs, partners), drawn once
        // from the org-wide popularity; now and then anything popular.
        size_t rank;
        if (rng.Chance(0.9)) {
          uint64_t favourites = 8 + Mix(org_.params.seed, 0xFA6, idx) % 24;
          Rng pick(Mix(org_.params.seed, 0xFA7, (uint64_t(idx) << 8) | rng.Below(favourites)));
          rank = internet_.Sample(pick);
        } else {
          rank = internet_.Sample(rng);
        }
        std::string dst = InternetIp(Mix(org_.params.seed, 0x1E7, rank));
        static const unsigned kPorts[] = {443, 443, 443, 80, 123, 22};
        unsigned dport = kPorts[rng.Below(6)];
        int proto = dport == 123 ? 17 : 6;
        line(inst.eni, inst.private_ip, dst, eph, dport, proto, 4 + rng.Below(300), 300 + rng.Below(400000), start, end,
             true, inst.subnet, inst.id, true, proto == 6 ? 3 : 0);
        if (rng.Chance(0.5))
          line(inst.eni, dst, inst.private_ip, dport, eph, proto, 4 + rng.Below(300), 300 + rng.Below(800000), start, end,
               true, inst.subnet, inst.id, false, proto == 6 ? 19 : 0);
      } else {
        // Inbound scanning of an internet-facing instance: one probe, or a
        // sweep of many ports within one aggregation window.
        const Instance& target = org_.instances[exposed[rng.Below(exposed.size())]];
        std::string src = ScannerIp(Mix(org_.params.seed, 0x5CA, scanners_.Sample(rng)));
        static const unsigned kPorts[] = {22, 23, 3389, 445, 80, 8080, 5900, 1433, 3306, 6379, 2375, 9200};
        uint64_t probes = rng.Chance(kSweepShare) ? kMinSweep + rng.Below(kMaxSweep - kMinSweep + 1) : 1;
        unsigned sport = 1024 + unsigned(rng.Below(64000));
        for (uint64_t p = 0; p < probes; ++p) {
          unsigned dport = p == 0 ? kPorts[rng.Below(12)] : 1 + unsigned(rng.Below(65535));
          line(target.eni, src, target.private_ip, sport, dport, 6, 1 + rng.Below(2), 40 + rng.Below(60), start, end, false,
               target.subnet, target.id, false, 2);
        }
        k += probes - 1;
      }
    }
    // Mining traffic from the attacker's instances in this account and region.
    if (task.account == 1) {
      for (size_t m = 0; m < plan_.inc.miners.size(); ++m) {
        const auto& miner = plan_.inc.miners[m];
        if (miner.region != region || task.hour + 3600 <= miner.launch + 600) continue;
        for (int q = 0; q < 4; ++q) {
          int64_t start = std::max(task.hour, miner.launch + 600) + q * 600;
          if (start >= task.hour + 3600) break;
          const std::string& pool = plan_.inc.pool_ips[(m + q) % plan_.inc.pool_ips.size()];
          unsigned port = q % 2 ? 14444 : 3333;
          line(miner.eni, miner.ip, pool, 40000 + unsigned(m * 10 + q), port, 6, 2000 + rng.Below(500),
               2400000 + rng.Below(900000), start, start + 60, true, "subnet-" + Hex(Mix(org_.params.seed, m), 17), miner.id,
               true, 27);
          line(miner.eni, pool, miner.ip, port, 40000 + unsigned(m * 10 + q), 6, 1800 + rng.Below(500),
               900000 + rng.Below(300000), start, start + 60, true, "subnet-" + Hex(Mix(org_.params.seed, m), 17), miner.id,
               false, 27);
        }
      }
    }
    return out;
  }

  std::string DomainName(size_t rank) const {
    static const char* kTop[] = {"s3.amazonaws.com", "sts.amazonaws.com", "dynamodb.us-east-1.amazonaws.com",
                                 "sqs.us-east-1.amazonaws.com", "api.github.com", "registry.npmjs.org",
                                 "pypi.org", "files.pythonhosted.org", "ssm.us-east-1.amazonaws.com",
                                 "logs.us-east-1.amazonaws.com", "monitoring.us-east-1.amazonaws.com",
                                 "ec2messages.us-east-1.amazonaws.com", "ntp.ubuntu.com", "security.ubuntu.com",
                                 "api.datadoghq.com", "hooks.slack.com", "api.stripe.com", "sentry.io",
                                 "login.microsoftonline.com", "kms.us-east-1.amazonaws.com"};
    if (rank < 20) return kTop[rank];
    static const char* kTlds[] = {"com", "net", "io", "org", "cloud", "dev"};
    static const char* kWords[] = {"cdn", "api", "edge", "static", "img", "auth", "metrics", "events", "sync", "push"};
    uint64_t h = Mix(org_.params.seed, 0xD0, rank);
    return std::string(kWords[h % 10]) + std::to_string((h >> 8) % 100) + "." + Hex(h >> 16, 8) + "." + kTlds[(h >> 48) % 6];
  }

  std::string Dns(const NetTask& task, uint64_t& lines) {
    Rng rng(Mix(org_.params.seed, 0xD45, (uint64_t(task.account) << 40) ^ (uint64_t(task.region) << 32) ^ uint64_t(task.hour)));
    const auto& list = org_.instances_by_acct_region[task.account * org_.regions.size() + task.region];
    const std::string& acct = org_.accounts[task.account].id;
    const std::string& region = org_.regions[task.region].name;
    std::string vpc = org_.accounts[task.account].vpc_id;
    std::string out;
    out.reserve(task.lines * 420 + 256);
    auto query = [&](const std::string& src_ip, const std::string& instance, const std::string& name, int64_t t,
                     const char* qtype, const char* rcode, const std::vector<std::string>& answers, bool firewall) {
      out += "{\"version\":\"1.100000\",\"account_id\":\"" + acct + "\",\"region\":\"" + region + "\",\"vpc_id\":\"" + vpc +
             "\",\"query_timestamp\":\"" + IsoTime(t) + "\",\"query_name\":\"" + name + ".\",\"query_type\":\"" + qtype +
             "\",\"query_class\":\"IN\",\"rcode\":\"" + rcode + "\",\"answers\":[";
      for (size_t i = 0; i < answers.size(); ++i) {
        if (i) out += ",";
        out += "{\"Rdata\":\"" + answers[i] + "\",\"Type\":\"" + qtype + "\",\"Class\":\"IN\"}";
      }
      out += "],\"srcaddr\":\"" + src_ip + "\",\"srcport\":\"" + std::to_string(1024 + rng.Below(64000)) +
             "\",\"transport\":\"UDP\",\"srcids\":{\"instance\":\"" + instance + "\"}";
      if (firewall) {
        out += ",\"firewall_rule_group_id\":\"rslvr-frg-" + Hex(Mix(org_.params.seed, 0xF7), 16) +
               "\",\"firewall_rule_action\":\"ALERT\",\"firewall_domain_list_id\":\"rslvr-fdl-" +
               Hex(Mix(org_.params.seed, 0xF8), 16) + "\"";
      }
      out += "}\n";
      ++lines;
    };
    std::vector<std::string> answers;
    for (uint64_t k = 0; k < task.lines && !list.empty(); ++k) {
      const Instance& inst = org_.instances[list[rng.Below(list.size())]];
      size_t rank = domains_.Sample(rng);
      std::string name = DomainName(rank);
      int64_t t = task.hour + int64_t(rng.Below(3600));
      double u = rng.Uniform();
      const char* rcode = u < 0.95 ? "NOERROR" : u < 0.99 ? "NXDOMAIN" : "SERVFAIL";
      const char* qtype = rng.Chance(0.8) ? "A" : "AAAA";
      answers.clear();
      if (rcode[2] == 'E' && qtype[0] == 'A' && qtype[1] == 0) {
        uint64_t h = Mix(org_.params.seed, 0xA45, rank);
        int n = 1 + int(h % 3);
        for (int i = 0; i < n; ++i) answers.push_back(InternetIp(Mix(h, i)));
      } else if (rcode[2] == 'E') {
        answers.push_back("2600:1f18:" + Hex(Mix(rank, 1), 4) + ":" + Hex(Mix(rank, 2), 4) + "::" + Hex(Mix(rank, 3), 3));
      }
      query(inst.private_ip, inst.id, name, t, qtype, rcode, answers, false);
    }
    if (task.account == 1) {
      for (size_t m = 0; m < plan_.inc.miners.size(); ++m) {
        const auto& miner = plan_.inc.miners[m];
        if (miner.region != region || task.hour + 3600 <= miner.launch + 300) continue;
        int64_t t = std::max(task.hour, miner.launch + 300) + int64_t(m * 7);
        if (t >= task.hour + 3600) continue;
        for (size_t d = 0; d < plan_.inc.pool_domains.size(); ++d) {
          answers = {plan_.inc.pool_ips[d], plan_.inc.pool_ips[(d + 1) % plan_.inc.pool_ips.size()]};
          query(miner.ip, miner.id, plan_.inc.pool_domains[d], t + int64_t(d), "A", "NOERROR", answers, true);
        }
      }
    }
    return out;
  }

 private:
  const Org& org_;
  const Plan& plan_;
  const std::vector<std::vector<std::string>> aws_ips_;  // per region
  std::vector<std::vector<uint32_t>> exposed_;          // instances with a public IP, per account and region
  const Zipf& internet_;
  const Zipf& scanners_;
  const Zipf& domains_;
};

std::string AuditLog(const Org& org, const Plan& plan, size_t db_index, int day, uint64_t lines_target, uint64_t& lines) {
  const DbInstance& db = org.dbs[db_index];
  Rng rng(Mix(org.params.seed, 0xA0D17, db_index * 100 + size_t(day)));
  std::string out;
  out.reserve(lines_target * 120 + 4096);
  int64_t day_start = org.params.start + int64_t(day) * 86400;
  static const char* kUsers[] = {"app_orders", "app_orders", "app_orders", "reporting", "etl_loader", "app_billing"};
  static const char* kQueries[] = {"SELECT id, status, total FROM orders WHERE customer_id = ?",
                                   "UPDATE orders SET status = ? WHERE id = ?",
                                   "INSERT INTO order_items (order_id, sku, qty) VALUES (?, ?, ?)",
                                   "SELECT COUNT(*) FROM sessions WHERE expires_at > NOW()",
                                   "SELECT * FROM invoices WHERE period = ? LIMIT 500", "COMMIT"};
  const auto& hosts = org.instances_by_acct_region[db.account * org.regions.size() + db.region];
  uint64_t conn = 100000 + db_index * 1000000 + uint64_t(day) * 50000;
  uint64_t qid = 1;
  auto emit = [&](int64_t t_us, const char* user, const std::string& host, uint64_t c, uint64_t q, const char* op,
                  const char* database, const std::string& object, int ret) {
    char buf[512];
    int n = std::snprintf(buf, sizeof(buf), "%lld,%s,%s,%s,%llu,%llu,%s,%s,%s,%d\n", static_cast<long long>(t_us),
                          db.host.c_str(), user, host.c_str(), static_cast<unsigned long long>(c),
                          static_cast<unsigned long long>(q), op, database, object.c_str(), ret);
    out.append(buf, size_t(n));
    ++lines;
  };
  uint64_t emitted = 0;
  while (emitted < lines_target) {
    int64_t t = (day_start + int64_t(rng.Below(86400))) * 1000000 + int64_t(rng.Below(1000000));
    const char* user = kUsers[rng.Below(6)];
    std::string host = hosts.empty() ? "10.13.0.10" : org.instances[hosts[rng.Below(hosts.size())]].private_ip;
    uint64_t c = ++conn;
    emit(t, user, host, c, 0, "CONNECT", "orders", "", 0);
    int nq = 1 + int(rng.Below(6));
    for (int i = 0; i < nq; ++i) {
      t += 1000 + int64_t(rng.Below(50000));
      emit(t, user, host, c, ++qid, "QUERY", "orders", std::string("'") + kQueries[rng.Below(6)] + "'", 0);
    }
    emit(t + 200, user, host, c, 0, "DISCONNECT", "orders", "", 0);
    emitted += uint64_t(nq) + 2;
  }
  const Incidents& inc = plan.inc;
  if (db_index == 0 && day == 2) {
    int64_t t = (org.params.start + 2 * 86400 + 3 * 3600 + 30 * 60) * 1000000;
    for (int i = 0; i < inc.rds_failures; ++i) {
      t += 1200000 + int64_t(rng.Below(300000));
      emit(t, inc.rds_user.c_str(), inc.rds_ip, ++conn, 0, "FAILED_CONNECT", "", "", 1045);
    }
    uint64_t c = ++conn;
    t += 1500000;
    emit(t, inc.rds_user.c_str(), inc.rds_ip, c, 0, "CONNECT", "", "", 0);
    emit(t + 90000, inc.rds_user.c_str(), inc.rds_ip, c, ++qid, "QUERY", "", "'SHOW DATABASES'", 0);
    emit(t + 410000, inc.rds_user.c_str(), inc.rds_ip, c, ++qid, "QUERY", "orders", "'SELECT * FROM customers'", 0);
    emit(t + 9000000, inc.rds_user.c_str(), inc.rds_ip, c, 0, "DISCONNECT", "orders", "", 0);
  }
  return out;
}

// ---------------------------------------------------------------- findings and answer key

std::string FindingJson(const Org& org, const std::string& id, const std::string& type, double severity,
                        const std::string& title, uint32_t account, const std::string& region, int64_t first, int64_t last,
                        const std::string& resource, const std::string& action) {
  const std::string& acct = org.accounts[account].id;
  return "{\"schemaVersion\":\"2.0\",\"accountId\":\"" + acct + "\",\"region\":\"" + region +
         "\",\"partition\":\"aws\",\"id\":\"" + id + "\",\"arn\":\"arn:aws:guardduty:" + region + ":" + acct + ":detector/" +
         Hex(Mix(org.params.seed, 0xDE7), 32) + "/finding/" + id + "\",\"type\":\"" + type + "\",\"resource\":" + resource +
         ",\"service\":{\"serviceName\":\"guardduty\",\"detectorId\":\"" + Hex(Mix(org.params.seed, 0xDE7), 32) +
         "\",\"action\":" + action + ",\"resourceRole\":\"TARGET\",\"additionalInfo\":{\"value\":\"{}\",\"type\":\"default\"}," +
         "\"eventFirstSeen\":\"" + IsoTime(first) + "\",\"eventLastSeen\":\"" + IsoTime(last) +
         "\",\"archived\":false,\"count\":" + std::to_string(3 + (last - first) / 600) + "},\"severity\":" +
         std::to_string(severity) + ",\"createdAt\":\"" + IsoTime(first + 300) + "\",\"updatedAt\":\"" + IsoTime(last + 300) +
         "\",\"title\":\"" + title + "\",\"description\":\"" + title + ".\"}";
}

struct Output {
  std::string findings[3];
  uint32_t finding_account[3];
  std::string finding_region[3];
  int64_t finding_time[3];
};

void BuildFindings(const Org& org, const Plan& plan, Output& o) {
  const Incidents& inc = plan.inc;
  const auto& m0 = inc.miners[0];
  std::string res = "{\"resourceType\":\"Instance\",\"instanceDetails\":{\"instanceId\":\"" + m0.id +
                    "\",\"instanceType\":\"c5.4xlarge\",\"iamInstanceProfile\":{\"arn\":\"" + inc.instance_profile_arn +
                    "\",\"id\":\"" + AwsId("AIPA", 1) + "\"},\"networkInterfaces\":[{\"networkInterfaceId\":\"" + m0.eni +
                    "\",\"privateIpAddress\":\"" + m0.ip + "\",\"subnetId\":\"subnet-0a1b\",\"vpcId\":\"vpc-0a1b\"}]," +
                    "\"instanceState\":\"running\",\"availabilityZone\":\"us-east-1a\",\"launchTime\":\"" + IsoTime(m0.launch) + "\"}}";
  std::string act = "{\"actionType\":\"DNS_REQUEST\",\"dnsRequestAction\":{\"domain\":\"" + inc.pool_domains[0] +
                    "\",\"protocol\":\"UDP\",\"blocked\":false}}";
  o.findings[0] = FindingJson(org, inc.finding_mining, "CryptoCurrency:EC2/BitcoinTool.B!DNS", 8,
                              "The EC2 instance " + m0.id + " is querying a domain name that is associated with Bitcoin-related activity",
                              1, m0.region, m0.launch + 300, m0.launch + 7200, res, act);
  o.finding_account[0] = 1;
  o.finding_region[0] = m0.region;
  o.finding_time[0] = m0.launch + 300;

  int64_t t2 = org.params.start + 2 * 86400 + 14 * 3600 + 5 * 60;
  res = "{\"resourceType\":\"AccessKey\",\"accessKeyDetails\":{\"accessKeyId\":\"" + inc.exfil_key +
        "\",\"principalId\":\"" + inc.exfil_session_arn.substr(inc.exfil_session_arn.rfind('/') + 1) +
        "\",\"userName\":\"" + inc.exfil_role_arn.substr(inc.exfil_role_arn.rfind('/') + 1) + "\",\"userType\":\"AssumedRole\"}}";
  act = "{\"actionType\":\"AWS_API_CALL\",\"awsApiCallAction\":{\"api\":\"GetObject\",\"serviceName\":\"s3.amazonaws.com\","
        "\"callerType\":\"Remote IP\",\"remoteIpDetails\":{\"ipAddressV4\":\"" + inc.exfil_ip +
        "\",\"organization\":{\"asn\":\"48693\",\"asnOrg\":\"Rices Privately owned enterprise\",\"isp\":\"Rices\",\"org\":\"Rices\"},"
        "\"country\":{\"countryName\":\"Ukraine\"},\"city\":{\"cityName\":\"Kyiv\"},\"geoLocation\":{\"lat\":50.45,\"lon\":30.52}}}}";
  o.findings[1] = FindingJson(org, inc.finding_exfil, "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS", 8,
                              "Credentials for the EC2 instance " + inc.exfil_instance + " were used from a remote AWS account",
                              1, "us-east-1", t2, t2 + 400, res, act);
  o.finding_account[1] = 1;
  o.finding_region[1] = "us-east-1";
  o.finding_time[1] = t2;

  int64_t t3 = org.params.start + 2 * 86400 + 3 * 3600 + 30 * 60;
  res = "{\"resourceType\":\"RDSDBInstance\",\"rdsDbInstanceDetails\":{\"dbInstanceIdentifier\":\"" + inc.rds_db +
        "\",\"engine\":\"AuroraMySQL\",\"engineVersion\":\"3.05.2\",\"dbClusterIdentifier\":\"" + inc.rds_db +
        "-cluster\"},\"rdsDbUserDetails\":{\"user\":\"" + inc.rds_user + "\",\"application\":\"\",\"database\":\"\",\"ssl\":\"\",\"authMethod\":\"PASSWORD\"}}";
  act = "{\"actionType\":\"RDS_LOGIN_ATTEMPT\",\"rdsLoginAttemptAction\":{\"remoteIpDetails\":{\"ipAddressV4\":\"" + inc.rds_ip +
        "\",\"organization\":{\"asn\":135377,\"asnOrg\":\"UCLOUD INFORMATION TECHNOLOGY HK LIMITED\",\"isp\":\"UCloud\",\"org\":\"UCloud\"},"
        "\"country\":{\"countryName\":\"Hong Kong\"}},\"LoginAttributes\":[{\"user\":\"" + inc.rds_user +
        "\",\"application\":\"mysql\",\"failedLoginAttempts\":" + std::to_string(inc.rds_failures) + ",\"successfulLoginAttempts\":1}]}}";
  o.findings[2] = FindingJson(org, inc.finding_rds, "CredentialAccess:RDS/AnomalousBehavior.SuccessfulBruteForce", 8,
                              "A user successfully logged in to " + inc.rds_db + " after a brute force attempt", 3,
                              "us-east-1", t3, t3 + 1100, res, act);
  o.finding_account[2] = 3;
  o.finding_region[2] = "us-east-1";
  o.finding_time[2] = t3;
}

std::string Ref(const char* kind, const std::string& key) {
  return "{\"kind\":\"" + std::string(kind) + "\",\"key\":\"" + key + "\"}";
}

std::string AnswerKey(const Org& org, const Plan& plan, const Options& opt) {
  const Incidents& inc = plan.inc;
  std::string miners, miner_regions;
  for (const auto& m : inc.miners) {
    if (!miners.empty()) miners += ",";
    miners += Ref("ec2_instance", m.id);
  }
  std::string pools, domains;
  for (const auto& ip : inc.pool_ips) pools += (pools.empty() ? "" : ",") + Ref("ip_address", ip);
  for (const auto& d : inc.pool_domains) domains += (domains.empty() ? "" : ",") + Ref("domain", d);
  std::string o = "{\n\"generator\":\"gumshoe_bench_gen\",\"seed\":" + std::to_string(org.params.seed) +
                  ",\"events\":" + std::to_string(org.params.events) + ",\"days\":" + std::to_string(org.params.days) +
                  ",\"start\":\"" + IsoTime(org.params.start) + "\",\"end\":\"" + IsoTime(org.end()) + "\",\n";
  o += "\"accounts\":[";
  for (size_t i = 0; i < org.accounts.size(); ++i)
    o += (i ? "," : "") + std::string("{\"id\":\"") + org.accounts[i].id + "\",\"alias\":\"" + org.accounts[i].alias + "\"}";
  o += "],\n\"incidents\":[\n";
  // 1. coin mining.
  o += "{\"name\":\"coin_mining\",\"summary\":\"leaked key of svc-ci-legacy -> CreateUser backup-admin -> CreateAccessKey -> "
       "AssumeRole ec2-fleet-manager -> RunInstances in 3 regions -> mining DNS and flows -> GuardDuty BitcoinTool.B!DNS\","
       "\"leaked_key\":\"" + inc.leaked_key + "\",\"leaked_user\":\"" + inc.leaked_user_arn + "\",\"attacker_ips\":[\"" +
       inc.attacker_ip + "\",\"" + inc.attacker_ip2 + "\"],\"created_user\":\"" + inc.created_user_arn +
       "\",\"created_key\":\"" + inc.created_key + "\",\"session\":\"" + inc.session_arn + "\",\"session_key\":\"" +
       inc.session_key + "\",\"regions\":[\"us-east-1\",\"eu-west-1\",\"ap-northeast-1\"],\"finding\":\"" +
       inc.finding_mining + "\",\n\"checks\":[\n";
  o += "{\"check\":\"entity\",\"entity\":" + Ref("access_key", inc.created_key) + "},\n";
  o += "{\"check\":\"entity\",\"entity\":" + Ref("finding", inc.finding_mining) + "},\n";
  o += "{\"check\":\"pivot\",\"from\":" + Ref("finding", inc.finding_mining) + ",\"must_reach\":[" +
       Ref("ec2_instance", inc.miners[0].id) + "]},\n";
  o += "{\"check\":\"pivot\",\"from\":" + Ref("ec2_instance", inc.miners[0].id) + ",\"must_reach\":[" + Ref("domain", inc.pool_domains[0]) +
       "," + Ref("ip_address", inc.pool_ips[0]) + "," + Ref("iam_role", inc.instance_role_arn) + "]},\n";
  o += "{\"check\":\"pivot\",\"from\":" + Ref("role_session", inc.session_arn) + ",\"must_reach\":[" + miners + "]},\n";
  o += "{\"check\":\"lineage\",\"from\":" + Ref("access_key", inc.session_key) + ",\"must_reach\":[" +
       Ref("access_key", inc.created_key) + "," + Ref("iam_user", inc.leaked_user_arn) + "]},\n";
  o += "{\"check\":\"blast_radius\",\"from\":" + Ref("access_key", inc.leaked_key) + ",\"depth\":8,\"must_reach\":[" +
       Ref("iam_user", inc.created_user_arn) + "," + Ref("access_key", inc.created_key) + "," + miners + "]}\n";
  o += "]},\n";
  // 2. S3 exfiltration.
  o += "{\"name\":\"s3_exfiltration\",\"summary\":\"instance-profile credentials of " + inc.exfil_instance +
       " used from " + inc.exfil_ip + " outside AWS to list and read " + std::to_string(inc.exfil_objects) + " objects of " +
       inc.exfil_bucket + "\",\"instance\":\"" + inc.exfil_instance + "\",\"session\":\"" + inc.exfil_session_arn +
       "\",\"key\":\"" + inc.exfil_key + "\",\"remote_ip\":\"" + inc.exfil_ip + "\",\"bucket\":\"" + inc.exfil_bucket +
       "\",\"finding\":\"" + inc.finding_exfil + "\",\n\"checks\":[\n";
  o += "{\"check\":\"entity\",\"entity\":" + Ref("finding", inc.finding_exfil) + "},\n";
  o += "{\"check\":\"pivot\",\"from\":" + Ref("ip_address", inc.exfil_ip) + ",\"must_reach\":[" +
       Ref("role_session", inc.exfil_session_arn) + "]},\n";
  o += "{\"check\":\"pivot\",\"from\":" + Ref("role_session", inc.exfil_session_arn) + ",\"must_reach\":[" +
       Ref("s3_bucket", inc.exfil_bucket) + "," + Ref("ip_address", inc.exfil_ip) + "]},\n";
  o += "{\"check\":\"lineage\",\"from\":" + Ref("access_key", inc.exfil_key) + ",\"must_reach\":[" +
       Ref("ec2_instance", inc.exfil_instance) + "],\"flags_any\":[\"used_outside_aws\",\"used_from_new_ip\"]},\n";
  o += "{\"check\":\"blast_radius\",\"from\":" + Ref("role_session", inc.exfil_session_arn) + ",\"depth\":3,\"must_reach\":[" +
       Ref("s3_bucket", inc.exfil_bucket) + "]}\n";
  o += "]},\n";
  // 3. RDS brute force.
  o += "{\"name\":\"rds_brute_force\",\"summary\":\"" + std::to_string(inc.rds_failures) + " failed logins as " +
       inc.rds_user + " to " + inc.rds_db + " from " + inc.rds_ip + ", then a successful login and SELECT * FROM customers\","
       "\"db_instance\":\"" + inc.rds_db + "\",\"db_user\":\"" + inc.rds_db + "/" + inc.rds_user + "\",\"remote_ip\":\"" +
       inc.rds_ip + "\",\"failures\":" + std::to_string(inc.rds_failures) + ",\"finding\":\"" + inc.finding_rds +
       "\",\n\"checks\":[\n";
  o += "{\"check\":\"entity\",\"entity\":" + Ref("db_user", inc.rds_db + "/" + inc.rds_user) + "},\n";
  o += "{\"check\":\"edge\",\"src\":" + Ref("ip_address", inc.rds_ip) + ",\"edge\":\"db_login\",\"dst\":" +
       Ref("db_user", inc.rds_db + "/" + inc.rds_user) + ",\"min_failure\":" + std::to_string(inc.rds_failures) +
       ",\"min_success\":1},\n";
  o += "{\"check\":\"pivot\",\"from\":" + Ref("finding", inc.finding_rds) + ",\"must_reach\":[" + Ref("ip_address", inc.rds_ip) + "]}\n";
  o += "]}\n]}\n";
  (void)opt;
  (void)pools;
  (void)domains;
  (void)miner_regions;
  return o;
}

// ---------------------------------------------------------------- main

int Run(const Options& opt) {
  auto t0 = std::chrono::steady_clock::now();
  g_slot_seconds = std::clamp<int64_t>(int64_t(300.0 * 1e6 / double(std::max<uint64_t>(1, opt.org.events))) / 300 * 300,
                                       300, 3600);
  Org org = Org::Build(opt.org);
  Plan plan = BuildPlan(org);
  Counters c;
  const std::string out = opt.out;
  fs::create_directories(out);

  // Network tasks: one file per (account, region, hour) with instances there.
  const uint64_t flow_total = uint64_t(double(opt.org.events) * opt.flow_ratio);
  const uint64_t dns_total = uint64_t(double(opt.org.events) * opt.dns_ratio);
  std::vector<NetTask> net;
  std::vector<double> w;
  double wsum = 0;
  for (uint32_t a = 1; a < 4; ++a)
    for (uint32_t g = 0; g < org.regions.size(); ++g) {
      size_t n = org.instances_by_acct_region[a * org.regions.size() + g].size();
      if (n == 0) continue;
      for (int64_t h = org.params.start; h < org.end(); h += 3600) {
        net.push_back(NetTask{a, g, h, 0});
        w.push_back(double(n) * Diurnal(h));
        wsum += w.back();
      }
    }
  std::vector<NetTask> dns = net;
  {
    double cum = 0;
    uint64_t given_f = 0, given_d = 0;
    for (size_t i = 0; i < net.size(); ++i) {
      cum += w[i];
      uint64_t uf = uint64_t(std::llround(double(flow_total) * cum / wsum));
      uint64_t ud = uint64_t(std::llround(double(dns_total) * cum / wsum));
      net[i].lines = uf - given_f;
      dns[i].lines = ud - given_d;
      given_f = uf;
      given_d = ud;
    }
  }
  Zipf internet(std::max<size_t>(2000, flow_total / 400), 1.1);
  Zipf scanners(kScannerPool, kScannerSkew);
  Zipf domains(std::max<size_t>(2000, dns_total / 300), 1.0);
  NetWriter netw(org, plan, internet, scanners, domains);

  const uint64_t audit_total = uint64_t(double(opt.org.events) * opt.audit_ratio);
  const size_t n_audit = org.dbs.size() * size_t(org.params.days);

  const size_t n_ct = plan.files.size();
  const size_t n_tasks = n_ct + net.size() + dns.size() + n_audit;
  std::atomic<size_t> next{0};
  auto worker = [&] {
    libdeflate_compressor* gz = libdeflate_alloc_compressor(opt.gzip_level);
    for (;;) {
      size_t i = next.fetch_add(1);
      if (i >= n_tasks || c.failed) break;
      if (i < n_ct) {
        const CtFile& f = plan.files[i];
        if (f.quota + f.sched.size() == 0) continue;
        uint64_t records = 0;
        CtWriter wr(org, plan, f, i);
        std::string body = wr.Build(records);
        const std::string& acct = org.accounts[f.account].id;
        const std::string& region = org.regions[f.region].name;
        int64_t delivered = f.slot + g_slot_seconds;
        std::string path = out + "/AWSLogs/" + acct + "/CloudTrail/" + region + "/" + DatePath(f.slot) + "/" + acct +
                           "_CloudTrail_" + region + "_" + CompactTime(delivered) + "_" + Rand16(Mix(org.params.seed, i)) +
                           ".json.gz";
        if (!WriteFile(path, body, gz)) c.failed = true;
        c.ct_events += records;
        c.ct_files += 1;
        c.ct_raw_bytes += body.size();
        c.ct_bytes += fs::file_size(path);
        continue;
      }
      i -= n_ct;
      if (i < net.size()) {
        const NetTask& t = net[i];
        uint64_t lines = 0;
        std::string body = netw.Flows(t, lines);
        if (lines == 0) continue;
        const std::string& acct = org.accounts[t.account].id;
        const std::string& region = org.regions[t.region].name;
        std::string path = out + "/AWSLogs/" + acct + "/vpcflowlogs/" + region + "/" + DatePath(t.hour) + "/" + acct +
                           "_vpcflowlogs_" + region + "_fl-" + Hex(Mix(org.params.seed, t.account), 17) + "_" +
                           CompactTime(t.hour + 3600) + "_" + Hex(Mix(org.params.seed, 0xF1, i), 8) + ".log.gz";
        if (!WriteFile(path, body, gz)) c.failed = true;
        c.flow_lines += lines;
        c.flow_files += 1;
        c.flow_raw_bytes += body.size();
        c.flow_bytes += fs::file_size(path);
        continue;
      }
      i -= net.size();
      if (i < dns.size()) {
        const NetTask& t = dns[i];
        uint64_t lines = 0;
        std::string body = netw.Dns(t, lines);
        if (lines == 0) continue;
        const std::string& acct = org.accounts[t.account].id;
        const std::string& region = org.regions[t.region].name;
        const std::string& vpc = org.accounts[t.account].vpc_id;
        std::string path = out + "/AWSLogs/" + acct + "/vpcdnsquerylogs/" + vpc + "/" + DatePath(t.hour) + "/" + vpc +
                           "_vpcdnsquerylogs_" + acct + "_" + region + "_" + CompactTime(t.hour + 3600) + "_" +
                           Hex(Mix(org.params.seed, 0xD1, i), 8) + ".log.gz";
        if (!WriteFile(path, body, gz)) c.failed = true;
        c.dns_lines += lines;
        c.dns_files += 1;
        c.dns_bytes += fs::file_size(path);
        continue;
      }
      i -= dns.size();
      size_t db = i / size_t(org.params.days);
      int day = int(i % size_t(org.params.days));
      uint64_t lines = 0;
      std::string body = AuditLog(org, plan, db, day, audit_total / n_audit, lines);
      std::string path = out + "/rds/aws/rds/instance/" + org.dbs[db].id + "/audit/audit.log." + std::to_string(day);
      if (!WriteFile(path, body, nullptr)) c.failed = true;
      c.audit_lines += lines;
      c.audit_files += 1;
      c.audit_bytes += body.size();
    }
    libdeflate_free_compressor(gz);
  };
  std::vector<std::thread> threads;
  for (int j = 0; j < std::max(1, opt.jobs); ++j) threads.emplace_back(worker);
  for (auto& t : threads) t.join();
  if (c.failed) {
    std::fprintf(stderr, "gumshoe_bench_gen: writing under %s failed\n", out.c_str());
    return 1;
  }

  Output fo;
  BuildFindings(org, plan, fo);
  libdeflate_compressor* gz = libdeflate_alloc_compressor(opt.gzip_level);
  for (int k = 0; k < 3; ++k) {
    const std::string& acct = org.accounts[fo.finding_account[k]].id;
    std::string path = out + "/AWSLogs/" + acct + "/GuardDuty/" + fo.finding_region[k] + "/" + DatePath(fo.finding_time[k]) +
                       "/" + Guid(org.params.seed, 0x6D0 + k) + ".jsonl.gz";
    if (!WriteFile(path, fo.findings[k] + "\n", gz)) return 1;
    c.findings += 1;
  }
  libdeflate_free_compressor(gz);
  if (!WriteFile(out + "/answer_key.json", AnswerKey(org, plan, opt), nullptr)) return 1;
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  char manifest[2048];
  std::snprintf(manifest, sizeof(manifest),
                "{\"seed\":%llu,\"events\":%llu,\"days\":%d,\n"
                "\"cloudtrail\":{\"files\":%llu,\"records\":%llu,\"bytes_gz\":%llu,\"bytes_json\":%llu},\n"
                "\"vpc_flow\":{\"files\":%llu,\"lines\":%llu,\"bytes_gz\":%llu,\"bytes_text\":%llu},\n"
                "\"route53\":{\"files\":%llu,\"lines\":%llu,\"bytes_gz\":%llu},\n"
                "\"mysql_audit\":{\"files\":%llu,\"lines\":%llu,\"bytes\":%llu},\n"
                "\"guardduty\":{\"files\":3,\"findings\":%llu},\n"
                "\"entities\":{\"accounts\":%zu,\"users\":%zu,\"roles\":%zu,\"instances\":%zu,\"lambdas\":%zu,"
                "\"buckets\":%zu,\"api_names\":%zu},\"seconds\":%.1f}\n",
                static_cast<unsigned long long>(opt.org.seed), static_cast<unsigned long long>(opt.org.events),
                opt.org.days, (unsigned long long)c.ct_files.load(), (unsigned long long)c.ct_events.load(),
                (unsigned long long)c.ct_bytes.load(), (unsigned long long)c.ct_raw_bytes.load(),
                (unsigned long long)c.flow_files.load(), (unsigned long long)c.flow_lines.load(),
                (unsigned long long)c.flow_bytes.load(), (unsigned long long)c.flow_raw_bytes.load(),
                (unsigned long long)c.dns_files.load(), (unsigned long long)c.dns_lines.load(),
                (unsigned long long)c.dns_bytes.load(), (unsigned long long)c.audit_files.load(),
                (unsigned long long)c.audit_lines.load(), (unsigned long long)c.audit_bytes.load(),
                (unsigned long long)c.findings.load(), org.accounts.size(), org.users.size(), org.roles.size(),
                org.instances.size(), org.lambdas.size(), org.buckets.size(), org.apis.size(), secs);
  if (!WriteFile(out + "/manifest.json", manifest, nullptr)) return 1;
  std::fputs(manifest, stdout);
  return 0;
}

uint64_t ParseSize(const std::string& s) {
  double v = std::strtod(s.c_str(), nullptr);
  char suffix = s.empty() ? 0 : s.back();
  if (suffix == 'k' || suffix == 'K') v *= 1e3;
  if (suffix == 'm' || suffix == 'M') v *= 1e6;
  return uint64_t(v);
}

}  // namespace
}  // namespace gumshoe::bench

int main(int argc, char** argv) {
  using gumshoe::bench::Options;
  Options opt;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto val = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "missing value for %s\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--out") opt.out = val();
    else if (a == "--events") opt.org.events = gumshoe::bench::ParseSize(val());
    else if (a == "--seed") opt.org.seed = std::strtoull(val().c_str(), nullptr, 10);
    else if (a == "--days") opt.org.days = std::atoi(val().c_str());
    else if (a == "--jobs") opt.jobs = std::atoi(val().c_str());
    else if (a == "--flow-ratio") opt.flow_ratio = std::strtod(val().c_str(), nullptr);
    else if (a == "--dns-ratio") opt.dns_ratio = std::strtod(val().c_str(), nullptr);
    else if (a == "--audit-ratio") opt.audit_ratio = std::strtod(val().c_str(), nullptr);
    else if (a == "--gzip-level") opt.gzip_level = std::atoi(val().c_str());
    else {
      std::fprintf(stderr,
                   "usage: gumshoe_bench_gen --out DIR [--events N|1m|10m] [--seed S] [--days D] [--jobs J]\n"
                   "       [--flow-ratio R] [--dns-ratio R] [--audit-ratio R] [--gzip-level L]\n");
      return 2;
    }
  }
  if (opt.out.empty() || opt.org.events == 0 || opt.org.days < 3) {
    std::fprintf(stderr, "gumshoe_bench_gen: --out is required, --events > 0, --days >= 3\n");
    return 2;
  }
  return gumshoe::bench::Run(opt);
}
