// Ingest: turns log files into graph changes in a GraphStore.
//
// Ingest(store, paths, options) reads files, directories (walked recursively,
// e.g. an S3 `AWSLogs/` tree), `.gz` files and "-" (stdin); detects each
// input's source from its content and path unless options.source forces one;
// and applies records in batches. Every record is either applied, skipped as
// a duplicate (its identity is already stored), or rejected under a stable
// reason name such as "cloudtrail.missing_eventTime", with file:line or byte
// offset. A file that cannot be read at all (missing, broken gzip, over a
// size limit) is reported in IngestStats::file_errors; the records read from
// it before the fault are kept.
//
// Evidence of line-based sources (flow logs, DB logs, lists, S3 access logs)
// is "<name>:<line>" (1-based line of the record's start; "<name>@<offset>"
// when unknown), where <name> is the file's path relative to the directory
// given (an export tree's files stay distinguishable), or the base name of
// a file given itself. Reject examples in IngestStats name the full path.
//
// Rejects the framework itself counts, under the chosen ingestor's name
// ("cloudtrail.malformed_json"):
// - malformed_json: a record RapidJSON cannot parse (including raw control
//   characters or NUL bytes inside strings), a broken line of a JSON-lines
//   file, or stray bytes between top-level values (skipped to the next line);
// - truncated_json: the input ends inside a record or an unclosed wrapper;
// - record_too_large / line_too_long: over max_record_bytes (skipped without
//   being buffered); too_deep: nested deeper than max_json_depth;
// - invalid_utf8: a JSON record with invalid UTF-8 in a string. Such records
//   are rejected, not repaired, so every stored string is valid UTF-8.
// Text lines are passed to parsers as bytes; their validation is theirs.
// Every record seen ends up in exactly one of records_ok, duplicates,
// rejected or no_data. A record's identity is remembered only when it is
// counted ok or no_data, so a rejected record is rejected again on re-ingest.
//
// Thread-safety: one Ingest call per store at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "gumshoe/model.h"
#include "gumshoe/status.h"
#include "gumshoe/store.h"

namespace gumshoe {

struct IngestProgress {
  std::string current_file;
  uint64_t files_done = 0;
  uint64_t files_total = 0;  // inputs after walking directories
  uint64_t bytes_read = 0;   // input bytes (compressed size for .gz)
  uint64_t bytes_total = 0;  // sizes of the input files on disk (stdin counts 0)
  uint64_t records = 0;
};

// Longest threat-list window, hours on each side of a listing time (a
// month): an entry valid for longer is better left undated (it then holds
// for the whole timeline).
inline constexpr int kMaxListWindowHours = 24 * 31;

struct IngestOptions {
  // Force an ingestor by name ("cloudtrail", "vpc_flow", ...). Default: detect.
  std::string source;
  // Largest single JSON record or text line accepted. Default: 16 MiB.
  size_t max_record_bytes = 16u << 20;
  // Largest decompressed size of one .gz input (gzip-bomb guard). Default: 8 GiB.
  uint64_t max_decompressed_bytes = 8ull << 30;
  // Largest nesting depth of a JSON record. Default: 128.
  int max_json_depth = 128;
  // A batch is written once its aggregated delta holds about this many bytes,
  // or after batch_records records. Defaults: 64 MiB, 200k.
  size_t batch_bytes = 64u << 20;
  size_t batch_records = 200000;
  // Apply each batch on a worker thread while the next one is parsed (at
  // most one batch in flight, so up to two batches are held in memory).
  // REQUIRES of the store when true: ContainsRecord may run concurrently with
  // Apply (MemoryStore and the RocksDB store allow it). Default: true.
  bool apply_in_background = true;
  // Files are read by this many threads at once, each into its own batches
  // (so the batch limits above are shared among them), all writing to the one
  // store. 0 = one per core, at most 4. What is stored does not depend on it,
  // with one exception: a record found in two different files is stored once,
  // cited (file:line evidence) from whichever file a thread read first.
  size_t threads = 0;
  // Examples (file:line) kept per reject reason. Default: 5.
  size_t max_examples_per_reason = 5;
  // Reference time for plausibility checks (0 = now).
  Timestamp now = 0;
  // Threat-intel lists: the list name for plain IP/CIDR lists, and how long a
  // Tor ExitAddress observation counts as listed on each side of its timestamp.
  std::string list_name;
  int tor_window_hours = 24;
  // IAM authorization snapshots: when the snapshot was taken (`--as-of`).
  // kNoTime: the file's modification time.
  Timestamp snapshot_time = kNoTime;
  // Plain IP/CIDR lists: when the entries were listed, for lines without a
  // time of their own (kNoTime: not given; then a `# listed_at:` header, else
  // the entries hold for the whole timeline), and the hours each dated entry
  // counts as listed on each side of its time (-1: not given; then a
  // `# window_hours:` header, else tor_window_hours). See threat_intel.cc.
  // REQUIRES: list_window_hours <= kMaxListWindowHours (the ingestor clamps).
  Timestamp list_listed_at = kNoTime;
  int list_window_hours = -1;
  // Threat-intel lists: hourly buckets (entries x window hours) written per
  // file at most; entries past it are rejected (listed_hours_limit).
  // Default: 2^24.
  uint64_t max_listed_hours_per_file = uint64_t{1} << 24;
  // RDS logs: the DB instance when neither path nor content names it.
  std::string db_instance;
  // VPC flow logs: a REJECTed inbound flow from a public address to an ENI or
  // instance (an internet scanner's probe) is folded into one network_flow
  // edge per interface/instance from ip_network 0.0.0.0/0 (::/0 for IPv6),
  // counter folded_probes, instead of an edge to each scanner IP. false keeps
  // one edge per remote IP. Default: true.
  bool fold_rejected_probes = true;
  // Called about every 50k records and per file. May be empty.
  std::function<void(const IngestProgress&)> progress;
};

// Counts of one ingest run.
struct IngestStats {
  uint64_t files = 0;
  uint64_t bytes = 0;
  uint64_t records_total = 0;  // records seen = ok + duplicates + rejected + no_data
  uint64_t records_ok = 0;
  uint64_t duplicates = 0;
  uint64_t rejected = 0;
  uint64_t no_data = 0;        // records that say "nothing here" (flow NODATA/SKIPDATA)
  uint64_t batches = 0;
  // Files found while walking a directory that no ingestor recognised (an
  // AWSLogs tree's digest files, a README). A file named explicitly that no
  // ingestor recognises is a file error instead.
  std::vector<std::string> skipped_files;
  std::map<std::string, uint64_t> records_by_source;    // ok records per ingestor
  std::map<std::string, uint64_t> rejects;              // reason -> count
  std::map<std::string, uint64_t> anomalies;            // counted oddities in kept records
  std::map<std::string, std::vector<std::string>> examples;  // reason -> "file:line"
  std::vector<std::string> file_errors;                 // "path: what went wrong"

  void MergeFrom(const IngestStats& other);
  // Stable JSON (sorted keys).
  std::string ToJson() const;
};

// Ingests every path into `store`. Returns an error only when nothing could be
// done (no input, unknown forced source, the store failed); per-file and
// per-record problems are in the stats.
Result<IngestStats> Ingest(GraphStore& store, const std::vector<std::string>& paths,
                           const IngestOptions& options);

// The ingestors this build has, in the order detection tries them.
struct IngestorInfo {
  std::string name;         // "cloudtrail"
  std::string description;  // one line
};
std::vector<IngestorInfo> ListIngestors();

}  // namespace gumshoe
