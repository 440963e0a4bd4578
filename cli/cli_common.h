// Shared plumbing of the `gumshoe` command: options every subcommand has,
// opening the store, resolving entity references, and safe output.
//
// Each subcommand lives in cli/cmd_<name>.cc and exposes
//   void Register<Name>Command(CLI::App& app, CliContext& ctx);
// which adds the subcommand and sets a callback that stores its exit code in
// ctx.exit_code. cli/main.cc lists them explicitly.
#pragma once

#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>
#include <spdlog/logger.h>

#include "gumshoe/model.h"
#include "gumshoe/status.h"
#include "gumshoe/store.h"
#include "gumshoe/subgraph.h"

namespace gumshoe::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitRuntime = 1;
inline constexpr int kExitUsage = 2;
// ingest: it finished, but some records were rejected or some inputs could
// not be read (rsync's "partial"); the summary says which.
inline constexpr int kExitPartial = 3;
// ingest: nothing was ingested from the inputs given (every file unreadable
// or skipped, or every record rejected).
inline constexpr int kExitNothingIngested = 4;

struct CliContext {
  std::string db_path = "gumshoe.db";
  bool json = false;
  bool allow_partial = false;  // --allow-partial: open a store whose recovery lost writes
  uint64_t min_free_bytes = 64u << 20;  // writable opens: RocksStoreOptions::min_free_bytes
  int exit_code = kExitOk;
  std::shared_ptr<spdlog::logger> log;  // writes to stderr
};

// Adds --db, --allow-partial and --json to a subcommand (--json only when `json`
// is true).
void AddCommonOptions(CLI::App* cmd, CliContext& ctx, bool json = true);

// Opens the store at ctx.db_path. Read-only opens fail with a one-line error
// when no store exists there. A store whose write-ahead log is damaged fails
// to open unless --allow-partial; what an open could not recover is printed
// on stderr as a warning.
Result<std::unique_ptr<GraphStore>> OpenStore(const CliContext& ctx, bool writable, bool bulk_load = false);

// Resolves what a user typed: "kind:key", or a bare ARN, AKIA/ASIA key, i-...,
// eni-..., IP, bucket name, finding ID, domain. Unknown -> NotFound; several
// stored candidates -> InvalidArgument listing them ("ambiguous: ...").
Result<EntityRef> ResolveEntity(const GraphReader& reader, std::string_view text);

// Parses --since/--until text (ISO 8601 or YYYY-MM-DD) into a window.
Result<TimeWindow> ParseWindow(const std::string& since, const std::string& until);

// Makes log-derived text safe for a terminal: control characters (ESC, CSI,
// OSC, C1, bidi overrides, NUL, newlines) are shown as \xNN / \u{NNNN}.
std::string TerminalSafe(std::string_view text);

// Writes g as DOT to `path` ("-" = stdout); returns an exit code.
int WriteDotFile(const CliContext& ctx, const Subgraph& g, const std::string& path);

// Prints an error line "gumshoe: <message>" on stderr and returns the exit code
// for the status (usage errors 2, everything else 1).
int ReportError(const CliContext& ctx, const Status& status);

}  // namespace gumshoe::cli
