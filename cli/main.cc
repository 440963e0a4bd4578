// gumshoe: entity-graph investigation of AWS security logs.
#include <cstdio>
#include <cstdlib>
#include <exception>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "cli_common.h"

namespace gumshoe::cli {
void RegisterIngestCommand(CLI::App& app, CliContext& ctx);
void RegisterBrowseCommands(CLI::App& app, CliContext& ctx);  // stats, entities, show, pivot
void RegisterCheckCommand(CLI::App& app, CliContext& ctx);
void RegisterLineageCommand(CLI::App& app, CliContext& ctx);
void RegisterDetectCommand(CLI::App& app, CliContext& ctx);
void RegisterExportDotCommand(CLI::App& app, CliContext& ctx);
void RegisterBlastRadiusCommand(CLI::App& app, CliContext& ctx);
void RegisterFindingsCommand(CLI::App& app, CliContext& ctx);
void RegisterTimelineCommand(CLI::App& app, CliContext& ctx);
void RegisterInvestigateCommand(CLI::App& app, CliContext& ctx);
void RegisterCouldCommand(CLI::App& app, CliContext& ctx);  // cmd_could.cc
void RegisterCompletionCommands(CLI::App& app, CliContext& ctx);  // completion, man (hidden)
}  // namespace gumshoe::cli

int main(int argc, char** argv) {
  using namespace gumshoe::cli;
  CliContext ctx;
  auto sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  ctx.log = std::make_shared<spdlog::logger>("gumshoe", sink);
  ctx.log->set_pattern("%^%l%$: %v");
  ctx.log->set_level(spdlog::level::info);

  if (const char* db = std::getenv("GUMSHOE_DB"); db != nullptr && *db != '\0') ctx.db_path = db;

  CLI::App app{"gumshoe: investigate AWS security logs as an entity graph (pivot, lineage, blast radius)"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "gumshoe 0.1.0");
  AddGlobalOptions(&app, ctx);
  app.footer(
      "Exit codes: 0 all good; 1 error; 2 usage; 3 ingest finished but some records were rejected or some inputs\n"
      "could not be read; 4 nothing was ingested from the inputs given.\n"
      "Environment: GUMSHOE_DB (default store), NO_COLOR, COLUMNS.\n");

  RegisterIngestCommand(app, ctx);
  RegisterBrowseCommands(app, ctx);
  RegisterCheckCommand(app, ctx);
  RegisterLineageCommand(app, ctx);
  RegisterDetectCommand(app, ctx);
  RegisterExportDotCommand(app, ctx);
  RegisterBlastRadiusCommand(app, ctx);
  RegisterFindingsCommand(app, ctx);
  RegisterTimelineCommand(app, ctx);
  RegisterInvestigateCommand(app, ctx);
  RegisterCouldCommand(app, ctx);
  RegisterCompletionCommands(app, ctx);

  // Runs once the whole line is parsed, before the subcommand's callback.
  app.parse_complete_callback([&] {
    for (const CLI::App* sub : app.get_subcommands())
      if (ctx.json && sub->get_option_no_throw("--json") == nullptr)
        throw CLI::ValidationError("--json", "`gumshoe " + sub->get_name() + "` has no JSON output");
    if (ctx.quiet) ctx.log->set_level(spdlog::level::err);
    else if (ctx.verbose >= 2) ctx.log->set_level(spdlog::level::trace);
    else if (ctx.verbose == 1) ctx.log->set_level(spdlog::level::debug);
  });

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "gumshoe: internal error: %s\n", e.what());
    return kExitRuntime;
  }
  std::fflush(stdout);
  return ctx.exit_code;
}
