// Resource touches: who touched a resource (an S3 bucket, an RDS instance, an
// EC2 instance, a Lambda function, an EKS cluster, and the resources of
// CloudTrail's event table: secret, SSM parameter, KMS key, security group,
// EBS/RDS snapshot, AMI, trail, flow log, detector, recorder, ECS task, ECR
// repository, any other aws_resource) in a window, when, from where and with
// which credential. What timeline, investigate and
// blast-radius answer when they start from a resource rather than a
// credential.
//
// Touches are the resource's in-edges of the kinds below, with activity in
// the window (structural edges: existing by the window's end):
//   read, wrote, modified, created, deleted, launched,  principal/session/IP -> resource
//   code_changed, invoked, used_key, disabled, enabled,
//   ran, pulled, pushed
//   attempted                                            the same, calls that all failed
//                                                        (always attempt_only)
//   db_user_of                                           db_user -> rds_instance
//   session_on_instance                                  role_session -> ec2_instance
// For each touching actor:
//   from        the IPs / services of the actor's called_from edges with an
//               observation in an hour the touch has one in (for a DB user:
//               the IPs whose db_login to it succeeded in the window; an IP
//               actor is its own source)
//   credentials the keys of the actor's authenticated_with edges with an
//               observation in those hours (a DB user is its own credential)
// Hour-level pairing: "from" and "credentials" say what the actor used in the
// hours it touched the resource, not proof per request; a touch whose
// observations all failed is marked attempt_only (an attempt reaches nothing).
// Thread-safety: only reads; results are plain values.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "gumshoe/model.h"
#include "gumshoe/status.h"
#include "gumshoe/store.h"

namespace gumshoe {

// Kinds a query can start from as a resource.
bool IsResourceKind(EntityKind kind);

struct ResourceTouch {
  EntityRef actor;
  EdgeKind edge = EdgeKind::kRead;
  uint64_t window_count = 0;         // observations in the window
  uint64_t success = 0;              // edge totals
  uint64_t failure = 0;
  bool attempt_only = false;         // every observation failed
  Timestamp first_seen = kNoTime;    // the edge's first/last observation (totals)
  Timestamp last_seen = kNoTime;
  // First and last observation inside the window: exact when the edge's own
  // first/last lie in it, else the start of the first / last active hour in
  // it (the *_exact flags say which).
  Timestamp window_first = kNoTime;
  Timestamp window_last = kNoTime;
  bool window_first_exact = false;
  bool window_last_exact = false;
  std::string first_evidence;
  std::string last_evidence;
  std::vector<EntityRef> from;       // sorted, at most ResourceTouchOptions::max_each
  std::vector<EntityRef> credentials;
};

struct ResourceTouchOptions {
  size_t max_actors = 64;            // touches kept, most active first
  size_t max_each = 8;               // sources / credentials per touch
};

struct ResourceTouches {
  EntityRef resource;
  TimeWindow window;
  std::vector<ResourceTouch> touches;  // window_count desc, then actor, then edge kind
  size_t omitted = 0;                  // touches past max_actors
  // The distinct credentials of the touches that succeeded (keys, sessions,
  // DB users, principals), for their lineage.
  std::vector<EntityRef> Credentials() const;
  // One line per touch, indented by `indent`: "role_session:… read x1 in the
  // window at 2026-…Z from 212.129.81.36 with access_key:ASIA…
  // [cloudtrail:…]"; an attempt reads "attempted read x1 in the window (all
  // failed)"; an hour-precision time reads "in the hour from 2026-…:00:00Z". `escape` makes
  // log-derived text safe for the output.
  std::string ToText(const std::function<std::string(std::string_view)>& escape, const std::string& indent) const;
};

// REQUIRES: `resource` is stored (NotFound otherwise).
Result<ResourceTouches> TouchesOf(const GraphReader& reader, const EntityRef& resource, const TimeWindow& window,
                                  const ResourceTouchOptions& options = {});

}  // namespace gumshoe
