#include "gumshoe/codec.h"

#include <algorithm>

namespace gumshoe {

void PutVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

bool GetVarint(std::string_view* in, uint64_t* v) {
  uint64_t result = 0;
  for (int shift = 0; shift <= 63 && !in->empty(); shift += 7) {
    auto byte = static_cast<uint8_t>(in->front());
    in->remove_prefix(1);
    result |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) {
      *v = result;
      return true;
    }
  }
  return false;
}

void PutBigEndian64(std::string* out, uint64_t v) {
  for (int i = 7; i >= 0; --i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

uint64_t GetBigEndian64(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

void EncodeEntityIdTo(const EntityId& id, char* out) {
  out[0] = static_cast<char>(id.kind);
  for (int i = 0; i < 8; ++i) out[1 + i] = static_cast<char>((id.hash >> (8 * (7 - i))) & 0xff);
}

void EncodeEdgeKeyTo(const EntityId& first, EdgeKind kind, const EntityId& second, char* out) {
  EncodeEntityIdTo(first, out);
  out[kEntityIdBytes] = static_cast<char>(kind);
  EncodeEntityIdTo(second, out + kEntityIdBytes + 1);
}

std::string EncodeEntityId(const EntityId& id) {
  std::string out(kEntityIdBytes, '\0');
  EncodeEntityIdTo(id, out.data());
  return out;
}

bool DecodeEntityId(std::string_view bytes, EntityId* id) {
  if (bytes.size() != kEntityIdBytes) return false;
  id->kind = static_cast<EntityKind>(static_cast<uint8_t>(bytes[0]));
  id->hash = GetBigEndian64(bytes.data() + 1);
  return true;
}

std::string EncodeEdgeKey(const EntityId& first, EdgeKind kind, const EntityId& second) {
  std::string out(kEdgeKeyBytes, '\0');
  EncodeEdgeKeyTo(first, kind, second, out.data());
  return out;
}

bool DecodeEdgeKey(std::string_view bytes, EntityId* first, EdgeKind* kind, EntityId* second) {
  if (bytes.size() != kEdgeKeyBytes) return false;
  if (!DecodeEntityId(bytes.substr(0, 9), first)) return false;
  *kind = static_cast<EdgeKind>(static_cast<uint8_t>(bytes[9]));
  return DecodeEntityId(bytes.substr(10, 9), second);
}

std::string EncodeNameKey(EntityKind kind, std::string_view key) {
  std::string out;
  out.reserve(1 + key.size());
  out.push_back(static_cast<char>(kind));
  out.append(key);
  return out;
}

namespace {

void PutTime(std::string* out, Timestamp t) {
  if (t == kNoTime) {
    PutVarint(out, 0);
    return;
  }
  uint64_t zz = (static_cast<uint64_t>(t) << 1) ^ static_cast<uint64_t>(t >> 63);
  PutVarint(out, zz + 1);
}

bool GetTime(std::string_view* in, Timestamp* t) {
  uint64_t v;
  if (!GetVarint(in, &v)) return false;
  if (v == 0) {
    *t = kNoTime;
    return true;
  }
  uint64_t zz = v - 1;
  *t = static_cast<Timestamp>((zz >> 1) ^ (~(zz & 1) + 1));
  return true;
}

void PutString(std::string* out, std::string_view s) {
  PutVarint(out, s.size());
  out->append(s);
}

bool GetString(std::string_view* in, std::string* s) {
  uint64_t n;
  if (!GetVarint(in, &n) || n > in->size()) return false;
  s->assign(in->data(), n);
  in->remove_prefix(n);
  return true;
}

void PutSigned(std::string* out, int64_t v) {
  PutVarint(out, (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63));
}

bool GetSigned(std::string_view* in, int64_t* v) {
  uint64_t zz;
  if (!GetVarint(in, &zz)) return false;
  *v = static_cast<int64_t>((zz >> 1) ^ (~(zz & 1) + 1));
  return true;
}

Status Bad(const char* what) { return Status::Corruption(std::string("cannot decode stored ") + what); }

}  // namespace

std::string EncodeEntity(const Entity& e) {
  std::string out;
  AppendEntity(e, &out);
  return out;
}

void AppendEntity(const Entity& e, std::string* out_ptr) {
  std::string& out = *out_ptr;
  out.push_back(static_cast<char>(kValueFormat));
  out.push_back(static_cast<char>(e.kind));
  PutString(&out, e.key);
  PutTime(&out, e.first_seen);
  PutTime(&out, e.last_seen);
  PutVarint(&out, e.attrs.size());
  for (const auto& [name, v] : e.attrs) {
    PutString(&out, name);
    PutString(&out, v.value);
    PutTime(&out, v.observed);
  }
  PutVarint(&out, e.tags.size());
  for (const auto& t : e.tags) PutString(&out, t);
}

Result<std::string_view> DecodeEntityKey(std::string_view in) {
  if (in.size() < 2 || static_cast<uint8_t>(in[0]) != kValueFormat) return Bad("entity (format byte)");
  in.remove_prefix(2);
  uint64_t n;
  if (!GetVarint(&in, &n) || n > in.size()) return Bad("entity");
  return in.substr(0, n);
}

Result<Entity> DecodeEntity(std::string_view in) {
  if (in.size() < 2 || static_cast<uint8_t>(in[0]) != kValueFormat) return Bad("entity (format byte)");
  Entity e;
  e.kind = static_cast<EntityKind>(static_cast<uint8_t>(in[1]));
  in.remove_prefix(2);
  uint64_t n;
  if (!GetString(&in, &e.key) || !GetTime(&in, &e.first_seen) || !GetTime(&in, &e.last_seen) ||
      !GetVarint(&in, &n) || n > in.size())
    return Bad("entity");
  for (uint64_t i = 0; i < n; ++i) {
    std::string name;
    AttrValue v;
    if (!GetString(&in, &name) || !GetString(&in, &v.value) || !GetTime(&in, &v.observed)) return Bad("entity attribute");
    e.attrs.emplace(std::move(name), std::move(v));
  }
  if (!GetVarint(&in, &n) || n > in.size()) return Bad("entity tags");
  for (uint64_t i = 0; i < n; ++i) {
    std::string t;
    if (!GetString(&in, &t)) return Bad("entity tag");
    e.tags.insert(std::move(t));
  }
  if (!in.empty()) return Bad("entity (trailing bytes)");
  return e;
}

// Edge values, format 2 (format 1, written before, is still read):
//   format(1) | flags(1) | count | success | failure | first_seen | last_seen
//   | [first evidence time] [first evidence ref]      unless flags say so
//   | [last evidence time] [last evidence ref]        unless flags say so
//   | hourly buckets (n, then hour delta and count per bucket) | counters.
// An edge seen once (most edges) has the same first and last evidence, and
// evidence times almost always equal first_seen / last_seen: the flags leave
// those out instead of storing them twice.
namespace {
constexpr uint8_t kEdgeFormatV1 = 1;
constexpr uint8_t kEdgeFormat = 2;
constexpr uint8_t kFirstTimeIsFirstSeen = 1;  // first_evidence.time == first_seen
constexpr uint8_t kLastTimeIsLastSeen = 2;    // last_evidence.time == last_seen
constexpr uint8_t kLastIsFirst = 4;           // last_evidence == first_evidence
constexpr uint8_t kKnownEdgeFlags = 7;

// Reads an edge value (format 1 or 2) from its format byte through the
// evidence (copying the refs only when `refs`); leaves `in` at the hourly
// buckets. False on any malformed or unknown byte.
bool GetEdgeHead(std::string_view* in, uint64_t* count, uint64_t* success, uint64_t* failure, Timestamp* first_seen,
                 Timestamp* last_seen, Evidence* first, Evidence* last, bool refs) {
  if (in->empty()) return false;
  uint8_t format = static_cast<uint8_t>((*in)[0]);
  in->remove_prefix(1);
  auto get_ref = [&](std::string* out) {
    uint64_t n;
    if (!GetVarint(in, &n) || n > in->size()) return false;
    if (refs) out->assign(in->data(), n);
    in->remove_prefix(n);
    return true;
  };
  if (format == kEdgeFormatV1) {
    return GetVarint(in, count) && GetVarint(in, success) && GetVarint(in, failure) && GetTime(in, first_seen) &&
           GetTime(in, last_seen) && GetTime(in, &first->time) && get_ref(&first->ref) && GetTime(in, &last->time) &&
           get_ref(&last->ref);
  }
  if (format != kEdgeFormat || in->empty()) return false;
  uint8_t flags = static_cast<uint8_t>((*in)[0]);
  in->remove_prefix(1);
  if ((flags & ~kKnownEdgeFlags) != 0) return false;
  if (!GetVarint(in, count) || !GetVarint(in, success) || !GetVarint(in, failure) || !GetTime(in, first_seen) ||
      !GetTime(in, last_seen))
    return false;
  if (flags & kFirstTimeIsFirstSeen) {
    first->time = *first_seen;
  } else if (!GetTime(in, &first->time)) {
    return false;
  }
  if (!get_ref(&first->ref)) return false;
  if (flags & kLastIsFirst) {
    if (flags & kLastTimeIsLastSeen) return false;  // never written together
    last->time = first->time;
    if (refs) last->ref = first->ref;
    return true;
  }
  if (flags & kLastTimeIsLastSeen) {
    last->time = *last_seen;
  } else if (!GetTime(in, &last->time)) {
    return false;
  }
  return get_ref(&last->ref);
}
}  // namespace

std::string EncodeEdgeStats(const EdgeStats& s) {
  std::string out;
  out.reserve(24 + s.first_evidence.ref.size() + s.last_evidence.ref.size() + 4 * s.hourly.size());
  AppendEdgeStats(s, &out);
  return out;
}

void AppendEdgeStats(const EdgeStats& s, std::string* out_ptr) {
  std::string& out = *out_ptr;
  out.push_back(static_cast<char>(kEdgeFormat));
  uint8_t flags = 0;
  if (s.first_evidence.time == s.first_seen) flags |= kFirstTimeIsFirstSeen;
  if (s.last_evidence == s.first_evidence) {
    flags |= kLastIsFirst;
  } else if (s.last_evidence.time == s.last_seen) {
    flags |= kLastTimeIsLastSeen;
  }
  out.push_back(static_cast<char>(flags));
  PutVarint(&out, s.count);
  PutVarint(&out, s.success);
  PutVarint(&out, s.failure);
  PutTime(&out, s.first_seen);
  PutTime(&out, s.last_seen);
  if (!(flags & kFirstTimeIsFirstSeen)) PutTime(&out, s.first_evidence.time);
  PutString(&out, s.first_evidence.ref);
  if (!(flags & kLastIsFirst)) {
    if (!(flags & kLastTimeIsLastSeen)) PutTime(&out, s.last_evidence.time);
    PutString(&out, s.last_evidence.ref);
  }
  PutVarint(&out, s.hourly.size());
  uint32_t prev = 0;
  for (const auto& [hour, n] : s.hourly) {
    PutVarint(&out, hour - prev);
    PutVarint(&out, n);
    prev = hour;
  }
  PutVarint(&out, s.counters.size());
  for (const auto& [name, n] : s.counters) {
    PutString(&out, name);
    PutSigned(&out, n);
  }
}

Result<EdgeStats> DecodeEdgeStats(std::string_view in) { return DecodeEdgeStats(in, /*with_hourly=*/true); }

Result<EdgeStats> DecodeEdgeStats(std::string_view in, bool with_hourly) {
  EdgeStats s;
  uint64_t n;
  if (!GetEdgeHead(&in, &s.count, &s.success, &s.failure, &s.first_seen, &s.last_seen, &s.first_evidence,
                   &s.last_evidence, /*refs=*/true) ||
      !GetVarint(&in, &n) || n > in.size())
    return Bad("edge");
  uint64_t hour = 0;
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t delta, count;
    if (!GetVarint(&in, &delta) || !GetVarint(&in, &count)) return Bad("edge buckets");
    hour += delta;
    if (hour > UINT32_MAX) return Bad("edge buckets");
    if (with_hourly) s.hourly.emplace_hint(s.hourly.end(), static_cast<uint32_t>(hour), count);
  }
  if (!GetVarint(&in, &n) || n > in.size()) return Bad("edge counters");
  for (uint64_t i = 0; i < n; ++i) {
    std::string name;
    int64_t v;
    if (!GetString(&in, &name) || !GetSigned(&in, &v)) return Bad("edge counter");
    s.counters.emplace_hint(s.counters.end(), std::move(name), v);
  }
  if (!in.empty()) return Bad("edge (trailing bytes)");
  return s;
}

Result<EdgeStatsSummary> DecodeEdgeStatsSummary(std::string_view in, const TimeWindow& window) {
  EdgeStatsSummary s;
  Evidence unused_first, unused_last;
  uint64_t n;
  if (!GetEdgeHead(&in, &s.count, &s.success, &s.failure, &s.first_seen, &s.last_seen, &unused_first, &unused_last,
                   /*refs=*/false) ||
      !GetVarint(&in, &n) || n > in.size())
    return Bad("edge");
  if (window.unbounded()) {
    s.window_count = s.count;
    return s;
  }
  // Same rule as EdgeStats::CountInWindow: buckets from since's hour through
  // the last bucket starting at or before until.
  const uint64_t lo = window.since == kNoTime ? 0 : static_cast<uint64_t>(std::max<Timestamp>(0, window.since) / 3600);
  uint64_t hour = 0;
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t delta, count;
    if (!GetVarint(&in, &delta) || !GetVarint(&in, &count)) return Bad("edge buckets");
    hour += delta;
    if (hour > UINT32_MAX) return Bad("edge buckets");
    if (hour < lo) continue;
    if (window.until != kNoTime && static_cast<Timestamp>(hour) * 3600 > window.until) break;
    s.window_count += count;
  }
  return s;
}

}  // namespace gumshoe
