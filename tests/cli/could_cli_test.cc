// `gumshoe could` through the built binary, on tests/data/iam: a CI key
// (build-bot) whose policies let it pass an admin role to a new instance
// (and it did: RunInstances with that role's instance profile) and assume a
// break-glass admin role (never done). The stolen instance-role session then
// wrote an inline policy on build-bot (PutUserPolicy) granting CreateAccessKey
// on an admin user, and tried to attach AdministratorAccess (denied). A newer
// snapshot, taken after the clean-up, no longer grants PassRole.
#include <string>

#include <catch2/catch.hpp>

#include "cli/cli_harness.h"

namespace gumshoe::cli_test {
namespace {

const std::string kData = GUMSHOE_TEST_DATA "/iam/";

std::string Ingest(const TempDir& dir, const std::string& file, const std::string& extra = "") {
  Run r = Gumshoe(dir, "ingest --db " + Quote(dir.db()) + " " + extra + " " + Quote(kData + file));
  REQUIRE(r.code == 0);
  return r.out;
}

}  // namespace

TEST_CASE("Could CLI: as of the compromise, the exercised PassRole path and the latent AssumeRole path",
          "[cli][could]") {
  TempDir dir;
  Ingest(dir, "authz-2026-11-01.json", "--as-of 2026-11-01T00:00:00Z");
  Ingest(dir, "cloudtrail.json");

  SECTION("before the inline policy was written") {
    Run r = Gumshoe(dir, "could --db " + Quote(dir.db()) + " build-bot --as-of 2026-11-02T09:00:00Z");
    INFO(r.out << r.err);
    REQUIRE(r.code == 0);
    CHECK(Has(r.out, "snapshot: account 111122223333, taken 2026-11-01T00:00:00Z; 0 IAM change(s) replayed after it"));
    CHECK(Has(r.out, "admin-equivalent: yes, in 1 step(s)"));
    CHECK(Has(r.out, "  1. [admin] can act as role arn:aws:iam::111122223333:role/Ec2AdminRole  (observed)"));
    CHECK(Has(r.out, "build-bot can_pass_role_to Ec2AdminRole [CreateEC2WithExistingInstanceProfile]; observed "
                     "cloudtrail:8f0e7c1a-1111-4111-8111-000000000001 at 2026-11-02T10:00:00Z"));
    CHECK(Has(r.out, "  2. [admin] can act as role arn:aws:iam::111122223333:role/BreakGlassAdmin  (could)"));
    CHECK(Has(r.out, "granted by arn:aws:iam::111122223333:user/build-bot/inline/ci Sid BreakGlass"));
    CHECK(!Has(r.out, "ops-admin"));
  }
  SECTION("after it: the replayed change adds a path to the admin user; the denied attach adds nothing") {
    Run r = Gumshoe(dir, "could --db " + Quote(dir.db()) + " AKIAEXAMPLEBUILDBOT1 --as-of 2026-11-03T00:00:00Z --json");
    INFO(r.out << r.err);
    REQUIRE(r.code == 0);
    CHECK(Has(r.out, R"("schema":"gumshoe.could/1")"));
    // The entity object of every --json document (docs/json.md): the key was
    // used at 10:00 (RunInstances) and 10:40 (the denied AttachUserPolicy).
    CHECK(Has(r.out, R"("entity":{"kind":"access_key","key":"AKIAEXAMPLEBUILDBOT1","id":"access_key:AKIAEXAMPLEBUILDBOT1",)"
                     R"("label":"AKIAEXAMPLEBUILDBOT1","first_seen":"2026-11-02T10:00:00Z","last_seen":"2026-11-02T10:40:00Z",)"
                     R"("attrs":{},"tags":[]},"principal":"arn:aws:iam::111122223333:user/build-bot")"));
    CHECK(Has(r.out, R"("changes_applied":["cloudtrail:8f0e7c1a-1111-4111-8111-000000000002 PutUserPolicy"])"));
    // ops-admin is only in the snapshot, not in the logs: no times.
    CHECK(Has(r.out, R"("target":{"kind":"iam_user","key":"arn:aws:iam::111122223333:user/ops-admin",)"
                     R"("id":"iam_user:arn:aws:iam::111122223333:user/ops-admin","label":"ops-admin","first_seen":null,)"
                     R"("last_seen":null,"attrs":{},"tags":[]},"admin_equivalent":true,"grants":false,"observed":false)"));
    CHECK(Has(r.out, R"("method":"CreateAccessKey","evidence":["arn:aws:iam::111122223333:user/build-bot/inline/escalate #0"])"));
    CHECK(!Has(r.out, "AttachUserPolicy"));
  }
  SECTION("a newer snapshot answers for later times; the older one still answers as of the compromise") {
    Ingest(dir, "authz-2026-11-20.json", "--as-of 2026-11-20T00:00:00Z");
    Run now = Gumshoe(dir, "could --db " + Quote(dir.db()) + " build-bot");
    INFO(now.out << now.err);
    REQUIRE(now.code == 0);
    CHECK(Has(now.out, "taken 2026-11-20T00:00:00Z; 0 IAM change(s) replayed"));
    CHECK(!Has(now.out, "Ec2AdminRole"));
    CHECK(Has(now.out, "can act as role arn:aws:iam::111122223333:role/BreakGlassAdmin"));
    Run then = Gumshoe(dir, "could --db " + Quote(dir.db()) + " build-bot --as-of 2026-11-02T09:00:00Z");
    CHECK(Has(then.out, "taken 2026-11-01T00:00:00Z"));
    CHECK(Has(then.out, "role/Ec2AdminRole  (observed)"));
  }
  SECTION("the admin role itself is admin by its own policies") {
    Run r = Gumshoe(dir, "could --db " + Quote(dir.db()) + " arn:aws:iam::111122223333:role/BreakGlassAdmin");
    CHECK(r.code == 0);
    CHECK(Has(r.out, "admin-equivalent: yes, by its own policies (arn:aws:iam::aws:policy/AdministratorAccess v1 #0)"));
  }
  SECTION("a name no snapshot holds is an error") {
    Run r = Gumshoe(dir, "could --db " + Quote(dir.db()) + " nobody-at-all");
    CHECK(r.code != 0);
  }
}

TEST_CASE("Could CLI: a store without snapshots says how to get one", "[cli][could]") {
  TempDir dir;
  Ingest(dir, "cloudtrail.json");
  Run r = Gumshoe(dir, "could --db " + Quote(dir.db()) + " build-bot");
  CHECK(r.code != 0);
  CHECK(Has(r.err, "get-account-authorization-details"));
}

}  // namespace gumshoe::cli_test

namespace gumshoe::cli_test {

TEST_CASE("Could CLI: investigate shows the exercised escalation with its event and the latent one",
          "[cli][could][investigate]") {
  TempDir dir;
  REQUIRE(Gumshoe(dir, "ingest --db " + Quote(dir.db()) + " --as-of 2026-11-01T00:00:00Z " +
                           Quote(GUMSHOE_TEST_DATA "/iam/authz-2026-11-01.json")).code == 0);
  REQUIRE(Gumshoe(dir, "ingest --db " + Quote(dir.db()) + " " + Quote(GUMSHOE_TEST_DATA "/iam/cloudtrail.json")).code == 0);
  Run r = Gumshoe(dir, "investigate --db " + Quote(dir.db()) + " AKIAEXAMPLEBUILDBOT1");
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  CHECK(Has(r.out, "LATENT EXPOSURE (what the credentials could still do"));
  CHECK(Has(r.out, "access_key:AKIAEXAMPLEBUILDBOT1 (user build-bot, snapshot of 111122223333 taken "
                   "2026-11-01T00:00:00Z, 1 IAM change(s) replayed): can assume 1 role (1 of them admin-equivalent), "
                   "can create access keys for 1 user (1 of them admin-equivalent) and can pass 1 role to services "
                   "(1 of them admin-equivalent); admin-equivalent in 1 step"));
  CHECK(Has(r.out, "[exercised] admin-equivalent: can act as role Ec2AdminRole: build-bot can_pass_role_to Ec2AdminRole "
                   "[CreateEC2WithExistingInstanceProfile] (cloudtrail:8f0e7c1a-1111-4111-8111-000000000001 at "
                   "2026-11-02T10:00:00Z)"));
  CHECK(Has(r.out, "[latent]    admin-equivalent: can act as role BreakGlassAdmin: build-bot can_assume BreakGlassAdmin [AssumeRole]"));
  Run j = Gumshoe(dir, "investigate --db " + Quote(dir.db()) + " AKIAEXAMPLEBUILDBOT1 --json");
  REQUIRE(j.code == 0);
  CHECK(Has(j.out, R"("latent_exposure":[{"credential":{"kind":"access_key","key":"AKIAEXAMPLEBUILDBOT1",)"
                   R"("id":"access_key:AKIAEXAMPLEBUILDBOT1")"));
  CHECK(Has(j.out, R"("method":"CreateEC2WithExistingInstanceProfile")"));
}

}  // namespace gumshoe::cli_test
