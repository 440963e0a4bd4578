// Private helpers shared by the DOT and report writers: making log-derived
// text visible-safe and escaping it for one output language.
#pragma once

#include <string>
#include <string_view>

namespace gumshoe::internal {

// Cuts visible-safe UTF-8 text to at most `max_chars` code points, ending it
// with "…" when cut. REQUIRES: `text` is valid UTF-8 (VisibleText output).
std::string TruncateChars(std::string_view text, size_t max_chars);

// VisibleText, then escaped for the inside of a DOT quoted escString
// (label, tooltip): \ -> \\, " -> \", & -> &amp; (Graphviz expands entities).
std::string DotEscape(std::string_view text);

// VisibleText, then & < > " ' as HTML character references.
std::string HtmlEscape(std::string_view text);

// VisibleText, then Markdown-significant punctuation backslash-escaped so the
// text renders literally (no links, images, inline HTML, emphasis or table
// cell breaks). `line_start`: the text begins a line, so a leading # + - =
// (heading, list, rule) is escaped too.
std::string MarkdownEscape(std::string_view text, bool line_start = false);

}  // namespace gumshoe::internal
