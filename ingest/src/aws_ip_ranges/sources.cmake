# AWS ip-ranges.json ingestor (issue 3).
list(APPEND GUMSHOE_INGEST_SOURCES
  src/aws_ip_ranges/aws_ip_ranges.cc
)
set(GUMSHOE_INGEST_DEFINITIONS ${GUMSHOE_INGEST_DEFINITIONS} GUMSHOE_HAVE_AWS_IP_RANGES=1)
