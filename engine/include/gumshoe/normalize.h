// Canonical keys: every ingestor and the CLI go through these functions, so the
// same real-world thing always gets the same key.
//
//   account            12 digits kept as is; other pseudo accounts (ANONYMOUS_PRINCIPAL) as is
//   ARNs (user/role/session/lambda/provider)  as logged, trimmed (ARNs are case-sensitive)
//   access_key         upper case
//   ec2_instance, network_interface  lower case
//   ip_address         IPv4 dotted quad without leading zeros; IPv6 per RFC 5952
//                      (lower case, longest zero run compressed); an IPv4-mapped IPv6
//                      address (::ffff:a.b.c.d, ::ffff:cb00:7105) is the IPv4 address a.b.c.d,
//                      so a dual-stack listener's log and an IPv4 log name one entity.
//                      Octets with leading zeros ("010.001.1.1") are read as decimal
//                      (10.1.1.1), never octal as inet_aton would; ingestors count them
//                      as the anomaly <source>.leading_zero_ip.
//   ip_network         <address>/<length>, the address as for ip_address with the host bits
//                      zeroed (10.1.2.3/8 -> 10.0.0.0/8); the length is required
//   s3_bucket, domain, rds_instance, aws_service  lower case; domain without trailing dot
//   user_agent         as logged, truncated to kMaxUserAgentBytes
// Keys longer than kMaxKeyBytes are rejected by NormalizeKey.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gumshoe/model.h"
#include "gumshoe/status.h"

namespace gumshoe {

inline constexpr size_t kMaxKeyBytes = 2048;
inline constexpr size_t kMaxUserAgentBytes = 1024;
inline constexpr size_t kMaxAttrValueBytes = 4096;

// A parsed IP address: 4 or 16 bytes.
struct IpAddress {
  bool v6 = false;
  std::array<uint8_t, 16> bytes{};
  std::string ToString() const;  // canonical text
};
// Parses an IPv4 or IPv6 address (IPv4-mapped IPv6 becomes IPv4). When
// `leading_zero` is given it is set to whether an IPv4 octet had a leading zero.
std::optional<IpAddress> ParseIp(std::string_view text, bool* leading_zero = nullptr);

enum class IpClass { kPrivate, kPublic, kLoopback, kLinkLocal, kSharedCgnat, kMulticast, kReserved };
IpClass ClassifyIp(const IpAddress& ip);
std::string_view IpClassName(IpClass c);  // "private", "public", ...
// True for everything but kPublic.
bool IsNonPublic(IpClass c);

// A CIDR prefix, for threat lists and AWS ip-ranges.
struct IpPrefix {
  IpAddress base;
  int length = 0;
  bool Contains(const IpAddress& ip) const;
  std::string ToString() const;
};
std::optional<IpPrefix> ParsePrefix(std::string_view text);

// The canonical key for `kind` from raw text, or an InvalidArgument status
// (an IP that does not parse, an empty key, a key over kMaxKeyBytes).
Result<std::string> NormalizeKey(EntityKind kind, std::string_view raw);

// Guesses the kind of a bare identifier the way a user types it: an ARN, an
// AKIA/ASIA key, i-..., eni-..., an IP, a CIDR network. Returns nothing when it cannot tell
// (bucket names and finding IDs need a store lookup).
std::optional<EntityKind> GuessKind(std::string_view text);

// The entities a user-typed reference may mean, most likely first: "kind:key"
// gives exactly that kind; a bare ARN, AKIA/ASIA key, i-..., eni-..., IP or CIDR its
// guessed kind; any other text every kind whose keys it could be (bucket,
// finding ID, domain, ...). Keys are normalised. Never fails; may be empty.
std::vector<EntityRef> CandidateRefs(std::string_view text);

// Short display name: "alice" for arn:aws:iam::1:user/alice, the session name
// for a session, the key itself otherwise. Used by tables and DOT labels.
std::string ShortName(const EntityRef& ref);

}  // namespace gumshoe
