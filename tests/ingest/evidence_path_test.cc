// Issue 20.10: evidence names a file by its path relative to the directory
// given to ingest (an export tree has many files of one base name), with the
// exact 1-based line of the record; an Aurora audit line's serverhost names
// the instance, kept beside (and linked to) the cluster of the export path.
#include <catch2/catch.hpp>

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include "gumshoe/ingest.h"
#include "gumshoe/memory_store.h"

namespace gumshoe {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "gumshoe-evidence-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string Write(const std::string& rel, const std::string& text) const {
    fs::path p = fs::path(path_) / rel;
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
    return p.string();
  }

 private:
  std::string path_;
};

std::optional<EdgeStats> FindEdge(const GraphReader& r, const EntityRef& src, EdgeKind kind, const EntityRef& dst) {
  std::optional<EdgeStats> out;
  EntityId want = r.IdOf(dst.kind, dst.key);
  REQUIRE(r.ScanEdges(r.IdOf(src.kind, src.key), Direction::kOut, kind, [&](const Edge& e) {
             if (e.dst == want) out = e.stats;
             return true;
           }).ok());
  return out;
}

EntityRef Ref(EntityKind kind, std::string key) { return EntityRef{kind, std::move(key)}; }

const char* kFlowsDay1 =
    "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n"
    "2 111122223333 eni-0a1b2c3d4e5f60001 10.0.1.15 198.51.100.20 49152 443 6 10 5000 1710925200 1710925260 ACCEPT OK\n";
// The same base name on the next day: its line 3 is the only flow to 198.51.100.21.
const char* kFlowsDay2 =
    "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n"
    "2 111122223333 eni-0a1b2c3d4e5f60001 10.0.1.15 198.51.100.20 49160 443 6 10 5000 1711011600 1711011660 ACCEPT OK\n"
    "2 111122223333 eni-0a1b2c3d4e5f60001 10.0.1.15 198.51.100.21 49161 443 6 3 900 1711011700 1711011760 ACCEPT OK\n";
const std::string kFlowDir = "AWSLogs/111122223333/vpcflowlogs/us-east-1/2024/03/";
const std::string kFlowName = "111122223333_vpcflowlogs_us-east-1_fl-0a1b2c3d_20240320T0905Z_3f2a1b9c.log";

// Aurora MySQL advanced audit, exported from the cluster's log group; the
// serverhost field names the instance that wrote each line.
const char* kAudit =
    "1710925200000000,prod-aurora-instance-1,admin,10.0.1.15,77,0,CONNECT,shop,,0\n"
    "1710925201000000,prod-aurora-instance-1,admin,10.0.1.15,77,1,QUERY,shop,'SELECT 1',0\n"
    "1710925202000000,prod-aurora-instance-1,admin,10.0.1.15,77,2,QUERY,shop,'CREATE USER \\'backdoor\\'@\\'%\\' "
    "IDENTIFIED BY \\'x\\'',0\n";

// RDS PostgreSQL with a statement spanning three lines (continuations start
// with a tab): the CREATE ROLE after it is on line 6.
const char* kPostgres =
    "2024-03-20 09:00:00 UTC:10.0.1.15(45986):app@appdb:[3464]:LOG:  connection authorized: user=app database=appdb\n"
    "2024-03-20 09:00:01 UTC:10.0.1.15(45986):app@appdb:[3464]:LOG:  statement: SELECT id,\n"
    "\tname\n"
    "\tFROM orders\n"
    "2024-03-20 09:00:02 UTC:10.0.1.15(45986):app@appdb:[3464]:LOG:  statement: SELECT 2\n"
    "2024-03-20 09:00:03 UTC:10.0.1.15(45986):app@appdb:[3464]:LOG:  statement: CREATE ROLE intruder LOGIN\n";

// Route 53 Resolver records in a pretty-printed JSON array: the second
// record's object starts on line 8.
const char* kResolver =
    "[\n"
    "  {\n"
    "    \"version\": \"1.100000\", \"account_id\": \"111122223333\", \"region\": \"us-east-1\",\n"
    "    \"vpc_id\": \"vpc-0abc1234\", \"query_timestamp\": \"2024-03-20T09:00:00Z\", \"query_name\": \"a.example.\",\n"
    "    \"query_type\": \"A\", \"query_class\": \"IN\", \"rcode\": \"NOERROR\", \"answers\": [],\n"
    "    \"srcaddr\": \"10.0.1.15\", \"srcport\": \"40000\", \"transport\": \"UDP\", \"srcids\": {\"instance\": \"i-0a1b2c3d4e5f60001\"}\n"
    "  },\n"
    "  {\n"
    "    \"version\": \"1.100000\", \"account_id\": \"111122223333\", \"region\": \"us-east-1\",\n"
    "    \"vpc_id\": \"vpc-0abc1234\", \"query_timestamp\": \"2024-03-20T09:00:05Z\", \"query_name\": \"c2.badness.example.\",\n"
    "    \"query_type\": \"A\", \"query_class\": \"IN\", \"rcode\": \"NXDOMAIN\", \"answers\": [],\n"
    "    \"srcaddr\": \"10.0.1.15\", \"srcport\": \"40001\", \"transport\": \"UDP\", \"srcids\": {\"instance\": \"i-0a1b2c3d4e5f60001\"}\n"
    "  }\n"
    "]\n";

IngestStats MustIngest(GraphStore& store, const std::vector<std::string>& paths, size_t threads = 1) {
  IngestOptions options;
  options.threads = threads;
  Result<IngestStats> stats = Ingest(store, paths, options);
  REQUIRE(stats.ok());
  INFO(stats->ToJson());
  CHECK(stats->file_errors.empty());
  CHECK(stats->rejected == 0);
  return std::move(stats).value();
}

TEST_CASE("Evidence: a walked file is cited by its path under the ingested directory, at the exact line",
          "[ingest][evidence]") {
  TempDir dir;
  dir.Write("export/" + kFlowDir + "20/" + kFlowName, kFlowsDay1);
  dir.Write("export/" + kFlowDir + "21/" + kFlowName, kFlowsDay2);
  dir.Write("export/aws/rds/cluster/prod-aurora/audit/audit.log", kAudit);
  dir.Write("export/aws/rds/instance/prod-pg-1/postgresql/postgresql.log", kPostgres);
  dir.Write("export/resolver/queries.json", kResolver);

  for (size_t threads : {1, 3}) {
    CAPTURE(threads);
    for (const std::string& root : {dir.path() + "/export", dir.path() + "/export/"}) {
      CAPTURE(root);
      MemoryStore store;
      MustIngest(store, {root}, threads);

      auto flow = FindEdge(store, Ref(EntityKind::kNetworkInterface, "eni-0a1b2c3d4e5f60001"), EdgeKind::kNetworkFlow,
                           Ref(EntityKind::kIpAddress, "198.51.100.21"));
      REQUIRE(flow);
      CHECK(flow->first_evidence.ref == kFlowDir + "21/" + kFlowName + ":3");

      auto created = FindEdge(store, Ref(EntityKind::kDbUser, "prod-aurora-instance-1/admin"), EdgeKind::kDbAction,
                              Ref(EntityKind::kDbUser, "prod-aurora-instance-1/backdoor"));
      REQUIRE(created);
      CHECK(created->first_evidence.ref == "aws/rds/cluster/prod-aurora/audit/audit.log:3");

      auto role = FindEdge(store, Ref(EntityKind::kDbUser, "prod-pg-1/app"), EdgeKind::kDbAction,
                           Ref(EntityKind::kDbUser, "prod-pg-1/intruder"));
      REQUIRE(role);
      CHECK(role->first_evidence.ref == "aws/rds/instance/prod-pg-1/postgresql/postgresql.log:6");

      auto query = FindEdge(store, Ref(EntityKind::kEc2Instance, "i-0a1b2c3d4e5f60001"), EdgeKind::kQueried,
                            Ref(EntityKind::kDomain, "c2.badness.example"));
      REQUIRE(query);
      CHECK(query->first_evidence.ref == "resolver/queries.json:8");
    }
  }
}

TEST_CASE("Evidence: a file given itself is cited by its base name", "[ingest][evidence]") {
  TempDir dir;
  const std::string file = dir.Write("export/" + kFlowDir + "21/" + kFlowName, kFlowsDay2);
  MemoryStore store;
  MustIngest(store, {file});
  auto flow = FindEdge(store, Ref(EntityKind::kNetworkInterface, "eni-0a1b2c3d4e5f60001"), EdgeKind::kNetworkFlow,
                       Ref(EntityKind::kIpAddress, "198.51.100.21"));
  REQUIRE(flow);
  CHECK(flow->first_evidence.ref == kFlowName + ":3");
}

TEST_CASE("RdsInstance: serverhost names the instance, the export's cluster is kept and linked",
          "[ingest][mysql_audit]") {
  TempDir dir;
  dir.Write("export/aws/rds/cluster/Prod-Aurora/audit/audit.log", kAudit);
  MemoryStore store;
  MustIngest(store, {dir.path() + "/export"});

  const EntityRef instance = Ref(EntityKind::kRdsInstance, "prod-aurora-instance-1");
  auto inst = store.Find(instance);
  REQUIRE(inst.ok());
  REQUIRE(inst->has_value());
  REQUIRE((*inst)->Attr("db_cluster"));
  CHECK(*(*inst)->Attr("db_cluster") == "prod-aurora");
  CHECK((*inst)->Attr("db_kind") == nullptr);
  auto cluster = store.Find(Ref(EntityKind::kRdsInstance, "prod-aurora"));
  REQUIRE(cluster.ok());
  REQUIRE(cluster->has_value());
  REQUIRE((*cluster)->Attr("db_kind"));
  CHECK(*(*cluster)->Attr("db_kind") == "cluster");

  // The login and the user are the instance's.
  auto login = FindEdge(store, Ref(EntityKind::kIpAddress, "10.0.1.15"), EdgeKind::kDbLogin,
                        Ref(EntityKind::kDbUser, "prod-aurora-instance-1/admin"));
  REQUIRE(login);
  CHECK(login->success == 1);
  CHECK(login->first_evidence.ref == "aws/rds/cluster/Prod-Aurora/audit/audit.log:1");
  CHECK(FindEdge(store, Ref(EntityKind::kDbUser, "prod-aurora-instance-1/admin"), EdgeKind::kDbUserOf, instance));
  auto on_cluster = store.Find(Ref(EntityKind::kDbUser, "prod-aurora/admin"));
  REQUIRE(on_cluster.ok());
  CHECK_FALSE(on_cluster->has_value());
}

}  // namespace
}  // namespace gumshoe
