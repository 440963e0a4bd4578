// DOT export of query results, and rendering DOT to SVG with Graphviz.
//
// ToDot draws any Subgraph (pivot, lineage, blast radius, finding group,
// investigation) as a Graphviz digraph:
//   - every entity kind has its own shape and fill colour, listed in a legend;
//   - node labels are short ("alice (IAM user)") with the entity's region on
//     a line of its own when known (visible in PNG/PDF too), the full key is
//     the tooltip;
//   - edges carry the short label of edge_text.h read along the arrow
//     ("created", "session of"), observation count and first-last seen; the
//     tooltip is the full sentence ("ci-deploy created IAM user svc-backup");
//     an attempt (every observation failed) is labelled "tried to create ×1
//     (denied)" and drawn dashed red, never with compromise emphasis;
//   - emphasis: the focus/finding is bold and doubly outlined, lineage chains
//     blue and thick, compromise paths orange and thick, flagged entities red;
//   - deep graphs (credential chains) are laid out top to bottom, shallow
//     ones (pivot fan-outs, blast radius) left to right;
//   - by default a cluster per AWS account (even when only one account is
//     known), labelled "account <id>" (plus " · <region>" when all its nodes
//     share one region), with region sub-clusters when an account spans
//     several regions; cluster_by_account = false (--no-clusters) turns
//     them off;
//   - over `max_nodes` nodes, leaves of one kind hanging off the same
//     neighbour by the same edge kind collapse into one "+123 IP addresses" node.
// The output is byte-identical for the same input: nodes are sorted by
// (kind name, key), edges by (source, kind name, destination), whatever order
// the Subgraph lists them in. Duplicate nodes/edges are merged.
//
// Every log-derived string (keys, attribute values, notes, titles) is made
// visible-safe (control characters, terminal escapes and bidi controls are
// shown as symbols, invalid UTF-8 as U+FFFD) and escaped as a DOT quoted
// string; no HTML-like label is ever emitted, so no input can close a string,
// add an attribute or a node.
//
// Thread-safety: all functions are reentrant; RenderSvg spawns a process.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

#include "gumshoe/status.h"
#include "gumshoe/subgraph.h"

namespace gumshoe {

// Longest label line, in code points, before it is cut with "…".
inline constexpr size_t kMaxDotLabelChars = 64;
// Longest entity name in a node label, before " (kind)" is added.
inline constexpr size_t kMaxDotNameChars = 40;
// Longest tooltip, in bytes, before it is cut with "…".
inline constexpr size_t kMaxDotTooltipBytes = 1024;
// Most member keys listed in the tooltip of a collapsed node.
inline constexpr size_t kMaxCollapsedTooltipKeys = 12;

struct DotOptions {
  // Above this many nodes, same-kind leaves of one neighbour are collapsed
  // (largest groups first) until the graph fits or nothing more collapses.
  // 0 disables collapsing.
  size_t max_nodes = 60;
  // Adds a "Legend" cluster naming the kinds and emphasis styles shown.
  bool show_legend = true;
  // Groups nodes carrying an "account" attribute (account nodes, and ARN
  // keys with an account field) in one cluster per account, even a single
  // one, with a sub-cluster per "region" when the account's nodes span more
  // than one region. Default: true.
  bool cluster_by_account = true;
  // Adds "first–last seen" to edge labels (always in the tooltip).
  bool edge_times = true;
};

// The DOT text of `g`. Never fails; an empty Subgraph gives an empty digraph.
std::string ToDot(const Subgraph& g, const DotOptions& options = DotOptions{});

// Text made safe to show anywhere: control characters are named between
// angle brackets (ESC -> "⟨ESC⟩", newline -> "⟨LF⟩", BEL -> "⟨BEL⟩", others
// "⟨U+0001⟩"); C1 controls, bidi and invisible format characters become
// "⟨U+202E⟩"; invalid UTF-8 bytes become U+FFFD.
// The result contains no byte below 0x20. Used by the DOT and report writers.
std::string VisibleText(std::string_view text);

// How RenderSvg runs Graphviz.
struct RenderOptions {
  std::string dot_command = "dot";       // looked up in PATH unless it contains '/'
  std::chrono::milliseconds timeout{30000};
  size_t max_output_bytes = 64u << 20;   // the SVG may not be larger than this
  bool fail_on_warning = false;          // treat any "Warning:" on stderr as an error
};

// Runs `dot -Tsvg` (no shell: posix_spawn with pipes) on `dot` and returns
// the SVG. Errors: NotFound when the command cannot be started, Corruption
// when dot rejects the input (its first stderr line is in the message),
// LimitExceeded on timeout or oversized output (the child is killed).
Result<std::string> RenderSvg(const std::string& dot, const RenderOptions& options = RenderOptions{});

// As RenderSvg, for another Graphviz output format ("json0", "plain", "png").
// REQUIRES: format is [a-z0-9_:]+.
Result<std::string> RunGraphviz(const std::string& dot, std::string_view format,
                                const RenderOptions& options = RenderOptions{});

// True when the Graphviz command can be executed (PATH lookup, no process started).
bool DotAvailable(const std::string& dot_command = "dot");

}  // namespace gumshoe
