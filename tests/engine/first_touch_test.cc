// A foothold's first touch is its first observed event in the window: not the
// window start, not the time a threat list named it.
#include <catch2/catch.hpp>

#include "engine/incident_fixtures.h"
#include "gumshoe/blast_radius.h"
#include "gumshoe/memory_store.h"

using namespace gumshoe;
using namespace gumshoe::testing;

TEST_CASE("BlastRadius: a foothold's first touch is its first observed event", "[engine][blast_radius][first_touch]") {
  const EntityRef ip = Ip("185.220.101.7");
  const EntityRef eve = User("eve");
  const EntityRef eve_key = Key("AKIAEXAMPLEEVE000001");
  const EntityRef tor{EntityKind::kThreatList, "tor"};
  GraphDelta d;
  // The Tor list names the IP on 2026-06-01 (it was downloaded that day).
  d.AddEdge(ip, EdgeKind::kListedIn, tor, {T("2026-06-01T00:00:00Z"), 0, "tor.txt:12"});
  // eve's key, created long before the window, is first used in the window at 14:20 from that IP,
  // then creates a user at 14:25.
  d.AddEdge(eve_key, EdgeKind::kCredentialOf, eve, {T("2026-05-01T08:00:00Z"), 0, "cloudtrail:ev-old"});
  Call(d, eve, eve_key, "185.220.101.7", "aws-cli/2.15.30", "sts.amazonaws.com:GetCallerIdentity",
       T("2026-06-02T14:20:00Z"), "ev-gci");
  Call(d, eve, eve_key, "185.220.101.7", "aws-cli/2.15.30", "iam.amazonaws.com:CreateUser", T("2026-06-02T14:25:00Z"),
       "ev-cu");
  d.AddEdge(eve, EdgeKind::kCreated, User("backdoor"), {T("2026-06-02T14:25:00Z"), 1, "cloudtrail:ev-cu"});
  MemoryStore store;
  REQUIRE(store.Apply(d).ok());
  BlastRadiusOptions o;
  o.window = {T("2026-06-02T00:00:00Z"), T("2026-06-02T23:59:59Z")};

  SECTION("a key used first at 14:20, not at the window start") {
    auto r = BlastRadius(store, eve_key, o);
    REQUIRE(r.ok());
    REQUIRE(r->nodes.size() >= 1);
    CHECK(r->nodes[0].foothold);
    CHECK(r->nodes[0].first_touch == T("2026-06-02T14:20:00Z"));
    // What the key reaches over a fact edge is reached no earlier than that.
    const BlastNode* user = r->Find(eve);
    REQUIRE(user != nullptr);
    CHECK(user->first_touch == T("2026-06-02T14:20:00Z"));
    const BlastNode* backdoor = r->Find(User("backdoor"));
    REQUIRE(backdoor != nullptr);
    CHECK(backdoor->first_touch == T("2026-06-02T14:25:00Z"));
  }
  SECTION("an IP listed on 2026-06-01 is first touched when it was first used") {
    BlastRadiusOptions wide = o;
    wide.window.since = T("2026-05-31T00:00:00Z");
    auto r = BlastRadius(store, ip, wide);
    REQUIRE(r.ok());
    REQUIRE(!r->nodes.empty());
    CHECK(r->nodes[0].entity.ref() == ip);
    CHECK(r->nodes[0].first_touch == T("2026-06-02T14:20:00Z"));
  }
  SECTION("nothing observed in the window: no first touch is made up") {
    BlastRadiusOptions before = o;
    before.window = {T("2026-06-05T00:00:00Z"), T("2026-06-05T23:59:59Z")};
    auto r = BlastRadius(store, eve_key, before);
    REQUIRE(r.ok());
    REQUIRE(!r->nodes.empty());
    CHECK(r->nodes[0].first_touch == kNoTime);
  }
}
