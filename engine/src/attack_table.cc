#include "gumshoe/attack_table.h"

#include <cctype>

namespace gumshoe {
namespace {

// Grouped by event name. Tactic names as ATT&CK spells them.
constexpr AttackMapping kTable[] = {
    {"iam.amazonaws.com", "AddUserToGroup", "Privilege Escalation", "T1098.003", "Account Manipulation: Additional Cloud Roles"},
    {"lambda.amazonaws.com", "AddPermission", "Persistence", "T1546", "Event Triggered Execution"},
    {"sts.amazonaws.com", "AssumeRole", "Lateral Movement", "T1550.001", "Use Alternate Authentication Material: Application Access Token"},
    {"sts.amazonaws.com", "AssumeRoleWithSAML", "Defense Evasion", "T1550.001", "Use Alternate Authentication Material: Application Access Token"},
    {"sts.amazonaws.com", "AssumeRoleWithWebIdentity", "Defense Evasion", "T1550.001", "Use Alternate Authentication Material: Application Access Token"},
    {"iam.amazonaws.com", "AttachGroupPolicy", "Privilege Escalation", "T1098.003", "Account Manipulation: Additional Cloud Roles"},
    {"iam.amazonaws.com", "AttachRolePolicy", "Privilege Escalation", "T1098.003", "Account Manipulation: Additional Cloud Roles"},
    {"iam.amazonaws.com", "AttachUserPolicy", "Privilege Escalation", "T1098.003", "Account Manipulation: Additional Cloud Roles"},
    {"ec2.amazonaws.com", "AuthorizeSecurityGroupIngress", "Defense Evasion", "T1562.007", "Impair Defenses: Disable or Modify Cloud Firewall"},
    {"secretsmanager.amazonaws.com", "BatchGetSecretValue", "Credential Access", "T1555.006", "Credentials from Password Stores: Cloud Secrets Management Stores"},
    {"ssm.amazonaws.com", "BatchGetSecretValue", "Credential Access", "T1555.006", "Credentials from Password Stores: Cloud Secrets Management Stores"},
    {"signin.amazonaws.com", "ConsoleLogin", "Initial Access", "T1078.004", "Valid Accounts: Cloud Accounts"},
    {"rds.amazonaws.com", "CopyDBClusterSnapshot", "Collection", "T1530", "Data from Cloud Storage"},
    {"rds.amazonaws.com", "CopyDBSnapshot", "Collection", "T1530", "Data from Cloud Storage"},
    {"s3.amazonaws.com", "CopyObject", "Collection", "T1530", "Data from Cloud Storage"},
    {"iam.amazonaws.com", "CreateAccessKey", "Persistence", "T1098.001", "Account Manipulation: Additional Cloud Credentials"},
    {"rds.amazonaws.com", "CreateDBCluster", "Defense Evasion", "T1578.002", "Modify Cloud Compute Infrastructure: Create Cloud Instance"},
    {"rds.amazonaws.com", "CreateDBClusterSnapshot", "Defense Evasion", "T1578.001", "Modify Cloud Compute Infrastructure: Create Snapshot"},
    {"rds.amazonaws.com", "CreateDBInstance", "Defense Evasion", "T1578.002", "Modify Cloud Compute Infrastructure: Create Cloud Instance"},
    {"rds.amazonaws.com", "CreateDBSnapshot", "Defense Evasion", "T1578.001", "Modify Cloud Compute Infrastructure: Create Snapshot"},
    {"bedrock.amazonaws.com", "CreateFoundationModelAgreement", "Impact", "T1496.004", "Resource Hijacking: Cloud Service Hijacking"},
    {"iam.amazonaws.com", "CreateLoginProfile", "Persistence", "T1098.001", "Account Manipulation: Additional Cloud Credentials"},
    {"rolesanywhere.amazonaws.com", "CreateProfile", "Persistence", "T1098.003", "Account Manipulation: Additional Cloud Roles"},
    {"iam.amazonaws.com", "CreateRole", "Persistence", "T1136.003", "Create Account: Cloud Account"},
    {"rolesanywhere.amazonaws.com", "CreateTrustAnchor", "Persistence", "T1098.001", "Account Manipulation: Additional Cloud Credentials"},
    {"iam.amazonaws.com", "CreateUser", "Persistence", "T1136.003", "Create Account: Cloud Account"},
    {"iam.amazonaws.com", "DeleteAccessKey", "Impact", "T1531", "Account Access Removal"},
    {"s3.amazonaws.com", "DeleteAccountPublicAccessBlock", "Defense Evasion", "T1562", "Impair Defenses"},
    {"s3.amazonaws.com", "DeleteBucket", "Impact", "T1485", "Data Destruction"},
    {"s3.amazonaws.com", "DeleteBucketPolicy", "Defense Evasion", "T1562", "Impair Defenses"},
    {"s3.amazonaws.com", "DeleteBucketPublicAccessBlock", "Defense Evasion", "T1562", "Impair Defenses"},
    {"config.amazonaws.com", "DeleteConfigurationRecorder", "Defense Evasion", "T1562.008", "Impair Defenses: Disable or Modify Cloud Logs"},
    {"guardduty.amazonaws.com", "DeleteDetector", "Defense Evasion", "T1562.001", "Impair Defenses: Disable or Modify Tools"},
    {"ec2.amazonaws.com", "DeleteFlowLogs", "Defense Evasion", "T1562.008", "Impair Defenses: Disable or Modify Cloud Logs"},
    {"iam.amazonaws.com", "DeleteGroupPolicy", "Defense Evasion", "T1562", "Impair Defenses"},
    {"iam.amazonaws.com", "DeleteLoginProfile", "Impact", "T1531", "Account Access Removal"},
    {"s3.amazonaws.com", "DeleteObject", "Impact", "T1485", "Data Destruction"},
    {"s3.amazonaws.com", "DeleteObjects", "Impact", "T1485", "Data Destruction"},
    {"s3.amazonaws.com", "DeletePublicAccessBlock", "Defense Evasion", "T1562", "Impair Defenses"},
    {"route53resolver.amazonaws.com", "DeleteResolverQueryLogConfig", "Defense Evasion", "T1562.008", "Impair Defenses: Disable or Modify Cloud Logs"},
    {"iam.amazonaws.com", "DeleteRole", "Impact", "T1531", "Account Access Removal"},
    {"iam.amazonaws.com", "DeleteRolePolicy", "Defense Evasion", "T1562", "Impair Defenses"},
    {"cloudtrail.amazonaws.com", "DeleteTrail", "Defense Evasion", "T1562.008", "Impair Defenses: Disable or Modify Cloud Logs"},
    {"iam.amazonaws.com", "DeleteUser", "Impact", "T1531", "Account Access Removal"},
    {"iam.amazonaws.com", "DeleteUserPolicy", "Defense Evasion", "T1562", "Impair Defenses"},
    {"ec2.amazonaws.com", "DescribeInstanceAttribute", "Discovery", "T1580", "Cloud Infrastructure Discovery"},
    {"ssm.amazonaws.com", "DescribeInstanceInformation", "Discovery", "T1580", "Cloud Infrastructure Discovery"},
    {"ec2.amazonaws.com", "DescribeInstances", "Discovery", "T1580", "Cloud Infrastructure Discovery"},
    {"ssm.amazonaws.com", "DescribeParameters", "Discovery", "T1526", "Cloud Service Discovery"},
    {"iam.amazonaws.com", "DetachGroupPolicy", "Privilege Escalation", "T1098.003", "Account Manipulation: Additional Cloud Roles"},
    {"iam.amazonaws.com", "DetachRolePolicy", "Privilege Escalation", "T1098.003", "Account Manipulation: Additional Cloud Roles"},
    {"iam.amazonaws.com", "DetachUserPolicy", "Privilege Escalation", "T1098.003", "Account Manipulation: Additional Cloud Roles"},
    {"kms.amazonaws.com", "DisableKey", "Impact", "T1485", "Data Destruction"},
    {"ec2.amazonaws.com", "EnableSerialConsoleAccess", "Lateral Movement", "T1021.008", "Remote Services: Direct Cloud VM Connections"},
    {"sts.amazonaws.com", "GetCallerIdentity", "Discovery", "T1087.004", "Account Discovery: Cloud Account"},
    {"ssm.amazonaws.com", "GetCommandInvocation", "Execution", "T1651", "Cloud Administration Command"},
    {"sts.amazonaws.com", "GetFederationToken", "Persistence", "T1550.001", "Use Alternate Authentication Material: Application Access Token"},
    {"bedrock.amazonaws.com", "GetFoundationModelAvailability", "Discovery", "T1526", "Cloud Service Discovery"},
    {"s3.amazonaws.com", "GetObject", "Collection", "T1530", "Data from Cloud Storage"},
    {"s3.amazonaws.com", "GetObjectAcl", "Discovery", "T1619", "Cloud Storage Object Discovery"},
    {"s3.amazonaws.com", "GetObjectAttributes", "Discovery", "T1619", "Cloud Storage Object Discovery"},
    {"s3.amazonaws.com", "GetObjectTagging", "Discovery", "T1619", "Cloud Storage Object Discovery"},
    {"ssm.amazonaws.com", "GetParameter", "Credential Access", "T1555.006", "Credentials from Password Stores: Cloud Secrets Management Stores"},
    {"ssm.amazonaws.com", "GetParameters", "Credential Access", "T1555.006", "Credentials from Password Stores: Cloud Secrets Management Stores"},
    {"ssm.amazonaws.com", "GetParametersByPath", "Credential Access", "T1555.006", "Credentials from Password Stores: Cloud Secrets Management Stores"},
    {"ec2.amazonaws.com", "GetPasswordData", "Credential Access", "T1552", "Unsecured Credentials"},
    {"secretsmanager.amazonaws.com", "GetSecretValue", "Credential Access", "T1555.006", "Credentials from Password Stores: Cloud Secrets Management Stores"},
    {"sts.amazonaws.com", "GetSessionToken", "Defense Evasion", "T1550.001", "Use Alternate Authentication Material: Application Access Token"},
    {"s3.amazonaws.com", "HeadObject", "Discovery", "T1619", "Cloud Storage Object Discovery"},
    {"bedrock.amazonaws.com", "InvokeModel", "Impact", "T1496.004", "Resource Hijacking: Cloud Service Hijacking"},
    {"organizations.amazonaws.com", "LeaveOrganization", "Defense Evasion", "T1666", "Modify Cloud Resource Hierarchy"},
    {"bedrock.amazonaws.com", "ListFoundationModelAgreementOffers", "Discovery", "T1526", "Cloud Service Discovery"},
    {"s3.amazonaws.com", "ListObjectVersions", "Discovery", "T1619", "Cloud Storage Object Discovery"},
    {"s3.amazonaws.com", "ListObjects", "Discovery", "T1619", "Cloud Storage Object Discovery"},
    {"s3.amazonaws.com", "ListObjectsV2", "Discovery", "T1619", "Cloud Storage Object Discovery"},
    {"secretsmanager.amazonaws.com", "ListSecrets", "Discovery", "T1526", "Cloud Service Discovery"},
    {"rds.amazonaws.com", "ModifyDBCluster", "Defense Evasion", "T1578.005", "Modify Cloud Compute Infrastructure: Modify Cloud Compute Configurations"},
    {"rds.amazonaws.com", "ModifyDBClusterSnapshotAttribute", "Exfiltration", "T1537", "Transfer Data to Cloud Account"},
    {"rds.amazonaws.com", "ModifyDBInstance", "Defense Evasion", "T1578.005", "Modify Cloud Compute Infrastructure: Modify Cloud Compute Configurations"},
    {"rds.amazonaws.com", "ModifyDBSnapshotAttribute", "Exfiltration", "T1537", "Transfer Data to Cloud Account"},
    {"ec2.amazonaws.com", "ModifyImageAttribute", "Exfiltration", "T1537", "Transfer Data to Cloud Account"},
    {"ec2.amazonaws.com", "ModifyInstanceAttribute", "Execution", "T1059.009", "Command and Scripting Interpreter: Cloud API"},
    {"ec2.amazonaws.com", "ModifySnapshotAttribute", "Exfiltration", "T1537", "Transfer Data to Cloud Account"},
    {"s3.amazonaws.com", "PutAccountPublicAccessBlock", "Defense Evasion", "T1562", "Impair Defenses"},
    {"s3.amazonaws.com", "PutBucketAcl", "Exfiltration", "T1537", "Transfer Data to Cloud Account"},
    {"s3.amazonaws.com", "PutBucketPolicy", "Exfiltration", "T1537", "Transfer Data to Cloud Account"},
    {"s3.amazonaws.com", "PutBucketPublicAccessBlock", "Defense Evasion", "T1562", "Impair Defenses"},
    {"s3.amazonaws.com", "PutBucketVersioning", "Impact", "T1490", "Inhibit System Recovery"},
    {"s3.amazonaws.com", "PutBucketWebsite", "Impact", "T1491.002", "Defacement: External Defacement"},
    {"cloudtrail.amazonaws.com", "PutEventSelectors", "Defense Evasion", "T1562.008", "Impair Defenses: Disable or Modify Cloud Logs"},
    {"bedrock.amazonaws.com", "PutFoundationModelEntitlement", "Impact", "T1496.004", "Resource Hijacking: Cloud Service Hijacking"},
    {"iam.amazonaws.com", "PutGroupPolicy", "Privilege Escalation", "T1098.003", "Account Manipulation: Additional Cloud Roles"},
    {"s3.amazonaws.com", "PutObject", "Impact", "T1565.001", "Data Manipulation: Stored Data Manipulation"},
    {"s3.amazonaws.com", "PutObjectAcl", "Exfiltration", "T1537", "Transfer Data to Cloud Account"},
    {"s3.amazonaws.com", "PutPublicAccessBlock", "Defense Evasion", "T1562", "Impair Defenses"},
    {"iam.amazonaws.com", "PutRolePolicy", "Privilege Escalation", "T1098.003", "Account Manipulation: Additional Cloud Roles"},
    {"bedrock.amazonaws.com", "PutUseCaseForModelAccess", "Impact", "T1496.004", "Resource Hijacking: Cloud Service Hijacking"},
    {"iam.amazonaws.com", "PutUserPolicy", "Privilege Escalation", "T1098.003", "Account Manipulation: Additional Cloud Roles"},
    {"rds.amazonaws.com", "RestoreDBInstanceFromDBSnapshot", "Defense Evasion", "T1578.003", "Modify Cloud Compute Infrastructure: Revert Cloud Instance"},
    {"s3.amazonaws.com", "RestoreObject", "Collection", "T1530", "Data from Cloud Storage"},
    {"ec2.amazonaws.com", "RunInstances", "Impact", "T1496.001", "Resource Hijacking: Compute Hijacking"},
    {"kms.amazonaws.com", "ScheduleKeyDeletion", "Impact", "T1485", "Data Destruction"},
    {"s3.amazonaws.com", "SelectObjectContent", "Collection", "T1530", "Data from Cloud Storage"},
    {"ssm.amazonaws.com", "SendCommand", "Execution", "T1651", "Cloud Administration Command"},
    {"ec2-instance-connect.amazonaws.com", "SendSSHPublicKey", "Lateral Movement", "T1021.008", "Remote Services: Direct Cloud VM Connections"},
    {"ec2-instance-connect.amazonaws.com", "SendSerialConsoleSSHPublicKey", "Lateral Movement", "T1021.008", "Remote Services: Direct Cloud VM Connections"},
    {"ec2.amazonaws.com", "StartInstances", "Execution", "T1059.009", "Command and Scripting Interpreter: Cloud API"},
    {"ssm.amazonaws.com", "StartSession", "Lateral Movement", "T1021.008", "Remote Services: Direct Cloud VM Connections"},
    {"config.amazonaws.com", "StopConfigurationRecorder", "Defense Evasion", "T1562.008", "Impair Defenses: Disable or Modify Cloud Logs"},
    {"ec2.amazonaws.com", "StopInstances", "Execution", "T1059.009", "Command and Scripting Interpreter: Cloud API"},
    {"cloudtrail.amazonaws.com", "StopLogging", "Defense Evasion", "T1562.008", "Impair Defenses: Disable or Modify Cloud Logs"},
    {"ssm.amazonaws.com", "TerminateSession", "Lateral Movement", "T1021.008", "Remote Services: Direct Cloud VM Connections"},
    {"iam.amazonaws.com", "UpdateAccessKey", "Impact", "T1531", "Account Access Removal"},
    {"iam.amazonaws.com", "UpdateAssumeRolePolicy", "Persistence", "T1098.003", "Account Manipulation: Additional Cloud Roles"},
    {"guardduty.amazonaws.com", "UpdateDetector", "Defense Evasion", "T1562.001", "Impair Defenses: Disable or Modify Tools"},
    {"lambda.amazonaws.com", "UpdateFunctionCode", "Persistence", "T1525", "Implant Internal Image"},
    {"lambda.amazonaws.com", "UpdateFunctionConfiguration", "Persistence", "T1546", "Event Triggered Execution"},
    {"iam.amazonaws.com", "UpdateLoginProfile", "Privilege Escalation", "T1098.001", "Account Manipulation: Additional Cloud Credentials"},
    {"cloudtrail.amazonaws.com", "UpdateTrail", "Defense Evasion", "T1562.008", "Impair Defenses: Disable or Modify Cloud Logs"},
    {"s3.amazonaws.com", "UploadPart", "Impact", "T1565.001", "Data Manipulation: Stored Data Manipulation"},
    {"s3.amazonaws.com", "UploadPartCopy", "Collection", "T1530", "Data from Cloud Storage"},
};

// Strips Lambda's API version suffix: "UpdateFunctionCode20150331v2" -> "UpdateFunctionCode".
std::string_view StripApiVersion(std::string_view name) {
  size_t i = name.size();
  while (i > 0 && (std::isdigit(static_cast<unsigned char>(name[i - 1])) || name[i - 1] == 'v')) --i;
  // Only a suffix that starts with 8 digits (a date) is a version.
  if (name.size() - i >= 8 && i > 0 && std::isdigit(static_cast<unsigned char>(name[i]))) return name.substr(0, i);
  return name;
}

}  // namespace

std::span<const AttackMapping> AttackTable() { return std::span<const AttackMapping>(kTable); }

std::vector<const AttackMapping*> LookupAttack(std::string_view api) {
  std::string_view source, name = api;
  if (size_t colon = api.rfind(':'); colon != std::string_view::npos) {
    source = api.substr(0, colon);
    name = api.substr(colon + 1);
  }
  name = StripApiVersion(name);
  std::vector<const AttackMapping*> out;
  for (const AttackMapping& m : kTable)
    if (m.event_name == name && (source.empty() || m.event_source.empty() || m.event_source == source)) out.push_back(&m);
  return out;
}

}  // namespace gumshoe
