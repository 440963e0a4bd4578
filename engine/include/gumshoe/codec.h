// Byte encodings shared by every store implementation.
//
// Keys are fixed-width and big-endian, so byte order is numeric order:
//   entity id   kind(1) | hash(8, BE)                         9 bytes
//   edge key    endpoint id(9) | edge kind(1) | other id(9)   19 bytes
//   name key    kind(1) | canonical key bytes
// Values start with a format byte and use LEB128 varints: entities are format
// kValueFormat (1); edge stats are format 2 (codec.cc), and edge values of
// format 1, written by earlier versions, are still read.
#pragma once

#include <string>
#include <string_view>

#include "gumshoe/model.h"
#include "gumshoe/status.h"

namespace gumshoe {

inline constexpr uint8_t kValueFormat = 1;
inline constexpr size_t kEntityIdBytes = 9;
inline constexpr size_t kEdgeKeyBytes = 19;

std::string EncodeEntityId(const EntityId& id);
// The same bytes into out[0, kEntityIdBytes) / out[0, kEdgeKeyBytes).
void EncodeEntityIdTo(const EntityId& id, char* out);
void EncodeEdgeKeyTo(const EntityId& first, EdgeKind kind, const EntityId& second, char* out);
bool DecodeEntityId(std::string_view bytes, EntityId* id);

std::string EncodeEdgeKey(const EntityId& first, EdgeKind kind, const EntityId& second);
bool DecodeEdgeKey(std::string_view bytes, EntityId* first, EdgeKind* kind, EntityId* second);

std::string EncodeNameKey(EntityKind kind, std::string_view key);

std::string EncodeEntity(const Entity& e);
void AppendEntity(const Entity& e, std::string* out);  // appends EncodeEntity(e)
Result<Entity> DecodeEntity(std::string_view bytes);
// Only the canonical key of an encoded Entity (a view into `bytes`), without
// decoding its attributes and tags. Corruption when the bytes cannot hold one.
Result<std::string_view> DecodeEntityKey(std::string_view bytes);

std::string EncodeEdgeStats(const EdgeStats& s);
void AppendEdgeStats(const EdgeStats& s, std::string* out);  // appends EncodeEdgeStats(s)
Result<EdgeStats> DecodeEdgeStats(std::string_view bytes);
// The same, with EdgeStats::hourly left empty when !with_hourly (the buckets
// are still read and checked): a super-node's edges carry hundreds of buckets
// each, and building their maps dominates a query that only shows totals.
Result<EdgeStats> DecodeEdgeStats(std::string_view bytes, bool with_hourly);

// What a query ranking many edges needs of one encoded EdgeStats, read in one
// pass without building its hourly and counter maps or copying evidence.
struct EdgeStatsSummary {
  uint64_t count = 0;
  uint64_t success = 0;
  uint64_t failure = 0;
  Timestamp first_seen = kNoTime;
  Timestamp last_seen = kNoTime;
  uint64_t window_count = 0;  // == EdgeStats::CountInWindow(window.since, window.until)
};
// Corruption on malformed bytes (the same inputs DecodeEdgeStats rejects may
// pass here when the damage lies after the hourly buckets).
Result<EdgeStatsSummary> DecodeEdgeStatsSummary(std::string_view bytes, const TimeWindow& window);

// Low-level helpers, exposed for tests and other encoders.
void PutVarint(std::string* out, uint64_t v);
bool GetVarint(std::string_view* in, uint64_t* v);
void PutBigEndian64(std::string* out, uint64_t v);
uint64_t GetBigEndian64(const char* p);

}  // namespace gumshoe
