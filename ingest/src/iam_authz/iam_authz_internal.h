// The authorization-details reader on an already parsed JSON value, for the
// iam_authz ingestor (private to the ingest layer).
#pragma once

#include "gumshoe/iam_authz.h"
#include "json_util.h"

namespace gumshoe::ingest {

Result<iam::AuthorizationSnapshot> SnapshotFromJson(const JsonValue& doc, Timestamp as_of, AuthzParseStats* stats);
bool IsAuthorizationDetails(const JsonValue& v);

Result<ServiceControlPolicy> ScpFromJson(const JsonValue& doc, AuthzParseStats* stats);
bool IsScpDocument(const JsonValue& v);
Result<iam::ResourcePolicy> ResourcePolicyFromJson(const JsonValue& doc, AuthzParseStats* stats);
bool IsResourcePolicyDocument(const JsonValue& v);

// Sets scp_layers, scps_applied, scp_notes and resource_policies of every
// account from the stored SCP and resource-policy documents.
Status LoadOrgAndResourcePolicies(const GraphStore& store, Timestamp as_of, std::vector<AccountAuthorization>& accounts);

}  // namespace gumshoe::ingest
