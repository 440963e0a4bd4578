// The explicit table of ingestors (private to the ingest layer).
//
// Each log source lives in ingest/src/<folder>/ (listed by its sources.cmake)
// and provides one factory function declared here. registry.cc's kSources
// lists them in detection order, one row each. No static self-registration.
#pragma once

#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "ingestor.h"

namespace gumshoe::ingest {

std::unique_ptr<Ingestor> NewCloudTrailIngestor();    // src/cloudtrail
std::unique_ptr<Ingestor> NewVpcFlowIngestor();       // src/vpc_flow
std::unique_ptr<Ingestor> NewRoute53Ingestor();       // src/dns
std::unique_ptr<Ingestor> NewGuardDutyIngestor();     // src/guardduty
std::unique_ptr<Ingestor> NewS3AccessIngestor();      // src/s3_access
std::unique_ptr<Ingestor> NewMysqlAuditIngestor();    // src/db_login
std::unique_ptr<Ingestor> NewPostgresLogIngestor();   // src/db_login
std::unique_ptr<Ingestor> NewThreatIntelIngestor();   // src/threat_intel
std::unique_ptr<Ingestor> NewAwsIpRangesIngestor();   // src/aws_ip_ranges
std::unique_ptr<Ingestor> NewIamAuthzIngestor();      // src/iam_authz

// One row of the table: the source's name (what --source takes and the fuzz
// target is called after: fuzz_<name>), its factory, and the folders under
// tests/data that seed its fuzz corpus (space-separated).
struct SourceRow {
  std::string_view name;
  std::unique_ptr<Ingestor> (*factory)();
  std::string_view fuzz_seeds;
};

// The rows, in detection order.
std::span<const SourceRow> SourceTable();

// Every ingestor this build has, in detection order (ties in Sniff scores go
// to the earlier one). Built once on first use and immutable afterwards;
// thread-safe.
const std::vector<std::unique_ptr<Ingestor>>& Ingestors();

}  // namespace gumshoe::ingest
