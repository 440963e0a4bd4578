list(APPEND GUMSHOE_INGEST_SOURCES src/vpc_flow/net_common.cc src/vpc_flow/vpc_flow.cc)
set_property(SOURCE src/registry.cc APPEND PROPERTY COMPILE_DEFINITIONS GUMSHOE_HAVE_VPC_FLOW=1)
