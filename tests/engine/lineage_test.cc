#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "gumshoe/lineage.h"
#include "gumshoe/memory_store.h"
#include "gumshoe/time_util.h"

namespace gumshoe {
namespace {

const Timestamp kT0 = 1772359200;  // 2026-03-01T10:00:00Z

EntityRef Key(const std::string& k) { return {EntityKind::kAccessKey, k}; }
EntityRef User(const std::string& name) { return {EntityKind::kIamUser, "arn:aws:iam::111122223333:user/" + name}; }
EntityRef Session(const std::string& acct, const std::string& s) {
  return {EntityKind::kRoleSession, "arn:aws:sts::" + acct + ":assumed-role/r/" + s};
}

// A graph built edge by edge, the way the CloudTrail ingestor writes it.
class Graph {
 public:
  void Add(const EntityRef& a, EdgeKind k, const EntityRef& b, Timestamp t, const std::string& event,
           const std::string& src_ip = "") {
    EdgeStats& s = delta_.AddEdge(a, k, b, EdgeObservation{t, 1, "cloudtrail:" + event, 1});
    if (!src_ip.empty()) s.counters["src_ip:" + src_ip] += 1;
  }
  // A call signed with `key` by `actor` from `ip` at t.
  void Use(const EntityRef& actor, const EntityRef& key, const std::string& ip, Timestamp t, const std::string& event) {
    Add(actor, EdgeKind::kAuthenticatedWith, key, t, event);
    Add(key, EdgeKind::kCredentialOf, actor, t, event);
    Add(actor, EdgeKind::kCalledFrom, {EntityKind::kIpAddress, ip}, t, event);
    Add(actor, EdgeKind::kCalledApi, {EntityKind::kApiCall, "s3.amazonaws.com:ListBuckets"}, t, event);
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

int NodeOf(const LineageResult& r, const EntityRef& ref) {
  for (size_t i = 0; i < r.nodes.size(); ++i)
    if (r.nodes[i].entity.ref() == ref) return static_cast<int>(i);
  return -1;
}

TEST_CASE("Lineage: role chaining of any depth walks back to the long-term key", "[engine][lineage]") {
  Graph g;
  g.Use(User("alice"), Key("AKIAALICE"), "198.51.100.1", kT0, "e0");
  // 12 hops of AssumeRole, each session minting the next one's key.
  for (int i = 1; i <= 12; ++i) {
    EntityRef prev = i == 1 ? Key("AKIAALICE") : Key("ASIAHOP" + std::to_string(i - 1));
    EntityRef key = Key("ASIAHOP" + std::to_string(i));
    g.Add(prev, EdgeKind::kMinted, key, kT0 + i * 60, "mint" + std::to_string(i), "198.51.100.1");
    g.Add(key, EdgeKind::kCredentialOf, Session(i % 2 ? "111122223333" : "444455556666", "s" + std::to_string(i)),
          kT0 + i * 60, "mint" + std::to_string(i));
    g.Use(Session(i % 2 ? "111122223333" : "444455556666", "s" + std::to_string(i)), key, "198.51.100.1",
          kT0 + i * 60 + 5, "use" + std::to_string(i));
  }
  MemoryStore& store = g.Store();
  auto res = Lineage(store, Key("ASIAHOP12"), LineageOptions{});
  REQUIRE(res.ok());
  int alice = NodeOf(*res, User("alice"));
  REQUIRE(alice >= 0);
  CHECK(res->nodes[alice].depth == 13);  // 11 more keys, AKIA, user
  CHECK(res->nodes[alice].root == LineageRoot::kIamUserKey);
  CHECK(res->Roots().size() == 1);
  int cross = 0;
  for (const LineageLink& l : res->links) cross += l.cross_account ? 1 : 0;
  CHECK(cross == 11);  // sessions alternate between the two accounts

  SECTION("depth limit cuts the walk and says so") {
    LineageOptions opt;
    opt.max_depth = 4;
    auto cut = Lineage(store, Key("ASIAHOP12"), opt);
    REQUIRE(cut.ok());
    CHECK(cut->truncated);
    CHECK(NodeOf(*cut, User("alice")) < 0);
    bool limit = false;
    for (size_t i : cut->Roots()) limit |= cut->nodes[i].root == LineageRoot::kDepthLimit;
    CHECK(limit);
  }
  SECTION("forward mode lists every downstream credential") {
    LineageOptions opt;
    opt.descendants = true;
    auto down = Lineage(store, User("alice"), opt);
    REQUIRE(down.ok());
    for (int i = 1; i <= 12; ++i) CHECK(NodeOf(*down, Key("ASIAHOP" + std::to_string(i))) >= 0);
    CHECK(down->ToTree([](std::string_view s) { return std::string(s); }).find("ASIAHOP12") != std::string::npos);
  }
}

TEST_CASE("Lineage: several candidate parents are all shown, nearest in time first", "[engine][lineage]") {
  Graph g;
  g.Add(Key("AKIAOLD"), EdgeKind::kMinted, Key("ASIAX"), kT0 - 3000, "old");
  g.Add(Key("AKIANEAR"), EdgeKind::kMinted, Key("ASIAX"), kT0 - 30, "near");
  g.Add(Key("AKIALATE"), EdgeKind::kMinted, Key("ASIAX"), kT0 + 600, "late");
  g.Use(Session("111122223333", "x"), Key("ASIAX"), "198.51.100.2", kT0, "use");
  auto res = Lineage(g.Store(), Key("ASIAX"), LineageOptions{});
  REQUIRE(res.ok());
  const LineageNode& start = res->nodes[0];
  // The three mints, nearest first; the key's session is named beside them.
  std::vector<const LineageLink*> mints;
  for (size_t l : start.links)
    if (res->links[l].edge == EdgeKind::kMinted) mints.push_back(&res->links[l]);
  REQUIRE(mints.size() == 3);
  CHECK(mints[0]->event_id == "cloudtrail:near");
  CHECK(mints[1]->event_id == "cloudtrail:old");
  CHECK(mints[2]->event_id == "cloudtrail:late");
  CHECK(start.links.size() == 4);
  CHECK(NodeOf(*res, Session("111122223333", "x")) >= 0);
  CHECK(res->Roots().size() == 3);  // the three minting keys, not the session
}

TEST_CASE("Lineage: cycles are cut", "[engine][lineage]") {
  Graph g;
  g.Add(Key("ASIAA"), EdgeKind::kMinted, Key("ASIAB"), kT0, "ab");
  g.Add(Key("ASIAB"), EdgeKind::kMinted, Key("ASIAC"), kT0 + 1, "bc");
  g.Add(Key("ASIAC"), EdgeKind::kMinted, Key("ASIAA"), kT0 + 2, "ca");
  auto res = Lineage(g.Store(), Key("ASIAC"), LineageOptions{});
  REQUIRE(res.ok());
  CHECK(res->nodes.size() == 3);
  bool cycle = false;
  for (size_t i : res->Roots()) cycle |= res->nodes[i].root == LineageRoot::kCycle;
  CHECK(cycle);
}

TEST_CASE("Lineage: roots name where trust came from", "[engine][lineage]") {
  Graph g;
  EntityRef root{EntityKind::kIamUser, "arn:aws:iam::111122223333:root"};
  g.delta_.AddTag(root, "root", kT0);
  g.Add(root, EdgeKind::kCreated, User("bob"), kT0, "cu");
  EntityRef idp{EntityKind::kIdentityProvider, "arn:aws:iam::111122223333:saml-provider/Okta"};
  EntityRef saml_session = Session("111122223333", "jdoe");
  g.Add(saml_session, EdgeKind::kFederatedBy, idp, kT0, "saml");
  g.Use(Session("111122223333", "ghost"), Key("ASIAGHOST"), "198.51.100.9", kT0 + 7200, "ghost");
  MemoryStore& store = g.Store();

  auto bob = Lineage(store, User("bob"), LineageOptions{});
  REQUIRE(bob.ok());
  REQUIRE(bob->Roots().size() == 1);
  CHECK(bob->nodes[bob->Roots()[0]].root == LineageRoot::kRootAccount);

  auto saml = Lineage(store, saml_session, LineageOptions{});
  REQUIRE(saml.ok());
  REQUIRE(saml->Roots().size() == 1);
  CHECK(saml->nodes[saml->Roots()[0]].root == LineageRoot::kIdentityProvider);

  auto ghost = Lineage(store, Key("ASIAGHOST"), LineageOptions{});
  REQUIRE(ghost.ok());
  REQUIRE(ghost->Roots().size() == 1);
  const LineageNode& r = ghost->nodes[ghost->Roots()[0]];
  CHECK(r.root == LineageRoot::kOriginNotObserved);
  CHECK(r.note.find(FormatTime(kT0 + 7200)) != std::string::npos);

  auto missing = Lineage(store, Key("ASIANOPE"), LineageOptions{});
  CHECK(missing.status().code() == Status::Code::kNotFound);
}

TEST_CASE("Lineage: credential used after its creator was deactivated is flagged", "[engine][lineage]") {
  Graph g;
  g.Use(User("mallory"), Key("AKIAMAL"), "198.51.100.3", kT0, "u0");
  g.Add(Key("AKIAMAL"), EdgeKind::kMinted, Key("ASIAMINT"), kT0 + 10, "mint");
  g.Add(User("admin"), EdgeKind::kDeleted, Key("AKIAMAL"), kT0 + 100, "deactivate");
  g.Use(Session("111122223333", "m"), Key("ASIAMINT"), "198.51.100.3", kT0 + 200, "late-use");
  auto res = Lineage(g.Store(), Key("ASIAMINT"), LineageOptions{});
  REQUIRE(res.ok());
  REQUIRE(res->flags.size() == 1);
  CHECK(res->flags[0].kind == "used_after_creator_deleted");
  CHECK(res->flags[0].entity == Key("ASIAMINT"));
}

TEST_CASE("Lineage: instance-profile credentials used outside AWS", "[engine][lineage]") {
  Graph g;
  EntityRef svc{EntityKind::kAwsService, "ec2.amazonaws.com"};
  EntityRef inst{EntityKind::kEc2Instance, "i-0123456789abcdef0"};
  EntityRef sess = Session("111122223333", "i-0123456789abcdef0");
  g.Add(svc, EdgeKind::kMinted, Key("ASIAIP"), kT0, "mint");
  g.Add(Key("ASIAIP"), EdgeKind::kCredentialOf, sess, kT0, "mint");
  g.Add(sess, EdgeKind::kSessionOnInstance, inst, kT0, "mint");
  g.Add(User("ops"), EdgeKind::kLaunched, inst, kT0 - 60, "launch", "198.51.100.4");
  g.Use(sess, Key("ASIAIP"), "34.250.10.20", kT0 + 10, "inside");
  g.Use(sess, Key("ASIAIP"), "10.0.0.5", kT0 + 20, "private");
  g.Use(sess, Key("ASIAIP"), "185.220.101.4", kT0 + 30, "outside");
  SECTION("with AWS ip-ranges stored") {
    AwsIpRanges ranges;
    ranges.sync_token = "42";
    ranges.create_date = "2026-03-01-00-00-00";
    ranges.Add(AwsIpRange{*ParsePrefix("34.248.0.0/13"), "EC2", "eu-west-1", "eu-west-1"});
    EntityRef holder{AwsIpRanges::kEntityKind, std::string(AwsIpRanges::kEntityKey)};
    std::vector<std::string> chunks = ranges.EncodeChunks();
    g.delta_.SetAttr(holder, "ip_ranges.chunk.00000", chunks[0], kT0);
    g.delta_.SetAttr(holder, AwsIpRanges::kAttrChunks, "1", kT0);
    g.delta_.SetAttr(holder, AwsIpRanges::kAttrSyncToken, "42", kT0);
    auto res = Lineage(g.Store(), Key("ASIAIP"), LineageOptions{});
    REQUIRE(res.ok());
    CHECK(res->ip_ranges_loaded);
    REQUIRE(res->flags.size() == 1);
    CHECK(res->flags[0].kind == "used_outside_aws");
    CHECK(res->flags[0].evidence == "cloudtrail:outside");
    CHECK(NodeOf(*res, User("ops")) >= 0);  // instance -> launcher
  }
  SECTION("without: the first-use heuristic, and the result says so") {
    auto res = Lineage(g.Store(), Key("ASIAIP"), LineageOptions{});
    REQUIRE(res.ok());
    CHECK_FALSE(res->ip_ranges_loaded);
    CHECK(res->ip_ranges_note.find("heuristic") != std::string::npos);
    size_t flagged = 0;
    for (const LineageFlag& f : res->flags) flagged += f.kind == "used_from_new_ip";
    CHECK(flagged == 2);
  }
}

TEST_CASE("AwsIpRanges: chunks round-trip, chunks of another snapshot are ignored", "[engine][lineage]") {
  AwsIpRanges ranges;
  ranges.sync_token = "7";
  for (int i = 0; i < 3000; ++i)
    ranges.Add(AwsIpRange{*ParsePrefix("10." + std::to_string(i / 256) + "." + std::to_string(i % 256) + ".0/24"),
                          "EC2", "eu-west-1", "eu-west-1"});
  ranges.Add(AwsIpRange{*ParsePrefix("10.0.0.0/8"), "AMAZON", "GLOBAL", "GLOBAL"});
  std::vector<std::string> chunks = ranges.EncodeChunks();
  CHECK(chunks.size() > 1);
  GraphDelta d;
  EntityRef holder{AwsIpRanges::kEntityKind, std::string(AwsIpRanges::kEntityKey)};
  char name[48];
  for (size_t i = 0; i < chunks.size(); ++i) {
    CHECK(chunks[i].size() <= kMaxAttrValueBytes);
    std::snprintf(name, sizeof(name), "ip_ranges.chunk.%05zu", i);
    d.SetAttr(holder, name, chunks[i], kT0);
  }
  d.SetAttr(holder, "ip_ranges.chunk.00000", "sync 6\n11.0.0.0/8 EC2 x x\n", kT0 + 1);  // a stale newer write
  d.SetAttr(holder, AwsIpRanges::kAttrChunks, std::to_string(chunks.size()), kT0);
  d.SetAttr(holder, AwsIpRanges::kAttrSyncToken, "7", kT0);
  MemoryStore store;
  REQUIRE(store.Apply(d).ok());
  auto loaded = AwsIpRanges::Load(store);
  REQUIRE(loaded.ok());
  REQUIRE(loaded->has_value());
  CHECK((*loaded)->Lookup(*ParseIp("11.1.1.1")) == nullptr);
  const AwsIpRange* r = (*loaded)->Lookup(*ParseIp("10.11.183.9"));  // i = 11*256+183 = 3000-1
  REQUIRE(r != nullptr);
  CHECK(r->service == "EC2");
  CHECK((*loaded)->Lookup(*ParseIp("10.200.0.1"))->service == "AMAZON");
  Entity ip{EntityKind::kIpAddress, "10.11.183.9"};
  CHECK(AnnotateAwsIp(**loaded, ip));
  CHECK(*ip.Attr("aws_region") == "eu-west-1");
  CHECK(ip.tags.count("aws") == 1);
}

TEST_CASE("Lineage: results convert to a subgraph, JSON and an escaped tree", "[engine][lineage]") {
  Graph g;
  g.Use(User("alice"), Key("AKIAALICE"), "198.51.100.1", kT0, "e0");
  g.Add(Key("AKIAALICE"), EdgeKind::kMinted, Key("ASIAZ"), kT0 + 5, "evil\x1b[31m", "198.51.100.1");
  auto res = Lineage(g.Store(), Key("ASIAZ"), LineageOptions{});
  REQUIRE(res.ok());
  Subgraph sg = res->ToSubgraph();
  CHECK(sg.nodes.size() == 3);
  CHECK(sg.nodes[0].emphasis == Emphasis::kFocus);
  REQUIRE(sg.edges.size() == 2);
  CHECK(sg.edges[0].kind == EdgeKind::kMinted);
  CHECK(sg.edges[0].src == Key("AKIAALICE"));  // the stored direction
  CHECK(sg.edges[0].dst == Key("ASIAZ"));
  std::string json = res->ToJson();
  CHECK(json.find("\\u001b") != std::string::npos);
  CHECK(json.find('\x1b') == std::string::npos);
  std::string tree = res->ToTree([](std::string_view s) {
    std::string out;
    for (char c : s) out += c == '\x1b' ? std::string("\\x1b") : std::string(1, c);
    return out;
  });
  CHECK(tree.find('\x1b') == std::string::npos);
  CHECK(tree.find("<- minted access_key AKIAALICE") != std::string::npos);
}

}  // namespace
}  // namespace gumshoe
