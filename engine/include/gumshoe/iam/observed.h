// Whether a could-edge was exercised: the "did" graph's evidence that a
// principal actually used the permission (assumed the role, created a key
// for the user, attached a policy, launched an instance with the role...).
//
// Only successful calls count, and only where the graph can tell them apart:
// an edge that mixes several operations with failures among them is not
// claimed as evidence for any one of them. Steps the graph keeps no trace of
// (a new policy version, a Lambda function created with the role) are
// reported as not observed.
// Thread-safety: reads only.
#pragma once

#include <optional>

#include "gumshoe/iam/authz.h"
#include "gumshoe/iam/resource_access.h"
#include "gumshoe/model.h"
#include "gumshoe/status.h"
#include "gumshoe/store.h"

namespace gumshoe::iam {

// The event that exercised `edge` of `graph`, or nullopt when none is known.
Result<std::optional<Evidence>> StepObserved(const GraphReader& reader, const CouldGraph& graph, const CouldEdge& edge);

// The buckets, secrets, SSM parameters and KMS keys of the did-graph, with
// their owner account when the graph knows it (the ARN's account field, else
// an in_account edge). At most `limit` per type (the first by key).
Result<std::vector<KnownResource>> GraphResources(const GraphReader& reader, size_t limit = 10000);

// The first successful call that exercised `edge` (from `node` of `snapshot`):
// read: read (a KMS key: used_key); write: wrote or deleted, or modified /
// disabled when every call on that edge succeeded and one was an action of
// AccessActions() (PutBucketPolicy, ScheduleKeyDeletion, ...); from the node
// itself or one of its role's sessions.
Result<std::optional<Evidence>> AccessObserved(const GraphReader& reader, const AuthorizationSnapshot& snapshot,
                                               size_t node, const KnownResource& resource, Access access);

// The graph entity a snapshot node stands for (iam_user / iam_role with its ARN).
std::optional<EntityRef> EntityOfNode(const Node& node);

}  // namespace gumshoe::iam
