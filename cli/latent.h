// Latent exposure: what the credentials of an investigation could still do,
// from the IAM authorization snapshots in the store (see cmd_could.cc and
// gumshoe/iam/authz.h), for `investigate` and `could`.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "gumshoe/iam/authz.h"
#include "gumshoe/iam/resource_access.h"
#include "gumshoe/iam_authz.h"
#include "gumshoe/model.h"
#include "gumshoe/status.h"
#include "gumshoe/store.h"
#include "output.h"

namespace gumshoe::cli {

// The principal (user or role ARN) a graph entity stands for: users and roles
// as they are, a session's role, a key's owner (and its session's role).
std::optional<std::string> PrincipalArn(const GraphReader& reader, const EntityRef& ref);

// A principal of one of the loaded snapshots, by ARN or (unique) name.
struct PrincipalIndex {
  size_t account = 0;
  size_t node = 0;
};
std::optional<PrincipalIndex> FindPrincipal(const std::vector<AccountAuthorization>& accounts, std::string_view text);

// What one principal the credential can act as could read or write: the
// start itself (path -1) or the target of one of its paths.
struct ReachAccess {
  size_t node = 0;
  int path = -1;                                  // index into LatentExposure::paths, -1: the start
  iam::ResourceAccess access;
  std::vector<std::optional<Evidence>> observed;  // per access.edges
};

// At most this many principals (the start and the first path targets it can
// act as) have their resource access evaluated.
inline constexpr size_t kMaxReachAccess = 16;

// What one credential's principal could do.
struct LatentExposure {
  EntityRef credential;
  const AccountAuthorization* account = nullptr;
  size_t node = 0;
  iam::CouldGraph graph;
  std::vector<iam::CouldPath> paths;
  std::optional<iam::CouldPath> admin;
  std::vector<std::optional<Evidence>> observed;  // per edge of graph (checked for the paths' steps)
  std::vector<iam::KnownResource> resources;      // the did-graph's and the policies' resources
  std::vector<ReachAccess> reach;                 // reach[0]: the start
  std::vector<iam::ExternalGrant> external;       // resource policies open to other accounts or anyone
  bool PathObserved(const iam::CouldPath& p) const;
  // "can assume 1 role, can pass 1 role to services; admin-equivalent in 1 step"
  std::string Summary() const;
};

// What the principal `node` of `account` could do, for `credential`; `account`
// must outlive the result.
Result<LatentExposure> ExposureOf(const GraphReader& reader, const AccountAuthorization& account, size_t node,
                                  const EntityRef& credential, size_t max_paths, size_t depth, bool strict);

// One exposure per distinct principal of `credentials` found in `accounts`.
Result<std::vector<LatentExposure>> LatentExposures(const GraphReader& reader,
                                                    const std::vector<AccountAuthorization>& accounts,
                                                    const std::vector<EntityRef>& credentials, size_t max_paths,
                                                    size_t depth, bool strict);

// Text section and JSON array for investigate.
std::string LatentText(const std::vector<LatentExposure>& exposures, const std::vector<AccountAuthorization>& accounts,
                       Timestamp as_of);
void WriteLatent(JsonOut& j, const std::vector<LatentExposure>& exposures);
// The `paths` array of gumshoe.could/1 and of investigate's latent_exposure.
void WritePaths(JsonOut& j, const LatentExposure& exposure);
// The `resources`, `wildcards`, `blocked_access` and `external_grants` fields of gumshoe.could/1.
void WriteResourceFields(JsonOut& j, const LatentExposure& exposure);
// The text lines of `could` for the same.
std::string ResourceText(const LatentExposure& exposure);

// "as role BreakGlassAdmin (path 2)" or "itself".
std::string ReachLabel(const LatentExposure& x, const ReachAccess& r);
// "can_read every secret of account 1111... and any created later".
std::string WildcardText(const iam::WildcardGrant& g);

// One could-edge beyond what the logs show, for blast-radius --latent: a step
// of an unexercised path, an unobserved can_read / can_write, or a wildcard
// summary (to: the type's kind with key "*").
struct LatentItem {
  EntityRef from, to;
  std::string edge;    // can_assume, can_read, ...
  std::string method;  // the privilege-escalation method, or the actions allowed
  std::vector<std::string> evidence, conditions;
  bool admin_equivalent = false;  // a step of a path that makes the start admin-equivalent
  bool wildcard = false;
  std::string note;               // WildcardText for wildcard items
};

// The items of `exposures` beyond what was observed: path steps never
// exercised (those leading to an entity of `reached` left out), can_read /
// can_write with no successful call, and wildcard summaries. Sorted, unique.
std::vector<LatentItem> LatentBeyond(const std::vector<LatentExposure>& exposures, const std::set<EntityRef>& reached);

}  // namespace gumshoe::cli
