// gumshoe_bench: runs every benchmark of issue 8 against its baseline in one
// run, prints a table, writes a Markdown fragment and a scaling line, and
// checks the generated incidents' answer key.
//
//   gumshoe_bench --work DIR (--data DIR | --events N --generator PATH) [--seed S]
//                 [--label 1m] [--queries N] [--skip-plain] [--check]
//
// Every ingest runs in a forked child so that its peak RSS (wait4 ru_maxrss)
// is its own; the parent never opens RocksDB (its background threads would
// not survive fork). Rates use the time measured inside the child around
// Ingest() + Flush(), store open excluded.
// --check: exit status 1 when any answer-key check fails. No time is asserted.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <set>

#include "bench_util.h"
#include "sqlite_blast.h"
#include "gumshoe/blast_radius.h"
#include "gumshoe/ingest.h"
#include "gumshoe/lineage.h"
#include "gumshoe/pivot.h"
#include "gumshoe/rocksdb_store.h"
#include "gumshoe/scope.h"

namespace gumshoe::bench {
namespace {

namespace fs = std::filesystem;

struct Options {
  std::string work;
  std::string data;
  std::string generator;
  uint64_t events = 0;
  uint64_t seed = 1;
  std::string label;
  size_t queries = 1000;
  bool skip_plain = false;
  bool check = false;
};

int IngestPhase(const std::string& store_dir, const std::vector<std::string>& paths, const std::string& stats_path,
                Results& r) {
  // Opened as `gumshoe ingest` opens it.
  RocksStoreOptions so;
  so.bulk_load = true;
  auto store = OpenRocksStore(store_dir, so);
  if (!store.ok()) {
    std::fprintf(stderr, "open %s: %s\n", store_dir.c_str(), store.status().ToString().c_str());
    return 1;
  }
  IngestOptions io;
  double t0 = Now(), c0 = CpuSeconds();
  auto stats = Ingest(*store.value(), paths, io);
  Status flushed = store.value()->Flush();
  double secs = Now() - t0, cpu = CpuSeconds() - c0;
  if (!stats.ok() || !flushed.ok()) {
    std::fprintf(stderr, "ingest: %s\n", (stats.ok() ? flushed : stats.status()).ToString().c_str());
    return 1;
  }
  const IngestStats& s = stats.value();
  std::ofstream(stats_path) << s.ToJson() << "\n";
  Set(r, "seconds", secs);
  Set(r, "cpu_seconds", cpu);
  Set(r, "records_total", double(s.records_total));
  Set(r, "records_ok", double(s.records_ok));
  Set(r, "rejected", double(s.rejected));
  Set(r, "duplicates", double(s.duplicates));
  Set(r, "no_data", double(s.no_data));
  Set(r, "files", double(s.files));
  Set(r, "bytes", double(s.bytes));
  Set(r, "file_errors", double(s.file_errors.size()));
  std::string top;
  std::vector<std::pair<uint64_t, std::string>> rejects;
  for (const auto& [k, v] : s.rejects) rejects.push_back({v, k});
  std::sort(rejects.rbegin(), rejects.rend());
  for (size_t i = 0; i < rejects.size() && i < 3; ++i) top += rejects[i].second + "=" + std::to_string(rejects[i].first) + ";";
  r["top_rejects"] = top.empty() ? "-" : top;
  return 0;
}

// ---------------------------------------------------------------- queries

struct Samples {
  std::map<EntityKind, std::vector<EntityRef>> by_kind;
  std::map<EntityKind, uint64_t> seen;
};

int GraphPhase(const Options& opt, const std::string& store_dir, Results& r) {
  RocksStoreOptions so;
  so.read_only = true;
  auto opened = OpenRocksStore(store_dir, so);
  if (!opened.ok()) {
    std::fprintf(stderr, "open %s: %s\n", store_dir.c_str(), opened.status().ToString().c_str());
    return 1;
  }
  const GraphReader& reader = *opened.value();
  std::mt19937_64 rng(opt.seed);
  // Entities: count by kind and keep a reservoir of refs per kind.
  Samples samples;
  const size_t kReservoir = 4000;
  uint64_t entities = 0;
  double t0 = Now();
  Status s = reader.ScanEntities(std::nullopt, [&](const Entity& e) {
    ++entities;
    uint64_t n = ++samples.seen[e.kind];
    auto& v = samples.by_kind[e.kind];
    if (v.size() < kReservoir) {
      v.push_back(e.ref());
    } else {
      uint64_t j = rng() % n;
      if (j < kReservoir) v[j] = e.ref();
    }
    return true;
  });
  if (!s.ok()) {
    std::fprintf(stderr, "scan entities: %s\n", s.ToString().c_str());
    return 1;
  }
  Set(r, "graph.entities", double(entities));
  Set(r, "graph.scan_entities_s", Now() - t0);
  for (const auto& [k, n] : samples.seen) Set(r, "graph.entities." + std::string(EntityKindName(k)), double(n));

  // Edges: count by kind and export to SQLite for the baseline (sqlite_blast.h
  // says what the CTE does and where it differs from BlastRadius).
  SqliteBlast sqlite;
  std::map<EdgeKind, uint64_t> edge_kinds;
  uint64_t edges = 0;
  double export_s = 0, index_s = 0;
  std::string plan;
  if (!sqlite.Open(opt.work + "/edges.sqlite") || !sqlite.Export(reader, edge_kinds, edges, export_s, index_s) ||
      !sqlite.Prepare(plan))
    return 1;
  Set(r, "graph.edges", double(edges));
  for (const auto& [k, n] : edge_kinds) Set(r, "graph.edges." + std::string(EdgeKindName(k)), double(n));
  Set(r, "sqlite.export_s", export_s);
  Set(r, "sqlite.index_s", index_s);
  Set(r, "sqlite.per_step_scan", (plan.find("AUTOMATIC") != std::string::npos || plan.find("BLOOM") != std::string::npos) ? 1 : 0);

  auto pick = [&](const std::vector<EntityKind>& kinds, size_t n) {
    std::vector<EntityRef> out;
    std::vector<EntityKind> present;
    for (EntityKind k : kinds)
      if (!samples.by_kind[k].empty()) present.push_back(k);
    for (size_t i = 0; i < n && !present.empty(); ++i) {
      const auto& v = samples.by_kind[present[i % present.size()]];
      out.push_back(v[rng() % v.size()]);
    }
    return out;
  };
  const size_t n = opt.queries;

  // Pivot: equal share of every entity kind present.
  {
    std::vector<EntityKind> kinds(std::begin(kAllEntityKinds), std::end(kAllEntityKinds));
    std::vector<EntityRef> refs = pick(kinds, n);
    Timing t;
    std::map<EntityKind, std::vector<double>> per_kind;
    uint64_t errors = 0;
    for (const auto& ref : refs) {
      (void)Pivot(reader, ref, PivotOptions{});  // warm-up: every figure is a warm-cache one
      auto res = Timed(t, [&] { return Pivot(reader, ref, PivotOptions{}); });
      if (!res.ok()) ++errors;
      per_kind[ref.kind].push_back(t.wall.back());
    }
    Lat(r, "pivot", t.wall);
    Lat(r, "pivot_cpu", t.cpu);
    Set(r, "pivot.errors", double(errors));
    double worst = -1;
    std::string worst_kind;
    for (const auto& [k, v] : per_kind) {
      double p = Percentile(v, 0.99);
      if (p > worst) {
        worst = p;
        worst_kind = std::string(EntityKindName(k));
      }
    }
    r["pivot.worst_kind"] = worst_kind;
    Set(r, "pivot.worst_kind_p99_ms", worst);
  }
  // Lineage: credentials and principals.
  {
    std::vector<EntityRef> refs =
        pick({EntityKind::kAccessKey, EntityKind::kRoleSession, EntityKind::kIamUser, EntityKind::kIamRole}, n);
    Timing t;
    uint64_t errors = 0, nodes = 0;
    for (const auto& ref : refs) {
      (void)Lineage(reader, ref, LineageOptions{});  // warm-up
      auto res = Timed(t, [&] { return Lineage(reader, ref, LineageOptions{}); });
      if (!res.ok()) ++errors;
      else nodes += res.value().nodes.size();
    }
    Lat(r, "lineage", t.wall);
    Lat(r, "lineage_cpu", t.cpu);
    Set(r, "lineage.errors", double(errors));
    Set(r, "lineage.avg_nodes", refs.empty() ? 0 : double(nodes) / double(refs.size()));
  }
  // Blast radius, 3 hops: gumshoe with its default caps, gumshoe uncapped, SQLite.
  {
    std::vector<EntityRef> refs = pick({EntityKind::kAccessKey, EntityKind::kRoleSession, EntityKind::kIamUser,
                                        EntityKind::kEc2Instance},
                                       std::max<size_t>(20, n / 5));
    Timing capped, uncapped, sql;
    uint64_t errors = 0, nodes_capped = 0, nodes_uncapped = 0, nodes_sql = 0;
    for (const auto& ref : refs) {
      BlastRadiusOptions bo;
      bo.max_depth = 3;
      // The window BlastRadius would choose (24 h before the last activity to
      // 7 days after it), fixed here so that SQLite walks the same one.
      auto win = BlastWindow(reader, ref, bo);
      if (!win.ok()) {
        ++errors;
        continue;
      }
      bo.window = win.value();
      // Warm-up, untimed, on both sides: every figure is a warm-cache one.
      (void)BlastRadius(reader, ref, bo);
      (void)sqlite.Reach(reader.IdOf(ref.kind, ref.key), 3, win.value());
      auto res = Timed(capped, [&] { return BlastRadius(reader, ref, bo); });
      if (res.ok()) nodes_capped += res.value().nodes.size();
      else ++errors;
      // The walk SQLite does: no caps, no launcher footholds.
      bo.max_fanout = size_t(1) << 30;
      bo.max_nodes = size_t(1) << 30;
      bo.include_launchers = false;
      res = Timed(uncapped, [&] { return BlastRadius(reader, ref, bo); });
      if (res.ok()) nodes_uncapped += res.value().nodes.size();
      EntityId id = reader.IdOf(ref.kind, ref.key);
      int64_t reached = Timed(sql, [&] { return sqlite.Reach(id, 3, win.value()); });
      if (reached >= 0) nodes_sql += uint64_t(reached);
      else ++errors;
    }
    Lat(r, "blast", capped.wall);
    Lat(r, "blast_cpu", capped.cpu);
    Lat(r, "blast_uncapped", uncapped.wall);
    Lat(r, "blast_uncapped_cpu", uncapped.cpu);
    Lat(r, "sqlite_blast", sql.wall);
    Lat(r, "sqlite_blast_cpu", sql.cpu);
    Set(r, "blast.errors", double(errors));
    double k = refs.empty() ? 1 : double(refs.size());
    Set(r, "blast.avg_nodes", double(nodes_capped) / k);
    Set(r, "blast_uncapped.avg_nodes", double(nodes_uncapped) / k);
    Set(r, "sqlite_blast.avg_nodes", double(nodes_sql) / k);
  }

  // Answer key.
  auto outcomes = RunAnswerKey(reader, opt.data + "/answer_key.json");
  size_t failed = 0;
  for (size_t i = 0; i < outcomes.size(); ++i) {
    const auto& o = outcomes[i];
    std::string key = "check." + (i < 10 ? "0" + std::to_string(i) : std::to_string(i));
    r[key] = std::string(o.skipped ? "SKIP" : o.ok ? "PASS" : "FAIL") + " [" + o.incident + "] " + o.what +
             (o.detail.empty() ? "" : " -- " + o.detail);
    if (!o.ok && !o.skipped) ++failed;
  }
  Set(r, "checks.total", double(outcomes.size()));
  Set(r, "checks.failed", double(failed));
  return 0;
}

// ---------------------------------------------------------------- report

std::string Fmt(const char* fmt, double v) {
  if (v < 0) return "n/a";
  char buf[64];
  std::snprintf(buf, sizeof(buf), fmt, v);
  return buf;
}

std::string Ratio(double a, double b) { return (a < 0 || b <= 0) ? "n/a" : Fmt("%.2fx", a / b); }

struct Row {
  std::string figure, value, baseline, ratio, goal;
};

std::string MdTable(const std::vector<Row>& rows) {
  std::string out = "| figure | gumshoe | baseline (same run) | ratio | goal |\n| --- | --- | --- | --- | --- |\n";
  for (const auto& r : rows)
    out += "| " + r.figure + " | " + r.value + " | " + r.baseline + " | " + r.ratio + " | " + r.goal + " |\n";
  return out;
}

void PrintTable(const std::vector<Row>& rows) {
  std::printf("\n%-34s %-30s %-36s %-12s %s\n", "figure", "gumshoe", "baseline (same run)", "ratio", "goal");
  for (const auto& r : rows)
    std::printf("%-34s %-30s %-36s %-12s %s\n", r.figure.c_str(), r.value.c_str(), r.baseline.c_str(), r.ratio.c_str(),
                r.goal.c_str());
}

int Run(const Options& opt) {
  Machine machine = DescribeMachine();
  fs::create_directories(opt.work);
  std::string data = opt.data;
  // 1. Generate (or reuse) the data set.
  if (!opt.generator.empty()) {
    std::string manifest = data + "/manifest.json";
    std::string text;
    bool reuse = ReadWholeFile(manifest, text) &&
                 text.find("\"events\":" + std::to_string(opt.events) + ",") != std::string::npos &&
                 text.find("\"seed\":" + std::to_string(opt.seed) + ",") != std::string::npos;
    if (!reuse) {
      std::error_code ec;
      fs::remove_all(data, ec);
      std::string cmd = "'" + opt.generator + "' --out '" + data + "' --events " + std::to_string(opt.events) +
                        " --seed " + std::to_string(opt.seed) + " > '" + opt.work + "/generate.log'";
      std::printf("generating %" PRIu64 " events into %s ...\n", opt.events, data.c_str());
      std::fflush(stdout);
      double t0 = Now();
      if (std::system(cmd.c_str()) != 0) {
        std::fprintf(stderr, "gumshoe_bench: generator failed: %s\n", cmd.c_str());
        return 1;
      }
      std::printf("generated in %.1f s\n", Now() - t0);
    }
  }
  std::vector<std::string> ct = FindFiles(data + "/AWSLogs", "/CloudTrail/");
  std::vector<std::string> flows = FindFiles(data + "/AWSLogs", "/vpcflowlogs/");
  std::vector<std::string> dns = FindFiles(data + "/AWSLogs", "/vpcdnsquerylogs/");
  std::vector<std::string> gd = FindFiles(data + "/AWSLogs", "/GuardDuty/");
  std::vector<std::string> audit = FindFiles(data + "/rds", "/audit/");
  if (ct.empty()) {
    std::fprintf(stderr, "gumshoe_bench: no CloudTrail files under %s/AWSLogs\n", data.c_str());
    return 1;
  }
  Results res;
  std::printf("data: %zu CloudTrail files, %zu flow files, %zu DNS files, %zu audit files, %zu GuardDuty files\n",
              ct.size(), flows.size(), dns.size(), audit.size(), gd.size());

  // 2. Plain copy of the CloudTrail files (untimed; also warms the page cache).
  std::vector<std::string> plain;
  std::string plain_root = opt.work + "/plain";
  if (!opt.skip_plain) {
    std::error_code ec;
    fs::remove_all(plain_root, ec);
    if (!GunzipTree(ct, data, plain_root, plain)) {
      std::fprintf(stderr, "gumshoe_bench: cannot write the plain copy under %s\n", plain_root.c_str());
      return 1;
    }
  } else {
    InflateOnly(ct);  // warm the cache like the plain copy would
  }

  // 3. CloudTrail baselines.
  ParseTotals ct_inflate = InflateOnly(ct);
  ParseTotals ct_zlib = ZlibInflateOnly(ct);
  ParseTotals ct_gz_parse = ParseCloudTrail(ct);
  ParseTotals ct_plain_parse;
  if (!plain.empty()) ct_plain_parse = ParseCloudTrail(plain);
  const double events = double(ct_gz_parse.records);
  const double json_mb = double(ct_gz_parse.raw_bytes) / 1e6;
  const double gz_mb = double(ct_gz_parse.in_bytes) / 1e6;
  std::printf("CloudTrail: %.0f events, %.1f MB JSON, %.1f MB gz\n", events, json_mb, gz_mb);

  // 4. CloudTrail ingest, plain and .gz, each into a fresh store.
  std::error_code ec;
  double peak_rss = 0;
  ChildRun ing_plain;
  if (!plain.empty()) {
    std::string dir = opt.work + "/store-plain";
    fs::remove_all(dir, ec);
    ing_plain = RunChild(opt.work, "ingest-ct-plain",
                         [&](Results& r) { return IngestPhase(dir, plain, opt.work + "/ingest-ct-plain.json", r); });
    peak_rss = std::max(peak_rss, ing_plain.max_rss_mib);
    fs::remove_all(dir, ec);
  }
  std::string store = opt.work + "/store";
  fs::remove_all(store, ec);
  ChildRun ing_gz =
      RunChild(opt.work, "ingest-ct-gz", [&](Results& r) { return IngestPhase(store, ct, opt.work + "/ingest-ct-gz.json", r); });
  peak_rss = std::max(peak_rss, ing_gz.max_rss_mib);
  uint64_t ct_store_bytes = DirBytes(store);

  // 5. Flow baselines and ingest.
  ParseTotals fl_inflate = InflateOnly(flows);
  ParseTotals fl_parse = ParseFlows(flows);
  ChildRun ing_fl = RunChild(opt.work, "ingest-flows",
                             [&](Results& r) { return IngestPhase(store, flows, opt.work + "/ingest-flows.json", r); });
  peak_rss = std::max(peak_rss, ing_fl.max_rss_mib);

  // 6. The other sources (DNS, DB audit, GuardDuty) complete the graph.
  std::vector<std::string> rest = dns;
  rest.insert(rest.end(), audit.begin(), audit.end());
  rest.insert(rest.end(), gd.begin(), gd.end());
  ChildRun ing_rest = RunChild(opt.work, "ingest-rest",
                               [&](Results& r) { return IngestPhase(store, rest, opt.work + "/ingest-rest.json", r); });
  peak_rss = std::max(peak_rss, ing_rest.max_rss_mib);
  uint64_t store_bytes = DirBytes(store);
  ChildRun compact = RunChild(opt.work, "compact", [&](Results& r) {
    auto s = OpenRocksStore(store);
    if (!s.ok()) return 1;
    double t0 = Now();
    Status st = CompactRocksStore(*s.value());
    Set(r, "seconds", Now() - t0);
    return st.ok() ? 0 : 1;
  });
  uint64_t compact_bytes = DirBytes(store);

  // 7. Queries, SQLite baseline, answer key.
  ChildRun graph = RunChild(opt.work, "graph", [&](Results& r) { return GraphPhase(opt, store, r); });
  const Results& g = graph.results;

  // ---- report
  auto ing = [](const ChildRun& c, const char* k) { return Get(c.results, k); };
  double plain_eps = ing_plain.ok ? ing(ing_plain, "records_total") / ing(ing_plain, "seconds") : -1;
  double gz_eps = ing_gz.ok ? ing(ing_gz, "records_total") / ing(ing_gz, "seconds") : -1;
  double base_plain_eps = ct_plain_parse.seconds > 0 ? double(ct_plain_parse.records) / ct_plain_parse.seconds : -1;
  double base_gz_eps = events / ct_gz_parse.seconds;
  double inflate_eps = events / ct_inflate.seconds;
  double fl_eps = ing_fl.ok ? ing(ing_fl, "records_total") / ing(ing_fl, "seconds") : -1;
  double fl_base_eps = double(fl_parse.records) / fl_parse.seconds;
  double flow_edges = Get(g, "graph.edges.network_flow");
  double total_records = events + double(fl_parse.records) + Get(ing_rest.results, "records_total", 0);

  auto cpu_rate = [&](const ChildRun& c) { return c.ok ? ing(c, "records_total") / ing(c, "cpu_seconds") : -1; };
  double plain_cps = cpu_rate(ing_plain), gz_cps = cpu_rate(ing_gz), fl_cps = cpu_rate(ing_fl);
  double base_plain_cps = ct_plain_parse.cpu_seconds > 0 ? double(ct_plain_parse.records) / ct_plain_parse.cpu_seconds : -1;
  double base_gz_cps = events / ct_gz_parse.cpu_seconds, inflate_cps = events / ct_inflate.cpu_seconds;
  double fl_base_cps = double(fl_parse.records) / fl_parse.cpu_seconds;
  auto both = [](double wall, double cpu, const char* unit) {
    if (wall < 0) return std::string("not run");
    return Fmt("%.0f ", wall) + unit + Fmt(" (%.0f per CPU-s)", cpu);
  };
  auto ratios = [](double a, double b, double ac, double bc) { return Ratio(a, b) + " wall, " + Ratio(ac, bc) + " CPU"; };

  std::vector<Row> rows;
  rows.push_back({"CloudTrail ingest, plain JSON",
                  both(plain_eps, plain_cps, "ev/s") + (plain_eps < 0 ? "" : Fmt(", %.1f MB/s", json_mb / ing(ing_plain, "seconds"))),
                  base_plain_eps < 0 ? std::string("not run (--skip-plain)")
                                     : both(base_plain_eps, base_plain_cps, "ev/s") + " read + RapidJSON parse",
                  ratios(plain_eps, base_plain_eps, plain_cps, base_plain_cps), ">= 100k ev/s, >= 0.4x"});
  rows.push_back({"CloudTrail ingest, .json.gz",
                  both(gz_eps, gz_cps, "ev/s") + Fmt(", %.1f MB/s JSON", gz_eps < 0 ? -1 : json_mb / ing(ing_gz, "seconds")) +
                      Fmt(" / %.1f MB/s gz", gz_eps < 0 ? -1 : gz_mb / ing(ing_gz, "seconds")),
                  both(base_gz_eps, base_gz_cps, "ev/s") + " libdeflate + RapidJSON", ratios(gz_eps, base_gz_eps, gz_cps, base_gz_cps),
                  ">= 100k ev/s"});
  rows.push_back({"CloudTrail ingest .gz vs inflate-only", both(gz_eps, gz_cps, "ev/s"),
                  both(inflate_eps, inflate_cps, "ev/s") + Fmt(" libdeflate (zlib %.0f ev/s)", events / ct_zlib.seconds),
                  ratios(gz_eps, inflate_eps, gz_cps, inflate_cps), ">= 0.6x"});
  rows.push_back({"VPC flow ingest (" + Fmt("%.0f", double(fl_parse.records)) + " lines)", both(fl_eps, fl_cps, "lines/s"),
                  both(fl_base_eps, fl_base_cps, "lines/s") + " gunzip + split + parse", ratios(fl_eps, fl_base_eps, fl_cps, fl_base_cps),
                  "-"});
  rows.push_back({"flow edges stored per 1M lines",
                  Fmt("%.0f network_flow edges", fl_parse.records ? flow_edges * 1e6 / double(fl_parse.records) : -1), "-",
                  "-", "thousands, not millions"});
  // Latencies: wall clock and the query thread's CPU time (the machine is
  // shared; CPU time is what the query itself costs).
  auto lat = [&](const std::string& name) {
    return Fmt("p50 %.3f ms", Get(g, name + ".p50_ms")) + Fmt(", p99 %.3f ms", Get(g, name + ".p99_ms")) +
           Fmt(" (CPU p50 %.3f", Get(g, name + "_cpu.p50_ms")) + Fmt(", p99 %.3f)", Get(g, name + "_cpu.p99_ms"));
  };
  rows.push_back({"pivot latency", lat("pivot"), "-", "-", "p99 <= 1 ms"});
  rows.push_back({"lineage latency", lat("lineage"), "-", "-", "-"});
  rows.push_back({"3-hop blast radius (default caps)", lat("blast"), "-", "-", "p99 <= 100 ms"});
  rows.push_back({"3-hop blast radius (uncapped, no launchers)", lat("blast_uncapped"), "SQLite CTE " + lat("sqlite_blast"),
                  Ratio(Get(g, "sqlite_blast.p50_ms"), Get(g, "blast_uncapped.p50_ms")) + " p50, " +
                      Ratio(Get(g, "sqlite_blast.p99_ms"), Get(g, "blast_uncapped.p99_ms")) + " p99 wall; " +
                      Ratio(Get(g, "sqlite_blast_cpu.p50_ms"), Get(g, "blast_uncapped_cpu.p50_ms")) + " p50, " +
                      Ratio(Get(g, "sqlite_blast_cpu.p99_ms"), Get(g, "blast_uncapped_cpu.p99_ms")) + " p99 CPU",
                  ">= 20x faster"});
  rows.push_back({"peak RSS of ingest", Fmt("%.0f MiB", peak_rss), "-", "-", "<= 1024 MiB"});
  rows.push_back({"bytes on disk per CloudTrail event", Fmt("%.0f B", double(ct_store_bytes) / events),
                  Fmt("%.0f B gz input", gz_mb * 1e6 / events), "-", "-"});
  rows.push_back({"bytes on disk per record, all sources", Fmt("%.0f B", double(store_bytes) / total_records),
                  Fmt("%.0f B after compaction", double(compact_bytes) / total_records), "-", "-"});
  PrintTable(rows);

  std::printf("\ngraph: %.0f entities, %.0f edges; ingest records ok/total: ct %s/%s, flows %s/%s, rest %s/%s\n",
              Get(g, "graph.entities"), Get(g, "graph.edges"), ing_gz.results["records_ok"].c_str(),
              ing_gz.results["records_total"].c_str(), ing_fl.results["records_ok"].c_str(),
              ing_fl.results["records_total"].c_str(), ing_rest.results["records_ok"].c_str(),
              ing_rest.results["records_total"].c_str());
  std::string checks;
  for (const auto& [k, v] : g)
    if (k.rfind("check.", 0) == 0) checks += "- " + v + "\n";
  std::printf("\nanswer key:\n%s", checks.c_str());
  double failed = Get(g, "checks.failed", -1);

  // ---- Markdown fragment and scaling line.
  std::string results_dir = opt.work + "/results";
  fs::create_directories(results_dir);
  std::string md = "## Size " + opt.label + " (" + Fmt("%.0f", events) + " CloudTrail events)\n\n";
  md += "Run " + machine.date + " on " + std::to_string(machine.cores) + " cores (" + machine.cpu + "), " +
        Fmt("%.1f GiB", machine.mem_gib) + " RAM; load average at start: " + machine.load + ".\n\n";
  md += "Data: " + std::to_string(ct.size()) + " CloudTrail files (" + Fmt("%.1f MB", json_mb) + " JSON, " +
        Fmt("%.1f MB", gz_mb) + " gz), " + Fmt("%.0f", double(fl_parse.records)) + " flow lines in " +
        std::to_string(flows.size()) + " files (" + Fmt("%.1f MB", double(fl_parse.raw_bytes) / 1e6) + " text), " +
        Fmt("%.0f", Get(ing_rest.results, "records_total", 0)) + " DNS/audit/GuardDuty records.\n\n";
  md += MdTable(rows);
  md += "\nDetails:\n\n";
  md += "- Ingest records ok/total (rejected, duplicates): CloudTrail plain " + ing_plain.results["records_ok"] + "/" +
        ing_plain.results["records_total"] + ", .gz " + ing_gz.results["records_ok"] + "/" +
        ing_gz.results["records_total"] + " (" + ing_gz.results["rejected"] + ", " + ing_gz.results["duplicates"] +
        "; top rejects " + ing_gz.results["top_rejects"] + "), flows " + ing_fl.results["records_ok"] + "/" +
        ing_fl.results["records_total"] + " (no_data " + ing_fl.results["no_data"] + "; top rejects " +
        ing_fl.results["top_rejects"] + "), DNS+audit+GuardDuty " + ing_rest.results["records_ok"] + "/" +
        ing_rest.results["records_total"] + " (top rejects " + ing_rest.results["top_rejects"] + ").\n";
  md += "- Ingest wall time incl. fork + store open: CloudTrail plain " + Fmt("%.1f s", ing_plain.ok ? ing_plain.wall : -1) +
        ", .gz " + Fmt("%.1f s", ing_gz.wall) + ", flows " + Fmt("%.1f s", ing_fl.wall) + ", rest " +
        Fmt("%.1f s", ing_rest.wall) + "; compaction " + Fmt("%.1f s", Get(compact.results, "seconds")) + ".\n";
  md += "- Peak RSS per ingest child: CloudTrail plain " + Fmt("%.0f MiB", ing_plain.ok ? ing_plain.max_rss_mib : -1) +
        ", .gz " + Fmt("%.0f MiB", ing_gz.max_rss_mib) + ", flows " + Fmt("%.0f MiB", ing_fl.max_rss_mib) + ", rest " +
        Fmt("%.0f MiB", ing_rest.max_rss_mib) + ".\n";
  md += "- Baselines: CloudTrail inflate-only libdeflate " + Fmt("%.0f MB/s", json_mb / ct_inflate.seconds) + ", zlib " +
        Fmt("%.0f MB/s", double(ct_zlib.raw_bytes) / 1e6 / ct_zlib.seconds) + " (JSON out); flows inflate-only " +
        Fmt("%.0f lines/s", double(fl_parse.records) / fl_inflate.seconds) + ".\n";
  md += "- Graph: " + Fmt("%.0f", Get(g, "graph.entities")) + " entities, " + Fmt("%.0f", Get(g, "graph.edges")) +
        " edges (" + Fmt("%.0f", flow_edges) + " network_flow). Store " + Fmt("%.1f MB", double(ct_store_bytes) / 1e6) +
        " after CloudTrail, " + Fmt("%.1f MB", double(store_bytes) / 1e6) + " after all sources, " +
        Fmt("%.1f MB", double(compact_bytes) / 1e6) + " compacted.\n";
  md += "- Queries: " + Fmt("%.0f", Get(g, "pivot.n")) + " pivots over every entity kind (equal share), " +
        Fmt("%.0f", Get(g, "lineage.n")) + " lineages of keys/sessions/users/roles, " + Fmt("%.0f", Get(g, "blast.n")) +
        " blast radii from keys/sessions/users/instances in BlastRadius's default window (24 h before the start's"
        " last activity to 7 days after it); the SQLite CTE walks the same rules, leaves, interface folding and"
        " window over the same edges with covering indexes (bench/harness/sqlite_blast.h lists what it skips); its"
        " plan " + std::string(Get(g, "sqlite.per_step_scan") > 0 ? "DOES" : "does not") +
        " rebuild an automatic index or Bloom filter per recursive step; the uncapped run also leaves out"
        " include_launchers, which SQLite has no counterpart for. Every query runs once untimed before it is timed"
        " (warm caches on both sides); CPU figures are the query thread's own CPU time.\n";
  md += "- Pivot worst kind by p99: " + (g.count("pivot.worst_kind") ? g.at("pivot.worst_kind") : std::string("n/a")) + " " +
        Fmt("%.2f ms", Get(g, "pivot.worst_kind_p99_ms")) + "; pivot max " + Fmt("%.2f ms", Get(g, "pivot.max_ms")) +
        "; lineage max " + Fmt("%.2f ms", Get(g, "lineage.max_ms")) + ", avg " + Fmt("%.1f", Get(g, "lineage.avg_nodes")) +
        " nodes; blast avg nodes: capped " + Fmt("%.1f", Get(g, "blast.avg_nodes")) + ", uncapped " +
        Fmt("%.1f", Get(g, "blast_uncapped.avg_nodes")) + ", SQLite " + Fmt("%.1f", Get(g, "sqlite_blast.avg_nodes")) +
        "; SQLite export " + Fmt("%.1f s", Get(g, "sqlite.export_s")) + " + index " + Fmt("%.1f s", Get(g, "sqlite.index_s")) +
        ".\n";
  md += "\nAnswer key (" + Fmt("%.0f", Get(g, "checks.total")) + " checks, " + Fmt("%.0f", failed) + " failed):\n\n" + checks;
  std::ofstream(results_dir + "/results-" + opt.label + ".md") << md;
  std::ofstream(results_dir + "/scaling-" + opt.label + ".tsv")
      << opt.label << '\t' << Fmt("%.0f", events) << '\t' << Fmt("%.0f", gz_eps) << '\t' << Fmt("%.0f", plain_eps) << '\t'
      << Fmt("%.0f", peak_rss) << '\t' << machine.date << '\t' << Fmt("%.0f", gz_cps) << '\n';
  std::printf("\nwrote %s/results-%s.md\n", results_dir.c_str(), opt.label.c_str());
  if (opt.check && (failed != 0 || !graph.ok || !ing_gz.ok)) {
    std::fprintf(stderr, "gumshoe_bench: answer key check failed\n");
    return 1;
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
    else if (a == "--data") opt.data = val();
    else if (a == "--generator") opt.generator = val();
    else if (a == "--events") opt.events = std::strtoull(val().c_str(), nullptr, 10);
    else if (a == "--seed") opt.seed = std::strtoull(val().c_str(), nullptr, 10);
    else if (a == "--label") opt.label = val();
    else if (a == "--queries") opt.queries = std::strtoull(val().c_str(), nullptr, 10);
    else if (a == "--skip-plain") opt.skip_plain = true;
    else if (a == "--check") opt.check = true;
    else {
      std::fprintf(stderr,
                   "usage: gumshoe_bench --work DIR (--data DIR | --events N --generator PATH) [--seed S]\n"
                   "                     [--label NAME] [--queries N] [--skip-plain] [--check]\n");
      return 2;
    }
  }
  if (opt.work.empty() || (opt.data.empty() && (opt.generator.empty() || opt.events == 0))) {
    std::fprintf(stderr, "gumshoe_bench: --work and either --data or --events with --generator are required\n");
    return 2;
  }
  if (opt.data.empty()) opt.data = opt.work + "/data";
  if (opt.label.empty()) opt.label = std::to_string(opt.events ? opt.events : 0);
  return gumshoe::bench::Run(opt);
}
