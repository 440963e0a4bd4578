// The ingest runner with an explicit list of ingestors (private to ingest).
// Ingest() calls it with the registry table; tests call it with their own
// ingestors, so the framework can be tested without any real log source.
#pragma once

#include <string>
#include <vector>

#include "gumshoe/ingest.h"
#include "ingestor.h"

namespace gumshoe::ingest {

// Same contract as gumshoe::Ingest(), detecting among `ingestors` (in order).
// The ingestors must outlive the call.
Result<IngestStats> IngestWith(GraphStore& store, const std::vector<const Ingestor*>& ingestors,
                               const std::vector<std::string>& paths, const IngestOptions& options);

// `s` as a JSON string literal (quotes included): control characters, bidi
// controls and invalid UTF-8 are escaped, so the result is valid JSON and
// safe to print on a terminal.
std::string JsonQuote(std::string_view s);

}  // namespace gumshoe::ingest
