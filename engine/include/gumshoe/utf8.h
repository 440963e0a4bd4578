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

}  // namespace gumshoe
