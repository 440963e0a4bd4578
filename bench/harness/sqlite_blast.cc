#include "sqlite_blast.h"

#include <sqlite3.h>

#include <cstdio>
#include <filesystem>
#include <vector>

#include "bench_util.h"
#include "gumshoe/blast_radius.h"

namespace gumshoe::bench {
namespace {

bool Exec(sqlite3* db, const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::fprintf(stderr, "sqlite: %s: %s\n", sql.c_str(), err ? err : "?");
    sqlite3_free(err);
    return false;
  }
  return true;
}

std::string KindList(const std::vector<int>& kinds) {
  std::string out;
  for (int k : kinds) out += (out.empty() ? "" : ",") + std::to_string(k);
  return out;
}

}  // namespace

SqliteBlast::~SqliteBlast() {
  if (query_ != nullptr) sqlite3_finalize(query_);
  if (db_ != nullptr) sqlite3_close(db_);
}

bool SqliteBlast::Open(const std::string& path) {
  std::error_code ec;
  std::filesystem::remove(path, ec);
  if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) return false;
  return Exec(db_, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-524288; "
                   "PRAGMA automatic_index=OFF;") &&
         Exec(db_, "CREATE TABLE edges(src INTEGER, sk INTEGER, kind INTEGER, dst INTEGER, dk INTEGER, "
                   "first INTEGER, last INTEGER, ok INTEGER);");
}

bool SqliteBlast::Export(const GraphReader& reader, std::map<EdgeKind, uint64_t>& kinds, uint64_t& edges,
                         double& export_s, double& index_s) {
  if (!Exec(db_, "BEGIN")) return false;
  sqlite3_stmt* ins = nullptr;
  if (sqlite3_prepare_v2(db_, "INSERT INTO edges VALUES(?,?,?,?,?,?,?,?)", -1, &ins, nullptr) != SQLITE_OK) return false;
  edges = 0;
  double t0 = Now();
  Status s = reader.ScanAllEdges([&](const Edge& e) {
    ++edges;
    ++kinds[e.kind];
    sqlite3_bind_int64(ins, 1, int64_t(e.src.hash));
    sqlite3_bind_int(ins, 2, int(e.src.kind));
    sqlite3_bind_int(ins, 3, int(e.kind));
    sqlite3_bind_int64(ins, 4, int64_t(e.dst.hash));
    sqlite3_bind_int(ins, 5, int(e.dst.kind));
    sqlite3_bind_int64(ins, 6, e.stats.first_seen == kNoTime ? INT64_MIN : e.stats.first_seen);
    sqlite3_bind_int64(ins, 7, e.stats.last_seen == kNoTime ? INT64_MAX : e.stats.last_seen);
    sqlite3_bind_int64(ins, 8, int64_t(e.stats.success));
    sqlite3_step(ins);
    sqlite3_reset(ins);
    return true;
  });
  sqlite3_finalize(ins);
  if (!Exec(db_, "COMMIT")) return false;
  export_s = Now() - t0;
  if (!s.ok()) {
    std::fprintf(stderr, "scan edges: %s\n", s.ToString().c_str());
    return false;
  }
  t0 = Now();
  // No ANALYZE: with sqlite_stat1 rows for `edges` the planner adds a Bloom
  // filter on `edges` to the recursive step (and drops the covering-index
  // scan), and a recursive step is re-run for every queued row, so the filter
  // is rebuilt by a full table scan each time: 60 ms a query on a 157k-edge
  // graph instead of well under 1 ms.
  bool ok = Exec(db_, "CREATE INDEX edges_src ON edges(src, kind, first, last, ok, dst, dk);"
                      "CREATE INDEX edges_dst ON edges(dst, kind, first, last, ok, src, sk);");
  index_s = Now() - t0;
  return ok;
}

bool SqliteBlast::Prepare(std::string& plan) {
  // The reach rules as a table: (edge kind, direction walked, from entity kind
  // or -1 for "any kind that is not a leaf").
  if (!Exec(db_, "DROP TABLE IF EXISTS rules; CREATE TABLE rules(kind INTEGER, dir INTEGER, from_kind INTEGER);"))
    return false;
  auto rule = [&](EdgeKind kind, Direction dir, int from) {
    return Exec(db_, "INSERT INTO rules VALUES(" + std::to_string(int(kind)) + "," + std::to_string(int(dir)) + "," +
                         std::to_string(from) + ")");
  };
  for (const BlastRule& r : DefaultBlastRules()) {
    if (r.from_kinds.empty() && !rule(r.kind, r.dir, -1)) return false;
    for (EntityKind k : r.from_kinds)
      if (!rule(r.kind, r.dir, int(k))) return false;
  }
  // Interface folding: an instance reaches its ENIs at the same hop, and an
  // ENI walks what the instance would (flows are in the rules already).
  if (!rule(EdgeKind::kHasInterface, Direction::kOut, int(EntityKind::kEc2Instance)) ||
      !rule(EdgeKind::kQueried, Direction::kOut, int(EntityKind::kNetworkInterface)))
    return false;

  std::vector<int> leaves, structural;
  for (EntityKind k : kAllEntityKinds)
    if (IsBlastLeafKind(k)) leaves.push_back(int(k));
  for (EdgeKind k : kAllEdgeKinds)
    if (IsBlastStructuralEdge(k)) structural.push_back(int(k));
  // BlastRadius folds an instance's ENIs whatever the has_interface edge's
  // own activity: it is a fact here too.
  structural.push_back(int(EdgeKind::kHasInterface));
  const std::string leaf = "(" + KindList(leaves) + ")";
  const std::string fact = "(" + KindList(structural) + ")";
  const int eni = int(EntityKind::kNetworkInterface), has_interface = int(EdgeKind::kHasInterface);
  const int db_login = int(EdgeKind::kDbLogin);
  const int network_flow = int(EdgeKind::kNetworkFlow);
  auto step = [&](const char* near, const char* far, const char* far_kind, int dir) {
    return std::string(" SELECT e.") + far + ", e." + far_kind + ", r.d + (e.kind <> " + std::to_string(has_interface) +
           ") FROM reach r JOIN rules u ON u.dir = " + std::to_string(dir) +
           " AND (u.from_kind = r.k OR (u.from_kind = -1 AND r.k NOT IN " + leaf + ") OR r.d = 0)" +
           " JOIN edges e ON e." + near + " = r.id AND e.kind = u.kind" +
           " WHERE r.d < ?3 AND (r.d = 0 OR r.k NOT IN " + leaf + ")" +
           " AND e.first <= ?5 AND (e.last >= ?4 OR e.kind IN " + fact + ")" +
           " AND ((e.kind <> " + std::to_string(db_login) + " AND e.kind <> " + std::to_string(network_flow) +
           ") OR e.ok > 0)";
  };
  std::string sql = "WITH RECURSIVE reach(id, k, d) AS (VALUES(?1, ?2, 0) UNION" + step("src", "dst", "dk", 0) +
                    " UNION" + step("dst", "src", "sk", 1) + ") SELECT COUNT(DISTINCT id) FROM reach WHERE k <> " +
                    std::to_string(eni);
  if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &query_, nullptr) != SQLITE_OK) {
    std::fprintf(stderr, "sqlite prepare: %s\n", sqlite3_errmsg(db_));
    return false;
  }
  sqlite3_stmt* explain = nullptr;
  std::string eqp = "EXPLAIN QUERY PLAN " + sql;
  if (sqlite3_prepare_v2(db_, eqp.c_str(), -1, &explain, nullptr) != SQLITE_OK) return false;
  plan.clear();
  while (sqlite3_step(explain) == SQLITE_ROW) {
    const unsigned char* detail = sqlite3_column_text(explain, 3);
    plan += std::string(detail ? reinterpret_cast<const char*>(detail) : "") + "\n";
  }
  sqlite3_finalize(explain);
  return true;
}

int64_t SqliteBlast::Reach(const EntityId& start, int depth, const TimeWindow& window) {
  sqlite3_bind_int64(query_, 1, int64_t(start.hash));
  sqlite3_bind_int(query_, 2, int(start.kind));
  sqlite3_bind_int(query_, 3, depth);
  sqlite3_bind_int64(query_, 4, window.since == kNoTime ? INT64_MIN : window.since);
  sqlite3_bind_int64(query_, 5, window.until == kNoTime ? INT64_MAX : window.until);
  int64_t n = -1;
  if (sqlite3_step(query_) == SQLITE_ROW) n = sqlite3_column_int64(query_, 0);
  sqlite3_reset(query_);
  return n;
}

}  // namespace gumshoe::bench
