#include "gumshoe/rocksdb_store.h"

#include <catch2/catch.hpp>
#include <rocksdb/db.h>
#include <rocksdb/options.h>

#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "gumshoe/codec.h"
#include "gumshoe/memory_store.h"
#include "gumshoe/pivot.h"

namespace gumshoe {
namespace {

namespace fs = std::filesystem;

// A fresh directory under /tmp, removed with everything in it at scope exit.
class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/gumshoe-storage-test-XXXXXX";
    char* p = mkdtemp(tmpl);
    REQUIRE(p != nullptr);
    path_ = p;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  // A path inside the directory (the store directory itself when empty).
  std::string Sub(const std::string& name) const { return (fs::path(path_) / name).string(); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::unique_ptr<GraphStore> MustOpen(const std::string& path, RocksStoreOptions options = {}) {
  options.block_cache_bytes = 8u << 20;
  options.write_buffer_bytes = 4u << 20;
  Result<std::unique_ptr<GraphStore>> r = OpenRocksStore(path, options);
  INFO(r.status().ToString());
  REQUIRE(r.ok());
  return std::move(r).value();
}

Status OpenStatus(const std::string& path, RocksStoreOptions options = {}) {
  Result<std::unique_ptr<GraphStore>> r = OpenRocksStore(path, options);
  return r.ok() ? Status::Ok() : r.status();
}

EdgeObservation Obs(Timestamp t, int outcome, std::string_view evidence, uint64_t weight = 1) {
  EdgeObservation o;
  o.time = t;
  o.outcome = outcome;
  o.evidence = evidence;
  o.weight = weight;
  return o;
}

const EntityRef kAlice{EntityKind::kIamUser, "arn:aws:iam::111122223333:user/alice"};
const EntityRef kBob{EntityKind::kIamUser, "arn:aws:iam::111122223333:user/bob"};
const EntityRef kRole{EntityKind::kIamRole, "arn:aws:iam::111122223333:role/deploy"};
const EntityRef kKey{EntityKind::kAccessKey, "AKIAIOSFODNN7EXAMPLE"};
const EntityRef kIp1{EntityKind::kIpAddress, "203.0.113.7"};
const EntityRef kIp2{EntityKind::kIpAddress, "198.51.100.20"};
const EntityRef kBucket{EntityKind::kS3Bucket, "payroll-exports"};
const EntityRef kAgent{EntityKind::kUserAgent, "aws-cli/2.15.0 Python/3.11"};

// Deterministic deltas whose edges overlap: every delta touches the same
// small set of entities, with times before and after the epoch, unknown
// times, outcomes, weights, counters and attributes.
std::vector<GraphDelta> OverlappingDeltas(const Hasher& hasher, int n, uint64_t seed) {
  const EntityRef* actors[] = {&kAlice, &kBob, &kRole, &kKey};
  const EntityRef* targets[] = {&kIp1, &kIp2, &kBucket, &kAgent, &kRole};
  const EdgeKind kinds[] = {EdgeKind::kCalledFrom, EdgeKind::kRead, EdgeKind::kUsedAgent, EdgeKind::kCreated};
  std::mt19937_64 rng(seed);
  std::vector<GraphDelta> out(static_cast<size_t>(n));
  std::vector<std::string> evidence;  // EdgeObservation holds a view
  evidence.reserve(4096);
  int serial = 0;
  for (GraphDelta& d : out) {
    for (int i = 0; i < 40; ++i) {
      const EntityRef& src = *actors[rng() % 4];
      const EntityRef& dst = *targets[rng() % 5];
      EdgeKind kind = kinds[rng() % 4];
      Timestamp t = rng() % 10 == 0 ? kNoTime : static_cast<Timestamp>(1699990000 + (rng() % 200000)) - (rng() % 7 == 0 ? 1800000000 : 0);
      int outcome = static_cast<int>(rng() % 3) - 1;
      evidence.push_back("cloudtrail:ev-" + std::to_string(serial++));
      EdgeStats& s = d.AddEdge(src, kind, dst, Obs(t, outcome, evidence.back(), 1 + rng() % 3));
      s.counters["bytes_out"] += static_cast<int64_t>(rng() % 5000);
      s.counters["delta"] -= 3;
      d.SetAttr(src, "region", rng() % 2 ? "us-east-1" : "eu-west-1", t);
      if (rng() % 5 == 0) d.AddTag(dst, rng() % 2 ? "tor_exit" : "public", t);
      d.AddRecord(hasher.RecordIdOf("cloudtrail", evidence.back()));
    }
  }
  return out;
}

// Everything a reader shows: entities in scan order, and edges keyed by their
// encoded out-/in-edge keys.
struct Dump {
  std::vector<Entity> entities;
  std::map<std::string, EdgeStats> out, in;
  bool operator==(const Dump&) const = default;
};

Dump DumpOf(const GraphReader& r) {
  Dump d;
  REQUIRE(r.ScanEntities(std::nullopt, [&](const Entity& e) {
    d.entities.push_back(e);
    return true;
  }).ok());
  for (const Entity& e : d.entities) {
    EntityId id = r.IdOf(e.kind, e.key);
    REQUIRE(r.ScanEdges(id, Direction::kOut, std::nullopt, [&](const Edge& edge) {
      CHECK(edge.src == id);
      d.out[EncodeEdgeKey(edge.src, edge.kind, edge.dst)] = edge.stats;
      return true;
    }).ok());
    REQUIRE(r.ScanEdges(id, Direction::kIn, std::nullopt, [&](const Edge& edge) {
      CHECK(edge.dst == id);
      d.in[EncodeEdgeKey(edge.dst, edge.kind, edge.src)] = edge.stats;
      return true;
    }).ok());
  }
  return d;
}

std::vector<std::string> KeysOf(const GraphReader& r, EntityKind kind, std::string_view prefix) {
  std::vector<std::string> out;
  Status s = r.ScanKeys(kind, prefix, [&](std::string_view k) {
    out.emplace_back(k);
    return true;
  });
  REQUIRE(s.ok());
  return out;
}

std::vector<Edge> EdgesOf(const GraphReader& r, const EntityRef& ref, Direction dir,
                          std::optional<EdgeKind> kind = std::nullopt) {
  std::vector<Edge> out;
  Status s = r.ScanEdges(r.IdOf(ref.kind, ref.key), dir, kind, [&](const Edge& e) {
    out.push_back(e);
    return true;
  });
  INFO(s.ToString());
  REQUIRE(s.ok());
  return out;
}

// Writes one value with plain RocksDB (no gumshoe merge operators), to plant
// bytes a gumshoe build would never write. REQUIRES: the store was flushed
// and closed.
void RawPut(const std::string& path, const std::string& cf_name, const std::string& key, const std::string& value,
            bool erase = false) {
  std::vector<std::string> names;
  REQUIRE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), path, &names).ok());
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const std::string& n : names) descriptors.emplace_back(n, rocksdb::ColumnFamilyOptions());
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(rocksdb::DBOptions(), path, descriptors, &handles, &db);
  INFO(s.ToString());
  REQUIRE(s.ok());
  rocksdb::ColumnFamilyHandle* target = nullptr;
  for (size_t i = 0; i < names.size(); ++i)
    if (names[i] == cf_name) target = handles[i];
  REQUIRE(target != nullptr);
  if (erase) {
    CHECK(db->Delete(rocksdb::WriteOptions(), target, key).ok());
  } else {
    CHECK(db->Put(rocksdb::WriteOptions(), target, key, value).ok());
  }
  for (auto* h : handles) CHECK(db->DestroyColumnFamilyHandle(h).ok());
  CHECK(db->Close().ok());
  delete db;
}

void RawDelete(const std::string& path, const std::string& cf_name, const std::string& key) {
  RawPut(path, cf_name, key, "", /*erase=*/true);
}

void Overwrite(const fs::path& file, const std::string& bytes) {
  std::ofstream f(file, std::ios::binary | std::ios::trunc);
  f << bytes;
  REQUIRE(f.good());
}

constexpr char kKillDirEnv[] = "GUMSHOE_STORAGE_KILL_TEST_DIR";

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

}  // namespace

TEST_CASE("RocksStore: merged edges equal MergeEdgeStats of the parts and MemoryStore", "[storage][rocksdb]") {
  // bulk_load: the same content, read from append-only memtables before flush.
  const bool bulk_load = GENERATE(false, true);
  INFO("bulk_load " << bulk_load);
  TempDir dir;
  RocksStoreOptions options;
  options.bulk_load = bulk_load;
  std::unique_ptr<GraphStore> store = MustOpen(dir.path(), options);
  MemoryStore memory(store->hasher().key());
  std::vector<GraphDelta> deltas = OverlappingDeltas(store->hasher(), 6, 1);

  // Expected stats per out-/in-edge key after the first n deltas:
  // MergeEdgeStats over the deltas' parts.
  std::map<std::string, EdgeStats> expected_out, expected_in;
  uint64_t total_weight = 0;
  auto expect = [&](size_t n) {
    expected_out.clear();
    expected_in.clear();
    total_weight = 0;
    for (size_t i = 0; i < n; ++i) {
      for (const GraphDelta::EdgeEntry& e : deltas[i].edges()) {
        EntityId src = store->IdOf(e.src->kind, e.src->key), dst = store->IdOf(e.dst->kind, e.dst->key);
        MergeEdgeStats(expected_out[EncodeEdgeKey(src, e.kind, dst)], e.stats);
        MergeEdgeStats(expected_in[EncodeEdgeKey(dst, e.kind, src)], e.stats);
        total_weight += e.stats.count;
      }
    }
  };
  expect(deltas.size());
  // The same edge appears in several deltas, so merging matters.
  size_t parts = 0;
  for (const GraphDelta& d : deltas) parts += d.edges().size();
  REQUIRE(parts > expected_out.size() + 20);

  auto check = [&](const char* phase) {
    INFO(phase);
    Dump rocks = DumpOf(*store);
    Dump mem = DumpOf(memory);
    CHECK(rocks.out == expected_out);
    CHECK(rocks.in == expected_in);
    CHECK(rocks.entities == mem.entities);
    CHECK(rocks.out == mem.out);
    CHECK(rocks.in == mem.in);
    uint64_t sum = 0;
    for (const auto& [k, s] : rocks.out) sum += s.count;
    CHECK(sum == total_weight);
  };

  // Operands spread over memtable, several L0 files and (after compaction)
  // the bottom level, then more operands on top of compacted base values.
  REQUIRE(store->Apply(deltas[0]).ok());
  REQUIRE(store->Apply(deltas[1]).ok());
  REQUIRE(store->Flush().ok());
  REQUIRE(store->Apply(deltas[2]).ok());
  REQUIRE(store->Flush().ok());
  REQUIRE(store->Apply(deltas[3]).ok());
  for (size_t i = 0; i < 4; ++i) REQUIRE(memory.Apply(deltas[i]).ok());
  expect(4);
  check("memtable + L0 operands");

  REQUIRE(store->Flush().ok());
  Status compacted = CompactRocksStore(*store);
  INFO(compacted.ToString());
  REQUIRE(compacted.ok());
  check("after flush + full compaction");

  REQUIRE(store->Apply(deltas[4]).ok());
  REQUIRE(store->Apply(deltas[5]).ok());
  REQUIRE(memory.Apply(deltas[4]).ok());
  REQUIRE(memory.Apply(deltas[5]).ok());
  expect(6);
  check("operands over compacted values");
  REQUIRE(store->Flush().ok());
  REQUIRE(CompactRocksStore(*store).ok());
  check("second compaction");

  // Filters agree with MemoryStore.
  for (EntityKind kind : kAllEntityKinds) {
    std::vector<std::string> rk, mk;
    REQUIRE(store->ScanEntities(kind, [&](const Entity& e) {
      CHECK(e.kind == kind);
      rk.push_back(e.key);
      return true;
    }).ok());
    REQUIRE(memory.ScanEntities(kind, [&](const Entity& e) {
      mk.push_back(e.key);
      return true;
    }).ok());
    CHECK(rk == mk);
    CHECK(KeysOf(*store, kind, "") == KeysOf(memory, kind, ""));
  }
  CHECK(KeysOf(*store, EntityKind::kIamUser, "arn:aws:iam::111122223333:user/")
        == std::vector<std::string>{kAlice.key, kBob.key});
  CHECK(KeysOf(*store, EntityKind::kIamUser, "arn:aws:iam::111122223333:user/b") == std::vector<std::string>{kBob.key});
  CHECK(KeysOf(*store, EntityKind::kIamUser, "arn:aws:iam::999").empty());
  for (EdgeKind kind : {EdgeKind::kCalledFrom, EdgeKind::kRead, EdgeKind::kInvolves}) {
    std::vector<Edge> r = EdgesOf(*store, kAlice, Direction::kOut, kind);
    std::vector<Edge> m = EdgesOf(memory, kAlice, Direction::kOut, kind);
    REQUIRE(r.size() == m.size());
    for (size_t i = 0; i < r.size(); ++i) {
      CHECK(r[i].kind == kind);
      CHECK(r[i].dst == m[i].dst);
      CHECK(r[i].stats == m[i].stats);
    }
  }
  // The whole-store edge scan visits every out-edge once, in the order of the
  // default implementation (MemoryStore uses it).
  std::vector<std::tuple<EntityId, EdgeKind, EntityId, EdgeStats>> rocks_all, memory_all;
  REQUIRE(store->ScanAllEdges([&](const Edge& e) {
    rocks_all.emplace_back(e.src, e.kind, e.dst, e.stats);
    return true;
  }).ok());
  REQUIRE(memory.ScanAllEdges([&](const Edge& e) {
    memory_all.emplace_back(e.src, e.kind, e.dst, e.stats);
    return true;
  }).ok());
  CHECK(rocks_all.size() == expected_out.size());
  CHECK(rocks_all == memory_all);
  size_t visited = 0;
  REQUIRE(store->Snapshot()->ScanAllEdges([&](const Edge&) { return ++visited < 5; }).ok());
  CHECK(visited == 5);

  // Scans stop when the callback says so.
  int calls = 0;
  REQUIRE(store->ScanEntities(std::nullopt, [&](const Entity&) { return ++calls < 3; }).ok());
  CHECK(calls == 3);
}

TEST_CASE("RocksStore: data, meta, records and hash key persist across reopen", "[storage][rocksdb]") {
  TempDir dir;
  HashKey key;
  EntityId alice_id;
  RecordId applied, other;
  {
    std::unique_ptr<GraphStore> store = MustOpen(dir.path());
    key = store->hasher().key();
    alice_id = store->IdOf(kAlice.kind, kAlice.key);
    applied = store->hasher().RecordIdOf("cloudtrail", "evt-1");
    other = store->hasher().RecordIdOf("cloudtrail", "evt-2");
    GraphDelta d;
    d.AddEdge(kAlice, EdgeKind::kCalledFrom, kIp1, Obs(1700000000, 1, "cloudtrail:evt-1"));
    d.SetAttr(kAlice, "account", "111122223333", 1700000000);
    d.AddTag(kIp1, "tor_exit", 1700000000);
    d.AddRecord(applied);
    REQUIRE(store->Apply(d).ok());
    REQUIRE(store->PutMeta("run/0001", "{\"files\":1}").ok());
    CHECK(store->ContainsRecord(applied).value());
    CHECK_FALSE(store->ContainsRecord(other).value());
    // Closed without Flush: everything comes back from the WAL.
  }
  std::unique_ptr<GraphStore> store = MustOpen(dir.path(), RocksStoreOptions{.create_if_missing = false});
  CHECK(store->hasher().key().k0 == key.k0);
  CHECK(store->hasher().key().k1 == key.k1);
  CHECK(store->IdOf(kAlice.kind, kAlice.key) == alice_id);
  CHECK(store->ContainsRecord(applied).value());
  CHECK_FALSE(store->ContainsRecord(other).value());

  Result<std::optional<Entity>> alice = store->Find(kAlice);
  REQUIRE(alice.ok());
  REQUIRE(alice->has_value());
  CHECK(*(*alice)->Attr("account") == "111122223333");
  CHECK((*alice)->first_seen == 1700000000);
  Result<std::optional<Entity>> ip = store->Find(kIp1);
  REQUIRE(ip.ok());
  REQUIRE(ip->has_value());
  CHECK((*ip)->tags == std::set<std::string>{"tor_exit"});

  std::vector<Edge> out = EdgesOf(*store, kAlice, Direction::kOut);
  REQUIRE(out.size() == 1);
  CHECK(out[0].dst == store->IdOf(kIp1.kind, kIp1.key));
  CHECK(out[0].stats.success == 1);
  CHECK(out[0].stats.first_evidence.ref == "cloudtrail:evt-1");
  std::vector<Edge> in = EdgesOf(*store, kIp1, Direction::kIn);
  REQUIRE(in.size() == 1);
  CHECK(in[0].src == alice_id);
  CHECK(in[0].stats == out[0].stats);

  CHECK(store->GetMeta("run/0001").value() == std::optional<std::string>("{\"files\":1}"));
  CHECK(store->GetMeta("schema_version").value() == std::optional<std::string>(std::to_string(kSchemaVersion)));
  std::vector<std::string> meta_keys;
  REQUIRE(store->ScanMeta("", [&](std::string_view k, std::string_view) {
    meta_keys.emplace_back(k);
    return true;
  }).ok());
  CHECK(meta_keys == std::vector<std::string>{"hash_key", "meta_checksum", "run/0001", "schema_version"});
  CHECK(KeysOf(*store, EntityKind::kIpAddress, "203.") == std::vector<std::string>{kIp1.key});
}

TEST_CASE("RocksStore: two stores get different hash keys", "[storage][rocksdb]") {
  TempDir dir;
  std::unique_ptr<GraphStore> a = MustOpen(dir.Sub("a"));
  std::unique_ptr<GraphStore> b = MustOpen(dir.Sub("b"));
  CHECK(a->IdOf(kAlice.kind, kAlice.key) != b->IdOf(kAlice.kind, kAlice.key));
}

TEST_CASE("RocksStore: record dedup survives flush, compaction and reopen", "[storage][rocksdb]") {
  TempDir dir;
  std::vector<RecordId> ids;
  {
    std::unique_ptr<GraphStore> store = MustOpen(dir.path());
    GraphDelta d;
    for (int i = 0; i < 500; ++i) {
      ids.push_back(store->hasher().RecordIdOf("vpcflow", "flows.log:" + std::to_string(i)));
      if (i % 2 == 0) d.AddRecord(ids.back());
    }
    REQUIRE(store->Apply(d).ok());
    // Re-applying the same records keeps them present exactly as before.
    REQUIRE(store->Apply(d).ok());
    REQUIRE(store->Flush().ok());
    REQUIRE(CompactRocksStore(*store).ok());
  }
  std::unique_ptr<GraphStore> store = MustOpen(dir.path());
  for (size_t i = 0; i < ids.size(); ++i) {
    Result<bool> has = store->ContainsRecord(ids[i]);
    REQUIRE(has.ok());
    REQUIRE(*has == (i % 2 == 0));
  }
}

TEST_CASE("RocksStore: a store of another schema version is Incompatible", "[storage][rocksdb]") {
  TempDir dir;
  {
    std::unique_ptr<GraphStore> store = MustOpen(dir.path());
    Status reserved = store->PutMeta("schema_version", "999");
    CHECK(reserved.code() == Status::Code::kInvalidArgument);
    CHECK(store->PutMeta("hash_key", "0123456789abcdef").code() == Status::Code::kInvalidArgument);
    REQUIRE(store->Flush().ok());
  }
  MustOpen(dir.path());  // still the current version: the reserved keys were not written
  RawPut(dir.path(), "meta", "schema_version", "999");
  for (bool read_only : {false, true}) {
    Status s = OpenStatus(dir.path(), RocksStoreOptions{.read_only = read_only});
    INFO(s.ToString());
    CHECK(s.code() == Status::Code::kIncompatible);
    CHECK(Contains(s.message(), "schema version 999"));
    CHECK(Contains(s.message(), "this build reads 1 to " + std::to_string(kSchemaVersion)));
    CHECK(Contains(s.message(), dir.path()));
  }
  RawPut(dir.path(), "meta", "schema_version", "0");
  CHECK(OpenStatus(dir.path()).code() == Status::Code::kIncompatible);
  RawPut(dir.path(), "meta", "schema_version", "one");
  Status s = OpenStatus(dir.path());
  CHECK(s.code() == Status::Code::kCorruption);
  CHECK(Contains(s.message(), dir.path()));
}

TEST_CASE("RocksStore: a schema-1 store with format-1 edge values is read, merged into and marked current",
          "[storage][rocksdb]") {
  TempDir dir;
  std::string out_key, in_key;
  {
    std::unique_ptr<GraphStore> store = MustOpen(dir.path());
    EntityId alice = store->IdOf(kAlice.kind, kAlice.key);
    EntityId ip = store->IdOf(kIp1.kind, kIp1.key);
    out_key = EncodeEdgeKey(alice, EdgeKind::kCalledFrom, ip);
    in_key = EncodeEdgeKey(ip, EdgeKind::kCalledFrom, alice);
    GraphDelta d;
    d.Touch(kAlice, 0);
    d.Touch(kIp1, 0);
    REQUIRE(store->Apply(d).ok());
    REQUIRE(store->Flush().ok());
  }
  // What a schema-1 build wrote: count 1, success 1, first/last seen 0,
  // evidence {0, "r"} twice, one bucket at hour 0, no counters.
  const std::string v1("\x01" "\x01\x01\x00" "\x01\x01" "\x01\x01r" "\x01\x01r" "\x01\x00\x01" "\x00", 16);
  RawPut(dir.path(), "out_edges", out_key, v1);
  RawPut(dir.path(), "in_edges", in_key, v1);
  RawPut(dir.path(), "meta", "schema_version", "1");
  RawDelete(dir.path(), "meta", "meta_checksum");  // a schema-1 build wrote none

  EdgeStats want;
  want.count = want.success = 1;
  want.first_seen = want.last_seen = 0;
  want.first_evidence = want.last_evidence = Evidence{0, "r"};
  want.hourly = {{0, 1}};
  {
    // Read-only: read as it is, not marked.
    std::unique_ptr<GraphStore> ro = MustOpen(dir.path(), RocksStoreOptions{.read_only = true});
    CHECK(ro->GetMeta("schema_version").value() == std::optional<std::string>("1"));
    std::vector<Edge> out = EdgesOf(*ro, kAlice, Direction::kOut);
    REQUIRE(out.size() == 1);
    CHECK(out[0].stats == want);
  }
  std::unique_ptr<GraphStore> store = MustOpen(dir.path());
  CHECK(store->GetMeta("schema_version").value() == std::optional<std::string>("3"));
  GraphDelta d;
  d.AddEdge(kAlice, EdgeKind::kCalledFrom, kIp1, Obs(7200, -1, "s"));
  REQUIRE(store->Apply(d).ok());
  ObserveEdge(want, 7200, -1, "s", 1);
  REQUIRE(want.count == 2);  // the stored value and the new observation
  for (Direction dir_ : {Direction::kOut, Direction::kIn}) {
    std::vector<Edge> edges = EdgesOf(*store, dir_ == Direction::kOut ? kAlice : kIp1, dir_);
    REQUIRE(edges.size() == 1);
    CHECK(edges[0].stats == want);
  }
  REQUIRE(CompactRocksStore(*store).ok());  // the merged value is rewritten in format 2
  std::vector<Edge> out = EdgesOf(*store, kAlice, Direction::kOut);
  REQUIRE(out.size() == 1);
  CHECK(out[0].stats == want);
}

TEST_CASE("RocksStore: missing store is NotFound unless created", "[storage][rocksdb]") {
  TempDir dir;
  std::string path = dir.Sub("nope");
  Status s = OpenStatus(path, RocksStoreOptions{.create_if_missing = false});
  CHECK(s.code() == Status::Code::kNotFound);
  CHECK(s.message() == "no gumshoe store at " + path);
  CHECK_FALSE(fs::exists(path));
  Status ro = OpenStatus(path, RocksStoreOptions{.read_only = true});
  CHECK(ro.code() == Status::Code::kNotFound);
  CHECK_FALSE(fs::exists(path));
  // An empty directory is not a store either.
  fs::create_directory(path);
  CHECK(OpenStatus(path, RocksStoreOptions{.create_if_missing = false}).code() == Status::Code::kNotFound);
  // Created on request, in nested directories.
  MustOpen(dir.Sub("nested/store"));
  CHECK(fs::exists(dir.Sub("nested/store/CURRENT")));
}

TEST_CASE("RocksStore: directories that are not gumshoe stores are rejected", "[storage][rocksdb]") {
  TempDir dir;
  SECTION("a directory of unrelated files") {
    std::string path = dir.Sub("random");
    fs::create_directory(path);
    Overwrite(fs::path(path) / "notes.txt", "hello");
    Overwrite(fs::path(path) / "000001.log", std::string(100, '\x7f'));
    Status s = OpenStatus(path);
    INFO(s.ToString());
    CHECK(s.code() == Status::Code::kCorruption);
    CHECK(Contains(s.message(), path));
    CHECK(Contains(s.message(), "not a gumshoe store"));
    CHECK_FALSE(fs::exists(fs::path(path) / "CURRENT"));  // nothing was created in it
  }
  SECTION("a plain file") {
    std::string path = dir.Sub("file");
    Overwrite(path, "x");
    Status s = OpenStatus(path);
    CHECK(s.code() == Status::Code::kCorruption);
    CHECK(Contains(s.message(), path));
  }
  SECTION("gumshoe column families without meta: adopted only when empty") {
    // What a creation interrupted between RocksDB's open and the meta write
    // leaves behind.
    std::string path = dir.Sub("interrupted");
    rocksdb::Options o;
    o.create_if_missing = true;
    o.create_missing_column_families = true;
    std::vector<rocksdb::ColumnFamilyDescriptor> descriptors = {{rocksdb::kDefaultColumnFamilyName, {}}};
    for (const char* n : {"entities", "names", "out_edges", "in_edges", "records", "meta"})
      descriptors.emplace_back(n, rocksdb::ColumnFamilyOptions());
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* db = nullptr;
    REQUIRE(rocksdb::DB::Open(o, path, descriptors, &handles, &db).ok());
    for (auto* h : handles) REQUIRE(db->DestroyColumnFamilyHandle(h).ok());
    delete db;
    CHECK(OpenStatus(path, RocksStoreOptions{.read_only = true}).code() == Status::Code::kCorruption);
    HashKey key;
    {
      std::unique_ptr<GraphStore> store = MustOpen(path);
      key = store->hasher().key();
      GraphDelta d;
      d.Touch(kAlice, 1);
      REQUIRE(store->Apply(d).ok());
      REQUIRE(store->Flush().ok());
    }
    std::unique_ptr<GraphStore> store = MustOpen(path, RocksStoreOptions{.read_only = true});
    CHECK(store->hasher().key().k0 == key.k0);
    CHECK(store->Find(kAlice).value().has_value());
  }
  SECTION("gumshoe column families with data but no meta") {
    std::string path = dir.Sub("no-meta");
    REQUIRE(MustOpen(path)->Flush().ok());
    RawPut(path, "entities", "some key", "some value");
    {
      // Drop the meta keys with plain RocksDB.
      std::vector<std::string> names;
      REQUIRE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), path, &names).ok());
      std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
      for (const std::string& n : names) descriptors.emplace_back(n, rocksdb::ColumnFamilyOptions());
      std::vector<rocksdb::ColumnFamilyHandle*> handles;
      rocksdb::DB* db = nullptr;
      REQUIRE(rocksdb::DB::Open(rocksdb::DBOptions(), path, descriptors, &handles, &db).ok());
      for (size_t i = 0; i < names.size(); ++i) {
        if (names[i] != "meta") continue;
        CHECK(db->Delete(rocksdb::WriteOptions(), handles[i], "schema_version").ok());
        CHECK(db->Delete(rocksdb::WriteOptions(), handles[i], "hash_key").ok());
      }
      for (auto* h : handles) REQUIRE(db->DestroyColumnFamilyHandle(h).ok());
      delete db;
    }
    Status s = OpenStatus(path);
    INFO(s.ToString());
    CHECK(s.code() == Status::Code::kCorruption);
    CHECK(Contains(s.message(), "no schema_version"));
  }
  SECTION("a RocksDB database of someone else") {
    std::string path = dir.Sub("other");
    rocksdb::Options o;
    o.create_if_missing = true;
    rocksdb::DB* db = nullptr;
    REQUIRE(rocksdb::DB::Open(o, path, &db).ok());
    REQUIRE(db->Put(rocksdb::WriteOptions(), "k", "v").ok());
    delete db;
    Status s = OpenStatus(path);
    INFO(s.ToString());
    CHECK(s.code() == Status::Code::kCorruption);
    CHECK(Contains(s.message(), "not a gumshoe store"));
    CHECK(Contains(s.message(), path));
  }
}

TEST_CASE("RocksStore: damaged files give a clean Status", "[storage][rocksdb]") {
  TempDir dir;
  std::string path = dir.Sub("store");
  {
    std::unique_ptr<GraphStore> store = MustOpen(path);
    REQUIRE(store->Apply(OverlappingDeltas(store->hasher(), 1, 3)[0]).ok());
    REQUIRE(store->Flush().ok());
  }
  SECTION("CURRENT overwritten with garbage") {
    Overwrite(fs::path(path) / "CURRENT", "\x13garbage-manifest-name\n");
    Status s = OpenStatus(path);
    INFO(s.ToString());
    CHECK_FALSE(s.ok());
    CHECK(Contains(s.message(), path));
  }
  SECTION("CURRENT truncated") {
    Overwrite(fs::path(path) / "CURRENT", "");
    Status s = OpenStatus(path, RocksStoreOptions{.read_only = true});
    INFO(s.ToString());
    CHECK_FALSE(s.ok());
    CHECK(Contains(s.message(), path));
  }
  SECTION("table files overwritten with garbage") {
    int tables = 0;
    std::mt19937 rng(5);
    for (const auto& entry : fs::directory_iterator(path)) {
      if (entry.path().extension() != ".sst") continue;
      std::string junk(static_cast<size_t>(entry.file_size()), '\0');
      for (char& c : junk) c = static_cast<char>(rng());
      Overwrite(entry.path(), junk);
      ++tables;
    }
    REQUIRE(tables > 0);
    Status s = OpenStatus(path);
    INFO(s.ToString());
    CHECK(s.code() == Status::Code::kCorruption);
    CHECK(Contains(s.message(), path));
  }
}

TEST_CASE("RocksStore: undecodable stored values are Corruption, not a crash", "[storage][rocksdb]") {
  TempDir dir;
  EntityId alice, ip;
  {
    std::unique_ptr<GraphStore> store = MustOpen(dir.path());
    alice = store->IdOf(kAlice.kind, kAlice.key);
    ip = store->IdOf(kIp1.kind, kIp1.key);
    GraphDelta d;
    d.AddEdge(kAlice, EdgeKind::kCalledFrom, kIp1, Obs(1700000000, 1, "e:1"));
    REQUIRE(store->Apply(d).ok());
    REQUIRE(store->Flush().ok());
  }
  // A garbage base value under the out-edge and a bad entity value.
  RawPut(dir.path(), "out_edges", EncodeEdgeKey(alice, EdgeKind::kCalledFrom, ip), std::string("\x01\xff\xff", 3));
  RawPut(dir.path(), "entities", EncodeEntityId(ip), "not an entity");

  std::unique_ptr<GraphStore> store = MustOpen(dir.path());
  Result<std::optional<Entity>> bad = store->GetEntity(ip);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().code() == Status::Code::kCorruption);
  CHECK(Contains(bad.status().message(), dir.path()));
  Status scan_entities = store->ScanEntities(EntityKind::kIpAddress, [](const Entity&) { return true; });
  CHECK(scan_entities.code() == Status::Code::kCorruption);

  Status plain = store->ScanEdges(alice, Direction::kOut, std::nullopt, [](const Edge&) { return true; });
  CHECK(plain.code() == Status::Code::kCorruption);

  // A merge operand over the garbage base: the merge operator must fail
  // cleanly, and RocksDB reports Corruption.
  GraphDelta d;
  d.AddEdge(kAlice, EdgeKind::kCalledFrom, kIp1, Obs(1700000100, 1, "e:2"));
  REQUIRE(store->Apply(d).ok());
  Status merged = store->ScanEdges(alice, Direction::kOut, std::nullopt, [](const Edge&) { return true; });
  INFO(merged.ToString());
  CHECK(merged.code() == Status::Code::kCorruption);
  CHECK(Contains(merged.message(), dir.path()));
  // The in-edge was written by gumshoe only and still reads fine.
  std::vector<Edge> in = EdgesOf(*store, kIp1, Direction::kIn);
  REQUIRE(in.size() == 1);
  CHECK(in[0].stats.count == 2);
  // Compaction hits the same bad value and fails with a Status.
  REQUIRE(store->Flush().ok());
  Status compacted = CompactRocksStore(*store);
  INFO(compacted.ToString());
  CHECK_FALSE(compacted.ok());
}

TEST_CASE("RocksStore: read-only open beside a writer", "[storage][rocksdb]") {
  TempDir dir;
  std::unique_ptr<GraphStore> writer = MustOpen(dir.path());
  GraphDelta flushed, logged, later;
  flushed.AddEdge(kAlice, EdgeKind::kCalledFrom, kIp1, Obs(100, 1, "e:1"));
  logged.AddEdge(kBob, EdgeKind::kCalledFrom, kIp1, Obs(200, 1, "e:2"));
  later.AddEdge(kRole, EdgeKind::kCalledFrom, kIp1, Obs(300, 1, "e:3"));
  REQUIRE(writer->Apply(flushed).ok());
  REQUIRE(writer->Flush().ok());
  REQUIRE(writer->Apply(logged).ok());  // only in the memtable and WAL
  REQUIRE(writer->PutMeta("note", "x").ok());

  // A second writer is refused (the lock), with a hint.
  Status second = OpenStatus(dir.path());
  CHECK(second.code() == Status::Code::kIoError);
  CHECK(Contains(second.message(), dir.path()));

  std::unique_ptr<GraphStore> reader = MustOpen(dir.path(), RocksStoreOptions{.read_only = true});
  CHECK(reader->hasher().key().k0 == writer->hasher().key().k0);
  REQUIRE(writer->Apply(later).ok());

  std::vector<Edge> in = EdgesOf(*reader, kIp1, Direction::kIn);
  std::vector<EntityId> sources;
  for (const Edge& e : in) sources.push_back(e.src);
  std::vector<EntityId> expected = {reader->IdOf(kAlice.kind, kAlice.key), reader->IdOf(kBob.kind, kBob.key)};
  std::sort(expected.begin(), expected.end());
  CHECK(sources == expected);
  CHECK(reader->GetMeta("note").value() == std::optional<std::string>("x"));
  CHECK(EdgesOf(*writer, kIp1, Direction::kIn).size() == 3);

  // Writes through the reader are refused.
  CHECK(reader->Apply(later).code() == Status::Code::kInvalidArgument);
  CHECK(reader->PutMeta("k", "v").code() == Status::Code::kInvalidArgument);
  CHECK(CompactRocksStore(*reader).code() == Status::Code::kInvalidArgument);
  CHECK(reader->Flush().ok());
  std::unique_ptr<GraphReader> snap = reader->Snapshot();
  CHECK(EdgesOf(*snap, kIp1, Direction::kIn).size() == 2);
}

TEST_CASE("RocksStore: a snapshot does not see later Apply and outlives the store", "[storage][rocksdb]") {
  TempDir dir;
  std::unique_ptr<GraphStore> store = MustOpen(dir.path());
  GraphDelta first, second;
  first.AddEdge(kAlice, EdgeKind::kRead, kBucket, Obs(100, 1, "s3:1"));
  second.AddEdge(kAlice, EdgeKind::kRead, kBucket, Obs(200, 1, "s3:2"));
  second.AddEdge(kBob, EdgeKind::kWrote, kBucket, Obs(200, 1, "s3:3"));
  REQUIRE(store->Apply(first).ok());
  std::unique_ptr<GraphReader> snap = store->Snapshot();
  REQUIRE(store->Apply(second).ok());
  REQUIRE(store->Flush().ok());
  REQUIRE(CompactRocksStore(*store).ok());  // the snapshot pins the old versions

  auto check_old = [&] {
    std::vector<Edge> read = EdgesOf(*snap, kAlice, Direction::kOut);
    REQUIRE(read.size() == 1);
    CHECK(read[0].stats.count == 1);
    CHECK(read[0].stats.last_evidence.ref == "s3:1");
    CHECK(EdgesOf(*snap, kBucket, Direction::kIn).size() == 1);
    Result<std::optional<Entity>> bob = snap->Find(kBob);
    REQUIRE(bob.ok());
    CHECK_FALSE(bob->has_value());
    CHECK(KeysOf(*snap, EntityKind::kIamUser, "").size() == 1);
  };
  check_old();
  CHECK(EdgesOf(*store, kAlice, Direction::kOut)[0].stats.count == 2);
  CHECK(EdgesOf(*store, kBucket, Direction::kIn).size() == 2);

  store.reset();
  check_old();  // the reader keeps the database open
  CHECK(OpenStatus(dir.path()).code() == Status::Code::kIoError);
  snap.reset();
  std::unique_ptr<GraphStore> reopened = MustOpen(dir.path());
  CHECK(EdgesOf(*reopened, kBucket, Direction::kIn).size() == 2);
}

TEST_CASE("RocksStore: concurrent Apply calls all land", "[storage][rocksdb]") {
  TempDir dir;
  std::unique_ptr<GraphStore> store = MustOpen(dir.path());
  constexpr int kThreads = 4, kDeltas = 50;
  std::atomic<bool> failed{false};
  std::atomic<bool> done{false};
  std::thread scanner([&] {
    while (!done) {
      std::unique_ptr<GraphReader> snap = store->Snapshot();
      uint64_t out_count = 0, in_count = 0;
      Status a = snap->ScanEdges(snap->IdOf(kAlice.kind, kAlice.key), Direction::kOut, std::nullopt,
                                 [&](const Edge& e) { out_count += e.stats.count; return true; });
      Status b = snap->ScanEdges(snap->IdOf(kIp1.kind, kIp1.key), Direction::kIn, std::nullopt,
                                 [&](const Edge& e) { in_count += e.stats.count; return true; });
      // Each delta writes both directions in one batch: a snapshot never sees half.
      if (!a.ok() || !b.ok() || out_count != in_count) failed = true;
    }
  });
  std::vector<std::thread> writers;
  for (int t = 0; t < kThreads; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; i < kDeltas; ++i) {
        GraphDelta d;
        d.AddEdge(kAlice, EdgeKind::kCalledFrom, kIp1, Obs(1000 + i, 1, "e"));
        d.AddRecord(store->hasher().RecordIdOf("t", std::to_string(t * 1000 + i)));
        if (!store->Apply(d).ok()) failed = true;
      }
    });
  }
  for (auto& w : writers) w.join();
  done = true;
  scanner.join();
  CHECK_FALSE(failed);
  std::vector<Edge> out = EdgesOf(*store, kAlice, Direction::kOut);
  REQUIRE(out.size() == 1);
  CHECK(out[0].stats.count == kThreads * kDeltas);
  CHECK(out[0].stats.first_seen == 1000);
  CHECK(out[0].stats.last_seen == 1000 + kDeltas - 1);
}

TEST_CASE("RocksStore: key prefixes ending in 0xff bytes stay within the kind", "[storage][rocksdb]") {
  TempDir dir;
  std::unique_ptr<GraphStore> store = MustOpen(dir.path());
  GraphDelta d;
  EntityRef odd{EntityKind::kUserAgent, std::string("\xff\xff" "agent", 7)};
  EntityRef next_kind{EntityKind::kDomain, std::string("\xff\xff" "x", 3)};  // kind 14 = 13 + 1
  d.Touch(odd, 1);
  d.Touch(next_kind, 1);
  d.Touch(kAgent, 1);
  REQUIRE(store->Apply(d).ok());
  CHECK(KeysOf(*store, EntityKind::kUserAgent, std::string("\xff\xff", 2)) == std::vector<std::string>{odd.key});
  CHECK(KeysOf(*store, EntityKind::kUserAgent, "").size() == 2);
  CHECK(KeysOf(*store, EntityKind::kDomain, "") == std::vector<std::string>{next_kind.key});
}

// Runs in a child process (see the next test): applies a delta, then dies by
// SIGKILL without closing or flushing the store. Hidden ("[.]"): does
// nothing when run directly.
TEST_CASE("RocksStore: child process killed after Apply", "[.][storage][rocksdb][kill_child]") {
  const char* dir = getenv(kKillDirEnv);
  if (dir == nullptr) return;
  std::unique_ptr<GraphStore> store = MustOpen(dir);
  GraphDelta d;
  d.AddEdge(kAlice, EdgeKind::kCalledFrom, kIp1, Obs(1700000000, 1, "cloudtrail:killed"));
  d.AddRecord(store->hasher().RecordIdOf("cloudtrail", "killed"));
  REQUIRE(store->Apply(d).ok());
  raise(SIGKILL);
}

TEST_CASE("RocksStore: an applied delta survives a process kill", "[storage][rocksdb]") {
  TempDir dir;
  std::string self = fs::read_symlink("/proc/self/exe").string();
  std::string env = std::string(kKillDirEnv) + "=" + dir.path();
  std::vector<char*> argv = {self.data(), const_cast<char*>("[kill_child]"), nullptr};
  std::vector<char*> envp = {env.data(), nullptr};
  pid_t pid = 0;
  REQUIRE(posix_spawn(&pid, self.c_str(), nullptr, nullptr, argv.data(), envp.data()) == 0);
  int wstatus = 0;
  REQUIRE(waitpid(pid, &wstatus, 0) == pid);
  REQUIRE(WIFSIGNALED(wstatus));
  REQUIRE(WTERMSIG(wstatus) == SIGKILL);

  std::unique_ptr<GraphStore> store = MustOpen(dir.path(), RocksStoreOptions{.create_if_missing = false});
  std::vector<Edge> out = EdgesOf(*store, kAlice, Direction::kOut);
  REQUIRE(out.size() == 1);
  CHECK(out[0].stats.last_evidence.ref == "cloudtrail:killed");
  CHECK(EdgesOf(*store, kIp1, Direction::kIn).size() == 1);
  CHECK(store->ContainsRecord(store->hasher().RecordIdOf("cloudtrail", "killed")).value());
}

// ---------------------------------------------------------------------------
// Group rankings (pivot on super-nodes).

const EntityRef kHub{EntityKind::kAwsService, "ec2.amazonaws.com"};

EntityRef Caller(int i) { return EntityRef{EntityKind::kIamUser, "arn:aws:iam::111122223333:user/u" + std::to_string(i)}; }

// `n` callers of the hub in deltas of `per_delta` edges; caller i calls
// 1 + (i * 7919) % 37 times, so counts repeat (ties ranked by id).
std::vector<GraphDelta> HubDeltas(int n, int per_delta) {
  std::vector<GraphDelta> out;
  for (int i = 0; i < n; ++i) {
    if (i % per_delta == 0) out.emplace_back();
    GraphDelta& d = out.back();
    const int calls = 1 + (i * 7919) % 37;
    d.AddEdge(Caller(i), EdgeKind::kCalledFrom, kHub, Obs(3600 * (i % 50), +1, "e", calls));
    if (i % 100 == 0) d.AddEdge(kHub, EdgeKind::kInAccount, EntityRef{EntityKind::kAccount, "111122223333"}, Obs(0, 0, "a"));
  }
  return out;
}

// The hub's called_from group of a pivot.
const PivotGroup& CallersOf(const PivotResult& r) {
  for (const PivotGroup& g : r.groups)
    if (g.kind == EdgeKind::kCalledFrom && g.direction == Direction::kIn) return g;
  FAIL("no called_from group");
  return r.groups.front();
}

// Applies `d` to the store and to the MemoryStore it is compared with.
void ApplyBoth(GraphStore& store, MemoryStore& memory, const GraphDelta& d) {
  REQUIRE(store.Apply(d).ok());
  REQUIRE(memory.Apply(d).ok());
}

std::vector<GraphReader::EdgeGroupRanking> RankingsOf(const GraphReader& r, const EntityRef& ref) {
  std::vector<GraphReader::EdgeGroupRanking> out;
  Status s = r.ScanEdgeGroupRankings(r.IdOf(ref.kind, ref.key), [&](GraphReader::EdgeGroupRanking&& g) {
    out.push_back(std::move(g));
    return true;
  });
  INFO(s.ToString());
  REQUIRE(s.ok());
  return out;
}

// The pivot the store answers against the one MemoryStore answers by reading
// every edge (max_scan 0).
void CheckPivotMatchesFullScan(const GraphReader& store, const GraphReader& memory, PivotOptions options) {
  INFO("limit " << options.limit << " offset " << options.offset << " max_scan " << options.max_scan);
  Result<PivotResult> got = Pivot(store, kHub, options);
  INFO(got.status().ToString());
  REQUIRE(got.ok());
  options.max_scan = 0;
  Result<PivotResult> want = Pivot(memory, kHub, options);
  REQUIRE(want.ok());
  REQUIRE(got->groups.size() == want->groups.size());
  for (size_t i = 0; i < got->groups.size(); ++i) {
    const PivotGroup& a = got->groups[i];
    const PivotGroup& b = want->groups[i];
    INFO("group " << EdgeKindName(b.kind));
    CHECK(a.kind == b.kind);
    CHECK(a.direction == b.direction);
    CHECK(a.total == b.total);
    CHECK(a.total_exact == b.total_exact);
    REQUIRE(a.neighbors.size() == b.neighbors.size());
    for (size_t j = 0; j < a.neighbors.size(); ++j) {
      CHECK(a.neighbors[j].entity == b.neighbors[j].entity);
      CHECK(a.neighbors[j].window_count == b.neighbors[j].window_count);
      CHECK(a.neighbors[j].stats == b.neighbors[j].stats);
    }
  }
}

TEST_CASE("RocksStore: a large group is ranked on Flush and pivots on it match a full scan", "[storage][rocksdb][pivot]") {
  TempDir dir;
  std::unique_ptr<GraphStore> store = MustOpen(dir.path());
  MemoryStore memory(store->hasher().key());
  constexpr int kCallers = 3000;
  for (const GraphDelta& d : HubDeltas(kCallers, 500)) ApplyBoth(*store, memory, d);
  CHECK(RankingsOf(*store, kHub).empty());  // not before Flush
  REQUIRE(store->Flush().ok());

  std::vector<GraphReader::EdgeGroupRanking> rankings = RankingsOf(*store, kHub);
  REQUIRE(rankings.size() == 1);  // the hub's one in_account edge is no group to rank
  const GraphReader::EdgeGroupRanking& r = rankings[0];
  CHECK(r.direction == Direction::kIn);
  CHECK(r.kind == EdgeKind::kCalledFrom);
  CHECK(r.total == kCallers);
  REQUIRE(r.top.size() == GraphReader::kMaxRankedNeighbors);
  // The best kMaxRankedNeighbors by (count desc, id), from every edge.
  std::vector<GraphReader::RankedNeighbor> want;
  for (const Edge& e : EdgesOf(memory, kHub, Direction::kIn, EdgeKind::kCalledFrom)) want.push_back({e.src, e.stats.count});
  REQUIRE(want.size() == kCallers);
  std::sort(want.begin(), want.end(), [](const auto& a, const auto& b) {
    return a.count != b.count ? a.count > b.count : a.other < b.other;
  });
  want.resize(GraphReader::kMaxRankedNeighbors);
  CHECK(r.top == want);
  CHECK(r.top.front().count == 37);

  for (size_t max_scan : {size_t{100}, size_t{4096}}) {
    for (auto [limit, offset] : {std::pair<size_t, size_t>{50, 0}, {10, 100}, {24, 1000}, {50, 1000}, {5, 2990}}) {
      PivotOptions o;
      o.limit = limit;
      o.offset = offset;
      o.max_scan = max_scan;
      // From the ranking the group is exact even where a scan would stop at
      // 100; a page past the ranking reads the group whole.
      CheckPivotMatchesFullScan(*store, memory, o);
    }
  }
  // Keys read alone agree with whole entities (one id not stored).
  std::vector<EntityId> ids;
  for (int i = 0; i < 20; ++i) ids.push_back(store->IdOf(Caller(i).kind, Caller(i).key));
  ids.push_back(store->IdOf(EntityKind::kIamUser, "not stored"));
  ids.push_back(store->IdOf(kHub.kind, kHub.key));
  Result<std::vector<std::optional<std::string>>> keys = store->GetEntityKeys(ids);
  Result<std::vector<std::optional<std::string>>> default_keys = memory.GetEntityKeys(ids);
  REQUIRE((keys.ok() && default_keys.ok()));
  CHECK(*keys == *default_keys);
  CHECK((*keys)[0] == std::optional<std::string>(Caller(0).key));
  CHECK_FALSE((*keys)[20].has_value());
  CHECK((*keys)[21] == std::optional<std::string>(kHub.key));

  // Point reads of edges agree with the scan-based default (one edge absent).
  std::vector<EntityId> others = {ids[3], ids[20], ids[0]};
  Result<std::vector<std::optional<std::string>>> raw = store->GetRawEdgeStats(
      store->IdOf(kHub.kind, kHub.key), Direction::kIn, EdgeKind::kCalledFrom, others);
  Result<std::vector<std::optional<std::string>>> default_raw = memory.GetRawEdgeStats(
      store->IdOf(kHub.kind, kHub.key), Direction::kIn, EdgeKind::kCalledFrom, others);
  REQUIRE((raw.ok() && default_raw.ok()));
  REQUIRE(raw->size() == 3);
  CHECK_FALSE((*raw)[1].has_value());
  CHECK_FALSE((*default_raw)[1].has_value());
  for (size_t i : {0, 2}) {
    REQUIRE(((*raw)[i] && (*default_raw)[i]));
    CHECK(DecodeEdgeStats(*(*raw)[i]).value() == DecodeEdgeStats(*(*default_raw)[i]).value());
    CHECK(DecodeEdgeStats(*(*raw)[i]).value().count == uint64_t(1 + (i == 0 ? 3 * 7919 % 37 : 0)));
  }

  // A snapshot reader sees the ranking too; a windowed pivot scans.
  std::unique_ptr<GraphReader> snap = store->Snapshot();
  CHECK(RankingsOf(*snap, kHub).size() == 1);
  PivotOptions windowed;
  windowed.window.since = 3600 * 10;
  windowed.max_scan = 0;
  Result<PivotResult> a = Pivot(*snap, kHub, windowed);
  Result<PivotResult> b = Pivot(memory, kHub, windowed);
  REQUIRE((a.ok() && b.ok()));
  CHECK(CallersOf(*a).total == CallersOf(*b).total);
  CHECK(CallersOf(*a).total < kCallers);
  CHECK(CallersOf(*a).neighbors.front().entity == CallersOf(*b).neighbors.front().entity);
}

TEST_CASE("RocksStore: a write to a ranked group drops its ranking until the next Flush, also after reopen",
          "[storage][rocksdb][pivot]") {
  TempDir dir;
  HashKey key;
  std::unique_ptr<MemoryStore> memory;
  {
    std::unique_ptr<GraphStore> store = MustOpen(dir.path());
    key = store->hasher().key();
    memory = std::make_unique<MemoryStore>(key);
    for (const GraphDelta& d : HubDeltas(1500, 300)) ApplyBoth(*store, *memory, d);
    REQUIRE(store->Flush().ok());
    REQUIRE(RankingsOf(*store, kHub).size() == 1);

    // Two new edges, far below the candidate threshold: caller 1499 (count
    // 1 + 1499*7919 % 37) becomes the busiest.
    GraphDelta d;
    d.AddEdge(Caller(1499), EdgeKind::kCalledFrom, kHub, Obs(7, +1, "x", 100));
    d.AddEdge(Caller(5000), EdgeKind::kCalledFrom, kHub, Obs(7, +1, "y"));
    std::unique_ptr<GraphReader> before = store->Snapshot();
    ApplyBoth(*store, *memory, d);
    CHECK(RankingsOf(*store, kHub).empty());   // dropped with the write
    CHECK(RankingsOf(*before, kHub).size() == 1);  // an older snapshot keeps its own
    CheckPivotMatchesFullScan(*store, *memory, PivotOptions{.limit = 5, .max_scan = 0});
    REQUIRE(store->Flush().ok());
    std::vector<GraphReader::EdgeGroupRanking> r = RankingsOf(*store, kHub);
    REQUIRE(r.size() == 1);
    CHECK(r[0].total == 1501);
    CHECK(r[0].top.front().other == store->IdOf(Caller(1499).kind, Caller(1499).key));
    CheckPivotMatchesFullScan(*store, *memory, PivotOptions{.limit = 5, .max_scan = 100});
  }
  // A reopened store knows its rankings: a write drops them.
  std::unique_ptr<GraphStore> store = MustOpen(dir.path());
  REQUIRE(RankingsOf(*store, kHub).size() == 1);
  GraphDelta d;
  d.AddEdge(Caller(7), EdgeKind::kCalledFrom, kHub, Obs(9, +1, "z", 500));
  ApplyBoth(*store, *memory, d);
  CHECK(RankingsOf(*store, kHub).empty());
  REQUIRE(store->Flush().ok());
  REQUIRE(RankingsOf(*store, kHub).size() == 1);
  CHECK(RankingsOf(*store, kHub)[0].top.front().other == store->IdOf(Caller(7).kind, Caller(7).key));
  CheckPivotMatchesFullScan(*store, *memory, PivotOptions{.limit = 50, .offset = 10, .max_scan = 100});
}

// The ranking of `ref`'s group (dir, kind) as a full read of `memory` gives
// it: every edge, best kMaxRankedNeighbors by (count desc, id).
GraphReader::EdgeGroupRanking FullRanking(const GraphReader& memory, const EntityRef& ref, Direction dir, EdgeKind kind) {
  GraphReader::EdgeGroupRanking r;
  r.direction = dir;
  r.kind = kind;
  for (const Edge& e : EdgesOf(memory, ref, dir, kind)) {
    r.top.push_back({dir == Direction::kIn ? e.src : e.dst, e.stats.count});
    ++r.total;
  }
  std::sort(r.top.begin(), r.top.end(), [](const auto& a, const auto& b) {
    return a.count != b.count ? a.count > b.count : a.other < b.other;
  });
  if (r.top.size() > GraphReader::kMaxRankedNeighbors) r.top.resize(GraphReader::kMaxRankedNeighbors);
  return r;
}

TEST_CASE("RocksStore: rankings updated from the written edges equal a full re-read, over many writes and flushes",
          "[storage][rocksdb][pivot]") {
  // Two ranked groups of the hub: callers (in, called_from) and APIs (out,
  // called_api). Each round writes a random mix of existing and new
  // neighbours, some with counts that move them into the top, sometimes
  // most of a group (read whole then), sometimes across a reopen; after each
  // Flush both rankings must be what a full read of the edges gives.
  const EntityRef kApi0{EntityKind::kApiCall, "ec2.amazonaws.com:DescribeInstances"};
  auto api = [](int i) { return EntityRef{EntityKind::kApiCall, "svc.amazonaws.com:Call" + std::to_string(i)}; };
  for (auto [start, bulk] : {std::pair{1024, false}, {1300, true}, {2500, false}, {2500, true}}) {
    // 1024: the ranking lists the whole group. bulk: opened as ingest opens it
    // (append-only memtables).
    DYNAMIC_SECTION("groups of " << start << " edges, bulk load " << bulk) {
      TempDir dir;
      RocksStoreOptions options;
      options.bulk_load = bulk;
      std::unique_ptr<GraphStore> store = MustOpen(dir.path(), options);
      MemoryStore memory(store->hasher().key());
      {
        GraphDelta d;
        for (int i = 0; i < start; ++i) {
          d.AddEdge(Caller(i), EdgeKind::kCalledFrom, kHub, Obs(3600 * (i % 40), +1, "c", 1 + (i * 7919) % 37));
          d.AddEdge(kHub, EdgeKind::kCalledApi, api(i), Obs(3600 * (i % 30), +1, "a", 1 + (i * 104729) % 23));
        }
        ApplyBoth(*store, memory, d);
      }
      REQUIRE(store->Flush().ok());
      std::mt19937_64 rng(start + bulk);
      int next_new = start;
      for (int round = 0; round < 12; ++round) {
        INFO("round " << round);
        const int deltas = 1 + static_cast<int>(rng() % 3);
        for (int k = 0; k < deltas; ++k) {
          GraphDelta d;
          // Round 5 writes most of each group, round 9 more neighbours than
          // the store tracks in all (17,000): ranked from a full read.
          const int writes = round == 5 ? next_new : round == 9 && k == 0 ? 17000 : 1 + static_cast<int>(rng() % 60);
          for (int w = 0; w < writes; ++w) {
            const bool fresh = rng() % 3 == 0;
            const int who = fresh ? next_new++ : static_cast<int>(rng() % static_cast<uint64_t>(next_new));
            const uint64_t weight = rng() % 4 == 0 ? 20 + rng() % 40 : 1 + rng() % 3;
            d.AddEdge(Caller(who), EdgeKind::kCalledFrom, kHub, Obs(3600 * round, +1, "r", weight));
            if (rng() % 2 == 0) d.AddEdge(kHub, EdgeKind::kCalledApi, who == 0 ? kApi0 : api(who), Obs(3600 * round, +1, "r", weight));
          }
          ApplyBoth(*store, memory, d);
        }
        if (round % 4 == 3) {  // reopen before the Flush: the rankings are re-read from the markers
          store.reset();
          store = MustOpen(dir.path(), options);
        }
        REQUIRE(store->Flush().ok());
        std::vector<GraphReader::EdgeGroupRanking> got = RankingsOf(*store, kHub);
        REQUIRE(got.size() == 2);
        for (const GraphReader::EdgeGroupRanking& g : got) {
          INFO("group " << EdgeKindName(g.kind));
          GraphReader::EdgeGroupRanking want = FullRanking(memory, kHub, g.direction, g.kind);
          CHECK(g.direction == (g.kind == EdgeKind::kCalledFrom ? Direction::kIn : Direction::kOut));
          CHECK(g.total == want.total);
          CHECK(g.top.size() == want.top.size());
          CHECK(g.top == want.top);
        }
      }
      CheckPivotMatchesFullScan(*store, memory, PivotOptions{.limit = 50, .offset = 0, .max_scan = 100});
    }
  }
}

TEST_CASE("RocksStore: an ingest that writes to many ranked groups has them all read whole, and the next is tracked again",
          "[storage][rocksdb][pivot]") {
  // 180 ranked groups of 1,024 edges; one delta adds 95 callers to each
  // (17,100 neighbours written: more than the store tracks), the next adds 5
  // to the first hub only.
  TempDir dir;
  RocksStoreOptions options;
  options.bulk_load = true;
  std::unique_ptr<GraphStore> store = MustOpen(dir.path(), options);
  MemoryStore memory(store->hasher().key());
  auto hub = [](int h) { return EntityRef{EntityKind::kAwsService, "svc" + std::to_string(h) + ".amazonaws.com"}; };
  constexpr int kHubs = 180;
  {
    GraphDelta d;
    for (int h = 0; h < kHubs; ++h)
      for (int i = 0; i < 1024; ++i) d.AddEdge(Caller(i), EdgeKind::kCalledFrom, hub(h), Obs(3600, +1, "b", 1 + (i + h) % 7));
    ApplyBoth(*store, memory, d);
  }
  REQUIRE(store->Flush().ok());
  auto check = [&](int h) {
    INFO("hub " << h);
    std::vector<GraphReader::EdgeGroupRanking> got = RankingsOf(*store, hub(h));
    REQUIRE(got.size() == 1);
    GraphReader::EdgeGroupRanking want = FullRanking(memory, hub(h), Direction::kIn, EdgeKind::kCalledFrom);
    CHECK(got[0].total == want.total);
    CHECK(got[0].top == want.top);
  };
  {
    GraphDelta d;
    for (int h = 0; h < kHubs; ++h)
      for (int j = 0; j < 95; ++j) d.AddEdge(Caller(100000 + j), EdgeKind::kCalledFrom, hub(h), Obs(7200, +1, "n", 2 + j % 9));
    ApplyBoth(*store, memory, d);
  }
  REQUIRE(store->Flush().ok());
  for (int h = 0; h < kHubs; ++h) check(h);
  CHECK(RankingsOf(*store, hub(kHubs - 1))[0].total == 1024 + 95);
  {
    GraphDelta d;
    for (int j = 0; j < 5; ++j) d.AddEdge(Caller(200000 + j), EdgeKind::kCalledFrom, hub(0), Obs(9000, +1, "m", 50));
    d.AddEdge(Caller(3), EdgeKind::kCalledFrom, hub(0), Obs(9000, +1, "m", 60));
    ApplyBoth(*store, memory, d);
  }
  REQUIRE(store->Flush().ok());
  check(0);
  CHECK(RankingsOf(*store, hub(0))[0].total == 1024 + 95 + 5);
}

TEST_CASE("RocksStore: which groups are ranked does not depend on how the writes fall into deltas",
          "[storage][rocksdb][pivot]") {
  // 1,000 callers in deltas of 30 (never 64 in one), then 70 new callers and
  // repeats of old ones in deltas of at most 30 entries: 70 distinct
  // neighbours written since the last Flush make the group a candidate, and
  // with 1,070 edges it is ranked. The same writes in one delta rank it too.
  // A second hub gets 63 distinct new callers, in many deltas with repeats:
  // not a candidate, so not ranked.
  const EntityRef kHub2{EntityKind::kAwsService, "s3.amazonaws.com"};
  for (bool one_delta : {false, true}) {
    DYNAMIC_SECTION("one delta " << one_delta) {
      TempDir dir;
      RocksStoreOptions options;
      options.bulk_load = true;
      std::unique_ptr<GraphStore> store = MustOpen(dir.path(), options);
      MemoryStore memory(store->hasher().key());
      for (int i = 0; i < 1000; i += 30) {
        GraphDelta d;
        for (int k = i; k < std::min(i + 30, 1000); ++k) {
          d.AddEdge(Caller(k), EdgeKind::kCalledFrom, kHub, Obs(3600, +1, "a", 1 + k % 5));
          d.AddEdge(Caller(k), EdgeKind::kCalledFrom, kHub2, Obs(3600, +1, "a", 1 + k % 3));
        }
        ApplyBoth(*store, memory, d);
      }
      REQUIRE(store->Flush().ok());
      CHECK(RankingsOf(*store, kHub).empty());  // 1,000 edges: too few
      std::vector<GraphDelta> deltas(1);
      auto add = [&](const EntityRef& caller, const EntityRef& hub, uint64_t weight) {
        if (!one_delta && deltas.back().edges().size() >= 30) deltas.emplace_back();
        deltas.back().AddEdge(caller, EdgeKind::kCalledFrom, hub, Obs(7200, +1, "b", weight));
      };
      for (int j = 0; j < 70; ++j) {
        add(Caller(5000 + j), kHub, 1 + j % 4);
        add(Caller(j % 10), kHub, 2);  // repeats: not new neighbours
        if (j < 63) add(Caller(6000 + j), kHub2, 1);
        if (j < 63) add(Caller(6000 + j / 2), kHub2, 1);
      }
      for (const GraphDelta& d : deltas) ApplyBoth(*store, memory, d);
      REQUIRE(store->Flush().ok());
      std::vector<GraphReader::EdgeGroupRanking> got = RankingsOf(*store, kHub);
      REQUIRE(got.size() == 1);
      GraphReader::EdgeGroupRanking want = FullRanking(memory, kHub, Direction::kIn, EdgeKind::kCalledFrom);
      CHECK(got[0].total == 1070);
      CHECK(got[0].total == want.total);
      CHECK(got[0].top == want.top);
      CHECK(RankingsOf(*store, kHub2).empty());  // 1,063 edges, but only 63 new neighbours since the Flush
    }
  }
}

TEST_CASE("RocksStore: a ranking that does not match the edges is not used, nor a malformed one",
          "[storage][rocksdb][pivot]") {
  TempDir dir;
  std::unique_ptr<MemoryStore> memory;
  std::string group_key;
  {
    std::unique_ptr<GraphStore> store = MustOpen(dir.path());
    memory = std::make_unique<MemoryStore>(store->hasher().key());
    for (const GraphDelta& d : HubDeltas(1200, 600)) ApplyBoth(*store, *memory, d);
    REQUIRE(store->Flush().ok());
    REQUIRE(RankingsOf(*store, kHub).size() == 1);
    group_key = EncodeEntityId(store->IdOf(kHub.kind, kHub.key));
    group_key.push_back(static_cast<char>(Direction::kIn));
    group_key.push_back(static_cast<char>(EdgeKind::kCalledFrom));
  }
  SECTION("wrong counts: the group is scanned") {
    // total 1200, one neighbour (caller 3) with a count it does not have.
    std::string v;
    PutVarint(&v, 1200);
    PutVarint(&v, 1);
    std::unique_ptr<GraphStore> probe = MustOpen(dir.path(), RocksStoreOptions{.read_only = true});
    v += EncodeEntityId(probe->IdOf(Caller(3).kind, Caller(3).key));
    probe.reset();
    PutVarint(&v, 99999);
    RawPut(dir.path(), "groups", group_key, v);
    std::unique_ptr<GraphStore> store = MustOpen(dir.path(), RocksStoreOptions{.read_only = true});
    REQUIRE(RankingsOf(*store, kHub).size() == 1);
    CheckPivotMatchesFullScan(*store, *memory, PivotOptions{.limit = 1, .max_scan = 0});
  }
  SECTION("malformed bytes, and a key that is not a group") {
    RawPut(dir.path(), "groups", group_key, std::string("\x05\x09", 2));
    RawPut(dir.path(), "groups", group_key.substr(0, 9) + "xyz", "junk");
    {
      std::unique_ptr<GraphStore> store = MustOpen(dir.path(), RocksStoreOptions{.read_only = true});
      CHECK(RankingsOf(*store, kHub).empty());
      CheckPivotMatchesFullScan(*store, *memory, PivotOptions{.limit = 7, .max_scan = 0});
    }
    // A writable open passes over them too; the next write to the group ranks it again.
    std::unique_ptr<GraphStore> store = MustOpen(dir.path());
    GraphDelta d;
    for (int i = 5000; i < 5070; ++i) d.AddEdge(Caller(i), EdgeKind::kCalledFrom, kHub, Obs(1, +1, "n"));
    ApplyBoth(*store, *memory, d);
    REQUIRE(store->Flush().ok());
    std::vector<GraphReader::EdgeGroupRanking> r = RankingsOf(*store, kHub);
    REQUIRE(r.size() == 1);
    CHECK(r[0].total == 1270);
    CheckPivotMatchesFullScan(*store, *memory, PivotOptions{.limit = 7, .max_scan = 100});
  }
}

TEST_CASE("RocksStore: a schema-2 store gets the groups family when opened writable", "[storage][rocksdb][pivot]") {
  TempDir dir;
  {
    std::unique_ptr<GraphStore> store = MustOpen(dir.path());
    for (const GraphDelta& d : HubDeltas(1100, 1100)) REQUIRE(store->Apply(d).ok());
    REQUIRE(store->Flush().ok());
  }
  {
    // What a schema-2 build left: no groups family.
    std::vector<std::string> names;
    REQUIRE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), dir.path(), &names).ok());
    std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
    for (const std::string& n : names) descriptors.emplace_back(n, rocksdb::ColumnFamilyOptions());
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* db = nullptr;
    REQUIRE(rocksdb::DB::Open(rocksdb::DBOptions(), dir.path(), descriptors, &handles, &db).ok());
    for (size_t i = 0; i < names.size(); ++i) {
      if (names[i] == "groups") CHECK(db->DropColumnFamily(handles[i]).ok());
      if (names[i] == "meta") {
        CHECK(db->Put(rocksdb::WriteOptions(), handles[i], "schema_version", "2").ok());
        CHECK(db->Delete(rocksdb::WriteOptions(), handles[i], "meta_checksum").ok());  // a schema-2 build wrote none
      }
    }
    for (auto* h : handles) CHECK(db->DestroyColumnFamilyHandle(h).ok());
    CHECK(db->Close().ok());
    delete db;
  }
  {
    std::unique_ptr<GraphStore> ro = MustOpen(dir.path(), RocksStoreOptions{.read_only = true});
    CHECK(ro->GetMeta("schema_version").value() == std::optional<std::string>("2"));
    CHECK(RankingsOf(*ro, kHub).empty());
    Result<PivotResult> r = Pivot(*ro, kHub, PivotOptions{});
    REQUIRE(r.ok());
    CHECK(CallersOf(*r).total == 1100);
  }
  std::unique_ptr<GraphStore> store = MustOpen(dir.path());
  CHECK(store->GetMeta("schema_version").value() == std::optional<std::string>("3"));
  GraphDelta d;
  for (int i = 2000; i < 2100; ++i) d.AddEdge(Caller(i), EdgeKind::kCalledFrom, kHub, Obs(1, +1, "n"));
  REQUIRE(store->Apply(d).ok());
  REQUIRE(store->Flush().ok());
  std::vector<GraphReader::EdgeGroupRanking> r = RankingsOf(*store, kHub);
  REQUIRE(r.size() == 1);
  CHECK(r[0].total == 1200);
}

TEST_CASE("RocksStore: ranked and unranked groups of one entity in both directions", "[storage][rocksdb][pivot]") {
  TempDir dir;
  std::unique_ptr<GraphStore> store = MustOpen(dir.path());
  MemoryStore memory(store->hasher().key());
  GraphDelta d;
  for (int i = 0; i < 1100; ++i) {
    d.AddEdge(Caller(i), EdgeKind::kCalledFrom, kHub, Obs(10, +1, "c", 1 + i % 13));  // in, ranked
    d.AddEdge(kHub, EdgeKind::kCalledApi, EntityRef{EntityKind::kApiCall, "ec2:Op" + std::to_string(i)},
              Obs(20, +1, "o", 1 + i % 7));  // out, ranked
  }
  // In-edges of kinds below and above called_from, unranked: minted has
  // more than max_scan edges (and is a candidate of 150 edges that stays
  // unranked), modified a few.
  for (int i = 0; i < 150; ++i)
    d.AddEdge(EntityRef{EntityKind::kAccessKey, "AKIA" + std::to_string(1000 + i)}, EdgeKind::kMinted, kHub, Obs(30, +1, "m"));
  for (int i = 0; i < 5; ++i) d.AddEdge(Caller(9000 + i), EdgeKind::kModified, kHub, Obs(40, +1, "x"));
  ApplyBoth(*store, memory, d);
  REQUIRE(store->Flush().ok());
  std::vector<GraphReader::EdgeGroupRanking> r = RankingsOf(*store, kHub);
  REQUIRE(r.size() == 2);
  CHECK((r[0].direction == Direction::kOut && r[0].kind == EdgeKind::kCalledApi && r[0].total == 1100));
  CHECK((r[1].direction == Direction::kIn && r[1].kind == EdgeKind::kCalledFrom && r[1].total == 1100));

  for (size_t max_scan : {size_t{0}, size_t{100}, size_t{4096}}) {
    PivotOptions o;
    o.limit = 20;
    o.max_scan = max_scan;
    Result<PivotResult> got = Pivot(*store, kHub, o);
    REQUIRE(got.ok());
    // Every group is there, the capped one after the ranked ones too.
    std::vector<std::string> groups;
    for (const PivotGroup& g : got->groups)
      groups.push_back(std::string(g.direction == Direction::kOut ? "out:" : "in:") + std::string(EdgeKindName(g.kind)) +
                       "=" + std::to_string(g.total) + (g.total_exact ? "" : "+"));
    const std::string minted = max_scan == 100 ? "in:minted=100+" : "in:minted=150";
    CHECK(groups == std::vector<std::string>{"out:called_api=1100", "in:called_from=1100", minted, "in:modified=5"});
    if (max_scan != 100) CheckPivotMatchesFullScan(*store, memory, o);
  }
  // One kind at a time, ranked or not.
  for (EdgeKind k : {EdgeKind::kCalledApi, EdgeKind::kCalledFrom, EdgeKind::kModified}) {
    PivotOptions o;
    o.edge_kind = k;
    o.limit = 3;
    o.offset = 2;
    o.max_scan = 100;
    CheckPivotMatchesFullScan(*store, memory, o);
  }
}

TEST_CASE("RocksStore: a ranking dropped by a process that stopped before Flush is rebuilt by the next Flush",
          "[storage][rocksdb][pivot]") {
  TempDir dir;
  std::unique_ptr<MemoryStore> memory;
  {
    std::unique_ptr<GraphStore> store = MustOpen(dir.path());
    memory = std::make_unique<MemoryStore>(store->hasher().key());
    for (const GraphDelta& d : HubDeltas(1100, 1100)) ApplyBoth(*store, *memory, d);
    REQUIRE(store->Flush().ok());
    REQUIRE(RankingsOf(*store, kHub).size() == 1);
    GraphDelta d;
    d.AddEdge(Caller(77), EdgeKind::kCalledFrom, kHub, Obs(5, +1, "late", 1000));
    ApplyBoth(*store, *memory, d);
    // Closed without Flush: the write and its marker are in the log.
  }
  {
    std::unique_ptr<GraphStore> ro = MustOpen(dir.path(), RocksStoreOptions{.read_only = true});
    CHECK(RankingsOf(*ro, kHub).empty());
    CheckPivotMatchesFullScan(*ro, *memory, PivotOptions{.limit = 3, .max_scan = 0});
  }
  std::unique_ptr<GraphStore> store = MustOpen(dir.path());
  CHECK(RankingsOf(*store, kHub).empty());
  REQUIRE(store->Flush().ok());  // no write in this process: the marker alone asks for it
  std::vector<GraphReader::EdgeGroupRanking> r = RankingsOf(*store, kHub);
  REQUIRE(r.size() == 1);
  CHECK(r[0].top.front().other == store->IdOf(Caller(77).kind, Caller(77).key));
  CheckPivotMatchesFullScan(*store, *memory, PivotOptions{.limit = 3, .max_scan = 100});
}

}  // namespace gumshoe
