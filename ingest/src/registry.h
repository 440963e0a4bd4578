// The explicit table of ingestors (private to the ingest layer).
//
// Each log source lives in ingest/src/<folder>/ and provides one factory
// function declared here. registry.cc lists them in detection order; a
// factory is only referenced when its folder's sources.cmake defines
// GUMSHOE_HAVE_<NAME>=1 on registry.cc (see registry.cc). No static
// self-registration.
#pragma once

#include <memory>
#include <vector>

#include "ingestor.h"

namespace gumshoe::ingest {

std::unique_ptr<Ingestor> NewCloudTrailIngestor();    // src/cloudtrail, GUMSHOE_HAVE_CLOUDTRAIL
std::unique_ptr<Ingestor> NewVpcFlowIngestor();       // src/vpc_flow, GUMSHOE_HAVE_VPC_FLOW
std::unique_ptr<Ingestor> NewRoute53Ingestor();       // src/dns, GUMSHOE_HAVE_ROUTE53
std::unique_ptr<Ingestor> NewGuardDutyIngestor();     // src/guardduty, GUMSHOE_HAVE_GUARDDUTY
std::unique_ptr<Ingestor> NewS3AccessIngestor();      // src/s3_access, GUMSHOE_HAVE_S3_ACCESS
std::unique_ptr<Ingestor> NewMysqlAuditIngestor();    // src/db_login, GUMSHOE_HAVE_MYSQL_AUDIT
std::unique_ptr<Ingestor> NewPostgresLogIngestor();   // src/db_login, GUMSHOE_HAVE_POSTGRES_LOG
std::unique_ptr<Ingestor> NewThreatIntelIngestor();   // src/threat_intel, GUMSHOE_HAVE_THREAT_INTEL
std::unique_ptr<Ingestor> NewAwsIpRangesIngestor();   // src/aws_ip_ranges, GUMSHOE_HAVE_AWS_IP_RANGES
std::unique_ptr<Ingestor> NewIamAuthzIngestor();      // src/iam_authz, GUMSHOE_HAVE_IAM_AUTHZ

// Every ingestor this build has, in detection order (ties in Sniff scores go
// to the earlier one). Built once on first use and immutable afterwards;
// thread-safe.
const std::vector<std::unique_ptr<Ingestor>>& Ingestors();

}  // namespace gumshoe::ingest
