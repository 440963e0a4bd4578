#include "gumshoe/report.h"

#include <algorithm>
#include <cctype>
#include <exception>
#include <filesystem>
#include <fstream>
#include <system_error>
#include <tuple>

#include "gumshoe/edge_text.h"
#include "gumshoe/normalize.h"
#include "gumshoe/time_util.h"
#include "text_safety.h"

namespace gumshoe {
namespace {

using internal::HtmlEscape;
using internal::MarkdownEscape;

constexpr std::string_view kRenderHint = "dot -Tsvg graph.dot > graph.svg";

std::vector<std::string> FitRow(const std::vector<std::string>& row, size_t width) {
  std::vector<std::string> out(row.begin(), row.begin() + std::min(row.size(), width));
  out.resize(width);
  return out;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

bool SafeWriteFile(const std::filesystem::path& path, std::string_view data, Status* status) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
  out.close();
  if (!out) {
    *status = Status::IoError("cannot write " + path.string());
    return false;
  }
  return true;
}

// The <svg ...>...</svg> part of Graphviz output, without the XML prolog,
// DOCTYPE and comments before it.
std::string_view SvgElement(std::string_view svg) {
  size_t start = svg.find("<svg");
  if (start == std::string_view::npos) return {};
  return svg.substr(start);
}

// ShortName, guarded against odd keys (engine ShortName can throw).
std::string SafeName(const EntityRef& ref) {
  try {
    return ShortName(ref);
  } catch (const std::exception&) {
    return ref.key;
  }
}

}  // namespace

Status CheckSvgSafe(std::string_view svg) {
  std::string lower = Lower(svg);
  for (std::string_view bad : {"<script", "<foreignobject", "<iframe", "<object", "<embed", "javascript:",
                               "data:text/html", "<!entity", "<handler", "<listener"}) {
    if (lower.find(bad) != std::string::npos) return Status::InvalidArgument("svg contains '" + std::string(bad) + "'");
  }
  // Attribute names inside tags: no event handlers.
  for (size_t i = 0; i < lower.size(); ++i) {
    if (lower[i] != '<') continue;
    size_t j = i + 1;
    while (j < lower.size() && lower[j] != '>') {
      char c = lower[j];
      if (c == '"' || c == '\'') {
        size_t close = lower.find(c, j + 1);
        if (close == std::string::npos) return Status::InvalidArgument("svg has an unterminated attribute value");
        j = close + 1;
        continue;
      }
      bool boundary = std::isspace(static_cast<unsigned char>(lower[j - 1])) || lower[j - 1] == '"' ||
                      lower[j - 1] == '\'';
      if (boundary && c == 'o' && j + 2 < lower.size() && lower[j + 1] == 'n' && std::isalpha(static_cast<unsigned char>(lower[j + 2]))) {
        size_t k = j;
        while (k < lower.size() && (std::isalnum(static_cast<unsigned char>(lower[k])) || lower[k] == '-')) ++k;
        size_t m = k;
        while (m < lower.size() && std::isspace(static_cast<unsigned char>(lower[m]))) ++m;
        if (m < lower.size() && lower[m] == '=')
          return Status::InvalidArgument("svg has an event attribute '" + lower.substr(j, k - j) + "'");
      }
      ++j;
    }
    i = j;
  }
  return Status::Ok();
}

Report ReportFromSubgraph(const Subgraph& g) {
  Report r;
  r.title = g.title.empty() ? "gumshoe graph" : g.title;
  r.graph = g;
  std::vector<const SubgraphNode*> nodes;
  for (const auto& n : g.nodes) nodes.push_back(&n);
  std::sort(nodes.begin(), nodes.end(), [](const SubgraphNode* a, const SubgraphNode* b) {
    std::string_view ka = EntityKindName(a->entity.kind), kb = EntityKindName(b->entity.kind);
    return ka != kb ? ka < kb : a->entity.key < b->entity.key;
  });
  std::vector<const SubgraphEdge*> edges;
  for (const auto& e : g.edges) edges.push_back(&e);
  std::sort(edges.begin(), edges.end(), [](const SubgraphEdge* a, const SubgraphEdge* b) {
    return std::tie(a->src, a->kind, a->dst) < std::tie(b->src, b->kind, b->dst);
  });
  r.summary.push_back(std::to_string(nodes.size()) + " entities, " + std::to_string(edges.size()) + " edges");
  if (!g.window.unbounded())
    r.summary.push_back("window " + FormatTime(g.window.since) + " to " + FormatTime(g.window.until));
  auto emphasis = [](Emphasis e) -> std::string {
    switch (e) {
      case Emphasis::kFocus: return "focus";
      case Emphasis::kLineage: return "lineage";
      case Emphasis::kCompromise: return "compromise";
      case Emphasis::kFlagged: return "flagged";
      default: return "";
    }
  };
  ReportSection entities;
  entities.heading = "Entities";
  ReportTable et{"", {"kind", "name", "key", "emphasis", "first seen", "last seen"}, {}};
  for (const SubgraphNode* n : nodes)
    et.rows.push_back({std::string(EntityKindName(n->entity.kind)),
                       n->collapsed_count > 0 ? n->entity.key : SafeName(n->entity.ref()), n->entity.key,
                       emphasis(n->emphasis), FormatTime(n->entity.first_seen), FormatTime(n->entity.last_seen)});
  entities.tables.push_back(std::move(et));
  r.sections.push_back(std::move(entities));
  ReportSection edge_section;
  edge_section.heading = "Edges";
  // One sentence per edge from the table in edge_text.h (src -> dst as
  // stored), then the full keys of both ends.
  ReportTable tt{"", {"what happened", "edge", "from", "to", "count", "first seen", "last seen"}, {}};
  for (const SubgraphEdge* e : edges)
    tt.rows.push_back({EdgeSentence(e->src, e->kind, e->dst, e->stats), std::string(EdgeKindName(e->kind)),
                       FormatRef(e->src), FormatRef(e->dst), std::to_string(e->stats.count),
                       FormatTime(e->stats.first_seen), FormatTime(e->stats.last_seen)});
  edge_section.tables.push_back(std::move(tt));
  r.sections.push_back(std::move(edge_section));
  return r;
}

std::string RenderMarkdown(const Report& report, std::string_view svg_file) {
  std::string md;
  md += "# " + MarkdownEscape(report.title.empty() ? "gumshoe report" : report.title, true) + "\n\n";
  for (const auto& line : report.summary) md += "- " + MarkdownEscape(line) + "\n";
  if (!report.summary.empty()) md += "\n";
  md += "## Graph\n\n";
  if (!svg_file.empty()) {
    md += "![Graph of the investigation](" + std::string(svg_file) + ")\n\n";
    md += "The graph is also in `graph.dot` (Graphviz).\n\n";
  } else {
    md += "The graph is in `graph.dot`. Graphviz was not found; render it with `" + std::string(kRenderHint) +
          "` (install the `graphviz` package).\n\n";
  }
  for (const auto& section : report.sections) {
    md += "## " + MarkdownEscape(section.heading, true) + "\n\n";
    for (const auto& p : section.paragraphs) md += MarkdownEscape(p, true) + "\n\n";
    for (const auto& table : section.tables) {
      if (!table.caption.empty()) md += "**" + MarkdownEscape(table.caption) + "**\n\n";
      if (table.header.empty()) continue;
      md += "|";
      for (const auto& h : table.header) md += " " + MarkdownEscape(h) + " |";
      md += "\n|";
      for (size_t i = 0; i < table.header.size(); ++i) md += " --- |";
      md += "\n";
      size_t shown = std::min(table.rows.size(), kMaxReportTableRows);
      for (size_t r = 0; r < shown; ++r) {
        md += "|";
        for (const auto& cell : FitRow(table.rows[r], table.header.size())) md += " " + MarkdownEscape(cell) + " |";
        md += "\n";
      }
      if (table.rows.size() > shown) md += "\n… " + std::to_string(table.rows.size() - shown) + " more rows\n";
      md += "\n";
    }
  }
  if (!report.checklist.empty()) {
    md += "## Response checklist\n\n";
    for (const auto& item : report.checklist)
      md += std::string(item.done ? "- [x] " : "- [ ] ") + MarkdownEscape(item.text) + "\n";
    md += "\n";
  }
  return md;
}

std::string RenderHtml(const Report& report, std::string_view svg) {
  std::string title = HtmlEscape(report.title.empty() ? "gumshoe report" : report.title);
  std::string h;
  h += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  h += "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
       "img-src data:\">\n";
  h += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  h += "<title>" + title + "</title>\n<style>\n"
       "body{font-family:system-ui,-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;margin:2rem auto;"
       "max-width:80rem;padding:0 1rem;color:#1f2933;line-height:1.45}\n"
       "h1{font-size:1.6rem;border-bottom:2px solid #d50000;padding-bottom:.3rem}\n"
       "h2{font-size:1.2rem;margin-top:2rem;color:#263238}\n"
       "ul.summary{background:#fff8e1;border-left:4px solid #ffb300;padding:.6rem 1rem .6rem 2rem}\n"
       "table{border-collapse:collapse;margin:.5rem 0 1rem;font-size:.9rem}\n"
       "th,td{border:1px solid #cfd8dc;padding:.25rem .5rem;text-align:left;vertical-align:top;"
       "font-family:ui-monospace,Menlo,Consolas,monospace;word-break:break-all}\n"
       "th{background:#eceff1;font-family:inherit}\n"
       "caption{text-align:left;font-weight:600;padding:.2rem 0}\n"
       ".gs-graph{overflow:auto;border:1px solid #cfd8dc;padding:.5rem;background:#fff}\n"
       ".gs-graph svg{max-width:100%;height:auto}\n"
       ".note{color:#546e7a;font-style:italic}\n"
       "ul.checklist{list-style:none;padding-left:0}\n"
       "ul.checklist li::before{content:'\\2610  '}\n"
       "ul.checklist li.done::before{content:'\\2611  '}\n"
       "</style>\n</head>\n<body>\n";
  h += "<h1>" + title + "</h1>\n";
  if (!report.summary.empty()) {
    h += "<ul class=\"summary\">\n";
    for (const auto& line : report.summary) h += "<li>" + HtmlEscape(line) + "</li>\n";
    h += "</ul>\n";
  }
  h += "<h2>Graph</h2>\n";
  std::string_view element = SvgElement(svg);
  if (element.empty()) {
    h += "<p class=\"note\">The graph is in graph.dot. Render it with <code>" + HtmlEscape(kRenderHint) +
         "</code> (install the graphviz package).</p>\n";
  } else if (Status st = CheckSvgSafe(element); !st.ok()) {
    h += "<p class=\"note\">The graph SVG was left out: " + HtmlEscape(st.message()) + ".</p>\n";
  } else {
    h += "<div class=\"gs-graph\">\n";
    h += element;
    h += "\n</div>\n";
  }
  for (const auto& section : report.sections) {
    h += "<h2>" + HtmlEscape(section.heading) + "</h2>\n";
    for (const auto& p : section.paragraphs) h += "<p>" + HtmlEscape(p) + "</p>\n";
    for (const auto& table : section.tables) {
      h += "<table>\n";
      if (!table.caption.empty()) h += "<caption>" + HtmlEscape(table.caption) + "</caption>\n";
      if (!table.header.empty()) {
        h += "<tr>";
        for (const auto& c : table.header) h += "<th>" + HtmlEscape(c) + "</th>";
        h += "</tr>\n";
      }
      size_t width = table.header.empty() ? 0 : table.header.size();
      size_t shown = std::min(table.rows.size(), kMaxReportTableRows);
      for (size_t r = 0; r < shown; ++r) {
        h += "<tr>";
        for (const auto& c : width ? FitRow(table.rows[r], width) : table.rows[r]) h += "<td>" + HtmlEscape(c) + "</td>";
        h += "</tr>\n";
      }
      h += "</table>\n";
      if (table.rows.size() > shown)
        h += "<p class=\"note\">… " + std::to_string(table.rows.size() - shown) + " more rows</p>\n";
    }
  }
  if (!report.checklist.empty()) {
    h += "<h2>Response checklist</h2>\n<ul class=\"checklist\">\n";
    for (const auto& item : report.checklist)
      h += std::string(item.done ? "<li class=\"done\">" : "<li>") + HtmlEscape(item.text) + "</li>\n";
    h += "</ul>\n";
  }
  h += "<p class=\"note\">Generated by gumshoe.</p>\n</body>\n</html>\n";
  return h;
}

Status WriteReportFiles(const Report& report, const std::string& dir, const DotOptions& options, ReportFiles* files,
                        const RenderOptions& render_options) {
  ReportFiles local;
  ReportFiles& out = files ? *files : local;
  out = ReportFiles{};
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::IoError("cannot create " + dir + ": " + ec.message());
  std::filesystem::path base(dir);
  Status status;

  std::string dot = ToDot(report.graph, options);
  if (!SafeWriteFile(base / "graph.dot", dot, &status)) return status;
  out.paths.push_back((base / "graph.dot").string());

  std::string svg;
  Status render_status;
  if (report.svg) {
    svg = *report.svg;
  } else if (DotAvailable(render_options.dot_command)) {
    auto rendered = RenderSvg(dot, render_options);
    if (rendered.ok()) svg = std::move(rendered).value();
    else render_status = rendered.status();
  }
  bool have_svg = !svg.empty();
  if (have_svg) {
    if (!SafeWriteFile(base / "graph.svg", svg, &status)) return status;
    out.paths.push_back((base / "graph.svg").string());
    out.rendered_svg = true;
  }
  if (!SafeWriteFile(base / "report.md", RenderMarkdown(report, have_svg ? "graph.svg" : ""), &status)) return status;
  out.paths.push_back((base / "report.md").string());
  if (have_svg) {
    if (!SafeWriteFile(base / "report.html", RenderHtml(report, svg), &status)) return status;
    out.paths.push_back((base / "report.html").string());
  } else {
    out.message = "Graphviz 'dot' is not available, so no SVG or HTML report was written; render the graph with: " +
                  std::string(kRenderHint) + " (in " + dir + ")";
  }
  return render_status;
}

}  // namespace gumshoe
