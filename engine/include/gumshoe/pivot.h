// Pivot: an entity's neighbours grouped by edge kind and direction, scoped to a
// time window, paged for high-degree entities.
//
// Cost: edges are read undecoded (GraphReader::ScanRawEdges) and ranked by
// their windowed count (DecodeEdgeStatsSummary); only the neighbours on the
// page get their stats decoded and their entity read. A group is read up to
// PivotOptions::max_scan edges.
//
// Super-nodes: where the store keeps a ranking of a group
// (GraphReader::ScanEdgeGroupRankings) and the window is unbounded, the page
// comes from the ranking and only its edges are read: the group's order is
// then over all its edges and its total exact, however large it is. A page
// past the ranked neighbours reads that group whole (ignoring max_scan), so
// every page of a ranked group follows the same order. Windowed pivots,
// groups without a ranking and instances with folded interfaces scan as
// above.
//
// EC2 instances also show the edges of their network interfaces (flows seen on
// an ENI before the ENI was known to belong to the instance still count), each
// marked with the interface it came through.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "gumshoe/model.h"
#include "gumshoe/status.h"
#include "gumshoe/store.h"
#include "gumshoe/subgraph.h"

namespace gumshoe {

struct PivotOptions {
  TimeWindow window;                    // only edges with activity in the window
  std::optional<EdgeKind> edge_kind;    // only this kind
  size_t limit = 50;                    // neighbours shown per (kind, direction) group
  size_t offset = 0;                    // skip this many per group (paging)
  bool include_interfaces = true;       // fold ENI edges into their instance
  // Super-nodes: at most this many edges are read per (kind, direction) group
  // without a ranking (0: all). A group cut there has total_exact == false:
  // its total is a lower bound (">= total") and its order and pages cover the
  // edges read, which come in stored (id) order. Keeps a pivot on an account
  // or a popular endpoint at a bounded cost.
  size_t max_scan = 4096;
  // Also fill each neighbour's EdgeStats::hourly. Off by default: an edge of a
  // busy entity holds one bucket per active hour, and building those maps for
  // a whole page costs more than the rest of the pivot (Timeline gives an
  // entity's activity over time, GraphReader::ScanEdges full edge stats).
  bool hourly = false;
};

struct PivotNeighbor {
  EntityRef entity;
  EdgeStats stats;                      // stats of the edge (windowed count in `window_count`;
                                        // `hourly` empty unless PivotOptions::hourly)
  uint64_t window_count = 0;
  std::string via;                      // network interface the edge was seen on, if any
};

struct PivotGroup {
  EdgeKind kind;
  Direction direction;                  // kOut: focus -> neighbour
  uint64_t total = 0;                   // neighbours in this group (before paging)
  bool total_exact = true;              // false: the scan stopped at max_scan; total is ">= total"
  // Sorted by window_count desc. Which neighbours make the page: count desc,
  // then entity id; within the page ties are shown by key (so a group that
  // fits in one page is in count, key order).
  std::vector<PivotNeighbor> neighbors;
};

struct PivotResult {
  Entity focus;
  std::vector<PivotGroup> groups;       // sorted by direction, then edge kind name
  Subgraph ToSubgraph() const;
};

Result<PivotResult> Pivot(const GraphReader& reader, const EntityRef& focus, const PivotOptions& options);

}  // namespace gumshoe
