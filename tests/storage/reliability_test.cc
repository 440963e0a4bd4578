// Fault injection for the RocksDB store (issue 21): a full filesystem, a
// damaged write-ahead log, tampered metadata, entity-ID collisions, and
// hidden staging directories left by a killed creation. Each test ends in a
// clear Status, a store that reopens with every committed record, and a
// retry that converges on what a clean run stores.
#include <catch2/catch.hpp>
#include <rocksdb/db.h>
#include <rocksdb/options.h>

#include <signal.h>
#include <sys/mount.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "gumshoe/codec.h"
#include "gumshoe/memory_store.h"
#include "gumshoe/rocksdb_store.h"

namespace gumshoe {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/gumshoe-reliability-XXXXXX";
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
  std::string Sub(const std::string& name) const { return (fs::path(path_) / name).string(); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// A tmpfs of `mib` MiB mounted on a fresh directory (needs root, as in CI),
// unmounted on destruction.
class SmallFs {
 public:
  explicit SmallFs(int mib) {
    char tmpl[] = "/tmp/gumshoe-smallfs-XXXXXX";
    char* p = mkdtemp(tmpl);
    REQUIRE(p != nullptr);
    dir_ = p;
    std::string opts = "size=" + std::to_string(mib) + "m";
    int rc = ::mount("tmpfs", dir_.c_str(), "tmpfs", 0, opts.c_str());
    INFO("mount tmpfs on " << dir_ << ": " << std::strerror(errno) << " (this test needs root)");
    REQUIRE(rc == 0);
  }
  ~SmallFs() {
    ::umount2(dir_.c_str(), MNT_DETACH);
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  void Resize(int mib) {
    std::string opts = "size=" + std::to_string(mib) + "m";
    REQUIRE(::mount("tmpfs", dir_.c_str(), "tmpfs", MS_REMOUNT, opts.c_str()) == 0);
  }
  std::string Sub(const std::string& name) const { return dir_ + "/" + name; }

 private:
  std::string dir_;
};

RocksStoreOptions Small(RocksStoreOptions o = {}) {
  o.block_cache_bytes = 8u << 20;
  o.write_buffer_bytes = 1u << 20;
  return o;
}

std::unique_ptr<GraphStore> MustOpen(const std::string& path, RocksStoreOptions options = Small()) {
  Result<std::unique_ptr<GraphStore>> r = OpenRocksStore(path, options);
  INFO(r.status().ToString());
  REQUIRE(r.ok());
  return std::move(r).value();
}

Status OpenStatus(const std::string& path, RocksStoreOptions options = Small()) {
  Result<std::unique_ptr<GraphStore>> r = OpenRocksStore(path, options);
  return r.ok() ? Status::Ok() : r.status();
}

bool Has(const std::string& text, const std::string& needle) { return text.find(needle) != std::string::npos; }

EdgeObservation Obs(Timestamp t, std::string_view evidence) {
  EdgeObservation o;
  o.time = t;
  o.outcome = 1;
  o.evidence = evidence;
  return o;
}

// `n` deltas of 50 records each, many distinct entities (so flushes write
// real files); every record id is listed in the delta.
struct Workload {
  std::vector<std::string> evidence;  // EdgeObservation holds a view
  std::vector<GraphDelta> deltas;
  std::vector<std::vector<std::string>> record_names;
};

void MakeWorkload(Workload* w, int n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  w->evidence.reserve(static_cast<size_t>(n) * 50);
  w->deltas.resize(static_cast<size_t>(n));
  w->record_names.resize(static_cast<size_t>(n));
  int serial = 0;
  for (int d = 0; d < n; ++d) {
    for (int i = 0; i < 50; ++i, ++serial) {
      EntityRef user{EntityKind::kIamUser, "arn:aws:iam::111122223333:user/u" + std::to_string(rng() % 20000)};
      EntityRef ip{EntityKind::kIpAddress, "198.51." + std::to_string(rng() % 256) + "." + std::to_string(rng() % 256)};
      w->evidence.push_back("cloudtrail:ev-" + std::to_string(serial) + std::string(40, 'x'));
      w->deltas[d].AddEdge(user, EdgeKind::kCalledFrom, ip, Obs(1700000000 + serial, w->evidence.back()));
      w->deltas[d].SetAttr(user, "agent", "aws-cli/2." + std::to_string(serial), 1700000000 + serial);
      w->record_names[d].push_back("ev-" + std::to_string(serial));
    }
  }
}

void AddRecords(const Hasher& h, Workload* w, int d) {
  for (const std::string& r : w->record_names[static_cast<size_t>(d)]) {
    w->deltas[static_cast<size_t>(d)].AddRecord(h.RecordIdOf("cloudtrail", r));
  }
}

// Everything a reader shows, as text, sorted.
std::string DumpText(const GraphReader& r) {
  std::vector<std::string> lines;
  Status s = r.ScanEntities(std::nullopt, [&](const Entity& e) {
    lines.push_back("E " + std::string(EntityKindName(e.kind)) + " " + e.key + " " + EncodeEntity(e));
    return true;
  });
  INFO(s.ToString());
  REQUIRE(s.ok());
  s = r.ScanAllEdges([&](const Edge& e) {
    lines.push_back("X " + EncodeEdgeKey(e.src, e.kind, e.dst) + " " + EncodeEdgeStats(e.stats));
    return true;
  });
  INFO(s.ToString());
  REQUIRE(s.ok());
  std::sort(lines.begin(), lines.end());
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

// Applies to `store` every delta whose records it does not hold yet (what
// ingest does through ContainsRecord).
void ApplyMissing(GraphStore& store, Workload& w) {
  for (size_t d = 0; d < w.deltas.size(); ++d) {
    bool all = true;
    for (const RecordId& id : w.deltas[d].records()) {
      Result<bool> has = store.ContainsRecord(id);
      REQUIRE(has.ok());
      all = all && *has;
    }
    if (all) continue;
    Status s = store.Apply(w.deltas[d]);
    INFO(s.ToString());
    REQUIRE(s.ok());
  }
  REQUIRE(store.Flush().ok());
}

// What a store holding exactly `deltas` [0, n) shows (a MemoryStore with the
// same hash key).
std::string ExpectedDump(const HashKey& key, const Workload& w, size_t n) {
  MemoryStore memory(key);
  for (size_t d = 0; d < n; ++d) REQUIRE(memory.Apply(w.deltas[d]).ok());
  return DumpText(memory);
}

// The largest file with `ext` in `dir`.
fs::path Largest(const std::string& dir, const std::string& ext) {
  fs::path best;
  uintmax_t size = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() == ext && e.file_size() > size) {
      best = e.path();
      size = e.file_size();
    }
  }
  return best;
}

void FlipByte(const fs::path& file, uintmax_t offset) {
  std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
  REQUIRE(f.good());
  f.seekg(static_cast<std::streamoff>(offset));
  char c = 0;
  f.read(&c, 1);
  c = static_cast<char>(c ^ 0x5a);
  f.seekp(static_cast<std::streamoff>(offset));
  f.write(&c, 1);
  REQUIRE(f.good());
}

// Plain-RocksDB write to one family of a closed store.
void RawWrite(const std::string& path, const std::string& cf_name, const std::string& key,
              const std::optional<std::string>& value) {
  std::vector<std::string> names;
  REQUIRE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), path, &names).ok());
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const std::string& n : names) descriptors.emplace_back(n, rocksdb::ColumnFamilyOptions());
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  REQUIRE(rocksdb::DB::Open(rocksdb::DBOptions(), path, descriptors, &handles, &db).ok());
  rocksdb::ColumnFamilyHandle* target = nullptr;
  for (size_t i = 0; i < names.size(); ++i)
    if (names[i] == cf_name) target = handles[i];
  REQUIRE(target != nullptr);
  if (value) {
    CHECK(db->Put(rocksdb::WriteOptions(), target, key, *value).ok());
  } else {
    CHECK(db->Delete(rocksdb::WriteOptions(), target, key).ok());
  }
  CHECK(db->Flush(rocksdb::FlushOptions(), handles).ok());
  for (auto* h : handles) CHECK(db->DestroyColumnFamilyHandle(h).ok());
  CHECK(db->Close().ok());
  delete db;
}

const StoreCheckReport::Item* Find(const StoreCheckReport& r, const std::string& what) {
  for (const auto& i : r.items)
    if (i.what == what) return &i;
  return nullptr;
}

}  // namespace

TEST_CASE("Reliability: a full filesystem stops writes with a clear error, keeps every committed record, and a retry converges",
          "[storage][reliability][disk_full]") {
  // With a Flush every 50 deltas the disk fills while a table file is
  // written (where the old build aborted with SIGABRT: RocksDB's LOG writer
  // asserted); without, while the write-ahead log is appended to.
  struct Trial {
    int mib;
    bool flushes;
  };
  for (Trial trial : {Trial{2, true}, Trial{3, true}, Trial{4, true}, Trial{6, true}, Trial{8, true}, Trial{3, false},
                      Trial{5, false}}) {
    const int mib = trial.mib;
    INFO("tmpfs of " << mib << " MiB, " << (trial.flushes ? "a Flush every 50 deltas" : "no Flush"));
    SmallFs small(mib);
    std::string path = small.Sub("store");
    Workload w;
    MakeWorkload(&w, 1000, 7);
    HashKey key;
    size_t committed = 0;
    Status failure;
    {
      RocksStoreOptions o = Small();
      o.min_free_bytes = 0;  // reach RocksDB's own out-of-space errors
      if (!trial.flushes) o.write_buffer_bytes = 64u << 20;
      std::unique_ptr<GraphStore> store = MustOpen(path, o);
      key = store->hasher().key();
      for (int d = 0; d < 1000; ++d) AddRecords(store->hasher(), &w, d);
      for (; committed < w.deltas.size(); ++committed) {
        failure = store->Apply(w.deltas[committed]);
        if (!failure.ok()) break;
        if (trial.flushes && committed % 50 == 49) {
          failure = store->Flush();
          if (!failure.ok()) {
            ++committed;  // applied: a failed Flush loses nothing written
            break;
          }
        }
      }
      REQUIRE(committed < w.deltas.size());  // the disk did fill up
      if (std::getenv("GUMSHOE_TRACE_DISK_FULL") != nullptr) {
        std::fprintf(stderr, "%d MiB, flushes %d: %zu deltas committed: %s\n", mib, trial.flushes ? 1 : 0, committed,
                     failure.ToString().c_str());
      }
      INFO(failure.ToString());
      CHECK(failure.code() == Status::Code::kIoError);
      CHECK(Has(failure.message(), "no space left on device writing " + path));
      // Later writes fail the same way, without touching RocksDB's writers.
      Status again = store->Apply(w.deltas.back());
      CHECK(Has(again.message(), "no space left on device writing " + path));
      CHECK(Has(store->Flush().message(), "no space left on device"));
    }
    // Reopens on the full disk (read-only) with every committed record.
    {
      std::unique_ptr<GraphStore> store = MustOpen(path, Small(RocksStoreOptions{.read_only = true}));
      for (size_t d = 0; d < committed; ++d) {
        for (const RecordId& id : w.deltas[d].records()) REQUIRE(store->ContainsRecord(id).value());
      }
      CHECK(DumpText(*store) == ExpectedDump(key, w, committed));
    }
    // Space freed: the same writes again converge on a clean run.
    small.Resize(256);
    {
      std::unique_ptr<GraphStore> store = MustOpen(path);
      ApplyMissing(*store, w);
      CHECK(DumpText(*store) == ExpectedDump(key, w, w.deltas.size()));
    }
    Result<StoreCheckReport> check = CheckRocksStore(path);
    REQUIRE(check.ok());
    CHECK(check->ok());
  }
}

TEST_CASE("Reliability: writes stop before the filesystem is full (min_free_bytes)", "[storage][reliability][disk_full]") {
  TempDir dir;
  RocksStoreOptions o = Small();
  o.min_free_bytes = uint64_t{1} << 62;  // more than any filesystem has
  std::unique_ptr<GraphStore> store = MustOpen(dir.Sub("store"), o);
  GraphDelta d;
  d.AddEdge(EntityRef{EntityKind::kIamUser, "a"}, EdgeKind::kCalledFrom, EntityRef{EntityKind::kIpAddress, "1.2.3.4"},
            Obs(1, "e:1"));
  Status s = store->Apply(d);
  INFO(s.ToString());
  CHECK(s.code() == Status::Code::kIoError);
  CHECK(Has(s.message(), "no space left on device writing " + dir.Sub("store")));
  CHECK(Has(s.message(), "MiB free"));
  CHECK(Has(store->PutMeta("note", "x").message(), "no space left on device"));
  CHECK(Has(store->Flush().message(), "no space left on device"));
}

TEST_CASE("Reliability: a damaged write-ahead log is reported, opened only with allow_partial, and a re-ingest converges",
          "[storage][reliability][wal]") {
  TempDir dir;
  std::string path = dir.Sub("store");
  Workload w;
  MakeWorkload(&w, 40, 11);
  HashKey key;
  {
    // Large memtables and no Flush: every delta is only in the log.
    RocksStoreOptions o = Small();
    o.write_buffer_bytes = 64u << 20;
    std::unique_ptr<GraphStore> store = MustOpen(path, o);
    key = store->hasher().key();
    for (int d = 0; d < 40; ++d) AddRecords(store->hasher(), &w, d);
    for (const GraphDelta& d : w.deltas) REQUIRE(store->Apply(d).ok());
  }  // closed without a flush
  const std::string want_all = ExpectedDump(key, w, w.deltas.size());

  SECTION("a log cut short, as by a crash mid-write, opens with every whole write") {
    fs::path log = Largest(path, ".log");
    REQUIRE(!log.empty());
    uintmax_t size = fs::file_size(log);
    fs::resize_file(log, size - 100);  // inside the last record
    std::unique_ptr<GraphStore> store = MustOpen(path, Small(RocksStoreOptions{.read_only = true}));
    CHECK(RocksStoreRecoveryNote(*store).empty());
    CHECK(DumpText(*store) == ExpectedDump(key, w, w.deltas.size() - 1));
  }
  SECTION("one flipped byte in the middle") {
    fs::path log = Largest(path, ".log");
    REQUIRE(!log.empty());
    FlipByte(log, fs::file_size(log) / 2);
    for (bool read_only : {true, false}) {
      Status s = OpenStatus(path, Small(RocksStoreOptions{.read_only = read_only}));
      INFO(s.ToString());
      CHECK(s.code() == Status::Code::kCorruption);
      CHECK(Has(s.message(), "write-ahead log is damaged"));
      CHECK(Has(s.message(), "--allow-partial"));
    }
    Result<StoreCheckReport> check = CheckRocksStore(path);
    REQUIRE(check.ok());
    CHECK_FALSE(check->ok());
    const StoreCheckReport::Item* wal = Find(*check, "write-ahead log");
    REQUIRE(wal != nullptr);
    CHECK_FALSE(wal->ok);
    size_t kept = 0;
    {
      // Read-only, allow_partial: the writes before the damage, said so.
      std::unique_ptr<GraphStore> store = MustOpen(path, Small(RocksStoreOptions{.read_only = true, .allow_partial = true}));
      CHECK(Has(RocksStoreRecoveryNote(*store), "write-ahead log is damaged"));
      while (kept < w.deltas.size() && store->ContainsRecord(*w.deltas[kept].records().begin()).value()) ++kept;
      CHECK(kept > 0);
      CHECK(kept < w.deltas.size());
      CHECK(DumpText(*store) == ExpectedDump(key, w, kept));  // a prefix of the writes, nothing else
    }
    {
      // Writable, allow_partial: recovers, records the loss, and the same
      // writes again converge.
      std::unique_ptr<GraphStore> store = MustOpen(path, Small(RocksStoreOptions{.allow_partial = true}));
      ApplyMissing(*store, w);
      CHECK(DumpText(*store) == want_all);
    }
    // Later opens say so (without failing), and check reports it as a note.
    std::unique_ptr<GraphStore> store = MustOpen(path, Small(RocksStoreOptions{.read_only = true}));
    CHECK(Has(RocksStoreRecoveryNote(*store), "an earlier open"));
    CHECK(DumpText(*store) == want_all);
    store.reset();
    check = CheckRocksStore(path);
    REQUIRE(check.ok());
    CHECK(check->ok());
    CHECK(Find(*check, "recovery history (note)") != nullptr);
  }
}

TEST_CASE("Reliability: a damaged table file is reported by CheckRocksStore", "[storage][reliability][sst]") {
  TempDir dir;
  std::string path = dir.Sub("store");
  Workload w;
  MakeWorkload(&w, 20, 3);
  {
    std::unique_ptr<GraphStore> store = MustOpen(path);
    for (int d = 0; d < 20; ++d) AddRecords(store->hasher(), &w, d);
    for (const GraphDelta& d : w.deltas) REQUIRE(store->Apply(d).ok());
    REQUIRE(store->Flush().ok());
  }
  Result<StoreCheckReport> clean = CheckRocksStore(path);
  REQUIRE(clean.ok());
  for (const auto& i : clean->items) INFO(i.what << ": " << i.detail);
  CHECK(clean->ok());
  fs::path sst = Largest(path, ".sst");
  REQUIRE(!sst.empty());
  FlipByte(sst, fs::file_size(sst) / 4);  // inside a data block
  Result<StoreCheckReport> damaged = CheckRocksStore(path);
  REQUIRE(damaged.ok());
  CHECK_FALSE(damaged->ok());
  const StoreCheckReport::Item* sums = Find(*damaged, "table file checksums");
  REQUIRE(sums != nullptr);
  CHECK_FALSE(sums->ok);
  CHECK(Has(sums->detail, "Corruption"));
}

TEST_CASE("Reliability: a changed hash key is refused, not used to fork the graph", "[storage][reliability][meta]") {
  TempDir dir;
  std::string path = dir.Sub("store");
  const EntityRef alice{EntityKind::kIamUser, "arn:aws:iam::111122223333:user/alice"};
  const EntityRef ip{EntityKind::kIpAddress, "203.0.113.7"};
  {
    std::unique_ptr<GraphStore> store = MustOpen(path);
    GraphDelta d;
    d.AddEdge(alice, EdgeKind::kCalledFrom, ip, Obs(1700000000, "e:1"));
    REQUIRE(store->Apply(d).ok());
    REQUIRE(store->Flush().ok());
    CHECK(store->PutMeta("hash_key", "x").code() == Status::Code::kInvalidArgument);
    CHECK(store->PutMeta("meta_checksum", "x").code() == Status::Code::kInvalidArgument);
  }
  const std::string other_key("0123456789abcdef", 16);
  SECTION("hash_key changed: the checksum does not match") {
    RawWrite(path, "meta", "hash_key", other_key);
  }
  SECTION("hash_key changed and the checksum removed: the stored IDs do not match") {
    RawWrite(path, "meta", "hash_key", other_key);
    RawWrite(path, "meta", "meta_checksum", std::nullopt);
  }
  for (bool read_only : {false, true}) {
    Status s = OpenStatus(path, Small(RocksStoreOptions{.read_only = read_only}));
    INFO(s.ToString());
    CHECK(s.code() == Status::Code::kCorruption);
    CHECK(Has(s.message(), "metadata damaged"));
    CHECK(Has(s.message(), "refusing to open"));
  }
  Result<StoreCheckReport> check = CheckRocksStore(path);
  REQUIRE(check.ok());
  const StoreCheckReport::Item* meta = Find(*check, "metadata");
  REQUIRE(meta != nullptr);
  CHECK_FALSE(meta->ok);
}

TEST_CASE("Reliability: a store written before the metadata checksum gets one on a writable open",
          "[storage][reliability][meta]") {
  TempDir dir;
  std::string path = dir.Sub("store");
  {
    std::unique_ptr<GraphStore> store = MustOpen(path);
    GraphDelta d;
    d.AddEdge(EntityRef{EntityKind::kIamUser, "a"}, EdgeKind::kCalledFrom, EntityRef{EntityKind::kIpAddress, "1.2.3.4"},
              Obs(1, "e:1"));
    REQUIRE(store->Apply(d).ok());
    REQUIRE(store->Flush().ok());
  }
  RawWrite(path, "meta", "meta_checksum", std::nullopt);
  CHECK(Find(*CheckRocksStore(path), "metadata")->detail.starts_with("no checksum"));
  MustOpen(path).reset();
  Result<StoreCheckReport> check = CheckRocksStore(path);
  REQUIRE(check.ok());
  CHECK(check->ok());
  CHECK(Find(*check, "metadata")->detail.starts_with("checksum matches"));
}

TEST_CASE("Reliability: two keys with one entity ID are refused, in one delta, in one process and across processes",
          "[storage][reliability][collision]") {
  TempDir dir;
  std::string path = dir.Sub("store");
  RocksStoreOptions o = Small();
  // Every key of a kind gets the same ID.
  o.entity_id_for_testing = [](EntityKind kind, std::string_view) { return EntityId{kind, 42}; };
  const EntityRef alice{EntityKind::kIamUser, "arn:aws:iam::111122223333:user/alice"};
  const EntityRef bob{EntityKind::kIamUser, "arn:aws:iam::111122223333:user/bob"};
  const EntityRef ip{EntityKind::kIpAddress, "203.0.113.7"};
  GraphDelta first, second, both;
  first.AddEdge(alice, EdgeKind::kCalledFrom, ip, Obs(100, "e:1"));
  second.AddEdge(bob, EdgeKind::kCalledFrom, ip, Obs(200, "e:2"));
  both.AddEdge(alice, EdgeKind::kCalledFrom, ip, Obs(300, "e:3"));
  both.AddEdge(bob, EdgeKind::kCalledFrom, ip, Obs(300, "e:4"));
  auto check_refused = [&](const Status& s) {
    INFO(s.ToString());
    CHECK_FALSE(s.ok());
    CHECK(Has(s.message(), "entity ID collision"));
    CHECK(Has(s.message(), "user/bob"));
    CHECK(Has(s.message(), "user/alice"));
  };
  std::string before;
  {
    std::unique_ptr<GraphStore> store = MustOpen(path, o);
    check_refused(store->Apply(both));
    REQUIRE(store->Apply(first).ok());
    before = DumpText(*store);
    check_refused(store->Apply(second));  // same process
    CHECK(DumpText(*store) == before);    // nothing of it written
    REQUIRE(store->Flush().ok());
  }
  {
    std::unique_ptr<GraphStore> store = MustOpen(path, o);
    check_refused(store->Apply(second));  // a later process
    CHECK(DumpText(*store) == before);
    REQUIRE(store->Apply(first).ok());  // the key that holds the ID still writes
    std::optional<Entity> e = store->GetEntity(EntityId{EntityKind::kIamUser, 42}).value();
    REQUIRE(e.has_value());
    CHECK(e->key == alice.key);
  }
}

TEST_CASE("Reliability: staging directories of killed creations are removed by the next creation",
          "[storage][reliability][staging]") {
  TempDir dir;
  // A pid that runs no process.
  long dead = 4000000;
  while (::kill(static_cast<pid_t>(dead), 0) == 0 || errno != ESRCH) --dead;
  const auto old = fs::file_time_type::clock::now() - std::chrono::hours(2);
  const auto minute_ago = fs::file_time_type::clock::now() - std::chrono::minutes(1);
  auto make = [&](const std::string& name, fs::file_time_type mtime) {
    fs::path p = fs::path(dir.path()) / name;
    fs::create_directories(p / "inner");
    std::ofstream(p / "inner" / "MANIFEST-000001") << "x";
    fs::last_write_time(p, mtime);
    return p;
  };
  fs::path dead_recent = make(".store.creating-" + std::to_string(dead) + "-17", minute_ago);
  fs::path dead_now = make(".store.creating-" + std::to_string(dead) + "-18", fs::file_time_type::clock::now());
  fs::path live_recent = make(".store.creating-1-19", minute_ago);  // pid 1 runs
  fs::path live_old = make(".store.creating-1-20", old);            // abandoned all the same
  fs::path other_store = make(".other.creating-" + std::to_string(dead) + "-21", minute_ago);
  fs::path unparsed = make(".store.creating-xyz", minute_ago);

  MustOpen(dir.Sub("store")).reset();
  CHECK_FALSE(fs::exists(dead_recent));
  CHECK(fs::exists(dead_now));  // might be a creation in another pid namespace
  CHECK(fs::exists(live_recent));
  CHECK_FALSE(fs::exists(live_old));
  CHECK(fs::exists(other_store));  // another store's
  CHECK(fs::exists(unparsed));
  size_t staging_left = 0;
  for (const auto& e : fs::directory_iterator(dir.path()))
    if (e.path().filename().string().starts_with(".store.creating-")) ++staging_left;
  CHECK(staging_left == 3);  // dead_now, live_recent, unparsed: none of our own
}

TEST_CASE("Reliability: a second writer is refused with a clear error and nothing is lost", "[storage][reliability][writer]") {
  TempDir dir;
  std::string path = dir.Sub("store");
  Workload w;
  MakeWorkload(&w, 10, 5);
  std::unique_ptr<GraphStore> first = MustOpen(path);
  const HashKey key = first->hasher().key();
  for (int d = 0; d < 10; ++d) AddRecords(first->hasher(), &w, d);
  for (size_t d = 0; d < 5; ++d) REQUIRE(first->Apply(w.deltas[d]).ok());
  Status second = OpenStatus(path);
  INFO(second.ToString());
  CHECK(second.code() == Status::Code::kIoError);
  CHECK(Has(second.message(), "another process writing this store"));
  for (size_t d = 5; d < 10; ++d) REQUIRE(first->Apply(w.deltas[d]).ok());
  first.reset();
  // The refused writer's retry, after the first is done, converges.
  std::unique_ptr<GraphStore> retry = MustOpen(path);
  ApplyMissing(*retry, w);
  CHECK(DumpText(*retry) == ExpectedDump(key, w, w.deltas.size()));
}

}  // namespace gumshoe
