// Subgraph: the common shape of every query result that can be drawn or
// reported (pivot, lineage, blast radius, finding group, investigation).
// graphviz_export draws a Subgraph; each query offers ToSubgraph().
// Plain value; deterministic order is the exporter's job (it sorts).
#pragma once

#include <string>
#include <vector>

#include "gumshoe/model.h"

namespace gumshoe {

// Why a node or edge is emphasised in a picture.
enum class Emphasis : uint8_t {
  kNone = 0,
  kFocus = 1,        // the entity or finding the query started from
  kLineage = 2,      // on a credential-lineage chain
  kCompromise = 3,   // on a blast-radius / compromise path
  kFlagged = 4,      // Tor, threat list, or a detection
};

struct SubgraphNode {
  Entity entity;                 // kind, key, attributes, first/last seen
  Emphasis emphasis = Emphasis::kNone;
  int hop = -1;                  // distance from the focus, when known
  std::string note;              // short extra text (score, "+12 more")
  int collapsed_count = 0;       // > 0: this node stands for that many leaves of entity.kind
};

struct SubgraphEdge {
  EntityRef src;
  EdgeKind kind = EdgeKind::kInvolves;
  EntityRef dst;
  EdgeStats stats;
  Emphasis emphasis = Emphasis::kNone;
  // Non-empty: a could-edge the IAM policies allow but the logs do not show
  // ("can_assume", "can_read"; `kind` is then ignored): drawn dashed,
  // labelled "could ...", never as something that happened. `could_detail`
  // is its tooltip (method, granting statements).
  std::string could;
  std::string could_detail;
};

struct Subgraph {
  std::string title;             // "Blast radius of finding 1a2b..."
  std::vector<SubgraphNode> nodes;
  std::vector<SubgraphEdge> edges;
  TimeWindow window;
};

}  // namespace gumshoe
