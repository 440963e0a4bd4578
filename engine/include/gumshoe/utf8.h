// UTF-8 decoding shared by every layer that escapes log-derived text for a
// terminal, JSON, DOT or HTML.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace gumshoe {

// Length (1-4) of the well-formed UTF-8 sequence starting at s[i], with its
// code point in *cp; 0 when the bytes there are not valid UTF-8 (overlong
// forms, surrogates and code points above U+10FFFF are invalid).
// REQUIRES: i < s.size().
size_t DecodeUtf8(std::string_view s, size_t i, uint32_t* cp);

// THE table of code points that never reach a terminal, a DOT label, a report
// or a JSON document raw (every escaper of log-derived text asks it):
// C0 controls, DEL, C1 controls (U+0080-U+009F: CSI, OSC, ...), the soft
// hyphen, the bidi marks, embeddings, overrides and isolates (U+061C,
// U+200E/F, U+202A-E, U+2066-9), zero-width and joiner characters (U+180E,
// U+200B-D, U+2060-4 and the rest of U+2060-206F), line and paragraph
// separators (U+2028/9), the byte order mark / zero-width no-break space
// (U+FEFF) and the interlinear annotation characters (U+FFF9-B).
bool IsUnsafeCodePoint(uint32_t cp);

}  // namespace gumshoe
