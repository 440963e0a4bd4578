// Helpers shared by the network-side ingestors (vpc_flow, dns, guardduty,
// s3_access): IP entities with their class, principals named by ARN, record
// identities of JSON records, the Panther `_log` wrapper, and a small cache
// of parsed tokens for sources that repeat the same values on every line.
// Thread-safety: plain functions; a TokenCache belongs to one parser.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gumshoe/delta.h"
#include "gumshoe/model.h"
#include "gumshoe/normalize.h"
#include "json_util.h"

namespace gumshoe::ingest::net {

// An IP entity: the canonical key and its class.
struct IpEntity {
  EntityRef ref;
  IpClass ip_class = IpClass::kPublic;
  // An IPv4 octet was written with a leading zero ("010.001.1.1", read as
  // 10.1.1.1): the caller counts the anomaly "leading_zero_ip".
  bool leading_zero = false;
};

// Parses `raw` as an IPv4/IPv6 address; nullopt when it does not parse.
std::optional<IpEntity> ParseIpEntity(std::string_view raw);

// Parses `raw` into `out` (every field set); false when it does not parse.
// The in-place form, for TokenCache entries.
bool ParseIpEntityInto(std::string_view raw, IpEntity& out);

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

// A bounded cache from a token's raw text to a value derived from it (a parsed
// IP, a normalised key), for line formats that repeat the same few thousand
// tokens on millions of lines. Two-way set associative, least recently used
// way replaced, so the entry returned by one call is never evicted by the
// next: a caller may hold two results at once (a flow's two addresses).
// Tokens longer than kMaxTokenBytes are made into one of two spare entries
// and not cached. An entry's value is reused in place when its slot is
// replaced, so `make` must set every field of it.
// Not thread-safe: one per parser. Memory: 2 * kSets entries, on first use.
template <typename Value, size_t kSets = 512>
class TokenCache {
  static_assert((kSets & (kSets - 1)) == 0, "kSets must be a power of two");

 public:
  static constexpr size_t kMaxTokenBytes = 64;

  // The value for `raw`: cached, else made by `make(raw, value)`, which
  // returns false when `raw` does not parse (then nothing is cached and the
  // result is nullptr). A returned pointer stays valid until the second call
  // after the one that returned it.
  template <typename Make>
  Value* Find(std::string_view raw, Make&& make) {
    if (raw.size() > kMaxTokenBytes) {
      spare_next_ ^= 1;
      Value& v = spare_[spare_next_];
      return make(raw, v) ? &v : nullptr;
    }
    if (sets_.empty()) sets_.resize(kSets);
    Set& set = sets_[Hash(raw) & (kSets - 1)];
    for (int w = 0; w < 2; ++w) {
      if (set.used[w] && set.raw[w] == raw) {
        set.mru = w;
        return &set.value[w];
      }
    }
    int w = !set.used[0] ? 0 : !set.used[1] ? 1 : 1 - set.mru;
    set.used[w] = false;
    if (!make(raw, set.value[w])) return nullptr;
    set.raw[w].assign(raw);
    set.used[w] = true;
    set.mru = w;
    return &set.value[w];
  }

 private:
  // A quick multiply-xor hash of a short token (not for hostile-keyed tables:
  // a collision here only costs a miss).
  static uint64_t Hash(std::string_view s) {
    uint64_t h = 0x9E3779B97F4A7C15ull ^ s.size();
    size_t i = 0;
    for (; i + 8 <= s.size(); i += 8) {
      uint64_t w;
      std::memcpy(&w, s.data() + i, 8);
      h = (h ^ w) * 0xBF58476D1CE4E5B9ull;
      h ^= h >> 29;
    }
    uint64_t w = 0;
    std::memcpy(&w, s.data() + i, s.size() - i);
    h = (h ^ w) * 0x94D049BB133111EBull;
    return h ^ (h >> 31);
  }

  struct Set {
    std::string raw[2];
    Value value[2];
    bool used[2] = {false, false};
    int mru = 0;
  };
  std::vector<Set> sets_;
  Value spare_[2];
  int spare_next_ = 0;
};

}  // namespace gumshoe::ingest::net
