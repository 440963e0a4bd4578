// The authorization-details reader on an already parsed JSON value, for the
// iam_authz ingestor (private to the ingest layer).
#pragma once

#include "gumshoe/iam_authz.h"
#include "json_util.h"

namespace gumshoe::ingest {

Result<iam::AuthorizationSnapshot> SnapshotFromJson(const JsonValue& doc, Timestamp as_of, AuthzParseStats* stats);
bool IsAuthorizationDetails(const JsonValue& v);

}  // namespace gumshoe::ingest
