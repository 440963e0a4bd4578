// S3 object counters on read/wrote edges (gumshoe/edge_counters.h): bounded,
// exact in total, and merged the same whatever the order or grouping.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "gumshoe/edge_counters.h"
#include "gumshoe/model.h"

namespace gumshoe {
namespace {

int64_t Get(const EdgeStats& s, const std::string& name) {
  auto it = s.counters.find(name);
  return it == s.counters.end() ? 0 : it->second;
}

TEST_CASE("MergeEdgeStats: object keys keep the smallest names, the rest summed exactly, in any order",
          "[engine][model][s3_objects]") {
  std::mt19937 rng(20);
  std::vector<EdgeStats> parts;
  int64_t calls = 0, bytes = 0;
  for (int i = 0; i < 300; ++i) {
    EdgeStats s;
    s.count = 1;
    char key[48];
    std::snprintf(key, sizeof key, "dump/%04u.bin", static_cast<unsigned>(rng() % 90));
    s.counters[std::string(kObjectCallsPrefix) + key] = 1;
    int64_t b = static_cast<int64_t>(rng() % 5000);
    if (b > 0) s.counters[std::string(kObjectBytesPrefix) + key] = b;
    s.counters["op:GetObject"] = 1;
    s.counters["bytes_out"] = b;
    // Other keyed counters that must not be pushed out by objects.
    s.counters["region:eu-west-" + std::to_string(rng() % 3)] = 1;
    calls += 1;
    bytes += b;
    parts.push_back(std::move(s));
  }
  EdgeStats a;
  for (const auto& p : parts) MergeEdgeStats(a, p);
  std::shuffle(parts.begin(), parts.end(), rng);
  EdgeStats left, right, b;
  for (size_t i = 0; i < parts.size(); ++i) MergeEdgeStats(i < 100 ? left : right, parts[i]);
  MergeEdgeStats(b, right);
  MergeEdgeStats(b, left);
  CHECK(a == b);

  int64_t kept_calls = 0, kept_bytes = 0;
  std::vector<std::string> keys;
  for (const auto& [name, v] : a.counters) {
    if (name.rfind(kObjectCallsPrefix, 0) == 0) {
      kept_calls += v;
      keys.push_back(name.substr(kObjectCallsPrefix.size()));
    }
    if (name.rfind(kObjectBytesPrefix, 0) == 0) kept_bytes += v;
  }
  CHECK(keys.size() == kMaxObjectKeys);
  CHECK(keys.front() == "dump/0000.bin");
  CHECK(std::is_sorted(keys.begin(), keys.end()));
  CHECK(kept_calls + Get(a, std::string(kObjectOverflowCalls)) == calls);
  CHECK(kept_bytes + Get(a, std::string(kObjectOverflowBytes)) == bytes);
  CHECK(Get(a, "bytes_out") == bytes);
  CHECK(Get(a, "op:GetObject") == 300);
  CHECK(Get(a, "region:eu-west-0") + Get(a, "region:eu-west-1") + Get(a, "region:eu-west-2") == 300);
  CHECK(a.counters.count("overflow") == 0);
}

TEST_CASE("MergeEdgeStats: objects with bytes only, or calls only, count once toward the bound",
          "[engine][model][s3_objects]") {
  EdgeStats into, from;
  for (int i = 0; i < 20; ++i) into.counters[std::string(kObjectCallsPrefix) + "a" + std::to_string(100 + i)] = 1;
  for (int i = 0; i < 20; ++i) {
    from.counters[std::string(kObjectCallsPrefix) + "b" + std::to_string(100 + i)] = 1;
    from.counters[std::string(kObjectBytesPrefix) + "b" + std::to_string(100 + i)] = 10;
  }
  MergeEdgeStats(into, from);
  size_t call_keys = 0, byte_keys = 0;
  for (const auto& [name, v] : into.counters) {
    call_keys += name.rfind(kObjectCallsPrefix, 0) == 0;
    byte_keys += name.rfind(kObjectBytesPrefix, 0) == 0;
  }
  CHECK(call_keys == kMaxObjectKeys);  // a100..a119 and b100..b111
  CHECK(byte_keys == kMaxObjectKeys - 20);
  CHECK(Get(into, std::string(kObjectOverflowCalls)) == 40 - static_cast<int64_t>(kMaxObjectKeys));
  CHECK(Get(into, std::string(kObjectOverflowBytes)) == 10 * (40 - static_cast<int64_t>(kMaxObjectKeys)));
  EdgeStats again = into;
  MergeEdgeStats(again, EdgeStats{});
  CHECK(again == into);  // merging nothing changes nothing
}

}  // namespace
}  // namespace gumshoe
