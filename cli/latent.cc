#include "latent.h"

#include <map>
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
      w.StartArray();
      for (const std::string& c : e.condition_keys) j.String(c);
      w.EndArray();
      j.Key("observed");
      if (x.observed[ei]) {
        w.StartObject();
        j.Field("event", x.observed[ei]->ref);
        j.Time("time", x.observed[ei]->time);
        w.EndObject();
      } else {
        w.Null();
      }
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
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

}  // namespace gumshoe::cli
