// Helpers shared by the network-side ingestors (vpc_flow, dns, guardduty,
// s3_access): IP entities with their class, principals named by ARN, record
// identities of JSON records, and the Panther `_log` wrapper.
// Thread-safety: plain functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "gumshoe/delta.h"
#include "gumshoe/model.h"
#include "gumshoe/normalize.h"
#include "json_util.h"

namespace gumshoe::ingest::net {

// An IP entity: the canonical key and its class.
struct IpEntity {
  EntityRef ref;
  IpClass ip_class = IpClass::kPublic;
};

// Parses `raw` as an IPv4/IPv6 address; nullopt when it does not parse.
std::optional<IpEntity> ParseIpEntity(std::string_view raw);

// Touches the IP at `t`, sets attr ip_class ("private", "public", ...) and the
// tag "public" or "private" (every non-public class is tagged "private").
void EmitIp(GraphDelta& delta, const IpEntity& ip, Timestamp t);

// The entity an ARN names, by its shape: iam user, iam role, role session,
// federated user, account root (kAccount), lambda function. nullopt otherwise.
std::optional<EntityRef> PrincipalFromArn(std::string_view arn);

// `_log` of a Panther test record, else the value itself.
const JsonValue& UnwrapPanther(const JsonValue& v);

// Compact JSON text of `v` (member order as given): a file-independent record
// identity for JSON sources without an ID.
std::string CanonicalJson(const JsonValue& v);

// A time given as ISO 8601 text, or as epoch seconds (or milliseconds when the
// number is too large for seconds), as a number or a decimal string.
std::optional<Timestamp> JsonTime(const JsonValue* v);

// Ref for `kind` with `raw` normalised; nullopt when NormalizeKey refuses it.
std::optional<EntityRef> MakeRef(EntityKind kind, std::string_view raw);

}  // namespace gumshoe::ingest::net
