# Database login logs: Aurora/RDS MySQL advanced audit and RDS PostgreSQL logs.
list(APPEND GUMSHOE_INGEST_SOURCES
  src/db_login/db_login_common.cc
  src/db_login/mysql_audit.cc
  src/db_login/postgres.cc
)
set_property(SOURCE src/registry.cc APPEND PROPERTY COMPILE_DEFINITIONS GUMSHOE_HAVE_MYSQL_AUDIT=1 GUMSHOE_HAVE_POSTGRES_LOG=1)
