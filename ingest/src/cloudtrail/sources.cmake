# CloudTrail ingestor (issue 3).
list(APPEND GUMSHOE_INGEST_SOURCES
  src/cloudtrail/cloudtrail.cc
  src/cloudtrail/event_table.cc
  src/cloudtrail/iam_changes.cc
  src/cloudtrail/resources.cc
)
