#include <catch2/catch.hpp>

#include "engine/incident_fixtures.h"
#include "gumshoe/memory_store.h"
#include "gumshoe/timeline.h"

using namespace gumshoe;
using namespace gumshoe::testing;

namespace {
const TimelineEntry* FindEntry(const TimelineResult& r, const std::string& category, const EntityRef& item,
                               Timestamp hour) {
  for (const auto& e : r.entries)
    if (e.category == category && e.item == item && e.hour == hour) return &e;
  return nullptr;
}
}  // namespace

TEST_CASE("Timeline: the attacker's hour, with first occurrences marked new", "[engine][timeline]") {
  MemoryStore store;
  REQUIRE(BuildCoinMining(store).ok());
  TimelineOptions options;
  options.window = {T("2026-03-10T00:00:00Z"), T("2026-03-10T23:59:59Z")};
  auto r = Timeline(store, kDev, options);
  REQUIRE(r.ok());
  Timestamp h8 = T("2026-03-10T08:00:00Z");
  const TimelineEntry* create = FindEntry(*r, "api_call", Api("iam.amazonaws.com:CreateUser"), h8);
  REQUIRE(create);
  CHECK(create->count == 1);
  CHECK(create->success == 1);
  CHECK(create->is_new);
  CHECK(create->evidence == "cloudtrail:ev-createuser");
  const TimelineEntry* tor = FindEntry(*r, "source_ip", kTorIp, h8);
  REQUIRE(tor);
  CHECK(tor->count == 4);
  CHECK(tor->is_new);
  CHECK(tor->evidence == "cloudtrail:ev-gci");
  // The baseline's office IP and CLI are outside the window: not shown.
  CHECK(FindEntry(*r, "source_ip", Ip("198.51.100.10"), h8) == nullptr);
  for (const auto& e : r->entries) CHECK(e.hour == h8);
  // Ordered by hour, then category.
  for (size_t i = 1; i < r->entries.size(); ++i) CHECK(r->entries[i - 1].category <= r->entries[i].category);
}

TEST_CASE("Timeline: an old agent is not new, instances include their ENI flows", "[engine][timeline]") {
  MemoryStore store;
  REQUIRE(BuildCoinMining(store).ok());
  TimelineOptions options;
  options.window = {T("2026-02-10T00:00:00Z"), T("2026-02-10T23:59:59Z")};
  auto dev = Timeline(store, kDev, options);
  REQUIRE(dev.ok());
  const TimelineEntry* cli =
      FindEntry(*dev, "user_agent", Agent("aws-cli/2.15.0 Python/3.11.6 Linux/6.5"), T("2026-02-10T09:00:00Z"));
  REQUIRE(cli);
  CHECK(cli->count == 2);
  CHECK_FALSE(cli->is_new);

  // Default window: the last 24 h of the instance's activity, its ENI's flows included.
  auto inst = Timeline(store, kMinerUse1, TimelineOptions{});
  REQUIRE(inst.ok());
  CHECK(inst->window.until == T("2026-03-10T11:31:05Z"));
  CHECK(inst->window.since == T("2026-03-09T11:31:05Z"));
  const TimelineEntry* flow9 = FindEntry(*inst, "flow_out", kPoolIp, T("2026-03-10T09:00:00Z"));
  REQUIRE(flow9);
  CHECK(flow9->count == 6);
  CHECK(flow9->via == "eni-0aa00000000000001");
  CHECK_FALSE(flow9->is_new);
  const TimelineEntry* flow8 = FindEntry(*inst, "flow_out", kPoolIp, T("2026-03-10T08:00:00Z"));
  REQUIRE(flow8);
  CHECK(flow8->is_new);
  CHECK(FindEntry(*inst, "dns", kPoolDomain, T("2026-03-10T08:00:00Z")) != nullptr);
  Subgraph g = inst->ToSubgraph();
  CHECK(g.nodes.front().entity.ref() == kMinerUse1);
}

TEST_CASE("Timeline: DB logins of a brute-forced user", "[engine][timeline]") {
  MemoryStore store;
  REQUIRE(BuildRdsBruteForce(store).ok());
  TimelineOptions options;
  options.window = {T("2026-05-20T00:00:00Z"), T("2026-05-20T23:59:59Z")};
  auto r = Timeline(store, kDbAdmin, options);
  REQUIRE(r.ok());
  const TimelineEntry* first = FindEntry(*r, "db_login", kBruteIp, T("2026-05-20T02:00:00Z"));
  REQUIRE(first);
  CHECK(first->count == 400);
  CHECK(first->failure == 400);
  CHECK(first->success == 1);
  CHECK(first->is_new);
  const TimelineEntry* second = FindEntry(*r, "db_login", kBruteIp, T("2026-05-20T03:00:00Z"));
  REQUIRE(second);
  CHECK(second->count == 1);
  CHECK_FALSE(second->is_new);
}
