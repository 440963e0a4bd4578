// Investigate: everything a responder needs about one finding (or entity), in
// one result: the finding, the entities involved, the lineage of each
// credential involved, the blast radius, indicators of the principals
// involved, related findings and the finding's group, and a response
// checklist derived from that evidence.
//
// Checklist rules (each item cites the entities and the evidence behind it):
//   disable_key      every long-term (AKIA) key involved, on a lineage chain,
//                    of a lineage root user, or reached: "disable access key X
//                    of U (created by Y at T)"
//   revoke_sessions  every role session / temporary key involved or reached:
//                    revoke the role's sessions issued before now
//   delete_user      IAM users created by the attacker (reached via created,
//                    or on a lineage chain and created in the window)
//   isolate_instance every EC2 instance involved or reached
//   check_regions    per launching principal: "instances launched by P exist
//                    in r1, r2, r3: check every region"
//   rotate_db_user   DB users involved or reached
//   review_bucket    buckets read or written from the foothold
//   revert_change    entities whose permissions/config were modified
//   review_attempts  per principal with attempts in the blast radius (calls
//                    whose observations all failed, edge_text.h): "review the
//                    failed calls of P (they changed nothing): denied: ..."
//   block_ip         involved IPs that are flagged (Tor / threat lists) or public footholds
// From a resource (a bucket, a DB, an instance: Investigation::touches set),
// the only rule is
//   review_access    per actor that touched it in the window: review that
//                    access; its credentials are not declared compromised
// Attempts never feed the other rules: a failed CreateUser deletes no user, a
// denied StopLogging reverts no change, a failed RunInstances isolates nothing.
// Thread-safety: Investigate() only reads; results are plain values.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gumshoe/blast_radius.h"
#include "gumshoe/exposures.h"
#include "gumshoe/finding_groups.h"
#include "gumshoe/indicators.h"
#include "gumshoe/lineage.h"
#include "gumshoe/model.h"
#include "gumshoe/resource_touch.h"
#include "gumshoe/scope.h"
#include "gumshoe/status.h"
#include "gumshoe/store.h"
#include "gumshoe/subgraph.h"

namespace gumshoe {

struct InvestigateOptions {
  TimeWindow window;                  // sides left kNoTime are filled by ScopeWindow
  ScopeOptions scope;
  BlastRadiusOptions blast;           // window/scope replaced by the ones above
  IndicatorOptions indicators;        // window/scope replaced by the ones above
  LineageOptions lineage;
  FindingGroupOptions groups;         // window: the investigation window widened by join_window
  size_t max_lineages = 16;           // credentials whose lineage is walked
  size_t max_indicator_principals = 8;
};

struct InvolvedEntity {
  Entity entity;
  bool foothold = false;
};

struct CredentialLineage {
  EntityRef credential;
  std::optional<LineageResult> lineage;  // absent when the walk failed (error says why)
  std::string error;
};

struct ResponseAction {
  std::string action;                 // disable_key, revoke_sessions, ... (see above)
  std::string text;                   // one line for people (log-derived: escape when printing)
  std::vector<EntityRef> entities;
  std::string evidence;
  Timestamp time = kNoTime;
};

struct Investigation {
  EntityRef start;
  std::optional<FindingInfo> finding;         // when started from a finding
  TimeWindow window;
  std::vector<InvolvedEntity> involved;       // footholds first
  std::vector<CredentialLineage> lineages;
  BlastRadiusResult blast;
  ExposureReport exposures;                   // resources the blast radius's actors exposed (exposures.h)
  std::vector<IndicatorsResult> indicators;   // principals involved, foothold principals, lineage roots
  std::optional<FindingGroup> group;          // the finding's group (or the start's findings' group)
  std::vector<FindingInfo> related;           // other findings naming the involved entities or in the group
  std::vector<ResponseAction> checklist;
  // Started from a resource (IsResourceKind): who touched it in the window;
  // their credentials are involved (not footholds) and get a lineage.
  std::optional<ResourceTouches> touches;

  Subgraph ToSubgraph() const;
  // A readable report; `escape` makes log-derived text safe for the output.
  std::string ToText(const std::function<std::string(std::string_view)>& escape) const;
};

// REQUIRES: `start` is stored (NotFound otherwise). A finding is the usual
// start; any entity works (its involved entities are itself).
Result<Investigation> Investigate(const GraphReader& reader, const EntityRef& start, const InvestigateOptions& options);

// The checklist rules above, applied to an investigation's evidence.
Result<std::vector<ResponseAction>> BuildChecklist(const GraphReader& reader, const Investigation& inv);

}  // namespace gumshoe
