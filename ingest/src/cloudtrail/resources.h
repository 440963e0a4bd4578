// Resources a CloudTrail call touches (issue 22): secrets, SSM parameters, KMS
// keys, Lambda functions, security groups, snapshots, AMIs, trails, flow logs,
// detectors, recorders, SSM commands, ECS tasks, ECR repositories, and any
// other resource with an ARN (aws_resource).
//
// Rules every handler here follows:
//   - a call that failed (errorCode) makes  actor -attempted-> resource  with
//     op:<eventName> and error:<code> counters, never the edge that says what
//     a successful call did: an attempt reaches nothing;
//   - shares (snapshot, AMI, bucket / secret / key / function policy) make
//     resource -shared_with-> account (account "all": public) on add, and
//     resource -unshared-> account on remove, each with its own time and event;
//     an account other than the one the record is in is tagged "external";
//   - events outside the event table still name their resources: every
//     resources[] entry and every known request parameter (KnownParameters())
//     becomes an entity with an edge from the actor whose kind comes from the
//     API verb (GenericEdgeKind).
// Thread-safety: stateless functions.
#pragma once

#include <optional>
#include <span>
#include <string_view>

#include "cloudtrail/event_table.h"
#include "gumshoe/delta.h"
#include "gumshoe/model.h"
#include "ingestor.h"
#include "json_util.h"

namespace gumshoe::ingest::cloudtrail {

// What a handler needs of the record being ingested (filled by cloudtrail.cc).
struct Call {
  const JsonValue& record;
  RecordContext& ctx;
  GraphDelta& delta;
  Timestamp time = kNoTime;
  std::string_view evidence;            // "cloudtrail:<eventID>"
  int outcome = 1;                      // +1 succeeded, -1 errorCode present
  std::string_view name;                // eventName
  std::string_view source;              // eventSource
  std::string_view region;
  std::string_view account;             // recipientAccountId, else the caller's account
  const EntityRef& actor;
};

// True for the actions resources.cc handles on its own.
bool IsResourceAction(EventAction action);
// The resource actions (IsResourceAction).
void HandleResourceEvent(const Call& call, EventAction action);
// Extra edges for actions cloudtrail.cc handles: the trail / flow log /
// detector / recorder of a defense-evasion event, the snapshot of
// kRdsSnapshot, the principals of a bucket policy or ACL (kS3Exposure).
void AfterTableEvent(const Call& call, EventAction action);
// Events outside the table: resources[] and known request parameters.
void GenericResources(const Call& call);
// RunInstances: security_group -guards-> instance for each group of `item`.
void InstanceSecurityGroups(const Call& call, const JsonValue& item, const EntityRef& instance);

// The edge the generic path gives a call by its verb, for a target of `kind`:
// read (Get*, BatchGet*, Decrypt, Scan, Query, Download*, Select*), described
// (Describe*, List*, Head*, Lookup*, Search*, Get*Policy/Acl/Status/...), deleted
// (Delete*, Terminate*, Remove*, Deregister*, Cancel*), modified (names with
// Policy, Permission, Attribute, Share, Grant, Acl; any write on an IAM, EC2,
// RDS or S3 entity), else wrote.
EdgeKind GenericEdgeKind(std::string_view event_name, EntityKind kind);
// The first-class entity an ARN names (arn:aws:secretsmanager:... -> secret,
// arn:aws:ec2:...:security-group/sg-1 -> security_group sg-1, ...), else
// aws_resource keyed by the ARN. nullopt when the key is not valid.
std::optional<EntityRef> RefFromArn(std::string_view arn);

// A request parameter the generic path reads a resource from, by its name.
struct KnownParameter {
  std::string_view name;
  EntityKind kind;
};
// Sorted by name.
std::span<const KnownParameter> KnownParameters();

}  // namespace gumshoe::ingest::cloudtrail
