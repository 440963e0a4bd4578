# Uses src/vpc_flow/net_common.cc (listed by src/vpc_flow/sources.cmake).
list(APPEND GUMSHOE_INGEST_SOURCES src/dns/route53.cc)
