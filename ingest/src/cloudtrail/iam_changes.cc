#include "cloudtrail/iam_changes.h"

#include <algorithm>
#include <array>

namespace gumshoe::ingest::cloudtrail {
namespace {

// Sorted, for binary search.
constexpr std::array<std::string_view, 30> kChanges = {
    "AddRoleToInstanceProfile",      "AddUserToGroup",
    "AttachGroupPolicy",             "AttachRolePolicy",
    "AttachUserPolicy",              "CreateGroup",
    "CreatePolicy",                  "CreatePolicyVersion",
    "CreateRole",                    "CreateUser",
    "DeleteGroupPolicy",             "DeletePolicyVersion",
    "DeleteRole",                    "DeleteRolePermissionsBoundary",
    "DeleteRolePolicy",              "DeleteUser",
    "DeleteUserPermissionsBoundary", "DeleteUserPolicy",
    "DetachGroupPolicy",             "DetachRolePolicy",
    "DetachUserPolicy",              "PutGroupPolicy",
    "PutRolePermissionsBoundary",    "PutRolePolicy",
    "PutUserPermissionsBoundary",    "PutUserPolicy",
    "RemoveRoleFromInstanceProfile", "RemoveUserFromGroup",
    "SetDefaultPolicyVersion",       "UpdateAssumeRolePolicy",
};

}  // namespace

bool IsIamPermissionChange(std::string_view name) {
  static_assert(std::is_sorted(kChanges.begin(), kChanges.end()));
  return std::binary_search(kChanges.begin(), kChanges.end(), name);
}

}  // namespace gumshoe::ingest::cloudtrail
