// gumshoe export-dot ENTITY [--query pivot|lineage|blast-radius] [-o FILE]:
// a query's result as a Graphviz DOT graph, an SVG, or a report directory.
//
// Each query is one row of kQueries: a function from (reader, entity, args)
// to the Subgraph it draws. Adding a query is adding a row.
#include <fstream>
#include <string>

#include "cli_common.h"
#include "gumshoe/blast_radius.h"
#include "gumshoe/dot_export.h"
#include "gumshoe/lineage.h"
#include "gumshoe/pivot.h"
#include "gumshoe/report.h"

namespace gumshoe::cli {
namespace {

struct ExportDotArgs {
  std::string entity;
  std::string query = "pivot";
  std::string output = "-";
  std::string report_dir;
  std::string since, until;
  bool svg = false;
  size_t limit = 50;          // pivot: neighbours per group
  bool descendants = false;   // lineage: forward mode
  DotOptions dot;
  bool no_legend = false;
  bool no_clusters = false;
};

using QueryFn = Result<Subgraph> (*)(const GraphReader& reader, const EntityRef& ref, const ExportDotArgs& args,
                                     const TimeWindow& window);

Result<Subgraph> PivotQuery(const GraphReader& reader, const EntityRef& ref, const ExportDotArgs& args,
                            const TimeWindow& window) {
  PivotOptions options;
  options.window = window;
  options.limit = args.limit;
  GUMSHOE_ASSIGN_OR_RETURN(PivotResult result, Pivot(reader, ref, options));
  Subgraph g = result.ToSubgraph();
  g.window = window;
  return g;
}

Result<Subgraph> LineageQuery(const GraphReader& reader, const EntityRef& ref, const ExportDotArgs& args,
                              const TimeWindow&) {
  LineageOptions options;
  options.descendants = args.descendants;
  GUMSHOE_ASSIGN_OR_RETURN(LineageResult result, Lineage(reader, ref, options));
  return result.ToSubgraph();
}

Result<Subgraph> BlastRadiusQuery(const GraphReader& reader, const EntityRef& ref, const ExportDotArgs&,
                                  const TimeWindow& window) {
  BlastRadiusOptions options;
  options.window = window;
  GUMSHOE_ASSIGN_OR_RETURN(BlastRadiusResult result, BlastRadius(reader, ref, options));
  return result.ToSubgraph();
}

struct QueryKind {
  const char* name;
  QueryFn run;
};
constexpr QueryKind kQueries[] = {
    {"pivot", PivotQuery},
    {"lineage", LineageQuery},
    {"blast-radius", BlastRadiusQuery},
};

bool EndsWith(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

int RunExportDot(CliContext& ctx, ExportDotArgs& args) {
  const QueryKind* query = nullptr;
  for (const auto& q : kQueries)
    if (args.query == q.name) query = &q;
  if (!query) return ReportError(ctx, Status::InvalidArgument("unknown --query '" + TerminalSafe(args.query) + "'"));
  auto window = ParseWindow(args.since, args.until);
  if (!window.ok()) return ReportError(ctx, window.status());
  args.dot.show_legend = !args.no_legend;
  args.dot.cluster_by_account = !args.no_clusters;

  auto store = OpenStore(ctx, false);
  if (!store.ok()) return ReportError(ctx, store.status());
  auto snapshot = (*store)->Snapshot();
  auto ref = ResolveEntity(*snapshot, args.entity);
  if (!ref.ok()) return ReportError(ctx, ref.status());
  auto graph = query->run(*snapshot, *ref, args, *window);
  if (!graph.ok()) return ReportError(ctx, graph.status());

  if (!args.report_dir.empty()) {
    ReportFiles files;
    Status st = WriteReportFiles(ReportFromSubgraph(*graph), args.report_dir, args.dot, &files);
    for (const auto& p : files.paths)
      if (ctx.log) ctx.log->info("wrote {}", TerminalSafe(p));
    if (!files.message.empty() && ctx.log) ctx.log->warn("{}", TerminalSafe(files.message));
    if (!st.ok()) return ReportError(ctx, st);
  }

  std::string dot = ToDot(*graph, args.dot);
  if (args.svg || EndsWith(args.output, ".svg")) {
    auto svg = RenderSvg(dot);
    if (!svg.ok()) {
      Status st = svg.status();
      if (st.code() == Status::Code::kNotFound)
        st = Status::NotFound(st.message() + "; or write DOT and run: dot -Tsvg graph.dot > graph.svg");
      return ReportError(ctx, st);
    }
    return WriteTextFile(ctx, *svg, args.output);
  }
  if (!args.report_dir.empty() && args.output == "-") return kExitOk;  // the report has graph.dot
  return WriteTextFile(ctx, dot, args.output);
}

}  // namespace

void RegisterExportDotCommand(CLI::App& app, CliContext& ctx) {
  auto args = std::make_shared<ExportDotArgs>();
  CLI::App* cmd = app.add_subcommand("export-dot", "Draw a query result as a Graphviz DOT graph (or SVG, or a report)");
  AddCommonOptions(cmd, ctx, false);
  cmd->add_option("entity", args->entity, "kind:key, or an ARN, key ID, instance ID, IP, bucket, finding ID")->required();
  std::string names;
  for (const auto& q : kQueries) names += std::string(names.empty() ? "" : "|") + q.name;
  cmd->add_option("--query", args->query, "Which query to draw: " + names)->capture_default_str();
  cmd->add_option("-o,--output", args->output, "Output file; '-' is stdout; a .svg name renders SVG")
      ->capture_default_str();
  cmd->add_flag("--svg", args->svg, "Render SVG with Graphviz dot instead of writing DOT");
  cmd->add_option("--report", args->report_dir, "Also write graph.dot, report.md and (with dot) graph.svg, report.html to DIR");
  cmd->add_option("--since", args->since, "Window start (ISO 8601 or YYYY-MM-DD)");
  cmd->add_option("--until", args->until, "Window end (ISO 8601 or YYYY-MM-DD)");
  cmd->add_option("--limit", args->limit, "pivot: neighbours per edge group")->capture_default_str();
  cmd->add_flag("--descendants", args->descendants, "lineage: what the entity minted/created, not where it came from");
  cmd->add_option("--max-nodes", args->dot.max_nodes, "Collapse same-kind leaves above this many nodes (0: never)")
      ->capture_default_str();
  cmd->add_flag("--no-legend", args->no_legend, "Leave out the legend");
  cmd->add_flag("--no-clusters", args->no_clusters, "Do not group nodes by account and region");
  cmd->callback([&ctx, args] { ctx.exit_code = RunExportDot(ctx, *args); });
}

}  // namespace gumshoe::cli
