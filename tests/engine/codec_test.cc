#include "gumshoe/codec.h"

#include <catch2/catch.hpp>

#include <limits>
#include <random>
#include <string>
#include <tuple>

namespace gumshoe {
namespace {

// Random ids with few distinct kinds and hashes that often share high bytes,
// so ties on leading bytes are exercised, not only the first byte.
EntityId RandomId(std::mt19937_64& rng) {
  EntityId id;
  id.kind = static_cast<EntityKind>(1 + rng() % 3);
  switch (rng() % 4) {
    case 0: id.hash = rng(); break;
    case 1: id.hash = rng() & 0xff; break;                       // small: high bytes zero
    case 2: id.hash = ~uint64_t{0} - (rng() & 0xff); break;      // near max: high bytes 0xff
    default: id.hash = (uint64_t{0x1234} << 48) | (rng() & 0xffff); break;  // shared high bytes
  }
  return id;
}

int Sign(int v) { return (v > 0) - (v < 0); }

template <typename T>
int Compare3(const T& a, const T& b) {
  return a < b ? -1 : (b < a ? 1 : 0);
}

Entity SampleEntity() {
  Entity e;
  e.kind = EntityKind::kIamUser;
  e.key = "arn:aws:iam::123456789012:user/alice";
  e.first_seen = -86400;  // before the epoch
  e.last_seen = 1700000000;
  e.attrs["account"] = AttrValue{"123456789012", 1700000000};
  e.attrs["region"] = AttrValue{"us-east-1", kNoTime};
  e.attrs["empty"] = AttrValue{"", -5};
  e.tags = {"admin", "console", std::string("nul\0byte", 8)};
  return e;
}

EdgeStats SampleStats() {
  EdgeStats s;
  s.count = 1'000'000'000'000ULL;
  s.success = 7;
  s.failure = 3;
  s.first_seen = -1;
  s.last_seen = std::numeric_limits<int64_t>::max();
  s.first_evidence = Evidence{-1, "cloudtrail:first"};
  s.last_evidence = Evidence{kNoTime, "flows.log:42"};
  s.hourly = {{0, 1}, {472222, 5}, {472223, 1}, {UINT32_MAX, 9}};
  s.counters = {{"bytes_out", std::numeric_limits<int64_t>::max()},
                {"delta", -42},
                {"min", std::numeric_limits<int64_t>::min()},
                {"dport:00443", 12}};
  return s;
}

}  // namespace

TEST_CASE("Codec: entity id byte order equals numeric order", "[engine][codec]") {
  std::mt19937_64 rng(20261122);
  for (int i = 0; i < 20000; ++i) {
    EntityId a = RandomId(rng), b = RandomId(rng);
    std::string ea = EncodeEntityId(a), eb = EncodeEntityId(b);
    REQUIRE(ea.size() == kEntityIdBytes);
    INFO("a=" << int(a.kind) << "/" << a.hash << " b=" << int(b.kind) << "/" << b.hash);
    REQUIRE(Sign(ea.compare(eb)) == Compare3(a, b));
  }
}

TEST_CASE("Codec: edge key byte order equals (first, kind, second) order", "[engine][codec]") {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 20000; ++i) {
    EntityId a1 = RandomId(rng), a2 = RandomId(rng), b1 = RandomId(rng), b2 = RandomId(rng);
    if (rng() % 2) b1 = a1;  // often the same endpoint: order decided by kind and other end
    auto ka = static_cast<EdgeKind>(1 + rng() % 3), kb = static_cast<EdgeKind>(1 + rng() % 3);
    std::string ea = EncodeEdgeKey(a1, ka, a2), eb = EncodeEdgeKey(b1, kb, b2);
    REQUIRE(ea.size() == kEdgeKeyBytes);
    REQUIRE(Sign(ea.compare(eb)) == Compare3(std::tuple(a1, ka, a2), std::tuple(b1, kb, b2)));
  }
}

TEST_CASE("Codec: ids and edge keys round-trip", "[engine][codec]") {
  std::mt19937_64 rng(99);
  for (int i = 0; i < 1000; ++i) {
    EntityId a = RandomId(rng), b = RandomId(rng);
    auto kind = static_cast<EdgeKind>(1 + rng() % 29);
    EntityId da;
    REQUIRE(DecodeEntityId(EncodeEntityId(a), &da));
    REQUIRE(da == a);
    EntityId f, s;
    EdgeKind k;
    REQUIRE(DecodeEdgeKey(EncodeEdgeKey(a, kind, b), &f, &k, &s));
    REQUIRE(f == a);
    REQUIRE(k == kind);
    REQUIRE(s == b);
  }
  EntityId id{EntityKind::kIpAddress, 0x0102030405060708ULL};
  CHECK(EncodeEntityId(id) == std::string("\x09\x01\x02\x03\x04\x05\x06\x07\x08", 9));
  std::string enc = EncodeEntityId(id);
  EntityId out;
  CHECK_FALSE(DecodeEntityId(enc.substr(0, 8), &out));
  CHECK_FALSE(DecodeEntityId(enc + "x", &out));
  EntityId f, s;
  EdgeKind k;
  std::string edge = EncodeEdgeKey(id, EdgeKind::kCalledFrom, id);
  CHECK_FALSE(DecodeEdgeKey(edge.substr(0, 18), &f, &k, &s));
}

TEST_CASE("Codec: name keys are kind byte then key, grouped by kind", "[engine][codec]") {
  CHECK(EncodeNameKey(EntityKind::kDomain, "evil.example") == std::string("\x0e") + "evil.example");
  CHECK(EncodeNameKey(EntityKind::kAccount, "zzz") < EncodeNameKey(EntityKind::kIamUser, ""));
}

TEST_CASE("Codec: varints round-trip and reject truncation", "[engine][codec]") {
  for (uint64_t v : {uint64_t{0}, uint64_t{1}, uint64_t{127}, uint64_t{128}, uint64_t{300},
                     uint64_t{1} << 35, ~uint64_t{0}}) {
    std::string buf;
    PutVarint(&buf, v);
    std::string_view in = buf;
    uint64_t out = 0;
    REQUIRE(GetVarint(&in, &out));
    CHECK(out == v);
    CHECK(in.empty());
    if (buf.size() > 1) {
      std::string_view cut(buf.data(), buf.size() - 1);
      CHECK_FALSE(GetVarint(&cut, &out));
    }
  }
}

TEST_CASE("Codec: entity round-trips with kNoTime, negative times, attrs and tags", "[engine][codec]") {
  Entity e = SampleEntity();
  Result<Entity> back = DecodeEntity(EncodeEntity(e));
  REQUIRE(back.ok());
  CHECK(*back == e);

  Entity bare;
  bare.kind = EntityKind::kIpAddress;
  bare.key = "203.0.113.7";
  Result<Entity> bare_back = DecodeEntity(EncodeEntity(bare));
  REQUIRE(bare_back.ok());
  CHECK(bare_back->first_seen == kNoTime);
  CHECK(bare_back->last_seen == kNoTime);
  CHECK(*bare_back == bare);

  Entity extreme = bare;
  extreme.first_seen = kNoTime + 1;  // the smallest real time differs from "unknown"
  extreme.last_seen = std::numeric_limits<int64_t>::max();
  Result<Entity> extreme_back = DecodeEntity(EncodeEntity(extreme));
  REQUIRE(extreme_back.ok());
  CHECK(*extreme_back == extreme);

  // The key alone, from the same bytes.
  for (const Entity* x : {&e, &bare}) {
    std::string bytes = EncodeEntity(*x);
    Result<std::string_view> key = DecodeEntityKey(bytes);
    REQUIRE(key.ok());
    CHECK(*key == x->key);
  }
}

TEST_CASE("Codec: the key-only entity decode rejects what cannot hold a key", "[engine][codec]") {
  std::string entity = EncodeEntity(SampleEntity());
  const size_t key_end = 2 + 1 + SampleEntity().key.size();  // format, kind, one-byte length, key
  REQUIRE(SampleEntity().key.size() < 128);
  for (size_t n = 0; n < key_end; ++n) {
    INFO("prefix of " << n << " bytes");
    CHECK(DecodeEntityKey(std::string_view(entity).substr(0, n)).status().code() == Status::Code::kCorruption);
  }
  CHECK(DecodeEntityKey(std::string_view(entity).substr(0, key_end)).value() == SampleEntity().key);
  std::string wrong_format = entity;
  wrong_format[0] = static_cast<char>(kValueFormat + 1);
  CHECK(DecodeEntityKey(wrong_format).status().code() == Status::Code::kCorruption);
}

TEST_CASE("Codec: edge stats round-trip with evidence, buckets and signed counters", "[engine][codec]") {
  EdgeStats s = SampleStats();
  Result<EdgeStats> back = DecodeEdgeStats(EncodeEdgeStats(s));
  REQUIRE(back.ok());
  CHECK(*back == s);

  EdgeStats empty;
  Result<EdgeStats> empty_back = DecodeEdgeStats(EncodeEdgeStats(empty));
  REQUIRE(empty_back.ok());
  CHECK(empty_back->first_seen == kNoTime);
  CHECK(*empty_back == empty);
}

TEST_CASE("Codec: truncated, extended or mislabelled values are Corruption", "[engine][codec]") {
  std::string entity = EncodeEntity(SampleEntity());
  for (size_t n = 0; n < entity.size(); ++n) {
    Result<Entity> r = DecodeEntity(std::string_view(entity).substr(0, n));
    INFO("entity prefix of " << n << " bytes");
    REQUIRE_FALSE(r.ok());
    REQUIRE(r.status().code() == Status::Code::kCorruption);
  }
  CHECK(DecodeEntity(entity + '\0').status().code() == Status::Code::kCorruption);
  std::string wrong_format = entity;
  wrong_format[0] = static_cast<char>(kValueFormat + 1);
  CHECK(DecodeEntity(wrong_format).status().code() == Status::Code::kCorruption);

  std::string stats = EncodeEdgeStats(SampleStats());
  for (size_t n = 0; n < stats.size(); ++n) {
    Result<EdgeStats> r = DecodeEdgeStats(std::string_view(stats).substr(0, n));
    INFO("edge stats prefix of " << n << " bytes");
    REQUIRE_FALSE(r.ok());
    REQUIRE(r.status().code() == Status::Code::kCorruption);
  }
  CHECK(DecodeEdgeStats(stats + 'x').status().code() == Status::Code::kCorruption);
}

}  // namespace gumshoe

namespace gumshoe {
namespace {

void PutTimeV1(std::string* out, Timestamp t) {
  if (t == kNoTime) {
    PutVarint(out, 0);
    return;
  }
  PutVarint(out, ((static_cast<uint64_t>(t) << 1) ^ static_cast<uint64_t>(t >> 63)) + 1);
}

// The edge value layout of format 1, as earlier versions wrote it.
std::string EncodeEdgeStatsV1(const EdgeStats& s) {
  std::string out(1, '\x01');
  PutVarint(&out, s.count);
  PutVarint(&out, s.success);
  PutVarint(&out, s.failure);
  PutTimeV1(&out, s.first_seen);
  PutTimeV1(&out, s.last_seen);
  for (const Evidence* e : {&s.first_evidence, &s.last_evidence}) {
    PutTimeV1(&out, e->time);
    PutVarint(&out, e->ref.size());
    out += e->ref;
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
    PutVarint(&out, name.size());
    out += name;
    PutVarint(&out, (static_cast<uint64_t>(n) << 1) ^ static_cast<uint64_t>(n >> 63));
  }
  return out;
}

// Edge stats whose evidence times and refs coincide with each other and with
// first/last seen in every combination the encoder distinguishes.
EdgeStats RandomStats(std::mt19937_64& rng) {
  const Timestamp times[] = {kNoTime, -7, 0, 1700000000, 1700003600};
  const char* refs[] = {"", "cloudtrail:a", "cloudtrail:b"};
  EdgeStats s;
  s.count = rng() % 5;
  s.success = rng() % 3;
  s.failure = rng() % 3;
  s.first_seen = times[rng() % 5];
  s.last_seen = rng() % 2 ? s.first_seen : times[rng() % 5];
  s.first_evidence = Evidence{rng() % 2 ? s.first_seen : times[rng() % 5], refs[rng() % 3]};
  switch (rng() % 3) {
    case 0: s.last_evidence = s.first_evidence; break;
    case 1: s.last_evidence = Evidence{s.last_seen, refs[rng() % 3]}; break;
    default: s.last_evidence = Evidence{times[rng() % 5], refs[rng() % 3]}; break;
  }
  for (int i = 0, n = static_cast<int>(rng() % 3); i < n; ++i) s.hourly[472222 + static_cast<uint32_t>(rng() % 4)] += 1;
  if (rng() % 2) s.counters["op:GetObject"] = static_cast<int64_t>(rng() % 9) - 4;
  return s;
}

}  // namespace

TEST_CASE("Codec: edge stats round-trip in every evidence combination, format 1 values still decode",
          "[engine][codec]") {
  std::mt19937_64 rng(5);
  for (int trial = 0; trial < 2000; ++trial) {
    EdgeStats s = RandomStats(rng);
    std::string v2 = EncodeEdgeStats(s);
    std::string v1 = EncodeEdgeStatsV1(s);
    INFO("trial " << trial);
    REQUIRE(static_cast<uint8_t>(v2[0]) == 2);
    for (const std::string* bytes : {&v2, &v1}) {
      Result<EdgeStats> back = DecodeEdgeStats(*bytes);
      REQUIRE(back.ok());
      REQUIRE(*back == s);
      for (TimeWindow w : {TimeWindow{}, TimeWindow{472223 * 3600, kNoTime}, TimeWindow{kNoTime, 472222 * 3600}}) {
        Result<EdgeStatsSummary> sum = DecodeEdgeStatsSummary(*bytes, w);
        REQUIRE(sum.ok());
        CHECK(sum->count == s.count);
        CHECK(sum->success == s.success);
        CHECK(sum->failure == s.failure);
        CHECK(sum->first_seen == s.first_seen);
        CHECK(sum->last_seen == s.last_seen);
        CHECK(sum->window_count == s.CountInWindow(w.since, w.until));
      }
    }
    // Format 2 stores nothing twice: never longer than format 1, and an edge
    // seen once with a timed evidence ref saves the second ref and both times.
    REQUIRE(v2.size() <= v1.size() + 1);
    if (s.last_evidence == s.first_evidence && s.first_evidence.time == s.first_seen && s.first_seen != kNoTime) {
      REQUIRE(v2.size() + s.first_evidence.ref.size() + 1 <= v1.size());
    }
    // Every proper prefix is Corruption, as is a trailing byte.
    for (size_t n = 0; n < v2.size(); ++n) {
      REQUIRE(DecodeEdgeStats(std::string_view(v2).substr(0, n)).status().code() == Status::Code::kCorruption);
    }
    REQUIRE(DecodeEdgeStats(v2 + 'x').status().code() == Status::Code::kCorruption);
  }
}

TEST_CASE("Codec: edge values with unknown flags or formats are Corruption", "[engine][codec]") {
  EdgeStats s;
  s.count = 1;
  s.first_seen = s.last_seen = 1700000000;
  s.first_evidence = s.last_evidence = Evidence{1700000000, "cloudtrail:x"};
  std::string v = EncodeEdgeStats(s);
  REQUIRE(DecodeEdgeStats(v).ok());
  for (uint8_t flags : {uint8_t{8}, uint8_t{0x80}, uint8_t{4 | 2}}) {
    std::string bad = v;
    bad[1] = static_cast<char>(flags);
    INFO("flags " << int(flags));
    CHECK(DecodeEdgeStats(bad).status().code() == Status::Code::kCorruption);
    CHECK_FALSE(DecodeEdgeStatsSummary(bad, TimeWindow{}).ok());
  }
  for (char format : {'\0', '\x03', '\xff'}) {
    std::string bad = v;
    bad[0] = format;
    CHECK(DecodeEdgeStats(bad).status().code() == Status::Code::kCorruption);
    CHECK_FALSE(DecodeEdgeStatsSummary(bad, TimeWindow{}).ok());
  }
}

}  // namespace gumshoe
