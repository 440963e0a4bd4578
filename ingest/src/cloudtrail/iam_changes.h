// IAM changes that alter what principals could do (policies attached or
// written, group membership, trust policies, policy versions, boundaries, new
// users and roles). The CloudTrail ingestor keeps each successful one as a
// document beside the graph (key iam_change/<account>/<time>/<eventID>), so
// `could` can replay them on the latest authorization snapshot before a time
// (see gumshoe/iam_authz.h: ApplyIamChange).
// Thread-safety: immutable data.
#pragma once

#include <string_view>

namespace gumshoe::ingest::cloudtrail {

// Whether the iam.amazonaws.com event `name` changes permissions.
bool IsIamPermissionChange(std::string_view name);

}  // namespace gumshoe::ingest::cloudtrail
