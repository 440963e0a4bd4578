// The SQLite baseline of the 3-hop blast radius (issues 6 and 8): the same
// edges exported from the store into one table, walked with a recursive CTE
// over the same reach rules (DefaultBlastRules), leaves (IsBlastLeafKind) and
// window (BlastWindow). Bench only; not a library API.
//
// What the CTE does exactly like BlastRadius:
//   - the edge kinds, directions and "from which entity kinds" of every rule;
//   - leaves (IP, domain, bucket, role, ...) are not walked from unless they
//     are the start;
//   - an EC2 instance walks its network interfaces' flows and DNS queries at
//     the same hop (has_interface is crossed at depth + 0 whatever its own
//     activity, and the interface's own row is not counted);
//   - db_login and network_flow only when a login succeeded / a flow was
//     accepted at least once;
//   - structural edges (credential_of, assumed_role, ...) count when they
//     existed by the window's end.
// Where it does less work than BlastRadius (every difference favours SQLite):
//   - an edge is "in the window" when its [first, last] seen overlaps it;
//     BlastRadius reads the hourly buckets;
//   - no forward-in-time ordering, no fan-out caps, no explaining paths,
//     evidence, scores or entity reads: it returns COUNT(DISTINCT id).
// Indexes are covering ((src, kind, first, last, ok, dst, dk) and the mirror
// on dst), automatic indexes are off and the table is not ANALYZEd: a
// recursive step is re-run for every queued row, and with statistics the
// planner chose per-step structures that are rebuilt by a full scan of the
// table each time: an automatic index ("SEARCH e USING AUTOMATIC PARTIAL
// COVERING INDEX", the first 100k-event run, about 100 ms a query) or a Bloom
// filter ("BLOOM FILTER ON e"). Prepare() reports the plan; Reach() results
// are only comparable when it shows neither.
//
// BlastRadius's include_launchers (an instance start also starts from whoever
// launched it) has no SQLite counterpart: compare with it off.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "gumshoe/model.h"
#include "gumshoe/store.h"

struct sqlite3;
struct sqlite3_stmt;

namespace gumshoe::bench {

class SqliteBlast {
 public:
  SqliteBlast() = default;
  SqliteBlast(const SqliteBlast&) = delete;
  SqliteBlast& operator=(const SqliteBlast&) = delete;
  ~SqliteBlast();

  // Creates a fresh database at `path` (an existing file is replaced).
  bool Open(const std::string& path);
  // Copies every out-edge of `reader` into the table; counts per edge kind
  // go to `kinds`. Then builds the indexes and runs ANALYZE.
  bool Export(const GraphReader& reader, std::map<EdgeKind, uint64_t>& kinds, uint64_t& edges, double& export_s,
              double& index_s);
  // Prepares the CTE; `plan` gets EXPLAIN QUERY PLAN, one step per line.
  bool Prepare(std::string& plan);
  // Distinct entities within `depth` hops of `start` (start included, network
  // interfaces excluded), or -1 on error.
  int64_t Reach(const EntityId& start, int depth, const TimeWindow& window);

 private:
  sqlite3* db_ = nullptr;
  sqlite3_stmt* query_ = nullptr;
};

}  // namespace gumshoe::bench
