// `gumshoe blast-radius` from an entity on the bundled example incident
// (examples/incident): the default window walks forward past the entity's
// last activity.
#include <catch2/catch.hpp>

#include "cli_harness.h"

#include <filesystem>
#include <string>

namespace fs = std::filesystem;
using namespace gumshoe::cli_test;

TEST_CASE("Blast radius CLI: from the leaked key, the default window reaches instances launched later",
          "[cli][blast_radius]") {
  TempDir dir;
  Run ingest = Gumshoe(dir, "ingest --db " + Quote(dir.db()) + " " + Quote(GUMSHOE_SOURCE_DIR "/examples/incident"));
  INFO(ingest.err);
  REQUIRE(ingest.code == 0);

  // The key's last call (CreateAccessKey for svc-backup, 08:03) comes before
  // the session it led to launches the miners (08:10-08:17).
  Run blast = Gumshoe(dir, "blast-radius --db " + Quote(dir.db()) + " AKIA2LEAKEDCIDEPLOY1");
  INFO(blast.out);
  INFO(blast.err);
  REQUIRE(blast.code == 0);
  CHECK(Has(blast.out, "svc-backup"));
  CHECK(Has(blast.out, "ASIA5OPSADMINSESS001"));
  for (const char* instance : {"i-0a1b2c3d4e5f60001", "i-0a1b2c3d4e5f60002", "i-0b2c3d4e5f6a70003", "i-0c3d4e5f6a7b80004"})
    CHECK(Has(blast.out, instance));
  CHECK(Has(blast.out, "4 EC2 instances launched in 3 regions"));

  // An explicit end is kept: nothing launched after it.
  Run pinned = Gumshoe(dir, "blast-radius --db " + Quote(dir.db()) + " AKIA2LEAKEDCIDEPLOY1 --until 2026-11-02T08:05:00Z");
  REQUIRE(pinned.code == 0);
  CHECK(Has(pinned.out, "svc-backup"));
  CHECK_FALSE(Has(pinned.out, "i-0a1b2c3d4e5f60001"));
}
