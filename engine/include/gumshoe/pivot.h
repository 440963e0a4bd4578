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
//
// Derived groups (PivotResult::derived): relations the graph holds only as a
// chain of edges, computed from those edges, not stored twice.
//   roles_assumed     (IAM user, role session, federated user) the roles it
//                     assumed through any of its keys or itself:
//                     caller -minted-> key -credential_of-> session
//                     -assumed_role-> role
//   sessions_started  the role sessions and federated users those mints
//                     became (the same chain, one hop shorter)
//   assumed_by        (IAM role) who assumed it: session -assumed_role-> role,
//                     back through the session's keys to the key or principal
//                     that minted them, and a key to its owner
// Each item counts the successful mints with activity in the window, with the
// first and last time and evidence of those mints (over all time, as the
// neighbours' stats are), the caller keys used, and the sessions or roles on
// the other side. Mints that only failed reach nothing (they mint no key).
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
  // Fill PivotResult::derived (see above). Each chain step reads at most
  // max_scan edges (0: all); past it the group's total_exact is false.
  bool derived = true;
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

// One entity of a derived group.
struct PivotDerivedItem {
  EntityRef entity;                     // the role, session or assuming principal
  uint64_t count = 0;                   // successful mints in the window
  Timestamp first_seen = kNoTime;       // first and last of those mints (edge totals)
  Timestamp last_seen = kNoTime;
  std::string first_evidence;
  std::string last_evidence;
  std::vector<std::string> keys;        // caller credentials used (key IDs, or the principal itself), sorted
  std::vector<EntityRef> related;       // roles_assumed: its sessions; sessions_started: its role;
                                        // assumed_by: the sessions; sorted
};

struct PivotDerivedGroup {
  std::string name;                     // "roles_assumed", "sessions_started", "assumed_by"
  uint64_t total = 0;                   // items before paging
  bool total_exact = true;              // false: a chain step stopped at max_scan
  std::vector<PivotDerivedItem> items;  // count desc, then entity; paged like the groups
};

struct PivotResult {
  Entity focus;
  std::vector<PivotGroup> groups;       // sorted by direction, then edge kind name
  std::vector<PivotDerivedGroup> derived;  // non-empty groups only (see above); not drawn in ToSubgraph
  Subgraph ToSubgraph() const;
};

Result<PivotResult> Pivot(const GraphReader& reader, const EntityRef& focus, const PivotOptions& options);

}  // namespace gumshoe
