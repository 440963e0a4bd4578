// End to end, through `gumshoe ingest` of CloudTrail files shaped like real
// records: failed calls are attempts (issue 20 item 1), report sentences read
// in the direction of the event (item 2), DOT draws account clusters.
#include <catch2/catch.hpp>

#include "cli_harness.h"

#include <filesystem>
#include <string>

namespace fs = std::filesystem;
using namespace gumshoe::cli_test;

namespace {
const char* kCiDeploy = "iam_user:arn:aws:iam::111122223333:user/ci-deploy";
const char* kDay = " --since 2026-06-01 --until 2026-06-01T23:59:59Z ";
}  // namespace

TEST_CASE("Trust CLI: denied and failed calls are attempts, never changes", "[cli][attempts]") {
  TempDir dir;
  Run ingest = Gumshoe(dir, "ingest --db " + Quote(dir.db()) + " " + Quote(GUMSHOE_TEST_DATA "/cloudtrail/denied_probe.json"));
  INFO(ingest.err);
  REQUIRE(ingest.code == 0);

  Run inv = Gumshoe(dir, "investigate --db " + Quote(dir.db()) + kDay + Quote(kCiDeploy));
  INFO(inv.out << inv.err);
  REQUIRE(inv.code == 0);
  // Summary: the user and its key; the five failed calls named as attempts.
  CHECK(Has(inv.out,
            "BLAST RADIUS (1 IAM user, 1 access key; attempts that reached nothing: "
            "denied: cloudtrail.amazonaws.com:StopLogging x1 (AccessDenied), "
            "denied: organizations.amazonaws.com:LeaveOrganization x1 (AccessDeniedException), "
            "denied: ec2.amazonaws.com:GetPasswordData x1 (Client.UnauthorizedOperation), "
            "failed: ec2.amazonaws.com:RunInstances x1 (Client.VcpuLimitExceeded), "
            "denied: iam.amazonaws.com:CreateUser x1 (AccessDenied))"));
  CHECK_FALSE(Has(inv.out, "modified"));
  CHECK_FALSE(Has(inv.out, "account:111122223333"));
  CHECK_FALSE(Has(inv.out, "user/svc-backup"));
  // Scores: only the key (authenticated_with, 6 calls, 10:00 in the day).
  CHECK(Has(inv.out, "hop 1  score  10.46  access_key:AKIAQ3EXAMPLECIDEP01"));
  // Checklist: nothing reverted, nobody deleted.
  CHECK_FALSE(Has(inv.out, "Review and revert"));
  CHECK_FALSE(Has(inv.out, "Delete IAM user"));
  CHECK(Has(inv.out, "[ ] Review the failed calls of ci-deploy (they changed nothing): "
                     "denied: cloudtrail.amazonaws.com:StopLogging x1 (AccessDenied)"));
  CHECK(Has(inv.out, "  denied: cloudtrail.amazonaws.com:StopLogging x1 (AccessDenied) by " + std::string(kCiDeploy) +
                         " at 2026-06-01T10:05:00Z  [cloudtrail:3d3d3d3d-0002-4000-8000-000000000002]"));
  // The indicator: denied calls after the key's first use.
  CHECK(Has(inv.out, "failed_api_call: api_call:cloudtrail.amazonaws.com:StopLogging - denied: "
                     "cloudtrail.amazonaws.com:StopLogging x1 (AccessDenied), after the credential's first use at "
                     "2026-06-01T10:00:00Z; nothing was changed"));

  Run json = Gumshoe(dir, "investigate --json --db " + Quote(dir.db()) + kDay + Quote(kCiDeploy));
  REQUIRE(json.code == 0);
  CHECK(Has(json.out, "\"attempts\":[{\"actor\":{\"kind\":\"iam_user\""));
  CHECK(Has(json.out, "\"text\":\"failed: ec2.amazonaws.com:RunInstances x1 (Client.VcpuLimitExceeded)\""));
  CHECK(Has(json.out, "\"sentence\":\"ci-deploy tried to call iam.amazonaws.com:CreateUser (denied: AccessDenied)\""));
  CHECK_FALSE(Has(json.out, "\"action\":\"revert_change\""));
  CHECK_FALSE(Has(json.out, "\"action\":\"delete_user\""));
  CHECK(Has(json.out, "\"action\":\"review_attempts\""));

  Run blast = Gumshoe(dir, "blast-radius --db " + Quote(dir.db()) + kDay + Quote(kCiDeploy));
  REQUIRE(blast.code == 0);
  CHECK(Has(blast.out, "attempts (every call failed: they reached nothing):"));
  CHECK(Has(blast.out, "denied: iam.amazonaws.com:CreateUser x1 (AccessDenied)"));
  CHECK_FALSE(Has(blast.out, "svc-backup"));

  // The pivot still lists the denied CreateUser, marked as an attempt.
  Run pivot = Gumshoe(dir, "pivot --db " + Quote(dir.db()) + kDay + Quote(kCiDeploy));
  REQUIRE(pivot.code == 0);
  CHECK(Has(pivot.out, "arn:aws:iam::111122223333:user/svc-backup  1      0/1 failed (attempt)"));

  fs::path report = dir.path() / "report";
  Run out = Gumshoe(dir, "investigate --db " + Quote(dir.db()) + kDay + Quote(kCiDeploy) + " -o " + Quote(report.string()));
  REQUIRE(out.code == 0);
  std::string md = Slurp(report / "report.md");
  CHECK(Has(md, "## Attempts (failed calls: they reached nothing)"));
  CHECK(Has(md, "| ci-deploy tried to call cloudtrail.amazonaws.com:StopLogging (denied: AccessDenied) | 1 |"));
  CHECK_FALSE(Has(md, "revert"));
}

TEST_CASE("Trust CLI: the report's lineage table reads in the direction of each event", "[cli][edge_text]") {
  TempDir dir;
  REQUIRE(Gumshoe(dir, "ingest --db " + Quote(dir.db()) + " " + Quote(GUMSHOE_TEST_DATA "/cloudtrail/user_chain.json"))
              .code == 0);
  fs::path report = dir.path() / "report";
  Run out = Gumshoe(dir, "investigate --db " + Quote(dir.db()) + " AKIAQ3EXAMPLEEVE0001 -o " + Quote(report.string()));
  INFO(out.err);
  REQUIRE(out.code == 0);
  std::string md = Slurp(report / "report.md");
  INFO(md);
  // admin ran CreateUser mallory (09:00); mallory ran CreateUser eve (09:30)
  // and CreateAccessKey for eve (09:31), returning AKIAQ3EXAMPLEEVE0001.
  CHECK(Has(md, "| admin created IAM user mallory | created | cloudtrail:2c2c2c2c-0001-4000-8000-000000000001 |"));
  CHECK(Has(md, "| mallory created IAM user eve | created | cloudtrail:2c2c2c2c-0003-4000-8000-000000000003 |"));
  CHECK(Has(md, "| mallory created access key AKIAQ3EXAMPLEEVE0001 | created |"));
  CHECK(Has(md, "| access key AKIAQ3EXAMPLEEVE0001 is a credential of IAM user eve |"));
  CHECK_FALSE(Has(md, "eve created"));
  CHECK_FALSE(Has(md, "mallory created IAM user admin"));
  if (fs::exists(report / "report.html")) {
    std::string html = Slurp(report / "report.html");
    CHECK(Has(html, "<td>admin created IAM user mallory</td>"));
  }
  // DOT: one account, boxed by default; --no-clusters on export-dot removes it.
  std::string dot = Slurp(report / "graph.dot");
  CHECK(Has(dot, "label=\"account 111122223333\""));
  CHECK(Has(dot, "label=\"created ×1"));
  Run clustered = Gumshoe(dir, "export-dot --db " + Quote(dir.db()) + " --query lineage AKIAQ3EXAMPLEEVE0001");
  REQUIRE(clustered.code == 0);
  CHECK(Has(clustered.out, "subgraph cluster_account_0 {"));
  CHECK(Has(clustered.out, "label=\"account 111122223333\""));
  Run flat = Gumshoe(dir, "export-dot --no-clusters --db " + Quote(dir.db()) + " --query lineage AKIAQ3EXAMPLEEVE0001");
  REQUIRE(flat.code == 0);
  CHECK_FALSE(Has(flat.out, "cluster_account"));
}
