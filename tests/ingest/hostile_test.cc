// Hostile input: every format's corpus in tests/data/hostile/ plus generated
// cases (deep nesting, a 100 MB string, a 2 GB single line, invalid UTF-8 and
// NUL bytes, a broken gzip tail, a gzip bomb). For each: a clear error or a
// counted reject naming file:line, every valid record around it ingested, and
// memory bounded.
#include <catch2/catch.hpp>

#include <sys/resource.h>
#include <zlib.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "gumshoe/ingest.h"
#include "gumshoe/memory_store.h"

namespace fs = std::filesystem;
using namespace gumshoe;

namespace {

const std::string kHostile = std::string(GUMSHOE_TEST_DATA) + "/hostile/";

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/gumshoe-hostile-XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempDir() { fs::remove_all(path_); }
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }

 private:
  fs::path path_;
};

IngestStats Run(MemoryStore& store, const std::string& path, const std::string& source, IngestOptions options = {}) {
  options.source = source;
  options.now = 1798761600;  // 2027-01-01
  auto stats = Ingest(store, {path}, options);
  REQUIRE(stats.ok());
  const IngestStats& s = *stats;
  INFO(s.ToJson());
  CHECK(s.records_total == s.records_ok + s.duplicates + s.rejected + s.no_data);
  return s;
}

bool Has(const MemoryStore& store, EntityKind kind, const std::string& key) {
  auto e = store.Find(EntityRef{kind, key});
  REQUIRE(e.ok());
  return e->has_value();
}

std::string User(int i) { return "arn:aws:iam::111122223333:user/good" + std::to_string(i); }

// One CloudTrail record as a JSON line.
std::string Good(int i) {
  char buf[768];
  std::snprintf(buf, sizeof buf,
                "{\"eventVersion\":\"1.09\",\"userIdentity\":{\"type\":\"IAMUser\",\"principalId\":\"AIDAGEN%04d\","
                "\"arn\":\"%s\",\"accountId\":\"111122223333\",\"accessKeyId\":\"AKIAGEN%013d\"},"
                "\"eventTime\":\"2026-11-01T10:00:00Z\",\"eventSource\":\"ec2.amazonaws.com\",\"eventName\":\"DescribeInstances\","
                "\"awsRegion\":\"us-east-1\",\"sourceIPAddress\":\"198.51.100.7\",\"userAgent\":\"aws-cli/2\","
                "\"eventID\":\"99999999-2222-4333-8444-%012d\",\"eventType\":\"AwsApiCall\"}\n",
                i, User(i).c_str(), i, i);
  return buf;
}

long PeakRssMb() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss / 1024;
}

bool ExampleMentions(const IngestStats& s, const std::string& needle) {
  for (const auto& [reason, examples] : s.examples)
    for (const auto& ex : examples)
      if (ex.find(needle) != std::string::npos) return true;
  return false;
}

void WriteGzip(const std::string& path, const std::string& data) {
  gzFile f = gzopen(path.c_str(), "wb1");
  REQUIRE(f != nullptr);
  REQUIRE(gzwrite(f, data.data(), static_cast<unsigned>(data.size())) == static_cast<int>(data.size()));
  gzclose(f);
}

}  // namespace

TEST_CASE("Hostile: CloudTrail wrong types, bad times, truncated lines", "[ingest][hostile]") {
  MemoryStore store;
  IngestStats s = Run(store, kHostile + "cloudtrail_wrong_types.jsonl", "cloudtrail");
  for (int i : {1, 3, 8, 9}) CHECK(Has(store, EntityKind::kIamUser, User(i)));
  // Epoch-zero and year-2999 records are rejected, not stored at absurd times.
  CHECK_FALSE(Has(store, EntityKind::kIamUser, User(5)));
  CHECK_FALSE(Has(store, EntityKind::kIamUser, User(6)));
  CHECK(s.rejected >= 4);
  CHECK(ExampleMentions(s, "cloudtrail_wrong_types.jsonl:8"));
}

TEST_CASE("Hostile: truncated CloudTrail delivery file keeps the records before the cut", "[ingest][hostile]") {
  MemoryStore store;
  IngestStats s = Run(store, kHostile + "cloudtrail_truncated.json", "cloudtrail");
  for (int i : {10, 11, 12}) CHECK(Has(store, EntityKind::kIamUser, User(i)));
  CHECK(s.records_ok == 3);
  CHECK(s.rejected + s.file_errors.size() >= 1);
}

TEST_CASE("Hostile: VPC flow rows with wrong counts, bad IPs, bad numbers, a lying header", "[ingest][hostile]") {
  MemoryStore store;
  IngestStats s = Run(store, kHostile + "vpc_flow_bad_rows.log", "vpc_flow");
  CHECK(Has(store, EntityKind::kIpAddress, "203.0.113.9"));
  CHECK(Has(store, EntityKind::kIpAddress, "203.0.113.11"));
  CHECK(s.rejected >= 3);
  CHECK(s.no_data == 1);
  CHECK(ExampleMentions(s, "vpc_flow_bad_rows.log:3"));

  MemoryStore lying;
  IngestStats l = Run(lying, kHostile + "vpc_flow_lying_header.log", "vpc_flow");
  CHECK(Has(lying, EntityKind::kIpAddress, "203.0.113.21"));
  CHECK(l.rejected >= 1);
}

TEST_CASE("Hostile: Route 53, S3 access, MySQL, PostgreSQL, Tor and GuardDuty corpora", "[ingest][hostile]") {
  SECTION("route53") {
    MemoryStore store;
    IngestStats s = Run(store, kHostile + "route53_broken.jsonl", "route53");
    CHECK(Has(store, EntityKind::kDomain, "host1.example.com"));
    CHECK(Has(store, EntityKind::kDomain, "host5.example.com"));
    CHECK(s.rejected >= 2);
    CHECK(ExampleMentions(s, "route53_broken.jsonl:3"));
  }
  SECTION("s3_access") {
    MemoryStore store;
    IngestStats s = Run(store, kHostile + "s3_access_bad.log", "s3_access");
    CHECK(Has(store, EntityKind::kS3Bucket, "hostile-bucket"));
    CHECK(Has(store, EntityKind::kIpAddress, "192.0.2.3"));
    CHECK(Has(store, EntityKind::kIpAddress, "198.51.100.44"));
    CHECK(s.rejected >= 3);
  }
  SECTION("mysql_audit") {
    MemoryStore store;
    IngestStats s = Run(store, kHostile + "mysql_audit_bad.log", "mysql_audit");
    CHECK(Has(store, EntityKind::kIpAddress, "10.0.0.8"));
    CHECK(Has(store, EntityKind::kIpAddress, "10.0.0.9"));
    CHECK(s.rejected >= 3);
  }
  SECTION("postgres") {
    MemoryStore store;
    IngestOptions o;
    o.db_instance = "pg-hostile";
    IngestStats s = Run(store, kHostile + "postgres_bad.log", "postgres", o);
    CHECK(Has(store, EntityKind::kIpAddress, "10.0.0.8"));
    CHECK(Has(store, EntityKind::kIpAddress, "10.0.0.9"));
    CHECK(s.rejected >= 2);
  }
  SECTION("tor") {
    MemoryStore store;
    IngestStats s = Run(store, kHostile + "tor_bad.txt", "threat_intel");
    CHECK(Has(store, EntityKind::kIpAddress, "185.241.208.231"));
    CHECK(s.rejected >= 2);
  }
  SECTION("guardduty") {
    MemoryStore store;
    IngestStats s = Run(store, kHostile + "guardduty_wrong_types.json", "guardduty");
    CHECK(Has(store, EntityKind::kFinding, "hostile0000000000000000000000002"));
    CHECK(s.rejected >= 2);
  }
}

TEST_CASE("Hostile: deep nesting, invalid UTF-8 and NUL bytes between good records", "[ingest][hostile]") {
  TempDir dir;
  static const char kNul[] = "{\"eventVersion\":\"1.09\",\"userAgent\":\"nul\0inside\"}\n";
  std::string deep = Good(1) + "{\"eventVersion\":\"1.09\",\"requestParameters\":" + std::string(200000, '[') +
                     std::string(200000, ']') + "}\n" + Good(2) +
                     "{\"eventVersion\":\"1.09\",\"userAgent\":\"\xff\xfe\xc0\xaf bad utf8\",\"eventTime\":\"2026-11-01T10:00:00Z\"}\n" +
                     std::string(kNul, sizeof kNul - 1) + Good(3);
  std::ofstream(dir / "deep.json", std::ios::binary) << deep;
  MemoryStore store;
  IngestStats s = Run(store, dir / "deep.json", "cloudtrail");
  for (int i : {1, 2, 3}) CHECK(Has(store, EntityKind::kIamUser, User(i)));
  CHECK(s.rejected >= 2);
}

TEST_CASE("Hostile: a 100 MB string field is rejected with bounded memory", "[ingest][hostile]") {
  TempDir dir;
  {
    std::ofstream out(dir / "huge.json", std::ios::binary);
    out << Good(1) << "{\"eventVersion\":\"1.09\",\"userAgent\":\"";
    std::string chunk(1 << 20, 'A');
    for (int i = 0; i < 100; ++i) out << chunk;
    out << "\",\"eventTime\":\"2026-11-01T10:00:00Z\"}\n" << Good(2);
  }
  long before = PeakRssMb();
  MemoryStore store;
  IngestStats s = Run(store, dir / "huge.json", "cloudtrail");
  CHECK(Has(store, EntityKind::kIamUser, User(1)));
  CHECK(Has(store, EntityKind::kIamUser, User(2)));
  CHECK(s.rejected == 1);
  CHECK(ExampleMentions(s, "huge.json:2"));
  CHECK(PeakRssMb() - before < 200);
}

TEST_CASE("Hostile: a 2 GB single-line file streams with bounded memory", "[ingest][hostile][slow]") {
  TempDir dir;
  {
    std::ofstream out(dir / "line.json", std::ios::binary);
    out << "{\"eventVersion\":\"1.09\",\"userAgent\":\"";
    std::string chunk(8 << 20, 'B');
    for (int i = 0; i < 256; ++i) out << chunk;
    out << "\"}\n" << Good(7);
  }
  long before = PeakRssMb();
  MemoryStore store;
  IngestStats s = Run(store, dir / "line.json", "cloudtrail");
  CHECK(Has(store, EntityKind::kIamUser, User(7)));
  CHECK(s.rejected == 1);
  CHECK(PeakRssMb() - before < 200);
}

TEST_CASE("Hostile: broken gzip tail and gzip bomb are file errors naming the file", "[ingest][hostile]") {
  TempDir dir;
  std::string body = Good(1) + Good(2);
  std::string filler;
  for (int i = 100; i < 2100; ++i) filler += Good(i);
  WriteGzip(dir / "broken.json.gz", body + filler);
  fs::resize_file(dir / "broken.json.gz", fs::file_size(dir / "broken.json.gz") - 64);
  MemoryStore store;
  IngestStats s = Run(store, dir / "broken.json.gz", "cloudtrail");
  CHECK(Has(store, EntityKind::kIamUser, User(1)));
  CHECK(Has(store, EntityKind::kIamUser, User(2)));
  REQUIRE(s.file_errors.size() == 1);
  CHECK(s.file_errors[0].find("broken.json.gz") != std::string::npos);

  {
    gzFile f = gzopen((dir / "bomb.json.gz").c_str(), "wb9");
    REQUIRE(f != nullptr);
    std::string line = Good(5);
    gzwrite(f, line.data(), static_cast<unsigned>(line.size()));
    std::string zeros(1 << 20, ' ');
    for (int i = 0; i < 512; ++i) gzwrite(f, zeros.data(), static_cast<unsigned>(zeros.size()));
    gzclose(f);
  }
  IngestOptions o;
  o.max_decompressed_bytes = 64 << 20;
  MemoryStore bomb;
  IngestStats b = Run(bomb, dir / "bomb.json.gz", "cloudtrail", o);
  CHECK(Has(bomb, EntityKind::kIamUser, User(5)));
  REQUIRE(b.file_errors.size() == 1);
  CHECK(b.file_errors[0].find("bomb.json.gz") != std::string::npos);
}
