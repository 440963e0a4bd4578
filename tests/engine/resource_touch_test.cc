// Resource-centred questions: from a bucket or a DB instance, who touched it,
// when, from where, with which credential; timeline, blast radius and
// investigate started from one.
#include <catch2/catch.hpp>

#include <string>

#include "gumshoe/blast_radius.h"
#include "gumshoe/investigate.h"
#include "gumshoe/memory_store.h"
#include "gumshoe/resource_touch.h"
#include "gumshoe/timeline.h"

namespace gumshoe {
namespace {

const Timestamp kT0 = 1772359200;  // 2026-03-01T10:00:00Z

EntityRef Key(const std::string& k) { return {EntityKind::kAccessKey, k}; }
EntityRef User(const std::string& n) { return {EntityKind::kIamUser, "arn:aws:iam::111122223333:user/" + n}; }
EntityRef Ip(const std::string& ip) { return {EntityKind::kIpAddress, ip}; }
const EntityRef kBucket{EntityKind::kS3Bucket, "payroll-exports"};
const EntityRef kSession{EntityKind::kRoleSession, "arn:aws:sts::111122223333:assumed-role/etl/job-7"};

class Graph {
 public:
  void Add(const EntityRef& a, EdgeKind k, const EntityRef& b, Timestamp t, const std::string& event, int outcome = 1) {
    delta_.AddEdge(a, k, b, EdgeObservation{t, outcome, "cloudtrail:" + event, 1});
  }
  // One S3 data call as the CloudTrail ingestor writes it.
  void S3(const EntityRef& actor, const EntityRef& key, const std::string& ip, EdgeKind kind, Timestamp t,
          const std::string& event, int outcome = 1) {
    Add(actor, EdgeKind::kAuthenticatedWith, key, t, event, outcome);
    Add(key, EdgeKind::kCredentialOf, actor, t, event);
    Add(actor, EdgeKind::kCalledFrom, Ip(ip), t, event, outcome);
    Add(actor, kind, kBucket, t, event, outcome);
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

void Build(Graph& g) {
  // The ETL session read the bucket nine times in one hour, from one IP.
  for (int i = 0; i < 9; ++i)
    g.S3(kSession, Key("ASIAETL7"), "198.51.100.7", EdgeKind::kRead, kT0 + 60 * i, "r" + std::to_string(i));
  // carol wrote once from 198.51.100.8; her other IP was used two hours later.
  g.S3(User("carol"), Key("AKIACAROL"), "198.51.100.8", EdgeKind::kWrote, kT0 + 120, "w1");
  g.Add(User("carol"), EdgeKind::kCalledFrom, Ip("203.0.113.9"), kT0 + 2 * 3600, "other");
  // dave was denied.
  g.S3(User("dave"), Key("AKIADAVE"), "198.51.100.9", EdgeKind::kRead, kT0 + 300, "denied", -1);
}

const ResourceTouch* TouchBy(const ResourceTouches& t, const EntityRef& actor) {
  for (const ResourceTouch& x : t.touches)
    if (x.actor == actor) return &x;
  return nullptr;
}

TEST_CASE("ResourceTouches: who touched a bucket, when, from where, with which credential", "[engine][resource]") {
  Graph g;
  Build(g);
  MemoryStore& store = g.Store();
  const TimeWindow w{kT0 - 3600, kT0 + 3 * 3600};
  auto t = TouchesOf(store, kBucket, w);
  REQUIRE(t.ok());
  REQUIRE(t->touches.size() == 3);
  const ResourceTouch& etl = t->touches[0];  // most active first
  CHECK(etl.actor == kSession);
  CHECK(etl.edge == EdgeKind::kRead);
  CHECK(etl.window_count == 9);
  CHECK(etl.first_seen == kT0);
  CHECK(etl.last_seen == kT0 + 480);
  CHECK(etl.first_evidence == "cloudtrail:r0");
  CHECK(etl.last_evidence == "cloudtrail:r8");
  CHECK(etl.from == std::vector<EntityRef>{Ip("198.51.100.7")});
  CHECK(etl.credentials == std::vector<EntityRef>{Key("ASIAETL7")});
  const ResourceTouch* carol = TouchBy(*t, User("carol"));
  REQUIRE(carol != nullptr);
  CHECK(carol->edge == EdgeKind::kWrote);
  CHECK(carol->from == std::vector<EntityRef>{Ip("198.51.100.8")});  // not the IP of another hour
  const ResourceTouch* dave = TouchBy(*t, User("dave"));
  REQUIRE(dave != nullptr);
  CHECK(dave->attempt_only);
  // Credentials for lineage: of the touches that succeeded.
  CHECK(t->Credentials() ==
        std::vector<EntityRef>{User("carol"), kSession, Key("AKIACAROL"), Key("ASIAETL7")});
  std::string text = t->ToText([](std::string_view s) { return std::string(s); }, "");
  CHECK(text.find("role_session:arn:aws:sts::111122223333:assumed-role/etl/job-7 read x9 in the window, first "
                  "2026-03-01T10:00:00Z, last 2026-03-01T10:08:00Z from 198.51.100.7 with access_key:ASIAETL7 "
                  "[cloudtrail:r0]") != std::string::npos);
  CHECK(text.find("iam_user:arn:aws:iam::111122223333:user/dave attempted read x1 in the window (all failed)") !=
        std::string::npos);

  SECTION("a window holding part of the reads: counts, times and evidence of that part only") {
    // Reads at minutes 0..8 of 10:00; a window from 10:05 holds 4 of them, but
    // buckets are hourly: the count is the hour's 9, said with hour precision.
    auto part = TouchesOf(store, kBucket, TimeWindow{kT0 + 300, kT0 + 3 * 3600});
    REQUIRE(part.ok());
    const ResourceTouch* s = TouchBy(*part, kSession);
    REQUIRE(s != nullptr);
    CHECK_FALSE(s->window_first_exact);  // the edge's first read (10:00) is before the window
    CHECK(s->window_first == kT0);
    CHECK(s->window_last_exact);
    CHECK(s->window_last == kT0 + 480);
    std::string t2 = part->ToText([](std::string_view x) { return std::string(x); }, "");
    CHECK(t2.find("read x9 in the window (counted by the hour), first the hour from 2026-03-01T10:00:00Z, last 2026-03-01T10:08:00Z from "
                  "198.51.100.7 with access_key:ASIAETL7 [cloudtrail:r8]") != std::string::npos);
  }
  SECTION("outside the window nothing touched it") {
    auto none = TouchesOf(store, kBucket, TimeWindow{kT0 + 5 * 3600, kT0 + 6 * 3600});
    REQUIRE(none.ok());
    CHECK(none->touches.empty());
  }
}

TEST_CASE("ResourceTouches: timeline, blast radius and investigate from a bucket", "[engine][resource]") {
  Graph g;
  Build(g);
  MemoryStore& store = g.Store();
  const TimeWindow w{kT0 - 3600, kT0 + 3 * 3600};

  TimelineOptions topt;
  topt.window = w;
  auto tl = Timeline(store, kBucket, topt);
  REQUIRE(tl.ok());
  REQUIRE(tl->touches);
  CHECK(tl->touches->touches.size() == 3);
  uint64_t read_rows = 0;
  bool written = false;
  for (const TimelineEntry& e : tl->entries) {
    if (e.category == "read_by" && e.item == kSession) read_rows += e.count;
    written |= e.category == "written_by" && e.item == User("carol");
  }
  CHECK(read_rows == 9);
  CHECK(written);

  BlastRadiusOptions bopt;
  bopt.window = w;
  auto plain = BlastRadius(store, kBucket, bopt);
  REQUIRE(plain.ok());
  CHECK(plain->footholds == std::vector<EntityRef>{kBucket});
  bopt.include_resource_touchers = true;
  auto br = BlastRadius(store, kBucket, bopt);
  REQUIRE(br.ok());
  CHECK(br->footholds == std::vector<EntityRef>{kBucket, kSession, User("carol")});  // not dave: denied
  CHECK(br->foothold_note == "the entity asked about; plus 2 principal(s) that touched it in the window");
  CHECK(br->Find(Key("ASIAETL7")) != nullptr);

  InvestigateOptions iopt;
  iopt.window = w;
  auto inv = Investigate(store, kBucket, iopt);
  REQUIRE(inv.ok());
  REQUIRE(inv->touches);
  CHECK(inv->lineages.size() == 4);  // carol, the session, and their keys
  std::string text = inv->ToText([](std::string_view s) { return std::string(s); });
  CHECK(text.find("no credential involved") == std::string::npos);
  CHECK(text.find("TOUCHED BY") != std::string::npos);
  CHECK(text.find("Lineage of access_key:ASIAETL7") != std::string::npos);
}

TEST_CASE("ResourceTouches: a DB instance is touched by its DB users, from the IPs that logged in",
          "[engine][resource]") {
  Graph g;
  const EntityRef db{EntityKind::kRdsInstance, "orders-prod"};
  const EntityRef app{EntityKind::kDbUser, "orders-prod/app"};
  const EntityRef guess{EntityKind::kDbUser, "orders-prod/admin"};
  g.Add(app, EdgeKind::kDbUserOf, db, kT0, "audit.log:1");
  g.Add(Ip("10.0.3.4"), EdgeKind::kDbLogin, app, kT0, "audit.log:1");
  g.Add(guess, EdgeKind::kDbUserOf, db, kT0 + 60, "audit.log:2");
  g.Add(Ip("203.0.113.66"), EdgeKind::kDbLogin, guess, kT0 + 60, "audit.log:2", -1);
  MemoryStore& store = g.Store();
  auto t = TouchesOf(store, db, TimeWindow{kT0 - 3600, kT0 + 3600});
  REQUIRE(t.ok());
  const ResourceTouch* a = TouchBy(*t, app);
  REQUIRE(a != nullptr);
  CHECK(a->edge == EdgeKind::kDbUserOf);
  CHECK(a->from == std::vector<EntityRef>{Ip("10.0.3.4")});
  CHECK(a->credentials == std::vector<EntityRef>{app});
  const ResourceTouch* b = TouchBy(*t, guess);
  REQUIRE(b != nullptr);
  CHECK(b->from.empty());  // its only login failed
}

}  // namespace
}  // namespace gumshoe
