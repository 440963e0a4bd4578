#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
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
const std::string kAudit = kData + "/db_login/audit.log.0.2024-03-20-09-00";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Parses `text` as the file `path` with `ingestor` and applies it to `store`.
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

TEST_CASE("MysqlAudit: logins, failures, probes and statements become the login graph", "[ingest][mysql_audit]") {
  MemoryStore store;
  auto ctx = Feed(store, *NewMysqlAuditIngestor(), kAudit, ReadFile(kAudit));

  // Malformed lines are counted with their line numbers; neighbours are kept.
  CHECK(ctx->rejects["bad_field_count"] == 2);
  CHECK(ctx->reject_lines["bad_field_count"] == std::set<uint64_t>{25, 38});
  CHECK(ctx->rejects["bad_time"] == 1);
  CHECK(ctx->reject_lines["bad_time"] == std::set<uint64_t>{48});

  EntityRef admin = Ref(EntityKind::kDbUser, "prod-aurora-1/admin");
  auto brute = FindEdge(store, Ref(EntityKind::kIpAddress, "45.155.205.233"), EdgeKind::kDbLogin, admin);
  REQUIRE(brute);
  CHECK(brute->failure == 12);
  CHECK(brute->success == 1);
  CHECK(brute->first_evidence.ref == kAudit + ":26");

  auto of = FindEdge(store, admin, EdgeKind::kDbUserOf, Ref(EntityKind::kRdsInstance, "prod-aurora-1"));
  REQUIRE(of);

  // DDL/DCL: CREATE USER and GRANT point at the new user; DROP TABLE at the instance.
  auto created = FindEdge(store, admin, EdgeKind::kDbAction, Ref(EntityKind::kDbUser, "prod-aurora-1/backdoor"));
  REQUIRE(created);
  CHECK(created->counters["CREATE USER"] == 1);
  CHECK(created->counters["GRANT"] == 1);
  auto dropped = FindEdge(store, admin, EdgeKind::kDbAction, Ref(EntityKind::kRdsInstance, "prod-aurora-1"));
  REQUIRE(dropped);
  CHECK(dropped->counters["DROP TABLE"] == 1);

  // Ordinary statements are counted per database on db_user_of.
  auto app_of = FindEdge(store, Ref(EntityKind::kDbUser, "prod-aurora-1/app"), EdgeKind::kDbUserOf,
                         Ref(EntityKind::kRdsInstance, "prod-aurora-1"));
  REQUIRE(app_of);
  CHECK(app_of->counters["db:shop"] == 7);

  // The probe (no user name sent) is one probe for its connection: an
  // attempt of the IP on the instance, no DB user made up for it.
  auto probe = FindEdge(store, Ref(EntityKind::kIpAddress, "45.155.205.99"), EdgeKind::kDbLogin,
                        Ref(EntityKind::kRdsInstance, "prod-aurora-1"));
  REQUIRE(probe);
  CHECK(probe->counters["probe"] == 1);
  CHECK(probe->success == 0);
  auto pseudo = store.Find(Ref(EntityKind::kDbUser, "prod-aurora-1/[unknown]"));
  REQUIRE(pseudo.ok());
  CHECK_FALSE(pseudo->has_value());

  // Passwords in statements are never stored.
  bool leaked = false;
  REQUIRE(store.ScanEntities(std::nullopt, [&](const Entity& e) {
    leaked |= e.key.find("s3cret") != std::string::npos;
    for (const auto& [k, v] : e.attrs) leaked |= v.value.find("s3cret") != std::string::npos;
    return true;
  }).ok());
  CHECK_FALSE(leaked);
}

TEST_CASE("MysqlAudit: the instance comes from the export path, then --db-instance, then serverhost",
          "[ingest][mysql_audit]") {
  const std::string line = "1710640800000000,ip-10-0-0-5,alice,10.0.3.4,7,0,CONNECT,db,,0\n";
  auto ingestor = NewMysqlAuditIngestor();
  IngestOptions opt;
  opt.db_instance = "Option-DB";
  {
    MemoryStore store;
    Feed(store, *ingestor, "exports/aws/rds/instance/Orders-DB/audit/audit.log.1", line, opt);
    CHECK(FindEdge(store, Ref(EntityKind::kDbUser, "orders-db/alice"), EdgeKind::kDbUserOf,
                   Ref(EntityKind::kRdsInstance, "orders-db")));
  }
  {
    MemoryStore store;
    Feed(store, *ingestor, "audit.log.1", line, opt);
    CHECK(FindEdge(store, Ref(EntityKind::kDbUser, "option-db/alice"), EdgeKind::kDbUserOf,
                   Ref(EntityKind::kRdsInstance, "option-db")));
  }
  {
    MemoryStore store;
    Feed(store, *ingestor, "audit.log.1", line);
    CHECK(FindEdge(store, Ref(EntityKind::kDbUser, "ip-10-0-0-5/alice"), EdgeKind::kDbUserOf,
                   Ref(EntityKind::kRdsInstance, "ip-10-0-0-5")));
  }
}

TEST_CASE("MysqlAudit: RDS MySQL timestamps and quoted objects with commas", "[ingest][mysql_audit]") {
  MemoryStore store;
  auto ctx = Feed(store, *NewMysqlAuditIngestor(), "audit.log",
                  "20240317 02:05:00,db1,bob,45.155.205.1,9,0,CONNECT,,,0\n"
                  "20240317 02:05:01,db1,bob,45.155.205.1,9,3,QUERY,,'ALTER USER \\'carol\\'@\\'%\\' "
                  "IDENTIFIED BY \\'a,b\\'',0\n");
  CHECK(ctx->rejects.empty());
  auto login = FindEdge(store, Ref(EntityKind::kIpAddress, "45.155.205.1"), EdgeKind::kDbLogin,
                        Ref(EntityKind::kDbUser, "db1/bob"));
  REQUIRE(login);
  CHECK(login->first_seen == 1710641100);
  auto altered = FindEdge(store, Ref(EntityKind::kDbUser, "db1/bob"), EdgeKind::kDbAction,
                          Ref(EntityKind::kDbUser, "db1/carol"));
  REQUIRE(altered);
  CHECK(altered->counters["ALTER USER PASSWORD"] == 1);
}

TEST_CASE("MysqlAudit: broken quoting and malformed addresses are rejected, host names kept", "[ingest][mysql_audit]") {
  MemoryStore store;
  auto ctx = Feed(store, *NewMysqlAuditIngestor(), "audit.log",
                  "1793527200000002,db1,app,10.0.0.999,3,0,CONNECT,appdb,,0\n"
                  "1793527200000003,db1,app,10.0.0.8,4,7,QUERY,appdb,'SELECT \\'unterminated,0\n"
                  "1793527200000004,db1,app,10.0.0.8,4,8,QUERY,appdb,'SELECT \\'a\\\\\\'',0\n"
                  "1793527200000005,db1,rdsadmin,localhost,5,0,CONNECT,,,0\n");
  CHECK(ctx->rejects == std::map<std::string, int>{{"bad_ip", 1}, {"bad_object", 1}});
  CHECK(ctx->reject_lines["bad_ip"] == std::set<uint64_t>{1});
  CHECK(ctx->reject_lines["bad_object"] == std::set<uint64_t>{2});
  CHECK(ctx->anomalies["login_without_ip"] == 1);
  CHECK(FindEdge(store, Ref(EntityKind::kDbUser, "db1/rdsadmin"), EdgeKind::kDbUserOf,
                 Ref(EntityKind::kRdsInstance, "db1")));
  auto app_of = FindEdge(store, Ref(EntityKind::kDbUser, "db1/app"), EdgeKind::kDbUserOf,
                         Ref(EntityKind::kRdsInstance, "db1"));
  REQUIRE(app_of);
  CHECK(app_of->counters["db:appdb"] == 1);
}

TEST_CASE("MysqlAudit: sniffing picks the audit log", "[ingest][mysql_audit]") {
  std::string head = ReadFile(kAudit).substr(0, 4096);
  int mine = NewMysqlAuditIngestor()->Sniff("audit.log.0", head);
  CHECK(mine >= 80);
  CHECK(NewPostgresLogIngestor()->Sniff("audit.log.0", head) < mine);
  CHECK(NewThreatIntelIngestor()->Sniff("audit.log.0", head) < mine);
}

TEST_CASE("MysqlAudit: the acceptance stories raise the RDS Protection findings", "[ingest][mysql_audit][rds_detect]") {
  MemoryStore store;
  auto intel = NewThreatIntelIngestor();
  Feed(store, *intel, kData + "/threat_intel/tor_exit_addresses.txt", ReadFile(kData + "/threat_intel/tor_exit_addresses.txt"));
  Feed(store, *intel, kData + "/threat_intel/blocklist.txt", ReadFile(kData + "/threat_intel/blocklist.txt"));
  Feed(store, *NewMysqlAuditIngestor(), kAudit, ReadFile(kAudit));

  Result<RdsDetectResult> r = DetectRds(store, RdsDetectOptions{});
  REQUIRE(r.ok());
  for (const RdsFinding& f : r->findings) INFO(f.type << " " << f.remote_ip << " " << f.severity_band);

  const RdsFinding* brute = FindFinding(*r, "CredentialAccess:RDS/AnomalousBehavior.SuccessfulBruteForce", "45.155.205.233");
  REQUIRE(brute);
  CHECK(brute->severity_band == "high");
  CHECK(brute->failures == 12);
  CHECK(brute->successes == 1);
  CHECK(brute->db_user == "prod-aurora-1/admin");
  CHECK(AnyStepMentions(*brute, "45.155.205.233"));
  CHECK(AnyStepMentions(*brute, "password of DB user admin"));
  CHECK(AnyStepMentions(*brute, "CREATE USER -> prod-aurora-1/backdoor"));
  CHECK(AnyStepMentions(*brute, "private subnet"));
  CHECK_FALSE(FindFinding(*r, "CredentialAccess:RDS/AnomalousBehavior.SuccessfulLogin", "45.155.205.233"));

  const RdsFinding* tor = FindFinding(*r, "CredentialAccess:RDS/TorIPCaller.SuccessfulLogin", "185.220.101.4");
  REQUIRE(tor);
  CHECK(tor->severity_band == "high");
  CHECK(tor->threat_list == "tor");
  CHECK(tor->user_name == "reporting");
  // Listed on 2024-03-16, tried on 2024-03-20: outside the 24 h window.
  CHECK_FALSE(FindFinding(*r, "CredentialAccess:RDS/TorIPCaller.FailedLogin", "185.220.101.5"));

  const RdsFinding* priv = FindFinding(*r, "CredentialAccess:RDS/AnomalousBehavior.SuccessfulLogin", "10.0.9.7");
  REQUIRE(priv);
  CHECK(priv->severity_band == "low");
  CHECK(priv->severity == 2.0);
  const RdsFinding* after_failures =
      FindFinding(*r, "CredentialAccess:RDS/AnomalousBehavior.SuccessfulLogin", "45.155.206.240");
  REQUIRE(after_failures);
  CHECK(after_failures->severity_band == "high");

  const RdsFinding* probe = FindFinding(*r, "Discovery:RDS/MaliciousIPCaller", "45.155.205.99");
  REQUIRE(probe);
  CHECK(probe->severity_band == "medium");
  CHECK(probe->threat_list == "blocklist");
  CHECK(probe->probes == 1);
  const RdsFinding* cidr = FindFinding(*r, "CredentialAccess:RDS/MaliciousIPCaller.FailedLogin", "91.240.118.172");
  REQUIRE(cidr);
  CHECK(cidr->severity_band == "medium");

  // The baseline's own traffic raises nothing.
  for (const RdsFinding& f : r->findings) CHECK(f.remote_ip != "10.0.1.15");

  // Writing is idempotent; involves edges mark the foothold once.
  Result<uint64_t> w1 = WriteRdsFindings(store, r->findings);
  REQUIRE(w1.ok());
  CHECK(*w1 == r->findings.size());
  Result<RdsDetectResult> again = DetectRds(store, RdsDetectOptions{});
  REQUIRE(again.ok());
  CHECK(again->findings.size() == r->findings.size());
  Result<uint64_t> w2 = WriteRdsFindings(store, again->findings);
  REQUIRE(w2.ok());
  CHECK(*w2 == 0);
  auto entity = store.Find(EntityRef{EntityKind::kFinding, brute->id});
  REQUIRE(entity.ok());
  REQUIRE(entity->has_value());
  const Entity& fe = **entity;
  CHECK(*fe.Attr("source") == "gumshoe");
  CHECK(*fe.Attr("type") == brute->type);
  CHECK(*fe.Attr("severity_band") == "high");
  CHECK(fe.Attr("response_1") != nullptr);
  CHECK(fe.Attr("evidence")->find(kAudit + ":26") != std::string::npos);
  auto inv = FindEdge(store, EntityRef{EntityKind::kFinding, brute->id}, EdgeKind::kInvolves,
                      Ref(EntityKind::kDbUser, "prod-aurora-1/admin"));
  REQUIRE(inv);
  CHECK(inv->counters["foothold"] == 1);
  auto inv_ip = FindEdge(store, EntityRef{EntityKind::kFinding, brute->id}, EdgeKind::kInvolves,
                         Ref(EntityKind::kIpAddress, "45.155.205.233"));
  REQUIRE(inv_ip);
  CHECK(inv_ip->counters["foothold"] == 1);
}

}  // namespace
}  // namespace gumshoe::ingest
