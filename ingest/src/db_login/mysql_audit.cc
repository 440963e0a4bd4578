// Aurora MySQL / RDS MySQL / MariaDB advanced audit logs (server_audit plugin).
//
// One CSV record per line:
//   timestamp,serverhost,username,host,connectionid,queryid,operation,database,object,retcode
// timestamp: Unix epoch microseconds (Aurora) or "YYYYMMDD HH:MM:SS" (RDS
// MySQL/MariaDB). object: the SQL, single-quoted with backslash escapes (it
// may contain commas; retcode is always the last field).
//
// Operations: CONNECT / CHANGEUSER (login; retcode 0 = success, else failure),
// FAILED_CONNECT (failure), DISCONNECT, QUERY and QUERY_DDL/_DCL/_DML (a
// statement), and the TABLE events READ/WRITE/CREATE/ALTER/RENAME/DROP, which
// repeat what the QUERY event said and are kept without graph changes. A
// CONNECT/FAILED_CONNECT/DISCONNECT with an empty user name is a connection
// that never sent credentials: a probe (counted once per connection id per
// file), an attempt on the instance with no DB user. serverhost names the
// instance (also in a /aws/rds/cluster/<id>/ export, whose cluster becomes
// the instance's db_cluster). See db_login_common.h for the graph.
//
// Rejects: bad_field_count, bad_time, implausible_time, unknown_operation,
// unknown_db_instance, bad_ip (an address-like host that does not parse),
// bad_object (a QUERY object with broken quoting), bad_user, name_too_long.
#include <cctype>
#include <charconv>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "db_login/db_login_common.h"
#include "gumshoe/time_util.h"
#include "ingestor.h"

namespace gumshoe::ingest {
namespace {

// Connection ids remembered per file to count a probe once.
constexpr size_t kMaxProbeConnections = 1 << 16;

bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

std::optional<Timestamp> ParseAuditTime(std::string_view s) {
  if (AllDigits(s) && s.size() <= 19) {
    int64_t v = 0;
    std::from_chars(s.data(), s.data() + s.size(), v);
    if (v > 100000000000000LL) return v / 1000000;  // microseconds
    if (v > 100000000000LL) return v / 1000;        // milliseconds
    return v;
  }
  // "20201130 23:08:44"
  if (s.size() == 17 && AllDigits(s.substr(0, 8)) && s[8] == ' ') {
    std::string iso = std::string(s.substr(0, 4)) + "-" + std::string(s.substr(4, 2)) + "-" +
                      std::string(s.substr(6, 2)) + "T" + std::string(s.substr(9)) + "Z";
    return ParseIsoTime(iso);
  }
  return std::nullopt;
}

// The SQL inside a single-quoted, backslash-escaped object field; nullopt when
// the quoting is broken (no closing quote, or the closing quote is escaped).
std::optional<std::string> UnquoteObject(std::string_view s) {
  if (s.empty()) return std::string();
  if (s.size() < 2 || s.front() != '\'' || s.back() != '\'') return std::nullopt;
  size_t backslashes = 0;
  for (size_t i = s.size() - 1; i-- > 1 && s[i] == '\\';) ++backslashes;
  if (backslashes % 2 != 0) return std::nullopt;
  s = s.substr(1, s.size() - 2);
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) {
      char n = s[++i];
      out.push_back(n == 'n' ? '\n' : n == 't' ? '\t' : n == 'r' ? '\r' : n);
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

class MysqlAuditParser final : public FileParser {
 public:
  MysqlAuditParser(const FileInfo& info, const IngestOptions& options) {
    db_login::DbPath path = db_login::DbFromPath(info.path);
    cluster_ = path.cluster;
    if (path.instance) {
      fixed_instance_ = path.instance;
    } else if (!options.db_instance.empty()) {
      fixed_instance_ = db_login::CanonicalInstance(options.db_instance);
    }
  }

  void OnLine(std::string_view line, RecordContext& ctx) override {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) return;
    std::vector<std::string_view> f;
    size_t start = 0;
    while (f.size() < 8) {
      size_t comma = line.find(',', start);
      if (comma == std::string_view::npos) break;
      f.push_back(line.substr(start, comma - start));
      start = comma + 1;
    }
    size_t last = line.rfind(',');
    if (f.size() < 8 || last == std::string_view::npos || last < start) {
      ctx.Reject("bad_field_count");
      return;
    }
    std::string_view object = line.substr(start, last - start);
    std::string_view retcode = line.substr(last + 1);
    std::optional<Timestamp> t = ParseAuditTime(f[0]);
    if (!t) {
      ctx.Reject("bad_time");
      return;
    }
    if (!PlausibleTime(*t, ctx.now())) {
      ctx.Reject("implausible_time");
      return;
    }
    // serverhost names the instance that wrote the line (under a cluster
    // path too: the cluster is kept as the instance's db_cluster).
    std::optional<std::string> instance = fixed_instance_;
    if (!instance) instance = db_login::CanonicalInstance(f[1]);
    if (!instance) instance = cluster_;
    if (!instance) {
      ctx.Reject("unknown_db_instance");
      return;
    }
    std::string_view user = f[2], host = f[3], conn = f[4], op = f[6], database = f[7];
    enum class Op { kLogin, kFailed, kDisconnect, kQuery, kTable } kind;
    if (op == "CONNECT" || op == "CHANGEUSER") {
      kind = Op::kLogin;
    } else if (op == "FAILED_CONNECT") {
      kind = Op::kFailed;
    } else if (op == "DISCONNECT") {
      kind = Op::kDisconnect;
    } else if (op.substr(0, 5) == "QUERY") {
      kind = Op::kQuery;
    } else if (op == "READ" || op == "WRITE" || op == "CREATE" || op == "ALTER" || op == "RENAME" ||
               op == "DROP") {
      kind = Op::kTable;
    } else {
      ctx.Reject("unknown_operation");
      return;
    }
    if (db_login::MalformedIpHost(host)) {
      ctx.Reject("bad_ip");
      return;
    }
    std::optional<std::string> sql;
    if (kind == Op::kQuery) {
      sql = UnquoteObject(object);
      if (!sql) {
        ctx.Reject("bad_object");
        return;
      }
    }
    std::string identity = *instance;
    identity.push_back('|');
    identity.append(line);
    if (!ctx.BeginRecord(identity)) return;
    db_login::Emitter emitter(*instance, "mysql", cluster_.value_or(std::string()));
    bool no_user = user.empty();
    switch (kind) {
      case Op::kLogin:
      case Op::kFailed:
      case Op::kDisconnect:
        if (no_user) {
          std::string key = *instance + "|" + std::string(conn);
          if (probed_.count(key) == 0) {
            if (probed_.size() < kMaxProbeConnections) probed_.insert(key);
            emitter.Probe(ctx, host, *t, ctx.EvidenceRef());
          }
        } else if (kind != Op::kDisconnect) {
          int outcome = (kind == Op::kLogin && retcode == "0") ? 1 : -1;
          emitter.Login(ctx, host, user, outcome, {}, *t);
        }
        break;
      case Op::kQuery:
        if (!no_user) emitter.Statement(ctx, user, database, *sql, *t);
        break;
      case Op::kTable:
        break;
    }
  }

 private:
  std::optional<std::string> fixed_instance_;
  std::optional<std::string> cluster_;
  std::unordered_set<std::string> probed_;
};

class MysqlAuditIngestor final : public Ingestor {
 public:
  std::string_view name() const override { return "mysql_audit"; }
  std::string_view description() const override {
    return "Aurora/RDS MySQL advanced audit log (CSV: timestamp,serverhost,username,host,...)";
  }
  int Sniff(std::string_view path, std::string_view head) const override {
    std::string_view first = head.substr(0, head.find('\n'));
    int fields = 0;
    for (char c : first) fields += c == ',';
    size_t c1 = first.find(',');
    bool looks = fields >= 9 && c1 != std::string_view::npos && ParseAuditTime(first.substr(0, c1)).has_value() &&
                 (first.find(",CONNECT,") != std::string_view::npos ||
                  first.find(",FAILED_CONNECT,") != std::string_view::npos ||
                  first.find(",DISCONNECT,") != std::string_view::npos ||
                  first.find(",QUERY") != std::string_view::npos ||
                  first.find(",READ,") != std::string_view::npos ||
                  first.find(",WRITE,") != std::string_view::npos);
    if (looks) return 90;
    if (path.find("audit/audit.log") != std::string_view::npos ||
        (path.find("/aws/rds/") != std::string_view::npos && path.find("/audit") != std::string_view::npos))
      return fields >= 9 ? 60 : 20;
    return 0;
  }
  std::unique_ptr<FileParser> NewParser(const FileInfo& info, const IngestOptions& options) const override {
    return std::make_unique<MysqlAuditParser>(info, options);
  }
};

}  // namespace

std::unique_ptr<Ingestor> NewMysqlAuditIngestor() { return std::make_unique<MysqlAuditIngestor>(); }

}  // namespace gumshoe::ingest
