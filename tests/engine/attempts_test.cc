// A failed call is never a change: the edges CloudTrail ingest writes for
// calls with an errorCode (outcome -1 on the actor edges, the event's own
// edge, and called_api with counter error:<code>) reach nothing in the blast
// radius, feed no checklist rule, and are listed and flagged as attempts.
#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>

#include "engine/incident_fixtures.h"
#include "gumshoe/edge_text.h"
#include "gumshoe/indicators.h"
#include "gumshoe/investigate.h"
#include "gumshoe/lineage.h"
#include "gumshoe/memory_store.h"

using namespace gumshoe;
using namespace gumshoe::testing;

namespace {

const EntityRef kCiDeploy = User("ci-deploy");
const EntityRef kCiKey = Key("AKIAEXAMPLECIDEPLOY1");
const EntityRef kSvcBackup = User("svc-backup");
const EntityRef kAccount{EntityKind::kAccount, "111122223333"};
const char* kAgent = "aws-cli/2.15.30 Python/3.11.8 Linux/6.5.0";
const char* kIp = "203.0.113.50";

// What Record::ActorEdges writes for one call of ci-deploy signed with its
// key: outcome +1, or -1 and counter error:<code> when errorCode is present.
void CiCall(GraphDelta& d, const std::string& api, Timestamp t, const std::string& event_id,
            const std::string& error_code = "") {
  int outcome = error_code.empty() ? +1 : -1;
  std::string ev = "cloudtrail:" + event_id;
  d.AddEdge(kCiDeploy, EdgeKind::kInAccount, kAccount, {t, 0, ev});
  d.AddEdge(kCiDeploy, EdgeKind::kCalledFrom, Ip(kIp), {t, outcome, ev});
  d.AddEdge(kCiDeploy, EdgeKind::kUsedAgent, Agent(kAgent), {t, outcome, ev});
  d.AddEdge(kCiDeploy, EdgeKind::kAuthenticatedWith, kCiKey, {t, outcome, ev});
  d.AddEdge(kCiKey, EdgeKind::kCredentialOf, kCiDeploy, {t, 0, ev});
  d.AddEdge(kCiKey, EdgeKind::kCalledFrom, Ip(kIp), {t, outcome, ev});
  EdgeStats& s = d.AddEdge(kCiDeploy, EdgeKind::kCalledApi, Api(api), {t, outcome, ev});
  if (!error_code.empty()) s.counters["error:" + error_code] += 1;
}

// 2026-06-01: ci-deploy's key is used once (GetCallerIdentity, ok), then
// probes: StopLogging AccessDenied (DefenseEvasion: ci-deploy -modified->
// account, failed), LeaveOrganization AccessDenied and GetPasswordData
// Client.UnauthorizedOperation (no handler: called_api only), RunInstances
// Client.VcpuLimitExceeded (no instancesSet: no launched edge), CreateUser
// svc-backup AccessDenied (userName in requestParameters: -created-> the
// user, failed; no created_by_event, no in_account).
Status BuildProbe(MemoryStore& store) {
  GraphDelta d;
  CiCall(d, "sts.amazonaws.com:GetCallerIdentity", T("2026-06-01T10:00:00Z"), "ev-gci");
  CiCall(d, "cloudtrail.amazonaws.com:StopLogging", T("2026-06-01T10:05:00Z"), "ev-stop", "AccessDenied");
  EdgeStats& stop = d.AddEdge(kCiDeploy, EdgeKind::kModified, kAccount, {T("2026-06-01T10:05:00Z"), -1, "cloudtrail:ev-stop"});
  stop.counters["op:StopLogging"] += 1;
  stop.counters["target:management-events"] += 1;
  CiCall(d, "organizations.amazonaws.com:LeaveOrganization", T("2026-06-01T10:06:00Z"), "ev-leave", "AccessDenied");
  CiCall(d, "ec2.amazonaws.com:GetPasswordData", T("2026-06-01T10:07:00Z"), "ev-pwd", "Client.UnauthorizedOperation");
  CiCall(d, "ec2.amazonaws.com:RunInstances", T("2026-06-01T10:08:00Z"), "ev-run", "Client.VcpuLimitExceeded");
  CiCall(d, "iam.amazonaws.com:CreateUser", T("2026-06-01T10:09:00Z"), "ev-cu", "AccessDenied");
  d.AddEdge(kCiDeploy, EdgeKind::kCreated, kSvcBackup, {T("2026-06-01T10:09:00Z"), -1, "cloudtrail:ev-cu"});
  return store.Apply(d);
}

InvestigateOptions Day() {
  InvestigateOptions o;
  o.window = {T("2026-06-01T00:00:00Z"), T("2026-06-01T23:59:59Z")};
  return o;
}

std::vector<std::string> Actions(const Investigation& inv, const std::string& action) {
  std::vector<std::string> out;
  for (const auto& c : inv.checklist)
    if (c.action == action) out.push_back(c.text);
  return out;
}

std::string Plain(std::string_view s) { return std::string(s); }

}  // namespace

TEST_CASE("Attempts: IsAttempt is 'some failure, no success', facts are never attempts", "[engine][attempts]") {
  EdgeStats s;
  CHECK_FALSE(IsAttempt(s));
  ObserveEdge(s, T("2026-06-01T10:05:00Z"), -1, "cloudtrail:a", 1);
  CHECK(IsAttempt(s));
  ObserveEdge(s, T("2026-06-01T11:05:00Z"), +1, "cloudtrail:b", 1);
  CHECK_FALSE(IsAttempt(s));  // succeeded once: a change, in any window
  EdgeStats fact;
  ObserveEdge(fact, T("2026-06-01T10:05:00Z"), 0, "cloudtrail:c", 1);
  CHECK_FALSE(IsAttempt(fact));
}

TEST_CASE("Attempts: denied StopLogging, LeaveOrganization, GetPasswordData, CreateUser and a RunInstances over the "
          "vCPU limit change nothing",
          "[engine][attempts][investigate]") {
  MemoryStore store;
  REQUIRE(BuildProbe(store).ok());
  auto inv = Investigate(store, kCiDeploy, Day());
  REQUIRE(inv.ok());
  if (std::getenv("GUMSHOE_PRINT")) std::printf("%s\n", inv->ToText(Plain).c_str());

  // Blast radius: the user and the key it signed with (GetCallerIdentity
  // succeeded once); neither the account (StopLogging denied) nor svc-backup
  // (CreateUser denied) is reached, modified or created.
  REQUIRE(inv->blast.nodes.size() == 2);
  CHECK(inv->blast.nodes[0].entity.ref() == kCiDeploy);
  CHECK(inv->blast.nodes[0].foothold);
  CHECK(inv->blast.nodes[1].entity.ref() == kCiKey);
  CHECK(inv->blast.Find(kAccount) == nullptr);
  CHECK(inv->blast.Find(kSvcBackup) == nullptr);
  // Score of the key: kind weight 8 (authenticated_with) x (1 + log10(1 + 6
  // observations)) x recency (0.5 + 0.5 x 10 h / 23:59:59) / hop 1 = 10.46.
  CHECK(inv->blast.nodes[1].score == Approx(10.46));
  CHECK(inv->blast.summary ==
        "1 IAM user, 1 access key; attempts that reached nothing: "
        "denied: cloudtrail.amazonaws.com:StopLogging x1 (AccessDenied), "
        "denied: organizations.amazonaws.com:LeaveOrganization x1 (AccessDenied), "
        "denied: ec2.amazonaws.com:GetPasswordData x1 (Client.UnauthorizedOperation), "
        "failed: ec2.amazonaws.com:RunInstances x1 (Client.VcpuLimitExceeded), "
        "denied: iam.amazonaws.com:CreateUser x1 (AccessDenied)");
  CHECK(inv->blast.summary.find("modified") == std::string::npos);
  CHECK(inv->blast.summary.find("created") == std::string::npos);
  CHECK(inv->blast.summary.find("launched") == std::string::npos);

  // The attempts, one per API, in time order, with the event each cites.
  REQUIRE(inv->blast.attempts.size() == 5);
  const BlastAttempt& stop = inv->blast.attempts[0];
  CHECK(stop.actor == kCiDeploy);
  CHECK(stop.target == Api("cloudtrail.amazonaws.com:StopLogging"));
  CHECK(stop.count == 1);
  CHECK(stop.verdict == "denied");
  CHECK(stop.errors == "AccessDenied");
  CHECK(stop.time == T("2026-06-01T10:05:00Z"));
  CHECK(stop.evidence == "cloudtrail:ev-stop");
  CHECK(stop.sentence == "ci-deploy tried to call cloudtrail.amazonaws.com:StopLogging (denied: AccessDenied)");
  CHECK(inv->blast.attempts[3].verdict == "failed");
  CHECK(inv->blast.attempts[3].evidence == "cloudtrail:ev-run");

  // Checklist: nothing to revert, no user to delete, no instance; one line
  // naming the attempts; the key still gets disabled.
  CHECK(Actions(*inv, "revert_change").empty());
  CHECK(Actions(*inv, "delete_user").empty());
  CHECK(Actions(*inv, "isolate_instance").empty());
  CHECK(Actions(*inv, "check_regions").empty());
  REQUIRE(Actions(*inv, "review_attempts").size() == 1);
  CHECK(Actions(*inv, "review_attempts")[0] ==
        "Review the failed calls of ci-deploy (they changed nothing): "
        "denied: cloudtrail.amazonaws.com:StopLogging x1 (AccessDenied), "
        "denied: organizations.amazonaws.com:LeaveOrganization x1 (AccessDenied), "
        "denied: ec2.amazonaws.com:GetPasswordData x1 (Client.UnauthorizedOperation), "
        "failed: ec2.amazonaws.com:RunInstances x1 (Client.VcpuLimitExceeded), "
        "denied: iam.amazonaws.com:CreateUser x1 (AccessDenied)");
  REQUIRE(Actions(*inv, "disable_key").size() == 1);
  CHECK(Actions(*inv, "disable_key")[0] ==
        "Disable access key AKIAEXAMPLECIDEPLOY1 of ci-deploy (creation not observed in the logs); the credential "
        "lineage starts here");
  for (const auto& c : inv->checklist) {
    CHECK(c.text.find("revert") == std::string::npos);
    CHECK(c.text.find("svc-backup") == std::string::npos);
  }

  std::string text = inv->ToText(Plain);
  CHECK(text.find("ATTEMPTS (failed calls: they reached nothing)\n"
                  "  denied: cloudtrail.amazonaws.com:StopLogging x1 (AccessDenied) by "
                  "iam_user:arn:aws:iam::111122223333:user/ci-deploy at 2026-06-01T10:05:00Z  [cloudtrail:ev-stop]\n") !=
        std::string::npos);
  CHECK(text.find("account:111122223333") == std::string::npos);
}

TEST_CASE("Attempts: failed_api_call indicator after the credential's first use, TTPs say 'attempted'",
          "[engine][attempts][indicators]") {
  MemoryStore store;
  REQUIRE(BuildProbe(store).ok());
  IndicatorOptions o;
  o.window = {T("2026-06-01T00:00:00Z"), T("2026-06-01T23:59:59Z")};
  auto r = Indicators(store, kCiDeploy, o);
  REQUIRE(r.ok());
  auto failed = r->OfKind("failed_api_call");
  REQUIRE(failed.size() == 5);
  // Sorted by entity (api_call key).
  CHECK(failed[0]->entity == Api("cloudtrail.amazonaws.com:StopLogging"));
  CHECK(failed[0]->detail ==
        "denied: cloudtrail.amazonaws.com:StopLogging x1 (AccessDenied), after the credential's first use at "
        "2026-06-01T10:00:00Z; nothing was changed");
  CHECK(failed[0]->evidence == "cloudtrail:ev-stop");
  CHECK(failed[2]->entity == Api("ec2.amazonaws.com:RunInstances"));
  CHECK(failed[2]->detail ==
        "failed: ec2.amazonaws.com:RunInstances x1 (Client.VcpuLimitExceeded), after the credential's first use at "
        "2026-06-01T10:00:00Z; nothing was changed");
  // GetCallerIdentity succeeded: not an attempt.
  for (const Indicator* i : failed) CHECK(i->entity != Api("sts.amazonaws.com:GetCallerIdentity"));
  bool stop_ttp = false;
  for (const Indicator* i : r->OfKind("ttp"))
    if (i->entity == Api("cloudtrail.amazonaws.com:StopLogging")) {
      stop_ttp = true;
      CHECK(i->detail.find("(attempted: every call failed)") != std::string::npos);
    }
  CHECK(stop_ttp);
}

TEST_CASE("Attempts: an edge that succeeded once is a change, the failed half is not hidden as an attempt",
          "[engine][attempts][blast_radius]") {
  MemoryStore store;
  REQUIRE(BuildProbe(store).ok());
  GraphDelta d;
  CiCall(d, "iam.amazonaws.com:CreateUser", T("2026-06-01T12:00:00Z"), "ev-cu2");
  d.AddEdge(kCiDeploy, EdgeKind::kCreated, kSvcBackup, {T("2026-06-01T12:00:00Z"), +1, "cloudtrail:ev-cu2"});
  REQUIRE(store.Apply(d).ok());
  auto inv = Investigate(store, kCiDeploy, Day());
  REQUIRE(inv.ok());
  const BlastNode* user = inv->blast.Find(kSvcBackup);
  REQUIRE(user != nullptr);
  REQUIRE(!user->path.empty());
  CHECK(user->path.back().edge == EdgeKind::kCreated);
  CHECK(Actions(*inv, "delete_user").size() == 1);
  for (const BlastAttempt& a : inv->blast.attempts) CHECK(a.target != Api("iam.amazonaws.com:CreateUser"));
}

TEST_CASE("Attempts: lineage does not name the caller of a denied CreateUser as the user's creator",
          "[engine][attempts][lineage]") {
  MemoryStore store;
  REQUIRE(BuildProbe(store).ok());
  auto up = Lineage(store, kSvcBackup, LineageOptions{});
  REQUIRE(up.ok());
  for (const LineageNode& n : up->nodes) CHECK(n.entity.ref() != kCiDeploy);
  CHECK(up->links.empty());
  LineageOptions down;
  down.descendants = true;
  auto from = Lineage(store, kCiKey, down);
  REQUIRE(from.ok());
  for (const LineageNode& n : from->nodes) CHECK(n.entity.ref() != kSvcBackup);
}
