// Investigation reports: one generic document rendered as Markdown and as a
// self-contained HTML page (inline CSS, no scripts, no external fonts or
// images), with the query's graph as DOT and, when Graphviz is installed, SVG.
//
// Callers (e.g. `gumshoe investigate`) fill a Report with the finding
// summary, lineage chains, blast-radius table, indicators, timeline
// highlights and the response checklist. All strings may be log-derived: the
// renderers make them visible-safe (see VisibleText) and escape them for the
// output language, so no log text can add markup, links or scripts.
//
// Thread-safety: plain values and reentrant functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gumshoe/dot_export.h"
#include "gumshoe/status.h"
#include "gumshoe/subgraph.h"

namespace gumshoe {

// Most rows a table shows before "… N more rows".
inline constexpr size_t kMaxReportTableRows = 500;

struct ReportTable {
  std::string caption;                          // optional
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;   // short rows are padded, long ones cut to the header
};

struct ReportSection {
  std::string heading;
  std::vector<std::string> paragraphs;
  std::vector<ReportTable> tables;              // after the paragraphs
};

struct ChecklistItem {
  std::string text;
  bool done = false;
};

struct Report {
  std::string title;
  std::vector<std::string> summary;             // one line each, shown first
  std::vector<ReportSection> sections;
  std::vector<ChecklistItem> checklist;         // "Response checklist"
  Subgraph graph;                               // drawn as graph.dot / graph.svg
  std::optional<std::string> svg;               // pre-rendered SVG; WriteReportFiles renders when absent
};

// A plain report of any query result: title, counts, an entity table and an
// edge table, sorted like the DOT. Callers add their own sections.
Report ReportFromSubgraph(const Subgraph& g);

// Markdown (CommonMark + GitHub tables). `svg_file` non-empty: the graph is
// shown as an image link to it; empty: a note says how to render graph.dot.
std::string RenderMarkdown(const Report& report, std::string_view svg_file = "graph.svg");

// A self-contained HTML page. `svg` (Graphviz output) is embedded inline after
// its XML prolog is dropped; an SVG that fails CheckSvgSafe is left out with
// a note instead. Empty `svg`: a note says how to render graph.dot.
std::string RenderHtml(const Report& report, std::string_view svg);

// OK when `svg` has no active content: no <script>, <foreignObject>,
// <iframe>/<object>/<embed>, no on* event attribute, no javascript: or data:
// URL. Used before embedding; the message names what was found.
Status CheckSvgSafe(std::string_view svg);

// What WriteReportFiles wrote.
struct ReportFiles {
  std::vector<std::string> paths;   // in writing order
  bool rendered_svg = false;
  std::string message;              // for the user: how to render when dot is missing
};

// Creates `dir` if needed and writes graph.dot and report.md; when
// report.svg is set or Graphviz is available (render_options.dot_command),
// also graph.svg and report.html. Without Graphviz the files written still
// succeed and `files->message` says: dot -Tsvg graph.dot > graph.svg.
// Errors: IoError when a file cannot be written; a Graphviz failure is
// returned after graph.dot and report.md are written.
Status WriteReportFiles(const Report& report, const std::string& dir, const DotOptions& options,
                        ReportFiles* files = nullptr, const RenderOptions& render_options = RenderOptions{});

}  // namespace gumshoe
