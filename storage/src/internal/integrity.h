// Integrity of the store's metadata and of entity IDs (see
// gumshoe/rocksdb_store.h).
//
// The metadata checksum: meta key "meta_checksum" holds "v1:" and the hex of
// a 128-bit SipHash, under a fixed public key, of the schema version text and
// the hash key bytes. It catches a changed or damaged hash_key or
// schema_version (with another hash key every entity gets a new ID and a
// re-ingest forks the graph). The open also recomputes the ID of the first
// and last entries of the names family with the stored hash key: a hash_key
// rewritten together with its checksum still fails there once the store
// holds an entity.
//
// Entity IDs are a kind byte and 64 bits of a keyed hash, so two keys can
// share one ID. The records family holds, for each ID, a 64-bit fingerprint
// of the key that first took it (key: kIdClaimTag + the 9-byte ID; value: 8
// bytes big-endian); a different key with the same ID is refused.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "gumshoe/hash.h"
#include "gumshoe/model.h"

namespace gumshoe::storage_internal {

inline constexpr char kMetaChecksumKey[] = "meta_checksum";
// Record ids are 16 bytes; claim keys are 1 + 9.
inline constexpr char kIdClaimTag = 'N';

std::string MetaChecksum(std::string_view schema_version, std::string_view hash_key_bytes);

// The fingerprint of (kind, key), independent of its ID.
uint64_t KeyFingerprint(const HashKey& store_key, EntityKind kind, std::string_view key);

std::string IdClaimKey(std::string_view encoded_id);

}  // namespace gumshoe::storage_internal
