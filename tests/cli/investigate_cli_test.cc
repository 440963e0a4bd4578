// End-to-end: real-log incident fixtures ingested by `gumshoe ingest`, then
// investigated with `gumshoe investigate | blast-radius | timeline | findings`.
#include <catch2/catch.hpp>

#include "cli_harness.h"

#include <filesystem>
#include <string>

namespace fs = std::filesystem;
using namespace gumshoe::cli_test;

namespace {

const char* kCoinFinding = "9c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f";

}  // namespace

TEST_CASE("Investigate CLI: coin-mining incident logs end to end", "[cli][investigate]") {
  TempDir dir;
  Run ingest = Gumshoe(dir, "ingest --db " + Quote(dir.db()) + " " + Quote(GUMSHOE_TEST_DATA "/incidents/coin_mining"));
  REQUIRE(ingest.code == 0);

  Run inv = Gumshoe(dir, "investigate --db " + Quote(dir.db()) + " " + kCoinFinding);
  INFO(inv.err);
  REQUIRE(inv.code == 0);
  CHECK(Has(inv.out, "CryptoCurrency:EC2/BitcoinTool.B!DNS"));
  // Lineage of the instance back to the user who launched it, and his key.
  CHECK(Has(inv.out, "<- launched iam_user arn:aws:iam::111122223333:user/dev-ops"));
  CHECK(Has(inv.out, "Disable access key AKIAEXAMPLEDEVOPS001 of dev-ops"));
  CHECK(Has(inv.out, "Isolate instance i-0eeeeeeeeeeeeeee1 (us-east-1)"));
  CHECK(Has(inv.out, "-network_flow-> ip_address:192.0.2.201"));
  CHECK(Has(inv.out, "via eni-0eeeeeeeeeeeeeee1  [flows.log:1]"));
  CHECK(Has(inv.out, "impossible_travel: - unavailable (no --mmdb)"));

  Run json = Gumshoe(dir, "investigate --json --db " + Quote(dir.db()) + " " + kCoinFinding);
  REQUIRE(json.code == 0);
  CHECK(json.out.front() == '{');
  CHECK(Has(json.out, "\"action\":\"isolate_instance\""));
  CHECK(Has(json.out, "\"blast_radius\":{"));
  CHECK(Has(json.out, "\"lineages\":[{"));

  fs::path report = dir.path() / "report";
  Run out = Gumshoe(dir, "investigate --db " + Quote(dir.db()) + " " + kCoinFinding + " -o " + Quote(report.string()));
  REQUIRE(out.code == 0);
  CHECK(fs::exists(report / "graph.dot"));
  CHECK(fs::exists(report / "report.md"));
  CHECK(Has(Slurp(report / "report.md"), "Disable access key AKIAEXAMPLEDEVOPS001"));

  Run blast = Gumshoe(dir, "blast-radius --db " + Quote(dir.db()) + " " + kCoinFinding + " --edges network_flow");
  REQUIRE(blast.code == 0);
  CHECK(Has(blast.out, "3 IP addresses contacted"));
  CHECK_FALSE(Has(blast.out, "pool.minexmr.example"));
  Run bad = Gumshoe(dir, "blast-radius --db " + Quote(dir.db()) + " " + kCoinFinding + " --edges nonsense");
  CHECK(bad.code == 2);

  Run timeline = Gumshoe(dir, "timeline --db " + Quote(dir.db()) + " i-0eeeeeeeeeeeeeee1");
  REQUIRE(timeline.code == 0);
  CHECK(Has(timeline.out, "pool.minexmr.example"));
  CHECK(Has(timeline.out, "new"));

  Run groups = Gumshoe(dir, "findings --groups --db " + Quote(dir.db()));
  REQUIRE(groups.code == 0);
  CHECK(Has(groups.out, "group 1: 1 finding(s), severity high"));
}

TEST_CASE("Investigate CLI: maheribra reader session names the attacker and the bucket", "[cli][investigate][shared]") {
  const std::string raw = GUMSHOE_SOURCE_DIR "/../shared/datasets/maheribra-pacu-role-s3-exfil/raw";
  // [shared]: the public datasets must be beside the repository (scripts/test.sh checks).
  REQUIRE(fs::exists(raw));
  TempDir dir;
  REQUIRE(Gumshoe(dir, "ingest --db " + Quote(dir.db()) + " " + Quote(raw)).code == 0);
  Run inv = Gumshoe(dir, "investigate --db " + Quote(dir.db()) +
                             " 'role_session:arn:aws:sts::275023965626:assumed-role/"
                             "aws-attack-chain-lab-vulnerable-role/botocore-session-1785239315'");
  INFO(inv.err);
  REQUIRE(inv.code == 0);
  CHECK(Has(inv.out, "iam_user arn:aws:iam::275023965626:user/aws-attack-chain-lab-attacker"));
  CHECK(Has(inv.out, "-read-> s3_bucket:aws-attack-chain-lab-sensitive-a4d694d045bb26b29bc1375294"));
  CHECK(Has(inv.out, "Disable access key AKIAUACFUVW5KPPHDGME of aws-attack-chain-lab-attacker"));
  CHECK(Has(inv.out, "Review bucket aws-attack-chain-lab-sensitive-a4d694d045bb26b29bc1375294"));
}

TEST_CASE("Investigate CLI: S3 Kali incident reaches the bucket read through the access log", "[cli][investigate]") {
  TempDir dir;
  REQUIRE(Gumshoe(dir, "ingest --db " + Quote(dir.db()) + " " + Quote(GUMSHOE_TEST_DATA "/incidents/s3_kali")).code == 0);
  Run inv = Gumshoe(dir, "investigate --db " + Quote(dir.db()) + " 3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c");
  INFO(inv.err);
  REQUIRE(inv.code == 0);
  CHECK(Has(inv.out, "PenTest:S3/KaliLinux"));
  CHECK(Has(inv.out, "-read-> s3_bucket:finance-reports"));
  CHECK(Has(inv.out, "Disable access key AKIAEXAMPLEKEY000001 of carol"));
  CHECK(Has(inv.out, "Review bucket finance-reports: read by carol"));
  // The logs start in the window: no baseline to call anything new against.
  CHECK(Has(inv.out, "baseline_too_short: - baseline too short (0.0 days of data, fewer than 7)"));
  CHECK_FALSE(Has(inv.out, "new_source_ip:"));
  // --min-baseline-days 0 judges the empty baseline anyway.
  Run lax = Gumshoe(dir, "investigate --min-baseline-days 0 --db " + Quote(dir.db()) + " 3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c");
  REQUIRE(lax.code == 0);
  CHECK(Has(lax.out, "new_source_ip: ip_address:192.0.2.66"));
  CHECK_FALSE(Has(lax.out, "baseline_too_short"));
}
