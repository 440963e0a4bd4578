#include "gumshoe/normalize.h"

#include <algorithm>
#include <cctype>
#include <cstdio>

namespace gumshoe {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}
std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}
std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// `leading_zero`, when given, is set when an octet has a leading zero
// ("010"); the octet is still read as decimal.
bool ParseIpv4(std::string_view s, uint8_t out[4], bool* leading_zero = nullptr) {
  int part = 0;
  size_t i = 0;
  while (part < 4) {
    if (i >= s.size() || !std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    unsigned v = 0;
    size_t digits = 0;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
      v = v * 10 + static_cast<unsigned>(s[i] - '0');
      if (++digits > 3 || v > 255) return false;
      ++i;
    }
    if (digits > 1 && s[i - digits] == '0' && leading_zero != nullptr) *leading_zero = true;
    out[part++] = static_cast<uint8_t>(v);
    if (part < 4) {
      if (i >= s.size() || s[i] != '.') return false;
      ++i;
    }
  }
  return i == s.size();
}

int HexVal(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool ParseIpv6(std::string_view s, uint8_t out[16], bool* leading_zero) {
  // Strip a zone index ("fe80::1%eth0").
  if (auto pct = s.find('%'); pct != std::string_view::npos) s = s.substr(0, pct);
  if (s.size() < 2 || s.size() > 45) return false;
  uint16_t groups[8] = {};
  int n = 0, gap = -1;
  size_t i = 0;
  if (s.substr(0, 2) == "::") {
    gap = 0;
    i = 2;
    if (i == s.size()) {
      std::fill(out, out + 16, 0);
      return true;
    }
  } else if (s[0] == ':') {
    return false;
  }
  while (i < s.size()) {
    if (n >= 8) return false;
    // IPv4 tail.
    size_t end = s.find(':', i);
    std::string_view piece = s.substr(i, end == std::string_view::npos ? std::string_view::npos : end - i);
    if (end == std::string_view::npos && piece.find('.') != std::string_view::npos) {
      uint8_t v4[4];
      if (n > 6 || !ParseIpv4(piece, v4, leading_zero)) return false;
      groups[n++] = static_cast<uint16_t>(v4[0] << 8 | v4[1]);
      groups[n++] = static_cast<uint16_t>(v4[2] << 8 | v4[3]);
      i = s.size();
      break;
    }
    if (piece.empty() || piece.size() > 4) return false;
    unsigned v = 0;
    for (char c : piece) {
      int h = HexVal(c);
      if (h < 0) return false;
      v = v << 4 | static_cast<unsigned>(h);
    }
    groups[n++] = static_cast<uint16_t>(v);
    if (end == std::string_view::npos) {
      i = s.size();
      break;
    }
    i = end + 1;
    if (i < s.size() && s[i] == ':') {
      if (gap >= 0) return false;
      gap = n;
      ++i;
    } else if (i == s.size()) {
      return false;  // trailing single colon
    }
  }
  if (gap < 0 && n != 8) return false;
  if (gap >= 0 && n >= 8) return false;
  uint16_t full[8] = {};
  if (gap >= 0) {
    int tail = n - gap;
    for (int k = 0; k < gap; ++k) full[k] = groups[k];
    for (int k = 0; k < tail; ++k) full[8 - tail + k] = groups[gap + k];
  } else {
    std::copy(groups, groups + 8, full);
  }
  for (int k = 0; k < 8; ++k) {
    out[2 * k] = static_cast<uint8_t>(full[k] >> 8);
    out[2 * k + 1] = static_cast<uint8_t>(full[k] & 0xff);
  }
  return true;
}

bool IsV4Mapped(const IpAddress& ip) {
  const auto& b = ip.bytes;
  return ip.v6 && std::all_of(b.begin(), b.begin() + 10, [](uint8_t x) { return x == 0; }) && b[10] == 0xff &&
         b[11] == 0xff;
}

// The address as written: IPv4-mapped IPv6 stays IPv6.
std::optional<IpAddress> ParseIpAsWritten(std::string_view text, bool* leading_zero) {
  text = Trim(text);
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']') text = text.substr(1, text.size() - 2);
  IpAddress ip;
  if (text.find(':') == std::string_view::npos) {
    if (!ParseIpv4(text, ip.bytes.data(), leading_zero)) return std::nullopt;
    return ip;
  }
  ip.v6 = true;
  if (!ParseIpv6(text, ip.bytes.data(), leading_zero)) return std::nullopt;
  return ip;
}

IpAddress UnmapV4(const IpAddress& ip) {
  IpAddress v4;
  std::copy(ip.bytes.begin() + 12, ip.bytes.end(), v4.bytes.begin());
  return v4;
}

bool InV4(const IpAddress& ip, uint8_t a, uint8_t b, int bits) {
  uint32_t v = uint32_t(ip.bytes[0]) << 24 | uint32_t(ip.bytes[1]) << 16 | uint32_t(ip.bytes[2]) << 8 | ip.bytes[3];
  uint32_t base = uint32_t(a) << 24 | uint32_t(b) << 16;
  uint32_t mask = bits == 0 ? 0 : ~uint32_t{0} << (32 - bits);
  return (v & mask) == (base & mask);
}

}  // namespace

std::string IpAddress::ToString() const {
  char buf[64];
  if (!v6) {
    std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", bytes[0], bytes[1], bytes[2], bytes[3]);
    return buf;
  }
  uint16_t g[8];
  for (int k = 0; k < 8; ++k) g[k] = static_cast<uint16_t>(bytes[2 * k] << 8 | bytes[2 * k + 1]);
  // IPv4-mapped ::ffff:a.b.c.d
  if (g[0] == 0 && g[1] == 0 && g[2] == 0 && g[3] == 0 && g[4] == 0 && g[5] == 0xffff) {
    std::snprintf(buf, sizeof buf, "::ffff:%u.%u.%u.%u", bytes[12], bytes[13], bytes[14], bytes[15]);
    return buf;
  }
  // Longest run of >= 2 zero groups (first one on ties), per RFC 5952.
  int best = -1, best_len = 0;
  for (int k = 0; k < 8;) {
    if (g[k] != 0) {
      ++k;
      continue;
    }
    int j = k;
    while (j < 8 && g[j] == 0) ++j;
    if (j - k > best_len && j - k >= 2) {
      best = k;
      best_len = j - k;
    }
    k = j;
  }
  std::string out;
  for (int k = 0; k < 8; ++k) {
    if (k == best) {
      out += "::";
      k += best_len - 1;
      continue;
    }
    if (!out.empty() && out.back() != ':') out += ':';
    std::snprintf(buf, sizeof buf, "%x", g[k]);
    out += buf;
  }
  return out;
}

std::optional<IpAddress> ParseIp(std::string_view text, bool* leading_zero) {
  if (leading_zero != nullptr) *leading_zero = false;
  std::optional<IpAddress> ip = ParseIpAsWritten(text, leading_zero);
  if (ip && IsV4Mapped(*ip)) return UnmapV4(*ip);
  return ip;
}

IpClass ClassifyIp(const IpAddress& ip) {
  if (!ip.v6) {
    if (InV4(ip, 10, 0, 8) || InV4(ip, 172, 16, 12) || InV4(ip, 192, 168, 16)) return IpClass::kPrivate;
    if (InV4(ip, 100, 64, 10)) return IpClass::kSharedCgnat;
    if (InV4(ip, 127, 0, 8)) return IpClass::kLoopback;
    if (InV4(ip, 169, 254, 16)) return IpClass::kLinkLocal;
    if (ip.bytes[0] >= 224 && ip.bytes[0] <= 239) return IpClass::kMulticast;
    if (ip.bytes[0] == 0 || ip.bytes[0] >= 240) return IpClass::kReserved;
    return IpClass::kPublic;
  }
  const auto& b = ip.bytes;
  bool mapped = std::all_of(b.begin(), b.begin() + 10, [](uint8_t x) { return x == 0; }) && b[10] == 0xff && b[11] == 0xff;
  if (mapped) {
    IpAddress v4;
    std::copy(b.begin() + 12, b.end(), v4.bytes.begin());
    return ClassifyIp(v4);
  }
  bool all_zero_but_last = std::all_of(b.begin(), b.begin() + 15, [](uint8_t x) { return x == 0; });
  if (all_zero_but_last && b[15] == 1) return IpClass::kLoopback;
  if (all_zero_but_last && b[15] == 0) return IpClass::kReserved;
  if ((b[0] & 0xfe) == 0xfc) return IpClass::kPrivate;              // fc00::/7 unique local
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return IpClass::kLinkLocal;  // fe80::/10
  if (b[0] == 0xff) return IpClass::kMulticast;
  if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) return IpClass::kReserved;  // documentation
  return IpClass::kPublic;
}

std::string_view IpClassName(IpClass c) {
  switch (c) {
    case IpClass::kPrivate: return "private";
    case IpClass::kPublic: return "public";
    case IpClass::kLoopback: return "loopback";
    case IpClass::kLinkLocal: return "link_local";
    case IpClass::kSharedCgnat: return "cgnat";
    case IpClass::kMulticast: return "multicast";
    case IpClass::kReserved: return "reserved";
  }
  return "unknown";
}

bool IsNonPublic(IpClass c) { return c != IpClass::kPublic; }

bool IpPrefix::Contains(const IpAddress& ip) const {
  if (ip.v6 != base.v6) return false;
  int full = length / 8, rem = length % 8;
  for (int i = 0; i < full; ++i)
    if (ip.bytes[static_cast<size_t>(i)] != base.bytes[static_cast<size_t>(i)]) return false;
  if (rem == 0) return true;
  uint8_t mask = static_cast<uint8_t>(0xff << (8 - rem));
  return (ip.bytes[static_cast<size_t>(full)] & mask) == (base.bytes[static_cast<size_t>(full)] & mask);
}

std::string IpPrefix::ToString() const { return base.ToString() + "/" + std::to_string(length); }

std::optional<IpPrefix> ParsePrefix(std::string_view text) {
  text = Trim(text);
  auto slash = text.find('/');
  auto ip = ParseIpAsWritten(text.substr(0, slash), nullptr);
  if (!ip) return std::nullopt;
  IpPrefix p;
  p.base = *ip;
  int max = ip->v6 ? 128 : 32;
  if (slash == std::string_view::npos) {
    p.length = max;
  } else {
    std::string_view len = text.substr(slash + 1);
    if (len.empty() || len.size() > 3) return std::nullopt;
    int v = 0;
    for (char c : len) {
      if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
      v = v * 10 + (c - '0');
    }
    if (v > max) return std::nullopt;
    p.length = v;
  }
  // ::ffff:a.b.c.d/n with n >= 96 is the IPv4 prefix a.b.c.d/(n-96), as the
  // mapped address is the IPv4 address.
  if (IsV4Mapped(p.base) && p.length >= 96) {
    p.base = UnmapV4(p.base);
    p.length -= 96;
    max = 32;
  }
  // Zero the host bits so equal prefixes compare equal.
  for (int bit = p.length; bit < max; ++bit)
    p.base.bytes[static_cast<size_t>(bit / 8)] &= static_cast<uint8_t>(~(0x80 >> (bit % 8)));
  return p;
}

Result<std::string> NormalizeKey(EntityKind kind, std::string_view raw) {
  std::string_view s = Trim(raw);
  if (s.empty()) return Status::InvalidArgument(std::string("empty ") + std::string(EntityKindName(kind)) + " key");
  // Trimmed again after the cut, so the key normalises to itself.
  if (kind == EntityKind::kUserAgent && s.size() > kMaxUserAgentBytes) s = Trim(s.substr(0, kMaxUserAgentBytes));
  if (s.size() > kMaxKeyBytes)
    return Status::InvalidArgument(std::string(EntityKindName(kind)) + " key longer than " +
                                   std::to_string(kMaxKeyBytes) + " bytes");
  switch (kind) {
    case EntityKind::kIpAddress: {
      auto ip = ParseIp(s);
      if (!ip) return Status::InvalidArgument("not an IP address: " + std::string(s.substr(0, 64)));
      return ip->ToString();
    }
    case EntityKind::kIpNetwork: {
      // The prefix length is required: "10.0.0.1" is an address, not a network.
      // Host bits are zeroed, so 203.0.113.7/24 names 203.0.113.0/24.
      std::optional<IpPrefix> prefix;
      if (s.find('/') != std::string_view::npos && s.find('%') == std::string_view::npos) prefix = ParsePrefix(s);
      if (!prefix) return Status::InvalidArgument("not an IP network in CIDR notation: " + std::string(s.substr(0, 64)));
      return prefix->ToString();
    }
    case EntityKind::kAccessKey:
      return Upper(s);
    case EntityKind::kEc2Instance:
    case EntityKind::kNetworkInterface:
    case EntityKind::kS3Bucket:
    case EntityKind::kRdsInstance:
    case EntityKind::kAwsService:
    case EntityKind::kSecurityGroup:
    case EntityKind::kEbsSnapshot:
    case EntityKind::kAmi:
    case EntityKind::kRdsSnapshot:
    case EntityKind::kFlowLog:
    case EntityKind::kSsmCommand:
      return Lower(s);
    case EntityKind::kDomain: {
      std::string d = Lower(s);
      while (!d.empty() && (d.back() == '.' || std::isspace(static_cast<unsigned char>(d.back())))) d.pop_back();
      if (d.empty()) return Status::InvalidArgument("empty domain key");
      return d;
    }
    default:
      return std::string(s);
  }
}

std::optional<EntityKind> GuessKind(std::string_view t) {
  t = Trim(t);
  if (t.empty()) return std::nullopt;
  if (t.rfind("arn:", 0) == 0) {
    // arn:partition:service:region:account:resource
    size_t p = 0;
    int colons = 0;
    while (colons < 5 && (p = t.find(':', p)) != std::string_view::npos) {
      ++colons;
      ++p;
    }
    if (colons < 5) return std::nullopt;
    std::string_view service = t.substr(t.find(':', 4) + 1);
    service = service.substr(0, service.find(':'));
    std::string_view res = t.substr(p);
    if (service == "iam") {
      if (res.rfind("user/", 0) == 0) return EntityKind::kIamUser;
      if (res.rfind("role/", 0) == 0) return EntityKind::kIamRole;
      if (res == "root") return EntityKind::kIamUser;
      if (res.rfind("saml-provider/", 0) == 0 || res.rfind("oidc-provider/", 0) == 0) return EntityKind::kIdentityProvider;
    }
    if (service == "sts") {
      if (res.rfind("assumed-role/", 0) == 0) return EntityKind::kRoleSession;
      if (res.rfind("federated-user/", 0) == 0) return EntityKind::kFederatedUser;
    }
    if (service == "s3") return EntityKind::kS3Bucket;
    if (service == "lambda") return EntityKind::kLambdaFunction;
    if (service == "eks") return EntityKind::kEksCluster;
    if (service == "guardduty") return EntityKind::kFinding;
    if (service == "ec2" && res.rfind("instance/", 0) == 0) return EntityKind::kEc2Instance;
    if (service == "ec2" && res.rfind("security-group/", 0) == 0) return EntityKind::kSecurityGroup;
    if (service == "ec2" && res.rfind("snapshot/", 0) == 0) return EntityKind::kEbsSnapshot;
    if (service == "ec2" && res.rfind("image/", 0) == 0) return EntityKind::kAmi;
    if (service == "ec2" && res.rfind("vpc-flow-log/", 0) == 0) return EntityKind::kFlowLog;
    if (service == "rds")
      return res.rfind("snapshot:", 0) == 0 || res.rfind("cluster-snapshot:", 0) == 0 ? EntityKind::kRdsSnapshot
                                                                                   : EntityKind::kRdsInstance;
    if (service == "secretsmanager") return EntityKind::kSecret;
    if (service == "ssm" && res.rfind("parameter/", 0) == 0) return EntityKind::kSsmParameter;
    if (service == "kms") return EntityKind::kKmsKey;
    if (service == "cloudtrail" && res.rfind("trail/", 0) == 0) return EntityKind::kCloudTrailTrail;
    if (service == "ecr" && res.rfind("repository/", 0) == 0) return EntityKind::kEcrRepository;
    if (service == "ecs" && res.rfind("task/", 0) == 0) return EntityKind::kEcsTask;
    if (service == "config" && res.rfind("config-recorder/", 0) == 0) return EntityKind::kConfigRecorder;
    return EntityKind::kAwsResource;  // any other ARN: the generic resource
  }
  if (t.size() == 20 && (t.rfind("AKIA", 0) == 0 || t.rfind("ASIA", 0) == 0)) return EntityKind::kAccessKey;
  if (t.rfind("i-", 0) == 0 && t.size() >= 10 && std::all_of(t.begin() + 2, t.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); }))
    return EntityKind::kEc2Instance;
  if (t.rfind("eni-", 0) == 0) return EntityKind::kNetworkInterface;
  if (t.rfind("sg-", 0) == 0) return EntityKind::kSecurityGroup;
  if (t.rfind("snap-", 0) == 0) return EntityKind::kEbsSnapshot;
  if (t.rfind("ami-", 0) == 0) return EntityKind::kAmi;
  if (t.rfind("fl-", 0) == 0) return EntityKind::kFlowLog;
  if (ParseIp(t)) return EntityKind::kIpAddress;
  if (t.find('/') != std::string_view::npos && NormalizeKey(EntityKind::kIpNetwork, t).ok()) return EntityKind::kIpNetwork;
  if (t.size() == 12 && std::all_of(t.begin(), t.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }))
    return EntityKind::kAccount;
  return std::nullopt;
}

std::vector<EntityRef> CandidateRefs(std::string_view text) {
  std::vector<EntityRef> out;
  text = Trim(text);
  if (text.empty() || text.size() > kMaxKeyBytes + 32) return out;
  auto add = [&out](EntityKind kind, std::string_view raw) {
    auto key = NormalizeKey(kind, raw);
    if (!key.ok()) return;
    EntityRef ref{kind, std::move(key).value()};
    if (std::find(out.begin(), out.end(), ref) == out.end()) out.push_back(std::move(ref));
  };
  // "kind:key" with a known kind name.
  if (auto colon = text.find(':'); colon != std::string_view::npos) {
    if (auto kind = ParseEntityKind(text.substr(0, colon))) {
      add(*kind, text.substr(colon + 1));
      return out;
    }
  }
  if (auto kind = GuessKind(text)) {
    if (*kind == EntityKind::kS3Bucket && text.rfind("arn:aws:s3:::", 0) == 0) {
      std::string_view bucket = text.substr(13);
      add(*kind, bucket.substr(0, bucket.find('/')));
    } else if (text.rfind("arn:", 0) == 0 &&
               (*kind == EntityKind::kSecurityGroup || *kind == EntityKind::kEbsSnapshot || *kind == EntityKind::kAmi ||
                *kind == EntityKind::kFlowLog || *kind == EntityKind::kEc2Instance)) {
      add(*kind, text.substr(text.rfind('/') + 1));  // arn:aws:ec2:<region>:<acct>:<type>/<id>: the ID
    } else if (*kind == EntityKind::kRdsSnapshot) {
      add(*kind, text.substr(text.rfind(':') + 1));  // arn:aws:rds:<region>:<acct>:snapshot:<id>
    } else if (*kind == EntityKind::kFinding && text.rfind("/finding/") != std::string_view::npos) {
      add(*kind, text.substr(text.rfind("/finding/") + 9));
    } else {
      add(*kind, text);
    }
    if (*kind != EntityKind::kIpAddress && *kind != EntityKind::kAccount) return out;
  }
  for (EntityKind kind : {EntityKind::kS3Bucket, EntityKind::kFinding, EntityKind::kDomain, EntityKind::kRdsInstance,
                          EntityKind::kDbUser, EntityKind::kAccount, EntityKind::kAwsService, EntityKind::kEksCluster,
                          EntityKind::kThreatList, EntityKind::kApiCall, EntityKind::kUserAgent,
                          EntityKind::kIamUser, EntityKind::kIamRole, EntityKind::kRoleSession})
    add(kind, text);
  return out;
}

std::string ShortName(const EntityRef& ref) {
  const std::string& k = ref.key;
  switch (ref.kind) {
    case EntityKind::kIamUser:
    case EntityKind::kIamRole:
    case EntityKind::kFederatedUser:
    case EntityKind::kLambdaFunction:
    case EntityKind::kIdentityProvider: {
      if (k.rfind("arn:", 0) == 0) {
        if (k.size() >= 5 && k.compare(k.size() - 5, 5, ":root") == 0) {
          // arn:partition:iam::<account>:root
          size_t end = k.size() - 5;
          size_t start = end == 0 ? std::string::npos : k.rfind(':', end - 1);
          std::string account = start == std::string::npos ? "" : k.substr(start + 1, end - start - 1);
          return account.empty() ? "root" : "root (" + account + ")";
        }
        auto slash = k.rfind('/');
        auto colon = k.rfind(':');
        size_t cut = slash == std::string::npos ? colon : std::max(slash, colon == std::string::npos ? 0 : colon);
        if (cut != std::string::npos && cut + 1 < k.size()) return k.substr(cut + 1);
      }
      return k;
    }
    case EntityKind::kRoleSession: {
      // arn:aws:sts::<acct>:assumed-role/<role>/<session>
      auto first = k.find("assumed-role/");
      if (first != std::string::npos) return k.substr(first + 13);
      return k;
    }
    case EntityKind::kS3Bucket:
      if (k.rfind("arn:aws:s3:::", 0) == 0) return k.substr(13);
      return k;
    case EntityKind::kFinding:
      return k.size() > 12 ? k.substr(0, 12) + "…" : k;
    case EntityKind::kUserAgent:
      return k.size() > 40 ? k.substr(0, 40) + "…" : k;
    case EntityKind::kSecret: {
      auto p = k.find(":secret:");
      return p == std::string::npos ? k : k.substr(p + 8);
    }
    case EntityKind::kSsmParameter: {
      auto p = k.find(":parameter/");
      return p == std::string::npos ? k : "/" + k.substr(p + 11);
    }
    case EntityKind::kKmsKey:
    case EntityKind::kCloudTrailTrail:
    case EntityKind::kConfigRecorder:
    case EntityKind::kEcrRepository:
    case EntityKind::kEcsTask: {
      // arn:aws:<service>:<region>:<acct>:<type>/<name>: the name
      auto p = k.rfind(':');
      auto slash = p == std::string::npos ? std::string::npos : k.find('/', p);
      return slash == std::string::npos || slash + 1 >= k.size() ? k : k.substr(slash + 1);
    }
    default:
      return k;
  }
}

}  // namespace gumshoe
