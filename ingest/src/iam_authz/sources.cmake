# IAM authorization snapshots (get-account-authorization-details) and policy documents.
list(APPEND GUMSHOE_INGEST_SOURCES src/iam_authz/iam_authz.cc src/iam_authz/iam_authz_ingestor.cc
     src/iam_authz/org_policies.cc)
