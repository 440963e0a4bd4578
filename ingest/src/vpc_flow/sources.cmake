list(APPEND GUMSHOE_INGEST_SOURCES src/vpc_flow/net_common.cc src/vpc_flow/vpc_flow.cc)
