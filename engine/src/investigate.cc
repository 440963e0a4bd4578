#include "gumshoe/investigate.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

#include "gumshoe/edge_text.h"
#include "gumshoe/normalize.h"
#include "gumshoe/time_util.h"

namespace gumshoe {
namespace {

bool IsCredentialKind(EntityKind k) {
  switch (k) {
    case EntityKind::kAccessKey:
    case EntityKind::kRoleSession:
    case EntityKind::kIamUser:
    case EntityKind::kIamRole:
    case EntityKind::kFederatedUser:
    case EntityKind::kEc2Instance:
      return true;
    default:
      return false;
  }
}

bool IsPrincipalKind(EntityKind k) {
  return k == EntityKind::kAccessKey || k == EntityKind::kRoleSession || k == EntityKind::kIamUser ||
         k == EntityKind::kIamRole || k == EntityKind::kFederatedUser;
}

// The earliest in-edge of `kind` into `ref`: (source entity, first seen,
// evidence). Attempts (every observation failed) created nothing: skipped.
struct Origin {
  EntityRef src;
  Timestamp time = kNoTime;
  std::string evidence;
};
Result<std::optional<Origin>> EarliestIn(const GraphReader& reader, const EntityRef& ref, EdgeKind kind) {
  std::optional<Edge> best;
  GUMSHOE_RETURN_IF_ERROR(reader.ScanEdges(reader.IdOf(ref.kind, ref.key), Direction::kIn, kind, [&](const Edge& e) {
    if (IsAttempt(e.stats)) return true;
    if (!best || (e.stats.first_seen != kNoTime && e.stats.first_seen < best->stats.first_seen)) best = e;
    return true;
  }));
  if (!best) return std::optional<Origin>();
  GUMSHOE_ASSIGN_OR_RETURN(std::optional<Entity> src, reader.GetEntity(best->src));
  if (!src) return std::optional<Origin>();
  return std::optional<Origin>(Origin{src->ref(), best->stats.first_seen, best->stats.first_evidence.ref});
}

Result<std::optional<EntityRef>> FirstOut(const GraphReader& reader, const EntityRef& ref, EdgeKind kind) {
  std::optional<EntityId> dst;
  GUMSHOE_RETURN_IF_ERROR(reader.ScanEdges(reader.IdOf(ref.kind, ref.key), Direction::kOut, kind, [&](const Edge& e) {
    dst = e.dst;
    return false;
  }));
  if (!dst) return std::optional<EntityRef>();
  GUMSHOE_ASSIGN_OR_RETURN(std::optional<Entity> e, reader.GetEntity(*dst));
  if (!e) return std::optional<EntityRef>();
  return std::optional<EntityRef>(e->ref());
}

std::string Name(const EntityRef& r) { return ShortName(r); }

std::string Join(const std::set<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

}  // namespace

// From a resource, who touched it is known but not who the attacker is: the
// checklist asks to review each access instead of disabling every credential
// that read the bucket (most of them are its ordinary users).
std::vector<ResponseAction> ResourceChecklist(const ResourceTouches& touches) {
  std::vector<ResponseAction> out;
  for (const ResourceTouch& t : touches.touches) {
    if (t.attempt_only) continue;
    ResponseAction item{"review_access", "", {touches.resource, t.actor}, t.first_evidence, t.window_first};
    item.text = "Review access to " + std::string(EntityKindLabel(touches.resource.kind)) + " " +
                touches.resource.key + " by " + Name(t.actor) + " (" + std::string(EdgeKindName(t.edge)) + " x" +
                std::to_string(t.window_count) + " in the window";
    if (!t.credentials.empty()) {
      item.text += ", with";
      for (const EntityRef& c : t.credentials) {
        item.text += " " + Name(c);
        item.entities.push_back(c);
      }
    }
    item.text += "): disable or revoke those credentials only if this access was not expected";
    out.push_back(std::move(item));
  }
  return out;
}

Result<std::vector<ResponseAction>> BuildChecklist(const GraphReader& reader, const Investigation& inv) {
  if (inv.touches) return ResourceChecklist(*inv.touches);
  std::vector<ResponseAction> out;
  std::set<EntityRef> keys, sessions, created_users, instances, db_users, footholds;
  std::map<EntityRef, std::pair<EntityRef, const BlastHop*>> buckets;  // bucket -> (actor, hop)
  std::map<EntityRef, const BlastHop*> modified;
  for (const InvolvedEntity& i : inv.involved) {
    EntityRef r = i.entity.ref();
    if (i.foothold) footholds.insert(r);
    if (r.kind == EntityKind::kAccessKey) keys.insert(r);
    if (r.kind == EntityKind::kRoleSession) sessions.insert(r);
    if (r.kind == EntityKind::kEc2Instance) instances.insert(r);
    if (r.kind == EntityKind::kDbUser) db_users.insert(r);
  }
  std::set<EntityRef> lineage_root_keys;
  for (const CredentialLineage& l : inv.lineages) {
    if (!l.lineage) continue;
    for (size_t root : l.lineage->Roots()) {
      // The long-term keys of a root user: where the chain starts, often the leaked credential.
      const LineageNode& n = l.lineage->nodes[root];
      if (n.root != LineageRoot::kIamUserKey || n.entity.kind != EntityKind::kIamUser) continue;
      std::vector<EntityId> ids;
      EntityId uid = reader.IdOf(n.entity.kind, n.entity.key);
      GUMSHOE_RETURN_IF_ERROR(reader.ScanEdges(uid, Direction::kIn, EdgeKind::kCredentialOf, [&](const Edge& e) {
        ids.push_back(e.src);
        return ids.size() < 64;
      }));
      GUMSHOE_RETURN_IF_ERROR(reader.ScanEdges(uid, Direction::kOut, EdgeKind::kAuthenticatedWith, [&](const Edge& e) {
        if (e.stats.CountInWindow(inv.window.since, inv.window.until) > 0 && !IsAttempt(e.stats)) ids.push_back(e.dst);
        return ids.size() < 128;
      }));
      for (const EntityId& id : ids) {
        GUMSHOE_ASSIGN_OR_RETURN(std::optional<Entity> k, reader.GetEntity(id));
        if (k && k->kind == EntityKind::kAccessKey && k->key.rfind("AKIA", 0) == 0) {
          keys.insert(k->ref());
          lineage_root_keys.insert(k->ref());
        }
      }
    }
    for (const LineageNode& n : l.lineage->nodes) {
      if (n.entity.kind == EntityKind::kAccessKey) keys.insert(n.entity.ref());
      if (n.entity.kind == EntityKind::kRoleSession) sessions.insert(n.entity.ref());
      if (n.entity.kind == EntityKind::kIamUser) {
        // A user on the chain that was created in the window is the attacker's.
        GUMSHOE_ASSIGN_OR_RETURN(std::optional<Origin> creator, EarliestIn(reader, n.entity.ref(), EdgeKind::kCreated));
        if (creator && inv.window.Contains(creator->time)) created_users.insert(n.entity.ref());
      }
    }
  }
  for (const BlastNode& n : inv.blast.nodes) {
    EntityRef r = n.entity.ref();
    const BlastHop* last = n.path.empty() ? nullptr : &n.path.back();
    switch (r.kind) {
      case EntityKind::kAccessKey: keys.insert(r); break;
      case EntityKind::kRoleSession: sessions.insert(r); break;
      case EntityKind::kEc2Instance: instances.insert(r); break;
      case EntityKind::kDbUser: db_users.insert(r); break;
      case EntityKind::kIamUser:
        if (last && last->edge == EdgeKind::kCreated) created_users.insert(r);
        break;
      case EntityKind::kS3Bucket:
        if (last && (last->edge == EdgeKind::kRead || last->edge == EdgeKind::kWrote)) buckets[r] = {last->from, last};
        break;
      default:
        break;
    }
    if (last && last->edge == EdgeKind::kModified && !IsExposureKind(r.kind)) modified[r] = last;  // exposures: below
  }

  // Keys.
  for (const EntityRef& k : keys) {
    GUMSHOE_ASSIGN_OR_RETURN(std::optional<EntityRef> owner, FirstOut(reader, k, EdgeKind::kCredentialOf));
    bool temporary = k.key.rfind("ASIA", 0) == 0;
    if (temporary) {
      // Covered by revoking its session's role when the session is known.
      if (owner && owner->kind == EntityKind::kRoleSession) {
        sessions.insert(*owner);
        continue;
      }
      GUMSHOE_ASSIGN_OR_RETURN(std::optional<Origin> minted, EarliestIn(reader, k, EdgeKind::kMinted));
      ResponseAction item{"revoke_sessions", "", {k}, "", kNoTime};
      item.text = "Revoke temporary key " + k.key;
      if (minted) {
        item.text += " (minted by " + Name(minted->src) + " at " + FormatTime(minted->time) + ")";
        item.evidence = minted->evidence;
        item.time = minted->time;
      }
      item.text += ": revoke the issuing principal's sessions issued before now";
      out.push_back(std::move(item));
      continue;
    }
    GUMSHOE_ASSIGN_OR_RETURN(std::optional<Origin> creator, EarliestIn(reader, k, EdgeKind::kCreated));
    ResponseAction item{"disable_key", "", {k}, "", kNoTime};
    item.text = "Disable access key " + k.key;
    if (owner) {
      item.text += " of " + Name(*owner);
      item.entities.push_back(*owner);
    }
    if (creator) {
      item.text += " (created by " + Name(creator->src) + " at " + FormatTime(creator->time) + ")";
      item.entities.push_back(creator->src);
      item.evidence = creator->evidence;
      item.time = creator->time;
    } else {
      item.text += " (creation not observed in the logs)";
    }
    if (lineage_root_keys.count(k)) item.text += "; the credential lineage starts here";
    out.push_back(std::move(item));
  }

  // Users the attacker created.
  for (const EntityRef& u : created_users) {
    GUMSHOE_ASSIGN_OR_RETURN(std::optional<Origin> creator, EarliestIn(reader, u, EdgeKind::kCreated));
    ResponseAction item{"delete_user", "Delete IAM user " + Name(u), {u}, "", kNoTime};
    if (creator) {
      item.text += " (created by " + Name(creator->src) + " at " + FormatTime(creator->time) + ")";
      item.entities.push_back(creator->src);
      item.evidence = creator->evidence;
      item.time = creator->time;
    }
    item.text += ", with its access keys and login profile";
    out.push_back(std::move(item));
  }

  // Sessions, by role.
  std::map<EntityRef, std::vector<EntityRef>> by_role;
  for (const EntityRef& s : sessions) {
    GUMSHOE_ASSIGN_OR_RETURN(std::optional<EntityRef> role, FirstOut(reader, s, EdgeKind::kAssumedRole));
    by_role[role ? *role : s].push_back(s);
  }
  for (const auto& [role, list] : by_role) {
    ResponseAction item{"revoke_sessions", "", {role}, "", kNoTime};
    if (role.kind == EntityKind::kIamRole) {
      item.text = "Revoke the active sessions of role " + Name(role) + " (sessions:";
      for (const EntityRef& s : list) {
        item.text += " " + Name(s);
        item.entities.push_back(s);
      }
      item.text += ")";
    } else {
      item.text = "Revoke session " + Name(role);
    }
    out.push_back(std::move(item));
  }

  // Instances, and every region their launchers used.
  std::map<EntityRef, std::set<EntityRef>> launched_by;
  for (const EntityRef& i : instances) {
    const Entity* entity = nullptr;
    if (const BlastNode* n = inv.blast.Find(i)) entity = &n->entity;
    std::string region;
    if (entity && entity->Attr("region")) region = *entity->Attr("region");
    if (region.empty()) {
      GUMSHOE_ASSIGN_OR_RETURN(std::optional<Entity> e, reader.Find(i));
      if (e && e->Attr("region")) region = *e->Attr("region");
    }
    ResponseAction item{"isolate_instance", "Isolate instance " + i.key, {i}, "", kNoTime};
    if (!region.empty()) item.text += " (" + region + ")";
    item.text += ": swap its security groups for an isolation group, snapshot its volumes";
    out.push_back(std::move(item));
    GUMSHOE_ASSIGN_OR_RETURN(std::optional<Origin> launcher, EarliestIn(reader, i, EdgeKind::kLaunched));
    if (launcher) launched_by[launcher->src].insert(i);
  }
  for (const auto& [principal, some] : launched_by) {
    std::set<std::string> regions;
    std::vector<EntityRef> all;
    std::vector<EntityId> ids;
    GUMSHOE_RETURN_IF_ERROR(reader.ScanEdges(reader.IdOf(principal.kind, principal.key), Direction::kOut,
                                             EdgeKind::kLaunched, [&](const Edge& e) {
                                               if (e.stats.CountInWindow(inv.window.since, inv.window.until) > 0 &&
                                                   !IsAttempt(e.stats))
                                                 ids.push_back(e.dst);
                                               return ids.size() < 10000;
                                             }));
    for (const EntityId& id : ids) {
      GUMSHOE_ASSIGN_OR_RETURN(std::optional<Entity> e, reader.GetEntity(id));
      if (!e) continue;
      all.push_back(e->ref());
      const std::string* r = e->Attr("region");
      regions.insert(r && !r->empty() ? *r : std::string("unknown region"));
    }
    ResponseAction item{"check_regions", "", {principal}, "", kNoTime};
    item.text = "Check every region: " + std::to_string(all.size()) + " instance(s) launched by " + Name(principal) +
                " exist in " + Join(regions);
    for (const EntityRef& r : all) item.entities.push_back(r);
    out.push_back(std::move(item));
  }

  for (const EntityRef& u : db_users) {
    GUMSHOE_ASSIGN_OR_RETURN(std::optional<EntityRef> db, FirstOut(reader, u, EdgeKind::kDbUserOf));
    ResponseAction item{"rotate_db_user", "Rotate the password of DB user " + u.key, {u}, "", kNoTime};
    if (db) {
      item.text += " on " + db->key;
      item.entities.push_back(*db);
    }
    item.text += " and review its sessions";
    out.push_back(std::move(item));
  }
  for (const auto& [bucket, via] : buckets) {
    const BlastHop* h = via.second;
    ResponseAction item{"review_bucket", "", {bucket, via.first}, h->evidence, h->time};
    item.text = "Review bucket " + bucket.key + ": " +
                (h->edge == EdgeKind::kRead ? std::string("read") : std::string("written")) + " by " +
                Name(via.first) + " from " + FormatTime(h->time) + "; check its policy and object access";
    out.push_back(std::move(item));
  }
  for (const auto& [target, h] : modified) {
    ResponseAction item{"revert_change", "", {target, h->from}, h->evidence, h->time};
    item.text = "Review and revert changes to " + std::string(EntityKindLabel(target.kind)) + " " + Name(target) +
                " made by " + Name(h->from) + " at " + FormatTime(h->time);
    out.push_back(std::move(item));
  }
  // Attempts changed nothing: one line per actor says so and names them.
  std::map<EntityRef, std::vector<const BlastAttempt*>> attempts_by_actor;
  for (const BlastAttempt& a : inv.blast.attempts) attempts_by_actor[a.actor].push_back(&a);
  for (const auto& [actor, list] : attempts_by_actor) {
    ResponseAction item{"review_attempts", "", {actor}, list.front()->evidence, list.front()->time};
    item.text = "Review the failed calls of " + Name(actor) + " (they changed nothing):";
    constexpr size_t kShown = 5;
    for (size_t i = 0; i < list.size() && i < kShown; ++i) {
      item.text += (i ? ", " : " ") + list[i]->text;
      item.entities.push_back(list[i]->target);
    }
    if (list.size() > kShown) item.text += ", +" + std::to_string(list.size() - kShown) + " more";
    out.push_back(std::move(item));
  }
  for (const InvolvedEntity& i : inv.involved) {
    if (i.entity.kind != EntityKind::kIpAddress) continue;
    bool flagged = i.entity.tags.count("tor_exit") || i.entity.tags.count("threat_listed");
    auto ip = ParseIp(i.entity.key);
    bool public_foothold = i.foothold && ip && ClassifyIp(*ip) == IpClass::kPublic;
    if (!flagged && !public_foothold) continue;
    ResponseAction item{"block_ip", "Block IP " + i.entity.key, {i.entity.ref()}, "", kNoTime};
    item.text += flagged ? " (listed as Tor exit / threat)" : " (acting IP of the finding)";
    out.push_back(std::move(item));
  }
  AppendExposureActions(inv.exposures, &out);
  return out;
}

Result<Investigation> Investigate(const GraphReader& reader, const EntityRef& start, const InvestigateOptions& options) {
  GUMSHOE_ASSIGN_OR_RETURN(std::optional<Entity> entity, reader.Find(start));
  if (!entity) return Status::NotFound("no entity " + FormatRef(start));
  Investigation inv;
  inv.start = start;
  GUMSHOE_ASSIGN_OR_RETURN(inv.window, ScopeWindow(reader, start, options.window, options.scope));

  if (start.kind == EntityKind::kFinding) {
    GUMSHOE_ASSIGN_OR_RETURN(FindingInfo info, ReadFinding(reader, start));
    bool marked = false;
    GUMSHOE_ASSIGN_OR_RETURN(std::vector<EntityRef> footholds, FindingFootholds(reader, start, &marked));
    for (const EntityRef& r : info.involved) {
      GUMSHOE_ASSIGN_OR_RETURN(std::optional<Entity> e, reader.Find(r));
      if (!e) continue;
      InvolvedEntity ie;
      ie.entity = std::move(*e);
      ie.foothold = std::find(footholds.begin(), footholds.end(), r) != footholds.end();
      inv.involved.push_back(std::move(ie));
    }
    std::stable_sort(inv.involved.begin(), inv.involved.end(),
                     [](const InvolvedEntity& a, const InvolvedEntity& b) { return a.foothold > b.foothold; });
    inv.finding = std::move(info);
  } else {
    inv.involved.push_back(InvolvedEntity{*entity, true});
    if (IsResourceKind(start.kind)) {
      GUMSHOE_ASSIGN_OR_RETURN(ResourceTouches touches, TouchesOf(reader, start, inv.window));
      for (const EntityRef& c : touches.Credentials()) {
        GUMSHOE_ASSIGN_OR_RETURN(std::optional<Entity> e, reader.Find(c));
        if (e) inv.involved.push_back(InvolvedEntity{std::move(*e), false});
      }
      inv.touches = std::move(touches);
    }
  }

  for (const InvolvedEntity& i : inv.involved) {
    if (!IsCredentialKind(i.entity.kind) || inv.lineages.size() >= options.max_lineages) continue;
    CredentialLineage cl;
    cl.credential = i.entity.ref();
    auto lineage = Lineage(reader, cl.credential, options.lineage);
    if (lineage.ok()) cl.lineage = std::move(*lineage);
    else cl.error = lineage.status().ToString();
    inv.lineages.push_back(std::move(cl));
  }

  BlastRadiusOptions bopts = options.blast;
  bopts.include_resource_touchers = true;
  bopts.window = inv.window;
  bopts.scope = options.scope;
  GUMSHOE_ASSIGN_OR_RETURN(inv.blast, BlastRadius(reader, start, bopts));
  GUMSHOE_ASSIGN_OR_RETURN(inv.exposures, CollectExposures(reader, ExposureActors(inv.blast), inv.window));

  IndicatorOptions iopts = options.indicators;
  iopts.window = inv.window;
  iopts.scope = options.scope;
  // Indicators: the principals involved, the blast radius's foothold
  // principals, then the principals at the roots of the lineage chains.
  std::vector<EntityRef> principals;
  auto add_principal = [&](const EntityRef& r) {
    if (IsPrincipalKind(r.kind) && std::find(principals.begin(), principals.end(), r) == principals.end())
      principals.push_back(r);
  };
  for (const InvolvedEntity& i : inv.involved) add_principal(i.entity.ref());
  for (const EntityRef& f : inv.blast.footholds) add_principal(f);
  for (const CredentialLineage& l : inv.lineages)
    if (l.lineage)
      for (size_t root : l.lineage->Roots()) add_principal(l.lineage->nodes[root].entity.ref());
  for (const EntityRef& p : principals) {
    if (inv.indicators.size() >= options.max_indicator_principals) break;
    GUMSHOE_ASSIGN_OR_RETURN(IndicatorsResult r, Indicators(reader, p, iopts));
    // The finding under investigation is not "related" to itself.
    std::erase_if(r.indicators, [&](const Indicator& i) { return i.kind == "related_finding" && i.entity == start; });
    inv.indicators.push_back(std::move(r));
  }

  // Related findings: those naming an involved entity, and the finding's group.
  std::set<EntityRef> related;
  for (const InvolvedEntity& i : inv.involved) {
    GUMSHOE_ASSIGN_OR_RETURN(std::vector<EntityRef> f, FindingsNaming(reader, i.entity.ref()));
    related.insert(f.begin(), f.end());
  }
  FindingGroupOptions gopts = options.groups;
  gopts.window = inv.window;
  // Findings up to the join window outside the investigation can still share its group.
  if (gopts.window.since != kNoTime) gopts.window.since -= gopts.join_window;
  if (gopts.window.until != kNoTime) gopts.window.until += gopts.join_window;
  GUMSHOE_ASSIGN_OR_RETURN(FindingGroupsResult groups, FindingGroups(reader, gopts));
  const FindingGroup* group = nullptr;
  if (inv.finding) group = groups.GroupOf(start);
  for (auto it = related.begin(); !group && it != related.end(); ++it) group = groups.GroupOf(*it);
  if (group) {
    inv.group = *group;
    for (const FindingInfo& f : group->findings) related.insert(f.entity.ref());
  }
  related.erase(start);
  for (const EntityRef& r : related) {
    auto info = ReadFinding(reader, r);
    if (info.ok()) inv.related.push_back(std::move(*info));
  }
  GUMSHOE_ASSIGN_OR_RETURN(inv.checklist, BuildChecklist(reader, inv));
  return inv;
}

Subgraph Investigation::ToSubgraph() const {
  Subgraph g = blast.ToSubgraph();
  g.title = "Investigation of " + FormatRef(start);
  g.window = window;
  std::map<EntityRef, size_t> index;
  for (size_t i = 0; i < g.nodes.size(); ++i) index[g.nodes[i].entity.ref()] = i;
  auto add_node = [&](const Entity& e, Emphasis emphasis) {
    auto it = index.find(e.ref());
    if (it != index.end()) {
      if (g.nodes[it->second].emphasis == Emphasis::kNone) g.nodes[it->second].emphasis = emphasis;
      return;
    }
    SubgraphNode n;
    n.entity = e;
    n.emphasis = emphasis;
    index[e.ref()] = g.nodes.size();
    g.nodes.push_back(std::move(n));
  };
  std::set<std::tuple<EntityRef, EdgeKind, EntityRef>> edges;
  for (const SubgraphEdge& e : g.edges) edges.insert({e.src, e.kind, e.dst});
  if (finding) {
    add_node(finding->entity, Emphasis::kFocus);
    for (const InvolvedEntity& i : involved) {
      add_node(i.entity, i.foothold ? Emphasis::kCompromise : Emphasis::kNone);
      if (edges.insert({start, EdgeKind::kInvolves, i.entity.ref()}).second) {
        SubgraphEdge e;
        e.src = start;
        e.kind = EdgeKind::kInvolves;
        e.dst = i.entity.ref();
        e.emphasis = i.foothold ? Emphasis::kCompromise : Emphasis::kNone;
        g.edges.push_back(std::move(e));
      }
    }
  }
  for (const CredentialLineage& l : lineages) {
    if (!l.lineage) continue;
    Subgraph s = l.lineage->ToSubgraph();
    for (const SubgraphNode& n : s.nodes) add_node(n.entity, Emphasis::kLineage);
    for (SubgraphEdge e : s.edges) {
      if (!edges.insert({e.src, e.kind, e.dst}).second) continue;
      e.emphasis = Emphasis::kLineage;
      g.edges.push_back(std::move(e));
    }
  }
  for (const FindingInfo& f : related) {
    add_node(f.entity, Emphasis::kFlagged);
    for (const EntityRef& r : f.involved) {
      if (!index.count(r)) continue;
      if (!edges.insert({f.entity.ref(), EdgeKind::kInvolves, r}).second) continue;
      SubgraphEdge e;
      e.src = f.entity.ref();
      e.kind = EdgeKind::kInvolves;
      e.dst = r;
      g.edges.push_back(std::move(e));
    }
  }
  return g;
}

std::string Investigation::ToText(const std::function<std::string(std::string_view)>& esc) const {
  std::string out;
  auto line = [&](const std::string& s) { out += s + "\n"; };
  auto ref = [&](const EntityRef& r) { return std::string(EntityKindName(r.kind)) + ":" + esc(r.key); };
  if (finding) {
    line("FINDING " + esc(finding->entity.key));
    line("  type      " + esc(finding->type));
    if (!finding->title.empty()) line("  title     " + esc(finding->title));
    char sev[64];
    std::snprintf(sev, sizeof(sev), "%.1f (%s)", finding->severity, esc(finding->severity_band).c_str());
    line(std::string("  severity  ") + sev);
    line("  source    " + esc(finding->source));
    line("  seen      " + FormatTime(finding->entity.first_seen) + " .. " + FormatTime(finding->entity.last_seen));
  } else {
    line("INVESTIGATION of " + ref(start));
  }
  line("  window    " + FormatTime(window.since) + " .. " + FormatTime(window.until));
  line("");
  line("ENTITIES INVOLVED");
  for (const InvolvedEntity& i : involved)
    line(std::string("  ") + (i.foothold ? "* " : "  ") + ref(i.entity.ref()) +
         (i.foothold ? "  (foothold)" : ""));
  if (touches) {
    line("");
    line("TOUCHED BY (who, when, from where, with which credential)");
    out += touches->ToText(esc, "  ");
  }
  line("");
  line("CREDENTIAL LINEAGE");
  if (lineages.empty()) line("  no credential involved");
  for (const CredentialLineage& l : lineages) {
    if (!l.lineage) {
      line("  " + ref(l.credential) + ": " + esc(l.error));
      continue;
    }
    std::string tree = l.lineage->ToTree(esc);
    size_t pos = 0;
    while (pos < tree.size()) {
      size_t nl = tree.find('\n', pos);
      if (nl == std::string::npos) nl = tree.size();
      line("  " + tree.substr(pos, nl - pos));
      pos = nl + 1;
    }
  }
  line("");
  line("BLAST RADIUS (" + esc(blast.summary) + ")");
  line("  footholds: " + esc(blast.foothold_note));
  for (const BlastNode& n : blast.nodes) {
    char head[96];
    std::snprintf(head, sizeof(head), "  hop %d  score %6.2f  ", n.hop, n.score);
    std::string s = head + ref(n.entity.ref());
    if (const std::string* r = n.entity.Attr("region")) s += " [" + esc(*r) + "]";
    s += "  first touch " + FormatTime(n.first_touch);
    line(s);
    for (const BlastHop& h : n.path)
      line("        " + ref(h.from) + " -" + std::string(EdgeKindName(h.edge)) + (h.stored_forward ? "-> " : " (in)-> ") +
           ref(h.to) + " at " + FormatTime(h.time) + (h.via.empty() ? "" : " via " + esc(h.via)) + "  [" +
           esc(h.evidence) + "]");
  }
  for (const BlastTruncation& t : blast.truncations) line("  " + esc(t.note));
  if (blast.truncated) line("  (truncated: node limit reached)");
  line("");
  line("ATTEMPTS (failed calls: they reached nothing)");
  if (blast.attempts.empty()) line("  none");
  for (const BlastAttempt& a : blast.attempts)
    line("  " + esc(a.text) + " by " + ref(a.actor) + " at " + FormatTime(a.time) +
         (a.evidence.empty() ? "" : "  [" + esc(a.evidence) + "]"));
  if (blast.attempts_omitted > 0) line("  +" + std::to_string(blast.attempts_omitted) + " more attempts");
  line("");
  out += ExposuresText(exposures, esc);
  line("");
  line("INDICATORS");
  for (const IndicatorsResult& r : indicators) {
    line("  " + ref(r.principal) + " (baseline " + FormatTime(r.baseline.since) + " .. " + FormatTime(r.baseline.until) +
         ")");
    for (const Indicator& i : r.indicators)
      line("    " + i.kind + ": " + (i.entity == r.principal ? std::string() : ref(i.entity) + " ") + "- " +
           esc(i.detail));
  }
  line("");
  line("RELATED FINDINGS");
  if (related.empty()) line("  none");
  for (const FindingInfo& f : related)
    line("  " + esc(f.entity.key) + "  " + esc(f.type) + "  " + esc(f.severity_band) + "  " +
         FormatTime(f.entity.first_seen));
  if (group) {
    std::string tie;
    for (const EntityRef& t : group->tying) tie += " " + ref(t);
    line("  group: " + std::to_string(group->findings.size()) + " finding(s), severity " + esc(group->severity_band) +
         (tie.empty() ? "" : ", tied by" + tie));
  }
  line("");
  line("RESPONSE CHECKLIST");
  if (checklist.empty()) line("  nothing to act on was found");
  for (const ResponseAction& c : checklist)
    line("  [ ] " + esc(c.text) + (c.evidence.empty() ? "" : "  [" + esc(c.evidence) + "]"));
  return out;
}

}  // namespace gumshoe
