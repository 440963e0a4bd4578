// Exposures: what the actors of an investigation did to resources that a
// responder must act on (issue 22): secrets and SSM parameters read, shares
// of snapshots / AMIs / buckets / secrets / keys / functions with outside
// accounts or the public, security-group rules opened, Lambda functions
// created or changed, trails / flow logs / detectors / recorders stopped (the
// evidence gap, from when to when), SSM commands and sessions run on
// instances, KMS keys disabled, images pushed, tasks run.
//
// Rule: only successful calls expose anything. The ingestor records a failed
// call as actor -attempted-> resource, never as the edge of the change; those
// are listed apart as "denied" and never counted, ranked or put on the
// checklist.
//
// Each exposure cites the event that made it. A share that a later event
// removed, a rule later revoked, a gap later closed is still listed (the
// resource was exposed in between) but gets no revoke/restore action.
// Thread-safety: CollectExposures only reads; results are plain values.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "gumshoe/blast_radius.h"
#include "gumshoe/model.h"
#include "gumshoe/status.h"
#include "gumshoe/store.h"

namespace gumshoe {

struct ResponseAction;

struct Exposure {
  // secret_read, parameter_read, share, rule_opened, function_created,
  // code_changed, evidence_gap, command_run, session_opened, key_disabled,
  // image_pushed, task_ran
  std::string category;
  EntityRef resource;
  EntityRef actor;
  EntityRef target;              // account shared with, network opened to, instance run on (else empty key)
  std::vector<EntityRef> instances;  // command_run: where it ran
  std::string detail;            // "22/tcp", "public", "decrypted", ...
  bool outside = false;          // share: with an account other than the resource's own, or public
  bool still_open = true;        // share not removed, rule not revoked, gap not closed (as far as the logs show)
  Timestamp time = kNoTime;      // when it happened (gap: its start)
  Timestamp until = kNoTime;     // removal / revocation / restart time, when seen
  std::string evidence;          // event of the exposure
  std::string until_evidence;    // event that ended it
  double score = 0;
};

struct DeniedCall {
  EntityRef actor;
  EntityRef resource;
  std::string ops;               // "GetSecretValue x2, DeleteSecret x1"
  uint64_t count = 0;
  std::string evidence;          // the last failed call
  Timestamp time = kNoTime;
};

struct ExposureReport {
  std::vector<Exposure> items;   // by score desc, then time, then resource
  std::vector<DeniedCall> denied;
  std::string summary;           // "20 secrets read, 3 snapshots shared with 2 outside accounts, ..."
};

// Kinds exposures are about (checklist rules elsewhere skip them).
bool IsExposureKind(EntityKind kind);
// Resource kinds the blast radius does not walk on from (all but ssm_command).
bool IsResourceLeafKind(EntityKind kind);
// Blast weight of the resource edge kinds (0 for other kinds).
double ResourceEdgeWeight(EdgeKind kind);
// The reach rules for resource edges, appended to DefaultBlastRules.
std::vector<BlastRule> ResourceBlastRules();

// Exposures made by `actors` (principals, sessions, keys' owners) in `window`.
Result<ExposureReport> CollectExposures(const GraphReader& reader, const std::vector<EntityRef>& actors,
                                        const TimeWindow& window);
// The actors of a blast radius: its nodes that make calls (users, sessions,
// roles, federated users, accounts acting as principals).
std::vector<EntityRef> ExposureActors(const BlastRadiusResult& blast);
// One checklist action per open exposure (rotate_secret, revoke_share,
// revoke_rule, remove_function, review_code_change, restore_logging,
// review_command, enable_key, review_image), each with its event.
void AppendExposureActions(const ExposureReport& report, std::vector<ResponseAction>* out);
// The EXPOSURES section of the investigation text.
std::string ExposuresText(const ExposureReport& report, const std::function<std::string(std::string_view)>& esc);

}  // namespace gumshoe
