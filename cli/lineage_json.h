// The lineage object of `gumshoe lineage --json` (gumshoe.lineage/1) and of
// each item of investigate's "lineages" array (docs/json.md).
#pragma once

#include "gumshoe/lineage.h"
#include "output.h"

namespace gumshoe::cli {

// Writes the members of a lineage object after its "entity" (the start):
// mode, ip_ranges_loaded, ip_ranges_note, truncated, nodes, links, roots,
// flags. The caller opens and closes the object.
void WriteLineageMembers(JsonOut& j, const LineageResult& r);

// The start entity of `r` (the stored entity the walk began at).
void WriteLineageStart(JsonOut& j, const LineageResult& r);

}  // namespace gumshoe::cli
