// PostgreSQL logs from RDS / Aurora PostgreSQL, with the fixed RDS prefix
// `%t:%r:%u@%d:[%p]:`:
//   2025-08-29 07:45:01 UTC:10.0.0.1(45986):app@appdb:[3464]:LOG:  connection authorized: user=app database=appdb
//
// Lines understood (the rest of a well-formed line carries no data: NoData):
//   LOG connection received: host=H port=P   a connection opens (remembered by pid)
//   LOG connection authorized: user=U database=D [application_name=A]   success
//   FATAL ... authentication failed for user "U"   (password, md5, scram, pam, ldap) failure
//   FATAL no pg_hba.conf entry for host "H", user "U", database "D"  failure
//   FATAL role "U" does not exist                   failure
//   LOG incomplete startup packet                   probe
//   LOG disconnection: ...                          end of a session
//   LOG statement: SQL / execute <name>: SQL / duration: ... statement: SQL   a statement
// A `connection received` whose pid sees no authentication attempt before the
// pid is reused or the file ends is a probe (no authentication attempt),
// emitted as its own record with the received line as evidence.
// Continuation lines of multi-line statements (starting with a tab) are skipped.
//
// Rejects: bad_prefix, bad_time, implausible_time, unknown_db_instance,
// bad_ip (an address-like %r host that does not parse), bad_user, name_too_long.
#include <cctype>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "db_login/db_login_common.h"
#include "gumshoe/time_util.h"
#include "ingestor.h"

namespace gumshoe::ingest {
namespace {

// Open connections remembered per file, waiting for their authentication.
constexpr size_t kMaxPendingConnections = 1 << 16;
constexpr size_t kMaxPidDigits = 10;

struct PgLine {
  Timestamp time = kNoTime;
  std::string_view host;  // from %r, without the port; empty for [local] or unknown
  std::string_view user;
  std::string_view database;
  std::string_view pid;
  std::string_view severity;
  std::string_view message;
};

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Parses the prefix. Returns the reject reason on failure, nullptr on success.
const char* ParsePgLine(std::string_view line, PgLine& out) {
  // %t: "YYYY-MM-DD HH:MM:SS[.fff] ZONE:"
  if (line.size() < 24 || line[4] != '-' || line[10] != ' ') return "bad_prefix";
  size_t i = 19;
  if (i < line.size() && line[i] == '.') {
    ++i;
    while (i < line.size() && IsDigit(line[i])) ++i;
  }
  if (i >= line.size() || line[i] != ' ') return "bad_prefix";
  size_t zone_start = i + 1;
  size_t colon = line.find(':', zone_start);
  if (colon == std::string_view::npos) return "bad_prefix";
  std::string_view zone = line.substr(zone_start, colon - zone_start);
  if (zone != "UTC" && zone != "GMT" && zone != "Z") return "bad_time";
  std::optional<Timestamp> t = ParseIsoTime(line.substr(0, 19));
  if (!t) return "bad_time";
  out.time = *t;
  std::string_view rest = line.substr(colon + 1);
  // The pid token ":[digits]:" ends the prefix.
  size_t pid_at = std::string_view::npos;
  for (size_t p = rest.find(":["); p != std::string_view::npos; p = rest.find(":[", p + 1)) {
    size_t q = p + 2;
    while (q < rest.size() && IsDigit(rest[q]) && q - p - 2 < kMaxPidDigits) ++q;
    if (q > p + 2 && q + 1 < rest.size() && rest[q] == ']' && rest[q + 1] == ':') {
      pid_at = p;
      out.pid = rest.substr(p + 2, q - p - 2);
      break;
    }
  }
  if (pid_at == std::string_view::npos) return "bad_prefix";
  std::string_view middle = rest.substr(0, pid_at);  // %r:%u@%d
  std::string_view body = rest.substr(pid_at + 2 + out.pid.size() + 2);
  std::string_view userdb;
  if (middle.substr(0, 8) == "[local]:") {
    userdb = middle.substr(8);
  } else if (!middle.empty() && middle[0] == ':') {
    userdb = middle.substr(1);
  } else {
    size_t close = middle.find("):");
    size_t open = middle.rfind('(', close);
    if (close == std::string_view::npos || open == std::string_view::npos) {
      size_t c = middle.find(':');  // a host without port
      if (c == std::string_view::npos) return "bad_prefix";
      out.host = middle.substr(0, c);
      userdb = middle.substr(c + 1);
    } else {
      out.host = middle.substr(0, open);
      userdb = middle.substr(close + 2);
    }
  }
  size_t at = userdb.rfind('@');
  if (at == std::string_view::npos) return "bad_prefix";
  out.user = userdb.substr(0, at);
  out.database = userdb.substr(at + 1);
  size_t sev_end = body.find(':');
  if (sev_end == std::string_view::npos) return "bad_prefix";
  out.severity = body.substr(0, sev_end);
  std::string_view msg = body.substr(sev_end + 1);
  while (!msg.empty() && msg.front() == ' ') msg.remove_prefix(1);
  out.message = msg;
  return nullptr;
}

bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// The value of `key=` in "user=app database=appdb application_name=psql".
std::string_view KeyValue(std::string_view msg, std::string_view key) {
  size_t p = 0;
  while ((p = msg.find(key, p)) != std::string_view::npos) {
    if ((p == 0 || msg[p - 1] == ' ') && p + key.size() < msg.size() && msg[p + key.size()] == '=') {
      std::string_view v = msg.substr(p + key.size() + 1);
      return v.substr(0, v.find(' '));
    }
    p += key.size();
  }
  return {};
}

// The text between the first pair of double quotes after `after`.
std::string_view Quoted(std::string_view msg, std::string_view after) {
  size_t p = msg.find(after);
  if (p == std::string_view::npos) return {};
  size_t open = msg.find('"', p + after.size());
  if (open == std::string_view::npos) return {};
  size_t close = msg.find('"', open + 1);
  if (close == std::string_view::npos) return {};
  return msg.substr(open + 1, close - open - 1);
}

bool IsUnknown(std::string_view s) { return s.empty() || s == "[unknown]"; }

class PostgresParser final : public FileParser {
 public:
  PostgresParser(const FileInfo& info, const IngestOptions& options) {
    // The lines do not name the server: the path's instance, else
    // --db-instance (linked to the path's cluster, if any), else the cluster.
    db_login::DbPath path = db_login::DbFromPath(info.path);
    if (path.instance) {
      instance_ = path.instance;
    } else if (!options.db_instance.empty()) {
      instance_ = db_login::CanonicalInstance(options.db_instance);
    } else {
      instance_ = path.cluster;
    }
    if (path.cluster && instance_ != path.cluster) cluster_ = *path.cluster;
  }

  void OnLine(std::string_view line, RecordContext& ctx) override {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line[0] == '\t') return;
    PgLine pg;
    if (const char* reason = ParsePgLine(line, pg)) {
      ctx.Reject(reason);
      return;
    }
    if (!PlausibleTime(pg.time, ctx.now())) {
      ctx.Reject("implausible_time");
      return;
    }
    if (!instance_) {
      ctx.Reject("unknown_db_instance");
      return;
    }
    if (db_login::MalformedIpHost(pg.host)) {
      ctx.Reject("bad_ip");
      return;
    }
    db_login::Emitter emitter(*instance_, "postgres", cluster_);
    std::string pid(pg.pid);
    std::string_view msg = pg.message;
    std::string identity = *instance_ + "|" + std::string(line);

    if (StartsWith(msg, "connection received:")) {
      FlushPending(ctx, pid);
      std::string_view host = KeyValue(msg, "host");
      if (host.empty()) host = pg.host;
      if (pending_.size() < kMaxPendingConnections) {
        pending_[pid] = Pending{std::string(host), pg.time, ctx.EvidenceRef(), identity};
      } else {
        ctx.Anomaly("pending_connections_overflow");
      }
      if (ctx.BeginRecord(identity)) {
        ctx.delta().Touch(EntityRef{EntityKind::kRdsInstance, *instance_}, pg.time);
      }
      return;
    }
    if (StartsWith(msg, "incomplete startup packet")) {
      std::string host(pg.host);
      if (auto it = pending_.find(pid); it != pending_.end()) {
        if (host.empty()) host = it->second.host;
        pending_.erase(it);
      }
      if (ctx.BeginRecord(identity)) emitter.Probe(ctx, host, pg.time, ctx.EvidenceRef());
      return;
    }
    std::string host(pg.host);
    if (auto it = pending_.find(pid); it != pending_.end() && host.empty()) host = it->second.host;

    if (StartsWith(msg, "connection authorized:") || StartsWith(msg, "connection authenticated:")) {
      pending_.erase(pid);
      if (StartsWith(msg, "connection authenticated:")) {
        ctx.NoData();
        return;
      }
      std::string_view user = KeyValue(msg, "user");
      if (user.empty()) user = pg.user;
      std::string_view app = KeyValue(msg, "application_name");
      if (ctx.BeginRecord(identity)) emitter.Login(ctx, host, user, +1, app, pg.time);
      return;
    }
    if (pg.severity == "FATAL") {
      std::string_view user;
      if (msg.find("authentication failed for user") != std::string_view::npos) {
        user = Quoted(msg, "for user");
      } else if (StartsWith(msg, "no pg_hba.conf entry")) {
        user = Quoted(msg, "user");
        if (host.empty()) host = std::string(Quoted(msg, "for host"));
      } else if (StartsWith(msg, "role ") && msg.find("does not exist") != std::string_view::npos) {
        user = Quoted(msg, "role");
      }
      if (!user.empty() || msg.find("authentication failed") != std::string_view::npos) {
        pending_.erase(pid);
        if (user.empty()) user = pg.user;
        if (IsUnknown(user)) {
          ctx.Reject("bad_user");
          return;
        }
        if (ctx.BeginRecord(identity)) emitter.Login(ctx, host, user, -1, {}, pg.time);
        return;
      }
      ctx.NoData();
      return;
    }
    if (StartsWith(msg, "disconnection:")) {
      pending_.erase(pid);
      ctx.NoData();
      return;
    }
    std::string_view sql;
    if (StartsWith(msg, "statement: ")) {
      sql = msg.substr(11);
    } else if (StartsWith(msg, "execute ")) {
      size_t c = msg.find(": ");
      if (c != std::string_view::npos) sql = msg.substr(c + 2);
    } else if (StartsWith(msg, "duration: ")) {
      size_t c = msg.find(" statement: ");
      if (c != std::string_view::npos) sql = msg.substr(c + 12);
    }
    if (!sql.empty() && pg.severity == "LOG" && !IsUnknown(pg.user)) {
      if (ctx.BeginRecord(identity)) emitter.Statement(ctx, pg.user, IsUnknown(pg.database) ? "" : pg.database, sql, pg.time);
      return;
    }
    ctx.NoData();
  }

  void Finish(RecordContext& ctx) override {
    while (!pending_.empty()) FlushPending(ctx, pending_.begin()->first);
  }

 private:
  struct Pending {
    std::string host;
    Timestamp time = kNoTime;
    std::string evidence;
    std::string identity;
  };

  // Emits the pending connection of `pid`, if any, as a probe record.
  void FlushPending(RecordContext& ctx, const std::string& pid) {
    auto it = pending_.find(pid);
    if (it == pending_.end()) return;
    Pending p = std::move(it->second);
    pending_.erase(it);
    if (!instance_ || p.host.empty()) return;
    if (!ctx.BeginRecord("probe|" + p.identity)) return;
    db_login::Emitter(*instance_, "postgres", cluster_).Probe(ctx, p.host, p.time, p.evidence);
  }

  std::optional<std::string> instance_;
  std::string cluster_;  // the path's cluster when instance_ is another DB
  std::map<std::string, Pending> pending_;
};

class PostgresLogIngestor final : public Ingestor {
 public:
  std::string_view name() const override { return "postgres"; }
  std::string_view description() const override {
    return "RDS/Aurora PostgreSQL log with the prefix %t:%r:%u@%d:[%p]: (logins, probes, statements)";
  }
  int Sniff(std::string_view path, std::string_view head) const override {
    std::string_view first = head.substr(0, head.find('\n'));
    PgLine pg;
    if (ParsePgLine(first, pg) == nullptr) return 90;
    if (path.find("/aws/rds/") != std::string_view::npos && path.find("/postgresql") != std::string_view::npos)
      return 50;
    return 0;
  }
  std::unique_ptr<FileParser> NewParser(const FileInfo& info, const IngestOptions& options) const override {
    return std::make_unique<PostgresParser>(info, options);
  }
};

}  // namespace

std::unique_ptr<Ingestor> NewPostgresLogIngestor() { return std::make_unique<PostgresLogIngestor>(); }

}  // namespace gumshoe::ingest
