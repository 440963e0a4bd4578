#include "vpc_flow/net_common.h"

#include <cmath>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "gumshoe/time_util.h"

namespace gumshoe::ingest::net {

std::optional<IpEntity> ParseIpEntity(std::string_view raw) {
  bool leading_zero = false;
  std::optional<IpAddress> ip = ParseIp(raw, &leading_zero);
  if (!ip) return std::nullopt;
  return IpEntity{EntityRef{EntityKind::kIpAddress, ip->ToString()}, ClassifyIp(*ip), leading_zero};
}

bool ParseIpEntityInto(std::string_view raw, IpEntity& out) {
  std::optional<IpAddress> ip = ParseIp(raw, &out.leading_zero);
  if (!ip) return false;
  out.ref.kind = EntityKind::kIpAddress;
  out.ref.key = ip->ToString();
  out.ip_class = ClassifyIp(*ip);
  return true;
}

void EmitIp(GraphDelta& delta, const IpEntity& ip, Timestamp t) {
  delta.Touch(ip.ref, t);
  delta.SetAttr(ip.ref, "ip_class", IpClassName(ip.ip_class), kNoTime);
  delta.AddTag(ip.ref, ip.ip_class == IpClass::kPublic ? "public" : "private", kNoTime);
}

std::optional<EntityRef> MakeRef(EntityKind kind, std::string_view raw) {
  Result<std::string> key = NormalizeKey(kind, raw);
  if (!key.ok()) return std::nullopt;
  return EntityRef{kind, std::move(key).value()};
}

std::optional<EntityRef> PrincipalFromArn(std::string_view arn) {
  // arn:<partition>:<service>:<region>:<account>:<resource>
  if (arn.substr(0, 4) != "arn:") return std::nullopt;
  size_t p1 = arn.find(':', 4);
  if (p1 == std::string_view::npos) return std::nullopt;
  size_t p2 = arn.find(':', p1 + 1);
  if (p2 == std::string_view::npos) return std::nullopt;
  size_t p3 = arn.find(':', p2 + 1);
  if (p3 == std::string_view::npos) return std::nullopt;
  size_t p4 = arn.find(':', p3 + 1);
  if (p4 == std::string_view::npos) return std::nullopt;
  std::string_view service = arn.substr(p1 + 1, p2 - p1 - 1);
  std::string_view account = arn.substr(p3 + 1, p4 - p3 - 1);
  std::string_view resource = arn.substr(p4 + 1);
  auto starts = [&](std::string_view prefix) { return resource.substr(0, prefix.size()) == prefix; };
  if (service == "iam") {
    if (resource == "root") return MakeRef(EntityKind::kAccount, account);
    if (starts("user/")) return MakeRef(EntityKind::kIamUser, arn);
    if (starts("role/")) return MakeRef(EntityKind::kIamRole, arn);
    return std::nullopt;
  }
  if (service == "sts") {
    if (starts("assumed-role/")) return MakeRef(EntityKind::kRoleSession, arn);
    if (starts("federated-user/")) return MakeRef(EntityKind::kFederatedUser, arn);
    return std::nullopt;
  }
  if (service == "lambda" && starts("function:")) return MakeRef(EntityKind::kLambdaFunction, arn);
  return std::nullopt;
}

const JsonValue& UnwrapPanther(const JsonValue& v) {
  const JsonValue* inner = Obj(Member(v, "_log"));
  return inner != nullptr ? *inner : v;
}

std::string CanonicalJson(const JsonValue& v) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  v.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::optional<Timestamp> JsonTime(const JsonValue* v) {
  if (v == nullptr) return std::nullopt;
  if (auto s = Str(v)) {
    if (auto t = ParseIsoTime(*s)) return t;
  }
  std::optional<double> d = Double(v);
  if (!d || !std::isfinite(*d) || *d < 0 || *d > 1e15) return std::nullopt;
  double secs = *d > 1e11 ? *d / 1000.0 : *d;
  return static_cast<Timestamp>(secs);
}

}  // namespace gumshoe::ingest::net
