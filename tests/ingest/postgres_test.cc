#include <catch2/catch.hpp>

#include <fstream>
#include <memory>
#include <sstream>

#include "gumshoe/memory_store.h"
#include "gumshoe/normalize.h"
#include "gumshoe/rds_detect.h"
#include "ingest/test_context.h"
#include "registry.h"

namespace gumshoe::ingest {
namespace {

using testing::TestContext;

const std::string kData = GUMSHOE_TEST_DATA;
const std::string kPgLog = kData + "/db_login/aws/rds/instance/Prod-PG-1/postgresql/postgresql.log.2024-03-20-09";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::unique_ptr<TestContext> Feed(GraphStore& store, const Ingestor& ingestor, const std::string& path,
                                  const std::string& text, IngestOptions options = {}) {
  auto ctx = std::make_unique<TestContext>(path);
  ctx->options_ = options;
  auto parser = ingestor.NewParser(FileInfo{path, false}, options);
  ctx->FeedLines(*parser, text);
  REQUIRE(store.Apply(ctx->delta_).ok());
  return ctx;
}

EntityRef Ref(EntityKind kind, std::string_view raw) {
  Result<std::string> key = NormalizeKey(kind, raw);
  REQUIRE(key.ok());
  return EntityRef{kind, *key};
}

std::optional<EdgeStats> FindEdge(const GraphReader& r, const EntityRef& src, EdgeKind kind, const EntityRef& dst) {
  std::optional<EdgeStats> out;
  EntityId want = r.IdOf(dst.kind, dst.key);
  REQUIRE(r.ScanEdges(r.IdOf(src.kind, src.key), Direction::kOut, kind, [&](const Edge& e) {
             if (e.dst == want) out = e.stats;
             return true;
           }).ok());
  return out;
}

const RdsFinding* FindFinding(const RdsDetectResult& r, std::string_view type, std::string_view ip) {
  for (const RdsFinding& f : r.findings)
    if (f.type == type && f.remote_ip == ip) return &f;
  return nullptr;
}

bool AnyStepMentions(const RdsFinding& f, std::string_view text) {
  for (const std::string& s : RdsResponseSteps(f))
    if (s.find(text) != std::string::npos) return true;
  return false;
}

TEST_CASE("Postgres: the RDS prefix gives logins, failures, probes and statements", "[ingest][postgres]") {
  MemoryStore store;
  auto ctx = Feed(store, *NewPostgresLogIngestor(), kPgLog, ReadFile(kPgLog));

  CHECK(ctx->rejects["bad_prefix"] == 2);
  CHECK(ctx->reject_lines["bad_prefix"] == std::set<uint64_t>{35, 72});
  CHECK(ctx->rejects["bad_time"] == 1);
  CHECK(ctx->reject_lines["bad_time"] == std::set<uint64_t>{84});
  CHECK(ctx->no_data > 0);  // DETAIL, checkpoint and disconnection lines

  // The instance comes from the export path, lower-cased.
  EntityRef inst = Ref(EntityKind::kRdsInstance, "prod-pg-1");
  CHECK(inst.key == "prod-pg-1");
  EntityRef pg_user = Ref(EntityKind::kDbUser, "prod-pg-1/postgres");
  auto brute = FindEdge(store, Ref(EntityKind::kIpAddress, "45.155.205.233"), EdgeKind::kDbLogin, pg_user);
  REQUIRE(brute);
  CHECK(brute->failure == 12);
  CHECK(brute->success == 1);
  CHECK(brute->first_evidence.ref == kPgLog + ":37");
  CHECK(brute->counters["app:psql"] == 1);

  auto app = FindEdge(store, Ref(EntityKind::kIpAddress, "10.0.1.15"), EdgeKind::kDbLogin,
                      Ref(EntityKind::kDbUser, "prod-pg-1/app"));
  REQUIRE(app);
  CHECK(app->success == 7);
  CHECK(app->failure == 0);
  CHECK(app->counters["app:orders-api"] == 7);
  auto app_of = FindEdge(store, Ref(EntityKind::kDbUser, "prod-pg-1/app"), EdgeKind::kDbUserOf, inst);
  REQUIRE(app_of);
  CHECK(app_of->counters["db:appdb"] == 7);

  // DDL/DCL by the brute-forced user.
  auto backdoor = FindEdge(store, pg_user, EdgeKind::kDbAction, Ref(EntityKind::kDbUser, "prod-pg-1/backdoor"));
  REQUIRE(backdoor);
  CHECK(backdoor->counters["CREATE ROLE"] == 1);
  CHECK(backdoor->counters["GRANT"] == 1);
  auto altered = FindEdge(store, pg_user, EdgeKind::kDbAction, Ref(EntityKind::kDbUser, "prod-pg-1/app"));
  REQUIRE(altered);
  CHECK(altered->counters["ALTER USER PASSWORD"] == 1);

  // pg_hba rejection is a failed login of the named user.
  auto hba = FindEdge(store, Ref(EntityKind::kIpAddress, "91.240.118.172"), EdgeKind::kDbLogin,
                      Ref(EntityKind::kDbUser, "prod-pg-1/root"));
  REQUIRE(hba);
  CHECK(hba->failure == 1);

  // Probes: a connection never authenticated (flushed at end of file) and an
  // incomplete startup packet. Authenticated connections are not probes.
  // No user named: the attempt is on the instance; no DB user is made up.
  EntityRef noauth = Ref(EntityKind::kRdsInstance, "prod-pg-1");
  auto p1 = FindEdge(store, Ref(EntityKind::kIpAddress, "185.220.101.9"), EdgeKind::kDbLogin, noauth);
  REQUIRE(p1);
  CHECK(p1->counters["probe"] == 1);
  CHECK(p1->first_evidence.ref == kPgLog + ":80");
  auto p2 = FindEdge(store, Ref(EntityKind::kIpAddress, "45.155.205.99"), EdgeKind::kDbLogin, noauth);
  REQUIRE(p2);
  CHECK(p2->counters["probe"] == 1);
  CHECK_FALSE(FindEdge(store, Ref(EntityKind::kIpAddress, "10.0.1.15"), EdgeKind::kDbLogin, noauth));
  CHECK_FALSE(FindEdge(store, Ref(EntityKind::kIpAddress, "45.155.205.233"), EdgeKind::kDbLogin, noauth));
  size_t pseudo_users = 0;
  REQUIRE(store.ScanEntities(EntityKind::kDbUser, [&](const Entity& e) {
    pseudo_users += e.key.find("[unknown]") != std::string::npos;
    return true;
  }).ok());
  CHECK(pseudo_users == 0);
}

TEST_CASE("Postgres: a reused pid turns the unauthenticated connection into a probe", "[ingest][postgres]") {
  MemoryStore store;
  IngestOptions opt;
  opt.db_instance = "pg2";
  auto ctx = Feed(store, *NewPostgresLogIngestor(), "postgresql.log",
                  "2024-03-18 12:00:00 UTC:2001:db8::7(5000):[unknown]@[unknown]:[77]:LOG:  connection received: "
                  "host=2001:db8::7 port=5000\n"
                  "2024-03-18 12:10:00 UTC:10.1.1.1(6000):[unknown]@[unknown]:[77]:LOG:  connection received: "
                  "host=10.1.1.1 port=6000\n"
                  "2024-03-18 12:10:00 UTC:10.1.1.1(6000):bob@db:[77]:LOG:  connection authorized: user=bob database=db\n",
                  opt);
  CHECK(ctx->rejects.empty());
  EntityRef noauth = Ref(EntityKind::kRdsInstance, "pg2");
  auto probe = FindEdge(store, Ref(EntityKind::kIpAddress, "2001:db8::7"), EdgeKind::kDbLogin, noauth);
  REQUIRE(probe);
  CHECK(probe->counters["probe"] == 1);
  CHECK(FindEdge(store, Ref(EntityKind::kIpAddress, "10.1.1.1"), EdgeKind::kDbLogin, Ref(EntityKind::kDbUser, "pg2/bob")));
  CHECK_FALSE(FindEdge(store, Ref(EntityKind::kIpAddress, "10.1.1.1"), EdgeKind::kDbLogin, noauth));
}

TEST_CASE("Postgres: without an instance every line is rejected with a reason", "[ingest][postgres]") {
  MemoryStore store;
  auto ctx = Feed(store, *NewPostgresLogIngestor(), "postgresql.log",
                  "2024-03-18 12:10:00 UTC:10.1.1.1(6000):bob@db:[77]:LOG:  connection authorized: user=bob database=db\n");
  CHECK(ctx->rejects["unknown_db_instance"] == 1);
}

TEST_CASE("Postgres: the acceptance stories raise the RDS Protection findings", "[ingest][postgres][rds_detect]") {
  MemoryStore store;
  auto intel = NewThreatIntelIngestor();
  Feed(store, *intel, kData + "/threat_intel/tor_exit_addresses.txt", ReadFile(kData + "/threat_intel/tor_exit_addresses.txt"));
  Feed(store, *intel, kData + "/threat_intel/blocklist.txt", ReadFile(kData + "/threat_intel/blocklist.txt"));
  Feed(store, *NewPostgresLogIngestor(), kPgLog, ReadFile(kPgLog));

  Result<RdsDetectResult> r = DetectRds(store, RdsDetectOptions{});
  REQUIRE(r.ok());

  const RdsFinding* brute =
      FindFinding(*r, "CredentialAccess:RDS/AnomalousBehavior.SuccessfulBruteForce", "45.155.205.233");
  REQUIRE(brute);
  CHECK(brute->severity_band == "high");
  CHECK(brute->instance == "prod-pg-1");
  CHECK(brute->failures == 12);
  CHECK(AnyStepMentions(*brute, "CREATE ROLE -> prod-pg-1/backdoor"));
  CHECK(AnyStepMentions(*brute, "ALTER USER PASSWORD -> prod-pg-1/app"));
  CHECK(AnyStepMentions(*brute, "password of DB user postgres"));

  const RdsFinding* tor = FindFinding(*r, "CredentialAccess:RDS/TorIPCaller.SuccessfulLogin", "185.220.101.4");
  REQUIRE(tor);
  CHECK(tor->severity_band == "high");
  CHECK_FALSE(FindFinding(*r, "CredentialAccess:RDS/TorIPCaller.FailedLogin", "185.220.101.5"));

  const RdsFinding* priv = FindFinding(*r, "CredentialAccess:RDS/AnomalousBehavior.SuccessfulLogin", "10.0.9.7");
  REQUIRE(priv);
  CHECK(priv->severity_band == "low");
  CHECK_FALSE(AnyStepMentions(*priv, "block 10.0.9.7"));

  const RdsFinding* tor_probe = FindFinding(*r, "Discovery:RDS/TorIPCaller", "185.220.101.9");
  REQUIRE(tor_probe);
  CHECK(tor_probe->severity_band == "medium");
  CHECK(tor_probe->db_user.empty());  // no user was named
  CHECK(tor_probe->instance == "prod-pg-1");
  const RdsFinding* mal_probe = FindFinding(*r, "Discovery:RDS/MaliciousIPCaller", "45.155.205.99");
  REQUIRE(mal_probe);
  CHECK(FindFinding(*r, "CredentialAccess:RDS/MaliciousIPCaller.FailedLogin", "91.240.118.172"));

  for (const RdsFinding& f : r->findings) CHECK(f.remote_ip != "10.0.1.15");

  // A shorter learning period makes the whole history "after the baseline".
  RdsDetectOptions strict;
  strict.learning_period_days = 1;
  Result<RdsDetectResult> r2 = DetectRds(store, strict);
  REQUIRE(r2.ok());
  CHECK(r2->findings.size() >= r->findings.size());
}

}  // namespace
}  // namespace gumshoe::ingest
