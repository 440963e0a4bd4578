// AWS ip-ranges.json ingestor.
//
// Input: {"syncToken","createDate","prefixes":[{"ip_prefix","region","service",
// "network_border_group"}],"ipv6_prefixes":[{"ipv6_prefix",...}]}, delivered
// by the framework as one JSON record.
//
// Representation (see gumshoe/lineage.h, AwsIpRanges): the prefix list is
// stored as chunked attributes of the entity aws_service:"ip-ranges.amazonaws.com",
// observed at the snapshot's createDate, so a newer snapshot replaces an older
// one whatever the ingest order. Queries (lineage, and anyone calling
// AwsIpRanges::Load) mark IPs as AWS's with service and region at query time,
// which covers IPs ingested before and after the ranges alike.
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

#include "gumshoe/lineage.h"
#include "gumshoe/normalize.h"
#include "gumshoe/time_util.h"
#include "ingestor.h"
#include "json_util.h"

namespace gumshoe::ingest {

std::unique_ptr<Ingestor> NewAwsIpRangesIngestor();

namespace {

constexpr size_t kMaxSyncTokenBytes = 64;

// "2026-08-22-21-17-05" -> seconds.
std::optional<Timestamp> ParseCreateDate(std::string_view s) {
  int y, mo, d, h, mi, se;
  if (s.size() != 19) return std::nullopt;
  std::string text(s);
  if (std::sscanf(text.c_str(), "%4d-%2d-%2d-%2d-%2d-%2d", &y, &mo, &d, &h, &mi, &se) != 6) return std::nullopt;
  if (!ValidCivilDate(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) || h > 23 || mi > 59 || se > 60)
    return std::nullopt;
  return DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86400 + h * 3600 + mi * 60 + se;
}

std::string Field(const JsonValue& item, std::string_view name) {
  auto s = Str(Member(item, name));
  if (!s) return "-";
  std::string out(s->substr(0, AwsIpRanges::kMaxFieldBytes));
  for (char& c : out)
    if (c == ' ' || c == '\n' || c == '\t' || c == '\r') c = '_';
  return out;
}

class AwsIpRangesParser final : public FileParser {
 public:
  void OnJson(const rapidjson::Value& value, RecordContext& ctx) override {
    auto token = Str(Member(value, "syncToken"));
    const JsonValue* v4 = Arr(Member(value, "prefixes"));
    const JsonValue* v6 = Arr(Member(value, "ipv6_prefixes"));
    if (!token || token->size() > kMaxSyncTokenBytes) {
      ctx.BeginRecord(ctx.EvidenceRef());
      ctx.Reject("missing_syncToken");
      return;
    }
    if (!ctx.BeginRecord(std::string("ip-ranges:") + std::string(*token))) return;
    if (v4 == nullptr && v6 == nullptr) {
      ctx.Reject("missing_prefixes");
      return;
    }
    auto created_text = Str(Member(value, "createDate"));
    std::optional<Timestamp> created = created_text ? ParseCreateDate(*created_text) : std::nullopt;
    if (!created || !PlausibleTime(*created, ctx.now())) {
      ctx.Reject("bad_createDate");
      return;
    }
    AwsIpRanges ranges;
    ranges.sync_token = std::string(*token);
    ranges.create_date = std::string(*created_text);
    for (auto [arr, field] : {std::pair{v4, "ip_prefix"}, std::pair{v6, "ipv6_prefix"}}) {
      if (arr == nullptr) continue;
      for (const JsonValue& item : arr->GetArray()) {
        if (ranges.size() >= AwsIpRanges::kMaxRanges) {
          ctx.Anomaly("too_many_prefixes");
          break;
        }
        auto text = Str(Member(item, field));
        std::optional<IpPrefix> prefix = text ? ParsePrefix(*text) : std::nullopt;
        if (!prefix) {
          ctx.Anomaly("bad_prefix");
          continue;
        }
        ranges.Add(AwsIpRange{*prefix, Field(item, "service"), Field(item, "region"),
                              Field(item, "network_border_group")});
      }
    }
    EntityRef e{AwsIpRanges::kEntityKind, std::string(AwsIpRanges::kEntityKey)};
    GraphDelta& d = ctx.delta();
    std::vector<std::string> chunks = ranges.EncodeChunks();
    char name[48];
    for (size_t i = 0; i < chunks.size(); ++i) {
      std::snprintf(name, sizeof(name), "%s%05zu", std::string(AwsIpRanges::kAttrChunkPrefix).c_str(), i);
      d.SetAttr(e, name, chunks[i], *created);
    }
    d.SetAttr(e, AwsIpRanges::kAttrChunks, std::to_string(chunks.size()), *created);
    d.SetAttr(e, AwsIpRanges::kAttrSyncToken, ranges.sync_token, *created);
    d.SetAttr(e, AwsIpRanges::kAttrCreateDate, ranges.create_date, *created);
    d.SetAttr(e, "ip_ranges.prefixes", std::to_string(ranges.size()), *created);
  }
};

class AwsIpRangesIngestor final : public Ingestor {
 public:
  std::string_view name() const override { return "aws_ip_ranges"; }
  std::string_view description() const override {
    return "AWS ip-ranges.json: marks IP addresses as AWS's (service, region) in queries";
  }
  int Sniff(std::string_view path, std::string_view head) const override {
    bool fields = head.find("\"syncToken\"") != std::string_view::npos &&
                  head.find("\"prefixes\"") != std::string_view::npos;
    if (fields) return 98;
    if (head.find("\"syncToken\"") != std::string_view::npos) return 80;
    if (path.find("ip-ranges") != std::string_view::npos && !head.empty() && head[0] == '{') return 40;
    return 0;
  }
  std::unique_ptr<FileParser> NewParser(const FileInfo& info, const IngestOptions& options) const override {
    (void)info;
    (void)options;
    return std::make_unique<AwsIpRangesParser>();
  }
};

}  // namespace

std::unique_ptr<Ingestor> NewAwsIpRangesIngestor() { return std::make_unique<AwsIpRangesIngestor>(); }

}  // namespace gumshoe::ingest
