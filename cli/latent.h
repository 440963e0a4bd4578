// Latent exposure: what the credentials of an investigation could still do,
// from the IAM authorization snapshots in the store (see cmd_could.cc and
// gumshoe/iam/authz.h), for `investigate` and `could`.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "gumshoe/iam/authz.h"
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

// What one credential's principal could do.
struct LatentExposure {
  EntityRef credential;
  const AccountAuthorization* account = nullptr;
  size_t node = 0;
  iam::CouldGraph graph;
  std::vector<iam::CouldPath> paths;
  std::optional<iam::CouldPath> admin;
  std::vector<std::optional<Evidence>> observed;  // per edge of graph (checked for the paths' steps)
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

}  // namespace gumshoe::cli
