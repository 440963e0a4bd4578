# Database login logs: Aurora/RDS MySQL advanced audit and RDS PostgreSQL logs.
list(APPEND GUMSHOE_INGEST_SOURCES
  src/db_login/db_login_common.cc
  src/db_login/mysql_audit.cc
  src/db_login/postgres.cc
)
