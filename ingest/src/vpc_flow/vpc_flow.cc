// VPC Flow Logs -> graph.
//
// Input forms:
// - text, with a header line naming the fields (any subset and order of the
//   v2..v5+ field names; `${field}` and `field_name` spellings accepted), or
//   without a header, then the default v2 order. A header line may appear at
//   any line and applies to the lines after it;
// - `-` for "not applicable";
// - JSON records: Panther's normalised form (srcAddr, dstAddr, ..., `_log`
//   wrapper unwrapped) and Cribl's `{"_raw": "<text line>"}`.
//
// Each OK row becomes, with `local` the network-interface side of the flow:
//   network_interface -network_flow-> remote ip_address
//     (when the row has no interface-id: ec2_instance, else the local IP)
//     counters: bytes_out/bytes_in, packets_out/packets_in (from the local
//     side's point of view), accepted/rejected (one per row), and
//     dport:NNNNN (5-digit zero-padded) for the destination port of rows whose
//     destination looks like the service side (dstport <= srcport or < 1024);
//     at most kMaxDportCounters distinct ports per edge and batch, so the
//     fixed counters are never pushed out by kMaxEdgeCounters;
//     success/failure = ACCEPT/REJECT; hourly buckets from `start`.
//   ec2_instance -has_interface-> network_interface (when instance-id is known)
//   network_interface -assigned_ip-> local ip (when the local IP is non-public)
//   ip entities get attr ip_class and tag "private"/"public".
//
// Which side is local (the interface's):
//   1. flow-direction: egress -> srcaddr, ingress -> dstaddr;
//   2. else an address learned for this interface from earlier rows of the
//      same file (rules 1 and 3 teach it);
//   3. else the only non-public address of the two;
//   4. else srcaddr.
//
// pkt-srcaddr/pkt-dstaddr, tcp-flags, traffic-path and the other fields are
// read past but not stored.
//
// Record identity: the line text (JSON: its compact text), independent of the
// file, so the same row in two files is counted once. NODATA/SKIPDATA rows are
// counted as no-data. Reject reasons: wrong_field_count, bad_header,
// missing_address, bad_ip, bad_number, bad_time, bad_action, bad_interface,
// bad_instance; JSON: not_an_object, bad_field_type.
#include "registry.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <limits>
#include <cstdio>
#include <string>
#include <unordered_map>
#include <vector>

#include "gumshoe/normalize.h"
#include "gumshoe/time_util.h"
#include "json_util.h"
#include "vpc_flow/net_common.h"

namespace gumshoe::ingest {
namespace {

// Distinct dport:NNNNN counters one edge may gain within one batch.
constexpr size_t kMaxDportCounters = 32;
// Most columns a header may name.
constexpr size_t kMaxColumns = 128;
// Interfaces whose local address is remembered per file.
constexpr size_t kMaxLearnedInterfaces = 1 << 16;
// Longest attr value taken from a row (account, vpc, subnet, region, az).
constexpr size_t kMaxAttrBytes = 128;

enum Field : uint8_t {
  kVersion, kAccountId, kInterfaceId, kSrcAddr, kDstAddr, kSrcPort, kDstPort, kProtocol,
  kPackets, kBytes, kStart, kEnd, kAction, kLogStatus, kVpcId, kSubnetId, kInstanceId,
  kRegion, kAzId, kFlowDirection, kFieldCount, kIgnored = 255
};

struct FieldName {
  std::string_view text;
  Field field;
};
constexpr FieldName kFieldNames[] = {
    {"version", kVersion},         {"account-id", kAccountId},   {"interface-id", kInterfaceId},
    {"srcaddr", kSrcAddr},         {"dstaddr", kDstAddr},        {"srcport", kSrcPort},
    {"dstport", kDstPort},         {"protocol", kProtocol},      {"packets", kPackets},
    {"bytes", kBytes},             {"start", kStart},            {"end", kEnd},
    {"action", kAction},           {"log-status", kLogStatus},   {"vpc-id", kVpcId},
    {"subnet-id", kSubnetId},      {"instance-id", kInstanceId}, {"region", kRegion},
    {"az-id", kAzId},              {"flow-direction", kFlowDirection},
};
constexpr Field kDefaultV2[] = {kVersion, kAccountId, kInterfaceId, kSrcAddr, kDstAddr, kSrcPort, kDstPort,
                                kProtocol, kPackets,  kBytes,       kStart,   kEnd,     kAction,  kLogStatus};

// JSON member names of Panther's form, per field (first match wins).
struct JsonName {
  Field field;
  std::string_view names[3];
};
constexpr JsonName kJsonNames[] = {
    {kVersion, {"version"}},
    {kAccountId, {"account", "accountId", "account_id"}},
    {kInterfaceId, {"interfaceId", "interface_id"}},
    {kSrcAddr, {"srcAddr", "srcaddr"}},
    {kDstAddr, {"dstAddr", "dstaddr"}},
    {kSrcPort, {"srcPort", "srcport"}},
    {kDstPort, {"dstPort", "dstport"}},
    {kProtocol, {"protocol"}},
    {kPackets, {"packets"}},
    {kBytes, {"bytes"}},
    {kStart, {"start"}},
    {kEnd, {"end"}},
    {kAction, {"action"}},
    {kLogStatus, {"status", "logStatus", "log_status"}},
    {kVpcId, {"vpcId", "vpc_id"}},
    {kSubnetId, {"subNetId", "subnetId", "subnet_id"}},
    {kInstanceId, {"instanceId", "instance_id"}},
    {kRegion, {"region"}},
    {kAzId, {"azId", "az_id"}},
    {kFlowDirection, {"flowDirection", "flow_direction"}},
};

// One row; empty = absent or `-`.
using FlowRow = std::array<std::string_view, kFieldCount>;

bool ParseU64(std::string_view s, uint64_t* out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

// Adds a count taken from a record (bytes, packets) to a counter. Hostile
// counts saturate at INT64_MAX instead of overflowing the signed counter.
void AddCount(int64_t& counter, uint64_t n) {
  constexpr uint64_t kMax = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  uint64_t sum = static_cast<uint64_t>(std::max<int64_t>(counter, 0)) + std::min(n, kMax);
  counter = static_cast<int64_t>(std::min(sum, kMax));
}

std::string HeaderName(std::string_view token) {
  if (token.size() > 3 && token.substr(0, 2) == "${" && token.back() == '}') token = token.substr(2, token.size() - 3);
  std::string name(token);
  for (char& c : name) {
    if (c == '_') c = '-';
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return name;
}

template <typename Fn>
size_t SplitSpaces(std::string_view line, Fn&& fn) {
  size_t n = 0, i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    if (i >= line.size()) break;
    size_t j = i;
    while (j < line.size() && line[j] != ' ' && line[j] != '\t') ++j;
    fn(n, line.substr(i, j - i));
    ++n;
    i = j;
  }
  return n;
}

class VpcFlowParser : public FileParser {
 public:
  VpcFlowParser() : columns_(std::begin(kDefaultV2), std::end(kDefaultV2)) {}

  void OnLine(std::string_view line, RecordContext& ctx) override {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    if (line.empty()) return;
    char c0 = line.front();
    if ((c0 >= 'a' && c0 <= 'z') || (c0 >= 'A' && c0 <= 'Z') || c0 == '$') {
      OnHeader(line, ctx);
      return;
    }
    FlowRow row{};
    size_t expected = columns_.size();
    size_t n = SplitSpaces(line, [&](size_t i, std::string_view tok) {
      if (i < expected && columns_[i] != kIgnored && tok != "-") row[columns_[i]] = tok;
    });
    if (n != expected) {
      ctx.Reject("wrong_field_count");
      return;
    }
    Emit(row, line, ctx);
  }

  void OnJson(const rapidjson::Value& value, RecordContext& ctx) override {
    const JsonValue& v = net::UnwrapPanther(value);
    if (auto raw = Str(Member(v, "_raw"))) {
      // Cribl: the text line wrapped in an event. Bounded by the record limit.
      std::string line(*raw);
      OnLine(line, ctx);
      return;
    }
    if (!v.IsObject()) {
      ctx.Reject("not_an_object");
      return;
    }
    std::array<std::string, kFieldCount> storage;
    FlowRow row{};
    for (const JsonName& jn : kJsonNames) {
      for (std::string_view name : jn.names) {
        if (name.empty()) break;
        const JsonValue* m = Member(v, name);
        if (m == nullptr || m->IsNull()) continue;
        std::optional<std::string> text = ScalarText(m);
        if (!text) {
          ctx.Reject("bad_field_type");
          return;
        }
        if (text->empty() || *text == "-") break;
        storage[jn.field] = std::move(*text);
        row[jn.field] = storage[jn.field];
        break;
      }
    }
    Emit(row, net::CanonicalJson(v), ctx);
  }

 private:
  void OnHeader(std::string_view line, RecordContext& ctx) {
    std::vector<Field> columns;
    bool has_src = false, has_dst = false, ok = true;
    SplitSpaces(line, [&](size_t, std::string_view tok) {
      if (columns.size() >= kMaxColumns) {
        ok = false;
        return;
      }
      std::string name = HeaderName(tok);
      Field f = kIgnored;
      for (const FieldName& fn : kFieldNames) {
        if (fn.text == name) f = fn.field;
      }
      for (char c : name) {
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) ok = false;
      }
      has_src |= f == kSrcAddr;
      has_dst |= f == kDstAddr;
      columns.push_back(f);
    });
    if (!ok || !has_src || !has_dst) {
      ctx.Reject("bad_header");
      return;
    }
    columns_ = std::move(columns);
  }

  void Emit(const FlowRow& row, std::string_view identity, RecordContext& ctx) {
    std::string_view status = row[kLogStatus];
    if (status == "NODATA" || status == "SKIPDATA") {
      if (ctx.BeginRecord(identity)) ctx.NoData();
      return;
    }
    if (row[kSrcAddr].empty() || row[kDstAddr].empty()) {
      ctx.Reject("missing_address");
      return;
    }
    std::optional<net::IpEntity> src = net::ParseIpEntity(row[kSrcAddr]);
    std::optional<net::IpEntity> dst = net::ParseIpEntity(row[kDstAddr]);
    if (!src || !dst) {
      ctx.Reject("bad_ip");
      return;
    }
    uint64_t srcport = 0, dstport = 0, packets = 0, bytes = 0, start = 0, protocol = 0;
    bool has_srcport = !row[kSrcPort].empty(), has_dstport = !row[kDstPort].empty();
    if ((has_srcport && (!ParseU64(row[kSrcPort], &srcport) || srcport > 65535)) ||
        (has_dstport && (!ParseU64(row[kDstPort], &dstport) || dstport > 65535)) ||
        (!row[kPackets].empty() && !ParseU64(row[kPackets], &packets)) ||
        (!row[kBytes].empty() && !ParseU64(row[kBytes], &bytes)) ||
        (!row[kProtocol].empty() && (!ParseU64(row[kProtocol], &protocol) || protocol > 255))) {
      ctx.Reject("bad_number");
      return;
    }
    Timestamp t = kNoTime;
    if (!row[kStart].empty()) {
      std::optional<Timestamp> parsed;
      if (ParseU64(row[kStart], &start)) {
        parsed = static_cast<Timestamp>(start > 100000000000ull ? start / 1000 : start);
      } else {
        parsed = ParseIsoTime(row[kStart]);
      }
      if (!parsed) {
        ctx.Reject("bad_number");
        return;
      }
      if (!PlausibleTime(*parsed, ctx.now())) {
        ctx.Reject("bad_time");
        return;
      }
      t = *parsed;
    }
    std::string_view action = row[kAction];
    int outcome = 0;
    if (action == "ACCEPT") {
      outcome = 1;
    } else if (action == "REJECT") {
      outcome = -1;
    } else if (!action.empty()) {
      ctx.Reject("bad_action");
      return;
    }
    std::optional<EntityRef> eni, instance;
    if (!row[kInterfaceId].empty()) {
      eni = net::MakeRef(EntityKind::kNetworkInterface, row[kInterfaceId]);
      if (!eni) {
        ctx.Reject("bad_interface");
        return;
      }
    }
    if (!row[kInstanceId].empty()) {
      instance = net::MakeRef(EntityKind::kEc2Instance, row[kInstanceId]);
      if (!instance) {
        ctx.Reject("bad_instance");
        return;
      }
    }
    if (!ctx.BeginRecord(identity)) return;
    if (t == kNoTime) ctx.Anomaly("missing_time");

    bool src_local = LocalIsSource(row, eni, *src, *dst);
    const net::IpEntity& local_ip = src_local ? *src : *dst;
    const net::IpEntity& remote_ip = src_local ? *dst : *src;
    GraphDelta& delta = ctx.delta();
    std::string evidence = ctx.EvidenceRef();
    net::EmitIp(delta, *src, t);
    net::EmitIp(delta, *dst, t);
    bool local_is_ip = !eni && !instance;
    const EntityRef& local = eni ? *eni : instance ? *instance : local_ip.ref;
    EdgeObservation obs{t, outcome, evidence, 1};
    EdgeStats& flow = delta.AddEdge(local, EdgeKind::kNetworkFlow, remote_ip.ref, obs);
    if (src_local) {
      AddCount(flow.counters["bytes_out"], bytes);
      AddCount(flow.counters["packets_out"], packets);
    } else {
      AddCount(flow.counters["bytes_in"], bytes);
      AddCount(flow.counters["packets_in"], packets);
    }
    if (outcome > 0) flow.counters["accepted"] += 1;
    if (outcome < 0) flow.counters["rejected"] += 1;
    if (has_dstport && (dstport < 1024 || !has_srcport || dstport <= srcport)) AddPort(flow, dstport);

    if (eni && instance) delta.AddEdge(*instance, EdgeKind::kHasInterface, *eni, obs);
    if (!local_is_ip && local_ip.ip_class != IpClass::kPublic) {
      delta.AddEdge(local, EdgeKind::kAssignedIp, local_ip.ref, obs);
    }
    if (!local_is_ip) {
      const EntityRef& owner = local;
      if (!row[kAccountId].empty()) delta.SetAttr(owner, "account", row[kAccountId].substr(0, kMaxAttrBytes), t);
      if (!row[kVpcId].empty()) delta.SetAttr(owner, "vpc_id", row[kVpcId].substr(0, kMaxAttrBytes), t);
      if (!row[kSubnetId].empty()) delta.SetAttr(owner, "subnet_id", row[kSubnetId].substr(0, kMaxAttrBytes), t);
      if (!row[kRegion].empty()) delta.SetAttr(owner, "region", row[kRegion].substr(0, kMaxAttrBytes), t);
      if (!row[kAzId].empty()) delta.SetAttr(owner, "az_id", row[kAzId].substr(0, kMaxAttrBytes), t);
    }
  }

  // Decides the local side (see the header comment) and learns from it.
  bool LocalIsSource(const FlowRow& row, const std::optional<EntityRef>& eni, const net::IpEntity& src,
                     const net::IpEntity& dst) {
    std::string_view direction = row[kFlowDirection];
    bool src_local = true;
    bool certain = false;
    if (direction == "egress" || direction == "ingress") {
      src_local = direction == "egress";
      certain = true;
    } else {
      bool learned = false;
      if (eni) {
        auto it = learned_.find(eni->key);
        if (it != learned_.end()) {
          if (it->second == src.ref.key) {
            src_local = true;
            learned = true;
          } else if (it->second == dst.ref.key) {
            src_local = false;
            learned = true;
          }
        }
      }
      if (!learned) {
        bool src_private = src.ip_class != IpClass::kPublic;
        bool dst_private = dst.ip_class != IpClass::kPublic;
        if (src_private != dst_private) {
          src_local = src_private;
          certain = true;
        }
      }
    }
    if (certain && eni) {
      const std::string& local = src_local ? src.ref.key : dst.ref.key;
      auto it = learned_.find(eni->key);
      if (it == learned_.end()) {
        if (learned_.size() < kMaxLearnedInterfaces) learned_.emplace(eni->key, local);
      } else if (it->second != local) {
        it->second = local;
      }
    }
    return src_local;
  }

  static void AddPort(EdgeStats& stats, uint64_t port) {
    char key[16];
    std::snprintf(key, sizeof(key), "dport:%05u", static_cast<unsigned>(port));
    auto it = stats.counters.find(key);
    if (it != stats.counters.end()) {
      ++it->second;
      return;
    }
    size_t ports = 0;
    for (auto p = stats.counters.lower_bound("dport:"); p != stats.counters.end() && p->first.compare(0, 6, "dport:") == 0; ++p) {
      ++ports;
    }
    if (ports < kMaxDportCounters) stats.counters.emplace(key, 1);
  }

  std::vector<Field> columns_;
  std::unordered_map<std::string, std::string> learned_;  // eni -> its local address
};

class VpcFlowIngestor : public Ingestor {
 public:
  std::string_view name() const override { return "vpc_flow"; }
  std::string_view description() const override {
    return "VPC Flow Logs: text (v2 default or with a header of v2-v5+ fields), Panther JSON";
  }
  int Sniff(std::string_view path, std::string_view head) const override {
    std::string_view first = head.substr(0, head.find('\n'));
    if (!first.empty() && first.front() != '{' && first.front() != '[') {
      if (first.find("srcaddr") != std::string_view::npos && first.find("dstaddr") != std::string_view::npos) {
        return 95;
      }
      // v2 default: "2 123456789012 eni-..." with 14 fields.
      size_t fields = 0;
      bool eni = false;
      SplitSpaces(first, [&](size_t i, std::string_view tok) {
        ++fields;
        if (i == 2 && tok.substr(0, 4) == "eni-") eni = true;
      });
      if (eni && fields == 14) return 90;
      if (path.find("vpcflowlogs") != std::string_view::npos) return 60;
      return 0;
    }
    if (head.find("AWS.VPCFlow") != std::string_view::npos) return 90;
    if (head.find("\"_raw\"") != std::string_view::npos &&
        (head.find("vpcflowlogs") != std::string_view::npos || head.find("srcaddr dstaddr") != std::string_view::npos)) {
      return 85;
    }
    if (head.find("\"srcAddr\"") != std::string_view::npos && head.find("\"dstAddr\"") != std::string_view::npos) {
      return 70;
    }
    return 0;
  }
  std::unique_ptr<FileParser> NewParser(const FileInfo&, const IngestOptions&) const override {
    return std::make_unique<VpcFlowParser>();
  }
};

}  // namespace

std::unique_ptr<Ingestor> NewVpcFlowIngestor() { return std::make_unique<VpcFlowIngestor>(); }

}  // namespace gumshoe::ingest
