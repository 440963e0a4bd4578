// Issue 21 through the CLI: a full filesystem, a damaged write-ahead log and
// table file, `gumshoe check`, --allow-partial, and a second writer. Each
// ends in a clear message and exit code, a store that reopens, and a retry
// whose `dump --hash` equals a clean ingest's.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "cli/cli_harness.h"
#include "gumshoe/rocksdb_store.h"

namespace gumshoe {
namespace {

using cli_test::Gumshoe;
using cli_test::Has;
using cli_test::Quote;
using cli_test::TempDir;
namespace fs = std::filesystem;

// True when another process holds a write lock on `lock_file` (the fcntl
// lock RocksDB takes on a store's LOCK file while it is open for writing).
bool LockHeldByOther(const fs::path& lock_file) {
  int fd = ::open(lock_file.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return false;
  struct flock fl {};
  fl.l_type = F_WRLCK;
  fl.l_whence = SEEK_SET;
  const bool held = ::fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK;
  ::close(fd);
  return held;
}

// `files` CloudTrail JSON-lines files of `per_file` distinct records each
// (eventIDs unique), written as the service writes them.
std::vector<std::string> WriteCloudTrail(const fs::path& dir, int files, int per_file, uint32_t seed) {
  std::mt19937 rng(seed);
  const char* apis[] = {"DescribeInstances", "ListBuckets", "GetObject", "AssumeRole", "ListUsers"};
  std::vector<std::string> paths;
  int n = 0;
  for (int f = 0; f < files; ++f) {
    fs::path p = dir / ("ct-" + std::to_string(f) + ".json");
    std::ofstream out(p);
    for (int i = 0; i < per_file; ++i, ++n) {
      unsigned user = rng() % 5000;
      char line[1024];
      std::snprintf(line, sizeof line,
                    "{\"eventVersion\":\"1.09\",\"userIdentity\":{\"type\":\"IAMUser\",\"principalId\":\"AIDAUSER%04u\","
                    "\"arn\":\"arn:aws:iam::111122223333:user/user%u\",\"accountId\":\"111122223333\","
                    "\"accessKeyId\":\"AKIA%016u\",\"userName\":\"user%u\"},\"eventTime\":\"2026-11-%02uT%02u:%02u:%02uZ\","
                    "\"eventSource\":\"ec2.amazonaws.com\",\"eventName\":\"%s\",\"awsRegion\":\"us-east-1\","
                    "\"sourceIPAddress\":\"198.51.%u.%u\",\"userAgent\":\"aws-cli/2.%u\",\"requestParameters\":null,"
                    "\"responseElements\":null,\"eventID\":\"00000000-0000-4000-8000-%012d\",\"eventType\":\"AwsApiCall\","
                    "\"recipientAccountId\":\"111122223333\"}\n",
                    user, user, user, user, 1 + rng() % 20, rng() % 24, rng() % 60, rng() % 60, apis[rng() % 5],
                    rng() % 200, rng() % 200, rng() % 300, n);
      out << line;
    }
    paths.push_back(p.string());
  }
  return paths;
}

std::string Join(const std::vector<std::string>& files) {
  std::string out;
  for (const auto& f : files) out += " " + Quote(f);
  return out;
}

std::string DumpHash(const TempDir& dir, const std::string& db) {
  cli_test::Run r = Gumshoe(dir, "dump --hash --db " + Quote(db));
  INFO(r.err);
  REQUIRE(r.code == 0);
  return r.out;
}

class SmallFs {
 public:
  explicit SmallFs(const fs::path& dir, int mib) : dir_(dir.string()) {
    fs::create_directories(dir_);
    std::string opts = "size=" + std::to_string(mib) + "m";
    int rc = ::mount("tmpfs", dir_.c_str(), "tmpfs", 0, opts.c_str());
    INFO("mount tmpfs on " << dir_ << ": " << std::strerror(errno) << " (this test needs root)");
    REQUIRE(rc == 0);
  }
  ~SmallFs() { ::umount2(dir_.c_str(), MNT_DETACH); }
  void Resize(int mib) {
    std::string opts = "size=" + std::to_string(mib) + "m";
    REQUIRE(::mount("tmpfs", dir_.c_str(), "tmpfs", MS_REMOUNT, opts.c_str()) == 0);
  }

 private:
  std::string dir_;
};

}  // namespace

TEST_CASE("CLI reliability: ingest on a full filesystem ends with a clear error (not SIGABRT), and a retry converges",
          "[cli][reliability][disk_full]") {
  TempDir dir;
  std::vector<std::string> files = WriteCloudTrail(dir.path(), 4, 20000, 21);
  std::string clean = (dir.path() / "clean").string();
  REQUIRE(Gumshoe(dir, "-q ingest --db " + Quote(clean) + Join(files)).code == 0);
  const std::string want = DumpHash(dir, clean);

  // 30 MiB: the old build aborted (exit 134) in a memtable flush there; 12:
  // the write-ahead log fills first.
  int trial = 0;
  for (int mib : {12, 30}) {
    INFO("tmpfs of " << mib << " MiB");
    SmallFs small(dir.path() / ("fs" + std::to_string(trial++)), mib);
    std::string db = (dir.path() / ("fs" + std::to_string(trial - 1)) / "store").string();
    cli_test::Run r = Gumshoe(dir, "-q ingest --min-free-mib 0 --db " + Quote(db) + Join(files));
    INFO(r.err);
    CHECK(r.code == 1);
    CHECK(Has(r.err, "no space left on device writing " + db));
    CHECK_FALSE(Has(r.err, "Assertion"));
    // The store opens on the full disk.
    CHECK(Gumshoe(dir, "-q stats --db " + Quote(db)).code == 0);
    small.Resize(512);
    cli_test::Run retry = Gumshoe(dir, "-q ingest --min-free-mib 0 --db " + Quote(db) + Join(files));
    INFO(retry.err);
    REQUIRE(retry.code == 0);
    CHECK(DumpHash(dir, db) == want);
    CHECK(Gumshoe(dir, "check --db " + Quote(db)).code == 0);
  }
  SECTION("the default free-space margin stops before writing") {
    SmallFs small(dir.path() / "fs-margin", 8);
    std::string db = (dir.path() / "fs-margin" / "store").string();
    cli_test::Run r = Gumshoe(dir, "-q ingest --db " + Quote(db) + Join(files));
    INFO(r.err);
    CHECK(r.code == 1);
    CHECK(Has(r.err, "no space left on device writing " + db));
    CHECK(Has(r.err, "MiB free"));
  }
}

TEST_CASE("CLI reliability: a damaged write-ahead log fails queries unless --allow-partial, check reports it",
          "[cli][reliability][wal]") {
  TempDir dir;
  std::string db = dir.db();
  {
    // A store whose writes are only in its write-ahead log (no Flush), as
    // an ingest killed before its end leaves it.
    RocksStoreOptions o;
    o.block_cache_bytes = 8u << 20;
    Result<std::unique_ptr<GraphStore>> store = OpenRocksStore(db, o);
    REQUIRE(store.ok());
    for (int d = 0; d < 40; ++d) {
      GraphDelta delta;
      for (int i = 0; i < 50; ++i) {
        EdgeObservation obs;
        obs.time = 1700000000 + d * 50 + i;
        obs.outcome = 1;
        obs.evidence = "cloudtrail:x";
        delta.AddEdge(EntityRef{EntityKind::kIamUser, "arn:aws:iam::111122223333:user/u" + std::to_string(d * 50 + i)},
                      EdgeKind::kCalledFrom, EntityRef{EntityKind::kIpAddress, "203.0.113." + std::to_string(i)}, obs);
      }
      REQUIRE((*store)->Apply(delta).ok());
    }
  }
  CHECK(Gumshoe(dir, "check --db " + Quote(db)).code == 0);
  fs::path log;
  for (const auto& e : fs::directory_iterator(db))
    if (e.path().extension() == ".log" && (log.empty() || e.file_size() > fs::file_size(log))) log = e.path();
  REQUIRE(!log.empty());
  {
    std::fstream f(log, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(static_cast<std::streamoff>(fs::file_size(log) / 2));
    char c = 0;
    f.read(&c, 1);
    c = static_cast<char>(c ^ 0x5a);
    f.seekp(static_cast<std::streamoff>(fs::file_size(log) / 2));
    f.write(&c, 1);
    REQUIRE(f.good());
  }
  for (const char* cmd : {"stats", "dump --hash", "entities"}) {
    INFO(cmd);
    cli_test::Run r = Gumshoe(dir, std::string(cmd) + " --db " + Quote(db));
    CHECK(r.code == 1);
    CHECK(Has(r.err, "write-ahead log is damaged"));
    CHECK(Has(r.err, "--allow-partial"));
  }
  cli_test::Run partial = Gumshoe(dir, "stats --allow-partial --db " + Quote(db));
  INFO(partial.err);
  CHECK(partial.code == 0);
  CHECK(Has(partial.err, "warning"));
  CHECK(Has(partial.err, "replayed up to the damage"));
  cli_test::Run check = Gumshoe(dir, "check --db " + Quote(db));
  CHECK(check.code == 1);
  CHECK(Has(check.out, "DAMAGED"));
  CHECK(Has(check.out, "write-ahead log"));
  cli_test::Run json = Gumshoe(dir, "check --json --db " + Quote(db));
  CHECK(json.code == 1);
  CHECK(Has(json.out, "\"ok\":false"));
}

TEST_CASE("CLI reliability: check finds a damaged table file, queries give an error or the right answer",
          "[cli][reliability][sst]") {
  TempDir dir;
  std::vector<std::string> files = WriteCloudTrail(dir.path(), 1, 3000, 4);
  std::string db = dir.db();
  REQUIRE(Gumshoe(dir, "-q ingest --db " + Quote(db) + Join(files)).code == 0);
  const std::string want = DumpHash(dir, db);
  cli_test::Run whole = Gumshoe(dir, "check --db " + Quote(db));
  INFO(whole.out << whole.err);
  CHECK(whole.code == 0);
  CHECK(Has(whole.out, "store is whole"));
  int trials = 0, reported = 0, dump_errors = 0;
  std::vector<fs::path> tables;
  for (const auto& e : fs::directory_iterator(db))
    if (e.path().extension() == ".sst") tables.push_back(e.path());
  std::sort(tables.begin(), tables.end());
  REQUIRE(tables.size() >= 3);
  for (const fs::path& t : tables) {
    if (fs::file_size(t) < 4096) continue;
    // A byte inside the first data block; flipped back after the trial.
    const auto at = static_cast<std::streamoff>(fs::file_size(t) / 8);
    auto flip = [&] {
      std::fstream f(t, std::ios::in | std::ios::out | std::ios::binary);
      f.seekg(at);
      char c = 0;
      f.read(&c, 1);
      c = static_cast<char>(c ^ 0x01);
      f.seekp(at);
      f.write(&c, 1);
      REQUIRE(f.good());
    };
    flip();
    ++trials;
    cli_test::Run check = Gumshoe(dir, "check --db " + Quote(db));
    if (check.code == 1 && Has(check.out, "table file checksums")) ++reported;
    cli_test::Run dump = Gumshoe(dir, "dump --hash --db " + Quote(db));
    INFO(t << ": " << dump.err);
    if (dump.code != 0) {
      ++dump_errors;
      CHECK(Has(dump.err, db));
    } else {
      CHECK(dump.out == want);  // never a wrong answer
    }
    flip();
  }
  CHECK(trials > 0);
  CHECK(reported == trials);
  CHECK(DumpHash(dir, db) == want);
}

TEST_CASE("CLI reliability: a second concurrent ingest is refused with a clear error, its retry converges",
          "[cli][reliability][writer]") {
  TempDir dir;
  std::vector<std::string> files = WriteCloudTrail(dir.path(), 2, 2000, 9);
  std::string clean = (dir.path() / "clean").string();
  REQUIRE(Gumshoe(dir, "-q ingest --db " + Quote(clean) + Join(files)).code == 0);
  const std::string want = DumpHash(dir, clean);

  std::string db = dir.db();
  // The first writer reads its records from a pipe we hold open: it keeps
  // the store open for writing until we close it.
  std::string cmd = std::string(GUMSHOE_CLI_PATH) + " -q ingest --db " + Quote(db) + " - >" +
                    Quote((dir.path() / "first.out").string()) + " 2>&1";
  // A first writer that died early must fail a check, not kill the test
  // with SIGPIPE when we write to it.
  struct sigaction ignore {}, saved {};
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGPIPE, &ignore, &saved);
  FILE* first = popen(cmd.c_str(), "w");
  REQUIRE(first != nullptr);
  {
    std::ifstream in(files[0]);
    std::string line;
    for (int i = 0; i < 100 && std::getline(in, line); ++i) std::fprintf(first, "%s\n", line.c_str());
    std::fflush(first);
  }
  // Wait until it holds the store's write lock (RocksDB's fcntl lock on
  // LOCK), so the second writer is certain to meet it.
  bool held = false;
  for (int attempt = 0; attempt < 600 && !held; ++attempt) {
    held = LockHeldByOther(fs::path(db) / "LOCK");
    if (!held) usleep(50000);
  }
  INFO(cli_test::Slurp(dir.path() / "first.out"));
  REQUIRE(held);
  cli_test::Run second = Gumshoe(dir, "-q ingest --db " + Quote(db) + Join(files));
  INFO(second.err);
  CHECK(second.code == 1);
  CHECK(Has(second.err, "another process writing this store"));
  {
    std::ifstream in(files[0]);
    std::string line;
    while (std::getline(in, line)) std::fprintf(first, "%s\n", line.c_str());
  }
  int status = pclose(first);
  ::sigaction(SIGPIPE, &saved, nullptr);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  REQUIRE(Gumshoe(dir, "-q ingest --db " + Quote(db) + Join(files)).code == 0);
  CHECK(DumpHash(dir, db) == want);
}

}  // namespace gumshoe
