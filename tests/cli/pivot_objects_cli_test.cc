// The pivot table shows what a read/wrote edge moved (issue 20 item 7): object
// data bytes apart from listing and metadata bytes, and the object keys.
#include <catch2/catch.hpp>

#include <string>

#include "cli/cli_harness.h"

namespace gumshoe::cli_test {
namespace {

const std::string kData = GUMSHOE_TEST_DATA;

TEST_CASE("CLI: pivot on a bucket reader shows bytes and object keys in the table", "[cli][s3_objects]") {
  TempDir dir;
  std::string db = "--db " + Quote((dir.path() / "db").string());
  Run ingest = Gumshoe(dir, "ingest " + db + " " + Quote(kData + "/cloudtrail/s3_objects.jsonl"));
  INFO(ingest.err);
  REQUIRE(ingest.code == 0);
  const std::string session = "arn:aws:sts::111122223333:assumed-role/WebAppRole/i-0a1b2c3d4e5f60718";
  Run pivot = Gumshoe(dir, "pivot " + db + " --edge read " + Quote("role_session:" + session));
  INFO(pivot.out << pivot.err);
  REQUIRE(pivot.code == 0);
  CHECK(Has(pivot.out, "moved"));
  CHECK(Has(pivot.out, "exfil-target-bucket"));
  // 89 + 89 + 4096 + 10 bytes of objects; 500 + 524 of listings; 1024 of an ACL read.
  CHECK(Has(pivot.out, "out 4284 B; listings 1024 B; metadata out 1024 B; "));
  // Most bytes first; an object only looked at (HeadObject, GetObjectAcl) has calls, no bytes.
  CHECK(Has(pivot.out, "object reports/q1.csv x1 4096 B; object ring.txt x2 178 B; "
                       "object from-resources.txt x1 10 B; object reports/q2.csv x2"));
  CHECK_FALSE(Has(pivot.out, "secret/keys.txt"));  // the denied GetObject reached nothing

  Run wrote = Gumshoe(dir, "pivot " + db + " --edge wrote " + Quote("role_session:" + session));
  REQUIRE(wrote.code == 0);
  CHECK(Has(wrote.out, "in 2048 B; object drop/payload.bin x1 2048 B"));

  // Edges that move nothing keep the old table (no empty column).
  Run api = Gumshoe(dir, "pivot " + db + " --edge called_from " + Quote("role_session:" + session));
  REQUIRE(api.code == 0);
  CHECK_FALSE(Has(api.out, "moved"));
}

}  // namespace
}  // namespace gumshoe::cli_test
