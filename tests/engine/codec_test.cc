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
