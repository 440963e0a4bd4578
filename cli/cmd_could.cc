// gumshoe could ENTITY [--as-of T] [--json]: what a principal (or the
// principal behind a key or session) could still do, from the IAM
// authorization snapshots in the store with the IAM changes CloudTrail
// recorded after them replayed up to T: the principals it can act as or give
// permissions to, shortest paths first, admin-equivalent ones on top, and for
// each step whether the logs show it exercised.
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli_common.h"
#include "gumshoe/iam/authz.h"
#include "gumshoe/iam/observed.h"
#include "gumshoe/iam_authz.h"
#include "gumshoe/time_util.h"
#include "latent.h"
#include "output.h"

namespace gumshoe::cli {
namespace {

struct CouldArgs {
  std::string entity;
  std::string as_of;
  size_t max_paths = 50;
  int depth = 6;
  bool strict = false;
};

std::string Label(const iam::Node& n) { return std::string(iam::NodeTypeName(n.type)) + " " + n.arn; }

int RunCould(CliContext& ctx, const CouldArgs& args) {
  Timestamp as_of = kNoTime;
  if (!args.as_of.empty()) {
    auto t = ParseIsoTime(args.as_of);
    if (!t) return ReportError(ctx, Status::InvalidArgument("--as-of: not an ISO 8601 time: " + args.as_of));
    as_of = *t;
  }
  if (args.depth < 1) return ReportError(ctx, Status::InvalidArgument("--depth must be at least 1"));
  auto store = OpenStore(ctx, false);
  if (!store.ok()) return ReportError(ctx, store.status());
  std::unique_ptr<GraphReader> reader = (*store)->Snapshot();
  auto accounts = LoadAuthorization(**store, as_of);
  if (!accounts.ok()) return ReportError(ctx, accounts.status());
  if (accounts->empty())
    return ReportError(ctx, Status::NotFound("no IAM authorization snapshot in the store: ingest the output of "
                                             "`aws iam get-account-authorization-details` first"));
  // The entity: a graph entity (key, session, user, role) or a principal's ARN or name.
  std::optional<EntityRef> entity;
  std::optional<PrincipalIndex> found;
  if (auto ref = ResolveEntity(*reader, args.entity); ref.ok()) {
    entity = *ref;
    if (auto arn = PrincipalArn(*reader, *ref)) found = FindPrincipal(*accounts, *arn);
    if (!found)
      return ReportError(ctx, Status::NotFound(FormatRef(*ref) + " is not a principal of any stored authorization snapshot"));
  } else {
    found = FindPrincipal(*accounts, args.entity);
    if (!found) return ReportError(ctx, ref.status());
  }
  const AccountAuthorization& acct = (*accounts)[found->account];
  const iam::AuthorizationSnapshot& snap = acct.snapshot;
  const iam::Node& start = snap.nodes[found->node];
  if (!entity) entity = iam::EntityOfNode(start);

  auto exposure = ExposureOf(*reader, acct, found->node, *entity, args.max_paths, static_cast<size_t>(args.depth),
                             args.strict);
  if (!exposure.ok()) return ReportError(ctx, exposure.status());
  const LatentExposure& x = *exposure;
  const iam::CouldGraph& graph = x.graph;
  const std::vector<iam::CouldPath>& paths = x.paths;
  const std::optional<iam::CouldPath>& admin = x.admin;
  const std::vector<std::optional<Evidence>>& observed = x.observed;
  auto path_observed = [&](const iam::CouldPath& p) { return x.PathObserved(p); };
  if (ctx.json) {
    JsonOut j(reader.get());
    auto& w = j.w();
    j.Begin("gumshoe.could/1", ctx, TimeWindow{});
    j.Key("entity");
    j.Ref(*entity);
    j.Field("principal", start.arn);
    j.Time("as_of", as_of);
    j.Key("snapshot");
    w.StartObject();
    j.Field("account", snap.account);
    j.Time("taken", acct.snapshot_time);
    j.Field("taken_after_as_of", acct.snapshot_after);
    j.Key("changes_applied");
    w.StartArray();
    for (const std::string& c : acct.changes_applied) j.String(c);
    w.EndArray();
    j.Key("changes_skipped");
    w.StartArray();
    for (const std::string& c : acct.changes_skipped) j.String(c);
    w.EndArray();
    w.EndObject();
    j.Field("admin_equivalent", admin.has_value());
    j.Key("admin_evidence");
    w.StartArray();
    for (uint32_t r : graph.admin_evidence[found->node]) j.String(graph.refs[r].ToString());
    w.EndArray();
    j.Key("paths");
    WritePaths(j, x);
    WriteResourceFields(j, x);
    j.Key("scps_applied");
    w.StartArray();
    for (const std::string& c : acct.scps_applied) j.String(c);
    w.EndArray();
    j.Key("scp_notes");
    w.StartArray();
    for (const std::string& c : acct.scp_notes) j.String(c);
    w.EndArray();
    w.EndObject();
    return j.Emit(ctx);
  }

  std::printf("could: %s\n", TerminalSafe(Label(start)).c_str());
  std::printf("snapshot: account %s, taken %s%s; %zu IAM change(s) replayed after it", TerminalSafe(snap.account).c_str(),
              acct.snapshot_time == kNoTime ? "at an unknown time" : FormatTime(acct.snapshot_time).c_str(),
              acct.snapshot_after ? " (after the as-of time: no older snapshot)" : "", acct.changes_applied.size());
  if (!acct.changes_skipped.empty()) std::printf(", %zu could not be", acct.changes_skipped.size());
  std::printf("\n");
  for (const std::string& c : acct.changes_skipped) std::printf("  not replayed: %s\n", TerminalSafe(c).c_str());
  for (const std::string& c : acct.scps_applied) std::printf("SCP applied: %s\n", TerminalSafe(c).c_str());
  for (const std::string& c : acct.scp_notes) std::printf("SCP note: %s\n", TerminalSafe(c).c_str());
  const std::string resources = ResourceText(x);
  if (graph.admin[found->node]) {
    std::printf("admin-equivalent: yes, by its own policies (");
    for (size_t i = 0; i < graph.admin_evidence[found->node].size(); ++i)
      std::printf("%s%s", i ? ", " : "", TerminalSafe(graph.refs[graph.admin_evidence[found->node][i]].ToString()).c_str());
    std::printf(")\n");
    std::fwrite(resources.data(), 1, resources.size(), stdout);
    return kExitOk;
  }
  if (admin) {
    std::printf("admin-equivalent: yes, in %zu step(s)\n", admin->steps.size());
  } else {
    std::printf("admin-equivalent: no\n");
  }
  if (paths.empty()) {
    std::printf("no could-edges: it cannot act as, or give permissions to, any other principal of the snapshot\n");
    std::fwrite(resources.data(), 1, resources.size(), stdout);
    return kExitOk;
  }
  std::printf("paths, shortest first:\n");
  size_t n = 0;
  for (const iam::CouldPath& p : paths) {
    std::printf("%3zu. %s%s %s%s\n", ++n, p.admin_equivalent ? "[admin] " : "", p.grants ? "can give permissions to" : "can act as",
                TerminalSafe(Label(snap.nodes[p.target])).c_str(), path_observed(p) ? "  (observed)" : "  (could)");
    for (size_t ei : p.steps) {
      const iam::CouldEdge& e = graph.edges[ei];
      std::printf("       %s %s %s [%s]", TerminalSafe(snap.nodes[e.from].name).c_str(), std::string(iam::CouldKindName(e.kind)).c_str(),
                  TerminalSafe(snap.nodes[e.to].name).c_str(), std::string(e.method).c_str());
      if (!e.condition_keys.empty()) {
        std::printf(" only if");
        for (const std::string& c : e.condition_keys) std::printf(" %s", TerminalSafe(c).c_str());
      }
      if (observed[ei]) {
        std::printf("; observed %s at %s", TerminalSafe(observed[ei]->ref).c_str(), FormatTime(observed[ei]->time).c_str());
      }
      std::printf("\n");
      for (uint32_t r : e.evidence) std::printf("         granted by %s\n", TerminalSafe(graph.refs[r].ToString()).c_str());
    }
  }
  std::fwrite(resources.data(), 1, resources.size(), stdout);
  return kExitOk;
}

}  // namespace

void RegisterCouldCommand(CLI::App& app, CliContext& ctx) {
  auto args = std::make_shared<CouldArgs>();
  CLI::App* cmd = app.add_subcommand(
      "could", "What a principal, key or session could still do: IAM escalation paths from the stored authorization snapshots");
  AddCommonOptions(cmd, ctx);
  cmd->add_option("entity", args->entity, "kind:key, an ARN, an access key ID, or a user or role name")->required();
  cmd->add_option("--as-of", args->as_of, "Evaluate the policies as they were at this time (ISO 8601); default: now");
  cmd->add_option("--max-paths", args->max_paths, "Most paths listed")->capture_default_str();
  cmd->add_option("--depth", args->depth, "Most steps per path")->capture_default_str();
  cmd->add_flag("--strict", args->strict, "Leave out edges that hold only under conditions gumshoe cannot decide");
  cmd->callback([&ctx, args] { ctx.exit_code = RunCould(ctx, *args); });
}

}  // namespace gumshoe::cli
