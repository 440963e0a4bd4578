// Issue 21 through the built binary: unreadable walk entries and the ingest
// exit codes (21.5), unsafe code points in every terminal output (21.6),
// strict timestamps (21.8), IPv4-mapped and leading-zero addresses.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <fcntl.h>

#include <fstream>
#include <string>

#include "cli_harness.h"

using namespace gumshoe::cli_test;

namespace {

void Write(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

// One VPC flow log line (v2 default format) from `src` to `dst` at `start`.
std::string Flow(const std::string& src, const std::string& dst, int port, long start = 1700000000) {
  return "2 111122223333 eni-0a1b2c3d4e5f60001 " + src + " " + dst + " " + std::to_string(port) + " 443 6 10 1000 " +
         std::to_string(start) + " " + std::to_string(start + 60) + " ACCEPT OK\n";
}

// A CloudTrail record whose user agent is `agent` and time `time`.
std::string Trail(const std::string& id, const std::string& time, const std::string& agent,
                  const std::string& ip = "203.0.113.5") {
  return R"({"eventVersion":"1.08","userIdentity":{"type":"IAMUser","principalId":"AIDAEXAMPLE","arn":"arn:aws:iam::111122223333:user/alice","accountId":"111122223333","accessKeyId":"AKIAEXAMPLEKEY000001","userName":"alice"},"eventTime":")" +
         time + R"(","eventSource":"s3.amazonaws.com","eventName":"ListBuckets","awsRegion":"us-east-1","sourceIPAddress":")" +
         ip + R"(","userAgent":")" + agent +
         R"(","requestParameters":null,"responseElements":null,"requestID":"R1","eventID":")" + id +
         R"(","readOnly":true,"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"111122223333"})";
}

std::string Records(const std::vector<std::string>& records) {
  std::string out = R"({"Records":[)";
  for (size_t i = 0; i < records.size(); ++i) out += (i ? "," : "") + records[i];
  return out + "]}";
}

}  // namespace

TEST_CASE("CLI ingest: unreadable walk entries are named, counted and exit 3", "[cli][reliability]") {
  TempDir dir;
  fs::path tree = dir.path() / "tree";
  Write(tree / "a.log", Flow("10.0.0.1", "198.51.100.1", 40000));
  fs::create_symlink(tree / "missing.log", tree / "dangling.log");
  REQUIRE(mkfifo((tree / "pipe.log").c_str(), 0644) == 0);
  // A path longer than PATH_MAX below the tree: stat(2) fails with ENAMETOOLONG, as root too.
  {
    std::string name(200, 'd');
    fs::path deep = tree;
    int fd = open(tree.c_str(), O_RDONLY | O_DIRECTORY);
    REQUIRE(fd >= 0);
    for (int i = 0; i < 22; ++i) {
      REQUIRE(mkdirat(fd, name.c_str(), 0755) == 0);
      int next = openat(fd, name.c_str(), O_RDONLY | O_DIRECTORY);
      close(fd);
      REQUIRE(next >= 0);
      fd = next;
    }
    int f = openat(fd, "deep.log", O_WRONLY | O_CREAT, 0644);
    REQUIRE(f >= 0);
    std::string line = Flow("10.0.0.2", "198.51.100.2", 40001);
    REQUIRE(write(f, line.data(), line.size()) == static_cast<ssize_t>(line.size()));
    close(f);
    close(fd);
  }
  Run r = Gumshoe(dir, "ingest --db " + Quote(dir.db()) + " " + Quote(tree.string()));
  CHECK(r.code == 3);
  CHECK(Has(r.err, "dangling.log: dangling symbolic link (not read)"));
  CHECK(Has(r.err, "pipe.log: a FIFO, not a log file (not read)"));
  CHECK(Has(r.err, "File name too long (not read)"));
  CHECK(Has(r.out, "records 1: ok 1"));
  CHECK(Has(r.out, "inputs not read 3 (each named on stderr)"));
  // --json lists them too.
  Run j = Gumshoe(dir, "ingest --json --db " + Quote(dir.db()) + " " + Quote(tree.string()));
  CHECK(j.code == 3);
  CHECK(Has(j.out, "dangling.log: dangling symbolic link (not read)"));
  {
    // Cleanup of the deep tree needs relative paths too.
    std::string name(200, 'd');
    CHECK(std::system(("cd " + Quote(tree.string()) + " && rm -rf " + name).c_str()) == 0);
  }
}

TEST_CASE("CLI ingest: exit codes 0, 3 and 4", "[cli][reliability]") {
  TempDir dir;
  Write(dir.path() / "good.log", Flow("10.0.0.1", "198.51.100.1", 40000));
  Write(dir.path() / "mixed.log", Flow("10.0.0.1", "198.51.100.1", 40002) + Flow("10.0.0.1", "999.1.1.1", 40003));
  Write(dir.path() / "bad.log", Flow("10.0.0.1", "999.1.1.1", 40004));
  std::string db = " --db " + Quote(dir.db()) + " ";
  CHECK(Gumshoe(dir, "ingest" + db + Quote((dir.path() / "good.log").string())).code == 0);
  // Again: every record already stored is not "nothing ingested".
  CHECK(Gumshoe(dir, "ingest" + db + Quote((dir.path() / "good.log").string())).code == 0);
  CHECK(Gumshoe(dir, "ingest" + db + Quote((dir.path() / "mixed.log").string())).code == 3);
  CHECK(Gumshoe(dir, "ingest --source vpc_flow" + db + Quote((dir.path() / "bad.log").string())).code == 4);
  CHECK(Gumshoe(dir, "ingest" + db + Quote((dir.path() / "no-such.log").string())).code == 4);
  CHECK(Gumshoe(dir, "ingest" + db + Quote((dir.path() / "good.log").string()) + " " +
                         Quote((dir.path() / "no-such.log").string()))
            .code == 3);
  Run help = Gumshoe(dir, "ingest --help");
  CHECK(Has(help.out, "3 finished, but some records were rejected"));
  CHECK(Has(help.out, "4 nothing was ingested"));
}

TEST_CASE("CLI: C1 controls, bidi, separators and invisible characters never reach the terminal raw",
          "[cli][reliability][escape]") {
  struct Case {
    const char* name;
    const char* raw;  // UTF-8
    const char* dump_escape;
  };
  const Case cases[] = {
      {"C0 ESC", "\\u001b[31m", "\\u001B"},  // JSON text: the record carries the escape; RapidJSON writes upper case
      {"DEL", "\x7f", "\\u007f"},
      {"C1 CSI", "\xc2\x9b", "\\u009b"},
      {"C1 OSC", "\xc2\x9d", "\\u009d"},
      {"RLO", "\xe2\x80\xae", "\\u202e"},
      {"LRI", "\xe2\x81\xa6", "\\u2066"},
      {"LRM", "\xe2\x80\x8e", "\\u200e"},
      {"line separator", "\xe2\x80\xa8", "\\u2028"},
      {"paragraph separator", "\xe2\x80\xa9", "\\u2029"},
      {"zero width space", "\xe2\x80\x8b", "\\u200b"},
      {"word joiner", "\xe2\x81\xa0", "\\u2060"},
      {"BOM", "\xef\xbb\xbf", "\\ufeff"},
      {"soft hyphen", "\xc2\xad", "\\u00ad"},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    TempDir dir;
    std::string agent = std::string("evil") + c.raw + "agent";
    Write(dir.path() / "t.json", Records({Trail("e1", "2024-03-01T12:00:00Z", agent)}));
    std::string db = " --db " + Quote(dir.db()) + " ";
    REQUIRE(Gumshoe(dir, "ingest" + db + Quote((dir.path() / "t.json").string())).code == 0);
    std::string decoded = std::string(c.raw) == "\\u001b[31m" ? std::string("\x1b") : std::string(c.raw);
    Run dump = Gumshoe(dir, "dump" + db);
    REQUIRE(dump.code == 0);
    CHECK_FALSE(Has(dump.out, decoded));
    CHECK(Has(dump.out, c.dump_escape));
    Run ents = Gumshoe(dir, "entities --kind user_agent" + db);
    REQUIRE(ents.code == 0);
    CHECK(Has(ents.out, "evil"));
    CHECK_FALSE(Has(ents.out, decoded));
    Run pivot = Gumshoe(dir, "pivot" + db + "iam_user:arn:aws:iam::111122223333:user/alice");
    REQUIRE(pivot.code == 0);
    CHECK(Has(pivot.out, "evil"));
    CHECK_FALSE(Has(pivot.out, decoded));
    Run pj = Gumshoe(dir, "pivot --json" + db + "iam_user:arn:aws:iam::111122223333:user/alice");
    CHECK_FALSE(Has(pj.out, decoded));
  }
}

TEST_CASE("CLI ingest: impossible timestamps are rejected as bad times", "[cli][reliability][time]") {
  TempDir dir;
  Write(dir.path() / "t.json", Records({
                                   Trail("ok1", "2024-02-29T12:00:00Z", "a"),       // leap day: real
                                   Trail("bad1", "2026-02-29T12:00:00Z", "a"),      // not a leap year
                                   Trail("bad2", "2024-03-01T12:00:00+99:99", "a"),
                                   Trail("bad3", "2024-03-01T24:00:00Z", "a"),
                                   Trail("bad4", "2024-13-01T12:00:00Z", "a"),
                                   Trail("bad5", "2024-04-31T12:00:00Z", "a"),
                                   Trail("bad6", "2024-03-01T12:00:00+14:01", "a"),
                                   Trail("ok2", "2024-03-01T12:00:00-12:00", "a"),
                                   Trail("ok3", "2016-12-31T23:59:60Z", "a"),       // a leap second
                               }));
  Run r = Gumshoe(dir, "ingest --json --db " + Quote(dir.db()) + " " + Quote((dir.path() / "t.json").string()));
  CHECK(r.code == 3);
  CHECK(Has(r.out, "\"records_ok\":3"));
  CHECK(Has(r.out, "\"cloudtrail.bad_eventTime\":6"));
}

TEST_CASE("CLI ingest: ::ffff:203.0.113.5 is 203.0.113.5, 010.001.1.1 is counted", "[cli][reliability][ip]") {
  TempDir dir;
  Write(dir.path() / "t.json", Records({
                                   Trail("e1", "2024-03-01T12:00:00Z", "a", "203.0.113.5"),
                                   Trail("e2", "2024-03-01T12:01:00Z", "a", "::ffff:203.0.113.5"),
                                   Trail("e3", "2024-03-01T12:02:00Z", "a", "::FFFF:cb00:7105"),
                                   Trail("e4", "2024-03-01T12:03:00Z", "a", "010.001.1.1"),
                               }));
  Run r = Gumshoe(dir, "ingest --json --db " + Quote(dir.db()) + " " + Quote((dir.path() / "t.json").string()));
  CHECK(r.code == 0);
  CHECK(Has(r.out, "\"cloudtrail.leading_zero_ip\":1"));
  Run ents = Gumshoe(dir, "entities --json --kind ip_address --db " + Quote(dir.db()));
  CHECK(Has(ents.out, "\"matches\":2"));
  CHECK(Has(ents.out, "\"key\":\"203.0.113.5\""));
  CHECK(Has(ents.out, "\"key\":\"10.1.1.1\""));
  CHECK_FALSE(Has(ents.out, "ffff"));
}

TEST_CASE("CLI ingest: the graph does not depend on thread count or file order", "[cli][reliability][determinism]") {
  // The same flow records in two files (each a duplicate of the other) and
  // many distinct records sharing one timestamp across files: which copy a
  // thread reaches first used to decide the evidence cited.
  TempDir dir;
  std::string same, c, d;
  for (int i = 0; i < 3000; ++i) {
    std::string eni = "eni-0abc" + std::to_string(100000 + i % 7);
    std::string src = "10.0.0." + std::to_string(i % 5 + 1), dst = "198.51.100." + std::to_string(i % 3 + 1);
    std::string tail = " 443 6 10 1000 1700000000 1700000060 ACCEPT OK\n";
    same += "2 111122223333 " + eni + " " + src + " " + dst + " " + std::to_string(20000 + i) + tail;
    (i % 2 ? c : d) += "2 111122223333 " + eni + " " + src + " " + dst + " " + std::to_string(40000 + i) + tail;
  }
  std::vector<std::string> names = {"a.log", "b.log", "c.log", "d.log", "e.log"};
  fs::path tree = dir.path() / "tree";
  Write(tree / "a.log", same);
  Write(tree / "b.log", same);
  Write(tree / "c.log", c);
  Write(tree / "d.log", d);
  Write(tree / "e.log", same.substr(0, same.size() / 2));
  std::string expected;
  int runs = 0;
  auto check = [&](const std::string& inputs, int threads) {
    TempDir store;
    std::string db = " --db " + Quote(store.db()) + " ";
    Run r = Gumshoe(dir, "ingest --threads " + std::to_string(threads) + db + inputs);
    REQUIRE(r.code == 0);
    Run h = Gumshoe(dir, "dump --hash" + db);
    REQUIRE(h.code == 0);
    INFO(inputs << " with " << threads << " threads");
    if (expected.empty()) expected = h.out;
    CHECK(h.out == expected);
    ++runs;
  };
  std::string forward, reversed;
  for (const auto& n : names) forward += " " + Quote((tree / n).string());
  for (auto it = names.rbegin(); it != names.rend(); ++it) reversed += " " + Quote((tree / *it).string());
  for (int round = 0; round < 3; ++round) {
    for (int threads : {1, 2, 4}) {
      check(forward, threads);
      check(reversed, threads);
    }
  }
  check(Quote(tree.string()), 4);
  CHECK(runs == 19);
}
