#include <catch2/catch.hpp>

#include <algorithm>

#include "gumshoe/memory_store.h"
#include "gumshoe/resolve.h"

using namespace gumshoe;

namespace {

constexpr Timestamp kT0 = 1785000000;
const EntityRef kUser{EntityKind::kIamUser, "arn:aws:iam::111122223333:user/ci-deploy"};
const EntityRef kAlice{EntityKind::kIamUser, "arn:aws:iam::111122223333:user/alice"};
const EntityRef kRole{EntityKind::kIamRole, "arn:aws:iam::111122223333:role/admin"};
const EntityRef kSession{EntityKind::kRoleSession, "arn:aws:sts::111122223333:assumed-role/admin/alice"};
const EntityRef kBucket{EntityKind::kS3Bucket, "admin"};
const EntityRef kLogs{EntityKind::kS3Bucket, "corp-logs"};
const EntityRef kFinding{EntityKind::kFinding, "a2b4c6d8e0f1a2b4c6d8e0f1a2b4c6d8"};
const EntityRef kFinding2{EntityKind::kFinding, "a2b4c6ffffffffffffffffffffffffff"};
const EntityRef kIp{EntityKind::kIpAddress, "203.0.113.77"};
const EntityRef kKey{EntityKind::kAccessKey, "AKIAEXAMPLEALICE0001"};
const EntityRef kDomain{EntityKind::kDomain, "evil.example.com"};
const EntityRef kInstance{EntityKind::kEc2Instance, "i-0abc1234def567890"};

MemoryStore& Store() {
  static MemoryStore* store = [] {
    auto* s = new MemoryStore();
    GraphDelta d;
    for (const EntityRef& r : {kUser, kAlice, kRole, kSession, kBucket, kLogs, kFinding, kFinding2, kIp, kKey,
                               kDomain, kInstance})
      d.Touch(r, kT0);
    REQUIRE(s->Apply(d).ok());
    return s;
  }();
  return *store;
}

ResolveResult Resolve(std::string_view text, ResolveOptions o = {}) {
  auto r = ResolveEntityText(Store(), text, o);
  REQUIRE(r.ok());
  return std::move(r).value();
}

}  // namespace

TEST_CASE("Resolve: a user name, kind:name, user/name and the full key all resolve", "[engine][resolve]") {
  for (const char* text : {"ci-deploy", "CI-Deploy", "iam_user:ci-deploy", "user/ci-deploy", "111122223333:user/ci-deploy",
                           "arn:aws:iam::111122223333:user/ci-deploy",
                           "iam_user:arn:aws:iam::111122223333:user/ci-deploy", "  ci-deploy "}) {
    INFO(text);
    ResolveResult r = Resolve(text);
    REQUIRE(r.unique());
    CHECK(r.matches[0] == kUser);
  }
}

TEST_CASE("Resolve: exact keys of every typed form", "[engine][resolve]") {
  CHECK(Resolve("203.0.113.77").matches == std::vector<EntityRef>{kIp});
  CHECK(Resolve("akiaexamplealice0001").matches == std::vector<EntityRef>{kKey});
  CHECK(Resolve("i-0ABC1234DEF567890").matches == std::vector<EntityRef>{kInstance});
  CHECK(Resolve("Evil.Example.com.").matches == std::vector<EntityRef>{kDomain});
  CHECK(Resolve("corp-logs").matches == std::vector<EntityRef>{kLogs});
  CHECK(Resolve("arn:aws:s3:::corp-logs/some/key").matches == std::vector<EntityRef>{kLogs});
  CHECK(Resolve("admin/alice").matches == std::vector<EntityRef>{kSession});
  CHECK(Resolve("role/admin").matches == std::vector<EntityRef>{kRole});
}

TEST_CASE("Resolve: a finding-ID prefix resolves when unique, lists both when not", "[engine][resolve]") {
  CHECK(Resolve("a2b4c6d8").matches == std::vector<EntityRef>{kFinding});
  CHECK(Resolve("A2B4C6D8E0").matches == std::vector<EntityRef>{kFinding});
  ResolveResult both = Resolve("a2b4c6");
  CHECK(both.matches == std::vector<EntityRef>{kFinding, kFinding2});
  // Shorter than kMinFindingPrefix: not a prefix.
  CHECK(Resolve("a2b4c").matches.empty());
}

TEST_CASE("Resolve: a stored key equal to the text wins, otherwise every name match is a candidate", "[engine][resolve]") {
  // The bucket is named exactly "admin": its key wins over the role named admin.
  CHECK(Resolve("admin").matches == std::vector<EntityRef>{kBucket});
  // kind:name reaches the role.
  CHECK(Resolve("iam_role:admin").matches == std::vector<EntityRef>{kRole});
  // "alice" names the user and the session (both end in /alice): ambiguous, sorted by kind.
  ResolveResult alice = Resolve("alice");
  CHECK(alice.matches == std::vector<EntityRef>{kAlice, kSession});
  ResolveOptions sessions;
  sessions.kind = EntityKind::kRoleSession;
  CHECK(Resolve("alice", sessions).matches == std::vector<EntityRef>{kSession});
  // --kind and a different kind: prefix match nothing.
  CHECK(Resolve("iam_user:admin", sessions).matches.empty());
  ResolveOptions few;
  few.max_matches = 1;
  ResolveResult capped = Resolve("alice", few);
  CHECK(capped.matches.size() == 1);
  CHECK(capped.more_matches);
}

TEST_CASE("Resolve: nothing matches, the nearest keys are suggested", "[engine][resolve]") {
  ResolveResult r = Resolve("ci-deploi");
  CHECK(r.matches.empty());
  REQUIRE(!r.suggestions.empty());
  CHECK(r.suggestions[0] == kUser);
  // A typed IP one digit off suggests the stored IP.
  ResolveResult ip = Resolve("203.0.113.78");
  CHECK(ip.matches.empty());
  REQUIRE(ip.suggestions.size() == 1);
  CHECK(ip.suggestions[0] == kIp);
  // Far from everything: no suggestion.
  CHECK(Resolve("zzzzzzzzzzzzqqqq").suggestions.empty());
  CHECK(Resolve("").matches.empty());
}

TEST_CASE("Resolve: the name scan stops at max_scan_per_kind and says so", "[engine][resolve]") {
  MemoryStore store;
  GraphDelta d;
  for (int i = 0; i < 50; ++i) d.Touch({EntityKind::kIamUser, "arn:aws:iam::1:user/u" + std::to_string(100 + i)}, kT0);
  REQUIRE(store.Apply(d).ok());
  ResolveOptions o;
  o.max_scan_per_kind = 10;
  auto r = ResolveEntityText(store, "u149", o);
  REQUIRE(r.ok());
  CHECK(r->matches.empty());  // u149 is the 50th key; the scan read 10
  CHECK(std::find(r->scan_truncated.begin(), r->scan_truncated.end(), EntityKind::kIamUser) != r->scan_truncated.end());
  o.max_scan_per_kind = 100;
  r = ResolveEntityText(store, "u149", o);
  REQUIRE(r.ok());
  CHECK(r->matches == std::vector<EntityRef>{{EntityKind::kIamUser, "arn:aws:iam::1:user/u149"}});
  CHECK(r->scan_truncated.empty());
}

TEST_CASE("Resolve: BoundedEditDistance", "[engine][resolve]") {
  CHECK(BoundedEditDistance("kitten", "sitting", 5) == 3);
  CHECK(BoundedEditDistance("kitten", "sitting", 2) == 3);  // limit + 1
  CHECK(BoundedEditDistance("Alice", "alice", 0) == 0);
  CHECK(BoundedEditDistance("", "abc", 5) == 3);
}
