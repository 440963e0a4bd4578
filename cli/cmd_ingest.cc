// gumshoe ingest PATH...
#include <unistd.h>

#include "cli_common.h"
#include "gumshoe/ingest.h"
#include "gumshoe/time_util.h"
#include "output.h"

namespace gumshoe::cli {
namespace {

struct IngestArgs {
  std::vector<std::string> paths;
  IngestOptions options;
  size_t batch_mib = 64;     // --batch-mib: IngestOptions::batch_bytes
  bool keep_probes = false;  // --keep-probes: IngestOptions::fold_rejected_probes = false
  std::string listed_at;     // --listed-at: IngestOptions::list_listed_at
};

void PrintStats(const IngestStats& s) {
  std::printf("files %llu, %llu bytes\n", static_cast<unsigned long long>(s.files),
              static_cast<unsigned long long>(s.bytes));
  std::printf("records %llu: ok %llu, duplicates %llu, rejected %llu, no-data %llu\n",
              static_cast<unsigned long long>(s.records_total), static_cast<unsigned long long>(s.records_ok),
              static_cast<unsigned long long>(s.duplicates), static_cast<unsigned long long>(s.rejected),
              static_cast<unsigned long long>(s.no_data));
  if (!s.records_by_source.empty()) {
    std::vector<std::vector<std::string>> rows;
    for (const auto& [src, n] : s.records_by_source) rows.push_back({src, std::to_string(n)});
    std::printf("\n");
    PrintTable({"source", "records ok"}, rows);
  }
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

int Run(CliContext& ctx, IngestArgs& args) {
  auto store = OpenStore(ctx, /*writable=*/true, /*bulk_load=*/true);
  if (!store.ok()) return ReportError(ctx, store.status());
  args.options.fold_rejected_probes = !args.keep_probes;
  if (!args.listed_at.empty()) {
    std::optional<Timestamp> t = ParseUserTime(args.listed_at);
    if (!t) return ReportError(ctx, Status::InvalidArgument("--listed-at: not a time: " + args.listed_at));
    args.options.list_listed_at = *t;
  }
  args.options.batch_bytes = args.batch_mib << 20;
  bool tty = isatty(STDERR_FILENO) != 0;
  if (tty && !ctx.json) {
    args.options.progress = [](const IngestProgress& p) {
      std::fprintf(stderr, "\r\033[K%llu files, %llu records, %.1f MiB read", static_cast<unsigned long long>(p.files_done),
                   static_cast<unsigned long long>(p.records), static_cast<double>(p.bytes_read) / (1 << 20));
    };
  }
  auto stats = Ingest(**store, args.paths, args.options);
  if (tty && !ctx.json) std::fprintf(stderr, "\r\033[K");
  if (!stats.ok()) return ReportError(ctx, stats.status());
  if (auto st = (*store)->Flush(); !st.ok()) return ReportError(ctx, st);
  for (const auto& err : stats->file_errors) std::fprintf(stderr, "gumshoe: %s\n", TerminalSafe(err).c_str());
  for (const auto& skipped : stats->skipped_files)
    ctx.log->info("skipped {} (not a log this build reads)", TerminalSafe(skipped));
  if (ctx.json) {
    std::printf("%s\n", stats->ToJson().c_str());
  } else {
    PrintStats(*stats);
  }
  return stats->file_errors.empty() ? kExitOk : kExitRuntime;
}

}  // namespace

void RegisterIngestCommand(CLI::App& app, CliContext& ctx) {
  auto args = std::make_shared<IngestArgs>();
  CLI::App* cmd = app.add_subcommand("ingest", "Read log files, directories (AWSLogs/ trees), .gz files or - (stdin) into the store");
  AddCommonOptions(cmd, ctx);
  cmd->add_option("paths", args->paths, "Files, directories, or - for stdin")->required();
  std::vector<std::string> names;
  for (const auto& info : ListIngestors()) names.push_back(info.name);
  cmd->add_option("--source", args->options.source, "Force the log source instead of detecting it")
      ->check(CLI::IsMember(names));
  cmd->add_option("--list-name", args->options.list_name, "Threat-intel list name for plain IP/CIDR lists");
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
