// Shared pieces of the benchmark harness (bench only; not a library API).
//
// Results travel between the harness's forked phases as "key value" lines in
// a Results map; every figure is a double or a short string.
#pragma once

#include <time.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "gumshoe/model.h"
#include "gumshoe/store.h"

namespace gumshoe::bench {

using Results = std::map<std::string, std::string>;

inline double Now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
// CPU seconds used by the calling thread: a query's own work, without the
// time it waited for a core (the shared machine's load moves wall-clock p99s
// by tens of milliseconds; this does not).
inline double ThreadCpu() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) / 1e9;
}

// Per-query latencies in milliseconds: wall clock and the thread's CPU time.
struct Timing {
  std::vector<double> wall, cpu;
};
// Runs fn() and records its wall and CPU time in `t`; returns what fn returns.
template <typename Fn>
auto Timed(Timing& t, Fn&& fn) {
  double w0 = Now(), c0 = ThreadCpu();
  auto result = fn();
  t.cpu.push_back((ThreadCpu() - c0) * 1000);
  t.wall.push_back((Now() - w0) * 1000);
  return result;
}

void Set(Results& r, const std::string& key, double value);
double Get(const Results& r, const std::string& key, double fallback = -1);
bool WriteResults(const std::string& path, const Results& r);
Results ReadResults(const std::string& path);

// A phase run in a forked child (so its peak RSS and CPU are its own): its
// results (written to WORK/phase-NAME.txt), wall time, peak RSS and CPU.
struct ChildRun {
  bool ok = false;
  Results results;
  double wall = 0;
  double max_rss_mib = 0;
  double cpu = 0;  // user + system seconds of the child (all its threads)
};
ChildRun RunChild(const std::string& work, const std::string& name, const std::function<int(Results&)>& fn);
// Records NAME.n, NAME.p50_ms, NAME.p99_ms and NAME.max_ms of `ms`.
void Lat(Results& r, const std::string& name, const std::vector<double>& ms);

// Files under `root` whose path contains `marker` (sorted).
std::vector<std::string> FindFiles(const std::string& root, const std::string& marker);
bool ReadWholeFile(const std::string& path, std::string& out);
uint64_t DirBytes(const std::string& dir);

// ---- baselines (baselines.cc). Each returns the records/lines seen.
struct ParseTotals {
  uint64_t records = 0;
  uint64_t in_bytes = 0;   // bytes read from disk
  uint64_t raw_bytes = 0;  // decompressed bytes
  double seconds = 0;
  double cpu_seconds = 0;  // user + system CPU time of this process
};
// User + system CPU seconds used by this process so far.
double CpuSeconds();
// Read + libdeflate gunzip of each file (no parse).
ParseTotals InflateOnly(const std::vector<std::string>& files);
// Read + zlib streaming gunzip (what the ingest layer uses), no parse.
ParseTotals ZlibInflateOnly(const std::vector<std::string>& files);
// Read (+ gunzip when .gz) + RapidJSON DOM parse of {"Records":[...]}; counts records.
ParseTotals ParseCloudTrail(const std::vector<std::string>& files);
// Read (+ gunzip) + split lines + parse every flow-log field (numbers, IPs).
ParseTotals ParseFlows(const std::vector<std::string>& files);
// Writes gunzipped copies of `files` (relative to `root`) under `out_root`.
bool GunzipTree(const std::vector<std::string>& files, const std::string& root, const std::string& out_root,
                std::vector<std::string>& written);

// ---- answer key (answer_key.cc).
struct CheckOutcome {
  std::string incident;
  std::string what;     // "lineage from access_key:ASIA..."
  bool ok = false;
  bool skipped = false;
  std::string detail;   // what was missing
};
std::vector<CheckOutcome> RunAnswerKey(const GraphReader& reader, const std::string& answer_key_path);

// ---- machine and report (report.cc).
struct Machine {
  int cores = 0;
  std::string cpu;
  double mem_gib = 0;
  std::string date;      // UTC
  std::string load;      // /proc/loadavg at start
};
Machine DescribeMachine();
double Percentile(std::vector<double> v, double p);

}  // namespace gumshoe::bench
