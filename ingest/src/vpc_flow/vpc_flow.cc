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
// A flow record is one direction of one connection: an accepted inbound SSH
// session is logged as remote:50000 -> local:22 and local:22 -> remote:50000.
// Each OK row becomes one observation of an edge from the side that
// INITIATED the connection to the side that accepted it, where one side is
// `local` (the network-interface side of the row, see "Which side is local")
// and the other the remote address:
//   local -network_flow-> remote ip_address    the local side initiated
//   remote ip_address -network_flow-> local    the remote side initiated
//     (`local` is the network_interface; when the row has no interface-id,
//     the ec2_instance; else the local IP)
//   So both records of a connection go to the same edge, and a timeline,
//   pivot or blast radius reads "contacted" for an out-edge of the local side
//   and "connected from" for an in-edge.
//     counters, from the edge SOURCE's (the initiator's) point of view:
//     bytes_out/packets_out sent by the initiator, bytes_in/packets_in sent
//     back by the responder; accepted/rejected (one per row);
//     dport:NNNNN (5-digit zero-padded), the responder's (service) port, for
//     each row sent towards it; initiator_guessed, rows whose initiator
//     neither tcp-flags nor the ports told (see below). Past
//     kMaxEdgeCounters, the smallest ports are kept and the rest summed
//     into "overflow" (MergeEdgeStats' rule, applied as the row is added, so
//     the stored counters do not depend on batching); fixed counters are
//     never pushed out;
//     success/failure = ACCEPT/REJECT; hourly buckets from `start`.
//   Folded probes: a REJECT row that is inbound (the remote address is the
//     source), whose remote address is public and whose local side is an
//     interface or instance (an internet scanner's probe) goes instead to
//       ip_network 0.0.0.0/0 (::/0 for an IPv6 remote) -network_flow-> local
//     (the internet initiated it) with the same counters plus folded_probes
//     (one per row) and dport: the probed local port; the remote IP entity
//     is not touched. Scanners would otherwise make most of the edges
//     (one per interface and scanner). The rule looks at the row and at what
//     the file's earlier rows taught about the interface's own address (see
//     LocalIsSource), so the graph does not depend on batching or file order.
//     Without flow-direction, a row between two public addresses (IPv6 ENIs
//     have public addresses) counts the source as local and is not folded.
//     IngestOptions::fold_rejected_probes = false keeps the per-IP edges.
//   ec2_instance -has_interface-> network_interface (when instance-id is known)
//   network_interface -assigned_ip-> local ip (when the local IP is non-public)
//   ip entities get attr ip_class and tag "private"/"public".
//
// Which side is local (the interface's own address):
//   1. flow-direction: egress -> srcaddr, ingress -> dstaddr;
//   2. else pkt-srcaddr given and not srcaddr -> srcaddr (the interface is
//      an intermediate hop, e.g. a NAT gateway; srcaddr/dstaddr are the
//      interface's addresses, pkt-* the original ones); else pkt-dstaddr
//      given and not dstaddr -> dstaddr;
//   3. else an address learned for this interface from earlier rows of the
//      same file (rules 1, 2 and 4 teach it);
//   4. else the only non-public address of the two;
//   5. else srcaddr.
//
// Who initiated (InitiatorOf), for the row's srcaddr -> dstaddr:
//   1. tcp-flags (v3+; an OR of the flags seen in the aggregation window):
//      SYN-ACK (18, also with FIN 19) -> the source is the responder;
//      SYN without ACK (2, or 3 with FIN) -> the source initiated;
//   2. else the ports: the service side is the one whose port is below 1024
//      when only one is; else the one whose port is a well-known service
//      port (kServicePorts: 3306, 3389, 5432, 8080, ...) when only one is;
//      else the lower port. The other side initiated. Only dstport given:
//      the destination is the service; only srcport: the source is;
//   3. else (equal ports, ICMP and other portless protocols, no ports): the
//      source initiated, counted as initiator_guessed on the edge.
//   Folded probes are always the internet's initiative.
//
// tcp-flags, pkt-srcaddr and pkt-dstaddr are read for the rules above;
// traffic-path and the other fields are read past but not stored.
//
// Per-line cost: parsed addresses and normalised interface/instance keys are
// kept in small bounded caches (net::TokenCache). An IP's class attr and tag
// are emitted once per cached address, and an owner's row attributes only
// when they could change the stored value (newest-wins merge); the entities'
// first/last seen come from the edges, which are emitted on every row. The
// stored graph is the same as emitting everything on every row, under any
// batching.
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
#include <iterator>
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

// Most columns a header may name.
constexpr size_t kMaxColumns = 128;
// Interfaces whose local address is remembered per file.
constexpr size_t kMaxLearnedInterfaces = 1 << 16;
// Longest attr value taken from a row (account, vpc, subnet, region, az).
constexpr size_t kMaxAttrBytes = 128;

enum Field : uint8_t {
  kVersion, kAccountId, kInterfaceId, kSrcAddr, kDstAddr, kSrcPort, kDstPort, kProtocol,
  kPackets, kBytes, kStart, kEnd, kAction, kLogStatus, kVpcId, kSubnetId, kInstanceId,
  kRegion, kAzId, kFlowDirection, kTcpFlags, kPktSrcAddr, kPktDstAddr, kFieldCount, kIgnored = 255
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
    {"az-id", kAzId},              {"flow-direction", kFlowDirection}, {"tcp-flags", kTcpFlags},
    {"pkt-srcaddr", kPktSrcAddr},  {"pkt-dstaddr", kPktDstAddr},
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
    {kTcpFlags, {"tcpFlags", "tcp_flags"}},
    {kPktSrcAddr, {"pktSrcAddr", "pkt_srcaddr", "pkt_src_addr"}},
    {kPktDstAddr, {"pktDstAddr", "pkt_dstaddr", "pkt_dst_addr"}},
};

// Well-known service ports at or above 1024 (sorted): the server side of a
// connection between two unprivileged ports (see InitiatorOf).
constexpr uint16_t kServicePorts[] = {
    1433, 1521, 2049, 2375, 2376, 2379, 3000, 3306, 3333, 3389, 4444, 5000, 5432, 5439, 5601, 5672, 5900,
    5985, 5986, 6379, 6443, 8000, 8080, 8081, 8443, 8888, 9000, 9092, 9200, 9300, 9418, 9997, 10250, 11211, 27017};

bool IsServicePort(uint64_t port) {
  return std::binary_search(std::begin(kServicePorts), std::end(kServicePorts), port);
}

// How the initiator of a row was decided.
struct Initiator {
  bool src = true;       // the row's srcaddr initiated the connection
  bool guessed = false;  // neither tcp-flags nor the ports told (rule 3)
};

// Who initiated the connection a row belongs to (see the header comment).
Initiator InitiatorOf(std::string_view tcp_flags, bool has_srcport, uint64_t srcport, bool has_dstport,
                      uint64_t dstport) {
  uint64_t flags = 0;
  if (!tcp_flags.empty()) {
    auto [p, ec] = std::from_chars(tcp_flags.data(), tcp_flags.data() + tcp_flags.size(), flags);
    if (ec != std::errc() || p != tcp_flags.data() + tcp_flags.size()) flags = 0;
  }
  constexpr uint64_t kSyn = 2, kAck = 16;
  if ((flags & (kSyn | kAck)) == (kSyn | kAck)) return {false, false};
  if ((flags & kSyn) != 0) return {true, false};
  if (has_srcport && srcport == 0) has_srcport = false;  // ICMP and portless protocols log 0
  if (has_dstport && dstport == 0) has_dstport = false;
  if (has_srcport && has_dstport && srcport != dstport) {
    bool src_low = srcport < 1024, dst_low = dstport < 1024;
    if (src_low != dst_low) return {dst_low, false};
    bool src_known = IsServicePort(srcport), dst_known = IsServicePort(dstport);
    if (src_known != dst_known) return {dst_known, false};
    return {dstport < srcport, false};
  }
  if (has_dstport && !has_srcport) return {true, false};
  if (has_srcport && !has_dstport) return {false, false};
  return {true, true};
}

// One row; empty = absent or `-`.
using FlowRow = std::array<std::string_view, kFieldCount>;

// Row fields set as attributes of the interface (or instance) owning a flow.
struct OwnerAttr {
  Field field;
  const char* name;
};
constexpr OwnerAttr kOwnerAttrs[] = {
    {kAccountId, "account"}, {kVpcId, "vpc_id"}, {kSubnetId, "subnet_id"}, {kRegion, "region"}, {kAzId, "az_id"},
};
constexpr size_t kOwnerAttrCount = std::size(kOwnerAttrs);

// A parsed address, cached per parser.
struct IpSlot {
  net::IpEntity ip;
  bool classified = false;  // its ip_class attr and tag were emitted by this parser
};

// A normalised interface or instance key, cached per parser, with the newest
// value and time this parser emitted for each of its row attributes.
struct OwnerSlot {
  struct Attr {
    bool known = false;
    std::string value;
    Timestamp time = kNoTime;
  };
  EntityRef ref;
  std::array<Attr, kOwnerAttrCount> attrs;
};

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
  size_t n = 0;
  const char* p = line.data();
  const char* end = p + line.size();
  auto blank = [](char c) { return c == ' ' || c == '\t'; };
  while (p < end) {
    while (p < end && blank(*p)) ++p;
    if (p >= end) break;
    const char* q = p;
    while (q < end && !blank(*q)) ++q;
    fn(n, std::string_view(p, static_cast<size_t>(q - p)));
    ++n;
    p = q;
  }
  return n;
}

class VpcFlowParser : public FileParser {
 public:
  explicit VpcFlowParser(bool fold_rejected_probes)
      : fold_rejected_probes_(fold_rejected_probes), columns_(std::begin(kDefaultV2), std::end(kDefaultV2)) {}

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
    // Both held at once: the cache keeps the previous call's entry.
    IpSlot* src = ips_.Find(row[kSrcAddr], MakeIp);
    IpSlot* dst = src == nullptr ? nullptr : ips_.Find(row[kDstAddr], MakeIp);
    if (src == nullptr || dst == nullptr) {
      ctx.Reject("bad_ip");
      return;
    }
    if (src->ip.leading_zero || dst->ip.leading_zero) ctx.Anomaly("leading_zero_ip");
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
    OwnerSlot* eni = nullptr;
    OwnerSlot* instance = nullptr;
    if (!row[kInterfaceId].empty()) {
      eni = enis_.Find(row[kInterfaceId], MakeOwner<EntityKind::kNetworkInterface>);
      if (eni == nullptr) {
        ctx.Reject("bad_interface");
        return;
      }
    }
    if (!row[kInstanceId].empty()) {
      instance = instances_.Find(row[kInstanceId], MakeOwner<EntityKind::kEc2Instance>);
      if (instance == nullptr) {
        ctx.Reject("bad_instance");
        return;
      }
    }
    if (!ctx.BeginRecord(identity)) return;
    if (t == kNoTime) ctx.Anomaly("missing_time");

    bool src_local = LocalIsSource(row, eni, src->ip, dst->ip);
    IpSlot& local_ip = src_local ? *src : *dst;
    IpSlot& remote_ip = src_local ? *dst : *src;
    GraphDelta& delta = ctx.delta();
    std::string evidence = ctx.EvidenceRef();
    bool local_is_ip = eni == nullptr && instance == nullptr;
    OwnerSlot* owner = eni != nullptr ? eni : instance;
    const EntityRef& local = owner != nullptr ? owner->ref : local_ip.ip.ref;
    // A rejected probe from the internet (see the header comment).
    bool folded = fold_rejected_probes_ && outcome < 0 && !src_local && owner != nullptr &&
                  remote_ip.ip.ip_class == IpClass::kPublic;
    // An IP's class is a function of its key: emitted the first time this
    // parser meets the address (again when its cache slot was reused). Its
    // time is carried by the edges below, except for a public local address,
    // which no edge touches. A folded probe leaves the remote IP alone.
    Classify(delta, local_ip);
    if (!folded) Classify(delta, remote_ip);
    if (!local_is_ip && local_ip.ip.ip_class == IpClass::kPublic) delta.Touch(local_ip.ip.ref, t);
    EdgeObservation obs{t, outcome, evidence, 1};
    const EntityRef& remote = !folded                                        ? remote_ip.ip.ref
                              : remote_ip.ip.ref.key.find(':') == std::string::npos ? internet_v4_
                                                                                    : internet_v6_;
    // Folded probes are the internet's initiative, whatever their ports.
    Initiator initiator = folded ? Initiator{true, false}
                                 : InitiatorOf(row[kTcpFlags], has_srcport, srcport, has_dstport, dstport);
    bool local_initiated = initiator.src == src_local;
    EdgeStats& flow = local_initiated ? delta.AddEdge(local, EdgeKind::kNetworkFlow, remote, obs)
                                      : delta.AddEdge(remote, EdgeKind::kNetworkFlow, local, obs);
    if (folded) flow.counters[folded_probes_key_] += 1;
    if (initiator.guessed) flow.counters[initiator_guessed_key_] += 1;
    // This row's packets went srcaddr -> dstaddr: out of the edge's source
    // when the source address is the initiator.
    if (initiator.src) {
      AddCount(flow.counters[bytes_out_key_], bytes);
      AddCount(flow.counters[packets_out_key_], packets);
    } else {
      AddCount(flow.counters[bytes_in_key_], bytes);
      AddCount(flow.counters[packets_in_key_], packets);
    }
    if (outcome > 0) flow.counters[accepted_key_] += 1;
    if (outcome < 0) flow.counters[rejected_key_] += 1;
    // The service port, counted on the rows sent towards it.
    if (initiator.src && has_dstport && !initiator.guessed) AddPort(flow, dstport);

    if (eni != nullptr && instance != nullptr) delta.AddEdge(instance->ref, EdgeKind::kHasInterface, eni->ref, obs);
    if (!local_is_ip && local_ip.ip.ip_class != IpClass::kPublic) {
      delta.AddEdge(local, EdgeKind::kAssignedIp, local_ip.ip.ref, obs);
    }
    if (owner != nullptr) {
      for (size_t a = 0; a < kOwnerAttrCount; ++a) {
        std::string_view value = row[kOwnerAttrs[a].field];
        if (!value.empty()) SetOwnerAttr(delta, *owner, a, value.substr(0, kMaxAttrBytes), t);
      }
    }
  }

  // Emits the IP's class attr and tag once per cache entry.
  static void Classify(GraphDelta& delta, IpSlot& ip) {
    if (ip.classified) return;
    delta.SetAttr(ip.ip.ref, "ip_class", IpClassName(ip.ip.ip_class), kNoTime);
    delta.AddTag(ip.ip.ref, ip.ip.ip_class == IpClass::kPublic ? "public" : "private", kNoTime);
    ip.classified = true;
  }

  // SetAttr(owner, name, value, t), skipped when this parser already emitted
  // the same value at a time >= t: attributes merge newest-wins (by time,
  // then value), so that observation could not change the stored attribute.
  // The owner's first/last seen are carried by its flow edge at `t`.
  static void SetOwnerAttr(GraphDelta& delta, OwnerSlot& owner, size_t a, std::string_view value, Timestamp t) {
    OwnerSlot::Attr& memo = owner.attrs[a];
    if (memo.known && memo.value == value && t <= memo.time) return;
    delta.SetAttr(owner.ref, kOwnerAttrs[a].name, value, t);
    if (memo.known && memo.value == value) {
      memo.time = t;
    } else {
      memo.known = true;
      memo.value.assign(value);
      memo.time = t;
    }
  }

  // Decides the local side (see the header comment) and learns from it.
  bool LocalIsSource(const FlowRow& row, const OwnerSlot* eni, const net::IpEntity& src, const net::IpEntity& dst) {
    std::string_view direction = row[kFlowDirection];
    bool src_local = true;
    bool certain = false;
    if (direction == "egress" || direction == "ingress") {
      src_local = direction == "egress";
      certain = true;
    } else if (int side = PktSide(row); side != 0) {
      src_local = side > 0;
      certain = true;
    } else {
      bool learned = false;
      if (eni != nullptr) {
        auto it = learned_.find(eni->ref.key);
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
    if (certain && eni != nullptr) {
      const std::string& local = src_local ? src.ref.key : dst.ref.key;
      auto it = learned_.find(eni->ref.key);
      if (it == learned_.end()) {
        if (learned_.size() < kMaxLearnedInterfaces) learned_.emplace(eni->ref.key, local);
      } else if (it->second != local) {
        it->second = local;
      }
    }
    return src_local;
  }

  // Rule 2 of "which side is local": +1 when pkt-srcaddr names another
  // address than srcaddr (srcaddr is then the interface's), -1 when
  // pkt-dstaddr names another than dstaddr, 0 when neither says.
  static int PktSide(const FlowRow& row) {
    auto differs = [](std::string_view addr, std::string_view pkt) {
      if (pkt.empty() || pkt == addr) return false;
      std::optional<IpAddress> a = ParseIp(addr), b = ParseIp(pkt);
      return a && b && a->ToString() != b->ToString();
    };
    if (differs(row[kSrcAddr], row[kPktSrcAddr])) return 1;
    if (differs(row[kDstAddr], row[kPktDstAddr])) return -1;
    return 0;
  }

  // Counts one row for port `port` on the edge, keeping at most
  // kMaxEdgeCounters counters by MergeEdgeStats' rule: the edge then holds
  // what merging the rows one by one would give, so its stored counters do
  // not depend on how rows are split into batches.
  void AddPort(EdgeStats& stats, uint64_t port) const {
    // "dport:NNNNN"; port <= 65535.
    char text[11] = {'d', 'p', 'o', 'r', 't', ':'};
    for (int i = 10; i >= 6; --i) {
      text[i] = static_cast<char>('0' + port % 10);
      port /= 10;
    }
    std::string key(text, sizeof(text));
    auto it = stats.counters.find(key);
    if (it != stats.counters.end()) {
      ++it->second;
      return;
    }
    auto overflow = stats.counters.find(overflow_key_);
    if (overflow != stats.counters.end()) {
      // Full: a port above every kept one would be the first to be summed
      // into "overflow" (dport: is the only keyed family on flow edges).
      auto last = stats.counters.lower_bound(dport_end_key_);
      if (last != stats.counters.begin() && std::prev(last)->first.compare(0, 6, "dport:") == 0 &&
          std::prev(last)->first.compare(key) < 0) {
        ++overflow->second;
        return;
      }
    }
    stats.counters.emplace(std::move(key), 1);
    if (stats.counters.size() > kMaxEdgeCounters) MergeEdgeStats(stats, EdgeStats{});
  }

  static bool MakeIp(std::string_view raw, IpSlot& slot) {
    slot.classified = false;
    return net::ParseIpEntityInto(raw, slot.ip);
  }

  template <EntityKind kKind>
  static bool MakeOwner(std::string_view raw, OwnerSlot& slot) {
    Result<std::string> key = NormalizeKey(kKind, raw);
    if (!key.ok()) return false;
    slot.ref.kind = kKind;
    slot.ref.key = std::move(key).value();
    for (OwnerSlot::Attr& a : slot.attrs) a.known = false;
    return true;
  }

  const bool fold_rejected_probes_;
  std::vector<Field> columns_;
  std::unordered_map<std::string, std::string> learned_;  // eni -> its local address
  // Flow logs repeat a few thousand addresses and interfaces on millions of
  // lines: their parsed and normalised forms are kept here (bounded).
  net::TokenCache<IpSlot> ips_;
  net::TokenCache<OwnerSlot, 128> enis_;
  net::TokenCache<OwnerSlot, 128> instances_;
  // Counter names, built once rather than per line.
  const std::string bytes_out_key_{"bytes_out"}, bytes_in_key_{"bytes_in"}, packets_out_key_{"packets_out"},
      packets_in_key_{"packets_in"}, accepted_key_{"accepted"}, rejected_key_{"rejected"},
      folded_probes_key_{"folded_probes"}, initiator_guessed_key_{"initiator_guessed"}, overflow_key_{"overflow"},
      dport_end_key_{"dport;"};
  // Where folded probes go: the internet.
  const EntityRef internet_v4_{EntityKind::kIpNetwork, "0.0.0.0/0"};
  const EntityRef internet_v6_{EntityKind::kIpNetwork, "::/0"};
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
  std::unique_ptr<FileParser> NewParser(const FileInfo&, const IngestOptions& options) const override {
    return std::make_unique<VpcFlowParser>(options.fold_rejected_probes);
  }
};

}  // namespace

std::unique_ptr<Ingestor> NewVpcFlowIngestor() { return std::make_unique<VpcFlowIngestor>(); }

}  // namespace gumshoe::ingest
