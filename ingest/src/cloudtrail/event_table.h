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
  kDefenseEvasion,       // caller -modified-> account, tags defense_evasion; -disabled-> the trail,
                         //   flow log, detector or recorder (resources.h)
  // Resources (issue 22, handled in resources.cc). A failed call makes
  // caller -attempted-> resource instead of the edge named here.
  kSecretRead,           // caller -read-> secret
  kSecretWrite,          // caller -wrote-> secret
  kSecretCreate,         // caller -created-> secret
  kSecretDelete,         // caller -deleted-> secret
  kSecretPolicy,         // caller -modified-> secret; secret -shared_with-> accounts the policy names
  kParameterRead,        // caller -read-> ssm_parameter (counter decrypted when withDecryption)
  kParameterWrite,       // caller -wrote-> ssm_parameter
  kParameterDelete,      // caller -deleted-> ssm_parameter
  kKmsUse,               // caller -used_key-> kms_key
  kKmsGrant,             // caller -modified-> kms_key -granted_to-> grantee
  kKmsPolicy,            // caller -modified-> kms_key; -shared_with-> accounts the policy names
  kKmsDisable,           // caller -disabled-> kms_key (and defense_evasion as kDefenseEvasion)
  kLambdaCreate,         // caller -created-> lambda_function -runs_as-> role
  kLambdaCode,           // caller -code_changed-> lambda_function
  kLambdaPermission,     // caller -modified-> lambda_function; -shared_with-> principal's account
  kLambdaInvoke,         // caller -invoked-> lambda_function
  kLambdaDelete,         // caller -deleted-> lambda_function
  kSgOpen,               // caller -modified-> security_group -opened_to-> ip_network
  kSgClose,              // caller -modified-> security_group -closed_to-> ip_network
  kSgCreate,             // caller -created-> security_group
  kSgDelete,             // caller -deleted-> security_group
  kEbsSnapshotCreate,    // caller -created-> ebs_snapshot
  kEbsSnapshotShare,     // caller -modified-> ebs_snapshot -shared_with/unshared-> account
  kAmiCreate,            // caller -created-> ami
  kAmiShare,             // caller -modified-> ami -shared_with/unshared-> account
  kRdsSnapshotDelete,    // caller -deleted-> rds_snapshot
  kLoggingRestored,      // caller -enabled-> trail / recorder (end of an evidence gap)
  kSsmSendCommand,       // caller -created-> ssm_command -executed_on-> each instance
  kSsmStartSession,      // caller -executed_on-> instance
  kEcsRunTask,           // caller -ran-> ecs_task -runs_as-> task role
  kEcrPull,              // caller -pulled-> ecr_repository
  kEcrPush,              // caller -pushed-> ecr_repository
};

struct EventInfo {
  std::string_view name;    // eventName
  std::string_view source;  // eventSource it must come from
  EventAction action;
  std::string_view meaning; // one line for README/--help
  std::string_view kind = {};  // resource kind the event is about (resource rows; README table)
  std::string_view edge = {};  // edge(s) it makes, as "created" or "modified+shared_with"
};

// All handled events, sorted by (name, source).
std::span<const EventInfo> HandledEvents();
// The entry for (eventSource, eventName), or nullptr when the event only gets
// the generic edges (and the generic resources, resources.h). Binary search.
const EventInfo* LookupEvent(std::string_view event_source, std::string_view event_name);
std::string_view EventActionName(EventAction action);

}  // namespace gumshoe::ingest::cloudtrail
