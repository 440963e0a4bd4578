// Findings and finding groups.
//
// ListFindings reads every finding entity active in a window (first-last seen
// overlaps it) with its type, severity, times and affected entities (the
// involved entities marked as foothold, else all involved).
//
// FindingGroups joins findings that share a non-trivial entity (role session,
// access key, EC2 instance, public IP address, IAM user, DB user) within
// `join_window` (48 h: the gap between their first-last seen spans), as
// Amazon Detective does. An entity with more than `super_node_degree` edges
// (counted up to that bound), or named by more than `max_findings_per_entity`
// findings, is a super-node and joins nothing. Group severity is the maximum
// of its findings; the group lists the entities that tie it together (named by
// two or more of its findings).
// Thread-safety: only reads; results are plain values.
#pragma once

#include <string>
#include <vector>

#include "gumshoe/model.h"
#include "gumshoe/status.h"
#include "gumshoe/store.h"
#include "gumshoe/subgraph.h"

namespace gumshoe {

struct FindingInfo {
  Entity entity;                   // the finding
  std::string type;                // attr type
  double severity = 0;             // attr severity (0 when absent or not a number)
  std::string severity_band;       // attr severity_band, or derived (low/medium/high/critical)
  std::string title;
  std::string source;              // attr source ("gumshoe" for own detections, else "guardduty")
  std::vector<EntityRef> affected; // foothold entities, else every involved entity
  std::vector<EntityRef> involved; // every involved entity
};

struct FindingGroupOptions {
  TimeWindow window;                      // findings overlapping it; unbounded = all
  Timestamp join_window = 48 * 3600;
  size_t super_node_degree = 5000;        // edges (both directions) above which an entity is a super-node
  size_t max_findings_per_entity = 50;    // findings naming one entity above which it is a super-node
  size_t max_findings = 100000;           // findings read (LimitExceeded beyond)
};

struct FindingGroup {
  std::vector<FindingInfo> findings;      // by first seen, then key
  double severity = 0;                    // max of the findings
  std::string severity_band;              // of the most severe finding
  Timestamp first_seen = kNoTime;
  Timestamp last_seen = kNoTime;
  std::vector<EntityRef> tying;           // entities named by >= 2 of its findings (not super-nodes)
  bool Contains(const EntityRef& finding) const;
  Subgraph ToSubgraph() const;
};

struct FindingGroupsResult {
  std::vector<FindingGroup> groups;       // severity desc, then first seen; singletons included
  std::vector<EntityRef> super_nodes;     // shared entities kept out of the joining
  // The group holding `finding`, or nullptr.
  const FindingGroup* GroupOf(const EntityRef& finding) const;
  Subgraph ToSubgraph() const;
};

// "low" < 4 <= "medium" < 7 <= "high" < 9 <= "critical" (GuardDuty's bands).
std::string SeverityBand(double severity);

// Reads one finding. REQUIRES: `finding` is a stored finding (NotFound otherwise).
Result<FindingInfo> ReadFinding(const GraphReader& reader, const EntityRef& finding);

// Findings active in the window, by first seen then key.
Result<std::vector<FindingInfo>> ListFindings(const GraphReader& reader, const TimeWindow& window,
                                              size_t max_findings = 100000);

Result<FindingGroupsResult> FindingGroups(const GraphReader& reader, const FindingGroupOptions& options);

// The findings (other than `entity` itself) whose involves edges name `entity`.
Result<std::vector<EntityRef>> FindingsNaming(const GraphReader& reader, const EntityRef& entity, size_t limit = 1000);

}  // namespace gumshoe
