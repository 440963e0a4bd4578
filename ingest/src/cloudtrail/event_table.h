// The CloudTrail events the cloudtrail ingestor gives a specific meaning to.
// Every other event still yields the caller's identity, source IP, user agent,
// account and api_call edges. This table is the single list of handled event
// names (README shows the same list; tests check the table is consistent).
// Thread-safety: immutable data.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace gumshoe::ingest::cloudtrail {

enum class EventAction : uint8_t {
  kMintCredentials,      // STS: caller credential -minted-> ASIA key -credential_of-> session
  kCreateUser,           // caller -created-> iam_user
  kCreateAccessKey,      // caller -created-> key -credential_of-> owning user
  kLoginProfile,         // caller -modified-> iam_user (console password set/changed)
  kCreateRole,           // caller -created-> iam_role
  kModifyRole,           // caller -modified-> iam_role (trust policy)
  kUserPolicy,           // caller -modified-> iam_user (policy attach/put/delete/detach)
  kRolePolicy,           // caller -modified-> iam_role
  kGroupPolicy,          // caller -modified-> account (group policy; groups are not entities)
  kAddUserToGroup,       // caller -modified-> iam_user, counter group:<name>
  kDeleteAccessKey,      // caller -deleted-> access_key, status Deleted
  kUpdateAccessKey,      // caller -deleted-> key when made Inactive, -modified-> when Active
  kDeleteUser,           // caller -deleted-> iam_user
  kDeleteRole,           // caller -deleted-> iam_role
  kConsoleLogin,         // principal -console_login-> account (success/failure, MFA counters)
  kRunInstances,         // caller -launched-> each ec2_instance, interfaces and IPs
  kS3Read,               // caller -read-> s3_bucket, bytes_out/bytes_in counters
  kS3Write,              // caller -wrote-> s3_bucket
  kS3Exposure,           // caller -modified-> s3_bucket, tags exposure_change / public_*
  kRdsInstance,          // caller -created/modified-> rds_instance, publicly_accessible, password change
  kRdsSnapshot,          // caller -modified-> rds_instance (snapshot taken or copied)
  kRdsSnapshotShare,     // caller -modified-> each account the snapshot is shared with
  kDefenseEvasion,       // caller -modified-> account, tags defense_evasion
};

struct EventInfo {
  std::string_view name;    // eventName
  std::string_view source;  // eventSource it must come from
  EventAction action;
  std::string_view meaning; // one line for README/--help
};

// All handled events.
std::span<const EventInfo> HandledEvents();
// The entry for (eventSource, eventName), or nullptr when the event only gets
// the generic edges.
const EventInfo* LookupEvent(std::string_view event_source, std::string_view event_name);
std::string_view EventActionName(EventAction action);

}  // namespace gumshoe::ingest::cloudtrail
