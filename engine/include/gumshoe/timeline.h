// Timeline: an entity's activity hour by hour in a window.
//
// Rows come from the hourly buckets of the entity's edges:
//   api_call     -called_api->    API calls by name (success/failure counts)
//   source_ip    -called_from->   source IPs / AWS services of its calls
//   user_agent   -used_agent->    user agents
//   flow_out / flow_in            network_flow out of / into it: connections
//                                 it initiated ("contacted") / that the other
//                                 side initiated ("connected from"; folded
//                                 probes come from 0.0.0.0/0). An EC2
//                                 instance includes its ENIs', with `via`.
//   dns          -queried->       domains it asked for
//   console_login -console_login-> sign-ins (success/failure, MFA counters)
//   db_login     db_login in (a DB user) or out (an IP)
//   caller       <-called_from-   actors calling from it (an IP)
// A resource (IsResourceKind: bucket, RDS instance, EC2 instance, secret, ...)
// also has rows for who touched it: read_by, written_by, modified_by,
// created_by, deleted_by, launched_by, code_changed_by, invoked_by, used_by,
// disabled_by, enabled_by, run_by, pulled_by, pushed_by and attempted_by (its
// in-edges of those kinds), and `touches` says
// who, when, from where and with which credential (resource_touch.h).
// An item is "new" in the hour holding the first observation of that edge
// ever stored: the first time this entity did that thing.
//
// EdgeStats keeps success/failure per edge, not per hour: rows carry the
// edge's totals for the whole store (columns say so).
// Thread-safety: only reads; results are plain values.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "gumshoe/model.h"
#include "gumshoe/resource_touch.h"
#include "gumshoe/scope.h"
#include "gumshoe/status.h"
#include "gumshoe/store.h"
#include "gumshoe/subgraph.h"

namespace gumshoe {

struct TimelineOptions {
  TimeWindow window;                 // sides left kNoTime are filled by ScopeWindow
  ScopeOptions scope;
  size_t max_items_per_category = 500;  // most active items kept per category
  size_t max_entries = 20000;        // rows kept (truncated beyond)
};

struct TimelineEntry {
  Timestamp hour = kNoTime;          // start of the hour
  std::string category;              // "api_call", "source_ip", ...
  EntityRef item;
  uint64_t count = 0;                // observations in this hour
  uint64_t success = 0;              // edge totals (not per hour)
  uint64_t failure = 0;
  bool is_new = false;
  std::string via;                   // network interface, for flows seen on one
  std::string evidence;              // first evidence of the edge, when is_new
};

struct TimelineResult {
  Entity entity;
  TimeWindow window;
  std::vector<TimelineEntry> entries;  // by hour, category, count desc, item
  size_t omitted_items = 0;            // items cut by max_items_per_category
  bool truncated = false;              // max_entries hit
  std::optional<ResourceTouches> touches;  // a resource: who touched it in the window
  Subgraph ToSubgraph() const;
};

// REQUIRES: `entity` is stored (NotFound otherwise).
Result<TimelineResult> Timeline(const GraphReader& reader, const EntityRef& entity, const TimelineOptions& options);

}  // namespace gumshoe
