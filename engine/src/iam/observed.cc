#include "gumshoe/iam/observed.h"

#include <set>
#include <string>
#include <vector>

namespace gumshoe::iam {
namespace {

using K = CouldKind;

// The entities that act for a node in the logs: the user itself, or a role
// and every session of it.
Result<std::vector<EntityId>> Actors(const GraphReader& r, const Node& n) {
  std::vector<EntityId> out;
  auto ref = EntityOfNode(n);
  if (!ref) return out;
  EntityId id = r.IdOf(ref->kind, ref->key);
  out.push_back(id);
  if (n.type == NodeType::kRole) {
    GUMSHOE_RETURN_IF_ERROR(r.ScanEdges(id, Direction::kIn, EdgeKind::kAssumedRole, [&](const Edge& e) {
      out.push_back(e.src);
      return true;
    }));
  }
  return out;
}

// Every operation on the edge succeeded: its counters can be trusted one by one.
bool AllSucceeded(const EdgeStats& s) { return s.success > 0 && s.failure == 0; }

bool HasCounter(const EdgeStats& s, std::string_view name) {
  auto it = s.counters.find(std::string(name));
  return it != s.counters.end() && it->second > 0;
}

bool HasOpPrefix(const EdgeStats& s, std::string_view prefix) {
  for (auto it = s.counters.lower_bound(std::string(prefix)); it != s.counters.end(); ++it) {
    if (!std::string_view(it->first).starts_with(prefix)) break;
    if (it->second > 0) return true;
  }
  return false;
}

// An out-edge of one of `actors` to `target` of `kind` that passes `ok`.
template <typename Ok>
Result<std::optional<Evidence>> FromActors(const GraphReader& r, const std::vector<EntityId>& actors, EdgeKind kind,
                                           const EntityId& target, const Ok& ok) {
  std::optional<Evidence> found;
  for (const EntityId& a : actors) {
    GUMSHOE_RETURN_IF_ERROR(r.ScanEdges(a, Direction::kOut, kind, [&](const Edge& e) {
      if (e.dst == target && ok(e.stats)) {
        if (!found || e.stats.first_evidence.time < found->time) found = e.stats.first_evidence;
      }
      return true;
    }));
  }
  return found;
}

}  // namespace

std::optional<EntityRef> EntityOfNode(const Node& node) {
  if (node.type == NodeType::kUser) return EntityRef{EntityKind::kIamUser, node.arn};
  if (node.type == NodeType::kRole) return EntityRef{EntityKind::kIamRole, node.arn};
  return std::nullopt;
}

Result<std::vector<KnownResource>> GraphResources(const GraphReader& r, size_t limit) {
  std::vector<KnownResource> out;
  for (ResourceType t : {ResourceType::kS3Bucket, ResourceType::kSecret, ResourceType::kSsmParameter,
                         ResourceType::kKmsKey}) {
    std::vector<Entity> found;
    GUMSHOE_RETURN_IF_ERROR(r.ScanEntities(EntityKindOf(t), [&](const Entity& e) {
      found.push_back(e);
      return found.size() < limit;
    }));
    for (const Entity& e : found) {
      KnownResource k;
      if (e.key.starts_with("arn:")) {
        auto parsed = ResourceOfArn(e.key);
        if (!parsed || parsed->type != t) continue;
        k = std::move(*parsed);
        k.ref = e.ref();
      } else {
        // A bucket by name, or a secret known by its name only.
        if (e.key.find_first_of("*?") != std::string::npos) continue;
        k.type = t;
        k.ref = e.ref();
      }
      if (k.account.empty()) {
        GUMSHOE_RETURN_IF_ERROR(r.ScanEdges(r.IdOf(e.kind, e.key), Direction::kOut, EdgeKind::kInAccount,
                                            [&](const Edge& edge) {
                                              auto acct = r.GetEntity(edge.dst);
                                              if (acct.ok() && *acct) k.account = (*acct)->key;
                                              return false;
                                            }));
      }
      if (t == ResourceType::kS3Bucket && !e.key.starts_with("arn:")) {
        k.arn = "arn:aws:s3:::" + e.key;
      } else if (t == ResourceType::kSecret && !e.key.starts_with("arn:")) {
        const std::string* region = e.Attr("region");
        k.arn = "arn:aws:secretsmanager:" + (region && !region->empty() ? *region : std::string("*")) + ":" +
                (k.account.empty() ? std::string("*") : k.account) + ":secret:" + e.key + "-??????";
        k.pattern = true;
      } else if (!e.key.starts_with("arn:")) {
        continue;
      }
      k.source = "logs";
      out.push_back(std::move(k));
    }
  }
  return out;
}

Result<std::optional<Evidence>> AccessObserved(const GraphReader& r, const AuthorizationSnapshot& snap, size_t node,
                                               const KnownResource& res, Access access) {
  if (node >= snap.nodes.size()) return std::optional<Evidence>();
  GUMSHOE_ASSIGN_OR_RETURN(std::vector<EntityId> actors, Actors(r, snap.nodes[node]));
  const EntityId target = r.IdOf(res.ref.kind, res.ref.key);
  // Data edges mean the access itself; modified / disabled only when every
  // call on the edge succeeded and one of them is an action of the table
  // (PutBucketPolicy, ScheduleKeyDeletion...), not any configuration change.
  std::vector<EdgeKind> data;
  if (access == Access::kRead) {
    data = {EdgeKind::kRead};
    if (res.type == ResourceType::kKmsKey) data.push_back(EdgeKind::kUsedKey);
  } else {
    data = {EdgeKind::kWrote, EdgeKind::kDeleted};
  }
  std::vector<std::string> ops;
  for (const AccessAction& a : AccessActions())
    if (a.type == res.type && a.access == access)
      ops.push_back("op:" + std::string(a.action.substr(a.action.find(':') + 1)));
  std::optional<Evidence> found;
  auto keep = [&](const std::optional<Evidence>& ev) {
    if (ev && (!found || ev->time < found->time)) found = ev;
  };
  for (EdgeKind k : data) {
    GUMSHOE_ASSIGN_OR_RETURN(auto ev, FromActors(r, actors, k, target, [](const EdgeStats& s) { return s.success > 0; }));
    keep(ev);
  }
  if (access == Access::kWrite) {
    for (EdgeKind k : {EdgeKind::kModified, EdgeKind::kDisabled}) {
      GUMSHOE_ASSIGN_OR_RETURN(auto ev, FromActors(r, actors, k, target, [&](const EdgeStats& s) {
                                 if (!AllSucceeded(s)) return false;
                                 for (const std::string& op : ops)
                                   if (HasCounter(s, op)) return true;
                                 return false;
                               }));
      keep(ev);
    }
  }
  return found;
}

Result<std::optional<Evidence>> StepObserved(const GraphReader& r, const CouldGraph& graph, const CouldEdge& edge) {
  const Node& from = graph.snapshot->nodes[edge.from];
  const Node& to = graph.snapshot->nodes[edge.to];
  GUMSHOE_ASSIGN_OR_RETURN(std::vector<EntityId> actors, Actors(r, from));
  if (actors.empty()) return std::optional<Evidence>();
  const auto to_ref = EntityOfNode(to);
  const std::string group_counter = "group:" + to.name;
  auto op = [&](std::string_view name) { return "op:" + std::string(name); };
  switch (edge.kind) {
    case K::kCanAssume: {
      // A session of the role whose key was minted by a credential of `from`.
      if (!to_ref) return std::optional<Evidence>();
      std::set<EntityId> creds(actors.begin(), actors.end());
      for (const EntityId& a : actors) {
        GUMSHOE_RETURN_IF_ERROR(r.ScanEdges(a, Direction::kOut, EdgeKind::kAuthenticatedWith, [&](const Edge& e) {
          creds.insert(e.dst);
          return true;
        }));
      }
      std::optional<Evidence> found;
      EntityId role = r.IdOf(to_ref->kind, to_ref->key);
      std::vector<EntityId> sessions;
      GUMSHOE_RETURN_IF_ERROR(r.ScanEdges(role, Direction::kIn, EdgeKind::kAssumedRole, [&](const Edge& e) {
        sessions.push_back(e.src);
        return true;
      }));
      for (const EntityId& s : sessions) {
        std::vector<EntityId> keys;
        GUMSHOE_RETURN_IF_ERROR(r.ScanEdges(s, Direction::kIn, EdgeKind::kCredentialOf, [&](const Edge& e) {
          keys.push_back(e.src);
          return true;
        }));
        for (const EntityId& k : keys) {
          GUMSHOE_RETURN_IF_ERROR(r.ScanEdges(k, Direction::kIn, EdgeKind::kMinted, [&](const Edge& e) {
            if (creds.count(e.src) && e.stats.success > 0 &&
                (!found || e.stats.first_evidence.time < found->time))
              found = e.stats.first_evidence;
            return true;
          }));
        }
      }
      return found;
    }
    case K::kCanCreateKeyFor: {
      if (!to_ref) return std::optional<Evidence>();
      std::vector<EntityId> keys;
      GUMSHOE_RETURN_IF_ERROR(r.ScanEdges(r.IdOf(to_ref->kind, to_ref->key), Direction::kIn, EdgeKind::kCredentialOf,
                                          [&](const Edge& e) {
                                            keys.push_back(e.src);
                                            return true;
                                          }));
      std::optional<Evidence> found;
      for (const EntityId& k : keys) {
        GUMSHOE_ASSIGN_OR_RETURN(auto ev, FromActors(r, actors, EdgeKind::kCreated, k,
                                                     [](const EdgeStats& s) { return s.success > 0; }));
        if (ev && (!found || ev->time < found->time)) found = ev;
      }
      return found;
    }
    case K::kCanSetPasswordFor:
    case K::kCanUpdateTrustOf:
    case K::kCanAttachPolicyTo:
    case K::kCanPutPolicyOn: {
      if (to.type == NodeType::kGroup) {
        // Group policies are recorded on the account, with the group's name.
        EntityId acct = r.IdOf(EntityKind::kAccount, to.account);
        return FromActors(r, actors, EdgeKind::kModified, acct, [&](const EdgeStats& s) {
          return AllSucceeded(s) && HasCounter(s, group_counter) &&
                 HasCounter(s, op(edge.kind == K::kCanAttachPolicyTo ? "AttachGroupPolicy" : "PutGroupPolicy"));
        });
      }
      if (!to_ref) return std::optional<Evidence>();
      EntityId target = r.IdOf(to_ref->kind, to_ref->key);
      return FromActors(r, actors, EdgeKind::kModified, target, [&](const EdgeStats& s) {
        if (!AllSucceeded(s)) return false;
        switch (edge.kind) {
          case K::kCanSetPasswordFor: return HasCounter(s, op("CreateLoginProfile")) || HasCounter(s, op("UpdateLoginProfile"));
          case K::kCanUpdateTrustOf: return HasCounter(s, op("UpdateAssumeRolePolicy"));
          case K::kCanAttachPolicyTo: return HasOpPrefix(s, "op:Attach");
          default: return HasOpPrefix(s, "op:Put");
        }
      });
    }
    case K::kCanAddToGroup: {
      // Recorded on the user added, with the group's name.
      auto self = EntityOfNode(from);
      if (!self) return std::optional<Evidence>();
      return FromActors(r, actors, EdgeKind::kModified, r.IdOf(self->kind, self->key), [&](const EdgeStats& s) {
        return AllSucceeded(s) && HasCounter(s, op("AddUserToGroup")) && HasCounter(s, group_counter);
      });
    }
    case K::kCanPassRoleTo: {
      if (edge.method != "CreateEC2WithExistingInstanceProfile" || !to_ref) return std::optional<Evidence>();
      // An instance `from` launched with one of the role's instance profiles,
      // or whose credentials were later minted for the role.
      std::optional<Evidence> found;
      const EntityId role = r.IdOf(to_ref->kind, to_ref->key);
      for (const EntityId& a : actors) {
        std::vector<std::pair<EntityId, Evidence>> launched;
        GUMSHOE_RETURN_IF_ERROR(r.ScanEdges(a, Direction::kOut, EdgeKind::kLaunched, [&](const Edge& e) {
          if (e.stats.success > 0) launched.emplace_back(e.dst, e.stats.first_evidence);
          return true;
        }));
        for (const auto& [inst, ev] : launched) {
          bool with_role = false;
          GUMSHOE_ASSIGN_OR_RETURN(std::optional<Entity> ent, r.GetEntity(inst));
          if (ent)
            if (const std::string* profile = ent->Attr("instance_profile"))
              for (const std::string& p : to.instance_profiles)
                with_role = with_role || *profile == p || std::string_view(*profile).ends_with("/" + p);
          if (!with_role) {
            GUMSHOE_RETURN_IF_ERROR(r.ScanEdges(inst, Direction::kOut, EdgeKind::kInstanceProfileRole, [&](const Edge& e) {
              with_role = with_role || e.dst == role;
              return !with_role;
            }));
          }
          if (with_role && (!found || ev.time < found->time)) found = ev;
        }
      }
      return found;
    }
    case K::kCanChangeCodeOf:
    case K::kCanCreatePolicyVersion: return std::optional<Evidence>();
  }
  return std::optional<Evidence>();
}

}  // namespace gumshoe::iam
