#include "cloudtrail/event_table.h"

#include <algorithm>
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
constexpr std::string_view kSecrets = "secretsmanager.amazonaws.com";
constexpr std::string_view kSsm = "ssm.amazonaws.com";
constexpr std::string_view kKms = "kms.amazonaws.com";
constexpr std::string_view kLambda = "lambda.amazonaws.com";
constexpr std::string_view kEcs = "ecs.amazonaws.com";
constexpr std::string_view kEcr = "ecr.amazonaws.com";

// One entry per (eventName, eventSource), in any order: kSorted below is the
// table sorted by (name, source), which LookupEvent binary-searches.
constexpr EventInfo kEvents[] = {
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
    {"CopyDBClusterSnapshot", kRds, A::kRdsSnapshot, "DB cluster snapshot copied", "rds_snapshot", "created"},
    {"CopyDBSnapshot", kRds, A::kRdsSnapshot, "DB snapshot copied", "rds_snapshot", "created"},
    {"CopyObject", kS3, A::kS3Write, "object copied into the bucket"},
    {"CreateAccessKey", kIam, A::kCreateAccessKey, "long-term access key created for a user"},
    {"CreateDBCluster", kRds, A::kRdsInstance, "DB cluster created"},
    {"CreateDBClusterSnapshot", kRds, A::kRdsSnapshot, "DB cluster snapshot taken", "rds_snapshot", "created"},
    {"CreateDBInstance", kRds, A::kRdsInstance, "DB instance created (publiclyAccessible kept)"},
    {"CreateDBSnapshot", kRds, A::kRdsSnapshot, "DB snapshot taken", "rds_snapshot", "created"},
    {"CreateLoginProfile", kIam, A::kLoginProfile, "console password set for a user"},
    {"CreateRole", kIam, A::kCreateRole, "role created"},
    {"CreateUser", kIam, A::kCreateUser, "IAM user created"},
    {"DeleteAccessKey", kIam, A::kDeleteAccessKey, "access key deleted"},
    {"DeleteAccountPublicAccessBlock", kS3Control, A::kS3Exposure, "account-wide S3 public access block removed"},
    {"DeleteBucketPolicy", kS3, A::kS3Exposure, "bucket policy removed"},
    {"DeleteBucketPublicAccessBlock", kS3, A::kS3Exposure, "bucket public access block removed"},
    {"DeleteConfigurationRecorder", kConfig, A::kDefenseEvasion, "AWS Config recorder deleted", "config_recorder", "disabled"},
    {"DeleteDetector", kGuardDuty, A::kDefenseEvasion, "GuardDuty detector deleted", "guardduty_detector", "disabled"},
    {"DeleteFlowLogs", kEc2, A::kDefenseEvasion, "VPC flow logs deleted", "flow_log", "disabled"},
    {"DeleteGroupPolicy", kIam, A::kGroupPolicy, "inline group policy deleted"},
    {"DeleteLoginProfile", kIam, A::kLoginProfile, "console password removed"},
    {"DeleteObject", kS3, A::kS3Write, "object deleted from the bucket"},
    {"DeleteObjects", kS3, A::kS3Write, "objects deleted from the bucket"},
    {"DeletePublicAccessBlock", kS3, A::kS3Exposure, "bucket public access block removed"},
    {"DeleteRole", kIam, A::kDeleteRole, "role deleted"},
    {"DeleteRolePolicy", kIam, A::kRolePolicy, "inline role policy deleted"},
    {"DeleteTrail", kTrail, A::kDefenseEvasion, "CloudTrail trail deleted", "cloudtrail_trail", "disabled"},
    {"DeleteUser", kIam, A::kDeleteUser, "IAM user deleted"},
    {"DeleteUserPolicy", kIam, A::kUserPolicy, "inline user policy deleted"},
    {"DetachGroupPolicy", kIam, A::kGroupPolicy, "managed policy detached from a group"},
    {"DetachRolePolicy", kIam, A::kRolePolicy, "managed policy detached from a role"},
    {"DetachUserPolicy", kIam, A::kUserPolicy, "managed policy detached from a user"},
    {"DisableKey", kKms, A::kKmsDisable, "KMS key disabled (data under it unreadable)", "kms_key", "disabled"},
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
    {"ModifyDBClusterSnapshotAttribute", kRds, A::kRdsSnapshotShare, "DB cluster snapshot shared/unshared (valuesToAdd/valuesToRemove; all: public)", "rds_snapshot", "modified+shared_with/unshared"},
    {"ModifyDBInstance", kRds, A::kRdsInstance, "DB instance modified (public flag, master password)"},
    {"ModifyDBSnapshotAttribute", kRds, A::kRdsSnapshotShare, "DB snapshot shared/unshared (valuesToAdd/valuesToRemove; all: public)", "rds_snapshot", "modified+shared_with/unshared"},
    {"PutAccountPublicAccessBlock", kS3Control, A::kS3Exposure, "account-wide S3 public access block changed"},
    {"PutBucketAcl", kS3, A::kS3Exposure, "bucket ACL changed (public grants tagged)", "s3_bucket", "modified+shared_with"},
    {"PutBucketPolicy", kS3, A::kS3Exposure, "bucket policy changed (Principal * tagged)", "s3_bucket", "modified+shared_with"},
    {"PutBucketPublicAccessBlock", kS3, A::kS3Exposure, "bucket public access block changed"},
    {"PutBucketWebsite", kS3, A::kS3Exposure, "bucket website hosting enabled"},
    {"PutEventSelectors", kTrail, A::kDefenseEvasion, "trail event selectors changed", "cloudtrail_trail", "disabled"},
    {"PutGroupPolicy", kIam, A::kGroupPolicy, "inline group policy put"},
    {"PutObject", kS3, A::kS3Write, "object written to the bucket (bytes in)"},
    {"PutObjectAcl", kS3, A::kS3Exposure, "object ACL changed", "s3_bucket", "modified+shared_with"},
    {"PutPublicAccessBlock", kS3, A::kS3Exposure, "bucket public access block changed"},
    {"PutRolePolicy", kIam, A::kRolePolicy, "inline role policy put"},
    {"PutUserPolicy", kIam, A::kUserPolicy, "inline user policy put"},
    {"RestoreDBInstanceFromDBSnapshot", kRds, A::kRdsInstance, "DB instance restored from a snapshot"},
    {"RestoreObject", kS3, A::kS3Write, "archived object restored"},
    {"RunInstances", kEc2, A::kRunInstances, "EC2 instances launched (profile, interfaces, IPs)"},
    {"ScheduleKeyDeletion", kKms, A::kKmsDisable, "KMS key deletion scheduled", "kms_key", "disabled"},
    {"SelectObjectContent", kS3, A::kS3Read, "object queried with S3 Select"},
    {"StopConfigurationRecorder", kConfig, A::kDefenseEvasion, "AWS Config recorder stopped", "config_recorder", "disabled"},
    {"StopLogging", kTrail, A::kDefenseEvasion, "CloudTrail logging stopped", "cloudtrail_trail", "disabled"},
    {"UpdateAccessKey", kIam, A::kUpdateAccessKey, "access key activated or deactivated"},
    {"UpdateAssumeRolePolicy", kIam, A::kModifyRole, "role trust policy changed"},
    {"UpdateDetector", kGuardDuty, A::kDefenseEvasion, "GuardDuty detector changed (e.g. disabled)", "guardduty_detector", "disabled"},
    {"UpdateLoginProfile", kIam, A::kLoginProfile, "console password changed"},
    {"UpdateTrail", kTrail, A::kDefenseEvasion, "trail configuration changed", "cloudtrail_trail", "disabled"},
    {"UploadPart", kS3, A::kS3Write, "object part written to the bucket"},
    {"UploadPartCopy", kS3, A::kS3Write, "object part copied into the bucket"},
    {"DeleteBucket", kS3, A::kS3Write, "bucket deleted"},
    {"PutBucketVersioning", kS3, A::kS3Exposure, "bucket versioning changed"},
    // Resources (issue 22).
    {"GetSecretValue", kSecrets, A::kSecretRead, "secret value read: rotate it", "secret", "read"},
    {"BatchGetSecretValue", kSecrets, A::kSecretRead, "secret values read in bulk (secretIdList, or the filters' matches)", "secret", "read"},
    {"PutSecretValue", kSecrets, A::kSecretWrite, "new secret value stored", "secret", "wrote"},
    {"UpdateSecret", kSecrets, A::kSecretWrite, "secret value or settings changed", "secret", "wrote"},
    {"CreateSecret", kSecrets, A::kSecretCreate, "secret created", "secret", "created"},
    {"DeleteSecret", kSecrets, A::kSecretDelete, "secret deleted (or scheduled)", "secret", "deleted"},
    {"PutResourcePolicy", kSecrets, A::kSecretPolicy, "secret resource policy set (Principal *: public)", "secret", "modified+shared_with"},
    {"GetParameter", kSsm, A::kParameterRead, "SSM parameter read (decrypted with withDecryption)", "ssm_parameter", "read"},
    {"GetParameters", kSsm, A::kParameterRead, "SSM parameters read (decrypted with withDecryption)", "ssm_parameter", "read"},
    {"GetParametersByPath", kSsm, A::kParameterRead, "SSM parameters under a path read", "ssm_parameter", "read"},
    {"PutParameter", kSsm, A::kParameterWrite, "SSM parameter written", "ssm_parameter", "wrote"},
    {"DeleteParameter", kSsm, A::kParameterDelete, "SSM parameter deleted", "ssm_parameter", "deleted"},
    {"DeleteParameters", kSsm, A::kParameterDelete, "SSM parameters deleted", "ssm_parameter", "deleted"},
    {"Decrypt", kKms, A::kKmsUse, "data decrypted with a KMS key", "kms_key", "used_key"},
    {"GenerateDataKey", kKms, A::kKmsUse, "data key generated under a KMS key", "kms_key", "used_key"},
    {"GenerateDataKeyWithoutPlaintext", kKms, A::kKmsUse, "data key generated under a KMS key", "kms_key", "used_key"},
    {"CreateGrant", kKms, A::kKmsGrant, "KMS grant given to a principal", "kms_key", "modified+granted_to"},
    {"PutKeyPolicy", kKms, A::kKmsPolicy, "KMS key policy set (outside accounts, Principal *)", "kms_key", "modified+shared_with"},
    {"CreateFunction20150331", kLambda, A::kLambdaCreate, "Lambda function created (execution role kept)", "lambda_function", "created+runs_as"},
    {"CreateFunction", kLambda, A::kLambdaCreate, "Lambda function created (execution role kept)", "lambda_function", "created+runs_as"},
    {"UpdateFunctionCode20150331v2", kLambda, A::kLambdaCode, "Lambda function code replaced", "lambda_function", "code_changed"},
    {"UpdateFunctionCode20150331", kLambda, A::kLambdaCode, "Lambda function code replaced", "lambda_function", "code_changed"},
    {"UpdateFunctionCode", kLambda, A::kLambdaCode, "Lambda function code replaced", "lambda_function", "code_changed"},
    {"UpdateFunctionConfiguration20150331v2", kLambda, A::kLambdaCode, "Lambda configuration changed (layers, role, environment)", "lambda_function", "code_changed"},
    {"UpdateFunctionConfiguration20150331", kLambda, A::kLambdaCode, "Lambda configuration changed (layers, role, environment)", "lambda_function", "code_changed"},
    {"UpdateFunctionConfiguration", kLambda, A::kLambdaCode, "Lambda configuration changed (layers, role, environment)", "lambda_function", "code_changed"},
    {"AddPermission20150331v2", kLambda, A::kLambdaPermission, "Lambda resource policy statement added (principal * : public)", "lambda_function", "modified+shared_with"},
    {"AddPermission20150331", kLambda, A::kLambdaPermission, "Lambda resource policy statement added (principal * : public)", "lambda_function", "modified+shared_with"},
    {"AddPermission", kLambda, A::kLambdaPermission, "Lambda resource policy statement added (principal * : public)", "lambda_function", "modified+shared_with"},
    {"CreateFunctionUrlConfig20211031", kLambda, A::kLambdaPermission, "Lambda function URL created (authType NONE: public)", "lambda_function", "modified+shared_with"},
    {"Invoke", kLambda, A::kLambdaInvoke, "Lambda function invoked (data event)", "lambda_function", "invoked"},
    {"DeleteFunction20150331", kLambda, A::kLambdaDelete, "Lambda function deleted", "lambda_function", "deleted"},
    {"DeleteFunction", kLambda, A::kLambdaDelete, "Lambda function deleted", "lambda_function", "deleted"},
    {"AuthorizeSecurityGroupIngress", kEc2, A::kSgOpen, "inbound rule added (CIDR, protocol, port range)", "security_group", "modified+opened_to"},
    {"AuthorizeSecurityGroupEgress", kEc2, A::kSgOpen, "outbound rule added (CIDR, protocol, port range)", "security_group", "modified+opened_to"},
    {"RevokeSecurityGroupIngress", kEc2, A::kSgClose, "inbound rule removed", "security_group", "modified+closed_to"},
    {"RevokeSecurityGroupEgress", kEc2, A::kSgClose, "outbound rule removed", "security_group", "modified+closed_to"},
    {"CreateSecurityGroup", kEc2, A::kSgCreate, "security group created", "security_group", "created"},
    {"DeleteSecurityGroup", kEc2, A::kSgDelete, "security group deleted", "security_group", "deleted"},
    {"CreateSnapshot", kEc2, A::kEbsSnapshotCreate, "EBS snapshot taken of a volume", "ebs_snapshot", "created"},
    {"CopySnapshot", kEc2, A::kEbsSnapshotCreate, "EBS snapshot copied", "ebs_snapshot", "created"},
    {"ModifySnapshotAttribute", kEc2, A::kEbsSnapshotShare, "EBS snapshot shared/unshared (createVolumePermission add/remove; group all: public)", "ebs_snapshot", "modified+shared_with/unshared"},
    {"CreateImage", kEc2, A::kAmiCreate, "AMI created from an instance", "ami", "created"},
    {"CopyImage", kEc2, A::kAmiCreate, "AMI copied", "ami", "created"},
    {"RegisterImage", kEc2, A::kAmiCreate, "AMI registered", "ami", "created"},
    {"ModifyImageAttribute", kEc2, A::kAmiShare, "AMI shared/unshared (launchPermission add/remove; group all: public)", "ami", "modified+shared_with/unshared"},
    {"DeleteDBSnapshot", kRds, A::kRdsSnapshotDelete, "DB snapshot deleted", "rds_snapshot", "deleted"},
    {"DeleteDBClusterSnapshot", kRds, A::kRdsSnapshotDelete, "DB cluster snapshot deleted", "rds_snapshot", "deleted"},
    {"StartLogging", kTrail, A::kLoggingRestored, "CloudTrail logging started again (end of a gap)", "cloudtrail_trail", "enabled"},
    {"StartConfigurationRecorder", kConfig, A::kLoggingRestored, "AWS Config recorder started again (end of a gap)", "config_recorder", "enabled"},
    {"DeleteDeliveryChannel", kConfig, A::kDefenseEvasion, "AWS Config delivery channel deleted", "config_recorder", "disabled"},
    {"SendCommand", kSsm, A::kSsmSendCommand, "command run on instances through SSM", "ssm_command", "created+executed_on"},
    {"StartSession", kSsm, A::kSsmStartSession, "interactive SSM session opened on an instance", "ec2_instance", "executed_on"},
    {"RunTask", kEcs, A::kEcsRunTask, "ECS task started (task role kept)", "ecs_task", "ran+runs_as"},
    {"BatchGetImage", kEcr, A::kEcrPull, "container image manifest pulled", "ecr_repository", "pulled"},
    {"GetDownloadUrlForLayer", kEcr, A::kEcrPull, "container image layer pulled", "ecr_repository", "pulled"},
    {"PutImage", kEcr, A::kEcrPush, "container image pushed", "ecr_repository", "pushed"},
    {"CompleteLayerUpload", kEcr, A::kEcrPush, "container image layer pushed", "ecr_repository", "pushed"},
};

constexpr bool Before(const EventInfo& a, const EventInfo& b) {
  return a.name != b.name ? a.name < b.name : a.source < b.source;
}

constexpr auto SortedEvents() {
  std::array<EventInfo, std::size(kEvents)> out{};
  for (size_t i = 0; i < std::size(kEvents); ++i) out[i] = kEvents[i];
  std::sort(out.begin(), out.end(), Before);
  return out;
}
constexpr std::array<EventInfo, std::size(kEvents)> kSorted = SortedEvents();

}  // namespace

std::span<const EventInfo> HandledEvents() { return kSorted; }

const EventInfo* LookupEvent(std::string_view event_source, std::string_view event_name) {
  EventInfo probe{event_name, event_source, A::kDefenseEvasion, {}};
  auto it = std::lower_bound(kSorted.begin(), kSorted.end(), probe, Before);
  if (it == kSorted.end() || it->name != event_name || it->source != event_source) return nullptr;
  return &*it;
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
    case A::kSecretRead: return "secret_read";
    case A::kSecretWrite: return "secret_write";
    case A::kSecretCreate: return "secret_create";
    case A::kSecretDelete: return "secret_delete";
    case A::kSecretPolicy: return "secret_policy";
    case A::kParameterRead: return "parameter_read";
    case A::kParameterWrite: return "parameter_write";
    case A::kParameterDelete: return "parameter_delete";
    case A::kKmsUse: return "kms_use";
    case A::kKmsGrant: return "kms_grant";
    case A::kKmsPolicy: return "kms_policy";
    case A::kKmsDisable: return "kms_disable";
    case A::kLambdaCreate: return "lambda_create";
    case A::kLambdaCode: return "lambda_code";
    case A::kLambdaPermission: return "lambda_permission";
    case A::kLambdaInvoke: return "lambda_invoke";
    case A::kLambdaDelete: return "lambda_delete";
    case A::kSgOpen: return "security_group_open";
    case A::kSgClose: return "security_group_close";
    case A::kSgCreate: return "security_group_create";
    case A::kSgDelete: return "security_group_delete";
    case A::kEbsSnapshotCreate: return "ebs_snapshot_create";
    case A::kEbsSnapshotShare: return "ebs_snapshot_share";
    case A::kAmiCreate: return "ami_create";
    case A::kAmiShare: return "ami_share";
    case A::kRdsSnapshotDelete: return "rds_snapshot_delete";
    case A::kLoggingRestored: return "logging_restored";
    case A::kSsmSendCommand: return "ssm_send_command";
    case A::kSsmStartSession: return "ssm_start_session";
    case A::kEcsRunTask: return "ecs_run_task";
    case A::kEcrPull: return "ecr_pull";
    case A::kEcrPush: return "ecr_push";
  }
  return "unknown";
}

}  // namespace gumshoe::ingest::cloudtrail
