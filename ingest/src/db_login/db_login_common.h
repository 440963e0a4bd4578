// Shared by the database login ingestors (mysql_audit.cc, postgres.cc): which
// DB instance a file belongs to, and how a login, a probe and a statement
// become graph changes. The graph they build:
//
//   ip_address -db_login-> db_user "<instance>/<user>"
//       one observation per login attempt: outcome +1 (success) / -1 (failure),
//       hourly buckets of all attempts, evidence file:line. Counters:
//         "app:<name>"             application name, where the log carries one
//         "ok_hour:<hour, 8 digits>" successful logins in that hour since epoch;
//                                  failures in hour h = hourly[h] - ok_hour[h]
//   ip_address -db_login-> rds_instance
//       a connection that never attempted authentication (PostgreSQL
//       `connection received` without `connection authorized` or an
//       authentication failure, `incomplete startup packet`; MySQL
//       FAILED_CONNECT/DISCONNECT with an empty user name). outcome 0,
//       counter "probe". No DB user is named, so none is made up: the
//       attempt is on the instance. The Discovery detections read these
//       edges. (Stores written before kept them on a pseudo user
//       "<instance>/[unknown]", attr pseudo=no_auth; the detections still
//       read those.)
//   db_user -db_user_of-> rds_instance
//       one observation per login attempt and per statement; counters
//       "db:<database>" count statements (other than DDL/DCL) per database.
//   db_user -db_action-> db_user   CREATE USER/ROLE, ALTER USER/ROLE, GRANT ... TO,
//                                   DROP USER/ROLE, SET PASSWORD FOR, RENAME USER;
//                                   counter = the statement ("CREATE USER",
//                                   "ALTER USER PASSWORD", "GRANT", ...)
//   db_user -db_action-> rds_instance   other DDL/DCL (DROP TABLE, CREATE DATABASE,
//                                   REVOKE, TRUNCATE, ...), counter = the statement
//
// The instance: the CloudWatch Logs export path of an instance
// (/aws/rds/instance/<id>/...) wins, then IngestOptions::db_instance, then
// the content (MySQL `serverhost`, which names the instance that wrote the
// line), then the cluster of a cluster path (/aws/rds/cluster/<id>/...).
// Under a cluster path, an instance found otherwise gets attr db_cluster =
// the cluster, and the cluster's rds_instance entity attr db_kind=cluster:
// both are kept, linked. Lower-cased, so it is the same rds_instance entity
// CloudTrail and GuardDuty name.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "gumshoe/delta.h"
#include "gumshoe/model.h"
#include "gumshoe/normalize.h"
#include "ingestor.h"

namespace gumshoe::ingest::db_login {

// The pseudo user name of connections that never authenticated.
inline constexpr std::string_view kNoAuthUser = "[unknown]";
// Longest user / database / application name kept; longer ones are rejected.
inline constexpr size_t kMaxNameBytes = 256;
// Longest SQL text looked at when classifying a statement.
inline constexpr size_t kMaxStatementScanBytes = 64 * 1024;

// The instance (or else cluster) identifier from a CloudWatch export path,
// as written, or nullopt.
std::optional<std::string> InstanceFromPath(std::string_view path);

// The canonical instance and cluster keys a CloudWatch export path names.
struct DbPath {
  std::optional<std::string> instance;  // /aws/rds/instance/<id>/
  std::optional<std::string> cluster;   // /aws/rds/cluster/<id>/
};
DbPath DbFromPath(std::string_view path);

// The canonical rds_instance key for `raw`, or nullopt when it is not usable.
std::optional<std::string> CanonicalInstance(std::string_view raw);

// True when `host` is meant as an address (digits and dots, or contains ':')
// but does not parse: the record is rejected as bad_ip. Host names such as
// "localhost" are not addresses; their logins get no IP edge.
bool MalformedIpHost(std::string_view host);

// "ok_hour:00475123": the counter key of successful logins in hour `t / 3600`.
std::string OkHourCounter(Timestamp t);

// What a SQL statement does, as far as the graph cares.
struct StatementClass {
  // Empty for ordinary statements (counted per database). Otherwise the
  // statement name: "CREATE USER", "ALTER USER PASSWORD", "GRANT", "DROP TABLE"...
  std::string action;
  // The DB user the statement creates/alters/grants to/drops, when it names one.
  std::string target_user;
};
StatementClass ClassifyStatement(std::string_view sql);

// Emits graph changes for one DB instance. Holds the instance key.
class Emitter {
 public:
  // `cluster`: the DB cluster the instance belongs to, or empty.
  explicit Emitter(std::string instance, std::string engine, std::string cluster = {})
      : instance_(std::move(instance)), engine_(std::move(engine)), cluster_(std::move(cluster)) {}
  const std::string& instance() const { return instance_; }

  // A login attempt of `user` from `host` (an IP, or something else such as
  // "localhost" which gives no IP edge). outcome +1/-1. `app` may be empty.
  // Returns false (and rejects with `name_too_long`/`bad_user`) when the user
  // name is unusable.
  bool Login(RecordContext& ctx, std::string_view host, std::string_view user, int outcome,
             std::string_view app, Timestamp t);
  // A connection from `host` with no authentication attempt (no user
  // named): ip -db_login-> rds_instance, counter probe. `evidence` is where
  // it was seen.
  void Probe(RecordContext& ctx, std::string_view host, Timestamp t, std::string_view evidence);
  // A statement run by `user` in `database`.
  bool Statement(RecordContext& ctx, std::string_view user, std::string_view database,
                 std::string_view sql, Timestamp t);

 private:
  std::optional<EntityRef> UserRef(std::string_view user) const;
  void TouchInstance(GraphDelta& delta, Timestamp t);
  std::string instance_;
  std::string engine_;
  std::string cluster_;
};

}  // namespace gumshoe::ingest::db_login
