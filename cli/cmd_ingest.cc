// gumshoe ingest PATH...
#include <unistd.h>

#include <rapidjson/document.h>

#include "cli_common.h"
#include "gumshoe/time_util.h"
#include "gumshoe/ingest.h"
#include "gumshoe/time_util.h"
#include "output.h"
#include "progress.h"

namespace gumshoe::cli {
namespace {

struct IngestArgs {
  std::vector<std::string> paths;
  IngestOptions options;
  size_t batch_mib = 64;     // --batch-mib: IngestOptions::batch_bytes
  bool keep_probes = false;  // --keep-probes: IngestOptions::fold_rejected_probes = false
  uint64_t min_free_mib = 64;  // --min-free-mib: RocksStoreOptions::min_free_bytes
  std::string as_of;         // --as-of: IngestOptions::snapshot_time
  std::string listed_at;     // --listed-at: IngestOptions::list_listed_at
};

void PrintStats(const IngestStats& s) {
  std::printf("files %llu, %llu bytes\n", static_cast<unsigned long long>(s.files),
              static_cast<unsigned long long>(s.bytes));
  std::printf("records %llu: ok %llu, duplicates %llu, rejected %llu, no-data %llu\n",
              static_cast<unsigned long long>(s.records_total), static_cast<unsigned long long>(s.records_ok),
              static_cast<unsigned long long>(s.duplicates), static_cast<unsigned long long>(s.rejected),
              static_cast<unsigned long long>(s.no_data));
  if (!s.file_errors.empty()) std::printf("inputs not read %zu (each named on stderr)\n", s.file_errors.size());
  if (!s.records_by_source.empty()) {
    std::vector<std::vector<std::string>> rows;
    for (const auto& [src, n] : s.records_by_source) rows.push_back({src, std::to_string(n)});
    std::printf("\n");
    PrintTable({"source", "records ok"}, rows);
  }
  if (!s.skipped_files.empty()) std::printf("\n%s\n", SkippedFilesLine(s.skipped_files).c_str());
  if (!s.rejects.empty()) {
    std::vector<std::vector<std::string>> rows;
    for (const auto& [reason, n] : s.rejects) {
      std::string where;
      if (auto it = s.examples.find(reason); it != s.examples.end())
        for (const auto& ex : it->second) where += (where.empty() ? "" : ", ") + ex;
      rows.push_back({reason, std::to_string(n), where});
    }
    std::printf("\n");
    PrintTable({"rejected", "count", "where (first examples)"}, rows);
  }
  if (!s.anomalies.empty()) {
    std::vector<std::vector<std::string>> rows;
    for (const auto& [name, n] : s.anomalies) rows.push_back({name, std::to_string(n)});
    std::printf("\n");
    PrintTable({"anomaly (record kept)", "count"}, rows);
  }
}

// 0: everything read; 3: some records rejected or some inputs not read;
// 4: no record ingested at all (a re-ingest whose records are all already
// stored is not "nothing": they are in the store).
int IngestExitCode(const IngestStats& s) {
  if (s.records_ok + s.duplicates + s.no_data == 0) return kExitNothingIngested;
  if (s.rejected > 0 || !s.file_errors.empty()) return kExitPartial;
  return kExitOk;
}

int Run(CliContext& ctx, IngestArgs& args) {
  ctx.min_free_bytes = args.min_free_mib << 20;
  auto store = OpenStore(ctx, /*writable=*/true, /*bulk_load=*/true);
  if (!store.ok()) return ReportError(ctx, store.status());
  if (!args.as_of.empty()) {
    auto t = ParseIsoTime(args.as_of);
    if (!t) return ReportError(ctx, Status::InvalidArgument("--as-of: not an ISO 8601 time: " + args.as_of));
    args.options.snapshot_time = *t;
  }
  args.options.fold_rejected_probes = !args.keep_probes;
  if (!args.listed_at.empty()) {
    std::optional<Timestamp> t = ParseUserTime(args.listed_at);
    if (!t) return ReportError(ctx, Status::InvalidArgument("--listed-at: not a time: " + args.listed_at));
    args.options.list_listed_at = *t;
  }
  args.options.batch_bytes = args.batch_mib << 20;
  // The progress line: on a terminal only, and not with -q.
  ProgressLine progress(stderr);
  if (isatty(STDERR_FILENO) != 0 && !ctx.quiet)
    args.options.progress = [&progress](const IngestProgress& p) { progress.Update(p); };
  auto stats = Ingest(**store, args.paths, args.options);
  progress.Clear();
  if (!stats.ok()) return ReportError(ctx, stats.status());
  if (auto st = (*store)->Flush(); !st.ok()) return ReportError(ctx, st);
  for (const auto& err : stats->file_errors) std::fprintf(stderr, "gumshoe: %s\n", TerminalSafe(err).c_str());
  for (const auto& skipped : stats->skipped_files)
    ctx.log->debug("skipped {} (not a log this build reads)", TerminalSafe(skipped));
  // Said on stderr even under -q when these files were all there was.
  if (!stats->skipped_files.empty() && stats->records_total == 0)
    std::fprintf(stderr, "gumshoe: nothing ingested: %s\n", SkippedFilesLine(stats->skipped_files).c_str());
  if (ctx.json) {
    // IngestStats::ToJson (also what each ingest run stores) inside the envelope.
    rapidjson::Document doc;
    std::string stats_json = stats->ToJson();
    doc.Parse(stats_json.data(), stats_json.size());
    if (doc.HasParseError() || !doc.IsObject())
      return ReportError(ctx, Status::Internal("ingest statistics are not a JSON object"));
    JsonOut j;
    j.Begin("gumshoe.ingest/1", ctx, TimeWindow{});
    j.Key("entity");
    j.w().Null();
    for (auto it = doc.MemberBegin(); it != doc.MemberEnd(); ++it) {
      j.w().Key(it->name.GetString(), it->name.GetStringLength());
      it->value.Accept(j.w());
    }
    j.w().EndObject();
    int rc = j.Emit(ctx);
    if (rc != kExitOk) return rc;
  } else {
    PrintStats(*stats);
  }
  return IngestExitCode(*stats);
}

}  // namespace

void RegisterIngestCommand(CLI::App& app, CliContext& ctx) {
  auto args = std::make_shared<IngestArgs>();
  CLI::App* cmd = app.add_subcommand("ingest", "Read log files, directories (AWSLogs/ trees), .gz files or - (stdin) into the store");
  cmd->footer(
      "Exit status: 0 everything read; 1 error (store, I/O); 2 usage; 3 finished, but some records were rejected "
      "or some inputs could not be read (listed above the summary); 4 nothing was ingested (every input "
      "unreadable or skipped, or every record rejected).");
  AddCommonOptions(cmd, ctx);
  cmd->add_option("paths", args->paths, "Files, directories, or - for stdin")->required();
  std::vector<std::string> names;
  for (const auto& info : ListIngestors()) names.push_back(info.name);
  cmd->add_option("--source", args->options.source, "Force the log source instead of detecting it")
      ->check(CLI::IsMember(names));
  cmd->add_option("--list-name", args->options.list_name, "Threat-intel list name for plain IP/CIDR lists");
  cmd->add_option("--as-of", args->as_of,
                  "IAM authorization snapshots: when they were taken (ISO 8601); default: the file's modification time");
  cmd->add_option("--listed-at", args->listed_at,
                  "Threat-intel lists: when entries without their own time were listed (ISO 8601); without it "
                  "(and without a '# listed_at:' header) they hold for the whole timeline");
  cmd->add_option("--window-hours", args->options.list_window_hours,
                  "Threat-intel lists: hours a dated entry counts as listed on each side of its time "
                  "(default: a '# window_hours:' header, else --tor-window-hours)")
      ->check(CLI::Range(0, kMaxListWindowHours));
  cmd->add_option("--db-instance", args->options.db_instance, "RDS instance for DB logs that do not name it");
  cmd->add_option("--tor-window-hours", args->options.tor_window_hours,
                  "Hours a Tor ExitAddress counts as listed on each side of its timestamp")
      ->capture_default_str()
      ->check(CLI::Range(0, kMaxListWindowHours));
  cmd->add_option("--max-record-bytes", args->options.max_record_bytes, "Largest JSON record or line accepted")
      ->capture_default_str();
  cmd->add_option("--batch-records", args->options.batch_records, "Records per atomic write batch")
      ->capture_default_str()
      ->check(CLI::Range(size_t{1}, size_t{100000000}));
  cmd->add_option("--batch-mib", args->batch_mib,
                  "Batch size, MiB of aggregated graph shared by the threads (each holds up to two batches); larger batches fold more")
      ->capture_default_str()
      ->check(CLI::Range(size_t{16}, size_t{65536}));
  cmd->add_option("--min-free-mib", args->min_free_mib,
                  "Stop with an error before a write when the store's filesystem has less free space (0 = only "
                  "RocksDB's own out-of-space errors)")
      ->capture_default_str()
      ->check(CLI::Range(uint64_t{0}, uint64_t{1} << 30));
  cmd->add_flag("--keep-probes", args->keep_probes,
               "VPC flow: keep an edge per scanner IP for rejected inbound internet probes instead of folding them "
               "into one edge per interface from ip_network 0.0.0.0/0 (::/0)");
  cmd->add_option("--threads", args->options.threads,
                  "Files read in parallel (0 = one per core, at most 4)")
      ->capture_default_str()
      ->check(CLI::Range(size_t{0}, size_t{64}));
  cmd->callback([&ctx, args] { ctx.exit_code = Run(ctx, *args); });
}

}  // namespace gumshoe::cli
