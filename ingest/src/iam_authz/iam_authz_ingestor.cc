// The iam_authz ingestor: keeps each `get-account-authorization-details`
// snapshot as a document beside the graph (key iam_authz/<account>/<time>/<hash>),
// so that `could` evaluates the account's policies as of any time, with the
// IAM changes CloudTrail recorded after the snapshot applied. The snapshot's
// time is `--as-of` when given, else the file's modification time; without
// either (stdin) it is unknown and the snapshot answers for any time.
#include <sys/stat.h>

#include <cinttypes>
#include <cstdio>
#include <memory>
#include <string>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "iam_authz/iam_authz_internal.h"
#include "ingestor.h"

namespace gumshoe::ingest {

std::unique_ptr<Ingestor> NewIamAuthzIngestor();

namespace {

uint64_t Fnv1a(std::string_view s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

class IamAuthzParser final : public FileParser {
 public:
  explicit IamAuthzParser(Timestamp as_of) : as_of_(as_of) {}

  void OnJson(const rapidjson::Value& value, RecordContext& ctx) override {
    if (IsScpDocument(value) || IsResourcePolicyDocument(value)) {
      PolicyExport(value, ctx);
      return;
    }
    if (!IsAuthorizationDetails(value)) {
      ctx.BeginRecord(ctx.EvidenceRef());
      ctx.Reject("not_authorization_details");
      return;
    }
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buf);
    value.Accept(writer);
    std::string_view compact(buf.GetString(), buf.GetSize());
    AuthzParseStats stats;
    auto snap = SnapshotFromJson(value, as_of_, &stats);
    if (!snap.ok() || snap.value().account.empty()) {
      ctx.BeginRecord(ctx.EvidenceRef());
      if (snap.ok()) {
        ctx.Reject("unknown_account");
      } else {
        ctx.Reject("bad_snapshot");
      }
      return;
    }
    std::string key = "iam_authz/" + snap.value().account + "/" + TimeAndHash(compact);
    if (!ctx.BeginRecord(key)) return;
    for (const auto& [name, n] : stats.anomalies)
      for (uint64_t i = 0; i < n && i < 1000; ++i) ctx.Anomaly(name);
    ctx.delta().PutDocument(std::move(key), std::string(compact));
    ctx.delta().Touch(EntityRef{EntityKind::kAccount, snap.value().account}, kNoTime);
  }

 private:
  std::string TimeAndHash(std::string_view compact) const {
    char time_part[32];
    if (as_of_ == kNoTime) {
      std::snprintf(time_part, sizeof time_part, "unknown");
    } else {
      std::snprintf(time_part, sizeof time_part, "%020" PRId64, as_of_);
    }
    char hash_part[17];
    std::snprintf(hash_part, sizeof hash_part, "%016" PRIx64, Fnv1a(compact));
    return std::string(time_part) + "/" + hash_part;
  }

  // An SCP (iam_scp/<policy id>/<time>/<hash>) or a resource policy
  // (resource_policy/<resource ARN>/<time>/<hash>), stored as given once it parses.
  void PolicyExport(const rapidjson::Value& value, RecordContext& ctx) {
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buf);
    value.Accept(writer);
    std::string_view compact(buf.GetString(), buf.GetSize());
    AuthzParseStats stats;
    std::string key;
    if (IsScpDocument(value)) {
      auto scp = ScpFromJson(value, &stats);
      if (!scp.ok()) {
        ctx.BeginRecord(ctx.EvidenceRef());
        if (scp.status().code() == Status::Code::kInvalidArgument) {
          ctx.Reject("not_service_control_policy");
        } else {
          ctx.Reject("bad_scp");
        }
        return;
      }
      key = "iam_scp/" + scp.value().id + "/" + TimeAndHash(compact);
    } else {
      auto rp = ResourcePolicyFromJson(value, &stats);
      if (!rp.ok()) {
        ctx.BeginRecord(ctx.EvidenceRef());
        if (rp.status().code() == Status::Code::kInvalidArgument) {
          ctx.Reject("unsupported_resource_policy");
        } else {
          ctx.Reject("bad_resource_policy");
        }
        return;
      }
      key = "resource_policy/" + rp.value().arn + "/" + TimeAndHash(compact);
    }
    if (!ctx.BeginRecord(key)) return;
    for (const auto& [name, n] : stats.anomalies)
      for (uint64_t i = 0; i < n && i < 1000; ++i) ctx.Anomaly(name);
    ctx.delta().PutDocument(std::move(key), std::string(compact));
  }

  Timestamp as_of_;
};

class IamAuthzIngestor final : public Ingestor {
 public:
  std::string_view name() const override { return "iam_authz"; }
  std::string_view description() const override {
    return "IAM authorization snapshots (aws iam get-account-authorization-details), Organizations SCPs "
           "(describe-policy + list-targets-for-policy) and bucket, KMS key and secret resource policies";
  }
  int Sniff(std::string_view path, std::string_view head) const override {
    (void)path;
    if (LooksLikeAuthorizationDetails(head)) return 95;
    return LooksLikeIamPolicyExport(head) ? 90 : 0;
  }
  std::unique_ptr<FileParser> NewParser(const FileInfo& info, const IngestOptions& options) const override {
    Timestamp as_of = options.snapshot_time;
    struct stat st {};
    if (as_of == kNoTime && info.path != "-" && ::stat(info.path.c_str(), &st) == 0) as_of = st.st_mtime;
    return std::make_unique<IamAuthzParser>(as_of);
  }
};

}  // namespace

std::unique_ptr<Ingestor> NewIamAuthzIngestor() { return std::make_unique<IamAuthzIngestor>(); }

}  // namespace gumshoe::ingest
