#include "cli_common.h"

#include <filesystem>

#include "gumshoe/normalize.h"
#include "gumshoe/rocksdb_store.h"
#include "gumshoe/time_util.h"
#include "gumshoe/utf8.h"

namespace gumshoe::cli {

void AddCommonOptions(CLI::App* cmd, CliContext& ctx, bool json) {
  cmd->add_option("--db", ctx.db_path, "Store directory")->capture_default_str();
  cmd->add_flag("--allow-partial", ctx.allow_partial,
                "Open a store whose write-ahead log is damaged, up to the damage (what follows is missing)");
  if (json) cmd->add_flag("--json", ctx.json, "Print JSON instead of a table");
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

Result<EntityRef> ResolveEntity(const GraphReader& reader, std::string_view text) {
  std::vector<EntityRef> candidates = CandidateRefs(text);
  std::vector<EntityRef> found;
  for (const EntityRef& ref : candidates) {
    auto e = reader.Find(ref);
    if (!e.ok()) return e.status();
    if (e->has_value()) found.push_back(ref);
  }
  // A unique prefix of a finding ID is enough (IDs are 32 hex characters).
  if (found.empty() && text.size() >= 6 && text.find(':') == std::string_view::npos) {
    std::vector<std::string> keys;
    GUMSHOE_RETURN_IF_ERROR(reader.ScanKeys(EntityKind::kFinding, text, [&keys](std::string_view k) {
      keys.emplace_back(k);
      return keys.size() < 20;
    }));
    for (auto& k : keys) found.push_back(EntityRef{EntityKind::kFinding, std::move(k)});
  }
  if (found.size() == 1) return found.front();
  if (found.empty()) return Status::NotFound("no entity matches '" + TerminalSafe(text) + "'");
  std::string msg = "'" + TerminalSafe(text) + "' is ambiguous; use one of:";
  for (const auto& ref : found) msg += " " + TerminalSafe(FormatRef(ref));
  return Status::InvalidArgument(msg);
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
