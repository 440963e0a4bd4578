#include "cloudtrail/event_table.h"

#include <array>

namespace gumshoe::ingest::cloudtrail {
namespace {

using A = EventAction;
constexpr std::string_view kSts = "sts.amazonaws.com";
constexpr std::string_view kIam = "iam.amazonaws.com";
constexpr std::string_view kSignin = "signin.amazonaws.com";
constexpr std::string_view kEc2 = "ec2.amazonaws.com";
constexpr std::string_view kS3 = "s3.amazonaws.com";
constexpr std::string_view kRds = "rds.amazonaws.com";
constexpr std::string_view kTrail = "cloudtrail.amazonaws.com";
constexpr std::string_view kGuardDuty = "guardduty.amazonaws.com";
constexpr std::string_view kConfig = "config.amazonaws.com";
constexpr std::string_view kS3Control = "s3-control.amazonaws.com";

// One entry per (eventName, eventSource); LookupEvent scans it (84 short
// string compares, cheaper than hashing for a table this size).
constexpr std::array<EventInfo, 84> kEvents = {{
    {"AbortMultipartUpload", kS3, A::kS3Write, "object upload aborted in the bucket"},
    {"AddUserToGroup", kIam, A::kAddUserToGroup, "user added to a group (gains its policies)"},
    {"AssumeRole", kSts, A::kMintCredentials, "temporary key minted for a role session"},
    {"AssumeRoleWithSAML", kSts, A::kMintCredentials, "role session minted for a SAML-federated user"},
    {"AssumeRoleWithWebIdentity", kSts, A::kMintCredentials, "role session minted for an OIDC identity"},
    {"AttachGroupPolicy", kIam, A::kGroupPolicy, "managed policy attached to a group"},
    {"AttachRolePolicy", kIam, A::kRolePolicy, "managed policy attached to a role"},
    {"AttachUserPolicy", kIam, A::kUserPolicy, "managed policy attached to a user"},
    {"CompleteMultipartUpload", kS3, A::kS3Write, "object written to the bucket"},
    {"ConsoleLogin", kSignin, A::kConsoleLogin, "console sign-in (success/failure, MFA used)"},
    {"CopyDBClusterSnapshot", kRds, A::kRdsSnapshot, "DB cluster snapshot copied"},
    {"CopyDBSnapshot", kRds, A::kRdsSnapshot, "DB snapshot copied"},
    {"CopyObject", kS3, A::kS3Write, "object copied into the bucket"},
    {"CreateAccessKey", kIam, A::kCreateAccessKey, "long-term access key created for a user"},
    {"CreateDBCluster", kRds, A::kRdsInstance, "DB cluster created"},
    {"CreateDBClusterSnapshot", kRds, A::kRdsSnapshot, "DB cluster snapshot taken"},
    {"CreateDBInstance", kRds, A::kRdsInstance, "DB instance created (publiclyAccessible kept)"},
    {"CreateDBSnapshot", kRds, A::kRdsSnapshot, "DB snapshot taken"},
    {"CreateLoginProfile", kIam, A::kLoginProfile, "console password set for a user"},
    {"CreateRole", kIam, A::kCreateRole, "role created"},
    {"CreateUser", kIam, A::kCreateUser, "IAM user created"},
    {"DeleteAccessKey", kIam, A::kDeleteAccessKey, "access key deleted"},
    {"DeleteAccountPublicAccessBlock", kS3Control, A::kS3Exposure, "account-wide S3 public access block removed"},
    {"DeleteBucketPolicy", kS3, A::kS3Exposure, "bucket policy removed"},
    {"DeleteBucketPublicAccessBlock", kS3, A::kS3Exposure, "bucket public access block removed"},
    {"DeleteConfigurationRecorder", kConfig, A::kDefenseEvasion, "AWS Config recorder deleted"},
    {"DeleteDetector", kGuardDuty, A::kDefenseEvasion, "GuardDuty detector deleted"},
    {"DeleteFlowLogs", kEc2, A::kDefenseEvasion, "VPC flow logs deleted"},
    {"DeleteGroupPolicy", kIam, A::kGroupPolicy, "inline group policy deleted"},
    {"DeleteLoginProfile", kIam, A::kLoginProfile, "console password removed"},
    {"DeleteObject", kS3, A::kS3Write, "object deleted from the bucket"},
    {"DeleteObjects", kS3, A::kS3Write, "objects deleted from the bucket"},
    {"DeletePublicAccessBlock", kS3, A::kS3Exposure, "bucket public access block removed"},
    {"DeleteRole", kIam, A::kDeleteRole, "role deleted"},
    {"DeleteRolePolicy", kIam, A::kRolePolicy, "inline role policy deleted"},
    {"DeleteTrail", kTrail, A::kDefenseEvasion, "CloudTrail trail deleted"},
    {"DeleteUser", kIam, A::kDeleteUser, "IAM user deleted"},
    {"DeleteUserPolicy", kIam, A::kUserPolicy, "inline user policy deleted"},
    {"DetachGroupPolicy", kIam, A::kGroupPolicy, "managed policy detached from a group"},
    {"DetachRolePolicy", kIam, A::kRolePolicy, "managed policy detached from a role"},
    {"DetachUserPolicy", kIam, A::kUserPolicy, "managed policy detached from a user"},
    {"DisableKey", "kms.amazonaws.com", A::kDefenseEvasion, "KMS key disabled"},
    {"GetFederationToken", kSts, A::kMintCredentials, "federated-user key minted"},
    {"GetObject", kS3, A::kS3Read, "object read from the bucket (bytes out)"},
    {"GetObjectAcl", kS3, A::kS3Read, "object ACL read"},
    {"GetObjectAttributes", kS3, A::kS3Read, "object attributes read"},
    {"GetObjectTagging", kS3, A::kS3Read, "object tags read"},
    {"GetSessionToken", kSts, A::kMintCredentials, "session key minted for a user"},
    {"HeadObject", kS3, A::kS3Read, "object metadata read"},
    {"ListObjectVersions", kS3, A::kS3Read, "bucket versions listed"},
    {"ListObjects", kS3, A::kS3Read, "bucket listed"},
    {"ListObjectsV2", kS3, A::kS3Read, "bucket listed"},
    {"ModifyDBCluster", kRds, A::kRdsInstance, "DB cluster modified"},
    {"ModifyDBClusterSnapshotAttribute", kRds, A::kRdsSnapshotShare, "DB cluster snapshot shared/unshared"},
    {"ModifyDBInstance", kRds, A::kRdsInstance, "DB instance modified (public flag, master password)"},
    {"ModifyDBSnapshotAttribute", kRds, A::kRdsSnapshotShare, "DB snapshot shared/unshared"},
    {"PutAccountPublicAccessBlock", kS3Control, A::kS3Exposure, "account-wide S3 public access block changed"},
    {"PutBucketAcl", kS3, A::kS3Exposure, "bucket ACL changed (public grants tagged)"},
    {"PutBucketPolicy", kS3, A::kS3Exposure, "bucket policy changed (Principal * tagged)"},
    {"PutBucketPublicAccessBlock", kS3, A::kS3Exposure, "bucket public access block changed"},
    {"PutBucketWebsite", kS3, A::kS3Exposure, "bucket website hosting enabled"},
    {"PutEventSelectors", kTrail, A::kDefenseEvasion, "trail event selectors changed"},
    {"PutGroupPolicy", kIam, A::kGroupPolicy, "inline group policy put"},
    {"PutObject", kS3, A::kS3Write, "object written to the bucket (bytes in)"},
    {"PutObjectAcl", kS3, A::kS3Exposure, "object ACL changed"},
    {"PutPublicAccessBlock", kS3, A::kS3Exposure, "bucket public access block changed"},
    {"PutRolePolicy", kIam, A::kRolePolicy, "inline role policy put"},
    {"PutUserPolicy", kIam, A::kUserPolicy, "inline user policy put"},
    {"RestoreDBInstanceFromDBSnapshot", kRds, A::kRdsInstance, "DB instance restored from a snapshot"},
    {"RestoreObject", kS3, A::kS3Write, "archived object restored"},
    {"RunInstances", kEc2, A::kRunInstances, "EC2 instances launched (profile, interfaces, IPs)"},
    {"ScheduleKeyDeletion", "kms.amazonaws.com", A::kDefenseEvasion, "KMS key deletion scheduled"},
    {"SelectObjectContent", kS3, A::kS3Read, "object queried with S3 Select"},
    {"StopConfigurationRecorder", kConfig, A::kDefenseEvasion, "AWS Config recorder stopped"},
    {"StopLogging", kTrail, A::kDefenseEvasion, "CloudTrail logging stopped"},
    {"UpdateAccessKey", kIam, A::kUpdateAccessKey, "access key activated or deactivated"},
    {"UpdateAssumeRolePolicy", kIam, A::kModifyRole, "role trust policy changed"},
    {"UpdateDetector", kGuardDuty, A::kDefenseEvasion, "GuardDuty detector changed (e.g. disabled)"},
    {"UpdateLoginProfile", kIam, A::kLoginProfile, "console password changed"},
    {"UpdateTrail", kTrail, A::kDefenseEvasion, "trail configuration changed"},
    {"UploadPart", kS3, A::kS3Write, "object part written to the bucket"},
    {"UploadPartCopy", kS3, A::kS3Write, "object part copied into the bucket"},
    {"DeleteBucket", kS3, A::kS3Write, "bucket deleted"},
    {"PutBucketVersioning", kS3, A::kS3Exposure, "bucket versioning changed"},
}};

}  // namespace

std::span<const EventInfo> HandledEvents() { return kEvents; }

const EventInfo* LookupEvent(std::string_view event_source, std::string_view event_name) {
  for (const EventInfo& e : kEvents) {
    if (e.name == event_name && e.source == event_source) return &e;
  }
  return nullptr;
}

std::string_view EventActionName(EventAction action) {
  switch (action) {
    case A::kMintCredentials: return "credential_minting";
    case A::kCreateUser: return "create_user";
    case A::kCreateAccessKey: return "create_access_key";
    case A::kLoginProfile: return "login_profile";
    case A::kCreateRole: return "create_role";
    case A::kModifyRole: return "modify_role";
    case A::kUserPolicy: return "user_policy";
    case A::kRolePolicy: return "role_policy";
    case A::kGroupPolicy: return "group_policy";
    case A::kAddUserToGroup: return "add_user_to_group";
    case A::kDeleteAccessKey: return "delete_access_key";
    case A::kUpdateAccessKey: return "update_access_key";
    case A::kDeleteUser: return "delete_user";
    case A::kDeleteRole: return "delete_role";
    case A::kConsoleLogin: return "console_login";
    case A::kRunInstances: return "run_instances";
    case A::kS3Read: return "s3_read";
    case A::kS3Write: return "s3_write";
    case A::kS3Exposure: return "s3_exposure";
    case A::kRdsInstance: return "rds_instance";
    case A::kRdsSnapshot: return "rds_snapshot";
    case A::kRdsSnapshotShare: return "rds_snapshot_share";
    case A::kDefenseEvasion: return "defense_evasion";
  }
  return "unknown";
}

}  // namespace gumshoe::ingest::cloudtrail
