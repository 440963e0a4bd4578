// gumshoe check: verifies a whole store without writing to it.
#include "cli_common.h"
#include "gumshoe/rocksdb_store.h"
#include "output.h"

namespace gumshoe::cli {
namespace {

int Run(const CliContext& ctx) {
  if (!std::filesystem::exists(ctx.db_path)) {
    return ReportError(ctx, Status::NotFound("no gumshoe store at " + ctx.db_path + " (pass --db)"));
  }
  Result<StoreCheckReport> report = CheckRocksStore(ctx.db_path);
  if (!report.ok()) return ReportError(ctx, report.status());
  if (ctx.json) {
    JsonOut j;
    j.Begin("gumshoe.check/1", ctx, TimeWindow{});
    j.Key("entity");
    j.w().Null();
    j.Field("ok", report->ok());
    j.Key("checks");
    j.w().StartArray();
    for (const auto& item : report->items) {
      j.w().StartObject();
      j.Field("check", item.what);
      j.Field("ok", item.ok);
      j.Field("detail", item.detail);
      j.w().EndObject();
    }
    j.w().EndArray();
    j.w().EndObject();
    j.Print();
  } else {
    std::vector<std::vector<std::string>> rows;
    for (const auto& item : report->items) rows.push_back({item.ok ? "ok" : "DAMAGED", item.what, item.detail});
    PrintTable({"result", "check", "detail"}, rows);
    std::printf("\n%s\n", report->ok() ? "store is whole" : "store is damaged: see the DAMAGED lines");
  }
  return report->ok() ? kExitOk : kExitRuntime;
}

}  // namespace

void RegisterCheckCommand(CLI::App& app, CliContext& ctx) {
  CLI::App* cmd = app.add_subcommand(
      "check", "Verify the whole store (write-ahead log, metadata, schema version, families, table checksums, values)");
  cmd->add_option("--db", ctx.db_path, "Store directory")->capture_default_str();
  cmd->add_flag("--json", ctx.json, "Print JSON instead of a table");
  cmd->callback([&ctx] { ctx.exit_code = Run(ctx); });
}

}  // namespace gumshoe::cli
