// `gumshoe could` and `gumshoe blast-radius --latent` on tests/data/iam/data:
// a leaked key of the user analyst (account 210987654321) read one secret
// and one SSM parameter, wrote another, and tried to read prod/db (AccessDenied: an attempt,
// it reached nothing). Its policies also let it read the acme-reports bucket,
// write the parameter, decrypt with any KMS key, assume the deploy role
// (which writes acme-artifacts and reads prod/db) and create keys for the
// admin ci-admin -- until the SCP that denies iam:CreateAccessKey is ingested.
// A bucket policy opens acme-reports to account 999988887777 and, under
// public/, to anyone; a key policy and a secret policy grant the partner.
#include <string>

#include <catch2/catch.hpp>

#include "cli/cli_harness.h"

namespace gumshoe::cli_test {
namespace {

const std::string kData = GUMSHOE_TEST_DATA "/iam/data/";

void Ingest(const TempDir& dir, const std::string& file, const std::string& extra = "") {
  Run r = Gumshoe(dir, "ingest --db " + Quote(dir.db()) + " " + extra + " " + Quote(kData + file));
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
}

void IngestAll(const TempDir& dir, bool scp) {
  Ingest(dir, "authz-2026-11-01.json", "--as-of 2026-11-01T00:00:00Z");
  Ingest(dir, "cloudtrail.json");
  for (const char* f : {"bucket-policy-acme-reports.json", "key-policy.json", "secret-policy.json"})
    Ingest(dir, f, "--as-of 2026-10-01T00:00:00Z");
  if (scp) Ingest(dir, "scp-deny-keys.json", "--as-of 2026-10-01T00:00:00Z");
}

const std::string kUser = "arn:aws:iam::210987654321:user/analyst";
const std::string kToken = "arn:aws:secretsmanager:us-east-1:210987654321:secret:app/token-AbCdEf";
const std::string kProdDb = "arn:aws:secretsmanager:us-east-1:210987654321:secret:prod/db-Q1w2E3";

}  // namespace

TEST_CASE("Could CLI: can_read / can_write with what was observed, a Deny-blocked read, external grants",
          "[cli][could][resource_access]") {
  TempDir dir;
  IngestAll(dir, false);
  Run r = Gumshoe(dir, "could --db " + Quote(dir.db()) + " AKIAEXAMPLEANALYST01 --as-of 2026-11-06T00:00:00Z");
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  CHECK(Has(r.out, "itself: can_read secret:" + kToken +
                       " [secretsmanager:GetSecretValue]  (observed cloudtrail:9e8d7c6b-2222-4222-8222-000000000001 at "
                       "2026-11-05T10:00:00Z)"));
  CHECK(Has(r.out, "itself: can_write ssm_parameter:arn:aws:ssm:us-east-1:210987654321:parameter/app/db-url "
                   "[ssm:PutParameter]  (could)"));
  CHECK(Has(r.out, "itself: can_read s3_bucket:acme-reports [s3:GetObject, s3:ListBucket]  (could)"));
  // A PutParameter that succeeded exercised can_write; nothing read that parameter.
  CHECK(Has(r.out, "itself: can_write ssm_parameter:arn:aws:ssm:us-east-1:210987654321:parameter/app/feature-flag "
                   "[ssm:PutParameter]  (observed cloudtrail:9e8d7c6b-2222-4222-8222-000000000004 at 2026-11-05T10:06:00Z)"));
  CHECK(Has(r.out, "itself: can_read ssm_parameter:arn:aws:ssm:us-east-1:210987654321:parameter/app/feature-flag "
                   "[ssm:GetParameter]  (could)"));
  // The attempt on prod/db (AccessDenied) is not an observation; the Deny blocks it.
  CHECK(!Has(r.out, "itself: can_read secret:" + kProdDb + " [secretsmanager:GetSecretValue]  ("));
  CHECK(Has(r.out, "itself: can_read secret:" + kProdDb +
                       " [secretsmanager:GetSecretValue] blocked by arn:aws:iam::210987654321:user/analyst/inline/"
                       "read-data Sid DenyProdDb"));
  CHECK(Has(r.out, "as role deploy (path 2): can_read secret:" + kProdDb + " [secretsmanager:GetSecretValue]  (could)"));
  CHECK(Has(r.out, "itself: can_read * every KMS key of its account, and any created later "
                   "[arn:aws:kms:*:210987654321:key/*; 1 known listed]  (could)"));
  CHECK(Has(r.out, "itself: can_read * every secret matching arn:aws:secretsmanager:us-east-1:210987654321:secret:*, and "
                   "any created later [arn:aws:secretsmanager:us-east-1:210987654321:secret:*; 2 known listed; except what "
                   "a Deny, boundary or SCP takes out]  (could)"));
  CHECK(Has(r.out, "anyone (Principal \"*\") can_read arn:aws:s3:::acme-reports [s3:GetObject]  (could)"));
  CHECK(Has(r.out, "account 999988887777 can_read "
                   "arn:aws:kms:us-east-1:210987654321:key/1234abcd-12ab-34cd-56ef-1234567890ab [kms:Decrypt]  (could)"));

  Run j = Gumshoe(dir, "could --db " + Quote(dir.db()) + " analyst --as-of 2026-11-06T00:00:00Z --json");
  INFO(j.out << j.err);
  REQUIRE(j.code == 0);
  // Resources are the contract's entity object (docs/json.md): kind, key, id, label, times.
  CHECK(Has(j.out, R"({"edge":"can_read","as":")" + kUser + R"(","path":null,"resource":{"kind":"secret","key":")" +
                       kToken + R"(","id":"secret:)" + kToken + R"(","label":)"));
  CHECK(Has(j.out, R"(]},"actions":["secretsmanager:GetSecretValue"])"));
  CHECK(Has(j.out, R"("observed":true,"observed_event":{"event":"cloudtrail:9e8d7c6b-2222-4222-8222-000000000001")"));
  CHECK(Has(j.out, R"("blocked_access":[{"edge":"can_read","as":")" + kUser + R"(","resource":{"kind":"secret","key":")" +
                       kProdDb + R"(","id":"secret:)" + kProdDb + R"(","label":)"));
  CHECK(Has(j.out, R"(]},"action":"secretsmanager:GetSecretValue")"));
  CHECK(Has(j.out, R"({"principal":"*","public":true,"edge":"can_read","resource":{"kind":"s3_bucket","key":"acme-reports","id":"s3_bucket:acme-reports","label":"acme-reports",)"));
  CHECK(Has(j.out, R"(]},"owner":"210987654321")"));
  CHECK(Has(j.out, R"("scps_applied":[],"scp_notes":[])"));
}

TEST_CASE("Could CLI: an ingested SCP removes the CreateAccessKey path and says how it was applied", "[cli][could][scp]") {
  TempDir dir;
  IngestAll(dir, false);
  Run before = Gumshoe(dir, "could --db " + Quote(dir.db()) + " analyst --as-of 2026-11-06T00:00:00Z");
  REQUIRE(before.code == 0);
  CHECK(Has(before.out, "analyst can_create_key_for ci-admin [CreateAccessKey]"));
  CHECK(Has(before.out, "admin-equivalent: yes, in 1 step(s)"));
  Ingest(dir, "scp-deny-keys.json", "--as-of 2026-10-01T00:00:00Z");
  Run after = Gumshoe(dir, "could --db " + Quote(dir.db()) + " analyst --as-of 2026-11-06T00:00:00Z");
  INFO(after.out << after.err);
  REQUIRE(after.code == 0);
  CHECK(!Has(after.out, "can_create_key_for"));
  CHECK(Has(after.out, "admin-equivalent: no"));
  CHECK(Has(after.out, "SCP applied: arn:aws:organizations::123456789012:policy/o-exampleorg1/service_control_policy/"
                       "p-denykeys01 (ACCOUNT)"));
  CHECK(Has(after.out, "is attached to ou-ab12-cd34ef56: not applied"));
  CHECK(Has(after.out, "analyst can_assume deploy [AssumeRole]"));
}

TEST_CASE("Blast radius CLI: --latent adds the could-reach marked apart in text, JSON and DOT", "[cli][blast_radius][latent]") {
  TempDir dir;
  IngestAll(dir, true);
  const std::string base = "blast-radius --db " + Quote(dir.db()) + " AKIAEXAMPLEANALYST01";

  Run plain = Gumshoe(dir, base);
  REQUIRE(plain.code == 0);
  CHECK(!Has(plain.out, "could"));

  Run r = Gumshoe(dir, base + " --latent");
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  // The observed part is unchanged: the two reads are rows of the table.
  CHECK(Has(r.out, "1 IAM user, 1 access key, 1 secret read in 1 region (us-east-1), 2 SSM parameters in 1 region (us-east-1)"));
  CHECK(Has(r.out, "could (allowed by the IAM policies as of 2026-11-12T10:07:00Z, the logs show none of it):"));
  CHECK(Has(r.out, "  could  iam_user:" + kUser + " -can_assume-> iam_role:arn:aws:iam::210987654321:role/deploy [AssumeRole]"));
  CHECK(Has(r.out, "  could  iam_role:arn:aws:iam::210987654321:role/deploy -can_write-> s3_bucket:acme-artifacts "
                   "[s3:PutObject, s3:DeleteObject]"));
  CHECK(Has(r.out, "  could  iam_user:" + kUser + " -can_read-> * every KMS key of its account"));
  // What was observed is not repeated as could; the SCP keeps ci-admin out.
  CHECK(!Has(r.out, "-can_read-> secret:" + kToken));
  CHECK(!Has(r.out, "ci-admin"));

  Run j = Gumshoe(dir, base + " --latent --json");
  INFO(j.out << j.err);
  REQUIRE(j.code == 0);
  CHECK(Has(j.out, R"("latent":{"as_of":"2026-11-12T10:07:00Z","snapshots":1,)"));
  // from/to are the contract's entity objects (docs/json.md).
  CHECK(Has(j.out, R"({"observed":false,"edge":"can_assume","from":{"kind":"iam_user","key":")" + kUser +
                       R"(","id":"iam_user:)" + kUser + R"(",)"));
  CHECK(Has(j.out, R"("to":{"kind":"iam_role","key":"arn:aws:iam::210987654321:role/deploy","id":)"));
  CHECK(Has(j.out, R"(]},"method":"AssumeRole")"));
  CHECK(!Has(j.out, R"("observed":true)"));
  CHECK(Has(j.out, R"("nodes":[)"));

  const std::string dot_path = (dir.path() / "latent.dot").string();
  Run d = Gumshoe(dir, base + " --latent --dot " + Quote(dot_path));
  REQUIRE(d.code == 0);
  const std::string dot = Slurp(dot_path);
  CHECK(Has(dot, "[label=\"could can_assume\", tooltip=\"could (not observed): analyst can_assume deploy"));
  CHECK(Has(dot, "style=\"dashed\", color=\"#7e57c2\""));
  // The observed read keeps its solid, labelled edge.
  CHECK(Has(dot, "label=\"read ×1"));
  Run nodot = Gumshoe(dir, base + " --dot " + Quote((dir.path() / "plain.dot").string()));
  REQUIRE(nodot.code == 0);
  CHECK(!Has(Slurp(dir.path() / "plain.dot"), "could "));
}

}  // namespace gumshoe::cli_test
