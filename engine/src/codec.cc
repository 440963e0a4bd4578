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

std::string EncodeEntityId(const EntityId& id) {
  std::string out;
  out.reserve(kEntityIdBytes);
  out.push_back(static_cast<char>(id.kind));
  PutBigEndian64(&out, id.hash);
  return out;
}

bool DecodeEntityId(std::string_view bytes, EntityId* id) {
  if (bytes.size() != kEntityIdBytes) return false;
  id->kind = static_cast<EntityKind>(static_cast<uint8_t>(bytes[0]));
  id->hash = GetBigEndian64(bytes.data() + 1);
  return true;
}

std::string EncodeEdgeKey(const EntityId& first, EdgeKind kind, const EntityId& second) {
  std::string out;
  out.reserve(kEdgeKeyBytes);
  out.push_back(static_cast<char>(first.kind));
  PutBigEndian64(&out, first.hash);
  out.push_back(static_cast<char>(kind));
  out.push_back(static_cast<char>(second.kind));
  PutBigEndian64(&out, second.hash);
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
  return out;
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

std::string EncodeEdgeStats(const EdgeStats& s) {
  std::string out;
  out.push_back(static_cast<char>(kValueFormat));
  PutVarint(&out, s.count);
  PutVarint(&out, s.success);
  PutVarint(&out, s.failure);
  PutTime(&out, s.first_seen);
  PutTime(&out, s.last_seen);
  PutTime(&out, s.first_evidence.time);
  PutString(&out, s.first_evidence.ref);
  PutTime(&out, s.last_evidence.time);
  PutString(&out, s.last_evidence.ref);
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
  return out;
}

Result<EdgeStats> DecodeEdgeStats(std::string_view in) {
  if (in.empty() || static_cast<uint8_t>(in[0]) != kValueFormat) return Bad("edge (format byte)");
  in.remove_prefix(1);
  EdgeStats s;
  uint64_t n;
  if (!GetVarint(&in, &s.count) || !GetVarint(&in, &s.success) || !GetVarint(&in, &s.failure) ||
      !GetTime(&in, &s.first_seen) || !GetTime(&in, &s.last_seen) || !GetTime(&in, &s.first_evidence.time) ||
      !GetString(&in, &s.first_evidence.ref) || !GetTime(&in, &s.last_evidence.time) ||
      !GetString(&in, &s.last_evidence.ref) || !GetVarint(&in, &n) || n > in.size())
    return Bad("edge");
  uint64_t hour = 0;
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t delta, count;
    if (!GetVarint(&in, &delta) || !GetVarint(&in, &count)) return Bad("edge buckets");
    hour += delta;
    if (hour > UINT32_MAX) return Bad("edge buckets");
    s.hourly.emplace_hint(s.hourly.end(), static_cast<uint32_t>(hour), count);
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
  if (in.empty() || static_cast<uint8_t>(in[0]) != kValueFormat) return Bad("edge (format byte)");
  in.remove_prefix(1);
  EdgeStatsSummary s;
  Timestamp unused_time;
  uint64_t n, len;
  if (!GetVarint(&in, &s.count) || !GetVarint(&in, &s.success) || !GetVarint(&in, &s.failure) ||
      !GetTime(&in, &s.first_seen) || !GetTime(&in, &s.last_seen) || !GetTime(&in, &unused_time) ||
      !GetVarint(&in, &len) || len > in.size())
    return Bad("edge");
  in.remove_prefix(len);
  if (!GetTime(&in, &unused_time) || !GetVarint(&in, &len) || len > in.size()) return Bad("edge");
  in.remove_prefix(len);
  if (!GetVarint(&in, &n) || n > in.size()) return Bad("edge");
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
