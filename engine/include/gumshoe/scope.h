// Scope time: the default window of a query when the user gives no
// --since/--until (or only one of them).
//
//   focus is a finding:  [first_seen - finding_margin, last_seen + finding_margin]
//   any other entity:    the last `entity_lookback` of its activity:
//                        [last_seen - entity_lookback, last_seen]
//                        (an EC2 instance's activity includes its ENIs')
// A side the user gave is kept as given; only missing sides are filled.
// Thread-safety: ScopeWindow only reads.
#pragma once

#include "gumshoe/model.h"
#include "gumshoe/status.h"
#include "gumshoe/store.h"

namespace gumshoe {

struct ScopeOptions {
  Timestamp finding_margin = 24 * 3600;   // widening of a finding's first-last seen, each side
  Timestamp entity_lookback = 24 * 3600;  // an entity's default window ends at its last activity
};

// The window a query about `focus` runs on. REQUIRES: `focus` is stored
// (NotFound otherwise). An entity with no known times gets an unbounded side.
Result<TimeWindow> ScopeWindow(const GraphReader& reader, const EntityRef& focus, const TimeWindow& requested,
                               const ScopeOptions& options);

// Same, from an entity already read (no ENI folding).
TimeWindow ScopeWindowFor(const Entity& focus, const TimeWindow& requested, const ScopeOptions& options);

}  // namespace gumshoe
