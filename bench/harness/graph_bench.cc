// gumshoe_bench_graph: the query figures of issue 6 on a graph of the size it
// asks for (1M entities, 10M edges), built directly through GraphDelta and the
// RocksDB store (no log files, no JSON), then pivot and 3-hop blast radius
// p50/p99 against the SQLite recursive CTE over the same edges, in one run.
//
//   gumshoe_bench_graph --work DIR [--entities N] [--seed S] [--queries Q]
//                       [--reuse] [--keep] [--no-sqlite]
//
// --entities 1000000 (default) builds about 1.0M entities and 10M edges; the
// graph scales linearly. --reuse skips the build when DIR/store exists from a
// run with the same size and seed. The build and the queries run in forked
// children (RocksDB threads never cross a fork); the build's peak RSS is its own.
//
// Shape of the synthetic organisation (per 1M entities; every count scales):
//   20 accounts (40 % of everything in the first: an in_account super-node),
//   40 AWS services, 2,000 API names, 3,000 user agents, 3,000 roles,
//   20,000 users with 30,000 long-term keys, 130,000 role sessions each with
//   its temporary key (minted by a user key, by an earlier session's key: role
//   chaining, or for instance-profile sessions by nobody), 80,000 instances
//   (launched by a session or a user, each with a profile role, one ENI and a
//   private IP, 55-104 remote IPs in flows and 12-23 domains queried), 10,000
//   buckets, 70,000 domains, 200 RDS instances with 2,000 DB users, about
//   480,000 IPs. Popularity of API names, buckets, domains,
//   remote IPs and roles is Zipf-like, so a few of each are super-nodes (ten
//   remote IPs every instance talks to, the corporate NAT every user calls
//   from). Times: 30 days; a session lives 1-12 hours from its start, an
//   instance's flows and queries follow its launch; each edge carries 1-3
//   hourly buckets, first/last evidence and, for flows, byte and port counters.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "bench_util.h"
#include "gumshoe/adjacency.h"
#include "gumshoe/blast_radius.h"
#include "gumshoe/delta.h"
#include "gumshoe/pivot.h"
#include "gumshoe/rocksdb_store.h"
#include "sqlite_blast.h"

namespace gumshoe::bench {
namespace {

namespace fs = std::filesystem;

struct Options {
  std::string work;
  uint64_t entities = 1000000;
  uint64_t seed = 1;
  size_t queries = 500;
  bool reuse = false;
  bool keep = false;
  bool no_sqlite = false;  // skip the baseline (profiling gumshoe's side only)
};

// ------------------------------------------------------------------ shape

uint64_t Mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

class Rng {
 public:
  explicit Rng(uint64_t seed) : s_(Mix(seed)) {}
  uint64_t Next() { return s_ = Mix(s_); }
  uint64_t Below(uint64_t n) { return n == 0 ? 0 : Next() % n; }
  double Unit() { return double(Next() >> 11) / double(1ULL << 53); }
  // Zipf-like over [0, n): index ~ n^u - 1 for u uniform, so low indexes are
  // popular (index 0 gets about 1/ln(n) of the picks).
  uint64_t Skewed(uint64_t n) {
    if (n <= 1) return 0;
    double v = std::pow(double(n), Unit()) - 1;
    return std::min<uint64_t>(n - 1, uint64_t(v));
  }

 private:
  uint64_t s_;
};

// Entity counts for a target size.
struct Shape {
  uint64_t accounts, services, apis, agents, roles, users, keys, sessions, instances, buckets, domains, rds, db_users,
      public_ips;
  explicit Shape(uint64_t n) {
    auto part = [n](double per_million, uint64_t floor) {
      return std::max<uint64_t>(floor, uint64_t(per_million * double(n) / 1e6));
    };
    accounts = part(20, 2);
    services = part(40, 4);
    apis = part(2000, 20);
    agents = part(3000, 10);
    roles = part(3000, 10);
    users = part(20000, 20);
    keys = part(30000, 30);
    sessions = part(130000, 100);
    instances = part(80000, 50);
    buckets = part(10000, 10);
    domains = part(70000, 50);
    rds = part(200, 2);
    db_users = part(2000, 10);
    public_ips = part(420000, 200);
  }
};

constexpr Timestamp kT0 = 1790812800;  // 2026-10-01T00:00:00Z
constexpr uint64_t kHours = 30 * 24;

// Resident set size of this process, MiB (0 when /proc is not readable).
double RssMib() {
  std::ifstream statm("/proc/self/statm");
  double pages = 0, resident = 0;
  if (!(statm >> pages >> resident)) return 0;
  return resident * double(sysconf(_SC_PAGESIZE)) / 1048576.0;
}

std::string Hex(uint64_t v, int width) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%0*" PRIx64, width, v);
  return buf;
}
std::string Upper32(uint64_t v) {  // 16 base-32 characters, like an access key id body
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  std::string out(16, 'A');
  for (int i = 15; i >= 0; --i, v >>= 5) out[size_t(i)] = kAlphabet[v & 31];
  return out;
}

// Names of the synthetic entities, derived from their index.
struct Names {
  const Shape& s;
  uint64_t AccountOf(uint64_t salt, uint64_t i) const {
    uint64_t h = Mix(salt * 1000003 + i);
    return h % 100 < 40 ? 0 : h % s.accounts;
  }
  std::string AccountId(uint64_t a) const { return std::to_string(100000000000ULL + a * 7919); }
  EntityRef Account(uint64_t a) const { return {EntityKind::kAccount, AccountId(a)}; }
  EntityRef Service(uint64_t i) const { return {EntityKind::kAwsService, "svc" + std::to_string(i) + ".amazonaws.com"}; }
  EntityRef Api(uint64_t i) const {
    static const char* kVerbs[] = {"Describe", "List", "Get", "Put", "Create", "Delete", "Update", "Run"};
    return {EntityKind::kApiCall, "svc" + std::to_string(i % 40) + ".amazonaws.com:" + kVerbs[(i / 40) % 8] + "Thing" +
                                      std::to_string(i)};
  }
  EntityRef Agent(uint64_t i) const { return {EntityKind::kUserAgent, "aws-sdk-go/1." + std::to_string(i) + " (linux)"}; }
  EntityRef Role(uint64_t i) const {
    return {EntityKind::kIamRole, "arn:aws:iam::" + AccountId(AccountOf(3, i)) + ":role/role-" + std::to_string(i)};
  }
  EntityRef User(uint64_t i) const {
    return {EntityKind::kIamUser, "arn:aws:iam::" + AccountId(AccountOf(2, i)) + ":user/user-" + std::to_string(i)};
  }
  uint64_t KeyOwner(uint64_t k) const { return k % s.users; }
  EntityRef Key(uint64_t k) const { return {EntityKind::kAccessKey, "AKIA" + Upper32(Mix(k * 2 + 1))}; }
  uint64_t SessionRole(uint64_t i) const { return Mix(i * 31 + 7) % 100 < 50 ? Mix(i) % 20 % s.roles : Mix(i) % s.roles; }
  EntityRef Session(uint64_t i) const {
    uint64_t r = SessionRole(i);
    return {EntityKind::kRoleSession, "arn:aws:sts::" + AccountId(AccountOf(3, r)) + ":assumed-role/role-" +
                                          std::to_string(r) + "/sess-" + std::to_string(i)};
  }
  EntityRef TempKey(uint64_t i) const { return {EntityKind::kAccessKey, "ASIA" + Upper32(Mix(i * 2 + 2))}; }
  EntityRef Instance(uint64_t i) const { return {EntityKind::kEc2Instance, "i-" + Hex(Mix(i * 3 + 1) >> 4, 17)}; }
  EntityRef Eni(uint64_t i) const { return {EntityKind::kNetworkInterface, "eni-" + Hex(Mix(i * 3 + 2) >> 4, 17)}; }
  EntityRef PrivateIp(uint64_t i) const {
    return {EntityKind::kIpAddress, "10." + std::to_string((i >> 16) & 255) + "." + std::to_string((i >> 8) & 255) + "." +
                                        std::to_string(i & 255)};
  }
  EntityRef PublicIp(uint64_t i) const {
    return {EntityKind::kIpAddress, std::to_string(20 + (i >> 16)) + "." + std::to_string((i >> 8) & 255) + "." +
                                        std::to_string(i & 255)};
  }
  EntityRef Bucket(uint64_t i) const { return {EntityKind::kS3Bucket, "bucket-" + std::to_string(i)}; }
  EntityRef Domain(uint64_t i) const {
    return {EntityKind::kDomain, "host" + std::to_string(i) + ".example" + std::to_string(i % 97) + ".com"};
  }
  EntityRef Rds(uint64_t i) const { return {EntityKind::kRdsInstance, "db-" + std::to_string(i)}; }
  EntityRef DbUser(uint64_t i) const { return {EntityKind::kDbUser, "db-" + std::to_string(i % s.rds) + "/u" + std::to_string(i)}; }
  static const char* Region(uint64_t i) {
    static const char* kRegions[] = {"us-east-1", "us-west-2", "eu-west-1", "ap-northeast-1", "eu-central-1"};
    uint64_t h = Mix(i * 17) % 100;
    return kRegions[h < 60 ? 0 : h < 75 ? 1 : h < 88 ? 2 : h < 95 ? 3 : 4];
  }
};

// Writes edges into a GraphDelta, applying it to the store every kBatchEdges
// observations.
class Builder {
 public:
  static constexpr size_t kBatchObservations = 300000;
  Builder(GraphStore& store, uint64_t seed) : store_(store), rng_(seed) {}

  Rng& rng() { return rng_; }
  // One edge with 1..max_buckets hourly observations starting at hour `h0`
  // (spread over `span` hours), evidence "<source>:<n>".
  EdgeStats& Edge(const EntityRef& src, EdgeKind kind, const EntityRef& dst, uint64_t h0, uint64_t span,
                  const char* source, int outcome = +1, int max_buckets = 3) {
    int buckets = 1 + int(rng_.Below(uint64_t(max_buckets)));
    EdgeStats* stats = nullptr;
    for (int b = 0; b < buckets; ++b) {
      uint64_t h = std::min<uint64_t>(kHours - 1, h0 + (span ? rng_.Below(span) : 0));
      Timestamp t = kT0 + Timestamp(h) * 3600 + Timestamp(rng_.Below(3600));
      evidence_ = std::string(source) + ":" + Hex(rng_.Next(), 16);
      stats = &delta_.AddEdge(src, kind, dst, {t, outcome, evidence_, 1 + rng_.Below(4)});
      ++observations_;
    }
    ++edges_;
    return *stats;
  }
  void Attr(const EntityRef& e, const char* name, const std::string& value) { delta_.SetAttr(e, name, value, kT0); }
  Status MaybeFlush() {
    if (observations_ - flushed_at_ < kBatchObservations) return Status::Ok();
    return Flush();
  }
  Status Flush() {
    flushed_at_ = observations_;
    if (delta_.empty()) return Status::Ok();
    Status s = store_.Apply(delta_);
    delta_.Clear();
    return s;
  }
  uint64_t edges() const { return edges_; }

 private:
  GraphStore& store_;
  Rng rng_;
  GraphDelta delta_;
  std::string evidence_;
  uint64_t edges_ = 0, observations_ = 0, flushed_at_ = 0;
};

// Builds the whole graph. Returns the edges written (edge identities written
// twice fold into one stored edge; the stored count comes from the scan).
Result<uint64_t> BuildGraph(GraphStore& store, const Shape& s, uint64_t seed) {
  Names n{s};
  Builder b(store, seed);
  Rng& r = b.rng();
  auto flush = [&]() { return b.MaybeFlush(); };
  const uint64_t private_nat = 0;  // corporate NAT: public IP 0..2 are super-nodes

  // Users and their long-term keys.
  for (uint64_t u = 0; u < s.users; ++u) {
    EntityRef user = n.User(u);
    b.Edge(user, EdgeKind::kInAccount, n.Account(n.AccountOf(2, u)), 0, kHours, "cloudtrail", 0, 1);
    for (int i = 0, calls = 15 + int(r.Below(25)); i < calls; ++i)
      b.Edge(user, EdgeKind::kCalledApi, n.Api(r.Skewed(s.apis)), r.Below(kHours - 24), 24, "cloudtrail");
    for (int i = 0, ips = 2 + int(r.Below(5)); i < ips; ++i)
      b.Edge(user, EdgeKind::kCalledFrom, n.PublicIp(i == 0 ? private_nat + r.Below(3) : r.Skewed(s.public_ips)),
             r.Below(kHours - 24), 24, "cloudtrail");
    for (int i = 0, agents = 1 + int(r.Below(3)); i < agents; ++i)
      b.Edge(user, EdgeKind::kUsedAgent, n.Agent(r.Skewed(s.agents)), r.Below(kHours - 24), 24, "cloudtrail");
    if (u % 50 == 0) {  // admins create users and keys, and change policies
      uint64_t target = r.Below(s.users);
      b.Edge(user, EdgeKind::kCreated, n.User(target), r.Below(kHours), 1, "cloudtrail", +1, 1);
      b.Edge(user, EdgeKind::kCreated, n.Key(target), r.Below(kHours), 1, "cloudtrail", +1, 1);
      for (int i = 0; i < 10; ++i)
        b.Edge(user, EdgeKind::kModified, n.Role(r.Skewed(s.roles)), r.Below(kHours), 1, "cloudtrail", +1, 1);
    }
    for (int i = 0, reads = int(r.Below(4)); i < reads; ++i)
      b.Edge(user, EdgeKind::kRead, n.Bucket(r.Skewed(s.buckets)), r.Below(kHours - 24), 24, "cloudtrail");
    GUMSHOE_RETURN_IF_ERROR(flush());
  }
  for (uint64_t k = 0; k < s.keys; ++k) {
    EntityRef key = n.Key(k), user = n.User(n.KeyOwner(k));
    b.Edge(key, EdgeKind::kCredentialOf, user, 0, 1, "cloudtrail", 0, 1);
    b.Edge(user, EdgeKind::kAuthenticatedWith, key, r.Below(kHours - 48), 48, "cloudtrail", 0);
    b.Edge(key, EdgeKind::kInAccount, n.Account(n.AccountOf(2, n.KeyOwner(k))), 0, 1, "cloudtrail", 0, 1);
    GUMSHOE_RETURN_IF_ERROR(flush());
  }
  for (uint64_t i = 0; i < s.roles; ++i)
    b.Edge(n.Role(i), EdgeKind::kInAccount, n.Account(n.AccountOf(3, i)), 0, 1, "cloudtrail", 0, 1);

  // Role sessions with their temporary keys: who minted them, what they did.
  std::vector<uint32_t> session_start(s.sessions);
  for (uint64_t i = 0; i < s.sessions; ++i) {
    uint64_t h = r.Below(kHours - 12), dur = 1 + r.Below(12);
    session_start[i] = uint32_t(h);
    EntityRef sess = n.Session(i), key = n.TempKey(i);
    b.Edge(sess, EdgeKind::kAssumedRole, n.Role(n.SessionRole(i)), h, 1, "cloudtrail", 0, 1);
    b.Edge(key, EdgeKind::kCredentialOf, sess, h, 1, "cloudtrail", 0, 1);
    b.Edge(sess, EdgeKind::kAuthenticatedWith, key, h, dur, "cloudtrail", 0);
    b.Edge(sess, EdgeKind::kInAccount, n.Account(n.AccountOf(3, n.SessionRole(i))), h, 1, "cloudtrail", 0, 1);
    uint64_t who = r.Below(100);
    if (who < 50) {
      b.Edge(n.Key(r.Below(s.keys)), EdgeKind::kMinted, key, h, 1, "cloudtrail", +1, 1);
    } else if (who < 80 && i > 0) {
      uint64_t parent = r.Below(i);  // role chaining: an earlier session's key
      b.Edge(n.TempKey(parent), EdgeKind::kMinted, key, std::max<uint64_t>(h, session_start[parent]), 1, "cloudtrail",
             +1, 1);
    }
    for (int c = 0, calls = 5 + int(r.Below(10)); c < calls; ++c)
      b.Edge(sess, EdgeKind::kCalledApi, n.Api(r.Skewed(s.apis)), h, dur, "cloudtrail");
    b.Edge(sess, EdgeKind::kCalledFrom, r.Below(3) == 0 ? n.Service(r.Skewed(s.services)) : n.PublicIp(r.Skewed(s.public_ips)),
           h, dur, "cloudtrail");
    b.Edge(sess, EdgeKind::kUsedAgent, n.Agent(r.Skewed(s.agents)), h, dur, "cloudtrail");
    for (int c = 0, reads = int(r.Below(5)); c < reads; ++c)
      b.Edge(sess, EdgeKind::kRead, n.Bucket(r.Skewed(s.buckets)), h, dur, "cloudtrail");
    if (r.Below(3) == 0) b.Edge(sess, EdgeKind::kWrote, n.Bucket(r.Skewed(s.buckets)), h, dur, "cloudtrail");
    GUMSHOE_RETURN_IF_ERROR(flush());
  }

  // Instances: launched by a session (70 %) or a user, profile role, ENI,
  // private IP, flows and DNS after the launch.
  for (uint64_t i = 0; i < s.instances; ++i) {
    EntityRef inst = n.Instance(i), eni = n.Eni(i);
    uint64_t sess = r.Below(s.sessions);
    uint64_t h = std::min<uint64_t>(kHours - 1, session_start[sess] + r.Below(4));
    if (r.Below(10) < 7) {
      b.Edge(n.Session(sess), EdgeKind::kLaunched, inst, h, 1, "cloudtrail", +1, 1);
    } else {
      b.Edge(n.User(r.Below(s.users)), EdgeKind::kLaunched, inst, h, 1, "cloudtrail", +1, 1);
    }
    b.Attr(inst, "region", Names::Region(i));
    b.Edge(inst, EdgeKind::kInstanceProfileRole, n.Role(r.Skewed(s.roles)), h, 1, "cloudtrail", 0, 1);
    b.Edge(inst, EdgeKind::kInAccount, n.Account(n.AccountOf(4, i)), h, 1, "cloudtrail", 0, 1);
    b.Edge(inst, EdgeKind::kHasInterface, eni, h, 1, "cloudtrail", 0, 1);
    b.Edge(eni, EdgeKind::kAssignedIp, n.PrivateIp(i), h, 1, "cloudtrail", 0, 1);
    uint64_t live = kHours - h;
    for (int f = 0, flows = 55 + int(r.Below(50)); f < flows; ++f) {
      uint64_t remote = f < 3 ? r.Below(10) : r.Skewed(s.public_ips);
      EdgeStats& st = b.Edge(eni, EdgeKind::kNetworkFlow, n.PublicIp(remote), h, live, "vpcflow");
      st.counters["bytes_out"] += int64_t(100 + r.Below(100000));
      st.counters[f % 2 ? "dport:00443" : "dport:00080"] += 1;
    }
    for (int q = 0, queries = 12 + int(r.Below(12)); q < queries; ++q)
      b.Edge(inst, EdgeKind::kQueried, n.Domain(r.Skewed(s.domains)), h, live, "resolver");
    GUMSHOE_RETURN_IF_ERROR(flush());
  }
  for (uint64_t d = 0; d < s.domains; ++d) {
    for (int i = 0, answers = 1 + int(r.Below(5)); i < answers; ++i)
      b.Edge(n.Domain(d), EdgeKind::kResolvedTo, n.PublicIp(r.Below(s.public_ips)), r.Below(kHours - 24), 24, "resolver");
    GUMSHOE_RETURN_IF_ERROR(flush());
  }
  for (uint64_t i = 0; i < s.buckets; ++i)
    b.Edge(n.Bucket(i), EdgeKind::kInAccount, n.Account(n.AccountOf(5, i)), 0, 1, "cloudtrail", 0, 1);
  // Databases: users, logins from app IPs (mostly successful) and scanners.
  for (uint64_t i = 0; i < s.db_users; ++i) {
    EntityRef du = n.DbUser(i);
    b.Edge(du, EdgeKind::kDbUserOf, n.Rds(i % s.rds), 0, 1, "audit", 0, 1);
    for (int l = 0; l < 10; ++l)
      b.Edge(n.PrivateIp(r.Below(s.instances)), EdgeKind::kDbLogin, du, r.Below(kHours - 24), 24, "audit",
             r.Below(10) == 0 ? -1 : +1);
    GUMSHOE_RETURN_IF_ERROR(flush());
  }
  GUMSHOE_RETURN_IF_ERROR(b.Flush());
  return b.edges();
}

// ------------------------------------------------------------------ runs

int BuildPhase(const Options& opt, const std::string& store_dir, Results& r) {
  auto store = OpenRocksStore(store_dir);
  if (!store.ok()) {
    std::fprintf(stderr, "open %s: %s\n", store_dir.c_str(), store.status().ToString().c_str());
    return 1;
  }
  Shape shape(opt.entities);
  double t0 = Now(), c0 = CpuSeconds();
  auto edges = BuildGraph(*store.value(), shape, opt.seed);
  Status flushed = edges.ok() ? store.value()->Flush() : edges.status();
  double build_s = Now() - t0, build_cpu = CpuSeconds() - c0;
  if (!flushed.ok()) {
    std::fprintf(stderr, "build: %s\n", flushed.ToString().c_str());
    return 1;
  }
  t0 = Now();
  Status compacted = CompactRocksStore(*store.value());
  if (!compacted.ok()) {
    std::fprintf(stderr, "compact: %s\n", compacted.ToString().c_str());
    return 1;
  }
  Set(r, "build_s", build_s);
  Set(r, "build_cpu_s", build_cpu);
  Set(r, "compact_s", Now() - t0);
  Set(r, "edges_written", double(edges.value()));
  std::ofstream(opt.work + "/graph-size.txt") << opt.entities << " " << opt.seed << "\n";
  return 0;
}

int QueryPhase(const Options& opt, const std::string& store_dir, Results& r) {
  RocksStoreOptions so;
  so.read_only = true;
  auto opened = OpenRocksStore(store_dir, so);
  if (!opened.ok()) {
    std::fprintf(stderr, "open %s: %s\n", store_dir.c_str(), opened.status().ToString().c_str());
    return 1;
  }
  const GraphReader& reader = *opened.value();
  uint64_t entities = 0;
  std::map<EntityKind, uint64_t> by_kind;
  double t0 = Now();
  Status s = reader.ScanEntities(std::nullopt, [&](const Entity& e) {
    ++entities;
    ++by_kind[e.kind];
    return true;
  });
  if (!s.ok()) return 1;
  Set(r, "graph.entities", double(entities));
  Set(r, "graph.scan_entities_s", Now() - t0);
  for (const auto& [k, c] : by_kind) Set(r, "graph.entities." + std::string(EntityKindName(k)), double(c));

  SqliteBlast sqlite;
  std::map<EdgeKind, uint64_t> edge_kinds;
  uint64_t edges = 0;
  double export_s = 0, index_s = 0;
  std::string plan;
  if (!opt.no_sqlite && (!sqlite.Open(opt.work + "/edges.sqlite") ||
                         !sqlite.Export(reader, edge_kinds, edges, export_s, index_s) || !sqlite.Prepare(plan)))
    return 1;
  Set(r, "graph.edges", double(edges));
  for (const auto& [k, c] : edge_kinds) Set(r, "graph.edges." + std::string(EdgeKindName(k)), double(c));
  Set(r, "sqlite.export_s", export_s);
  Set(r, "sqlite.index_s", index_s);
  Set(r, "sqlite.per_step_scan", (plan.find("AUTOMATIC") != std::string::npos || plan.find("BLOOM") != std::string::npos) ? 1 : 0);
  std::string flat = plan;
  std::replace(flat.begin(), flat.end(), '\n', ';');
  r["sqlite.plan"] = flat;

  // The in-memory adjacency snapshot the blast radius can walk instead of the
  // store: built once per run, then read by every query.
  double rss0 = RssMib(), snap_t0 = Now(), snap_c0 = CpuSeconds();
  auto snap = AdjacencySnapshot::Build(reader);
  if (!snap.ok()) {
    std::fprintf(stderr, "adjacency snapshot: %s\n", snap.status().ToString().c_str());
    return 1;
  }
  Set(r, "snapshot.build_s", Now() - snap_t0);
  Set(r, "snapshot.build_cpu_s", CpuSeconds() - snap_c0);
  Set(r, "snapshot.mib", double(snap->MemoryBytes()) / 1048576.0);
  Set(r, "snapshot.rss_delta_mib", RssMib() - rss0);
  Set(r, "snapshot.entities", double(snap->entity_count()));
  Set(r, "snapshot.edges", double(snap->edge_count()));
  Set(r, "snapshot.buckets", double(snap->bucket_count()));

  Shape shape(opt.entities);
  Names n{shape};
  Rng rng(opt.seed * 7 + 3);
  // Pivot: an equal share of the kinds a responder pivots on, super-nodes
  // included (accounts, the NAT and popular remote IPs, API names).
  std::vector<std::function<EntityRef()>> pivot_kinds = {
      [&] { return n.Account(rng.Below(shape.accounts)); },
      [&] { return n.User(rng.Below(shape.users)); },
      [&] { return n.Key(rng.Below(shape.keys)); },
      [&] { return n.Session(rng.Below(shape.sessions)); },
      [&] { return n.TempKey(rng.Below(shape.sessions)); },
      [&] { return n.Role(rng.Skewed(shape.roles)); },
      [&] { return n.Instance(rng.Below(shape.instances)); },
      [&] { return n.Eni(rng.Below(shape.instances)); },
      [&] { return n.PublicIp(rng.Skewed(shape.public_ips)); },
      [&] { return n.Bucket(rng.Skewed(shape.buckets)); },
      [&] { return n.Domain(rng.Skewed(shape.domains)); },
      [&] { return n.Api(rng.Skewed(shape.apis)); },
      [&] { return n.DbUser(rng.Below(shape.db_users)); },
  };
  {
    Timing t;
    std::map<EntityKind, std::vector<double>> per_kind;
    uint64_t errors = 0, inexact = 0;
    for (size_t i = 0; i < opt.queries; ++i) {
      EntityRef ref = pivot_kinds[i % pivot_kinds.size()]();
      (void)Pivot(reader, ref, PivotOptions{});  // warm-up: every figure is a warm-cache one
      auto res = Timed(t, [&] { return Pivot(reader, ref, PivotOptions{}); });
      if (!res.ok()) {
        ++errors;
        continue;
      }
      for (const auto& g : res->groups) inexact += g.total_exact ? 0 : 1;
      per_kind[ref.kind].push_back(t.cpu.back());
    }
    Lat(r, "pivot", t.wall);
    Lat(r, "pivot_cpu", t.cpu);
    Set(r, "pivot.errors", double(errors));
    Set(r, "pivot.capped_groups", double(inexact));
    double worst = -1;
    for (const auto& [k, v] : per_kind) {
      double p = Percentile(v, 0.99);
      Set(r, "pivot.kind." + std::string(EntityKindName(k)) + ".p99_ms", p);
      if (p > worst) {
        worst = p;
        r["pivot.worst_kind"] = std::string(EntityKindName(k));
      }
    }
    Set(r, "pivot.worst_kind_p99_ms", worst);
  }
  // 3-hop blast radius from keys, sessions, users and instances.
  {
    std::vector<std::function<EntityRef()>> starts = {
        [&] { return n.Key(rng.Below(shape.keys)); },
        [&] { return n.TempKey(rng.Below(shape.sessions)); },
        [&] { return n.Session(rng.Below(shape.sessions)); },
        [&] { return n.User(rng.Below(shape.users)); },
        [&] { return n.Instance(rng.Below(shape.instances)); },
    };
    Timing capped, uncapped, sql, snap_capped, snap_uncapped, snap_full;
    uint64_t errors = 0, nodes_capped = 0, nodes_uncapped = 0, nodes_sql = 0, nodes_snap = 0, snap_differs = 0;
    BlastReachScratch scratch;  // the walk's working memory, reused (one thread)
    // The snapshot walk and BlastRadius agree on every entity, hop and first
    // touch (checked untimed, per query).
    auto same = [&](const BlastRadiusResult& want, const BlastReach& got) {
      std::vector<std::tuple<EntityRef, int, Timestamp>> a, b;
      for (const BlastNode& x : want.nodes) a.emplace_back(x.entity.ref(), x.hop, x.first_touch);
      for (const BlastReachEntity& x : got.entities) b.emplace_back(snap->Ref(x.entity), x.hop, x.first_touch);
      std::sort(a.begin(), a.end());
      std::sort(b.begin(), b.end());
      return a == b;
    };
    for (size_t i = 0; i < opt.queries; ++i) {
      EntityRef ref = starts[i % starts.size()]();
      BlastRadiusOptions bo;
      bo.max_depth = 3;
      auto win = BlastWindow(reader, ref, bo);
      if (!win.ok()) {
        ++errors;
        continue;
      }
      bo.window = win.value();
      // Warm-up, untimed, on both sides: every figure is a warm-cache one.
      (void)BlastRadius(reader, ref, bo);
      if (!opt.no_sqlite) (void)sqlite.Reach(reader.IdOf(ref.kind, ref.key), 3, win.value());
      auto res = Timed(capped, [&] { return BlastRadius(reader, ref, bo); });
      if (res.ok()) nodes_capped += res->nodes.size();
      else ++errors;
      (void)BlastReachOf(*snap, ref, bo, &scratch);
      auto reach = Timed(snap_capped, [&] { return BlastReachOf(*snap, ref, bo, &scratch); });
      if (!reach.ok()) ++errors;
      else if (res.ok() && !same(*res, *reach)) ++snap_differs;
      // The walk SQLite does: no caps, no launcher footholds.
      bo.max_fanout = size_t(1) << 30;
      bo.max_nodes = size_t(1) << 30;
      bo.include_launchers = false;
      res = Timed(uncapped, [&] { return BlastRadius(reader, ref, bo); });
      if (res.ok()) nodes_uncapped += res->nodes.size();
      else ++errors;
      (void)BlastReachOf(*snap, ref, bo, &scratch);
      reach = Timed(snap_uncapped, [&] { return BlastReachOf(*snap, ref, bo, &scratch); });
      if (!reach.ok()) ++errors;
      else {
        nodes_snap += reach->entities.size();
        if (res.ok() && !same(*res, *reach)) ++snap_differs;
      }
      // The whole BlastRadiusResult (entities, evidence, scores) with the
      // walk on the snapshot and the reached nodes read from the store.
      (void)BlastRadius(reader, *snap, ref, bo, &scratch);
      auto full = Timed(snap_full, [&] { return BlastRadius(reader, *snap, ref, bo, &scratch); });
      if (!full.ok()) ++errors;
      else if (res.ok() && full->nodes.size() != res->nodes.size()) ++snap_differs;
      if (opt.no_sqlite) continue;
      EntityId id = reader.IdOf(ref.kind, ref.key);
      int64_t reached = Timed(sql, [&] { return sqlite.Reach(id, 3, win.value()); });
      if (reached >= 0) nodes_sql += uint64_t(reached);
      else ++errors;
    }
    Lat(r, "blast", capped.wall);
    Lat(r, "blast_cpu", capped.cpu);
    Lat(r, "blast_uncapped", uncapped.wall);
    Lat(r, "blast_uncapped_cpu", uncapped.cpu);
    Lat(r, "snap_blast", snap_capped.wall);
    Lat(r, "snap_blast_cpu", snap_capped.cpu);
    Lat(r, "snap_uncapped", snap_uncapped.wall);
    Lat(r, "snap_uncapped_cpu", snap_uncapped.cpu);
    Lat(r, "snap_full", snap_full.wall);
    Lat(r, "snap_full_cpu", snap_full.cpu);
    Set(r, "snap.differs", double(snap_differs));
    Lat(r, "sqlite_blast", sql.wall);
    Lat(r, "sqlite_blast_cpu", sql.cpu);
    Set(r, "blast.errors", double(errors));
    double k = capped.wall.empty() ? 1 : double(capped.wall.size());
    Set(r, "blast.avg_nodes", double(nodes_capped) / k);
    Set(r, "blast_uncapped.avg_nodes", double(nodes_uncapped) / k);
    Set(r, "sqlite_blast.avg_nodes", double(nodes_sql) / k);
    Set(r, "snap_uncapped.avg_nodes", double(nodes_snap) / k);
  }
  return 0;
}

std::string Fmt(const char* fmt, double v) {
  char buf[96];
  std::snprintf(buf, sizeof(buf), fmt, v);
  return buf;
}

int Run(const Options& opt) {
  Machine machine = DescribeMachine();
  fs::create_directories(opt.work);
  std::string store = opt.work + "/store";
  std::string size_file = opt.work + "/graph-size.txt";
  std::string text;
  bool have = opt.reuse && ReadWholeFile(size_file, text) &&
              text == std::to_string(opt.entities) + " " + std::to_string(opt.seed) + "\n" && fs::exists(store + "/CURRENT");
  ChildRun build;
  if (!have) {
    std::error_code ec;
    fs::remove_all(store, ec);
    fs::remove(size_file, ec);
    std::printf("building a synthetic graph for %" PRIu64 " entities in %s ...\n", opt.entities, store.c_str());
    build = RunChild(opt.work, "build", [&](Results& r) { return BuildPhase(opt, store, r); });
    if (!build.ok) return 1;
    std::printf("built in %.1f s (%.1f CPU-s), compacted in %.1f s, peak RSS %.0f MiB\n",
                Get(build.results, "build_s"), Get(build.results, "build_cpu_s"), Get(build.results, "compact_s"),
                build.max_rss_mib);
  }
  uint64_t store_bytes = DirBytes(store);
  ChildRun q = RunChild(opt.work, "queries", [&](Results& r) { return QueryPhase(opt, store, r); });
  if (!q.ok) return 1;
  const Results& g = q.results;
  auto lat = [&](const char* name) {
    return Fmt("p50 %.3f ms", Get(g, std::string(name) + ".p50_ms")) +
           Fmt(", p99 %.3f ms", Get(g, std::string(name) + ".p99_ms"));
  };
  auto lat_fine = [&](const char* name) {  // microsecond-scale figures
    return Fmt("p50 %.4f ms", Get(g, std::string(name) + ".p50_ms")) +
           Fmt(", p99 %.4f ms", Get(g, std::string(name) + ".p99_ms"));
  };
  auto ratio = [&](const char* a, const char* b, const char* p) {
    double x = Get(g, std::string(a) + "." + p), y = Get(g, std::string(b) + "." + p);
    return y > 0 && x > 0 ? Fmt("%.2fx", x / y) : std::string("n/a");
  };
  std::string md = "## Synthetic graph, " + Fmt("%.0f", Get(g, "graph.entities")) + " entities / " +
                   Fmt("%.0f", Get(g, "graph.edges")) + " edges\n\n";
  md += "Run " + machine.date + " on " + std::to_string(machine.cores) + " cores (" + machine.cpu + "), " +
        Fmt("%.1f GiB", machine.mem_gib) + " RAM; load average at start: " + machine.load + ".\n\n";
  md += "`gumshoe_bench_graph --entities " + std::to_string(opt.entities) + " --seed " + std::to_string(opt.seed) +
        " --queries " + std::to_string(opt.queries) + "`. ";
  if (build.ok)
    md += "Build through GraphDelta + RocksStore::Apply: " + Fmt("%.0f s", Get(build.results, "build_s")) + " (" +
          Fmt("%.0f CPU-s", Get(build.results, "build_cpu_s")) + "), compaction " +
          Fmt("%.0f s", Get(build.results, "compact_s")) + ", peak RSS " + Fmt("%.0f MiB", build.max_rss_mib) + "; ";
  md += "store " + Fmt("%.0f MB", double(store_bytes) / 1e6) + "; SQLite export " +
        Fmt("%.0f s", Get(g, "sqlite.export_s")) + " + index " + Fmt("%.0f s", Get(g, "sqlite.index_s")) +
        "; query phase " + Fmt("%.0f s", q.wall) + ".\n\n";
  md += "| figure | gumshoe | baseline (same run) | ratio | goal |\n| --- | --- | --- | --- | --- |\n";
  md += "| pivot latency, wall | " + lat("pivot") + " | - | - | p99 <= 1 ms |\n";
  md += "| pivot latency, thread CPU | " + lat("pivot_cpu") + " | - | - | p99 <= 1 ms |\n";
  md += "| 3-hop blast radius (default caps), wall | " + lat("blast") + " | - | - | p99 <= 100 ms |\n";
  md += "| 3-hop blast radius (default caps), thread CPU | " + lat("blast_cpu") + " | - | - | p99 <= 100 ms |\n";
  md += "| 3-hop blast radius (uncapped, no launchers), wall | " + lat("blast_uncapped") + " | SQLite CTE " +
        lat("sqlite_blast") + " | " + ratio("sqlite_blast", "blast_uncapped", "p50_ms") + " p50, " +
        ratio("sqlite_blast", "blast_uncapped", "p99_ms") + " p99 | >= 20x faster |\n";
  md += "| 3-hop blast radius (uncapped, no launchers), thread CPU | " + lat("blast_uncapped_cpu") + " | SQLite CTE " +
        lat("sqlite_blast_cpu") + " | " + ratio("sqlite_blast_cpu", "blast_uncapped_cpu", "p50_ms") + " p50, " +
        ratio("sqlite_blast_cpu", "blast_uncapped_cpu", "p99_ms") + " p99 | >= 20x faster |\n";
  md += "| 3-hop blast radius on the adjacency snapshot (uncapped, no launchers), wall | " + lat_fine("snap_uncapped") +
        " | SQLite CTE " + lat("sqlite_blast") + " | " + ratio("sqlite_blast", "snap_uncapped", "p50_ms") + " p50, " +
        ratio("sqlite_blast", "snap_uncapped", "p99_ms") + " p99 | >= 20x faster |\n";
  md += "| 3-hop blast radius on the adjacency snapshot (uncapped, no launchers), thread CPU | " +
        lat_fine("snap_uncapped_cpu") + " | SQLite CTE " + lat("sqlite_blast_cpu") + " | " +
        ratio("sqlite_blast_cpu", "snap_uncapped_cpu", "p50_ms") + " p50, " +
        ratio("sqlite_blast_cpu", "snap_uncapped_cpu", "p99_ms") + " p99 | >= 20x faster |\n";
  md += "| BlastRadius result with the walk on the snapshot, nodes read from the store (uncapped, no launchers), wall | " +
        lat_fine("snap_full") + " | SQLite CTE " + lat("sqlite_blast") + " | " + ratio("sqlite_blast", "snap_full", "p50_ms") +
        " p50, " + ratio("sqlite_blast", "snap_full", "p99_ms") + " p99 | - |\n";
  md += "| BlastRadius result with the walk on the snapshot, nodes read from the store (uncapped, no launchers), thread CPU | " +
        lat_fine("snap_full_cpu") + " | SQLite CTE " + lat("sqlite_blast_cpu") + " | " +
        ratio("sqlite_blast_cpu", "snap_full_cpu", "p50_ms") + " p50, " + ratio("sqlite_blast_cpu", "snap_full_cpu", "p99_ms") +
        " p99 | - |\n";
  md += "| 3-hop blast radius on the adjacency snapshot (default caps), wall | " + lat_fine("snap_blast") + " | - | - | - |\n";
  md += "| 3-hop blast radius on the adjacency snapshot (default caps), thread CPU | " + lat_fine("snap_blast_cpu") +
        " | - | - | - |\n";
  md += "| adjacency snapshot build (once per run) | " + Fmt("%.1f s", Get(g, "snapshot.build_s")) + " (" +
        Fmt("%.1f CPU-s", Get(g, "snapshot.build_cpu_s")) + "), " + Fmt("%.0f MiB", Get(g, "snapshot.mib")) +
        " (RSS +" + Fmt("%.0f MiB", Get(g, "snapshot.rss_delta_mib")) + ") | - | - | - |\n\n";
  md += "- Every query runs once untimed before it is timed (warm caches on both sides); thread CPU time is the "
        "query's own work, wall time includes waiting for a core on this shared machine.\n";
  md += "- Pivot: " + Fmt("%.0f", Get(g, "pivot.n")) + " queries over 13 kinds in equal share (accounts, popular IPs, "
        "API names and buckets are super-nodes); worst kind by CPU p99: " +
        (g.count("pivot.worst_kind") ? g.at("pivot.worst_kind") : std::string("n/a")) + " " +
        Fmt("%.2f ms", Get(g, "pivot.worst_kind_p99_ms")) + "; " + Fmt("%.0f", Get(g, "pivot.capped_groups")) +
        " groups were cut at max_scan (total shown as >= N).\n";
  md += "- Blast radius: " + Fmt("%.0f", Get(g, "blast.n")) + " starts (long-term keys, temporary keys, sessions, users, "
        "instances) in BlastRadius's default window; average entities reached: capped " +
        Fmt("%.1f", Get(g, "blast.avg_nodes")) + ", uncapped " + Fmt("%.1f", Get(g, "blast_uncapped.avg_nodes")) +
        ", SQLite " + Fmt("%.1f", Get(g, "sqlite_blast.avg_nodes")) + " (SQLite's window test is [first, last] overlap, "
        "and it does not order hops in time, so it may reach more). SQLite plan " +
        (Get(g, "sqlite.per_step_scan") > 0 ? std::string("DOES rebuild an automatic index or Bloom filter per step (not comparable)")
                                            : std::string("uses the covering indexes only")) +
        ".\n";
  double snap_edges = Get(g, "snapshot.edges");
  md += "- Adjacency snapshot: " + Fmt("%.0f", Get(g, "snapshot.entities")) + " entities, " + Fmt("%.0f", snap_edges) +
        " edges of the walked kinds, " + Fmt("%.0f", Get(g, "snapshot.buckets")) + " hourly buckets; " +
        Fmt("%.1f", snap_edges > 0 ? Get(g, "snapshot.mib") * 1048576.0 / snap_edges : 0) +
        " bytes per edge all in (entities and keys included). Its walk agreed with BlastRadius (same entities, hops "
        "and first touches) on all but " +
        Fmt("%.0f", Get(g, "snap.differs")) + " of " + Fmt("%.0f", 3 * Get(g, "blast.n")) +
        " walks (the full-result row: same node count); average entities reached uncapped: " + Fmt("%.1f", Get(g, "snap_uncapped.avg_nodes")) + ".\n";
  std::printf("\n%s", md.c_str());
  fs::create_directories(opt.work + "/results");
  std::string out = opt.work + "/results/graph-" + std::to_string(opt.entities) + ".md";
  std::ofstream(out) << md;
  std::printf("\nwrote %s\n", out.c_str());
  if (!opt.keep) {
    std::error_code ec;
    fs::remove(opt.work + "/edges.sqlite", ec);
  }
  return 0;
}

}  // namespace
}  // namespace gumshoe::bench

int main(int argc, char** argv) {
  gumshoe::bench::Options opt;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto val = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "missing value for %s\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--work") opt.work = val();
    else if (a == "--entities") opt.entities = std::strtoull(val().c_str(), nullptr, 10);
    else if (a == "--seed") opt.seed = std::strtoull(val().c_str(), nullptr, 10);
    else if (a == "--queries") opt.queries = std::strtoull(val().c_str(), nullptr, 10);
    else if (a == "--reuse") opt.reuse = true;
    else if (a == "--keep") opt.keep = true;
    else if (a == "--no-sqlite") opt.no_sqlite = true;
    else {
      std::fprintf(stderr,
                   "usage: gumshoe_bench_graph --work DIR [--entities N] [--seed S] [--queries Q] [--reuse] [--keep]\n"
                   "                           [--no-sqlite]\n");
      return 2;
    }
  }
  if (opt.work.empty() || opt.entities < 1000 || opt.queries == 0) {
    std::fprintf(stderr, "gumshoe_bench_graph: --work is required; --entities >= 1000; --queries >= 1\n");
    return 2;
  }
  return gumshoe::bench::Run(opt);
}
