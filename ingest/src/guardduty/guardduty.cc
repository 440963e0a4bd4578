// GuardDuty findings -> graph.
//
// Input: a single finding, arrays and `{"Findings":[...]}` (split by the
// framework, or found inside a record), EventBridge envelopes (`detail`), JSON
// lines from the S3 export, Panther's `_log` wrapper.
//
// The finding entity (kind finding, key = the finding `id`) gets attrs type,
// title, severity, severity_band (low < 4.0 <= medium < 7.0 <= high < 9.0 <=
// critical), account, region, count, created_at, updated_at, first_seen,
// last_seen (eventFirstSeen/eventLastSeen), resource_type, resource_role,
// action_type, arn, threat_name; every attr is observed at `updatedAt`, so
// the newest update of a finding wins whatever the ingest order. The entity is
// touched at eventFirstSeen and eventLastSeen (and, through the attrs, at
// updatedAt). Record identity = id + "|" + updatedAt: re-ingesting the same
// version is a duplicate; an update refreshes the attrs and adds one more
// observation to each involves edge; it does not create a second finding.
//
// finding -involves-> each entity the finding names, one edge per entity per
// record. Counters on that edge:
//   role:<role>   what the entity is to the finding: resource (the affected
//                 instance, access key, Lambda), interface, local (the
//                 resource's own IPs), actor (principal of the access key, DB
//                 user of the resource), target (bucket, RDS instance, EKS
//                 cluster, DB users tried by remote logins), remote (remote
//                 IPs, domains and accounts of the action), api, user_agent,
//                 affected (affectedResources), execution_role, threat_list;
//   foothold      > 0 on the entities that are compromised or acting for the
//                 attacker: the instance, the access key, the principal it
//                 belongs to, the DB user of rdsDbUserDetails, the Lambda
//                 function and its execution role. Blast radius starts there.
// Other edges: ec2_instance -has_interface-> network_interface,
// network_interface -assigned_ip-> private/public/IPv6 addresses,
// access_key -credential_of-> iam_user (userType IAMUser),
// db_user -db_user_of-> rds_instance. Remote IPs get attrs asn (number or
// string in the input), asn_org, isp, org, country, city, ip_class.
// The instance-profile ARN is kept as attr instance_profile_arn on the
// instance (the role behind a profile is only known from CloudTrail).
//
// Reject reasons: not_an_object, missing_id, bad_id, missing_type,
// missing_time, bad_time.
#include <cstdio>
#include <map>
#include <set>
#include <string>

#include "gumshoe/normalize.h"
#include "gumshoe/time_util.h"
#include "json_util.h"
#include "registry.h"
#include "vpc_flow/net_common.h"

namespace gumshoe::ingest {
namespace {

// Bounds on lists taken from one finding.
constexpr size_t kMaxListItems = 256;
constexpr size_t kMaxInvolved = 1024;
constexpr size_t kMaxFindingsPerRecord = 100000;

struct Involvement {
  std::set<std::string> roles;
  bool foothold = false;
};

std::string_view SeverityBand(double s) {
  if (s < 4.0) return "low";
  if (s < 7.0) return "medium";
  if (s < 9.0) return "high";
  return "critical";
}

std::string Truncated(std::string_view s) {
  return std::string(s.substr(0, kMaxAttrValueBytes));
}

// Collects what one finding says, then writes it.
class FindingEmitter {
 public:
  FindingEmitter(const JsonValue& f, RecordContext& ctx, EntityRef finding, Timestamp updated, Timestamp last)
      : f_(f), ctx_(ctx), delta_(ctx.delta()), finding_(std::move(finding)), updated_(updated), last_(last) {
    evidence_ = "guardduty:" + finding_.key;
    partition_ = std::string(Str(Member(f, "partition")).value_or("aws"));
    account_ = std::string(Str(Member(f, "accountId")).value_or(""));
  }

  void Run() {
    const JsonValue* resource = Obj(Member(f_, "resource"));
    Instance(Obj(Member(resource, "instanceDetails")));
    AccessKey(Obj(Member(resource, "accessKeyDetails")));
    if (const JsonValue* buckets = Arr(Member(resource, "s3BucketDetails"))) {
      size_t n = 0;
      for (const JsonValue& b : buckets->GetArray()) {
        if (++n > kMaxListItems) break;
        if (auto name = Str(Member(b, "name"))) Involve(net::MakeRef(EntityKind::kS3Bucket, *name), "target", false);
      }
    }
    Rds(resource);
    if (const JsonValue* lambda = Obj(Member(resource, "lambdaDetails"))) {
      if (auto arn = Str(Member(lambda, "functionArn"))) {
        Involve(net::MakeRef(EntityKind::kLambdaFunction, *arn), "resource", true);
      }
      if (auto role = Str(Member(lambda, "role"))) Involve(net::PrincipalFromArn(*role), "execution_role", true);
    }
    if (const JsonValue* eks = Obj(Member(resource, "eksClusterDetails"))) {
      if (auto name = Str(Member(eks, "name"))) Involve(net::MakeRef(EntityKind::kEksCluster, *name), "target", false);
    }
    Action(Obj(Path(f_, "service.action")));
    ThreatLists();
    Write();
  }

 private:
  void Involve(const std::optional<EntityRef>& ref, std::string_view role, bool foothold) {
    if (!ref) return;
    auto it = involved_.find(*ref);
    if (it == involved_.end()) {
      if (involved_.size() >= kMaxInvolved) {
        ctx_.Anomaly("too_many_entities");
        return;
      }
      it = involved_.emplace(*ref, Involvement{}).first;
    }
    it->second.roles.emplace(role);
    it->second.foothold |= foothold;
  }

  EdgeObservation Obs() const { return EdgeObservation{last_, 0, evidence_, 1}; }

  std::optional<EntityRef> Ip(const JsonValue* v, std::string_view role) {
    std::optional<std::string_view> text = Str(v);
    if (!text) return std::nullopt;
    std::optional<net::IpEntity> ip = net::ParseIpEntity(*text);
    if (!ip) {
      ctx_.Anomaly("bad_ip");
      return std::nullopt;
    }
    if (ip->leading_zero) ctx_.Anomaly("leading_zero_ip");
    net::EmitIp(delta_, *ip, last_);
    Involve(ip->ref, role, false);
    return ip->ref;
  }

  void RemoteIp(const JsonValue* details) {
    if (details == nullptr) return;
    std::optional<EntityRef> ip = Ip(Member(details, "ipAddressV4"), "remote");
    if (!ip) ip = Ip(Member(details, "ipAddressV6"), "remote");
    if (!ip) return;
    const JsonValue* org = Obj(Member(details, "organization"));
    auto attr = [&](std::string_view name, const JsonValue* v) {
      std::optional<std::string> text = ScalarText(v);
      if (text && !text->empty()) delta_.SetAttr(*ip, name, Truncated(*text), updated_);
    };
    attr("asn", Member(org, "asn"));
    attr("asn_org", Member(org, "asnOrg"));
    attr("isp", Member(org, "isp"));
    attr("org", Member(org, "org"));
    const JsonValue* country = Member(details, "country");
    attr("country", Member(country, "countryCode") != nullptr ? Member(country, "countryCode")
                                                               : Member(country, "countryName"));
    attr("city", Path(details, "city.cityName"));
  }

  void LocalIp(const JsonValue* details) {
    if (details == nullptr) return;
    Ip(Member(details, "ipAddressV4"), "local");
    Ip(Member(details, "ipAddressV6"), "local");
  }

  void Instance(const JsonValue* inst) {
    if (inst == nullptr) return;
    std::optional<EntityRef> instance;
    if (auto id = Str(Member(inst, "instanceId"))) instance = net::MakeRef(EntityKind::kEc2Instance, *id);
    Involve(instance, "resource", true);
    if (instance) {
      for (auto [json, attr] : {std::pair{"instanceType", "instance_type"}, std::pair{"imageId", "image_id"},
                                std::pair{"availabilityZone", "availability_zone"},
                                std::pair{"iamInstanceProfile.arn", "instance_profile_arn"}}) {
        if (auto value = StrAt(*inst, json)) delta_.SetAttr(*instance, attr, Truncated(*value), updated_);
      }
      if (!account_.empty()) delta_.SetAttr(*instance, "account", account_, updated_);
    }
    const JsonValue* enis = Arr(Member(inst, "networkInterfaces"));
    if (enis == nullptr) return;
    size_t n = 0;
    for (const JsonValue& e : enis->GetArray()) {
      if (++n > kMaxListItems) break;
      std::optional<EntityRef> eni;
      if (auto id = Str(Member(e, "networkInterfaceId"))) eni = net::MakeRef(EntityKind::kNetworkInterface, *id);
      Involve(eni, "interface", false);
      if (eni && instance) delta_.AddEdge(*instance, EdgeKind::kHasInterface, *eni, Obs());
      auto assign = [&](const std::optional<EntityRef>& ip) {
        if (ip && eni) delta_.AddEdge(*eni, EdgeKind::kAssignedIp, *ip, Obs());
      };
      assign(Ip(Member(e, "privateIpAddress"), "local"));
      assign(Ip(Member(e, "publicIp"), "local"));
      if (const JsonValue* list = Arr(Member(e, "privateIpAddresses"))) {
        size_t m = 0;
        for (const JsonValue& p : list->GetArray()) {
          if (++m > kMaxListItems) break;
          assign(Ip(Member(p, "privateIpAddress"), "local"));
        }
      }
      if (const JsonValue* list = Arr(Member(e, "ipv6Addresses"))) {
        size_t m = 0;
        for (const JsonValue& p : list->GetArray()) {
          if (++m > kMaxListItems) break;
          assign(Ip(&p, "local"));
        }
      }
    }
  }

  void AccessKey(const JsonValue* key_details) {
    if (key_details == nullptr) return;
    std::optional<EntityRef> key;
    if (auto id = Str(Member(key_details, "accessKeyId"))) key = net::MakeRef(EntityKind::kAccessKey, *id);
    Involve(key, "resource", true);
    std::optional<std::string_view> user = Str(Member(key_details, "userName"));
    std::optional<std::string_view> type = Str(Member(key_details, "userType"));
    if (!type || account_.empty()) return;
    std::optional<EntityRef> principal;
    std::string prefix = "arn:" + partition_ + ":";
    if (*type == "Root") {
      principal = net::MakeRef(EntityKind::kAccount, account_);
    } else if (user && *type == "IAMUser") {
      principal = net::MakeRef(EntityKind::kIamUser, prefix + "iam::" + account_ + ":user/" + std::string(*user));
    } else if (user && *type == "AssumedRole") {
      principal = net::MakeRef(EntityKind::kIamRole, prefix + "iam::" + account_ + ":role/" + std::string(*user));
    } else if (user && *type == "FederatedUser") {
      principal = net::MakeRef(EntityKind::kFederatedUser,
                               prefix + "sts::" + account_ + ":federated-user/" + std::string(*user));
    }
    Involve(principal, "actor", true);
    if (key && principal && *type == "IAMUser") delta_.AddEdge(*key, EdgeKind::kCredentialOf, *principal, Obs());
  }

  void Rds(const JsonValue* resource) {
    const JsonValue* db = Obj(Member(resource, "rdsDbInstanceDetails"));
    if (auto id = Str(Member(db, "dbInstanceIdentifier"))) rds_ = net::MakeRef(EntityKind::kRdsInstance, *id);
    Involve(rds_, "target", false);
    if (auto cluster = Str(Member(db, "dbClusterIdentifier"))) {
      Involve(net::MakeRef(EntityKind::kRdsInstance, *cluster), "target", false);
    }
    if (auto user = StrAt(resource ? *resource : f_, "rdsDbUserDetails.user")) DbUser(*user, "actor", true);
  }

  void DbUser(std::string_view user, std::string_view role, bool foothold) {
    if (!rds_) return;
    std::optional<EntityRef> db_user = net::MakeRef(EntityKind::kDbUser, rds_->key + "/" + std::string(user));
    Involve(db_user, role, foothold);
    if (db_user) delta_.AddEdge(*db_user, EdgeKind::kDbUserOf, *rds_, Obs());
  }

  void Action(const JsonValue* action) {
    if (action == nullptr) return;
    if (auto type = Str(Member(action, "actionType"))) delta_.SetAttr(finding_, "action_type", *type, updated_);
    if (const JsonValue* api = Obj(Member(action, "awsApiCallAction"))) {
      RemoteIp(Obj(Member(api, "remoteIpDetails")));
      if (auto domain = StrAt(*api, "domainDetails.domain")) {
        Involve(net::MakeRef(EntityKind::kDomain, *domain), "remote", false);
      }
      if (auto acct = StrAt(*api, "remoteAccountDetails.accountId")) {
        Involve(net::MakeRef(EntityKind::kAccount, *acct), "remote", false);
      }
      auto name = Str(Member(api, "api"));
      auto service = Str(Member(api, "serviceName"));
      if (name && service) {
        Involve(net::MakeRef(EntityKind::kApiCall, std::string(*service) + ":" + std::string(*name)), "api", false);
      }
      if (auto ua = Str(Member(api, "userAgent"))) {
        Involve(net::MakeRef(EntityKind::kUserAgent, ua->substr(0, kMaxUserAgentBytes)), "user_agent", false);
      }
      if (const JsonValue* affected = Obj(Member(api, "affectedResources"))) {
        size_t n = 0;
        for (const auto& m : affected->GetObject()) {
          if (++n > kMaxListItems) break;
          std::optional<std::string_view> arn = Str(&m.value);
          if (!arn) continue;
          constexpr std::string_view kS3 = "arn:aws:s3:::";
          if (arn->substr(0, kS3.size()) == kS3) {
            std::string_view bucket = arn->substr(kS3.size());
            Involve(net::MakeRef(EntityKind::kS3Bucket, bucket.substr(0, bucket.find('/'))), "affected", false);
          } else {
            Involve(net::PrincipalFromArn(*arn), "affected", false);
          }
        }
      }
    }
    if (const JsonValue* conn = Obj(Member(action, "networkConnectionAction"))) {
      RemoteIp(Obj(Member(conn, "remoteIpDetails")));
      LocalIp(Obj(Member(conn, "localIpDetails")));
      if (auto eni = Str(Member(conn, "localNetworkInterface"))) {
        Involve(net::MakeRef(EntityKind::kNetworkInterface, *eni), "interface", false);
      }
    }
    if (const JsonValue* details = Arr(Path(action, "portProbeAction.portProbeDetails"))) {
      size_t n = 0;
      for (const JsonValue& d : details->GetArray()) {
        if (++n > kMaxListItems) break;
        RemoteIp(Obj(Member(d, "remoteIpDetails")));
        LocalIp(Obj(Member(d, "localIpDetails")));
      }
    }
    if (const JsonValue* dns = Obj(Member(action, "dnsRequestAction"))) {
      if (auto domain = Str(Member(dns, "domain"))) Involve(net::MakeRef(EntityKind::kDomain, *domain), "remote", false);
    }
    if (const JsonValue* rds = Obj(Member(action, "rdsLoginAttemptAction"))) {
      RemoteIp(Obj(Member(rds, "remoteIpDetails")));
      const JsonValue* attrs = Arr(Member(rds, "LoginAttributes"));
      if (attrs == nullptr) attrs = Arr(Member(rds, "loginAttributes"));
      if (attrs != nullptr) {
        size_t n = 0;
        for (const JsonValue& a : attrs->GetArray()) {
          if (++n > kMaxListItems) break;
          auto user = Str(Member(a, "user"));
          if (!user) user = Str(Member(a, "User"));
          if (user) DbUser(*user, "target", false);
        }
      }
    }
    if (const JsonValue* k8s = Obj(Member(action, "kubernetesApiCallAction"))) {
      RemoteIp(Obj(Member(k8s, "remoteIpDetails")));
      if (const JsonValue* ips = Arr(Member(k8s, "sourceIPs"))) {
        size_t n = 0;
        for (const JsonValue& ip : ips->GetArray()) {
          if (++n > kMaxListItems) break;
          Ip(&ip, "remote");
        }
      }
    }
  }

  void ThreatLists() {
    if (const JsonValue* intel = Arr(Path(f_, "service.evidence.threatIntelligenceDetails"))) {
      size_t n = 0;
      for (const JsonValue& d : intel->GetArray()) {
        if (++n > kMaxListItems) break;
        if (auto list = Str(Member(d, "threatListName"))) {
          Involve(net::MakeRef(EntityKind::kThreatList, *list), "threat_list", false);
        }
      }
    }
    // additionalInfo: free-form in old findings ({threatListName, threatName}),
    // {value, type} in the API shape (value is opaque JSON text: kept as is).
    const JsonValue* info = Obj(Path(f_, "service.additionalInfo"));
    if (auto list = Str(Member(info, "threatListName"))) {
      Involve(net::MakeRef(EntityKind::kThreatList, *list), "threat_list", false);
    }
    if (auto name = Str(Member(info, "threatName"))) delta_.SetAttr(finding_, "threat_name", Truncated(*name), updated_);
  }

  void Write() {
    for (const auto& [ref, inv] : involved_) {
      EdgeStats& stats = delta_.AddEdge(finding_, EdgeKind::kInvolves, ref, Obs());
      for (const std::string& role : inv.roles) stats.counters["role:" + role] += 1;
      if (inv.foothold) stats.counters["foothold"] += 1;
    }
  }

  const JsonValue& f_;
  RecordContext& ctx_;
  GraphDelta& delta_;
  EntityRef finding_;
  Timestamp updated_, last_;
  std::string evidence_, partition_, account_;
  std::optional<EntityRef> rds_;
  std::map<EntityRef, Involvement> involved_;
};

class GuardDutyParser : public FileParser {
 public:
  void OnJson(const rapidjson::Value& value, RecordContext& ctx) override {
    const JsonValue* f = &net::UnwrapPanther(value);
    if (const JsonValue* detail = Obj(Member(f, "detail"))) f = detail;  // EventBridge envelope
    if (const JsonValue* findings = Arr(Member(f, "Findings"))) {
      size_t n = 0;
      for (const JsonValue& one : findings->GetArray()) {
        if (++n > kMaxFindingsPerRecord) {
          ctx.Reject("too_many_findings");
          break;
        }
        Finding(one, ctx);
      }
      return;
    }
    Finding(*f, ctx);
  }

 private:
  static void Finding(const JsonValue& f, RecordContext& ctx) {
    if (!f.IsObject()) {
      ctx.Reject("not_an_object");
      return;
    }
    std::optional<std::string_view> id = Str(Member(f, "id"));
    if (!id) {
      ctx.Reject("missing_id");
      return;
    }
    std::optional<EntityRef> finding = net::MakeRef(EntityKind::kFinding, *id);
    if (!finding) {
      ctx.Reject("bad_id");
      return;
    }
    std::optional<std::string_view> type = Str(Member(f, "type"));
    if (!type) {
      ctx.Reject("missing_type");
      return;
    }
    const JsonValue* updated_json = Member(f, "updatedAt");
    if (updated_json == nullptr) updated_json = Member(f, "createdAt");
    if (updated_json == nullptr) {
      ctx.Reject("missing_time");
      return;
    }
    std::optional<Timestamp> updated = net::JsonTime(updated_json);
    if (!updated || !PlausibleTime(*updated, ctx.now())) {
      ctx.Reject("bad_time");
      return;
    }
    std::optional<Timestamp> created = net::JsonTime(Member(f, "createdAt"));
    auto event_time = [&](std::string_view name) -> std::optional<Timestamp> {
      const JsonValue* v = Path(f, name);
      if (v == nullptr) return std::nullopt;
      std::optional<Timestamp> t = net::JsonTime(v);
      if (!t || !PlausibleTime(*t, ctx.now())) {
        ctx.Anomaly("bad_event_time");
        return std::nullopt;
      }
      return t;
    };
    Timestamp first = event_time("service.eventFirstSeen").value_or(created.value_or(*updated));
    Timestamp last = event_time("service.eventLastSeen").value_or(*updated);
    if (last < first) last = first;

    std::string identity(*id);
    identity += '|';
    identity += ScalarText(updated_json).value_or("");
    if (!ctx.BeginRecord(identity)) return;

    GraphDelta& delta = ctx.delta();
    Timestamp u = *updated;
    delta.Touch(*finding, first);
    delta.Touch(*finding, last);
    delta.AddTag(*finding, "guardduty", kNoTime);
    delta.SetAttr(*finding, "type", Truncated(*type), u);
    for (auto [json, attr] : {std::pair{"title", "title"}, std::pair{"accountId", "account"},
                              std::pair{"region", "region"}, std::pair{"arn", "arn"},
                              std::pair{"resource.resourceType", "resource_type"},
                              std::pair{"service.resourceRole", "resource_role"}}) {
      if (auto value = StrAt(f, json)) delta.SetAttr(*finding, attr, Truncated(*value), u);
    }
    if (std::optional<double> severity = Double(Member(f, "severity"))) {
      char text[32];
      std::snprintf(text, sizeof(text), "%g", *severity);
      delta.SetAttr(*finding, "severity", text, u);
      delta.SetAttr(*finding, "severity_band", SeverityBand(*severity), u);
    }
    if (auto count = Int(Path(f, "service.count"))) delta.SetAttr(*finding, "count", std::to_string(*count), u);
    if (auto archived = Bool(Path(f, "service.archived"))) delta.SetAttr(*finding, "archived", *archived ? "true" : "false", u);
    delta.SetAttr(*finding, "updated_at", FormatTime(u), u);
    if (created) delta.SetAttr(*finding, "created_at", FormatTime(*created), u);
    delta.SetAttr(*finding, "first_seen", FormatTime(first), u);
    delta.SetAttr(*finding, "last_seen", FormatTime(last), u);

    FindingEmitter(f, ctx, *finding, u, last).Run();
  }
};

class GuardDutyIngestor : public Ingestor {
 public:
  std::string_view name() const override { return "guardduty"; }
  std::string_view description() const override {
    return "GuardDuty findings: single, arrays, {\"Findings\":[...]}, EventBridge, S3-export JSON lines";
  }
  int Sniff(std::string_view path, std::string_view head) const override {
    if (head.empty() || (head.front() != '{' && head.front() != '[')) return 0;
    for (std::string_view marker : {"GuardDuty Finding", "\"aws.guardduty\"", "AWS.GuardDuty", "arn:aws:guardduty:"}) {
      if (head.find(marker) != std::string_view::npos) return 95;
    }
    if (head.find("\"schemaVersion\"") != std::string_view::npos &&
        head.find("\"resourceRole\"") != std::string_view::npos) {
      return 90;
    }
    if (path.find("guardduty") != std::string_view::npos || path.find("GuardDuty") != std::string_view::npos) return 50;
    return 0;
  }
  std::unique_ptr<FileParser> NewParser(const FileInfo&, const IngestOptions&) const override {
    return std::make_unique<GuardDutyParser>();
  }
};

}  // namespace

std::unique_ptr<Ingestor> NewGuardDutyIngestor() { return std::make_unique<GuardDutyIngestor>(); }

}  // namespace gumshoe::ingest
