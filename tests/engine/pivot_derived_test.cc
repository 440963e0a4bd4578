// Pivot's derived groups: the roles a principal assumed and the sessions it
// started through any of its keys; who assumed a role.
#include <catch2/catch.hpp>

#include <string>

#include "gumshoe/memory_store.h"
#include "gumshoe/pivot.h"

namespace gumshoe {
namespace {

const Timestamp kT0 = 1772359200;  // 2026-03-01T10:00:00Z
const std::string kA = "111122223333";

EntityRef Key(const std::string& k) { return {EntityKind::kAccessKey, k}; }
EntityRef User(const std::string& n) { return {EntityKind::kIamUser, "arn:aws:iam::" + kA + ":user/" + n}; }
EntityRef Role(const std::string& n) { return {EntityKind::kIamRole, "arn:aws:iam::" + kA + ":role/" + n}; }
EntityRef Session(const std::string& role, const std::string& s) {
  return {EntityKind::kRoleSession, "arn:aws:sts::" + kA + ":assumed-role/" + role + "/" + s};
}

class Graph {
 public:
  void Add(const EntityRef& a, EdgeKind k, const EntityRef& b, Timestamp t, const std::string& event) {
    delta_.AddEdge(a, k, b, EdgeObservation{t, 1, "cloudtrail:" + event, 1});
  }
  void Use(const EntityRef& actor, const EntityRef& key, Timestamp t, const std::string& event) {
    Add(actor, EdgeKind::kAuthenticatedWith, key, t, event);
    Add(key, EdgeKind::kCredentialOf, actor, t, event);
  }
  // AssumeRole signed with `caller`: the minted key, its session, the role.
  void Assume(const EntityRef& caller, const EntityRef& new_key, const EntityRef& session, const EntityRef& role,
              Timestamp t, const std::string& event) {
    Add(caller, EdgeKind::kMinted, new_key, t, event);
    Add(new_key, EdgeKind::kCredentialOf, session, t, event);
    Add(session, EdgeKind::kAssumedRole, role, t, event);
  }
  MemoryStore& Store() {
    REQUIRE(store_.Apply(delta_).ok());
    delta_.Clear();
    return store_;
  }
  GraphDelta delta_;

 private:
  MemoryStore store_;
};

const PivotDerivedGroup* Derived(const PivotResult& r, const std::string& name) {
  for (const PivotDerivedGroup& g : r.derived)
    if (g.name == name) return &g;
  return nullptr;
}

TEST_CASE("Pivot: a user's pivot lists the roles it assumed and the sessions it started through its keys",
          "[engine][pivot][derived]") {
  Graph g;
  const EntityRef bob = User("bob");
  g.Use(bob, Key("AKIABOB1"), kT0, "u1");
  g.Use(bob, Key("AKIABOB2"), kT0 + 86400, "u2");
  // Key 1: the same session name twice (two keys of one session), then another session.
  g.Assume(Key("AKIABOB1"), Key("ASIAS1A"), Session("deploy", "ci"), Role("deploy"), kT0 + 10, "m1");
  g.Assume(Key("AKIABOB1"), Key("ASIAS1B"), Session("deploy", "ci"), Role("deploy"), kT0 + 600, "m2");
  g.Assume(Key("AKIABOB1"), Key("ASIAS2"), Session("deploy", "other"), Role("deploy"), kT0 + 900, "m3");
  // Key 2, a day later: another role.
  g.Assume(Key("AKIABOB2"), Key("ASIAADM"), Session("admin", "x"), Role("admin"), kT0 + 86400 + 60, "m4");
  // The admin session chains on: that is the session's assumption, not bob's.
  g.Use(Session("admin", "x"), Key("ASIAADM"), kT0 + 86400 + 70, "u3");
  g.Assume(Key("ASIAADM"), Key("ASIAPROD"), Session("prod", "y"), Role("prod"), kT0 + 86400 + 120, "m5");
  MemoryStore& store = g.Store();

  auto r = Pivot(store, bob, PivotOptions{});
  REQUIRE(r.ok());
  const PivotDerivedGroup* roles = Derived(*r, "roles_assumed");
  REQUIRE(roles != nullptr);
  CHECK(roles->total == 2);
  CHECK(roles->total_exact);
  REQUIRE(roles->items.size() == 2);
  const PivotDerivedItem& deploy = roles->items[0];  // 3 mints before 1
  CHECK(deploy.entity == Role("deploy"));
  CHECK(deploy.count == 3);
  CHECK(deploy.first_seen == kT0 + 10);
  CHECK(deploy.last_seen == kT0 + 900);
  CHECK(deploy.first_evidence == "cloudtrail:m1");
  CHECK(deploy.last_evidence == "cloudtrail:m3");
  CHECK(deploy.keys == std::vector<std::string>{"AKIABOB1"});
  CHECK(deploy.related == std::vector<EntityRef>{Session("deploy", "ci"), Session("deploy", "other")});
  CHECK(roles->items[1].entity == Role("admin"));
  CHECK(roles->items[1].keys == std::vector<std::string>{"AKIABOB2"});
  for (const PivotDerivedItem& i : roles->items) CHECK(i.entity != Role("prod"));

  const PivotDerivedGroup* sessions = Derived(*r, "sessions_started");
  REQUIRE(sessions != nullptr);
  CHECK(sessions->total == 3);
  REQUIRE(sessions->items.size() == 3);
  CHECK(sessions->items[0].entity == Session("deploy", "ci"));
  CHECK(sessions->items[0].count == 2);
  CHECK(sessions->items[0].related == std::vector<EntityRef>{Role("deploy")});
  // The derived groups are not copies of stored edges: the ordinary groups are unchanged.
  for (const PivotGroup& grp : r->groups) CHECK(grp.kind != EdgeKind::kAssumedRole);

  SECTION("a window keeps only the mints in it") {
    PivotOptions o;
    o.window = TimeWindow{kT0 + 86400, kT0 + 2 * 86400};
    auto w = Pivot(store, bob, o);
    REQUIRE(w.ok());
    const PivotDerivedGroup* wr = Derived(*w, "roles_assumed");
    REQUIRE(wr != nullptr);
    REQUIRE(wr->items.size() == 1);
    CHECK(wr->items[0].entity == Role("admin"));
  }
  SECTION("a role's pivot says who assumed it, through which keys and sessions") {
    auto d = Pivot(store, Role("deploy"), PivotOptions{});
    REQUIRE(d.ok());
    const PivotDerivedGroup* by = Derived(*d, "assumed_by");
    REQUIRE(by != nullptr);
    REQUIRE(by->items.size() == 1);
    CHECK(by->items[0].entity == bob);
    CHECK(by->items[0].count == 3);
    CHECK(by->items[0].keys == std::vector<std::string>{"AKIABOB1"});
    auto p = Pivot(store, Role("prod"), PivotOptions{});
    REQUIRE(p.ok());
    const PivotDerivedGroup* prod = Derived(*p, "assumed_by");
    REQUIRE(prod != nullptr);
    REQUIRE(prod->items.size() == 1);
    CHECK(prod->items[0].entity == Session("admin", "x"));  // role chaining: the session, not bob
    CHECK(prod->items[0].keys == std::vector<std::string>{"ASIAADM"});
  }
  SECTION("a session's pivot lists what it assumed in turn") {
    auto s = Pivot(store, Session("admin", "x"), PivotOptions{});
    REQUIRE(s.ok());
    const PivotDerivedGroup* sr = Derived(*s, "roles_assumed");
    REQUIRE(sr != nullptr);
    REQUIRE(sr->items.size() == 1);
    CHECK(sr->items[0].entity == Role("prod"));
  }
}

}  // namespace
}  // namespace gumshoe
