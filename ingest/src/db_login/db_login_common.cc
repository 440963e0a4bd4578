#include "db_login/db_login_common.h"

#include <cctype>
#include <cstdio>
#include <vector>

namespace gumshoe::ingest::db_login {
namespace {

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// Splits SQL into words: identifiers/keywords, quoted names (quotes kept), and
// single punctuation characters. Comments are skipped. Bounded by the caller.
std::vector<std::string> Tokens(std::string_view sql, size_t max_tokens) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < sql.size() && out.size() < max_tokens) {
    char c = sql[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
      size_t nl = sql.find('\n', i);
      i = nl == std::string_view::npos ? sql.size() : nl + 1;
    } else if (c == '/' && i + 1 < sql.size() && sql[i + 1] == '*') {
      size_t end = sql.find("*/", i + 2);
      i = end == std::string_view::npos ? sql.size() : end + 2;
    } else if (c == '\'' || c == '"' || c == '`') {
      size_t j = i + 1;
      while (j < sql.size() && sql[j] != c) j += (sql[j] == '\\' && j + 1 < sql.size()) ? 2 : 1;
      out.emplace_back(sql.substr(i, std::min(j + 1, sql.size()) - i));
      i = j + 1;
    } else if (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$' ||
               static_cast<unsigned char>(c) >= 0x80) {
      size_t j = i;
      while (j < sql.size() && (std::isalnum(static_cast<unsigned char>(sql[j])) || sql[j] == '_' ||
                                sql[j] == '$' || static_cast<unsigned char>(sql[j]) >= 0x80))
        ++j;
      out.emplace_back(sql.substr(i, j - i));
      i = j;
    } else {
      out.emplace_back(1, c);
      ++i;
    }
  }
  return out;
}

std::string Unquote(std::string_view tok) {
  if (tok.size() >= 2 && (tok.front() == '\'' || tok.front() == '"' || tok.front() == '`') &&
      tok.back() == tok.front())
    return std::string(tok.substr(1, tok.size() - 2));
  return std::string(tok);
}

// The user name at tokens[i] ('name'@'host', "name", name); empty if none.
std::string UserAt(const std::vector<std::string>& t, size_t i) {
  if (i >= t.size()) return {};
  const std::string& tok = t[i];
  if (tok.size() == 1 && !std::isalnum(static_cast<unsigned char>(tok[0])) && tok[0] != '_') return {};
  return Unquote(tok);
}

bool Is(const std::vector<std::string>& up, size_t i, std::string_view word) {
  return i < up.size() && up[i] == word;
}

}  // namespace

namespace {

std::optional<std::string> IdAfter(std::string_view path, std::string_view marker) {
  size_t p = path.find(marker);
  if (p == std::string_view::npos) return std::nullopt;
  std::string_view rest = path.substr(p + marker.size());
  std::string_view id = rest.substr(0, rest.find('/'));
  if (id.empty()) return std::nullopt;
  return std::string(id);
}

}  // namespace

std::optional<std::string> InstanceFromPath(std::string_view path) {
  if (auto id = IdAfter(path, "/aws/rds/instance/")) return id;
  return IdAfter(path, "/aws/rds/cluster/");
}

DbPath DbFromPath(std::string_view path) {
  DbPath out;
  if (auto id = IdAfter(path, "/aws/rds/instance/")) out.instance = CanonicalInstance(*id);
  if (auto id = IdAfter(path, "/aws/rds/cluster/")) out.cluster = CanonicalInstance(*id);
  return out;
}

std::optional<std::string> CanonicalInstance(std::string_view raw) {
  if (raw.empty() || raw.size() > kMaxNameBytes) return std::nullopt;
  Result<std::string> key = NormalizeKey(EntityKind::kRdsInstance, raw);
  if (!key.ok()) return std::nullopt;
  return std::move(key).value();
}

bool MalformedIpHost(std::string_view host) {
  if (host.empty()) return false;
  bool colon = host.find(':') != std::string_view::npos;
  bool dotted = true;
  for (char c : host) dotted &= (c >= '0' && c <= '9') || c == '.';
  if (!colon && !dotted) return false;
  return !ParseIp(host).has_value();
}

std::string OkHourCounter(Timestamp t) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "ok_hour:%08lld", static_cast<long long>(t / 3600));
  return buf;
}

StatementClass ClassifyStatement(std::string_view sql) {
  StatementClass out;
  if (sql.size() > kMaxStatementScanBytes) sql = sql.substr(0, kMaxStatementScanBytes);
  std::vector<std::string> t = Tokens(sql, 4096);
  std::vector<std::string> up;
  up.reserve(t.size());
  for (const std::string& s : t) up.push_back(Upper(s));
  if (up.empty()) return out;
  const std::string& w0 = up[0];
  auto skip_if_exists = [&](size_t i) {
    if (Is(up, i, "IF") && Is(up, i + 1, "NOT") && Is(up, i + 2, "EXISTS")) return i + 3;
    if (Is(up, i, "IF") && Is(up, i + 1, "EXISTS")) return i + 2;
    return i;
  };
  auto mentions = [&](std::string_view word) {
    for (const std::string& s : up)
      if (s == word) return true;
    return false;
  };
  if ((w0 == "CREATE" || w0 == "DROP" || w0 == "ALTER") && (Is(up, 1, "USER") || Is(up, 1, "ROLE"))) {
    out.action = w0 + " " + up[1];
    out.target_user = UserAt(t, skip_if_exists(2));
    if (w0 == "ALTER" && (mentions("PASSWORD") || mentions("IDENTIFIED"))) out.action += " PASSWORD";
    return out;
  }
  if (w0 == "GRANT" || w0 == "REVOKE") {
    out.action = w0;
    std::string_view sep = w0 == "GRANT" ? "TO" : "FROM";
    for (size_t i = up.size(); i-- > 1;) {
      if (up[i] == sep) {
        out.target_user = UserAt(t, i + 1);
        break;
      }
    }
    return out;
  }
  if (w0 == "SET" && Is(up, 1, "PASSWORD")) {
    out.action = "SET PASSWORD";
    if (Is(up, 2, "FOR")) out.target_user = UserAt(t, 3);
    return out;
  }
  if (w0 == "RENAME" && Is(up, 1, "USER")) {
    out.action = "RENAME USER";
    out.target_user = UserAt(t, 2);
    return out;
  }
  if (w0 == "CREATE" || w0 == "DROP" || w0 == "ALTER" || w0 == "TRUNCATE" || w0 == "RENAME") {
    out.action = w0;
    if (up.size() > 1 && std::isalpha(static_cast<unsigned char>(up[1][0]))) out.action += " " + up[1];
    return out;
  }
  return out;
}

std::optional<EntityRef> Emitter::UserRef(std::string_view user) const {
  if (user.empty() || user.size() > kMaxNameBytes) return std::nullopt;
  std::string raw = instance_;
  raw.push_back('/');
  raw.append(user);
  Result<std::string> key = NormalizeKey(EntityKind::kDbUser, raw);
  if (!key.ok()) return std::nullopt;
  return EntityRef{EntityKind::kDbUser, std::move(key).value()};
}

void Emitter::TouchInstance(GraphDelta& delta, Timestamp t) {
  EntityRef inst{EntityKind::kRdsInstance, instance_};
  delta.Touch(inst, t);
  if (!engine_.empty()) delta.SetAttr(inst, "engine", engine_, t);
  if (!cluster_.empty() && cluster_ != instance_) {
    EntityRef cluster{EntityKind::kRdsInstance, cluster_};
    delta.SetAttr(inst, "db_cluster", cluster_, t);
    delta.SetAttr(cluster, "db_kind", "cluster", t);
    if (!engine_.empty()) delta.SetAttr(cluster, "engine", engine_, t);
  }
}

namespace {

std::optional<EntityRef> EmitIp(GraphDelta& delta, std::string_view host, Timestamp t) {
  std::optional<IpAddress> ip = ParseIp(host);
  if (!ip) return std::nullopt;
  EntityRef ref{EntityKind::kIpAddress, ip->ToString()};
  IpClass cls = ClassifyIp(*ip);
  delta.SetAttr(ref, "ip_class", IpClassName(cls), t);
  delta.AddTag(ref, IsNonPublic(cls) ? "private" : "public", t);
  return ref;
}

}  // namespace

bool Emitter::Login(RecordContext& ctx, std::string_view host, std::string_view user, int outcome,
                    std::string_view app, Timestamp t) {
  std::optional<EntityRef> u = UserRef(user);
  if (!u) {
    ctx.Reject(user.size() > kMaxNameBytes ? "name_too_long" : "bad_user");
    return false;
  }
  GraphDelta& delta = ctx.delta();
  std::string ev = ctx.EvidenceRef();
  TouchInstance(delta, t);
  delta.SetAttr(*u, "instance", instance_, t);
  delta.SetAttr(*u, "user", user, t);
  EntityRef inst{EntityKind::kRdsInstance, instance_};
  delta.AddEdge(*u, EdgeKind::kDbUserOf, inst, EdgeObservation{t, outcome, ev, 1});
  std::optional<EntityRef> ip = EmitIp(delta, host, t);
  if (!ip) {
    ctx.Anomaly("login_without_ip");
    return true;
  }
  EdgeStats& s = delta.AddEdge(*ip, EdgeKind::kDbLogin, *u, EdgeObservation{t, outcome, ev, 1});
  if (outcome > 0) s.counters[OkHourCounter(t)] += 1;
  if (!app.empty() && app.size() <= kMaxNameBytes) s.counters["app:" + std::string(app)] += 1;
  return true;
}

void Emitter::Probe(RecordContext& ctx, std::string_view host, Timestamp t, std::string_view evidence) {
  GraphDelta& delta = ctx.delta();
  std::optional<EntityRef> ip = EmitIp(delta, host, t);
  if (!ip) {
    ctx.Anomaly("probe_without_ip");
    return;
  }
  // No user was named: the attempt is the IP's on the instance, not on a
  // DB user (there is none to rotate or blame).
  TouchInstance(delta, t);
  EntityRef inst{EntityKind::kRdsInstance, instance_};
  EdgeStats& s = delta.AddEdge(*ip, EdgeKind::kDbLogin, inst, EdgeObservation{t, 0, evidence, 1});
  s.counters["probe"] += 1;
}

bool Emitter::Statement(RecordContext& ctx, std::string_view user, std::string_view database,
                        std::string_view sql, Timestamp t) {
  std::optional<EntityRef> u = UserRef(user);
  if (!u) {
    ctx.Reject(user.size() > kMaxNameBytes ? "name_too_long" : "bad_user");
    return false;
  }
  GraphDelta& delta = ctx.delta();
  std::string ev = ctx.EvidenceRef();
  TouchInstance(delta, t);
  delta.SetAttr(*u, "instance", instance_, t);
  delta.SetAttr(*u, "user", user, t);
  EntityRef inst{EntityKind::kRdsInstance, instance_};
  EdgeStats& of = delta.AddEdge(*u, EdgeKind::kDbUserOf, inst, EdgeObservation{t, 0, ev, 1});
  StatementClass cls = ClassifyStatement(sql);
  if (cls.action.empty()) {
    if (!database.empty() && database.size() <= kMaxNameBytes) of.counters["db:" + std::string(database)] += 1;
    return true;
  }
  std::optional<EntityRef> target;
  if (!cls.target_user.empty()) target = UserRef(cls.target_user);
  if (target) {
    delta.SetAttr(*target, "instance", instance_, t);
    delta.SetAttr(*target, "user", cls.target_user, t);
    delta.AddEdge(*target, EdgeKind::kDbUserOf, inst, EdgeObservation{t, 0, ev, 1});
  }
  EdgeStats& act = delta.AddEdge(*u, EdgeKind::kDbAction, target ? *target : inst, EdgeObservation{t, 0, ev, 1});
  act.counters[cls.action] += 1;
  return true;
}

}  // namespace gumshoe::ingest::db_login
