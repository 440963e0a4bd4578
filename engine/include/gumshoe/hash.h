// Keyed hashing (SipHash-2-4). Entity IDs and record identities are hashed with
// a random key created with each store, so log authors cannot craft collisions
// that would merge their entity into someone else's.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "gumshoe/model.h"

namespace gumshoe {

struct HashKey {
  uint64_t k0 = 0x736f6d6570736575ULL;
  uint64_t k1 = 0x646f72616e646f6dULL;
};

uint64_t SipHash24(const HashKey& key, std::string_view data);

// A record's identity for deduplication: 16 bytes.
using RecordId = std::array<uint8_t, 16>;

class Hasher {
 public:
  Hasher() = default;
  explicit Hasher(HashKey key) : key_(key) {}
  const HashKey& key() const { return key_; }
  EntityId IdOf(EntityKind kind, std::string_view canonical_key) const;
  // `source` names the ingestor ("cloudtrail"), `identity` the record's stable ID.
  RecordId RecordIdOf(std::string_view source, std::string_view identity) const;
  static HashKey RandomKey();

 private:
  HashKey key_;
};

}  // namespace gumshoe
