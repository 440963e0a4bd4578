// End-to-end tests of the `gumshoe` command on temporary stores.
#include <catch2/catch.hpp>

#include "cli_harness.h"

#include <filesystem>
#include <fstream>
#include <string>

namespace fs = std::filesystem;
using namespace gumshoe::cli_test;

namespace {

const std::string kData = GUMSHOE_TEST_DATA;

}  // namespace

TEST_CASE("CLI: ingest, stats, entities, show and pivot on a temp store", "[cli]") {
  TempDir dir;
  std::string db = "--db " + Quote((dir.path() / "db").string());
  Run ingest = Gumshoe(dir, "ingest " + db + " " + Quote(kData + "/embed/cloudtrail.json"));
  INFO(ingest.err);
  REQUIRE(ingest.code == 0);
  CHECK(ingest.out.find("ok 3") != std::string::npos);

  Run again = Gumshoe(dir, "ingest --json " + db + " " + Quote(kData + "/embed/cloudtrail.json"));
  REQUIRE(again.code == 0);
  CHECK(again.out.find("\"duplicates\":3") != std::string::npos);
  CHECK(again.out.find("\"records_ok\":0") != std::string::npos);

  Run stats = Gumshoe(dir, "stats --json " + db);
  REQUIRE(stats.code == 0);
  CHECK(stats.out.find("\"iam_user\":1") != std::string::npos);
  CHECK(stats.out.find("\"ip_address\":2") != std::string::npos);

  Run entities = Gumshoe(dir, "entities " + db + " --kind ip_address");
  REQUIRE(entities.code == 0);
  CHECK(entities.out.find("198.51.100.10") != std::string::npos);
  CHECK(entities.out.find("203.0.113.77") != std::string::npos);

  Run show = Gumshoe(dir, "show " + db + " arn:aws:iam::111122223333:user/alice");
  REQUIRE(show.code == 0);
  CHECK(show.out.find("IAM user arn:aws:iam::111122223333:user/alice") != std::string::npos);

  Run pivot = Gumshoe(dir, "pivot " + db + " AKIAEXAMPLEALICE0001");
  INFO(pivot.err);
  REQUIRE(pivot.code == 0);
  CHECK(pivot.out.find("alice") != std::string::npos);

  Run windowed = Gumshoe(dir, "pivot --json " + db + " --since 2026-11-02T18:00:00Z --edge called_from iam_user:arn:aws:iam::111122223333:user/alice");
  REQUIRE(windowed.code == 0);
  CHECK(windowed.out.find("203.0.113.77") != std::string::npos);
  CHECK(windowed.out.find("198.51.100.10") == std::string::npos);

  SECTION("unknown entity is a one-line error, exit 1") {
    Run r = Gumshoe(dir, "pivot " + db + " i-0000000000000dead");
    CHECK(r.code == 1);
    CHECK(r.err.find("no entity matches") != std::string::npos);
    CHECK(r.err.find('\n') == r.err.size() - 1);
  }
  SECTION("bad window is a usage error, exit 2") {
    Run r = Gumshoe(dir, "pivot " + db + " --since yesterday AKIAEXAMPLEALICE0001");
    CHECK(r.code == 2);
  }
  SECTION("terminal escapes in arguments are neutralised in errors") {
    Run r = Gumshoe(dir, "show " + db + " " + Quote("evil\x1b]8;;http://x\x07name"));
    CHECK(r.code == 1);
    CHECK(r.err.find('\x1b') == std::string::npos);
    CHECK(r.err.find("\\x1b") != std::string::npos);
  }
}

TEST_CASE("CLI: missing and corrupt stores, usage errors", "[cli]") {
  TempDir dir;
  Run missing = Gumshoe(dir, "stats --db " + Quote((dir.path() / "nope").string()));
  CHECK(missing.code == 1);
  CHECK(missing.err.find("no gumshoe store") != std::string::npos);

  fs::create_directories(dir.path() / "junk");
  std::ofstream(dir.path() / "junk" / "CURRENT") << "garbage\n";
  Run corrupt = Gumshoe(dir, "stats --db " + Quote((dir.path() / "junk").string()));
  CHECK(corrupt.code == 1);
  CHECK(corrupt.err.find("gumshoe: ") == 0);

  Run usage = Gumshoe(dir, "pivot");
  CHECK(usage.code == 2);
  Run unknown = Gumshoe(dir, "frobnicate");
  CHECK(unknown.code == 2);
  Run help = Gumshoe(dir, "pivot --help");
  CHECK(help.code == 0);
  CHECK(help.out.find("--since") != std::string::npos);
}

TEST_CASE("CLI: a missing input file is an error naming it, other files still ingest", "[cli]") {
  TempDir dir;
  std::string db = "--db " + Quote((dir.path() / "db").string());
  Run r = Gumshoe(dir, "ingest " + db + " " + Quote((dir.path() / "missing.json").string()) + " " +
                           Quote(kData + "/embed/cloudtrail.json"));
  CHECK(r.code == 3);  // partial: one input could not be read (issue 21.5 / 24 exit codes)
  CHECK(r.err.find("missing.json") != std::string::npos);
  Run stats = Gumshoe(dir, "stats --json " + db);
  CHECK(stats.out.find("\"iam_user\":1") != std::string::npos);
}

TEST_CASE("CLI: ingest folds rejected inbound probes into 0.0.0.0/0 unless --keep-probes", "[cli]") {
  TempDir dir;
  std::string folded = "--db " + Quote((dir.path() / "folded").string());
  std::string kept = "--db " + Quote((dir.path() / "kept").string());
  const std::string flows = Quote(kData + "/vpc_flow/v2_default.log");
  // The fixture has 3 malformed lines among its records: a partial ingest (exit 3).
  REQUIRE(Gumshoe(dir, "ingest " + folded + " " + flows).code == 3);
  Run r = Gumshoe(dir, "ingest --keep-probes " + kept + " " + flows);
  INFO(r.err);
  REQUIRE(r.code == 3);

  // The probe from 203.0.113.77 is folded: no entity for the scanner.
  Run entities = Gumshoe(dir, "entities " + folded + " --kind ip_network");
  REQUIRE(entities.code == 0);
  CHECK(entities.out.find("0.0.0.0/0") != std::string::npos);
  Run pivot = Gumshoe(dir, "pivot --json " + folded + " 0.0.0.0/0");
  INFO(pivot.err);
  REQUIRE(pivot.code == 0);
  CHECK(pivot.out.find("eni-0a1b2c3d4e5f60001") != std::string::npos);
  CHECK(Gumshoe(dir, "show " + folded + " ip_address:203.0.113.77").code == 1);

  Run kept_entities = Gumshoe(dir, "entities " + kept + " --kind ip_address");
  REQUIRE(kept_entities.code == 0);
  CHECK(kept_entities.out.find("203.0.113.77") != std::string::npos);
  Run kept_stats = Gumshoe(dir, "stats --json " + kept);
  REQUIRE(kept_stats.code == 0);
  CHECK(kept_stats.out.find("ip_network") == std::string::npos);
}
