// `gumshoe ingest` options for threat lists without dates (issue 20.11/21.9).
#include <catch2/catch.hpp>

#include "cli_harness.h"

#include <filesystem>
#include <fstream>
#include <string>

namespace fs = std::filesystem;
using namespace gumshoe::cli_test;

TEST_CASE("CLI: --listed-at and --window-hours date a threat list, bad values are refused", "[cli]") {
  TempDir dir;
  const std::string db = "--db " + Quote((dir.path() / "db").string());
  const fs::path list = dir.path() / "bad-actors.txt";
  std::ofstream(list) << "198.51.100.23\n";

  Run bad_time = Gumshoe(dir, "ingest " + db + " --listed-at yesterday-ish " + Quote(list.string()));
  CHECK(bad_time.code != 0);
  CHECK(bad_time.err.find("--listed-at") != std::string::npos);
  Run too_wide = Gumshoe(dir, "ingest " + db + " --window-hours 20000 " + Quote(list.string()));
  CHECK(too_wide.code != 0);
  CHECK(too_wide.err.find("--window-hours") != std::string::npos);

  Run ok = Gumshoe(dir, "ingest --json " + db + " --list-name alpha --listed-at 2024-03-10T12:00:00Z --window-hours 2 " +
                            Quote(list.string()));
  INFO(ok.err);
  REQUIRE(ok.code == 0);
  CHECK(ok.out.find("\"records_ok\":1") != std::string::npos);
  // The same file under another name is another listing, not a duplicate.
  Run other = Gumshoe(dir, "ingest --json " + db + " --list-name beta " + Quote(list.string()));
  REQUIRE(other.code == 0);
  CHECK(other.out.find("\"records_ok\":1") != std::string::npos);
  CHECK(other.out.find("\"duplicates\":0") != std::string::npos);
  Run pivot = Gumshoe(dir, "pivot --json " + db + " ip_address:198.51.100.23");
  REQUIRE(pivot.code == 0);
  CHECK(pivot.out.find("alpha") != std::string::npos);
  CHECK(pivot.out.find("beta") != std::string::npos);
}
