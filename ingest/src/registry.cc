// The table of ingestors: one row per built-in source, in detection order.
// Nothing else lists the sources by hand: the CLI's --source choices and
// completion come from it, and tests/ingest/registry_test.cc checks the fuzz
// targets (tests/fuzz/CMakeLists.txt, scripts/fuzz.sh), their seeds and the
// README's Sources table against it.
#include "registry.h"

#include <stdexcept>
#include <string>

#include "gumshoe/ingest.h"

namespace gumshoe::ingest {
namespace {

// {name, factory, fuzz seed folders under tests/data (space-separated)}.
// Ties in Sniff scores go to the earlier row.
constexpr SourceRow kSources[] = {
    {"cloudtrail", &NewCloudTrailIngestor, "cloudtrail embed"},
    {"guardduty", &NewGuardDutyIngestor, "guardduty"},
    {"vpc_flow", &NewVpcFlowIngestor, "vpc_flow"},
    {"route53", &NewRoute53Ingestor, "route53"},
    {"s3_access", &NewS3AccessIngestor, "s3_access"},
    {"mysql_audit", &NewMysqlAuditIngestor, "db_login"},
    {"postgres", &NewPostgresLogIngestor, "db_login"},
    {"aws_ip_ranges", &NewAwsIpRangesIngestor, "cloudtrail"},
    {"threat_intel", &NewThreatIntelIngestor, "threat_intel"},
    {"iam_authz", &NewIamAuthzIngestor, "iam"},
};

std::vector<std::unique_ptr<Ingestor>> BuildTable() {
  std::vector<std::unique_ptr<Ingestor>> table;
  for (const SourceRow& row : kSources) {
    table.push_back(row.factory());
    // A row whose factory names another source would make --source and the
    // fuzz target disagree with what runs.
    if (table.back()->name() != row.name)
      throw std::logic_error("ingest registry: row '" + std::string(row.name) + "' builds ingestor '" +
                             std::string(table.back()->name()) + "'");
  }
  return table;
}

}  // namespace

std::span<const SourceRow> SourceTable() { return kSources; }

const std::vector<std::unique_ptr<Ingestor>>& Ingestors() {
  static const std::vector<std::unique_ptr<Ingestor>> table = BuildTable();
  return table;
}

}  // namespace gumshoe::ingest

namespace gumshoe {

std::vector<IngestorInfo> ListIngestors() {
  std::vector<IngestorInfo> out;
  for (const auto& ingestor : ingest::Ingestors()) {
    out.push_back(IngestorInfo{std::string(ingestor->name()), std::string(ingestor->description())});
  }
  return out;
}

}  // namespace gumshoe
