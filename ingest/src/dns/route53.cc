// Route 53 Resolver query logs -> graph.
//
// Input: one JSON object per query (JSON lines, arrays, Panther's `_log`
// wrapper). Each query becomes:
//   ec2_instance (srcids.instance) -queried-> domain, or, without an instance,
//   ip_address (srcaddr) -queried-> domain
//     counters rcode:<RCODE>, qtype:<TYPE>, firewall:<BLOCK|ALERT|ALLOW>;
//     outcome success for NOERROR, failure for any other rcode;
//   ec2_instance -assigned_ip-> srcaddr, when both are given and srcaddr is
//     non-public (the resolver sees the instance's private address);
//   domain -resolved_to-> ip_address for each A/AAAA answer;
//   domain -resolved_to-> domain for each CNAME answer (counter rtype:CNAME),
//     so a pivot from the queried alias reaches the canonical name. The A
//     records of the whole chain are attached to the queried name, as the
//     resolver logs them under it.
// Attrs: the instance gets account/region/vpc_id.
//
// Record identity: the stable tuple (query_timestamp, srcaddr, srcport,
// srcids.instance, query_name, query_type, rcode, vpc_id).
// Reject reasons: not_an_object, missing_query_name, bad_query_name,
// missing_time, bad_time, missing_source, bad_ip, bad_instance.
#include "registry.h"

#include <string>

#include "gumshoe/normalize.h"
#include "gumshoe/time_util.h"
#include "json_util.h"
#include "vpc_flow/net_common.h"

namespace gumshoe::ingest {
namespace {

// Answers read per query.
constexpr size_t kMaxAnswers = 64;
// Longest input text used in a counter name (rcode:, qtype:, firewall:).
constexpr size_t kMaxCounterValueBytes = 64;

std::string CounterName(std::string_view prefix, std::string_view value) {
  std::string name(prefix);
  name.append(value.substr(0, kMaxCounterValueBytes));
  return name;
}

class Route53Parser : public FileParser {
 public:
  void OnJson(const rapidjson::Value& value, RecordContext& ctx) override {
    const JsonValue& v = net::UnwrapPanther(value);
    if (!v.IsObject()) {
      ctx.Reject("not_an_object");
      return;
    }
    std::optional<std::string_view> qname = Str(Member(v, "query_name"));
    if (!qname) {
      ctx.Reject("missing_query_name");
      return;
    }
    std::optional<EntityRef> domain = net::MakeRef(EntityKind::kDomain, *qname);
    if (!domain) {
      ctx.Reject("bad_query_name");
      return;
    }
    const JsonValue* ts = Member(v, "query_timestamp");
    if (ts == nullptr) {
      ctx.Reject("missing_time");
      return;
    }
    std::optional<Timestamp> t = net::JsonTime(ts);
    if (!t || !PlausibleTime(*t, ctx.now())) {
      ctx.Reject("bad_time");
      return;
    }
    std::optional<std::string_view> instance_id = StrAt(v, "srcids.instance");
    std::optional<std::string_view> srcaddr = Str(Member(v, "srcaddr"));
    std::optional<EntityRef> instance;
    std::optional<net::IpEntity> src_ip;
    if (instance_id) {
      instance = net::MakeRef(EntityKind::kEc2Instance, *instance_id);
      if (!instance) {
        ctx.Reject("bad_instance");
        return;
      }
    }
    if (srcaddr) {
      src_ip = net::ParseIpEntity(*srcaddr);
      if (!src_ip) {
        ctx.Reject("bad_ip");
        return;
      }
      if (src_ip->leading_zero) ctx.Anomaly("leading_zero_ip");
    }
    if (!instance && !src_ip) {
      ctx.Reject("missing_source");
      return;
    }
    std::string identity;
    for (std::string_view name : {"query_timestamp", "srcaddr", "srcport", "query_name", "query_type", "rcode",
                                  "vpc_id"}) {
      identity += ScalarText(Member(v, name)).value_or("");
      identity += '|';
    }
    identity += instance_id.value_or("");
    if (!ctx.BeginRecord(identity)) return;

    GraphDelta& delta = ctx.delta();
    std::string evidence = ctx.EvidenceRef();
    std::optional<std::string_view> rcode = Str(Member(v, "rcode"));
    int outcome = !rcode ? 0 : *rcode == "NOERROR" ? 1 : -1;
    EdgeObservation obs{*t, outcome, evidence, 1};
    const EntityRef& asker = instance ? *instance : src_ip->ref;
    if (src_ip) net::EmitIp(delta, *src_ip, *t);
    EdgeStats& q = delta.AddEdge(asker, EdgeKind::kQueried, *domain, obs);
    if (rcode) q.counters[CounterName("rcode:", *rcode)] += 1;
    if (auto qtype = Str(Member(v, "query_type"))) q.counters[CounterName("qtype:", *qtype)] += 1;
    if (auto fw = Str(Member(v, "firewall_rule_action"))) q.counters[CounterName("firewall:", *fw)] += 1;
    if (instance) {
      if (src_ip && src_ip->ip_class != IpClass::kPublic) {
        delta.AddEdge(*instance, EdgeKind::kAssignedIp, src_ip->ref, EdgeObservation{*t, 0, evidence, 1});
      }
      if (auto a = Str(Member(v, "account_id"))) delta.SetAttr(*instance, "account", a->substr(0, kMaxCounterValueBytes), *t);
      if (auto r = Str(Member(v, "region"))) delta.SetAttr(*instance, "region", r->substr(0, kMaxCounterValueBytes), *t);
      if (auto vpc = Str(Member(v, "vpc_id"))) delta.SetAttr(*instance, "vpc_id", vpc->substr(0, kMaxCounterValueBytes), *t);
    }

    const JsonValue* answers = Member(v, "answers");
    if (Obj(answers) != nullptr) {
      EmitAnswer(*answers, *domain, *t, evidence, ctx);
    } else if (Arr(answers) != nullptr) {
      size_t n = 0;
      for (const JsonValue& a : answers->GetArray()) {
        if (++n > kMaxAnswers) {
          ctx.Anomaly("too_many_answers");
          break;
        }
        EmitAnswer(a, *domain, *t, evidence, ctx);
      }
    }
  }

 private:
  static void EmitAnswer(const JsonValue& a, const EntityRef& domain, Timestamp t, std::string_view evidence,
                         RecordContext& ctx) {
    std::optional<std::string_view> type = Str(Member(a, "Type"));
    std::optional<std::string_view> rdata = Str(Member(a, "Rdata"));
    if (!type || !rdata) return;
    EdgeObservation obs{t, 0, evidence, 1};
    if (*type == "A" || *type == "AAAA") {
      std::optional<net::IpEntity> ip = net::ParseIpEntity(*rdata);
      if (!ip) {
        ctx.Anomaly("bad_answer_ip");
        return;
      }
      if (ip->leading_zero) ctx.Anomaly("leading_zero_ip");
      net::EmitIp(ctx.delta(), *ip, t);
      ctx.delta().AddEdge(domain, EdgeKind::kResolvedTo, ip->ref, obs).counters["rtype:" + std::string(*type)] += 1;
    } else if (*type == "CNAME") {
      std::optional<EntityRef> target = net::MakeRef(EntityKind::kDomain, *rdata);
      if (!target || *target == domain) return;
      ctx.delta().AddEdge(domain, EdgeKind::kResolvedTo, *target, obs).counters["rtype:CNAME"] += 1;
    }
  }
};

class Route53Ingestor : public Ingestor {
 public:
  std::string_view name() const override { return "route53"; }
  std::string_view description() const override { return "Route 53 Resolver query logs (JSON lines)"; }
  int Sniff(std::string_view path, std::string_view head) const override {
    if (head.find("AWS.VPCDns") != std::string_view::npos) return 90;
    if (head.find("\"query_name\"") != std::string_view::npos &&
        head.find("\"query_timestamp\"") != std::string_view::npos) {
      return 90;
    }
    if (path.find("vpcdnsquerylogs") != std::string_view::npos) return 60;
    return 0;
  }
  std::unique_ptr<FileParser> NewParser(const FileInfo&, const IngestOptions&) const override {
    return std::make_unique<Route53Parser>();
  }
};

}  // namespace

std::unique_ptr<Ingestor> NewRoute53Ingestor() { return std::make_unique<Route53Ingestor>(); }

}  // namespace gumshoe::ingest
