// The cross-account note of a lineage link reads in the direction of the
// event: the account of the caller that minted the key first.
#include <catch2/catch.hpp>

#include <string>

#include "engine/incident_fixtures.h"
#include "gumshoe/lineage.h"
#include "gumshoe/memory_store.h"

using namespace gumshoe;
using namespace gumshoe::testing;

TEST_CASE("Lineage: the cross-account arrow points from the caller's account to the role's",
          "[engine][lineage][cross_account]") {
  // bob (account 444455556666) calls AssumeRole on arn:aws:iam::111122223333:role/audit:
  // the minted key ASIA...AUDIT belongs to a session in 111122223333.
  const EntityRef bob{EntityKind::kIamUser, "arn:aws:iam::444455556666:user/bob"};
  const EntityRef bob_key = Key("AKIAEXAMPLEBOB000001");
  const EntityRef minted = Key("ASIAEXAMPLEAUDIT0001");
  const EntityRef session{EntityKind::kRoleSession, "arn:aws:sts::111122223333:assumed-role/audit/bob"};
  const EntityRef acct_a{EntityKind::kAccount, "111122223333"}, acct_b{EntityKind::kAccount, "444455556666"};
  Timestamp t = T("2026-06-03T09:00:00Z");
  GraphDelta d;
  d.AddEdge(bob, EdgeKind::kAuthenticatedWith, bob_key, {t, 1, "cloudtrail:ev-assume"});
  d.AddEdge(bob_key, EdgeKind::kCredentialOf, bob, {t, 0, "cloudtrail:ev-assume"});
  d.AddEdge(bob_key, EdgeKind::kInAccount, acct_b, {t, 0, "cloudtrail:ev-assume"});
  d.AddEdge(bob_key, EdgeKind::kMinted, minted, {t, 1, "cloudtrail:ev-assume"});
  d.AddEdge(minted, EdgeKind::kInAccount, acct_a, {t, 0, "cloudtrail:ev-assume"});
  d.AddEdge(minted, EdgeKind::kCredentialOf, session, {t, 0, "cloudtrail:ev-assume"});
  d.AddEdge(session, EdgeKind::kAssumedRole, Role("audit"), {t, 0, "cloudtrail:ev-assume"});
  MemoryStore store;
  REQUIRE(store.Apply(d).ok());

  auto back = Lineage(store, minted, LineageOptions{});
  REQUIRE(back.ok());
  std::string tree = back->ToTree([](std::string_view s) { return std::string(s); });
  INFO(tree);
  CHECK(tree.find("<- minted access_key AKIAEXAMPLEBOB000001") != std::string::npos);
  CHECK(tree.find("cross-account 444455556666->111122223333") != std::string::npos);
  CHECK(tree.find("cross-account 111122223333->444455556666") == std::string::npos);

  LineageOptions forward;
  forward.descendants = true;
  auto down = Lineage(store, bob_key, forward);
  REQUIRE(down.ok());
  std::string dtree = down->ToTree([](std::string_view s) { return std::string(s); });
  INFO(dtree);
  CHECK(dtree.find("cross-account 444455556666->111122223333") != std::string::npos);
  CHECK(dtree.find("cross-account 111122223333->444455556666") == std::string::npos);
}
