// On the bundled example incident (examples/incident): a leaked key's
// descendants, a user's roles assumed, and questions started from a bucket.
#include <catch2/catch.hpp>

#include "cli_harness.h"

#include <string>

using namespace gumshoe::cli_test;

TEST_CASE("Lineage CLI: the leaked key's descendants, the user's roles assumed, the bucket's readers",
          "[cli][lineage][resource]") {
  TempDir dir;
  Run ingest = Gumshoe(dir, "ingest --db " + Quote(dir.db()) + " " + Quote(GUMSHOE_SOURCE_DIR "/examples/incident"));
  INFO(ingest.err);
  REQUIRE(ingest.code == 0);
  const std::string db = " --db " + Quote(dir.db()) + " ";

  // ci-deploy's key created svc-backup and its key; that key assumed ops-admin,
  // whose session launched the miners.
  Run down = Gumshoe(dir, "lineage" + db + "AKIA2LEAKEDCIDEPLOY1 --descendants");
  INFO(down.out);
  REQUIRE(down.code == 0);
  CHECK(Has(down.out, "created iam_user arn:aws:iam::111122223333:user/svc-backup"));
  CHECK(Has(down.out, "by iam_user arn:aws:iam::111122223333:user/ci-deploy (signed with this key"));
  CHECK(Has(down.out, "minted access_key ASIA5OPSADMINSESS001"));
  CHECK(Has(down.out, "launched ec2_instance i-0a1b2c3d4e5f60001"));

  Run pivot = Gumshoe(dir, "pivot" + db + Quote("arn:aws:iam::111122223333:user/svc-backup"));
  INFO(pivot.out);
  REQUIRE(pivot.code == 0);
  CHECK(Has(pivot.out, "roles assumed (1;"));
  CHECK(Has(pivot.out, "arn:aws:iam::111122223333:role/ops-admin"));
  CHECK(Has(pivot.out, "sessions started (1;"));
  Run pivot_json = Gumshoe(dir, "pivot --json" + db + Quote("arn:aws:iam::111122223333:user/svc-backup"));
  REQUIRE(pivot_json.code == 0);
  CHECK(Has(pivot_json.out, "\"name\":\"roles_assumed\",\"total\":1"));
  CHECK(Has(pivot_json.out, "\"keys\":[\"AKIA3SVCBACKUPNEWK01\"]"));

  Run timeline = Gumshoe(dir, "timeline" + db + "acme-finance-reports");
  INFO(timeline.out);
  REQUIRE(timeline.code == 0);
  CHECK(Has(timeline.out, "read_by"));
  CHECK(Has(timeline.out, "Touched by (who, when, from where, with which credential):"));
  CHECK(Has(timeline.out, "from 198.51.100.10 with access_key:AKIA2ALICEEXAMPLE001"));

  Run inv = Gumshoe(dir, "investigate" + db + "acme-finance-reports");
  INFO(inv.out);
  REQUIRE(inv.code == 0);
  CHECK_FALSE(Has(inv.out, "no credential involved"));
  CHECK(Has(inv.out, "TOUCHED BY"));
  CHECK(Has(inv.out, "Lineage of access_key:AKIA2ALICEEXAMPLE001"));

  Run blast = Gumshoe(dir, "blast-radius" + db + "acme-finance-reports");
  INFO(blast.out);
  REQUIRE(blast.code == 0);
  CHECK(Has(blast.out, "plus 1 principal(s) that touched it in the window"));
  CHECK(Has(blast.out, "iam_user:arn:aws:iam::111122223333:user/alice"));
}
