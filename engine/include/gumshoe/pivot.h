// Pivot: an entity's neighbours grouped by edge kind and direction, scoped to a
// time window, paged for high-degree entities.
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
};

struct PivotNeighbor {
  EntityRef entity;
  EdgeStats stats;                      // stats of the edge (windowed count in `window_count`)
  uint64_t window_count = 0;
  std::string via;                      // network interface the edge was seen on, if any
};

struct PivotGroup {
  EdgeKind kind;
  Direction direction;                  // kOut: focus -> neighbour
  uint64_t total = 0;                   // neighbours in this group (before paging)
  std::vector<PivotNeighbor> neighbors; // sorted: window_count desc, then kind/key
};

struct PivotResult {
  Entity focus;
  std::vector<PivotGroup> groups;       // sorted by direction, then edge kind name
  Subgraph ToSubgraph() const;
};

Result<PivotResult> Pivot(const GraphReader& reader, const EntityRef& focus, const PivotOptions& options);

}  // namespace gumshoe
