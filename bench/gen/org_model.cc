#include "org_model.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace gumshoe::bench {

Zipf::Zipf(size_t n, double s) {
  cdf_.resize(n);
  double sum = 0;
  for (size_t i = 0; i < n; ++i) {
    sum += 1.0 / std::pow(double(i + 1), s);
    cdf_[i] = sum;
  }
  for (double& c : cdf_) c /= sum;
}

size_t Zipf::Sample(Rng& rng) const {
  double u = rng.Uniform();
  size_t i = std::lower_bound(cdf_.begin(), cdf_.end(), u) - cdf_.begin();
  return i < cdf_.size() ? i : cdf_.size() - 1;
}

std::string AwsId(std::string_view prefix, uint64_t h) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  std::string out(prefix);
  uint64_t x = Mix64(h);
  for (int i = 0; i < 16; ++i) {
    if (i == 12) x = Mix64(x);
    out.push_back(kAlphabet[x & 31]);
    x >>= 5;
  }
  return out;
}

std::string Hex(uint64_t h, int digits) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(digits, '0');
  uint64_t x = h;
  for (int i = digits - 1; i >= 0; --i) {
    if ((digits - 1 - i) % 16 == 0 && i != digits - 1) x = Mix64(h + uint64_t(i) * 0x9e3779b97f4a7c15ull);
    out[i] = kHex[x & 15];
    x >>= 4;
  }
  return out;
}

std::string Guid(uint64_t a, uint64_t b) {
  uint64_t x = Mix(a, b), y = Mix64(x ^ 0x5bd1e995);
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%08x-%04x-4%03x-%04x-%012llx", uint32_t(x >> 32), uint32_t((x >> 16) & 0xffff),
                uint32_t(x & 0xfff), uint32_t(0x8000 | ((y >> 48) & 0x3fff)),
                static_cast<unsigned long long>(y & 0xffffffffffffull));
  return buf;
}

std::string Rand16(uint64_t h) {
  static constexpr char kAlnum[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::string out;
  uint64_t x = Mix64(h);
  for (int i = 0; i < 16; ++i) {
    if (i == 8) x = Mix64(x);
    out.push_back(kAlnum[x % 62]);
    x /= 62;
  }
  return out;
}

namespace {

// Howard Hinnant's civil_from_days.
void CivilFromDays(int64_t z, int& y, unsigned& m, unsigned& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t yy = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = static_cast<int>(yy + (m <= 2));
}

struct Civil {
  int y;
  unsigned mo, d, h, mi, s;
};
Civil ToCivil(int64_t t) {
  int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
  int64_t rem = t - days * 86400;
  Civil c{};
  CivilFromDays(days, c.y, c.mo, c.d);
  c.h = unsigned(rem / 3600);
  c.mi = unsigned(rem % 3600 / 60);
  c.s = unsigned(rem % 60);
  return c;
}

}  // namespace

std::string IsoTime(int64_t t) {
  Civil c = ToCivil(t);
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%04d-%02u-%02uT%02u:%02u:%02uZ", c.y, c.mo, c.d, c.h, c.mi, c.s);
  return buf;
}

std::string CompactTime(int64_t t) {
  Civil c = ToCivil(t);
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%04d%02u%02uT%02u%02uZ", c.y, c.mo, c.d, c.h, c.mi);
  return buf;
}

std::string DatePath(int64_t t) {
  Civil c = ToCivil(t);
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%04d/%02u/%02u", c.y, c.mo, c.d);
  return buf;
}

std::string Role::Arn(const std::vector<Account>& accounts) const {
  return "arn:aws:iam::" + accounts[account].id + ":role/" + name;
}

namespace {

struct ServiceNouns {
  const char* service;
  std::vector<const char*> nouns;
};

// A catalogue of services and resource nouns; verbs are combined with nouns to
// give a few thousand API names, ranked so that Describe/List/Get dominate.
std::vector<ApiName> BuildApiCatalogue(uint64_t seed) {
  static const std::vector<ServiceNouns> kServices = {
      {"ec2", {"Instances", "InstanceStatus", "SecurityGroups", "Subnets", "Vpcs", "Volumes", "Snapshots", "Images",
               "NetworkInterfaces", "RouteTables", "InternetGateways", "NatGateways", "Addresses", "KeyPairs",
               "LaunchTemplates", "LaunchTemplateVersions", "Tags", "VpcEndpoints", "NetworkAcls", "SpotPriceHistory",
               "Regions", "AvailabilityZones", "InstanceTypes", "Hosts", "FlowLogs", "TransitGateways",
               "PrefixLists", "DhcpOptions", "VolumesModifications", "InstanceAttribute"}},
      {"s3", {"Bucket", "BucketPolicy", "BucketAcl", "BucketLocation", "BucketVersioning", "BucketLogging",
              "BucketTagging", "BucketEncryption", "BucketLifecycle", "BucketReplication", "BucketCors",
              "BucketNotification", "BucketWebsite", "PublicAccessBlock", "BucketOwnershipControls",
              "BucketPolicyStatus", "BucketObjectLockConfiguration", "AccelerateConfiguration"}},
      {"iam", {"User", "Users", "Role", "Roles", "Policy", "Policies", "PolicyVersion", "Group", "Groups",
               "AccessKeys", "AccessKeyLastUsed", "InstanceProfile", "InstanceProfiles", "RolePolicies",
               "AttachedRolePolicies", "UserPolicies", "AttachedUserPolicies", "MFADevices", "AccountSummary",
               "AccountAuthorizationDetails", "ServerCertificates", "SAMLProviders", "OpenIDConnectProviders",
               "LoginProfile", "CredentialReport"}},
      {"lambda", {"Functions", "Function", "FunctionConfiguration", "Aliases", "Versions", "EventSourceMappings",
                  "Layers", "LayerVersions", "Policy", "FunctionUrlConfig", "ProvisionedConcurrencyConfigs",
                  "FunctionConcurrency", "CodeSigningConfig"}},
      {"rds", {"DBInstances", "DBClusters", "DBSnapshots", "DBClusterSnapshots", "DBParameterGroups",
               "DBSubnetGroups", "EventSubscriptions", "Events", "PendingMaintenanceActions", "DBEngineVersions",
               "OptionGroups", "DBLogFiles", "DBProxies", "Certificates", "ReservedDBInstances"}},
      {"dynamodb", {"Table", "Tables", "Backups", "GlobalTables", "ContinuousBackups", "TimeToLive",
                    "ContributorInsights", "KinesisStreamingDestination", "Limits", "Endpoints", "Exports",
                    "Imports", "TableReplicaAutoScaling", "ResourcePolicy"}},
      {"monitoring", {"Alarms", "AlarmHistory", "Metrics", "MetricData", "MetricStatistics", "Dashboards",
                      "Dashboard", "InsightRules", "AnomalyDetectors", "MetricStreams", "CompositeAlarms"}},
      {"logs", {"LogGroups", "LogStreams", "LogEvents", "SubscriptionFilters", "MetricFilters", "QueryResults",
                "ResourcePolicies", "Destinations", "ExportTasks", "Queries", "DataProtectionPolicy",
                "RetentionPolicy", "DeliverySources"}},
      {"kms", {"Keys", "Key", "Aliases", "KeyPolicy", "KeyPolicies", "KeyRotationStatus", "Grants",
               "PublicKey", "CustomKeyStores", "ResourceTags", "RetirableGrants"}},
      {"sqs", {"Queues", "QueueUrl", "QueueAttributes", "QueueTags", "DeadLetterSourceQueues", "MessageMoveTasks"}},
      {"sns", {"Topics", "TopicAttributes", "Subscriptions", "SubscriptionsByTopic", "PlatformApplications",
               "SMSAttributes", "Endpoints", "DataProtectionPolicy"}},
      {"ecs", {"Clusters", "Services", "Tasks", "TaskDefinition", "TaskDefinitions", "ContainerInstances",
               "CapacityProviders", "AccountSettings", "TaskSets", "ServiceDeployments"}},
      {"eks", {"Cluster", "Clusters", "Nodegroup", "Nodegroups", "Addon", "Addons", "FargateProfile",
               "FargateProfiles", "IdentityProviderConfigs", "Updates", "AccessEntries", "PodIdentityAssociations"}},
      {"elasticloadbalancing", {"LoadBalancers", "TargetGroups", "TargetHealth", "Listeners", "Rules",
                                "LoadBalancerAttributes", "TargetGroupAttributes", "SSLPolicies", "ListenerCertificates"}},
      {"autoscaling", {"AutoScalingGroups", "AutoScalingInstances", "LaunchConfigurations", "ScalingActivities",
                       "Policies", "ScheduledActions", "LifecycleHooks", "WarmPool", "InstanceRefreshes"}},
      {"cloudformation", {"Stacks", "StackResources", "StackEvents", "StackResource", "Template", "ChangeSet",
                          "ChangeSets", "StackSets", "StackInstances", "Exports", "Types", "TemplateSummary"}},
      {"ssm", {"Parameters", "Parameter", "ParametersByPath", "Documents", "Document", "InstanceInformation",
               "Associations", "Commands", "CommandInvocations", "PatchBaselines", "MaintenanceWindows",
               "Sessions", "ComplianceSummaries", "Inventory", "OpsItems", "ServiceSetting"}},
      {"secretsmanager", {"Secrets", "Secret", "SecretValue", "SecretVersionIds", "ResourcePolicy", "RandomPassword"}},
      {"route53", {"HostedZones", "HostedZone", "ResourceRecordSets", "HealthChecks", "HealthCheck",
                   "TrafficPolicies", "QueryLoggingConfigs", "HostedZoneCount", "Change", "DNSSEC"}},
      {"config", {"ConfigRules", "ConfigurationRecorders", "ComplianceByConfigRule", "ComplianceByResource",
                  "DeliveryChannels", "ConfigurationAggregators", "ConformancePacks", "RemediationConfigurations",
                  "ResourceConfigHistory", "DiscoveredResources", "AggregateComplianceByConfigRules"}},
      {"cloudtrail", {"Trails", "TrailStatus", "EventSelectors", "InsightSelectors", "Trail", "EventDataStores",
                      "Channels", "Queries", "ImportFailures", "PublicKeys"}},
      {"guardduty", {"Detectors", "Detector", "Findings", "FindingsStatistics", "Filters", "IPSets",
                     "ThreatIntelSets", "Members", "MalwareScans", "CoverageStatistics", "OrganizationConfiguration"}},
      {"organizations", {"Accounts", "Account", "Organization", "OrganizationalUnits", "Policies",
                         "PoliciesForTarget", "Roots", "Children", "Parents", "Handshakes", "DelegatedAdministrators"}},
      {"glue", {"Databases", "Database", "Tables", "Table", "Partitions", "Partition", "Crawlers", "Crawler",
                "Jobs", "JobRuns", "Triggers", "Connections", "Workflows", "Schemas", "Registries", "DataCatalogEncryptionSettings"}},
      {"athena", {"QueryExecution", "QueryExecutions", "QueryResults", "WorkGroups", "WorkGroup", "DataCatalogs",
                  "NamedQueries", "PreparedStatements", "TableMetadata", "Databases"}},
      {"kinesis", {"Streams", "Stream", "StreamSummary", "Shards", "StreamConsumers", "Records", "ShardIterator",
                   "TagsForStream", "Limits"}},
      {"firehose", {"DeliveryStreams", "DeliveryStream", "TagsForDeliveryStream", "DeliveryStreamEncryption"}},
      {"apigateway", {"RestApis", "RestApi", "Resources", "Stages", "Deployments", "Authorizers", "ApiKeys",
                      "UsagePlans", "DomainNames", "Models", "Integration", "Method", "VpcLinks", "Account"}},
      {"ecr", {"Repositories", "Images", "ImageScanFindings", "AuthorizationToken", "RepositoryPolicy",
               "LifecyclePolicy", "DownloadUrlForLayer", "Registry", "RegistryPolicy", "PullThroughCacheRules"}},
      {"elasticache", {"CacheClusters", "ReplicationGroups", "CacheSubnetGroups", "CacheParameterGroups",
                       "Snapshots", "Events", "ServiceUpdates", "Users", "UserGroups", "ServerlessCaches"}},
      {"redshift", {"Clusters", "ClusterSnapshots", "ClusterParameterGroups", "ClusterSubnetGroups", "Events",
                    "LoggingStatus", "ClusterCredentials", "ScheduledActions", "UsageLimits"}},
      {"states", {"StateMachines", "StateMachine", "Executions", "Execution", "ExecutionHistory", "Activities",
                  "MapRuns", "StateMachineVersions", "StateMachineAliases"}},
      {"events", {"Rules", "Rule", "Targets", "TargetsByRule", "EventBuses", "EventBus", "Archives",
                  "Connections", "ApiDestinations", "Replays", "Endpoints"}},
      {"backup", {"BackupPlans", "BackupPlan", "BackupVaults", "BackupJobs", "RecoveryPoints", "ProtectedResources",
                  "RestoreJobs", "CopyJobs", "BackupSelections", "Frameworks", "ReportPlans"}},
      {"acm", {"Certificates", "Certificate", "AccountConfiguration", "TagsForCertificate"}},
      {"wafv2", {"WebACLs", "WebACL", "RuleGroups", "IPSets", "RegexPatternSets", "LoggingConfiguration",
                 "ManagedRuleGroups", "SampledRequests", "ResourcesForWebACL"}},
      {"sso", {"PermissionSets", "AccountAssignments", "Instances", "ManagedPoliciesInPermissionSet",
               "AccountsForProvisionedPermissionSet", "PermissionSetProvisioningStatus", "InlinePolicyForPermissionSet"}},
      {"securityhub", {"Findings", "Insights", "Standards", "EnabledStandards", "Hub", "Products",
                       "ActionTargets", "AutomationRules", "ConfigurationPolicies", "Members"}},
      {"inspector2", {"Findings", "Coverage", "CoverageStatistics", "Members", "Filters", "FindingsReportStatus",
                      "Configuration", "DelegatedAdminAccounts", "UsageTotals"}},
      {"elasticfilesystem", {"FileSystems", "MountTargets", "AccessPoints", "BackupPolicy", "LifecycleConfiguration",
                             "FileSystemPolicy", "ReplicationConfigurations", "AccountPreferences"}},
      {"cloudfront", {"Distributions", "Distribution", "DistributionConfig", "Invalidations", "OriginAccessControls",
                      "CachePolicies", "ResponseHeadersPolicies", "Functions", "KeyGroups", "RealtimeLogConfigs"}},
      {"ses", {"Identities", "IdentityVerificationAttributes", "SendQuota", "SendStatistics", "ConfigurationSets",
               "Templates", "EmailIdentity", "Account", "SuppressedDestinations"}},
      {"codebuild", {"Projects", "Builds", "BuildsForProject", "ReportGroups", "Reports", "SourceCredentials",
                     "Fleets", "CuratedEnvironmentImages"}},
      {"codepipeline", {"Pipelines", "Pipeline", "PipelineState", "PipelineExecution", "PipelineExecutions",
                        "ActionExecutions", "Webhooks", "ActionTypes"}},
      {"sagemaker", {"NotebookInstances", "TrainingJobs", "Endpoints", "EndpointConfigs", "Models", "Domains",
                     "UserProfiles", "Apps", "ProcessingJobs", "Pipelines", "ModelPackages", "FeatureGroups"}},
      {"access-analyzer", {"Analyzers", "Findings", "ArchiveRules", "AnalyzedResources", "AccessPreview",
                           "PolicyGenerations", "FindingsV2"}},
      {"tagging", {"Resources", "TagKeys", "TagValues", "ComplianceSummary"}},
      {"health", {"Events", "EventDetails", "AffectedEntities", "EventAggregates", "EntityAggregates"}},
      {"ce", {"CostAndUsage", "CostForecast", "Dimensions", "Tags", "SavingsPlansUtilization",
              "ReservationCoverage", "AnomalyMonitors", "Anomalies", "RightsizingRecommendation"}},
  };
  struct Verb {
    const char* verb;
    bool read;
    double weight;
  };
  static const std::vector<Verb> kVerbs = {
      {"Describe", true, 10}, {"List", true, 8},     {"Get", true, 9},      {"BatchGet", true, 1.2},
      {"Create", false, 0.6}, {"Update", false, 0.5}, {"Delete", false, 0.3}, {"Put", false, 0.5},
      {"Tag", false, 0.15},   {"Untag", false, 0.08}, {"Modify", false, 0.3}, {"Start", false, 0.15},
      {"Stop", false, 0.08},  {"Enable", false, 0.05}, {"Disable", false, 0.04}, {"Associate", false, 0.08},
      {"Disassociate", false, 0.05}, {"Search", true, 0.6}, {"Validate", true, 0.1}, {"Test", true, 0.05}};
  struct Scored {
    ApiName api;
    double score;
  };
  std::vector<Scored> all;
  Rng rng(Mix(seed, 0xA91));
  for (const auto& svc : kServices) {
    // Service popularity: a few services carry most of the traffic.
    double svc_weight = 1.0 / (1.0 + double(&svc - &kServices[0]) * 0.35);
    for (const char* noun : svc.nouns) {
      for (const Verb& v : kVerbs) {
        // Not every verb exists for every noun: keep a deterministic subset.
        if (!v.read && rng.Below(100) < 45) continue;
        if (v.read && rng.Below(100) < 15) continue;
        double noise = 0.2 + rng.Uniform() * 1.6;
        all.push_back({ApiName{std::string(svc.service) + ".amazonaws.com", std::string(v.verb) + noun, v.read},
                       v.weight * svc_weight * noise});
      }
    }
  }
  // A handful of names every trail is full of, pinned at the top.
  const std::vector<std::pair<const char*, const char*>> pinned = {
      {"sts.amazonaws.com", "GetCallerIdentity"}, {"kms.amazonaws.com", "Decrypt"},
      {"ec2.amazonaws.com", "DescribeInstances"},  {"kms.amazonaws.com", "GenerateDataKey"},
      {"s3.amazonaws.com", "ListBuckets"},         {"logs.amazonaws.com", "CreateLogStream"},
      {"ssm.amazonaws.com", "UpdateInstanceInformation"}, {"ecr.amazonaws.com", "GetAuthorizationToken"},
      {"secretsmanager.amazonaws.com", "GetSecretValue"}, {"dynamodb.amazonaws.com", "DescribeTable"},
      {"ec2.amazonaws.com", "DescribeSecurityGroups"}, {"iam.amazonaws.com", "GetRole"},
      {"lambda.amazonaws.com", "ListFunctions20150331"}, {"sts.amazonaws.com", "GetSessionToken"},
      {"ec2.amazonaws.com", "RunInstances"}, {"ec2.amazonaws.com", "TerminateInstances"},
      {"iam.amazonaws.com", "CreateAccessKey"}, {"iam.amazonaws.com", "PutRolePolicy"},
      {"signin.amazonaws.com", "ConsoleLogin"}, {"rds.amazonaws.com", "ModifyDBInstance"}};
  std::stable_sort(all.begin(), all.end(), [](const Scored& a, const Scored& b) { return a.score > b.score; });
  std::vector<ApiName> out;
  std::vector<std::string> seen;
  for (size_t i = 0; i < pinned.size(); ++i) {
    std::string name = pinned[i].second;
    bool read = name.rfind("Describe", 0) == 0 || name.rfind("Get", 0) == 0 || name.rfind("List", 0) == 0 ||
                name == "Decrypt";
    out.push_back(ApiName{pinned[i].first, name, read});
    seen.push_back(out.back().source + ":" + name);
  }
  std::sort(seen.begin(), seen.end());
  for (auto& s : all) {
    if (std::binary_search(seen.begin(), seen.end(), s.api.source + ":" + s.api.name)) continue;
    out.push_back(std::move(s.api));
  }
  return out;
}

std::string PrivateIp(uint64_t h, int account) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "10.%d.%u.%u", 10 + account, unsigned((h >> 8) % 250) + 1, unsigned(h % 250) + 4);
  return buf;
}

std::string Ec2PublicIp(uint64_t h) {
  static const int kFirst[] = {3, 18, 34, 35, 44, 52, 54};
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%d.%u.%u.%u", kFirst[h % 7], unsigned((h >> 8) % 254) + 1,
                unsigned((h >> 16) % 254) + 1, unsigned((h >> 24) % 250) + 2);
  return buf;
}

std::string HomeIp(uint64_t h) {
  static const int kFirst[] = {24, 71, 73, 81, 86, 90, 98, 109, 151, 176, 188, 212};
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%d.%u.%u.%u", kFirst[h % 12], unsigned((h >> 8) % 254) + 1,
                unsigned((h >> 16) % 254) + 1, unsigned((h >> 24) % 250) + 2);
  return buf;
}

}  // namespace

Org Org::Build(const OrgParams& params) {
  Org org;
  org.params = params;
  const uint64_t seed = params.seed;
  const double n = double(params.events);
  auto clampu = [](double v, double lo, double hi) { return uint32_t(std::max(lo, std::min(hi, v))); };

  const char* aliases[] = {"acme-identity", "acme-prod", "acme-dev", "acme-data"};
  const double acct_weights[] = {0.10, 0.50, 0.25, 0.15};
  for (int i = 0; i < 4; ++i) {
    uint64_t h = Mix(seed, 0xACC7, i);
    char id[16];
    std::snprintf(id, sizeof(id), "%012llu", static_cast<unsigned long long>(100000000000ull + h % 899999999999ull));
    org.accounts.push_back(Account{id, aliases[i], acct_weights[i], Ec2PublicIp(Mix(h, 1)), "vpc-" + Hex(Mix(h, 2), 17)});
  }
  org.regions = {{"us-east-1", 0.55}, {"us-west-2", 0.22}, {"eu-west-1", 0.16}, {"ap-northeast-1", 0.07}};

  auto add_role = [&](uint32_t account, std::string name) {
    org.roles.push_back(Role{account, std::move(name), AwsId("AROA", Mix(seed, 0x201E, org.roles.size()))});
    return uint32_t(org.roles.size() - 1);
  };
  // Workload roles people assume (cross-account from the identity account).
  std::vector<uint32_t> human_roles, chain_roles, instance_roles, lambda_roles;
  for (uint32_t a = 1; a < 4; ++a) {
    for (const char* r : {"OrganizationAccountAccessRole", "Admin", "Developer", "ReadOnly", "SecurityAudit"})
      human_roles.push_back(add_role(a, r));
    for (const char* r : {"deploy-pipeline", "data-engineering", "break-glass"}) chain_roles.push_back(add_role(a, r));
  }
  uint32_t n_instance_roles = clampu(n / 40000, 6, 60);
  const char* tiers[] = {"web-app", "api", "worker", "batch", "etl", "cache", "search", "ingest", "bastion", "ml"};
  for (uint32_t i = 0; i < n_instance_roles; ++i) {
    uint32_t a = 1 + uint32_t(Mix(seed, 0x1A, i) % 3);
    instance_roles.push_back(add_role(a, std::string(tiers[i % 10]) + "-instance" + (i >= 10 ? "-" + std::to_string(i / 10) : "")));
  }
  uint32_t n_lambdas = clampu(n / 20000, 10, 1000);
  for (uint32_t i = 0; i < n_lambdas; ++i) {
    uint32_t a = 1 + uint32_t(Mix(seed, 0x1B, i) % 3);
    uint32_t role = add_role(a, "lambda-exec-fn" + std::to_string(i));
    lambda_roles.push_back(role);
    uint32_t region = Mix(seed, 0x1C, i) % 10 < 7 ? 0 : uint32_t(Mix(seed, 0x1D, i) % 4);
    org.lambdas.push_back(LambdaFn{a, region, role, "fn-" + std::string(tiers[i % 10]) + "-" + std::to_string(i)});
  }
  // The role the coin-mining attacker chains into (exists in prod).
  add_role(1, "ec2-fleet-manager");

  static const char* kFirst[] = {"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan",
                                 "judy", "mallory", "niaj", "olivia", "peggy", "rupert", "sybil", "trent",
                                 "victor", "walter", "yara", "zoe", "omar", "priya", "li", "kenji", "fatima"};
  static const char* kLast[] = {"smith", "jones", "garcia", "chen", "khan", "muller", "rossi", "tanaka", "silva",
                                "novak", "dubois", "kowalski", "ivanova", "okafor", "larsen", "nguyen"};
  uint32_t n_users = clampu(n / 5000, 20, 4000);
  for (uint32_t i = 0; i < n_users; ++i) {
    uint64_t h = Mix(seed, 0x05E4, i);
    std::string name = std::string(kFirst[h % 26]) + "." + kLast[(h >> 8) % 16] + std::to_string(i);
    uint32_t target = human_roles[(h >> 16) % human_roles.size()];
    uint32_t chain = chain_roles[(h >> 24) % chain_roles.size()];
    org.users.push_back(User{0, name, AwsId("AIDA", Mix(h, 1)), AwsId("AKIA", Mix(h, 2)), target, chain,
                             HomeIp(Mix(h, 3)), true});
  }
  // Service users with long-term keys in each workload account (CI bots, legacy apps).
  org.service_users_by_acct.resize(4);
  uint32_t n_service_users = clampu(n / 50000, 3, 200);
  for (uint32_t a = 1; a < 4; ++a) {
    for (uint32_t i = 0; i < n_service_users; ++i) {
      uint64_t h = Mix(seed, 0x5E5, a * 1000 + i);
      std::string name = (i == 0 && a == 1) ? "svc-ci-legacy" : "svc-" + std::string(tiers[i % 10]) + "-bot" + std::to_string(i);
      org.service_users_by_acct[a].push_back(uint32_t(org.users.size()));
      org.users.push_back(User{a, name, AwsId("AIDA", Mix(h, 1)), AwsId("AKIA", Mix(h, 2)), 0, 0,
                               Ec2PublicIp(Mix(h, 3)), false});
    }
  }

  uint32_t n_instances = clampu(n / 2000, 50, 20000);
  org.instances_by_acct_region.resize(4 * org.regions.size());
  for (uint32_t i = 0; i < n_instances; ++i) {
    uint64_t h = Mix(seed, 0x1257, i);
    uint32_t role = instance_roles[h % instance_roles.size()];
    uint32_t a = org.roles[role].account;
    double u = double((h >> 20) % 1000) / 1000.0;
    uint32_t region = u < 0.6 ? 0 : u < 0.82 ? 1 : u < 0.95 ? 2 : 3;
    Instance inst{a,
                  region,
                  role,
                  "i-" + Hex(Mix(h, 1), 17),
                  "eni-" + Hex(Mix(h, 2), 17),
                  PrivateIp(Mix(h, 3), int(a)),
                  (h >> 40) % 3 == 0 ? Ec2PublicIp(Mix(h, 4)) : std::string(),
                  "subnet-" + Hex(Mix(h, 5), 17),
                  AwsId("AIPA", Mix(h, 6))};
    org.instances_by_acct_region[a * org.regions.size() + region].push_back(uint32_t(org.instances.size()));
    org.instances.push_back(std::move(inst));
  }
  org.lambdas_by_acct.resize(4);
  for (uint32_t i = 0; i < org.lambdas.size(); ++i) org.lambdas_by_acct[org.lambdas[i].account].push_back(i);

  org.dbs.push_back(DbInstance{3, 0, "orders-prod-aurora", "orders-prod-aurora-instance-1", PrivateIp(Mix(seed, 0xDB1), 3)});
  org.dbs.push_back(DbInstance{3, 0, "billing-aurora", "billing-aurora-instance-1", PrivateIp(Mix(seed, 0xDB2), 3)});
  org.dbs.push_back(DbInstance{1, 1, "sessions-mysql", "sessions-mysql-instance-1", PrivateIp(Mix(seed, 0xDB3), 1)});

  uint32_t n_buckets = clampu(n / 20000, 12, 2000);
  const char* bucket_kinds[] = {"logs", "artifacts", "static-assets", "backups", "datalake-raw", "datalake-curated",
                                "terraform-state", "customer-uploads", "ml-models", "reports"};
  for (uint32_t i = 0; i < n_buckets; ++i) {
    org.buckets.push_back("acme-" + std::string(bucket_kinds[i % 10]) + "-" + Hex(Mix(seed, 0xB0C, i), 6));
  }
  org.buckets[0] = "acme-customer-data-prod";

  org.apis = BuildApiCatalogue(seed);
  org.api_zipf = Zipf(org.apis.size(), 1.05);
  {
    // Autoscaling replaces about a tenth of a fleet a day; every launch is a
    // new instance and network interface in the graph.
    constexpr double kLaunchesPerInstanceDay = 0.1;
    // Share of normal events that sample the API catalogue (the rest are S3
    // data events, ConsoleLogin and credential minting), roughly.
    constexpr double kCatalogueShare = 0.85;
    double p = 0;
    for (size_t r = 0; r < org.apis.size(); ++r) {
      if (org.apis[r].name == "RunInstances") p += org.api_zipf.Probability(r);
    }
    double want = kLaunchesPerInstanceDay * double(n_instances) * double(params.days);
    double drawn = double(params.events) * kCatalogueShare * p;
    if (drawn > want) org.launch_keep = want / drawn;
  }

  org.user_agents = {
      "aws-cli/2.15.30 Python/3.11.8 Linux/6.1.79-99.167.amzn2023.x86_64 exe/x86_64.amzn.2023 prompt/off command/s3.cp",
      "aws-cli/2.13.25 Python/3.11.5 Darwin/23.1.0 exe/x86_64 prompt/off command/sts.get-caller-identity",
      "aws-cli/2.17.2 md/awscrt#0.20.11 ua/2.0 os/windows#10 md/arch#amd64 lang/python#3.11.8 md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe md/prompt#off md/command#ec2.describe-instances",
      "Boto3/1.34.69 md/Botocore#1.34.69 ua/2.0 os/linux#5.10.213-201.855.amzn2.x86_64 md/arch#x86_64 lang/python#3.12.2 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.69",
      "Boto3/1.28.57 Python/3.9.16 Linux/4.14.336-253.554.amzn2.x86_64 exec-env/AWS_Lambda_python3.9 Botocore/1.31.57",
      "aws-sdk-java/2.25.11 Linux/5.10.210-201.852.amzn2.x86_64 OpenJDK_64-Bit_Server_VM/17.0.10+7-LTS Java/17.0.10 vendor/Amazon.com_Inc. io/sync http/Apache cfg/retry-mode/legacy",
      "aws-sdk-go-v2/1.25.2 os/linux lang/go#1.22.1 md/GOOS#linux md/GOARCH#amd64 api/s3#1.51.1",
      "aws-sdk-go/1.50.30 (go1.21.7; linux; amd64)",
      "aws-sdk-js/3.535.0 ua/2.0 os/linux#5.10.210-220.855.amzn2.x86_64 lang/js md/nodejs#20.11.1 api/dynamodb#3.535.0",
      "APN/1.0 HashiCorp/1.0 Terraform/1.7.5 (+https://www.terraform.io) terraform-provider-aws/5.41.0 (+https://registry.terraform.io/providers/hashicorp/aws) aws-sdk-go-v2/1.25.3 os/linux lang/go#1.22.1",
      "console.amazonaws.com",
      "AWS Internal",
      "Amazon CloudWatch Agent",
      "amazon-ssm-agent/3.3.40.0",
      "aws-sdk-dotnet-coreclr/3.7.300.55 .NET_Core/8.0.3 OS/Microsoft_Windows_10.0.20348 ClientAsync",
      "kubernetes/v1.29.1-eks-b9c9ed7 aws-sdk-go/1.48.16 (go1.21.6; linux; amd64)",
      "S3Console/0.4, aws-internal/3 aws-sdk-java/1.12.488 Linux/5.10.217-183.860.amzn2int.x86_64",
      "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36"};
  org.service_principals = {"lambda.amazonaws.com",        "cloudtrail.amazonaws.com", "config.amazonaws.com",
                            "autoscaling.amazonaws.com",   "elasticloadbalancing.amazonaws.com",
                            "s3.amazonaws.com",            "ecs-tasks.amazonaws.com",  "ssm.amazonaws.com",
                            "backup.amazonaws.com",        "access-analyzer.amazonaws.com"};
  return org;
}

}  // namespace gumshoe::bench
