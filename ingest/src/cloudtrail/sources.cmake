# CloudTrail ingestor (issue 3).
list(APPEND GUMSHOE_INGEST_SOURCES
  src/cloudtrail/cloudtrail.cc
  src/cloudtrail/event_table.cc
  src/cloudtrail/iam_changes.cc
  src/cloudtrail/resources.cc
)
set(GUMSHOE_INGEST_DEFINITIONS ${GUMSHOE_INGEST_DEFINITIONS} GUMSHOE_HAVE_CLOUDTRAIL=1)
