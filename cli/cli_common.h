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
#include <optional>
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

// The store used when neither --db nor GUMSHOE_DB names one.
inline constexpr const char* kDefaultDb = "gumshoe.db";

struct CliContext {
  std::string db_path = kDefaultDb;  // --db, default $GUMSHOE_DB
  bool json = false;                 // --json
  int verbose = 0;                   // -v per occurrence, wherever it appears
  bool quiet = false;                // -q
  std::string color = "auto";        // --color=auto|always|never
  bool wide = false;                 // --wide: tables print full keys
  bool allow_partial = false;        // --allow-partial: open a store whose recovery lost writes
  uint64_t min_free_bytes = 64u << 20;  // writable opens: RocksStoreOptions::min_free_bytes
  int exit_code = kExitOk;
  std::shared_ptr<spdlog::logger> log;  // writes to stderr
};

// Adds the global options (--db, --allow-partial, -v, -q, --json, --color, --wide) to `cmd`:
// called for the app and, through AddCommonOptions, for every subcommand, so
// each is accepted before or after the subcommand name. All bind to ctx.
// `json` false leaves --json out (the subcommand has no JSON output; main.cc
// rejects `gumshoe --json <it>`).
void AddGlobalOptions(CLI::App* cmd, CliContext& ctx, bool json = true);

// The options every subcommand has: the global options above.
void AddCommonOptions(CLI::App* cmd, CliContext& ctx, bool json = true);

// Whether tables and text may use colour: --color=always, or auto with stdout
// a terminal, NO_COLOR unset or empty, and TERM not "dumb".
bool UseColor(const CliContext& ctx);
// The width tables are fitted to: 0 (no limit) when --wide or stdout is not a
// terminal; otherwise COLUMNS when set to a number, else the terminal's width.
size_t TableWidth(const CliContext& ctx);

// Parses --kind / --edge text; an unknown name is a usage error listing the
// valid names.
Result<EntityKind> ParseKindArg(std::string_view text);
Result<EdgeKind> ParseEdgeKindArg(std::string_view text);

// Opens the store at ctx.db_path. Read-only opens fail with a one-line error
// when no store exists there. A store whose write-ahead log is damaged fails
// to open unless --allow-partial; what an open could not recover is printed
// on stderr as a warning.
Result<std::unique_ptr<GraphStore>> OpenStore(const CliContext& ctx, bool writable, bool bulk_load = false);

// Resolves what a user typed through ResolveEntityText (gumshoe/resolve.h):
// "kind:key", a bare ARN, AKIA/ASIA key, i-..., eni-..., IP, bucket, domain,
// a user, role or session name ("ci-deploy", "user/ci-deploy"), a finding-ID
// prefix. Nothing -> NotFound naming the nearest keys ("did you mean ...?");
// several -> InvalidArgument listing them with their kinds. Messages are
// terminal-safe.
Result<EntityRef> ResolveEntity(const GraphReader& reader, std::string_view text,
                                std::optional<EntityKind> kind = std::nullopt);

// Parses --since/--until text (ISO 8601 or YYYY-MM-DD) into a window.
Result<TimeWindow> ParseWindow(const std::string& since, const std::string& until);

// Makes log-derived text safe for a terminal: control characters (ESC, CSI,
// OSC, C1, bidi overrides, NUL, newlines) are shown as \xNN / \u{NNNN}.
std::string TerminalSafe(std::string_view text);

// Writes `text` to `path` ("-" = stdout), logging "wrote PATH"; returns an exit code.
int WriteTextFile(const CliContext& ctx, const std::string& text, const std::string& path);

// Writes g as DOT to `path` ("-" = stdout); returns an exit code.
int WriteDotFile(const CliContext& ctx, const Subgraph& g, const std::string& path);

// Prints an error line "gumshoe: <message>" on stderr and returns the exit code
// for the status (usage errors 2, everything else 1).
int ReportError(const CliContext& ctx, const Status& status);

}  // namespace gumshoe::cli
