#include "cli_common.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "gumshoe/normalize.h"
#include "gumshoe/resolve.h"
#include "gumshoe/rocksdb_store.h"
#include "gumshoe/time_util.h"
#include "gumshoe/utf8.h"

namespace gumshoe::cli {

void AddGlobalOptions(CLI::App* cmd, CliContext& ctx, bool json) {
  const char* group = "Global options (before or after the subcommand)";
  cmd->add_option("--db", ctx.db_path, "Store directory (default: $GUMSHOE_DB, else gumshoe.db)")
      ->capture_default_str()
      ->group(group);
  cmd->add_flag("--allow-partial", ctx.allow_partial,
                "Open a store whose write-ahead log is damaged, up to the damage (what follows is missing)")
      ->group(group);
  if (json) cmd->add_flag("--json", ctx.json, "Print JSON instead of a table")->group(group);
  cmd->add_flag_function(
         "-v,--verbose", [&ctx](int64_t n) { ctx.verbose += static_cast<int>(n); },
         "More log output on stderr (-vv for trace)")
      ->group(group);
  cmd->add_flag("-q,--quiet", ctx.quiet, "Only errors on stderr; no progress line")->group(group);
  cmd->add_option("--color", ctx.color, "Colour severities and outcomes: auto (stdout a terminal, no NO_COLOR), always, never")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->capture_default_str()
      ->group(group);
  cmd->add_flag("--wide", ctx.wide, "Tables print full keys instead of fitting the terminal width")->group(group);
}

void AddCommonOptions(CLI::App* cmd, CliContext& ctx, bool json) { AddGlobalOptions(cmd, ctx, json); }

bool UseColor(const CliContext& ctx) {
  if (ctx.color == "always") return true;
  if (ctx.color == "never") return false;
  const char* no_color = std::getenv("NO_COLOR");
  if (no_color != nullptr && *no_color != '\0') return false;
  const char* term = std::getenv("TERM");
  if (term != nullptr && std::string_view(term) == "dumb") return false;
  return isatty(STDOUT_FILENO) != 0;
}

size_t TableWidth(const CliContext& ctx) {
  if (ctx.wide || isatty(STDOUT_FILENO) == 0) return 0;
  if (const char* columns = std::getenv("COLUMNS"); columns != nullptr && *columns != '\0') {
    char* end = nullptr;
    unsigned long n = std::strtoul(columns, &end, 10);
    if (end != nullptr && *end == '\0' && n >= 20 && n <= 10000) return n;
  }
  struct winsize ws {};
  if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20) return ws.ws_col;
  return 80;
}

Result<EntityKind> ParseKindArg(std::string_view text) {
  if (auto kind = ParseEntityKind(text)) return *kind;
  std::string valid;
  for (EntityKind k : kAllEntityKinds) valid += (valid.empty() ? "" : ", ") + std::string(EntityKindName(k));
  return Status::InvalidArgument("unknown entity kind '" + TerminalSafe(text) + "'; valid kinds: " + valid);
}

Result<EdgeKind> ParseEdgeKindArg(std::string_view text) {
  if (auto kind = ParseEdgeKind(text)) return *kind;
  std::string valid;
  for (EdgeKind k : kAllEdgeKinds) valid += (valid.empty() ? "" : ", ") + std::string(EdgeKindName(k));
  return Status::InvalidArgument("unknown edge kind '" + TerminalSafe(text) + "'; valid kinds: " + valid);
}

Result<std::unique_ptr<GraphStore>> OpenStore(const CliContext& ctx, bool writable, bool bulk_load) {
  RocksStoreOptions options;
  options.create_if_missing = writable;
  options.read_only = !writable;
  options.bulk_load = writable && bulk_load;
  options.allow_partial = ctx.allow_partial;
  options.min_free_bytes = ctx.min_free_bytes;
  if (!writable && !std::filesystem::exists(ctx.db_path))
    return Status::NotFound("no gumshoe store at " + ctx.db_path + " (run `gumshoe ingest` first, or pass --db)");
  Result<std::unique_ptr<GraphStore>> store = OpenRocksStore(ctx.db_path, options);
  if (store.ok()) {
    std::string note = RocksStoreRecoveryNote(**store);
    if (!note.empty()) std::fprintf(stderr, "gumshoe: warning: store %s: %s\n", TerminalSafe(ctx.db_path).c_str(), TerminalSafe(note).c_str());
  }
  return store;
}

Result<EntityRef> ResolveEntity(const GraphReader& reader, std::string_view text, std::optional<EntityKind> kind) {
  ResolveOptions options;
  options.kind = kind;
  auto r = ResolveEntityText(reader, text, options);
  if (!r.ok()) return r.status();
  if (r->unique()) return r->matches.front();
  std::string typed = "'" + TerminalSafe(text) + "'";
  std::string truncated;
  for (EntityKind k : r->scan_truncated)
    truncated += (truncated.empty() ? "" : ", ") + std::string(EntityKindName(k));
  if (!truncated.empty())
    truncated = " (names searched among the first " + std::to_string(options.max_scan_per_kind) + " keys of " +
                truncated + " only; type kind:key)";
  if (r->matches.empty()) {
    std::string msg = "no entity matches " + typed;
    if (kind) msg += " of kind " + std::string(EntityKindName(*kind));
    if (!r->suggestions.empty()) {
      msg += "; did you mean ";
      for (size_t i = 0; i < r->suggestions.size(); ++i)
        msg += (i == 0 ? "" : i + 1 == r->suggestions.size() ? " or " : ", ") + TerminalSafe(FormatRef(r->suggestions[i]));
      msg += "?";
    }
    return Status::NotFound(msg + truncated);
  }
  std::string msg = typed + " matches " + (r->more_matches ? "more than " : "") + std::to_string(r->matches.size()) +
                    " entities; type the full key, or kind:name:";
  size_t width = 0;
  for (const EntityRef& ref : r->matches) width = std::max(width, EntityKindName(ref.kind).size());
  for (const EntityRef& ref : r->matches) {
    std::string name(EntityKindName(ref.kind));
    msg += "\n  " + name + std::string(width - name.size() + 2, ' ') + TerminalSafe(ref.key);
  }
  if (r->more_matches) msg += "\n  ...";
  return Status::InvalidArgument(msg + truncated);
}

Result<TimeWindow> ParseWindow(const std::string& since, const std::string& until) {
  TimeWindow w;
  if (!since.empty()) {
    auto t = ParseUserTime(since);
    if (!t) return Status::InvalidArgument("--since: not a time: " + TerminalSafe(since));
    w.since = *t;
  }
  if (!until.empty()) {
    auto t = ParseUserTime(until);
    if (!t) return Status::InvalidArgument("--until: not a time: " + TerminalSafe(until));
    w.until = *t;
    // A bare date means the whole day.
    if (until.size() == 10) w.until += 86399;
  }
  if (w.since != kNoTime && w.until != kNoTime && w.since > w.until)
    return Status::InvalidArgument("--since is after --until");
  return w;
}

namespace {

bool Invisible(uint32_t cp) { return IsUnsafeCodePoint(cp); }

}  // namespace

std::string TerminalSafe(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  char buf[16];
  for (size_t i = 0; i < text.size();) {
    uint32_t cp = 0;
    size_t n = DecodeUtf8(text, i, &cp);
    if (n == 0) {
      std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<uint8_t>(text[i]));
      out += buf;
      ++i;
      continue;
    }
    if (cp == '\\') {
      out += "\\\\";
    } else if (Invisible(cp)) {
      if (cp == '\n') out += "\\n";
      else if (cp == '\t') out += "\\t";
      else if (cp == '\r') out += "\\r";
      else if (cp < 0x100) { std::snprintf(buf, sizeof buf, "\\x%02x", cp); out += buf; }
      else { std::snprintf(buf, sizeof buf, "\\u{%04x}", cp); out += buf; }
    } else {
      out.append(text.substr(i, n));
    }
    i += n;
  }
  return out;
}

int ReportError(const CliContext& ctx, const Status& status) {
  std::string line = "gumshoe: " + status.message();
  if (ctx.log) ctx.log->debug("status code {}", StatusCodeName(status.code()));
  std::fprintf(stderr, "%s\n", line.c_str());
  return status.code() == Status::Code::kInvalidArgument ? kExitUsage : kExitRuntime;
}

}  // namespace gumshoe::cli
