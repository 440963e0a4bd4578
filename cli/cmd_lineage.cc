// gumshoe lineage ENTITY [--descendants] [--json] [--dot FILE]: where a
// credential came from (back to its root of trust), or what was minted and
// created from it.
#include <cstdio>
#include <memory>
#include <string>

#include "cli_common.h"
#include "gumshoe/lineage.h"
#include "lineage_json.h"

namespace gumshoe::cli {
namespace {

struct LineageArgs {
  std::string entity;
  std::string dot;
  bool descendants = false;
  int max_depth = 24;
  size_t max_nodes = 5000;
};

int RunLineage(CliContext& ctx, const LineageArgs& args) {
  if (args.max_depth < 1 || args.max_nodes < 1)
    return ReportError(ctx, Status::InvalidArgument("--depth and --max-nodes must be at least 1"));
  auto store = OpenStore(ctx, false);
  if (!store.ok()) return ReportError(ctx, store.status());
  std::unique_ptr<GraphReader> snapshot = (*store)->Snapshot();
  auto ref = ResolveEntity(*snapshot, args.entity);
  if (!ref.ok()) return ReportError(ctx, ref.status());
  LineageOptions options;
  options.descendants = args.descendants;
  options.max_depth = args.max_depth;
  options.max_nodes = args.max_nodes;
  auto result = Lineage(*snapshot, *ref, options);
  if (!result.ok()) return ReportError(ctx, result.status());
  if (!args.dot.empty()) {
    int rc = WriteDotFile(ctx, result->ToSubgraph(), args.dot);
    if (rc != kExitOk) return rc;
  }
  if (ctx.json) {
    JsonOut j(snapshot.get());
    j.Begin("gumshoe.lineage/1", ctx, TimeWindow{});
    j.Key("entity");
    WriteLineageStart(j, *result);
    WriteLineageMembers(j, *result);
    j.w().EndObject();
    return j.Emit(ctx);
  } else {
    std::string tree = result->ToTree([](std::string_view s) { return TerminalSafe(s); });
    std::fwrite(tree.data(), 1, tree.size(), stdout);
  }
  return kExitOk;
}

}  // namespace

void RegisterLineageCommand(CLI::App& app, CliContext& ctx) {
  auto args = std::make_shared<LineageArgs>();
  CLI::App* cmd = app.add_subcommand(
      "lineage", "Where a key, session, user or role got its credentials, back to the root of trust");
  AddCommonOptions(cmd, ctx);
  cmd->add_option("entity", args->entity, "kind:key, or an ARN, access key ID, instance ID")->required();
  cmd->add_flag("--descendants", args->descendants, "List every credential minted or created downstream instead");
  cmd->add_option("--depth", args->max_depth, "Most hops to walk")->capture_default_str();
  cmd->add_option("--max-nodes", args->max_nodes, "Most entities in the result")->capture_default_str();
  cmd->add_option("--dot", args->dot, "Also write the result as a DOT graph to FILE");
  cmd->callback([&ctx, args] { ctx.exit_code = RunLineage(ctx, *args); });
}

}  // namespace gumshoe::cli
