#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <rapidjson/document.h>

#include "gumshoe/memory_store.h"
#include "gumshoe/normalize.h"
#include "ingest/parser_test_util.h"
#include "ingest/test_context.h"
#include "registry.h"

namespace gumshoe::ingest {
namespace {

using testing::TestContext;

using testing::Counter;
using testing::CountEdges;
using testing::Eni;
using testing::FeedJsonLines;
using testing::FindEdge;
using testing::Instance;
using testing::Ip;
using testing::Ok;
using testing::ReadFile;
using testing::Rejected;

std::unique_ptr<FileParser> NewParser() {
  return NewS3AccessIngestor()->NewParser(FileInfo{"access.log", false}, IngestOptions{});
}

EntityRef Ref(EntityKind kind, std::string_view raw) {
  Result<std::string> key = NormalizeKey(kind, raw);
  REQUIRE(key.ok());
  return EntityRef{kind, *key};
}

const EntityRef kBucket = {EntityKind::kS3Bucket, "finance-reports"};

TEST_CASE("S3Access: requesters and remote IPs read and write the bucket", "[ingest][s3_access]") {
  TestContext ctx("access.log");
  auto parser = NewParser();
  ctx.FeedLines(*parser, ReadFile(GUMSHOE_TEST_DATA "/s3_access/access.log"));
  CHECK(Ok(ctx) == 5);
  CHECK(ctx.duplicates == 1);
  CHECK(ctx.reject_lines["wrong_field_count"] == std::set<uint64_t>{7});
  CHECK(ctx.reject_lines["bad_ip"] == std::set<uint64_t>{8});
  CHECK(ctx.reject_lines["bad_number"] == std::set<uint64_t>{9});
  CHECK(ctx.reject_lines["bad_time"] == std::set<uint64_t>{10});
  CHECK(ctx.reject_lines["unterminated_field"] == std::set<uint64_t>{11});

  MemoryStore store;
  REQUIRE(store.Apply(ctx.delta_).ok());
  EntityRef carol = {EntityKind::kIamUser, "arn:aws:iam::111122223333:user/carol"};
  auto read = FindEdge(store, carol, EdgeKind::kRead, kBucket);
  REQUIRE(read);
  CHECK(read->count == 2);
  CHECK(read->success == 2);
  CHECK(Counter(*read, "op:REST.GET.OBJECT") == 2);
  CHECK(Counter(*read, "bytes_out") == 113 + 2048);
  CHECK(read->first_seen == 1700001001);  // 14/Nov/2023:22:30:01 +0000
  auto by_ip = FindEdge(store, Ip("192.0.2.66"), EdgeKind::kRead, kBucket);
  REQUIRE(by_ip);
  CHECK(by_ip->count == 2);
  CHECK(FindEdge(store, carol, EdgeKind::kCalledFrom, Ip("192.0.2.66")));
  CHECK(CountEdges(store, carol, EdgeKind::kUsedAgent) == 1);

  auto anon = FindEdge(store, EntityRef{EntityKind::kAccount, "ANONYMOUS_PRINCIPAL"}, EdgeKind::kRead, kBucket);
  REQUIRE(anon);
  CHECK(anon->failure == 1);

  EntityRef session = {EntityKind::kRoleSession, "arn:aws:sts::111122223333:assumed-role/batch-worker/i-0eeeeeeeeeeeeeee1"};
  auto wrote = FindEdge(store, session, EdgeKind::kWrote, kBucket);
  REQUIRE(wrote);
  CHECK(Counter(*wrote, "op:REST.PUT.OBJECT") == 1);
  CHECK(Counter(*wrote, "bytes_in") == 4406583);
  CHECK_FALSE(FindEdge(store, session, EdgeKind::kRead, kBucket));

  auto lifecycle = FindEdge(store, Ref(EntityKind::kAwsService, "AmazonS3"), EdgeKind::kWrote, kBucket);
  REQUIRE(lifecycle);
  CHECK(Counter(*lifecycle, "op:S3.EXPIRE.OBJECT") == 1);
}

TEST_CASE("S3Access: Panther JSON form", "[ingest][s3_access]") {
  TestContext ctx("panther.jsonl");
  auto parser = NewParser();
  FeedJsonLines(*parser, ctx, ReadFile(GUMSHOE_TEST_DATA "/s3_access/panther.jsonl"));
  CHECK(Ok(ctx) == 2);
  CHECK(ctx.rejects["missing_bucket"] == 1);
  CHECK(ctx.rejects["bad_number"] == 1);
  CHECK(ctx.anomalies["canonical_requester"] == 1);
  MemoryStore store;
  REQUIRE(store.Apply(ctx.delta_).ok());
  EntityRef alice = {EntityKind::kRoleSession, "arn:aws:sts::111122223333:assumed-role/analyst/alice"};
  auto read = FindEdge(store, alice, EdgeKind::kRead, kBucket);
  REQUIRE(read);
  CHECK(Counter(*read, "bytes_out") == 113);
  CHECK(read->first_seen == 1700001600);  // 2023-11-14 22:40:00
  CHECK(FindEdge(store, Ip("192.0.2.67"), EdgeKind::kRead, kBucket));
}

TEST_CASE("S3Access: every prefix of every fixture line is kept or rejected, never crashes", "[ingest][s3_access]") {
  std::istringstream in(ReadFile(GUMSHOE_TEST_DATA "/s3_access/access.log"));
  std::string line;
  auto parser = NewParser();
  TestContext ctx;
  int fed = 0;
  while (std::getline(in, line)) {
    for (size_t n = 0; n <= line.size(); ++n) {
      ++ctx.pos_.line;
      parser->OnLine(std::string_view(line).substr(0, n), ctx);
      ++fed;
    }
  }
  // Empty lines are skipped; everything else is accounted for.
  CHECK(ctx.begun + Rejected(ctx) >= fed - 11);
}

TEST_CASE("S3Access: sniffing", "[ingest][s3_access]") {
  auto ingestor = NewS3AccessIngestor();
  CHECK(ingestor->Sniff("x", "79a59df9 DOC-EXAMPLE-BUCKET1 [06/Feb/2019:00:00:38 +0000] 192.0.2.3 x y\n") >= 90);
  CHECK(ingestor->Sniff("x", "2 111122223333 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 2 3 4 ACCEPT OK\n") == 0);
}

TEST_CASE("S3Access: real Panther sample", "[ingest][s3_access][shared]") {
  const std::string dir = GUMSHOE_SOURCE_DIR "/../shared/datasets";
  // [shared]: the public datasets must be beside the repository (scripts/test.sh checks).
  REQUIRE(std::filesystem::exists(dir));
  TestContext ctx("AWS_S3ServerAccess.jsonl");
  auto parser = NewParser();
  FeedJsonLines(*parser, ctx, ReadFile(dir + "/panther-rule-test-fixtures/AWS_S3ServerAccess.jsonl"));
  CHECK(ctx.begun + Rejected(ctx) == 16);
  CHECK(Ok(ctx) == 11);
  CHECK(ctx.rejects["missing_operation"] == 5);  // partial records: bucket and IP only
  MemoryStore store;
  REQUIRE(store.Apply(ctx.delta_).ok());
  CHECK(FindEdge(store, EntityRef{EntityKind::kIamUser, "arn:aws:iam::123456789012:user/jim-bob"}, EdgeKind::kRead,
                 EntityRef{EntityKind::kS3Bucket, "panther-bootstrap-processeddata-af1341jak"}));
}

}  // namespace
}  // namespace gumshoe::ingest
