#include "latent.h"

#include <algorithm>
#include <map>
#include <tuple>
#include <set>

#include "cli_common.h"
#include "gumshoe/iam/observed.h"
#include "gumshoe/time_util.h"

namespace gumshoe::cli {
namespace {

std::optional<std::string> PrincipalArnAt(const GraphReader& r, const EntityRef& ref, int depth) {
  if (depth > 4) return std::nullopt;
  if (ref.kind == EntityKind::kIamUser || ref.kind == EntityKind::kIamRole) return ref.key;
  std::optional<EdgeKind> via;
  if (ref.kind == EntityKind::kRoleSession) via = EdgeKind::kAssumedRole;
  if (ref.kind == EntityKind::kAccessKey) via = EdgeKind::kCredentialOf;
  if (!via) return std::nullopt;
  std::optional<EntityId> next;
  Status s = r.ScanEdges(r.IdOf(ref.kind, ref.key), Direction::kOut, *via, [&](const Edge& e) {
    next = e.dst;
    return false;
  });
  if (!s.ok() || !next) return std::nullopt;
  auto ent = r.GetEntity(*next);
  if (!ent.ok() || !*ent) return std::nullopt;
  return PrincipalArnAt(r, (*ent)->ref(), depth + 1);
}

std::string Plural(size_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

void WriteRefs(JsonOut& j, const std::vector<iam::StatementRef>& refs) {
  j.w().StartArray();
  for (const iam::StatementRef& r : refs) j.String(r.ToString());
  j.w().EndArray();
}

void WriteStrings(JsonOut& j, const std::vector<std::string>& v) {
  j.w().StartArray();
  for (const std::string& s : v) j.String(s);
  j.w().EndArray();
}

// {"event", "time"} of the record that exercised a step, or null.
void WriteObserved(JsonOut& j, const std::optional<Evidence>& ev) {
  if (!ev) {
    j.w().Null();
    return;
  }
  j.w().StartObject();
  j.Field("event", ev->ref);
  j.Time("time", ev->time);
  j.w().EndObject();
}

}  // namespace

std::optional<std::string> PrincipalArn(const GraphReader& reader, const EntityRef& ref) {
  return PrincipalArnAt(reader, ref, 0);
}

std::optional<PrincipalIndex> FindPrincipal(const std::vector<AccountAuthorization>& accounts, std::string_view text) {
  std::optional<PrincipalIndex> by_name;
  size_t named = 0;
  for (size_t a = 0; a < accounts.size(); ++a) {
    const auto& nodes = accounts[a].snapshot.nodes;
    for (size_t i = 0; i < nodes.size(); ++i) {
      if (nodes[i].type == iam::NodeType::kGroup) continue;
      if (nodes[i].arn == text) return PrincipalIndex{a, i};
      if (nodes[i].name == text) {
        by_name = PrincipalIndex{a, i};
        ++named;
      }
    }
  }
  return named == 1 ? by_name : std::nullopt;
}

bool LatentExposure::PathObserved(const iam::CouldPath& p) const {
  for (size_t e : p.steps)
    if (!observed[e]) return false;
  return !p.steps.empty();
}

std::string LatentExposure::Summary() const {
  const iam::AuthorizationSnapshot& snap = *graph.snapshot;
  if (graph.admin[node]) return "admin-equivalent by its own policies";
  // What it can do in one step, by kind of edge.
  std::map<iam::CouldKind, std::set<size_t>> direct;
  std::set<size_t> admin_targets;
  for (size_t ei : graph.out[node]) {
    const iam::CouldEdge& e = graph.edges[ei];
    direct[e.kind].insert(e.to);
  }
  auto admins_in = [&](const std::set<size_t>& s) {
    size_t n = 0;
    for (size_t t : s) n += graph.admin[t] ? 1 : 0;
    return n;
  };
  std::vector<std::string> parts;
  auto add = [&](iam::CouldKind k, const char* verb, const char* one, const char* many) {
    auto it = direct.find(k);
    if (it == direct.end()) return;
    std::string p = std::string(verb) + " " + Plural(it->second.size(), one, many);
    if (size_t a = admins_in(it->second)) p += " (" + std::to_string(a) + " of them admin-equivalent)";
    parts.push_back(p);
  };
  if (direct.count(iam::CouldKind::kCanAssume) == 0) parts.push_back("cannot assume any role");
  add(iam::CouldKind::kCanAssume, "can assume", "role", "roles");
  add(iam::CouldKind::kCanCreateKeyFor, "can create access keys for", "user", "users");
  add(iam::CouldKind::kCanSetPasswordFor, "can set the console password of", "user", "users");
  add(iam::CouldKind::kCanPassRoleTo, "can pass", "role to services", "roles to services");
  add(iam::CouldKind::kCanChangeCodeOf, "can change the code running as", "role", "roles");
  add(iam::CouldKind::kCanUpdateTrustOf, "can rewrite the trust policy of", "role", "roles");
  add(iam::CouldKind::kCanAddToGroup, "can add itself to", "group", "groups");
  add(iam::CouldKind::kCanAttachPolicyTo, "can attach policies to", "principal", "principals");
  add(iam::CouldKind::kCanPutPolicyOn, "can write inline policies on", "principal", "principals");
  add(iam::CouldKind::kCanCreatePolicyVersion, "can rewrite policies attached to", "principal", "principals");
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) out += (i == 0 ? "" : i + 1 == parts.size() ? " and " : ", ") + parts[i];
  out += admin ? "; admin-equivalent in " + Plural(admin->steps.size(), "step", "steps") : "; not admin-equivalent";
  (void)snap;
  return out;
}

Result<LatentExposure> ExposureOf(const GraphReader& reader, const AccountAuthorization& account, size_t node,
                                  const EntityRef& credential, size_t max_paths, size_t depth, bool strict) {
  LatentExposure x;
  x.credential = credential;
  x.account = &account;
  x.node = node;
  iam::CouldOptions options;
  options.include_conditional = !strict;
  x.graph = iam::BuildCouldGraph(account.snapshot, options);
  x.paths = iam::ShortestPaths(x.graph, node, depth, max_paths);
  x.admin = iam::AdminPath(x.graph, node, depth);
  // Which steps the logs show exercised: each edge of the paths once.
  x.observed.resize(x.graph.edges.size());
  std::vector<bool> checked(x.graph.edges.size(), false);
  for (const iam::CouldPath& p : x.paths)
    for (size_t e : p.steps) {
      if (checked[e]) continue;
      checked[e] = true;
      GUMSHOE_ASSIGN_OR_RETURN(x.observed[e], iam::StepObserved(reader, x.graph, x.graph.edges[e]));
    }
  // can_read / can_write: the start's, then those of the principals it can act as.
  GUMSHOE_ASSIGN_OR_RETURN(std::vector<iam::KnownResource> from_logs, iam::GraphResources(reader));
  x.resources = iam::MergeResources(std::move(from_logs), iam::PolicyNamedResources(account.snapshot));
  std::vector<std::pair<size_t, int>> who{{node, -1}};
  std::set<size_t> taken{node};
  for (size_t pi = 0; pi < x.paths.size() && who.size() < kMaxReachAccess; ++pi)
    if (!x.paths[pi].grants && taken.insert(x.paths[pi].target).second)
      who.emplace_back(x.paths[pi].target, static_cast<int>(pi));
  for (const auto& [n, pi] : who) {
    ReachAccess ra;
    ra.node = n;
    ra.path = pi;
    ra.access = iam::ResourceAccessOf(account.snapshot, n, x.resources, !strict);
    for (const iam::ResourceEdge& e : ra.access.edges) {
      GUMSHOE_ASSIGN_OR_RETURN(auto ev,
                               iam::AccessObserved(reader, account.snapshot, n, x.resources[e.resource], e.access));
      ra.observed.push_back(std::move(ev));
    }
    x.reach.push_back(std::move(ra));
  }
  x.external = iam::ExternalGrants(account.snapshot);
  return x;
}

Result<std::vector<LatentExposure>> LatentExposures(const GraphReader& reader,
                                                    const std::vector<AccountAuthorization>& accounts,
                                                    const std::vector<EntityRef>& credentials, size_t max_paths,
                                                    size_t depth, bool strict) {
  std::vector<LatentExposure> out;
  std::set<std::pair<size_t, size_t>> seen;
  for (const EntityRef& c : credentials) {
    std::optional<PrincipalIndex> found;
    if (auto arn = PrincipalArn(reader, c)) found = FindPrincipal(accounts, *arn);
    if (!found || !seen.insert({found->account, found->node}).second) continue;
    GUMSHOE_ASSIGN_OR_RETURN(LatentExposure x,
                             ExposureOf(reader, accounts[found->account], found->node, c, max_paths, depth, strict));
    out.push_back(std::move(x));
  }
  return out;
}

std::string LatentText(const std::vector<LatentExposure>& exposures, const std::vector<AccountAuthorization>& accounts,
                       Timestamp as_of) {
  std::string out = "LATENT EXPOSURE (what the credentials could still do, from the IAM policies as of " +
                    (as_of == kNoTime ? std::string("now") : FormatTime(as_of)) + ")\n";
  if (accounts.empty()) return out + "  no IAM authorization snapshot in the store\n";
  if (exposures.empty()) return out + "  no credential of this investigation is a principal of a stored snapshot\n";
  for (const LatentExposure& x : exposures) {
    const iam::AuthorizationSnapshot& snap = *x.graph.snapshot;
    const iam::Node& n = snap.nodes[x.node];
    out += "  " + TerminalSafe(FormatRef(x.credential)) + " (" + std::string(iam::NodeTypeName(n.type)) + " " +
           TerminalSafe(n.name) + ", snapshot of " + TerminalSafe(snap.account) + " taken " +
           (x.account->snapshot_time == kNoTime ? std::string("at an unknown time") : FormatTime(x.account->snapshot_time)) +
           ", " + std::to_string(x.account->changes_applied.size()) + " IAM change(s) replayed): " +
           TerminalSafe(x.Summary()) + "\n";
    for (const iam::CouldPath& p : x.paths) {
      const bool seen = x.PathObserved(p);
      out += std::string("    ") + (seen ? "[exercised] " : "[latent]    ") + (p.admin_equivalent ? "admin-equivalent: " : "") +
             (p.grants ? "can give permissions to " : "can act as ") + std::string(iam::NodeTypeName(snap.nodes[p.target].type)) +
             " " + TerminalSafe(snap.nodes[p.target].name) + ":";
      for (size_t ei : p.steps) {
        const iam::CouldEdge& e = x.graph.edges[ei];
        out += " " + TerminalSafe(snap.nodes[e.from].name) + " " + std::string(iam::CouldKindName(e.kind)) + " " +
               TerminalSafe(snap.nodes[e.to].name) + " [" + std::string(e.method) + "]";
        if (x.observed[ei]) out += " (" + TerminalSafe(x.observed[ei]->ref) + " at " + FormatTime(x.observed[ei]->time) + ")";
        if (!e.condition_keys.empty()) {
          out += " only if";
          for (const std::string& c : e.condition_keys) out += " " + TerminalSafe(c);
        }
        out += ";";
      }
      out.back() = '\n';
    }
  }
  return out;
}

void WritePaths(JsonOut& j, const LatentExposure& x) {
  auto& w = j.w();
  const iam::AuthorizationSnapshot& snap = *x.graph.snapshot;
  w.StartArray();
  for (const iam::CouldPath& p : x.paths) {
    w.StartObject();
    const iam::Node& t = snap.nodes[p.target];
    j.Key("target");
    if (auto ref = iam::EntityOfNode(t)) {
      j.Ref(*ref);
    } else {
      j.Unstored("iam_group", t.arn, t.name);
    }
    j.Field("admin_equivalent", p.admin_equivalent);
    j.Field("grants", p.grants);
    j.Field("observed", x.PathObserved(p));
    j.Key("steps");
    w.StartArray();
    for (size_t ei : p.steps) {
      const iam::CouldEdge& e = x.graph.edges[ei];
      w.StartObject();
      j.Field("edge", iam::CouldKindName(e.kind));
      j.Field("from", snap.nodes[e.from].arn);
      j.Field("to", snap.nodes[e.to].arn);
      j.Field("method", e.method);
      j.Key("evidence");
      w.StartArray();
      for (uint32_t r : e.evidence) j.String(x.graph.refs[r].ToString());
      w.EndArray();
      j.Key("conditions");
      WriteStrings(j, e.condition_keys);
      j.Key("observed");
      WriteObserved(j, x.observed[ei]);
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
}

std::string ReachLabel(const LatentExposure& x, const ReachAccess& r) {
  if (r.path < 0) return "itself";
  const iam::Node& n = x.graph.snapshot->nodes[r.node];
  return "as " + std::string(iam::NodeTypeName(n.type)) + " " + n.name + " (path " + std::to_string(r.path + 1) + ")";
}

std::string WildcardText(const iam::WildcardGrant& g) {
  std::string out = std::string(iam::AccessEdgeName(g.access)) + " * every " +
                    std::string(iam::ResourceTypeLabel(g.type)) +
                    (g.whole_account ? std::string(" of its account") : " matching " + g.scope) +
                    ", and any created later";
  if (g.type == iam::ResourceType::kS3Bucket) out += " (another account's bucket also needs its bucket policy)";
  out += " [" + g.scope + "; " + std::to_string(g.known) + " known listed";
  if (g.except_denied) out += "; except what a Deny, boundary or SCP takes out";
  return out + "]";
}

namespace {

std::string Joined(const std::vector<std::string>& v, const char* sep) {
  std::string out;
  for (const std::string& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

}  // namespace

void WriteResourceFields(JsonOut& j, const LatentExposure& x) {
  auto& w = j.w();
  const iam::AuthorizationSnapshot& snap = *x.graph.snapshot;
  j.Key("resources");
  w.StartArray();
  for (const ReachAccess& r : x.reach)
    for (size_t i = 0; i < r.access.edges.size(); ++i) {
      const iam::ResourceEdge& e = r.access.edges[i];
      w.StartObject();
      j.Field("edge", iam::AccessEdgeName(e.access));
      j.Field("as", snap.nodes[r.node].arn);
      j.Key("path");
      if (r.path < 0) {
        w.Null();
      } else {
        w.Uint64(static_cast<uint64_t>(r.path + 1));
      }
      j.Key("resource");
      j.Ref(x.resources[e.resource].ref);
      j.Key("actions");
      WriteStrings(j, e.actions);
      j.Key("evidence");
      WriteRefs(j, e.evidence);
      j.Key("conditions");
      WriteStrings(j, e.condition_keys);
      j.Field("via_resource_policy", e.via_resource_policy);
      j.Field("owner_unknown", e.owner_unknown);
      j.Field("observed", r.observed[i].has_value());
      j.Key("observed_event");
      WriteObserved(j, r.observed[i]);
      w.EndObject();
    }
  w.EndArray();
  j.Key("wildcards");
  w.StartArray();
  for (const ReachAccess& r : x.reach)
    for (const iam::WildcardGrant& g : r.access.wildcards) {
      w.StartObject();
      j.Field("edge", iam::AccessEdgeName(g.access));
      j.Field("as", snap.nodes[r.node].arn);
      j.Field("type", EntityKindName(iam::EntityKindOf(g.type)));
      j.Field("scope", g.scope);
      j.Field("whole_account", g.whole_account);
      j.Key("actions");
      WriteStrings(j, g.actions);
      j.Key("evidence");
      WriteRefs(j, g.evidence);
      j.Key("conditions");
      WriteStrings(j, g.condition_keys);
      j.Field("except_denied", g.except_denied);
      j.Key("denied_by");
      WriteRefs(j, g.denied_by);
      j.Field("known", static_cast<uint64_t>(g.known));
      w.EndObject();
    }
  w.EndArray();
  j.Key("blocked_access");
  w.StartArray();
  for (const ReachAccess& r : x.reach)
    for (const iam::BlockedAccess& b : r.access.blocked) {
      w.StartObject();
      j.Field("edge", iam::AccessEdgeName(b.access));
      j.Field("as", snap.nodes[r.node].arn);
      j.Key("resource");
      j.Ref(x.resources[b.resource].ref);
      j.Field("action", b.action);
      j.Key("denied_by");
      WriteRefs(j, b.denied_by);
      w.EndObject();
    }
  w.EndArray();
  j.Key("external_grants");
  w.StartArray();
  for (const iam::ExternalGrant& g : x.external) {
    const iam::ResourcePolicy& rp = snap.resource_policies[g.policy];
    w.StartObject();
    j.Field("principal", g.principal);
    j.Field("public", g.is_public);
    j.Field("edge", iam::AccessEdgeName(g.access));
    j.Key("resource");
    if (auto k = iam::ResourceOfArn(rp.arn)) {
      j.Ref(k->ref);
    } else {
      w.Null();
    }
    j.Field("owner", rp.account);
    j.Key("actions");
    WriteStrings(j, g.actions);
    j.Key("evidence");
    WriteRefs(j, g.evidence);
    j.Key("conditions");
    WriteStrings(j, g.condition_keys);
    w.EndObject();
  }
  w.EndArray();
}

std::string ResourceText(const LatentExposure& x) {
  const iam::AuthorizationSnapshot& snap = *x.graph.snapshot;
  std::string out;
  size_t edges = 0, wild = 0, blocked = 0;
  for (const ReachAccess& r : x.reach) {
    edges += r.access.edges.size();
    wild += r.access.wildcards.size();
    blocked += r.access.blocked.size();
  }
  out += "data it could read or write (" + std::to_string(x.resources.size()) +
         " bucket(s), secret(s), parameter(s) and key(s) known from the logs and the policies):\n";
  if (edges + wild == 0) out += "  none\n";
  for (const ReachAccess& r : x.reach) {
    for (size_t i = 0; i < r.access.edges.size(); ++i) {
      const iam::ResourceEdge& e = r.access.edges[i];
      out += "  " + TerminalSafe(ReachLabel(x, r)) + ": " + std::string(iam::AccessEdgeName(e.access)) + " " +
             TerminalSafe(FormatRef(x.resources[e.resource].ref)) + " [" + Joined(e.actions, ", ") + "]";
      if (e.via_resource_policy) out += " via its resource policy";
      if (e.owner_unknown) out += " (bucket owner unknown: another account's bucket also needs its bucket policy to allow it)";
      if (!e.condition_keys.empty()) out += " only if " + TerminalSafe(Joined(e.condition_keys, " "));
      if (r.observed[i]) {
        out += "  (observed " + TerminalSafe(r.observed[i]->ref) + " at " + FormatTime(r.observed[i]->time) + ")\n";
      } else {
        out += "  (could)\n";
      }
      for (const iam::StatementRef& ref : e.evidence) out += "       granted by " + TerminalSafe(ref.ToString()) + "\n";
    }
    for (const iam::WildcardGrant& g : r.access.wildcards) {
      out += "  " + TerminalSafe(ReachLabel(x, r)) + ": " + TerminalSafe(WildcardText(g));
      if (!g.condition_keys.empty()) out += " only if " + TerminalSafe(Joined(g.condition_keys, " "));
      out += "  (could)\n";
      for (const iam::StatementRef& ref : g.evidence) out += "       granted by " + TerminalSafe(ref.ToString()) + "\n";
    }
  }
  if (blocked > 0) {
    out += "blocked (an identity policy allows it; a Deny, the boundary, an SCP or the resource's own policy does not):\n";
    for (const ReachAccess& r : x.reach)
      for (const iam::BlockedAccess& b : r.access.blocked) {
        out += "  " + TerminalSafe(ReachLabel(x, r)) + ": " + std::string(iam::AccessEdgeName(b.access)) + " " +
               TerminalSafe(FormatRef(x.resources[b.resource].ref)) + " [" + b.action + "] blocked by ";
        std::vector<std::string> by;
        for (const iam::StatementRef& ref : b.denied_by) by.push_back(ref.ToString());
        out += by.empty() ? std::string("the boundary, an SCP, or the resource's own policy (key policy, another account's policy)") : TerminalSafe(Joined(by, ", "));
        out += "\n";
      }
  }
  if (!x.external.empty()) {
    out += "resource policies open to other accounts or anyone:\n";
    for (const iam::ExternalGrant& g : x.external) {
      const iam::ResourcePolicy& rp = snap.resource_policies[g.policy];
      std::string who = g.is_public ? std::string("anyone (Principal \"*\")") : "principal " + TerminalSafe(g.principal);
      if (!g.is_public && g.principal.starts_with("arn:aws:iam::") && g.principal.ends_with(":root"))
        who = "account " + TerminalSafe(g.principal.substr(13, g.principal.size() - 18));
      else if (!g.is_public && g.principal.find(':') == std::string::npos)
        who = "account " + TerminalSafe(g.principal);
      out += "  " + who + " " +
             std::string(iam::AccessEdgeName(g.access)) + " " + TerminalSafe(rp.arn) + " [" + Joined(g.actions, ", ") + "]";
      if (!g.condition_keys.empty()) out += " only if " + TerminalSafe(Joined(g.condition_keys, " "));
      out += "  (could)\n";
      for (const iam::StatementRef& ref : g.evidence) out += "       granted by " + TerminalSafe(ref.ToString()) + "\n";
    }
  }
  return out;
}

void WriteLatent(JsonOut& j, const std::vector<LatentExposure>& exposures) {
  auto& w = j.w();
  w.StartArray();
  for (const LatentExposure& x : exposures) {
    const iam::AuthorizationSnapshot& snap = *x.graph.snapshot;
    w.StartObject();
    j.Key("credential");
    j.Ref(x.credential);
    j.Field("principal", snap.nodes[x.node].arn);
    j.Field("account", snap.account);
    j.Time("snapshot_taken", x.account->snapshot_time);
    j.Field("admin_equivalent", x.admin.has_value());
    j.Field("summary", x.Summary());
    j.Key("paths");
    WritePaths(j, x);
    w.EndObject();
  }
  w.EndArray();
}

namespace {

EntityRef RefOfNode(const iam::Node& n) {
  if (auto r = iam::EntityOfNode(n)) return *r;
  return EntityRef{EntityKind::kAwsResource, n.arn};  // a group: not an entity of the did-graph
}

}  // namespace

std::vector<LatentItem> LatentBeyond(const std::vector<LatentExposure>& exposures, const std::set<EntityRef>& reached) {
  std::vector<LatentItem> out;
  for (const LatentExposure& x : exposures) {
    const iam::AuthorizationSnapshot& snap = *x.graph.snapshot;
    for (const iam::CouldPath& p : x.paths) {
      if (x.PathObserved(p)) continue;
      for (size_t ei : p.steps) {
        const iam::CouldEdge& e = x.graph.edges[ei];
        if (x.observed[ei]) continue;
        LatentItem it;
        it.from = RefOfNode(snap.nodes[e.from]);
        it.to = RefOfNode(snap.nodes[e.to]);
        if (reached.count(it.to)) continue;
        it.edge = std::string(iam::CouldKindName(e.kind));
        it.method = std::string(e.method);
        for (uint32_t r : e.evidence) it.evidence.push_back(x.graph.refs[r].ToString());
        it.conditions = e.condition_keys;
        it.admin_equivalent = p.admin_equivalent;
        out.push_back(std::move(it));
      }
    }
    for (const ReachAccess& r : x.reach) {
      const EntityRef from = RefOfNode(snap.nodes[r.node]);
      for (size_t i = 0; i < r.access.edges.size(); ++i) {
        if (r.observed[i]) continue;
        const iam::ResourceEdge& e = r.access.edges[i];
        LatentItem it;
        it.from = from;
        it.to = x.resources[e.resource].ref;
        it.edge = std::string(iam::AccessEdgeName(e.access));
        it.method = Joined(e.actions, ", ");
        if (e.via_resource_policy) it.method += " via its resource policy";
        for (const iam::StatementRef& ref : e.evidence) it.evidence.push_back(ref.ToString());
        it.conditions = e.condition_keys;
        out.push_back(std::move(it));
      }
      for (const iam::WildcardGrant& g : r.access.wildcards) {
        LatentItem it;
        it.from = from;
        it.to = EntityRef{iam::EntityKindOf(g.type), "*"};
        it.edge = std::string(iam::AccessEdgeName(g.access));
        it.method = Joined(g.actions, ", ");
        for (const iam::StatementRef& ref : g.evidence) it.evidence.push_back(ref.ToString());
        it.conditions = g.condition_keys;
        it.wildcard = true;
        it.note = WildcardText(g);
        out.push_back(std::move(it));
      }
    }
  }
  auto key = [](const LatentItem& i) { return std::tie(i.from, i.edge, i.to, i.method); };
  std::sort(out.begin(), out.end(), [&](const LatentItem& a, const LatentItem& b) { return key(a) < key(b); });
  out.erase(std::unique(out.begin(), out.end(), [&](const LatentItem& a, const LatentItem& b) { return key(a) == key(b); }),
            out.end());
  return out;
}

}  // namespace gumshoe::cli
