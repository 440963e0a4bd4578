// Forward lineage from a key: what calls signed with it created, through the
// principal or session that made them, in the key's active time only.
#include <catch2/catch.hpp>

#include <string>

#include "gumshoe/lineage.h"
#include "gumshoe/memory_store.h"
#include "gumshoe/time_util.h"

namespace gumshoe {
namespace {

const Timestamp kT0 = 1772359200;  // 2026-03-01T10:00:00Z

EntityRef Key(const std::string& k) { return {EntityKind::kAccessKey, k}; }
EntityRef User(const std::string& name) { return {EntityKind::kIamUser, "arn:aws:iam::111122223333:user/" + name}; }
EntityRef Ip(const std::string& ip) { return {EntityKind::kIpAddress, ip}; }

// Edges as the CloudTrail ingestor writes them for one call.
class Graph {
 public:
  EdgeStats& Add(const EntityRef& a, EdgeKind k, const EntityRef& b, Timestamp t, const std::string& event,
                 int outcome = 1) {
    return delta_.AddEdge(a, k, b, EdgeObservation{t, outcome, "cloudtrail:" + event, 1});
  }
  // A call by `actor` signed with `key` from `ip` at t.
  void Call(const EntityRef& actor, const EntityRef& key, const std::string& ip, Timestamp t, const std::string& event) {
    Add(actor, EdgeKind::kAuthenticatedWith, key, t, event);
    Add(key, EdgeKind::kCredentialOf, actor, t, event);
    Add(actor, EdgeKind::kCalledFrom, Ip(ip), t, event);
    Add(key, EdgeKind::kCalledFrom, Ip(ip), t, event);
  }
  // CreateUser / RunInstances: the call, and the edge on the actor.
  void Make(const EntityRef& actor, const EntityRef& key, const std::string& ip, EdgeKind kind, const EntityRef& made,
            Timestamp t, const std::string& event, bool src_counter = true, int outcome = 1) {
    Call(actor, key, ip, t, event);
    EdgeStats& s = Add(actor, kind, made, t, event, outcome);
    if (src_counter) s.counters["src_ip:" + ip] += 1;
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

const LineageLink* LinkTo(const LineageResult& r, const EntityRef& from, const EntityRef& to) {
  for (const LineageLink& l : r.links)
    if (r.nodes[l.from].entity.ref() == from && r.nodes[l.to].entity.ref() == to) return &l;
  return nullptr;
}

bool Has(const LineageResult& r, const EntityRef& ref) {
  for (const LineageNode& n : r.nodes)
    if (n.entity.ref() == ref) return true;
  return false;
}

LineageResult Down(const GraphReader& reader, const EntityRef& start) {
  LineageOptions opt;
  opt.descendants = true;
  auto r = Lineage(reader, start, opt);
  REQUIRE(r.ok());
  return std::move(r).value();
}

TEST_CASE("Lineage descendants: a principal's two keys each get only the creations made while they were in use",
          "[engine][lineage][descendants]") {
  Graph g;
  const EntityRef ops = User("ops");
  // Key A and key B both in use in the first hour, from different IPs.
  g.Call(ops, Key("AKIAOPSA"), "198.51.100.1", kT0, "a0");
  g.Call(ops, Key("AKIAOPSB"), "198.51.100.2", kT0 + 60, "b0");
  g.Make(ops, Key("AKIAOPSB"), "198.51.100.2", EdgeKind::kCreated, User("x-by-ip"), kT0 + 600, "cx");
  g.Make(ops, Key("AKIAOPSA"), "198.51.100.1", EdgeKind::kCreated, User("y-no-ip"), kT0 + 300, "cy",
         /*src_counter=*/false);
  g.Call(ops, Key("AKIAOPSA"), "198.51.100.1", kT0 + 1800, "a1");
  // Key D: used at the start and 20 hours later, never in hour 10.
  g.Call(ops, Key("AKIAOPSD"), "198.51.100.4", kT0 + 5, "d0");
  g.Call(ops, Key("AKIAOPSD"), "198.51.100.4", kT0 + 20 * 3600, "d1");
  // Key C: only in hour 10, where it created z and launched an instance.
  g.Make(ops, Key("AKIAOPSC"), "198.51.100.3", EdgeKind::kCreated, User("z"), kT0 + 10 * 3600 + 60, "cz");
  g.Make(ops, Key("AKIAOPSC"), "198.51.100.3", EdgeKind::kLaunched, {EntityKind::kEc2Instance, "i-0c0c0c0c0c0c0c0c0"},
         kT0 + 10 * 3600 + 120, "run");
  // A denied CreateUser with key C: an attempt creates nothing.
  g.Make(ops, Key("AKIAOPSC"), "198.51.100.3", EdgeKind::kCreated, User("denied"), kT0 + 10 * 3600 + 180, "cd", true,
         /*outcome=*/-1);
  MemoryStore& store = g.Store();

  SECTION("times that do not overlap: C's creations are C's alone") {
    LineageResult c = Down(store, Key("AKIAOPSC"));
    const LineageLink* z = LinkTo(c, Key("AKIAOPSC"), User("z"));
    REQUIRE(z != nullptr);
    CHECK(z->edge == EdgeKind::kCreated);
    CHECK(z->edge_src == ops);  // the stored edge is the principal's
    CHECK(z->event_id == "cloudtrail:cz");
    CHECK(z->source_ip == "198.51.100.3");
    CHECK(z->note == "signed with this key: the only key of iam_user:arn:aws:iam::111122223333:user/ops in use at " +
                         FormatTime(kT0 + 10 * 3600 + 60));
    const LineageLink* run = LinkTo(c, Key("AKIAOPSC"), {EntityKind::kEc2Instance, "i-0c0c0c0c0c0c0c0c0"});
    REQUIRE(run != nullptr);
    CHECK(run->edge == EdgeKind::kLaunched);
    CHECK_FALSE(Has(c, User("denied")));
    CHECK_FALSE(Has(c, User("x-by-ip")));
    CHECK_FALSE(Has(c, User("y-no-ip")));
    // D's first and last use bracket hour 10, but D signed nothing then.
    LineageResult d = Down(store, Key("AKIAOPSD"));
    CHECK_FALSE(Has(d, User("z")));
    CHECK_FALSE(Has(d, {EntityKind::kEc2Instance, "i-0c0c0c0c0c0c0c0c0"}));
    CHECK_FALSE(Has(d, User("x-by-ip")));
    std::string tree = c.ToTree([](std::string_view s) { return std::string(s); });
    CHECK(tree.find("created iam_user arn:aws:iam::111122223333:user/z") != std::string::npos);
    CHECK(tree.find("by iam_user arn:aws:iam::111122223333:user/ops (signed with this key") != std::string::npos);
    // The picture draws the stored edges: ops -created-> z and ops -authenticated_with-> C.
    Subgraph sg = c.ToSubgraph();
    bool created = false, signed_with = false;
    for (const SubgraphEdge& e : sg.edges) {
      created |= e.src == ops && e.kind == EdgeKind::kCreated && e.dst == User("z");
      signed_with |= e.src == ops && e.kind == EdgeKind::kAuthenticatedWith && e.dst == Key("AKIAOPSC");
    }
    CHECK(created);
    CHECK(signed_with);
  }
  SECTION("keys in use at the same time: the creating call's source IP decides") {
    LineageResult a = Down(store, Key("AKIAOPSA"));
    LineageResult b = Down(store, Key("AKIAOPSB"));
    CHECK_FALSE(Has(a, User("x-by-ip")));
    const LineageLink* x = LinkTo(b, Key("AKIAOPSB"), User("x-by-ip"));
    REQUIRE(x != nullptr);
    CHECK(x->note.find("the only one calling from 198.51.100.2") != std::string::npos);
    CHECK_FALSE(Has(a, User("z")));
    CHECK_FALSE(Has(b, User("z")));
  }
  SECTION("and without a source IP the child is listed under each key, said to be ambiguous") {
    const std::string note = "ambiguous: keys AKIAOPSA, AKIAOPSB, AKIAOPSD of "
                             "iam_user:arn:aws:iam::111122223333:user/ops were all in use at " +
                             FormatTime(kT0 + 300);
    LineageResult a = Down(store, Key("AKIAOPSA"));
    const LineageLink* ya = LinkTo(a, Key("AKIAOPSA"), User("y-no-ip"));
    REQUIRE(ya != nullptr);
    CHECK(ya->note == note);
    LineageResult b = Down(store, Key("AKIAOPSB"));
    const LineageLink* yb = LinkTo(b, Key("AKIAOPSB"), User("y-no-ip"));
    REQUIRE(yb != nullptr);
    CHECK(yb->note == note);
    CHECK(a.ToJson().find("\"note\":\"" + note + "\"") != std::string::npos);
  }
}

TEST_CASE("Lineage descendants: a role session's keys split its creations by time, the session is not walked",
          "[engine][lineage][descendants]") {
  Graph g;
  const EntityRef role{EntityKind::kIamRole, "arn:aws:iam::111122223333:role/deploy"};
  const EntityRef session{EntityKind::kRoleSession, "arn:aws:sts::111122223333:assumed-role/deploy/ci"};
  // The same session name assumed twice: two keys of one session.
  g.Call(User("ci"), Key("AKIACI"), "198.51.100.9", kT0, "u0");
  g.Add(Key("AKIACI"), EdgeKind::kMinted, Key("ASIAFIRST"), kT0, "m1").counters["src_ip:198.51.100.9"] += 1;
  g.Add(Key("ASIAFIRST"), EdgeKind::kCredentialOf, session, kT0, "m1");
  g.Add(session, EdgeKind::kAssumedRole, role, kT0, "m1");
  g.Add(Key("AKIACI"), EdgeKind::kMinted, Key("ASIASECOND"), kT0 + 5 * 3600, "m2");
  g.Add(Key("ASIASECOND"), EdgeKind::kCredentialOf, session, kT0 + 5 * 3600, "m2");
  g.Call(User("ci"), Key("AKIACI"), "198.51.100.9", kT0 + 5 * 3600, "u1");
  g.Make(session, Key("ASIAFIRST"), "198.51.100.9", EdgeKind::kCreated, {EntityKind::kIamRole,
         "arn:aws:iam::111122223333:role/backdoor"}, kT0 + 120, "cr");
  g.Make(session, Key("ASIASECOND"), "198.51.100.9", EdgeKind::kLaunched,
         {EntityKind::kEc2Instance, "i-0d0d0d0d0d0d0d0d0"}, kT0 + 5 * 3600 + 60, "ri");
  MemoryStore& store = g.Store();

  LineageResult first = Down(store, Key("ASIAFIRST"));
  CHECK(Has(first, {EntityKind::kIamRole, "arn:aws:iam::111122223333:role/backdoor"}));
  CHECK(Has(first, session));  // the identity the key belongs to
  CHECK_FALSE(Has(first, {EntityKind::kEc2Instance, "i-0d0d0d0d0d0d0d0d0"}));
  CHECK_FALSE(Has(first, Key("ASIASECOND")));  // a sibling key, not a descendant

  LineageResult second = Down(store, Key("ASIASECOND"));
  CHECK(Has(second, {EntityKind::kEc2Instance, "i-0d0d0d0d0d0d0d0d0"}));
  CHECK_FALSE(Has(second, {EntityKind::kIamRole, "arn:aws:iam::111122223333:role/backdoor"}));

  // From the long-term key: both session keys and what each made.
  LineageResult root = Down(store, Key("AKIACI"));
  CHECK(Has(root, Key("ASIAFIRST")));
  CHECK(Has(root, Key("ASIASECOND")));
  CHECK(Has(root, {EntityKind::kIamRole, "arn:aws:iam::111122223333:role/backdoor"}));
  CHECK(Has(root, {EntityKind::kEc2Instance, "i-0d0d0d0d0d0d0d0d0"}));
}

}  // namespace
}  // namespace gumshoe
