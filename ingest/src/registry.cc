// The table of ingestors. A source folder's sources.cmake enables its entry
// with either of (both work; ingest/CMakeLists.txt applies the variable):
//   set_property(SOURCE src/registry.cc APPEND PROPERTY COMPILE_DEFINITIONS GUMSHOE_HAVE_CLOUDTRAIL=1)
//   list(APPEND GUMSHOE_INGEST_DEFINITIONS GUMSHOE_HAVE_CLOUDTRAIL)
#include "registry.h"

#include "gumshoe/ingest.h"

namespace gumshoe::ingest {
namespace {

std::vector<std::unique_ptr<Ingestor>> BuildTable() {
  std::vector<std::unique_ptr<Ingestor>> table;
#if defined(GUMSHOE_HAVE_CLOUDTRAIL) && GUMSHOE_HAVE_CLOUDTRAIL
  table.push_back(NewCloudTrailIngestor());
#endif
#if defined(GUMSHOE_HAVE_GUARDDUTY) && GUMSHOE_HAVE_GUARDDUTY
  table.push_back(NewGuardDutyIngestor());
#endif
#if defined(GUMSHOE_HAVE_VPC_FLOW) && GUMSHOE_HAVE_VPC_FLOW
  table.push_back(NewVpcFlowIngestor());
#endif
#if defined(GUMSHOE_HAVE_ROUTE53) && GUMSHOE_HAVE_ROUTE53
  table.push_back(NewRoute53Ingestor());
#endif
#if defined(GUMSHOE_HAVE_S3_ACCESS) && GUMSHOE_HAVE_S3_ACCESS
  table.push_back(NewS3AccessIngestor());
#endif
#if defined(GUMSHOE_HAVE_MYSQL_AUDIT) && GUMSHOE_HAVE_MYSQL_AUDIT
  table.push_back(NewMysqlAuditIngestor());
#endif
#if (defined(GUMSHOE_HAVE_POSTGRES_LOG) && GUMSHOE_HAVE_POSTGRES_LOG) || (defined(GUMSHOE_HAVE_POSTGRES) && GUMSHOE_HAVE_POSTGRES)
  table.push_back(NewPostgresLogIngestor());
#endif
#if defined(GUMSHOE_HAVE_AWS_IP_RANGES) && GUMSHOE_HAVE_AWS_IP_RANGES
  table.push_back(NewAwsIpRangesIngestor());
#endif
#if defined(GUMSHOE_HAVE_THREAT_INTEL) && GUMSHOE_HAVE_THREAT_INTEL
  table.push_back(NewThreatIntelIngestor());
#endif
#if defined(GUMSHOE_HAVE_IAM_AUTHZ) && GUMSHOE_HAVE_IAM_AUTHZ
  table.push_back(NewIamAuthzIngestor());
#endif
  return table;
}

}  // namespace

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
