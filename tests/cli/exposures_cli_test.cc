// Issue 22 end to end: a stolen IAM key (AKIAEXAMPLESTOLEN001 of build-bot)
// reads secrets and an SSM parameter, opens a security group to the
// internet, shares an EBS and an RDS snapshot with an outside account, makes
// an AMI public for a minute, plants a Lambda backdoor (created, made public,
// another function's code replaced), stops the trail; its calls on other
// resources fail (a secret, a security group, a function, a flow log). The
// fixture is tests/data/incidents/stolen_key; every expected line below is
// worked out from its records (event IDs are the records' eventID).
#include <catch2/catch.hpp>

#include "cli_harness.h"

#include <sstream>
#include <string>
#include <vector>

using namespace gumshoe::cli_test;

namespace {

const char* kFinding = "7f3e2d1c0b9a8f7e6d5c4b3a29180716";

}  // namespace

TEST_CASE("Exposures CLI: investigate lists every exposure of the stolen key with its action and event",
          "[cli][investigate][exposures]") {
  TempDir dir;
  Run ingest = Gumshoe(dir, "ingest --db " + Quote(dir.db()) + " " + Quote(GUMSHOE_TEST_DATA "/incidents/stolen_key"));
  INFO(ingest.err);
  REQUIRE(ingest.code == 0);
  Run inv = Gumshoe(dir, "investigate --db " + Quote(dir.db()) + " " + kFinding);
  INFO(inv.out);
  INFO(inv.err);
  REQUIRE(inv.code == 0);
  const std::vector<std::string> checklist = {
      "  [ ] Rotate secret prod/db-password-Ab12Cd: its value was read by build-bot at 2024-03-10T10:01:00Z  [cloudtrail:30c5dedf-eb46-6928-6209-5335f66c8926]",
      "  [ ] Rotate secret prod/api-token-Ef34Gh: its value was read by build-bot at 2024-03-10T10:01:01Z  [cloudtrail:94456d68-79d2-9591-12b3-9d65f5d8989a]",
      "  [ ] Rotate secret prod/stripe-key-Ij56Kl: its value was read by build-bot at 2024-03-10T10:01:02Z  [cloudtrail:e6eab608-8f57-c80f-d138-26ea0172a548]",
      "  [ ] Revoke the share of EBS snapshot snap-0123456789abcdef0 with outside account 999988887777: shared by build-bot at 2024-03-10T10:04:00Z  [cloudtrail:6ba76aae-cc50-4c2e-066d-aa1603af9560]",
      "  [ ] Revoke the share of RDS snapshot prod-db-final with outside account 999988887777: shared by build-bot at 2024-03-10T10:04:30Z  [cloudtrail:cdeca58b-36fb-bcf1-36fc-cf29b6a1087c]",
      "  [ ] Revoke the share of Lambda function billing-sync with everyone (public): shared by build-bot at 2024-03-10T10:07:30Z  [cloudtrail:58c2ff03-99d2-04b7-2ad4-2810149904d6]",
      "  [ ] Revoke the rule of security group sg-0a1b2c3d4e5f60718 opening 22/tcp to 0.0.0.0/0 (the internet): added by build-bot at 2024-03-10T10:03:00Z  [cloudtrail:20457d1c-9ad5-8bbb-b7bb-67904d534bf4]",
      "  [ ] Rotate SSM parameter /app/db-pass: read decrypted by build-bot at 2024-03-10T10:02:00Z  [cloudtrail:245495d1-0347-d085-e732-f8830fef7a39]",
      "  [ ] Remove Lambda function billing-sync: created by build-bot at 2024-03-10T10:07:00Z (runs as lambda-admin)  [cloudtrail:3d0f8fb5-48b8-cbe0-a079-15de3f9bed76]",
      "  [ ] Roll back the code or configuration change of Lambda function invoice-render: made by build-bot at 2024-03-10T10:08:00Z  [cloudtrail:62ef22ac-09dc-6562-4265-56f7487f9590]",
      "  [ ] Check what everyone (public) copied of AMI ami-0aaaaaaaaaaaaaaa1: shared by build-bot at 2024-03-10T10:05:00Z, removed at 2024-03-10T10:06:00Z [cloudtrail:f9db04e3-997d-99fc-6cc2-6556807261ee]  [cloudtrail:8970106e-0ea8-f4ab-4828-9a4cb771be34]",
      "  [ ] Account for the evidence gap of CloudTrail trail org-trail: StopLogging by build-bot at 2024-03-10T10:09:00Z, restarted at 2024-03-10T11:30:00Z [cloudtrail:297d6084-de89-df03-2b41-1ce4cb8fbf3e]; it recorded nothing from 2024-03-10T10:09:00Z to 2024-03-10T11:30:00Z: look for that span in other trails or sources  [cloudtrail:b6dc5a8b-6452-2023-edac-a445ded483f5]",
  };
  const std::string summary = "EXPOSURES (3 secrets read, 1 SSM parameter read, 2 snapshots shared with 1 outside account, 1 AMI made public, 1 Lambda function made public, 1 security group opened to the internet on 22/tcp, 1 Lambda function created, 1 Lambda function changed, 1 trail stopped or narrowed, 4 denied calls)";
  const std::vector<std::string> denied = {
      "  denied: DeleteFunction20150331 x1 on lambda_function:arn:aws:lambda:us-east-1:111122223333:function:payments-api by iam_user:arn:aws:iam::111122223333:user/build-bot  [cloudtrail:e265fb81-4c7d-03cd-9fc8-ce61bf858635]",
      "  denied: GetSecretValue x1 on secret:arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/root-ca-Mn78Op by iam_user:arn:aws:iam::111122223333:user/build-bot  [cloudtrail:2c5d9a0e-728b-acdd-b644-10accd3d11b1]",
      "  denied: AuthorizeSecurityGroupIngress x1 on security_group:sg-0fedcba9876543210 by iam_user:arn:aws:iam::111122223333:user/build-bot  [cloudtrail:63d1a20a-8d42-f955-bfe8-48d03412cabe]",
      "  denied: DeleteFlowLogs x1 on flow_log:fl-0123456789abcdef0 by iam_user:arn:aws:iam::111122223333:user/build-bot  [cloudtrail:6a96b002-7779-807b-eb3e-58d449ea5913]",
  };
  auto has_line = [&](const std::string& l) { return Has("\n" + inv.out, "\n" + l + "\n"); };
  CHECK(has_line(summary));
  for (const std::string& l : checklist) CHECK(has_line(l));
  for (const std::string& l : denied) CHECK(has_line(l));
  // The resources it only failed to touch are in no exposure and no checklist line.
  size_t checklist_at = inv.out.find("RESPONSE CHECKLIST");
  REQUIRE(checklist_at != std::string::npos);
  size_t exposures_at = inv.out.find("EXPOSURES (");
  REQUIRE(exposures_at != std::string::npos);
  std::istringstream lines(inv.out.substr(exposures_at));
  std::string line;
  int exposure_lines = 0;
  while (std::getline(lines, line) && !line.empty()) {
    if (line.rfind("  denied: ", 0) == 0 || line.rfind("EXPOSURES", 0) == 0) continue;
    ++exposure_lines;
    for (const char* untouched : {"prod/root-ca", "sg-0fedcba9876543210", "payments-api", "fl-0123456789abcdef0"})
      CHECK_FALSE(Has(line, untouched));
  }
  CHECK(exposure_lines == 12);  // 3 secrets, 1 parameter, 4 shares, 1 rule, 1 function, 1 code change, 1 gap
  std::string actions = inv.out.substr(checklist_at);
  for (const char* untouched : {"prod/root-ca", "sg-0fedcba9876543210", "payments-api", "fl-0123456789abcdef0"})
    CHECK_FALSE(Has(actions, untouched));

  Run json = Gumshoe(dir, "investigate --json --db " + Quote(dir.db()) + " " + kFinding);
  REQUIRE(json.code == 0);
  CHECK(Has(json.out, "\"action\":\"rotate_secret\""));
  CHECK(Has(json.out, "\"action\":\"revoke_share\""));
  CHECK(Has(json.out, "\"action\":\"revoke_rule\""));
  CHECK(Has(json.out, "\"action\":\"remove_function\""));
  CHECK(Has(json.out, "\"exposures\":{\"summary\":\"3 secrets read,"));
}
