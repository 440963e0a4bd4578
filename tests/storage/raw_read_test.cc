// GraphReader::ScanRawEdges and GetEntities on the RocksDB store (latest state
// and snapshot): the same edges and entities as ScanEdges / GetEntity.
#include <catch2/catch.hpp>

#include <stdlib.h>

#include <filesystem>
#include <string>
#include <vector>

#include "gumshoe/codec.h"
#include "gumshoe/rocksdb_store.h"

namespace gumshoe {
namespace {

namespace fs = std::filesystem;

class ScratchDir {
 public:
  ScratchDir() {
    char tmpl[] = "/tmp/gumshoe-raw-read-XXXXXX";
    char* p = mkdtemp(tmpl);
    REQUIRE(p != nullptr);
    path_ = p;
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string store() const { return path_ + "/store"; }

 private:
  std::string path_;
};

const EntityRef kUser{EntityKind::kIamUser, "arn:aws:iam::111122223333:user/alice"};
const EntityRef kKey{EntityKind::kAccessKey, "AKIAEXAMPLEALICE0001"};
constexpr Timestamp kT0 = 1785000000;

EntityRef Ip(int i) { return {EntityKind::kIpAddress, "198.51.100." + std::to_string(i)}; }

struct Seen {
  EdgeKind kind;
  EntityId other;
  uint64_t count;
  friend bool operator==(const Seen&, const Seen&) = default;
};

void Check(const GraphReader& reader) {
  EntityId user = reader.IdOf(kUser.kind, kUser.key);
  // Decoded scans, kind by kind, as the reference.
  std::vector<Seen> want;
  for (EdgeKind k : {EdgeKind::kAuthenticatedWith, EdgeKind::kCalledFrom}) {
    REQUIRE(reader
                .ScanEdges(user, Direction::kOut, k,
                           [&](const Edge& e) {
                             want.push_back({e.kind, e.dst, e.stats.count});
                             return true;
                           })
                .ok());
  }
  REQUIRE(want.size() == 6);  // 1 key + 5 IPs
  std::vector<Seen> got;
  REQUIRE(reader
              .ScanRawEdges(user, Direction::kOut, {EdgeKind::kAuthenticatedWith, EdgeKind::kCalledFrom},
                            [&](const GraphReader::RawEdge& e) {
                              CHECK(e.src == user);
                              auto stats = DecodeEdgeStats(e.stats);
                              REQUIRE(stats.ok());
                              got.push_back({e.kind, e.dst, stats->count});
                              return true;
                            })
              .ok());
  CHECK(got == want);

  // Every kind (the in_account edge too), and the in-direction view.
  size_t all = 0;
  REQUIRE(reader.ScanRawEdges(user, Direction::kOut, {}, [&](const GraphReader::RawEdge&) {
    ++all;
    return true;
  }).ok());
  CHECK(all == 7);
  size_t in = 0;
  REQUIRE(reader
              .ScanRawEdges(reader.IdOf(Ip(3).kind, Ip(3).key), Direction::kIn, {EdgeKind::kCalledFrom},
                            [&](const GraphReader::RawEdge& e) {
                              CHECK(e.src == user);
                              CHECK(DecodeEdgeStatsSummary(e.stats, TimeWindow{})->count == 3);
                              ++in;
                              return true;
                            })
              .ok());
  CHECK(in == 1);
  // Stopping early stops every kind.
  size_t first = 0;
  REQUIRE(reader
              .ScanRawEdges(user, Direction::kOut, {EdgeKind::kAuthenticatedWith, EdgeKind::kCalledFrom},
                            [&](const GraphReader::RawEdge&) {
                              ++first;
                              return false;
                            })
              .ok());
  CHECK(first == 1);

  // Batched entity reads, in order, a missing id as nullopt.
  std::vector<EntityId> ids = {reader.IdOf(kKey.kind, kKey.key), reader.IdOf(Ip(9).kind, Ip(9).key), user};
  auto entities = reader.GetEntities(ids);
  REQUIRE(entities.ok());
  REQUIRE(entities->size() == 3);
  REQUIRE((*entities)[0]);
  CHECK((*entities)[0]->key == kKey.key);
  CHECK_FALSE((*entities)[1]);
  REQUIRE((*entities)[2]);
  CHECK((*entities)[2]->key == kUser.key);
  CHECK((*entities)[2]->first_seen == kT0);
}

TEST_CASE("RocksStore: raw edge scans and batched entity reads match the decoded ones", "[storage][raw_read]") {
  ScratchDir dir;
  auto store = OpenRocksStore(dir.store());
  REQUIRE(store.ok());
  GraphDelta d;
  d.AddEdge(kUser, EdgeKind::kAuthenticatedWith, kKey, {kT0, 0, "cloudtrail:1"});
  for (int i = 1; i <= 5; ++i)
    for (int c = 0; c < i; ++c) d.AddEdge(kUser, EdgeKind::kCalledFrom, Ip(i), {kT0 + c * 3600, +1, "cloudtrail:2"});
  d.AddEdge(kUser, EdgeKind::kInAccount, EntityRef{EntityKind::kAccount, "111122223333"}, {kT0, 0, "cloudtrail:3"});
  REQUIRE((*store)->Apply(d).ok());
  SECTION("latest state") { Check(**store); }
  SECTION("snapshot") {
    auto snapshot = (*store)->Snapshot();
    Check(*snapshot);
  }
  SECTION("after a flush and compaction (values read from table files)") {
    REQUIRE((*store)->Flush().ok());
    REQUIRE(CompactRocksStore(**store).ok());
    Check(**store);
  }
}

}  // namespace
}  // namespace gumshoe
