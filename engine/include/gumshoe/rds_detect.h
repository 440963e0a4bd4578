// RDS Protection detections, offline: the nine GuardDuty RDS login finding
// types, raised from the database login graph the db_login ingestors build
// (see ingest/src/db_login/db_login_common.h) and the threat lists the
// threat_intel ingestor loads.
//
// Inputs read from any GraphReader:
//   ip_address -db_login-> db_user      attempts; counters "ok_hour:<hour>" say
//                                       which hours had successes, "app:<name>"
//                                       the applications
//   ip_address -db_login-> rds_instance probes (no user named); in older
//                                       stores db_user "<inst>/[unknown]"
//                                       (attr pseudo=no_auth)
//   db_user -db_user_of-> rds_instance
//   db_user -db_action-> *              DDL/DCL, listed in the response steps
//   ip_address -listed_in-> threat_list hourly buckets = hours the IP was listed,
//                                       counter listed_always > 0: every hour;
//                                       threat_list attrs "cidr:<prefix>" =
//                                       "<since>..<until>" for listed networks
//                                       (an empty side: unbounded)
//
// The types, their severities and what raises them (per (source IP, DB user)
// login edge of an instance):
//   CredentialAccess:RDS/AnomalousBehavior.SuccessfulLogin  Low 2 from a private IP,
//       Medium 5 from a public IP, High 8 from a public IP when the instance saw
//       at least consistent_failure_min failures from public IPs in the
//       consistent_failure_window_hours before. Raised for the first successful
//       login of the edge after the learning period when the user, the source
//       network (/ipv4_network_bits, /ipv6_network_bits) or an application of
//       the edge is new against the instance's baseline.
//   CredentialAccess:RDS/AnomalousBehavior.FailedLogin  Low 2: at least
//       anomalous_failed_min failures after the learning period from an edge
//       whose user or network is new, no success, and no Tor/malicious finding.
//   CredentialAccess:RDS/AnomalousBehavior.SuccessfulBruteForce  High 8: a
//       success preceded by at least brute_force_min_failures failures of the
//       same IP and user within brute_force_window_hours (hour granularity: the
//       failures of the success's own hour count as before it). No learning
//       period needed. It replaces AnomalousBehavior.SuccessfulLogin for the edge.
//   CredentialAccess:RDS/MaliciousIPCaller.SuccessfulLogin  High 8 / .FailedLogin
//       Medium 5: a success (else a failure) in an hour the IP was on a threat
//       list other than the Tor list (or inside a listed CIDR's window).
//   CredentialAccess:RDS/TorIPCaller.SuccessfulLogin  High 8 / .FailedLogin
//       Medium 5: the same against the Tor list (`tor_list`).
//   Discovery:RDS/MaliciousIPCaller / Discovery:RDS/TorIPCaller  Medium 5: a
//       connection without an authentication attempt (a probe) from an IP
//       listed at that hour.
//
// Failures per hour are hourly[h] - ok_hour[h]. When an edge's counters
// overflowed (kMaxEdgeCounters), attempts after the last kept ok hour count as
// failures if every success is accounted for, else as successes.
//
// The baseline of an instance: every (user, network, application) with a
// successful login in [first login attempt, + learning_period_days). With no
// data past the learning period there are no Anomalous* findings.
//
// Thread-safety: DetectRds only reads; run it on a snapshot while ingesting.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "gumshoe/model.h"
#include "gumshoe/status.h"
#include "gumshoe/store.h"

namespace gumshoe {

struct RdsDetectOptions {
  // Days of login history per instance that form its baseline. Default 14.
  int learning_period_days = 14;
  // SuccessfulBruteForce: failures of one IP for one user before a success,
  // within this many hours. Defaults 10 and 24.
  uint64_t brute_force_min_failures = 10;
  int brute_force_window_hours = 24;
  // AnomalousBehavior.SuccessfulLogin is High when the instance saw at least
  // this many public-IP failures in the window before. Defaults 5 and 168 h.
  uint64_t consistent_failure_min = 5;
  int consistent_failure_window_hours = 168;
  // AnomalousBehavior.FailedLogin: failures needed from a new user/network. Default 3.
  uint64_t anomalous_failed_min = 3;
  // Source network granularity of the baseline. Defaults /24 and /64.
  int ipv4_network_bits = 24;
  int ipv6_network_bits = 64;
  // The threat_list key of the Tor exit list. Other lists are "malicious".
  std::string tor_list = "tor";
  // Only findings whose activity overlaps this window. Default: all time.
  TimeWindow window;
  // At most this many findings (the rest are dropped, counted in `truncated`).
  size_t max_findings = 100000;
};

struct RdsFinding {
  std::string id;             // "gumshoe-rds-<16 hex>": stable for type+instance+user+ip+window
  std::string type;           // "CredentialAccess:RDS/TorIPCaller.SuccessfulLogin"
  std::string title;
  double severity = 0;        // 2 low, 5 medium, 8 high
  std::string severity_band;  // "low", "medium", "high"
  std::string instance;       // rds_instance key
  std::string db_user;        // db_user key ("<instance>/<user>"; empty for probes)
  std::string user_name;      // the user part ("" for probes)
  std::string remote_ip;      // ip_address key
  std::string ip_class;       // "private", "public", ...
  std::string threat_list;    // threat_list key for *IPCaller types
  Timestamp first_seen = kNoTime;
  Timestamp last_seen = kNoTime;
  uint64_t successes = 0;     // on the login edge, within [first_seen, last_seen] hours
  uint64_t failures = 0;
  uint64_t probes = 0;
  bool instance_public = false;  // attr publicly_accessible=true, or logins from public IPs
  std::vector<std::string> evidence;    // "file:line" / "cloudtrail:<id>" refs
  std::vector<std::string> db_actions;  // "GRANT -> prod/evil [audit.log:12]": DDL/DCL of the user
                                        // last seen at or after first_seen
};

struct RdsDetectResult {
  std::vector<RdsFinding> findings;  // ordered by first_seen, then id
  uint64_t instances = 0;            // instances examined
  uint64_t login_edges = 0;          // ip -> db_user edges examined
  uint64_t truncated = 0;            // findings over max_findings
};

// Runs the nine detections over everything `reader` holds.
Result<RdsDetectResult> DetectRds(const GraphReader& reader, const RdsDetectOptions& options);

// The response steps of a finding, tailored to its evidence: restrict the
// security group (naming the source IP), rotate the user's password (naming
// the user), move the instance to a private subnet (when it is reachable from
// public IPs), and read the audit log (listing the DDL/DCL seen).
std::vector<std::string> RdsResponseSteps(const RdsFinding& finding);

// Writes findings into `store` as finding entities (attrs source=gumshoe, type,
// title, severity, severity_band, first_seen, last_seen, instance, db_user,
// remote_ip, evidence, response_1..n; tag gumshoe) with involves edges to the
// db_user and the IP (counter foothold=1, role:actor / role:remote), the
// rds_instance (role:target) and the threat list (role:threat_list).
// Idempotent: an unchanged finding is not written again; a finding that grew
// refreshes its attrs and times without adding involves observations.
// Returns how many findings were new or changed.
Result<uint64_t> WriteRdsFindings(GraphStore& store, const std::vector<RdsFinding>& findings);

}  // namespace gumshoe
