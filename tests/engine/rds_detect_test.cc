#include <catch2/catch.hpp>

#include <cstdio>
#include <string>

#include "gumshoe/delta.h"
#include "gumshoe/memory_store.h"
#include "gumshoe/rds_detect.h"
#include "gumshoe/time_util.h"

namespace gumshoe {
namespace {

const Timestamp kDay0 = *ParseIsoTime("2024-03-01T09:00:00Z");
constexpr Timestamp kHour = 3600;
constexpr Timestamp kDay = 86400;

// One login attempt as the db_login ingestors record it.
void Login(GraphDelta& d, const std::string& ip, const std::string& user, Timestamp t, int outcome,
           const std::string& inst = "db1", const std::string& app = "") {
  EntityRef u{EntityKind::kDbUser, inst + "/" + user};
  d.SetAttr(u, "user", user, t);
  d.AddEdge(u, EdgeKind::kDbUserOf, EntityRef{EntityKind::kRdsInstance, inst}, EdgeObservation{t, outcome, "log:1", 1});
  EdgeStats& s = d.AddEdge(EntityRef{EntityKind::kIpAddress, ip}, EdgeKind::kDbLogin, u,
                           EdgeObservation{t, outcome, "log:" + std::to_string(t), 1});
  if (outcome > 0) {
    char key[32];
    std::snprintf(key, sizeof(key), "ok_hour:%08lld", static_cast<long long>(t / 3600));
    s.counters[key] += 1;
  }
  if (!app.empty()) s.counters["app:" + app] += 1;
}

void Probe(GraphDelta& d, const std::string& ip, Timestamp t, const std::string& inst = "db1") {
  EntityRef u{EntityKind::kDbUser, inst + "/[unknown]"};
  d.SetAttr(u, "pseudo", "no_auth", t);
  d.AddEdge(u, EdgeKind::kDbUserOf, EntityRef{EntityKind::kRdsInstance, inst}, EdgeObservation{t, 0, "log:2", 1});
  d.AddEdge(EntityRef{EntityKind::kIpAddress, ip}, EdgeKind::kDbLogin, u, EdgeObservation{t, 0, "log:2", 1})
      .counters["probe"] += 1;
}

void ListIn(GraphDelta& d, const std::string& ip, const std::string& list, Timestamp t, int window_hours) {
  EdgeStats& s = d.AddEdge(EntityRef{EntityKind::kIpAddress, ip}, EdgeKind::kListedIn,
                           EntityRef{EntityKind::kThreatList, list}, EdgeObservation{t, 0, "list:1", 1});
  for (int64_t h = t / 3600 - window_hours; h <= t / 3600 + window_hours; ++h)
    if (h != t / 3600) s.hourly[static_cast<uint32_t>(h)] += 1;
}

// Two weeks of baseline: app from 10.0.1.0/24 every day.
void Baseline(GraphDelta& d) {
  for (int day = 0; day < 14; ++day) Login(d, "10.0.1.15", "app", kDay0 + day * kDay, +1, "db1", "orders");
}

std::vector<const RdsFinding*> OfType(const RdsDetectResult& r, std::string_view type) {
  std::vector<const RdsFinding*> out;
  for (const RdsFinding& f : r.findings)
    if (f.type == type) out.push_back(&f);
  return out;
}
// The pointers point into `r`: a temporary result would leave them dangling.
std::vector<const RdsFinding*> OfType(RdsDetectResult&& r, std::string_view type) = delete;

RdsDetectResult Detect(const MemoryStore& store, const RdsDetectOptions& options = {}) {
  Result<RdsDetectResult> r = DetectRds(store, options);
  REQUIRE(r.ok());
  return std::move(r).value();
}

TEST_CASE("RdsDetect: a new network is anomalous only after the learning period", "[engine][rds_detect]") {
  MemoryStore store;
  GraphDelta d;
  Baseline(d);
  Login(d, "10.0.7.1", "app", kDay0 + 10 * kDay, +1, "db1", "orders");  // inside the learning period
  Login(d, "10.0.8.1", "app", kDay0 + 20 * kDay, +1, "db1", "orders");  // after it
  Login(d, "10.0.1.16", "app", kDay0 + 21 * kDay, +1, "db1", "orders"); // known /24
  REQUIRE(store.Apply(d).ok());

  auto r = Detect(store);
  auto found = OfType(r, "CredentialAccess:RDS/AnomalousBehavior.SuccessfulLogin");
  REQUIRE(found.size() == 1);
  CHECK(found[0]->remote_ip == "10.0.8.1");
  CHECK(found[0]->severity_band == "low");
  CHECK(found[0]->first_seen == kDay0 + 20 * kDay);

  RdsDetectOptions short_learning;
  short_learning.learning_period_days = 5;
  auto r2 = Detect(store, short_learning);
  CHECK(OfType(r2, "CredentialAccess:RDS/AnomalousBehavior.SuccessfulLogin").size() == 2);

  RdsDetectOptions coarse;
  coarse.ipv4_network_bits = 16;  // 10.0.0.0/16 is all known
  RdsDetectResult coarse_result = Detect(store, coarse);
  CHECK(OfType(coarse_result, "CredentialAccess:RDS/AnomalousBehavior.SuccessfulLogin").empty());
}

TEST_CASE("RdsDetect: new user or application is anomalous, public source is medium", "[engine][rds_detect]") {
  MemoryStore store;
  GraphDelta d;
  Baseline(d);
  Login(d, "10.0.1.15", "etl", kDay0 + 20 * kDay, +1, "db1", "orders");      // new user, known network
  Login(d, "10.0.1.20", "app", kDay0 + 20 * kDay, +1, "db1", "sqlmap");      // new application
  Login(d, "52.94.1.1", "app", kDay0 + 20 * kDay, +1, "db1", "orders");      // public
  REQUIRE(store.Apply(d).ok());
  RdsDetectResult result = Detect(store);
  auto found = OfType(result, "CredentialAccess:RDS/AnomalousBehavior.SuccessfulLogin");
  REQUIRE(found.size() == 3);
  std::map<std::string, std::string> band;
  for (const RdsFinding* f : found) band[f->remote_ip + "/" + f->user_name] = f->severity_band;
  CHECK(band["10.0.1.15/etl"] == "low");
  CHECK(band["10.0.1.20/app"] == "low");
  CHECK(band["52.94.1.1/app"] == "medium");
}

TEST_CASE("RdsDetect: brute force needs the threshold of failures within the window", "[engine][rds_detect]") {
  const Timestamp t = kDay0 + 3 * kDay;
  auto run = [&](int failures, Timestamp gap) {
    MemoryStore store;
    GraphDelta d;
    for (int i = 0; i < failures; ++i) Login(d, "45.155.205.233", "admin", t + i, -1);
    Login(d, "45.155.205.233", "admin", t + gap, +1);
    REQUIRE(store.Apply(d).ok());
    RdsDetectResult result = Detect(store);
    return OfType(result, "CredentialAccess:RDS/AnomalousBehavior.SuccessfulBruteForce").size();
  };
  CHECK(run(9, 60) == 0);
  CHECK(run(10, 60) == 1);
  CHECK(run(10, 30 * kHour) == 0);  // failures more than 24 h before the success
  CHECK(run(50, 2 * kHour) == 1);
}

TEST_CASE("RdsDetect: Tor and malicious lists count only while the IP was listed", "[engine][rds_detect]") {
  MemoryStore store;
  GraphDelta d;
  const Timestamp listed = kDay0 + 2 * kDay;
  ListIn(d, "185.220.101.4", "tor", listed, 24);
  ListIn(d, "185.220.101.5", "tor", listed, 24);
  ListIn(d, "185.220.101.6", "tor", listed, 24);
  ListIn(d, "91.240.118.172", "blocklist", listed, 24);
  Login(d, "185.220.101.4", "app", listed + 2 * kHour, +1);
  Login(d, "185.220.101.5", "app", listed + 3 * kHour, -1);
  Login(d, "185.220.101.6", "app", listed + 5 * kDay, +1);  // long after the listing
  Login(d, "91.240.118.172", "root", listed + kHour, +1);
  Probe(d, "185.220.101.5", listed - 3 * kHour);
  Probe(d, "91.240.118.172", listed);
  REQUIRE(store.Apply(d).ok());
  auto r = Detect(store);
  auto tor_ok = OfType(r, "CredentialAccess:RDS/TorIPCaller.SuccessfulLogin");
  REQUIRE(tor_ok.size() == 1);
  CHECK(tor_ok[0]->remote_ip == "185.220.101.4");
  CHECK(tor_ok[0]->severity == 8.0);
  auto tor_fail = OfType(r, "CredentialAccess:RDS/TorIPCaller.FailedLogin");
  REQUIRE(tor_fail.size() == 1);
  CHECK(tor_fail[0]->remote_ip == "185.220.101.5");
  CHECK(tor_fail[0]->severity_band == "medium");
  CHECK(OfType(r, "Discovery:RDS/TorIPCaller").size() == 1);
  auto mal = OfType(r, "CredentialAccess:RDS/MaliciousIPCaller.SuccessfulLogin");
  REQUIRE(mal.size() == 1);
  CHECK(mal[0]->threat_list == "blocklist");
  CHECK(OfType(r, "Discovery:RDS/MaliciousIPCaller").size() == 1);
  CHECK(OfType(r, "CredentialAccess:RDS/MaliciousIPCaller.FailedLogin").empty());
}

TEST_CASE("RdsDetect: a busy edge whose ok_hour counters overflowed still reads late successes", "[engine][rds_detect]") {
  MemoryStore store;
  GraphDelta d;
  const Timestamp start = kDay0;
  for (int h = 0; h < 150; ++h) Login(d, "185.220.101.4", "app", start + h * kHour, +1);
  const Timestamp listed = start + 140 * kHour;
  ListIn(d, "185.220.101.4", "tor", listed, 2);
  REQUIRE(store.Apply(d).ok());
  bool overflowed = false;
  REQUIRE(store.ScanEdges(store.IdOf(EntityKind::kIpAddress, "185.220.101.4"), Direction::kOut, EdgeKind::kDbLogin,
                          [&](const Edge& e) {
                            overflowed = e.stats.counters.count("overflow") != 0;
                            return true;
                          }).ok());
  CHECK(overflowed);
  auto r = Detect(store);
  CHECK(OfType(r, "CredentialAccess:RDS/TorIPCaller.SuccessfulLogin").size() == 1);
  CHECK(OfType(r, "CredentialAccess:RDS/TorIPCaller.FailedLogin").empty());
}

TEST_CASE("RdsDetect: CIDR entries of a list match addresses inside their window", "[engine][rds_detect]") {
  MemoryStore store;
  GraphDelta d;
  const Timestamp t = kDay0 + kDay;
  d.SetAttr(EntityRef{EntityKind::kThreatList, "scanners"}, "cidr:91.240.118.0/24",
            std::to_string(t - kDay) + ".." + std::to_string(t + kDay), t);
  Login(d, "91.240.118.9", "root", t, -1);
  Login(d, "91.240.119.9", "root", t, -1);             // outside the prefix
  Login(d, "91.240.118.10", "root", t + 3 * kDay, -1);  // outside the window
  REQUIRE(store.Apply(d).ok());
  RdsDetectResult result = Detect(store);
  auto found = OfType(result, "CredentialAccess:RDS/MaliciousIPCaller.FailedLogin");
  REQUIRE(found.size() == 1);
  CHECK(found[0]->remote_ip == "91.240.118.9");
}

TEST_CASE("RdsDetect: anomalous failed logins from a new network", "[engine][rds_detect]") {
  MemoryStore store;
  GraphDelta d;
  Baseline(d);
  for (int i = 0; i < 3; ++i) Login(d, "10.0.9.9", "app", kDay0 + 20 * kDay + i, -1);
  for (int i = 0; i < 2; ++i) Login(d, "10.0.10.9", "app", kDay0 + 20 * kDay + i, -1);
  REQUIRE(store.Apply(d).ok());
  RdsDetectResult result = Detect(store);
  auto found = OfType(result, "CredentialAccess:RDS/AnomalousBehavior.FailedLogin");
  REQUIRE(found.size() == 1);
  CHECK(found[0]->remote_ip == "10.0.9.9");
  CHECK(found[0]->failures == 3);
  CHECK(found[0]->severity_band == "low");
}

TEST_CASE("RdsDetect: finding ids are stable across stores and runs, the window filters", "[engine][rds_detect]") {
  auto build = [](MemoryStore& store) {
    GraphDelta d;
    Baseline(d);
    Login(d, "10.0.8.1", "app", kDay0 + 20 * kDay, +1);
    REQUIRE(store.Apply(d).ok());
  };
  MemoryStore a, b;
  build(a);
  build(b);
  auto ra = Detect(a), rb = Detect(b);
  REQUIRE(ra.findings.size() == 1);
  REQUIRE(rb.findings.size() == 1);
  CHECK(ra.findings[0].id == rb.findings[0].id);
  CHECK(ra.findings[0].id.rfind("gumshoe-rds-", 0) == 0);

  RdsDetectOptions early;
  early.window.until = kDay0 + 15 * kDay;
  CHECK(Detect(a, early).findings.empty());
}

TEST_CASE("RdsDetect: response steps name the IP, the user and what the user did", "[engine][rds_detect]") {
  RdsFinding f;
  f.type = "CredentialAccess:RDS/AnomalousBehavior.SuccessfulLogin";
  f.instance = "db1";
  f.db_user = "db1/app";
  f.user_name = "app";
  f.remote_ip = "10.0.8.1";
  f.ip_class = "private";
  f.successes = 1;
  f.first_seen = kDay0;
  auto steps = RdsResponseSteps(f);
  REQUIRE(steps.size() == 3);  // private instance: no subnet step
  CHECK(steps[0].find("10.0.8.1") != std::string::npos);
  CHECK(steps[1].find("Rotate the password of DB user app") != std::string::npos);
  CHECK(steps[2].find("no DDL/DCL") != std::string::npos);

  f.ip_class = "public";
  f.remote_ip = "45.155.205.233";
  f.instance_public = true;
  f.db_actions = {"CREATE USER -> db1/backdoor [audit.log:40]"};
  steps = RdsResponseSteps(f);
  REQUIRE(steps.size() == 4);
  CHECK(steps[0].find("block 45.155.205.233") != std::string::npos);
  CHECK(steps[2].find("private subnet") != std::string::npos);
  CHECK(steps[3].find("CREATE USER -> db1/backdoor") != std::string::npos);
}

TEST_CASE("RdsDetect: writing findings is idempotent and marks the foothold once", "[engine][rds_detect]") {
  MemoryStore store;
  GraphDelta d;
  Baseline(d);
  Login(d, "10.0.8.1", "app", kDay0 + 20 * kDay, +1);
  REQUIRE(store.Apply(d).ok());
  auto r = Detect(store);
  REQUIRE(r.findings.size() == 1);
  REQUIRE(*WriteRdsFindings(store, r.findings) == 1);
  REQUIRE(*WriteRdsFindings(store, Detect(store).findings) == 0);

  // More activity on the same edge updates the finding in place.
  GraphDelta more;
  Login(more, "10.0.8.1", "app", kDay0 + 22 * kDay, +1);
  REQUIRE(store.Apply(more).ok());
  auto r2 = Detect(store);
  REQUIRE(r2.findings.size() == 1);
  CHECK(r2.findings[0].id == r.findings[0].id);
  REQUIRE(*WriteRdsFindings(store, r2.findings) == 1);

  EntityRef finding{EntityKind::kFinding, r.findings[0].id};
  auto e = store.Find(finding);
  REQUIRE(e->has_value());
  CHECK(*(*e)->Attr("source") == "gumshoe");
  CHECK(*(*e)->Attr("successes") == "2");
  CHECK(*(*e)->Attr("severity") == "2");
  int involves = 0;
  REQUIRE(store.ScanEdges(store.IdOf(EntityKind::kFinding, finding.key), Direction::kOut, EdgeKind::kInvolves,
                          [&](const Edge& edge) {
                            ++involves;
                            if (edge.dst.kind == EntityKind::kDbUser || edge.dst.kind == EntityKind::kIpAddress)
                              CHECK(edge.stats.counters.at("foothold") == 1);
                            return true;
                          }).ok());
  CHECK(involves == 3);
}

}  // namespace
}  // namespace gumshoe
