// Baselines know how much data they hold, and a role session is judged
// against its role's history.
#include <catch2/catch.hpp>

#include "engine/incident_fixtures.h"
#include "gumshoe/indicators.h"
#include "gumshoe/memory_store.h"

using namespace gumshoe;
using namespace gumshoe::testing;

namespace {

const EntityRef kOps = User("ops");
const EntityRef kOpsKey = Key("AKIAEXAMPLEOPS000001");
const char* kCli = "aws-cli/2.15.30 Python/3.11.8 Linux/6.5.0";

std::vector<std::string> Keys(const IndicatorsResult& r, std::string_view kind) {
  std::vector<std::string> out;
  for (const Indicator* i : r.OfKind(kind)) out.push_back(i->entity.key);
  return out;
}

// `days` days of routine before 2026-06-10 (ten ListBuckets a day from one IP),
// then the same routine at four times the rate on 2026-06-10.
Status BuildRoutine(MemoryStore& store, int days) {
  GraphDelta d;
  for (int day = 1; day <= days; ++day)
    for (int i = 0; i < 10; ++i)
      Call(d, kOps, kOpsKey, "198.51.100.20", kCli, "s3.amazonaws.com:ListBuckets",
           T("2026-06-10T09:00:00Z") - day * 86400 + i * 60, "base-" + std::to_string(day) + "-" + std::to_string(i));
  for (int i = 0; i < 40; ++i)
    Call(d, kOps, kOpsKey, "198.51.100.20", kCli, "s3.amazonaws.com:ListBuckets", T("2026-06-10T09:00:00Z") + i * 60,
         "win-" + std::to_string(i));
  return store.Apply(d);
}

IndicatorOptions Day() {
  IndicatorOptions o;
  o.window = {T("2026-06-10T00:00:00Z"), T("2026-06-10T23:59:59Z")};
  return o;
}

}  // namespace

TEST_CASE("Baseline: one day of logs before a 45-day baseline says 'too short' instead of flagging",
          "[engine][indicators][baseline]") {
  MemoryStore store;
  REQUIRE(BuildRoutine(store, 1).ok());
  auto r = Indicators(store, kOps, Day());
  REQUIRE(r.ok());
  // ops is first seen 2026-06-09T09:00:00Z: 15 h of data before the window.
  CHECK(r->baseline_data_days == Approx(15.0 / 24));
  CHECK_FALSE(r->baseline_judged);
  REQUIRE(r->OfKind("baseline_too_short").size() == 1);
  const Indicator* short_baseline = r->OfKind("baseline_too_short")[0];
  CHECK_FALSE(short_baseline->available);
  CHECK(short_baseline->detail ==
        "baseline too short (0.6 days of data, fewer than 7): new and increased agents, APIs, IPs and networks not "
        "judged");
  CHECK(r->OfKind("increased_api_volume").empty());
  CHECK(r->OfKind("new_api_call").empty());
  CHECK(r->OfKind("new_user_agent").empty());
  CHECK(r->OfKind("new_source_ip").empty());
  CHECK(r->OfKind("new_network").empty());

  // The threshold is an option: at 0 days the same data is judged (and the
  // 40 calls against 10 in 45 days are flagged, as before).
  IndicatorOptions lax = Day();
  lax.min_baseline_days = 0;
  auto judged = Indicators(store, kOps, lax);
  REQUIRE(judged.ok());
  CHECK(judged->baseline_judged);
  CHECK(judged->OfKind("baseline_too_short").empty());
  CHECK(Keys(*judged, "increased_api_volume") == std::vector<std::string>{"s3.amazonaws.com:ListBuckets"});
}

TEST_CASE("Baseline: eight days of routine are a baseline, the rate still counts over the data",
          "[engine][indicators][baseline]") {
  MemoryStore store;
  REQUIRE(BuildRoutine(store, 8).ok());
  auto r = Indicators(store, kOps, Day());
  REQUIRE(r.ok());
  // First seen 2026-06-02T09:00:00Z: 7 days 15 h before the window.
  CHECK(r->baseline_data_days == Approx(7 + 15.0 / 24));
  CHECK(r->baseline_judged);
  CHECK(r->OfKind("baseline_too_short").empty());
  CHECK(r->OfKind("new_api_call").empty());
  CHECK(r->OfKind("new_source_ip").empty());
}

TEST_CASE("Baseline: a role session is compared with its role's sessions, not its own empty history",
          "[engine][indicators][baseline]") {
  MemoryStore store;
  GraphDelta d;
  const EntityRef role = Role("deploy");
  // Twenty days of deploy runs by earlier sessions of the role.
  for (int day = 1; day <= 20; ++day) {
    EntityRef s = Session("deploy", "ci-run-" + std::to_string(day));
    EntityRef k = Key("ASIAEXAMPLERUN" + std::to_string(100000 + day));
    Timestamp t = T("2026-06-10T08:00:00Z") - day * 86400;
    d.AddEdge(s, EdgeKind::kAssumedRole, role, {t, 0, "cloudtrail:mint-" + std::to_string(day)});
    Call(d, s, k, "198.51.100.30", kCli, "ec2.amazonaws.com:DescribeInstances", t, "run-" + std::to_string(day));
    Call(d, s, k, "198.51.100.30", kCli, "ecs.amazonaws.com:UpdateService", t + 60, "upd-" + std::to_string(day));
  }
  // Today's session does the same, plus one call never made by the role.
  const EntityRef today = Session("deploy", "ci-run-42");
  const EntityRef today_key = Key("ASIAEXAMPLERUN000042");
  Timestamp t = T("2026-06-10T08:00:00Z");
  d.AddEdge(today, EdgeKind::kAssumedRole, role, {t, 0, "cloudtrail:mint-42"});
  Call(d, today, today_key, "198.51.100.30", kCli, "ec2.amazonaws.com:DescribeInstances", t, "run-42");
  Call(d, today, today_key, "198.51.100.30", kCli, "ecs.amazonaws.com:UpdateService", t + 60, "upd-42");
  Call(d, today, today_key, "198.51.100.30", kCli, "iam.amazonaws.com:CreateUser", t + 120, "cu-42");
  REQUIRE(store.Apply(d).ok());

  auto r = Indicators(store, today, Day());
  REQUIRE(r.ok());
  CHECK(r->actors == std::vector<EntityRef>{today});
  CHECK(r->baseline_actors.size() == 22);  // the session, the role and its 20 earlier sessions
  CHECK(std::find(r->baseline_actors.begin(), r->baseline_actors.end(), role) != r->baseline_actors.end());
  // Data since the first session, 2026-05-21T08:00:00Z: 19 days 16 h before the window.
  CHECK(r->baseline_data_days == Approx(19 + 16.0 / 24));
  CHECK(r->baseline_judged);
  CHECK(Keys(*r, "new_api_call") == std::vector<std::string>{"iam.amazonaws.com:CreateUser"});
  CHECK(r->OfKind("new_user_agent").empty());
  CHECK(r->OfKind("new_source_ip").empty());
  CHECK(r->OfKind("new_network").empty());
}
