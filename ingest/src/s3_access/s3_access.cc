// S3 server access logs -> graph.
//
// Input: the space-separated text format (fields may be "quoted" or
// [bracketed], any field may be `-`, fields appended over the years are
// accepted up to kMaxFields), and Panther's normalised JSON (lower-case
// names: bucket, remoteip, requester, operation, httpstatus, bytessent, ...;
// `_log` wrapper unwrapped).
//
// Each request becomes, with `op` read or wrote by its operation
// (REST.GET/HEAD/OPTIONS, WEBSITE.GET, REST.POST.SELECT: read; REST.PUT/POST/
// DELETE/COPY, BATCH.DELETE, S3.* lifecycle/replication: wrote; unknown: read,
// counted as anomaly unknown_operation):
//   requester -op-> s3_bucket   requester by ARN shape (iam_user, iam_role,
//                               role_session, federated_user, account root),
//                               `-` in text = anonymous (account
//                               ANONYMOUS_PRINCIPAL), AWS-internal names
//                               ("AmazonS3", "svc:...") = aws_service;
//                               canonical user IDs are not principals we can
//                               name: no requester edge (anomaly
//                               canonical_requester)
//   remote ip_address -op-> s3_bucket
//   requester -called_from-> ip_address, requester -used_agent-> user_agent
// Counters on the read/wrote edges: op:<OPERATION>, bytes_out (bytes sent to
// the requester) and bytes_in (object size of writes), the names CloudTrail
// data events use; outcome success for HTTP 2xx/3xx, failure for 4xx/5xx.
//
// Record identity: the line text (JSON: its compact text).
// Reject reasons: wrong_field_count, unterminated_field, bad_time,
// missing_bucket, bad_bucket, bad_ip, bad_number, missing_operation.
#include <algorithm>
#include <array>
#include <charconv>
#include <limits>
#include <string>

#include "gumshoe/normalize.h"
#include "gumshoe/time_util.h"
#include "json_util.h"
#include "registry.h"
#include "vpc_flow/net_common.h"

namespace gumshoe::ingest {
namespace {

// Fields through User-Agent are mandatory; later ones were added over time.
constexpr size_t kMinFields = 17;
constexpr size_t kMaxFields = 64;
// Longest operation name used in an op: counter.
constexpr size_t kMaxOperationBytes = 128;

enum Col : size_t {
  kOwner, kBucket, kTime, kRemoteIp, kRequester, kRequestId, kOperation, kKey, kRequestUri, kStatus,
  kErrorCode, kBytesSent, kObjectSize, kTotalTime, kTurnAround, kReferer, kUserAgent, kColCount
};

struct Request {
  std::array<std::string_view, kColCount> f{};  // empty = absent or `-`
  bool anonymous_dash = false;                   // requester was `-` (text form)
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

// "06/Feb/2019:00:00:38 +0000" (without brackets).
std::optional<Timestamp> ParseS3Time(std::string_view s) {
  static constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  if (s.size() < 20 || s[2] != '/' || s[6] != '/' || s[11] != ':' || s[14] != ':' || s[17] != ':') {
    return std::nullopt;
  }
  uint64_t d, y, h, mi, se;
  if (!ParseU64(s.substr(0, 2), &d) || !ParseU64(s.substr(7, 4), &y) || !ParseU64(s.substr(12, 2), &h) ||
      !ParseU64(s.substr(15, 2), &mi) || !ParseU64(s.substr(18, 2), &se)) {
    return std::nullopt;
  }
  unsigned month = 0;
  for (unsigned i = 0; i < 12; ++i) {
    if (s.substr(3, 3) == kMonths[i]) month = i + 1;
  }
  if (month == 0 || !ValidCivilDate(static_cast<int64_t>(y), month, static_cast<unsigned>(d)) || h > 23 || mi > 59 ||
      se > 60)
    return std::nullopt;
  int64_t offset = 0;
  std::string_view zone = s.substr(20);
  while (!zone.empty() && zone.front() == ' ') zone.remove_prefix(1);
  if (!zone.empty()) {
    uint64_t oh, om;
    if (zone.size() != 5 || (zone[0] != '+' && zone[0] != '-') || !ParseU64(zone.substr(1, 2), &oh) ||
        !ParseU64(zone.substr(3, 2), &om) || oh > 99 || !ValidUtcOffset(static_cast<int>(oh), static_cast<int>(om))) {
      return std::nullopt;
    }
    offset = static_cast<int64_t>(oh * 3600 + om * 60) * (zone[0] == '+' ? 1 : -1);
  }
  return DaysFromCivil(static_cast<int64_t>(y), month, static_cast<unsigned>(d)) * 86400 +
         static_cast<int64_t>(h * 3600 + mi * 60 + se) - offset;
}

enum class OpKind { kRead, kWrite, kUnknown };
OpKind ClassifyOperation(std::string_view op) {
  auto starts = [&](std::string_view p) { return op.substr(0, p.size()) == p; };
  if (starts("REST.GET.") || starts("REST.HEAD.") || starts("REST.OPTIONS") || starts("WEBSITE.GET.") ||
      starts("WEBSITE.HEAD.") || starts("REST.POST.SELECT") || op == "REST.COPY.OBJECT_GET") {
    return OpKind::kRead;
  }
  if (starts("REST.PUT.") || starts("REST.POST.") || starts("REST.DELETE.") || starts("REST.COPY.") ||
      starts("BATCH.DELETE.") || starts("S3.") || starts("WEBSITE.PUT.") || starts("WEBSITE.POST.")) {
    return OpKind::kWrite;
  }
  return OpKind::kUnknown;
}

class S3AccessParser : public FileParser {
 public:
  void OnLine(std::string_view line, RecordContext& ctx) override {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
    if (line.empty()) return;
    Request r;
    size_t n = 0, i = 0;
    while (i < line.size()) {
      while (i < line.size() && line[i] == ' ') ++i;
      if (i >= line.size()) break;
      std::string_view tok;
      char open = line[i];
      if (open == '"' || open == '[') {
        char close = open == '"' ? '"' : ']';
        size_t end = line.find(close, i + 1);
        // A quoted field ends at a quote followed by a space or the end.
        while (close == '"' && end != std::string_view::npos && end + 1 < line.size() && line[end + 1] != ' ') {
          end = line.find(close, end + 1);
        }
        if (end == std::string_view::npos) {
          ctx.Reject("unterminated_field");
          return;
        }
        tok = line.substr(i + 1, end - i - 1);
        i = end + 1;
      } else {
        size_t end = line.find(' ', i);
        if (end == std::string_view::npos) end = line.size();
        tok = line.substr(i, end - i);
        i = end;
      }
      if (n < kColCount) {
        if (n == kRequester && tok == "-") r.anonymous_dash = true;
        if (tok != "-") r.f[n] = tok;
      }
      if (++n > kMaxFields) break;
    }
    if (n < kMinFields || n > kMaxFields) {
      ctx.Reject("wrong_field_count");
      return;
    }
    std::optional<Timestamp> t = ParseS3Time(r.f[kTime]);
    if (!t) {
      ctx.Reject("bad_time");
      return;
    }
    Emit(r, *t, line, ctx);
  }

  void OnJson(const rapidjson::Value& value, RecordContext& ctx) override {
    const JsonValue& v = net::UnwrapPanther(value);
    if (!v.IsObject()) {
      ctx.Reject("not_an_object");
      return;
    }
    static constexpr std::pair<Col, std::string_view> kNames[] = {
        {kOwner, "bucketowner"},   {kBucket, "bucket"},         {kRemoteIp, "remoteip"},
        {kRequester, "requester"}, {kRequestId, "requestid"},   {kOperation, "operation"},
        {kKey, "key"},             {kRequestUri, "requesturi"}, {kStatus, "httpstatus"},
        {kErrorCode, "errorcode"}, {kBytesSent, "bytessent"},   {kObjectSize, "objectsize"},
        {kUserAgent, "useragent"}};
    std::array<std::string, kColCount> storage;
    Request r;
    for (const auto& [col, name] : kNames) {
      const JsonValue* m = Member(v, name);
      if (m == nullptr || m->IsNull()) continue;
      std::optional<std::string> text = ScalarText(m);
      if (!text) {
        ctx.Reject("bad_field_type");
        return;
      }
      if (text->empty() || *text == "-") continue;
      storage[col] = std::move(*text);
      r.f[col] = storage[col];
    }
    Timestamp t = kNoTime;
    if (const JsonValue* time = Member(v, "time")) {
      std::optional<Timestamp> parsed = net::JsonTime(time);
      if (!parsed) {
        if (auto text = Str(time)) parsed = ParseS3Time(text->substr(text->front() == '[' ? 1 : 0));
      }
      if (!parsed) {
        ctx.Reject("bad_time");
        return;
      }
      t = *parsed;
    }
    Emit(r, t, net::CanonicalJson(v), ctx);
  }

 private:
  static void Emit(const Request& r, Timestamp t, std::string_view identity, RecordContext& ctx) {
    if (t != kNoTime && !PlausibleTime(t, ctx.now())) {
      ctx.Reject("bad_time");
      return;
    }
    if (r.f[kBucket].empty()) {
      ctx.Reject("missing_bucket");
      return;
    }
    std::optional<EntityRef> bucket = net::MakeRef(EntityKind::kS3Bucket, r.f[kBucket]);
    if (!bucket) {
      ctx.Reject("bad_bucket");
      return;
    }
    std::optional<net::IpEntity> ip;
    if (!r.f[kRemoteIp].empty()) {
      ip = net::ParseIpEntity(r.f[kRemoteIp]);
      if (!ip) {
        ctx.Reject("bad_ip");
        return;
      }
      if (ip->leading_zero) ctx.Anomaly("leading_zero_ip");
    }
    uint64_t status = 0, bytes_sent = 0, object_size = 0;
    if ((!r.f[kStatus].empty() && (!ParseU64(r.f[kStatus], &status) || status > 999)) ||
        (!r.f[kBytesSent].empty() && !ParseU64(r.f[kBytesSent], &bytes_sent)) ||
        (!r.f[kObjectSize].empty() && !ParseU64(r.f[kObjectSize], &object_size))) {
      ctx.Reject("bad_number");
      return;
    }
    std::string_view op = r.f[kOperation];
    if (op.empty()) {
      ctx.Reject("missing_operation");
      return;
    }
    std::optional<EntityRef> actor;
    std::string_view requester = r.f[kRequester];
    bool canonical = false;
    if (r.anonymous_dash) {
      actor = EntityRef{EntityKind::kAccount, "ANONYMOUS_PRINCIPAL"};
    } else if (!requester.empty()) {
      if (requester.substr(0, 4) == "arn:") {
        actor = net::PrincipalFromArn(requester);
      } else if (requester.substr(0, 4) == "svc:" || requester.substr(0, 6) == "Amazon" ||
                 requester.find(".amazonaws.com") != std::string_view::npos) {
        actor = net::MakeRef(EntityKind::kAwsService, requester);
      } else {
        canonical = true;
      }
    }
    if (!ctx.BeginRecord(identity)) return;
    if (canonical) ctx.Anomaly("canonical_requester");
    if (t == kNoTime) ctx.Anomaly("missing_time");
    OpKind kind = ClassifyOperation(op);
    if (kind == OpKind::kUnknown) ctx.Anomaly("unknown_operation");
    EdgeKind edge = kind == OpKind::kWrite ? EdgeKind::kWrote : EdgeKind::kRead;
    int outcome = status == 0 ? 0 : status < 400 ? 1 : -1;

    GraphDelta& delta = ctx.delta();
    std::string evidence = ctx.EvidenceRef();
    EdgeObservation obs{t, outcome, evidence, 1};
    std::string op_key = "op:" + std::string(op.substr(0, kMaxOperationBytes));
    auto add = [&](const EntityRef& from) {
      EdgeStats& s = delta.AddEdge(from, edge, *bucket, obs);
      s.counters[op_key] += 1;
      if (bytes_sent != 0) AddCount(s.counters["bytes_out"], bytes_sent);
      if (kind == OpKind::kWrite && object_size != 0) AddCount(s.counters["bytes_in"], object_size);
    };
    delta.Touch(*bucket, t);
    if (!r.f[kOwner].empty()) delta.SetAttr(*bucket, "owner_canonical_id", r.f[kOwner].substr(0, 128), t);
    if (ip) {
      net::EmitIp(delta, *ip, t);
      add(ip->ref);
    }
    if (actor) {
      add(*actor);
      if (ip) delta.AddEdge(*actor, EdgeKind::kCalledFrom, ip->ref, obs);
      if (!r.f[kUserAgent].empty()) {
        delta.AddEdge(*actor, EdgeKind::kUsedAgent,
                      EntityRef{EntityKind::kUserAgent, std::string(r.f[kUserAgent].substr(0, kMaxUserAgentBytes))},
                      obs);
      }
    }
  }
};

class S3AccessIngestor : public Ingestor {
 public:
  std::string_view name() const override { return "s3_access"; }
  std::string_view description() const override { return "S3 server access logs (text or Panther JSON)"; }
  int Sniff(std::string_view path, std::string_view head) const override {
    if (!head.empty() && (head.front() == '{' || head.front() == '[')) {
      if (head.find("AWS.S3ServerAccess") != std::string_view::npos) return 90;
      if (head.find("\"bucketowner\"") != std::string_view::npos || head.find("\"remoteip\"") != std::string_view::npos) {
        return 80;
      }
      return 0;
    }
    // "<owner> <bucket> [06/Feb/2019:00:00:38 +0000] ..."
    std::string_view first = head.substr(0, head.find('\n'));
    size_t a = first.find(' ');
    size_t b = a == std::string_view::npos ? a : first.find(' ', a + 1);
    if (b != std::string_view::npos && first.size() > b + 28 && first[b + 1] == '[' && first[b + 4] == '/' &&
        first[b + 8] == '/' && first.substr(b + 22, 6) == " +0000") {
      return 90;
    }
    if (path.find("s3-access") != std::string_view::npos || path.find("s3_access") != std::string_view::npos) return 40;
    return 0;
  }
  std::unique_ptr<FileParser> NewParser(const FileInfo&, const IngestOptions&) const override {
    return std::make_unique<S3AccessParser>();
  }
};

}  // namespace

std::unique_ptr<Ingestor> NewS3AccessIngestor() { return std::make_unique<S3AccessIngestor>(); }

}  // namespace gumshoe::ingest
