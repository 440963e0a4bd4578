// Indicators of compromise for a principal (IAM user, role, role session,
// federated user, access key), judged against a baseline: by default the 45
// days before the window.
//
// Whose activity counts: the principal itself; for a role, also its sessions;
// for an access key, also the principals and sessions that signed with it.
// Whose history is the baseline: the same actors, except for a role session,
// which is new by nature: it is compared with its role's history (the role
// and every session of that role, this one included).
//
// How much data the baseline holds: from the first record naming a baseline
// actor (its first_seen), or the baseline start when that is later, to the
// window start. Below min_baseline_days the baseline-relative indicators
// (new_user_agent, new_api_call, increased_api_volume, new_source_ip,
// new_network) are not judged: one "baseline_too_short" indicator, not
// available, says "baseline too short (N days of data, ...)" instead.
//
//   baseline_too_short     the baseline holds less than min_baseline_days
//   new_user_agent         an agent used in the window, never in the baseline
//   new_api_call           an API called in the window, never in the baseline
//   increased_api_volume   calls per hour >= volume_ratio x the baseline's
//                          rate (and >= min_volume calls in the window)
//   failed_api_call        an API whose calls in the window all failed
//                          (IsAttempt, edge_text.h: errorCode on every call):
//                          "denied: cloudtrail.amazonaws.com:StopLogging x1
//                          (AccessDenied), after the credential's first use
//                          at T; nothing was changed". Denied calls after a
//                          credential's first use are a stolen key probing
//                          its permissions. Judged without a baseline.
//   new_source_ip          a source IP not used in the baseline
//   new_network            its /24 (IPv4) or /48 (IPv6) not used in the baseline
//   flagged_ip             a source IP tagged tor_exit / threat_listed, or with
//                          listed_in edges to threat lists
//   related_finding        findings naming the principal or its actors
//   related_group          the finding groups those findings belong to
//   ttp                    an API called in the window mapped to MITRE ATT&CK
//                          (attack_table.h); "(attempted: every call failed)"
//                          when its calls all failed
//   impossible_travel, new_geolocation
//                          need a MaxMind GeoIP database; this build reads
//                          none, so they are reported "unavailable", never guessed.
// Thread-safety: only reads; results are plain values.
#pragma once

#include <string>
#include <vector>

#include "gumshoe/finding_groups.h"
#include "gumshoe/model.h"
#include "gumshoe/scope.h"
#include "gumshoe/status.h"
#include "gumshoe/store.h"
#include "gumshoe/subgraph.h"

namespace gumshoe {

struct IndicatorOptions {
  TimeWindow window;                    // sides left kNoTime are filled by ScopeWindow
  ScopeOptions scope;
  Timestamp baseline_length = 45 * 86400;
  // Fewer days of data than this in the baseline: baseline-relative
  // indicators are not judged (baseline_too_short). Default: 7.
  double min_baseline_days = 7;
  double volume_ratio = 3.0;
  uint64_t min_volume = 10;
  size_t max_actors = 200;              // sessions of a role / signers of a key considered
  size_t max_items = 5000;              // edges of one kind per actor considered
  std::string mmdb_path;                // MaxMind database the user supplied, if any
  FindingGroupOptions groups;           // window: the indicator window widened by join_window
};

struct Indicator {
  std::string kind;                     // see the list above
  bool available = true;                // false: could not be judged (detail says why)
  EntityRef entity;                     // the agent, API call, IP, finding, ...
  std::string detail;                   // one line for people
  uint64_t window_count = 0;
  uint64_t baseline_count = 0;
  Timestamp first_seen = kNoTime;       // first observation in the window
  std::string evidence;
  std::string tactic, technique_id, technique;  // ttp only
};

struct IndicatorsResult {
  EntityRef principal;
  TimeWindow window;
  TimeWindow baseline;
  std::vector<EntityRef> actors;
  std::vector<EntityRef> baseline_actors;  // whose history the baseline is
  double baseline_data_days = 0;        // days of data the baseline holds
  bool baseline_judged = true;          // baseline_data_days >= min_baseline_days
  std::vector<Indicator> indicators;    // grouped by kind in the order above, then entity
  std::vector<const Indicator*> OfKind(std::string_view kind) const;
  Subgraph ToSubgraph() const;
};

// REQUIRES: `principal` is stored (NotFound otherwise); any kind is accepted,
// the list above is tuned for principals and keys.
Result<IndicatorsResult> Indicators(const GraphReader& reader, const EntityRef& principal,
                                    const IndicatorOptions& options);

}  // namespace gumshoe
