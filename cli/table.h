// Terminal tables that fit: cells are made safe with TerminalSafe (the one
// escaping function), then columns are narrowed to the table width by cutting
// long cells in the middle ("arn:aws:iam::…:role/x"), and severity and
// outcome columns are coloured. The cut never falls inside a UTF-8 sequence
// or one of TerminalSafe's escapes (\x1b, \u{202e}, \\), and colour codes are
// added after the cut, around whole cells, so a cell can never leave the
// terminal in a colour or mode.
//
// Whether tables fit and colour follows CliContext (cli_common.h: TableWidth,
// UseColor): on a terminal tables fit its width (COLUMNS or TIOCGWINSZ); when
// stdout is a pipe or a file, or with --wide, keys are printed in full (like
// kubectl, scripts and grep see whole keys); colour with --color=always, or
// auto on a terminal without NO_COLOR.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "cli_common.h"

namespace gumshoe::cli {

struct TableStyle {
  size_t width = 0;    // 0: no limit
  bool color = false;  // ANSI colours for "severity" and "ok/fail..." columns
};
TableStyle TableStyleFor(const CliContext& ctx);

// Columns that text (TerminalSafe output) takes on a terminal: an escape such
// as \x1b counts its characters, any other code point one.
size_t DisplayWidth(std::string_view safe);

// `safe` cut to at most `width` columns by replacing its middle with "…";
// ARNs keep their "arn:partition:service:region:" head when it fits in half.
std::string TruncateMiddle(std::string_view safe, size_t width);

// Prints rows as aligned columns fitted to style.width; every cell (header
// included) goes through TerminalSafe.
void PrintTable(const TableStyle& style, const std::vector<std::string>& header,
                const std::vector<std::vector<std::string>>& rows, FILE* out = stdout);
inline void PrintTable(const CliContext& ctx, const std::vector<std::string>& header,
                       const std::vector<std::vector<std::string>>& rows, FILE* out = stdout) {
  PrintTable(TableStyleFor(ctx), header, rows, out);
}

}  // namespace gumshoe::cli
