# AWS ip-ranges.json ingestor (issue 3).
list(APPEND GUMSHOE_INGEST_SOURCES
  src/aws_ip_ranges/aws_ip_ranges.cc
)
