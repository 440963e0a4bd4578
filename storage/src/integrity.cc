#include "internal/integrity.h"

#include "gumshoe/codec.h"

namespace gumshoe::storage_internal {
namespace {

std::string Hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (char c : bytes) {
    auto b = static_cast<uint8_t>(c);
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0xf]);
  }
  return out;
}

}  // namespace

std::string MetaChecksum(std::string_view schema_version, std::string_view hash_key_bytes) {
  // A fixed key: the checksum detects change, it is not a secret.
  const Hasher fixed(HashKey{0x67756d73686f6531ull, 0x6d6574612d763100ull});
  std::string content = "schema_version=" + std::string(schema_version) + "\nhash_key=" + Hex(hash_key_bytes) + "\n";
  RecordId sum = fixed.RecordIdOf("gumshoe.meta.v1", content);
  return "v1:" + Hex(std::string_view(reinterpret_cast<const char*>(sum.data()), sum.size()));
}

uint64_t KeyFingerprint(const HashKey& store_key, EntityKind kind, std::string_view key) {
  const Hasher derived(HashKey{store_key.k0 ^ 0x9e3779b97f4a7c15ull, store_key.k1 ^ 0xc2b2ae3d27d4eb4full});
  return derived.IdOf(kind, key).hash;
}

std::string IdClaimKey(std::string_view encoded_id) {
  std::string k(1, kIdClaimTag);
  k.append(encoded_id);
  return k;
}

}  // namespace gumshoe::storage_internal
