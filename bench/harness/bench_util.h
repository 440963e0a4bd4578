// Shared pieces of the benchmark harness (bench only; not a library API).
//
// Results travel between the harness's forked phases as "key value" lines in
// a Results map; every figure is a double or a short string.
#pragma once

#include <chrono>
#include <cstdint>
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

void Set(Results& r, const std::string& key, double value);
double Get(const Results& r, const std::string& key, double fallback = -1);
bool WriteResults(const std::string& path, const Results& r);
Results ReadResults(const std::string& path);

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
