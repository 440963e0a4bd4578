#include "gumshoe/hash.h"

#include <cstring>
#include <random>

namespace gumshoe {
namespace {

inline uint64_t Rotl(uint64_t x, int b) { return (x << b) | (x >> (64 - b)); }

inline void Round(uint64_t& v0, uint64_t& v1, uint64_t& v2, uint64_t& v3) {
  v0 += v1; v1 = Rotl(v1, 13); v1 ^= v0; v0 = Rotl(v0, 32);
  v2 += v3; v3 = Rotl(v3, 16); v3 ^= v2;
  v0 += v3; v3 = Rotl(v3, 21); v3 ^= v0;
  v2 += v1; v1 = Rotl(v1, 17); v1 ^= v2; v2 = Rotl(v2, 32);
}

}  // namespace

uint64_t SipHash24(const HashKey& key, std::string_view data) {
  uint64_t v0 = 0x736f6d6570736575ULL ^ key.k0;
  uint64_t v1 = 0x646f72616e646f6dULL ^ key.k1;
  uint64_t v2 = 0x6c7967656e657261ULL ^ key.k0;
  uint64_t v3 = 0x7465646279746573ULL ^ key.k1;
  const size_t n = data.size();
  const auto* p = reinterpret_cast<const unsigned char*>(data.data());
  const size_t full = n & ~size_t{7};
  for (size_t i = 0; i < full; i += 8) {
    uint64_t m = 0;
    for (int b = 7; b >= 0; --b) m = (m << 8) | p[i + static_cast<size_t>(b)];
    v3 ^= m;
    Round(v0, v1, v2, v3);
    Round(v0, v1, v2, v3);
    v0 ^= m;
  }
  uint64_t last = static_cast<uint64_t>(n) << 56;
  for (size_t i = full; i < n; ++i) last |= static_cast<uint64_t>(p[i]) << (8 * (i - full));
  v3 ^= last;
  Round(v0, v1, v2, v3);
  Round(v0, v1, v2, v3);
  v0 ^= last;
  v2 ^= 0xff;
  for (int i = 0; i < 4; ++i) Round(v0, v1, v2, v3);
  return v0 ^ v1 ^ v2 ^ v3;
}

EntityId Hasher::IdOf(EntityKind kind, std::string_view canonical_key) const {
  return EntityId{kind, SipHash24(key_, canonical_key)};
}

RecordId Hasher::RecordIdOf(std::string_view source, std::string_view identity) const {
  std::string buf;
  buf.reserve(source.size() + identity.size() + 1);
  buf.append(source).push_back('\0');
  buf.append(identity);
  uint64_t a = SipHash24(key_, buf);
  HashKey k2{key_.k0 ^ 0x9e3779b97f4a7c15ULL, key_.k1 + 0x632be59bd9b4e019ULL};
  uint64_t b = SipHash24(k2, buf);
  RecordId id;
  for (int i = 0; i < 8; ++i) {
    id[static_cast<size_t>(i)] = static_cast<uint8_t>(a >> (56 - 8 * i));
    id[static_cast<size_t>(8 + i)] = static_cast<uint8_t>(b >> (56 - 8 * i));
  }
  return id;
}

HashKey Hasher::RandomKey() {
  std::random_device rd;
  auto r64 = [&rd] { return (static_cast<uint64_t>(rd()) << 32) ^ rd(); };
  return HashKey{r64(), r64()};
}

}  // namespace gumshoe
