#include "table.h"

#include <algorithm>
#include <cctype>

#include "gumshoe/utf8.h"

namespace gumshoe::cli {
namespace {

// A narrowed column is never cut below this (or below its header); a column
// whose cells are all at most kNoCutWidth wide (times, counts, kinds) is never cut.
constexpr size_t kMinColumn = 12;
constexpr size_t kNoCutWidth = 24;
constexpr const char* kEllipsis = "\xe2\x80\xa6";  // U+2026, one column
constexpr const char* kReset = "\033[0m";

// Byte length of the unit (one escape or one code point) at s[i].
size_t UnitLength(std::string_view s, size_t i) {
  if (s[i] == '\\' && i + 1 < s.size()) {
    char c = s[i + 1];
    if (c == 'x') return std::min<size_t>(4, s.size() - i);
    if (c == 'u' && i + 2 < s.size() && s[i + 2] == '{') {
      size_t close = s.find('}', i + 3);
      return close == std::string_view::npos ? s.size() - i : close + 1 - i;
    }
    return 2;
  }
  uint32_t cp = 0;
  size_t n = DecodeUtf8(s, i, &cp);
  return n == 0 ? 1 : n;
}

size_t UnitWidth(std::string_view s, size_t i, size_t len) { return s[i] == '\\' ? len : 1; }

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

const char* SeverityColor(std::string_view cell) {
  std::string s = Lower(cell);
  if (s.find("critical") != std::string::npos) return "\033[1;31m";
  if (s.find("high") != std::string::npos) return "\033[31m";
  if (s.find("medium") != std::string::npos) return "\033[33m";
  if (s.find("low") != std::string::npos) return "\033[36m";
  return nullptr;
}

// "ok/fail" cells: all ok green, all failed red, both yellow.
const char* OutcomeColor(std::string_view cell) {
  size_t slash = cell.find('/');
  if (slash == std::string_view::npos || slash == 0) return nullptr;
  auto digits = [](std::string_view d) {
    return !d.empty() && std::all_of(d.begin(), d.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  std::string_view ok = cell.substr(0, slash), rest = cell.substr(slash + 1);
  std::string_view fail = rest.substr(0, std::min(rest.find(' '), rest.size()));
  if (!digits(ok) || !digits(fail)) return nullptr;
  bool any_ok = ok.find_first_not_of('0') != std::string_view::npos;
  bool any_fail = fail.find_first_not_of('0') != std::string_view::npos;
  if (any_ok && any_fail) return "\033[33m";
  if (any_fail) return "\033[31m";
  if (any_ok) return "\033[32m";
  return nullptr;
}

enum class ColumnColor { kNone, kSeverity, kOutcome };

ColumnColor ColorOf(std::string_view header) {
  std::string h = Lower(header);
  while (!h.empty() && h.front() == ' ') h.erase(h.begin());
  if (h == "severity") return ColumnColor::kSeverity;
  if (h.rfind("ok/fail", 0) == 0) return ColumnColor::kOutcome;
  return ColumnColor::kNone;
}

}  // namespace

TableStyle TableStyleFor(const CliContext& ctx) { return TableStyle{TableWidth(ctx), UseColor(ctx)}; }

size_t DisplayWidth(std::string_view s) {
  size_t w = 0;
  for (size_t i = 0; i < s.size();) {
    size_t n = UnitLength(s, i);
    w += UnitWidth(s, i, n);
    i += n;
  }
  return w;
}

std::string TruncateMiddle(std::string_view s, size_t width) {
  if (DisplayWidth(s) <= width) return std::string(s);
  if (width == 0) return "";
  // Unit boundaries and the width before each.
  std::vector<size_t> starts, widths;
  for (size_t i = 0; i < s.size();) {
    size_t n = UnitLength(s, i);
    starts.push_back(i);
    widths.push_back(UnitWidth(s, i, n));
    i += n;
  }
  size_t budget = width - 1;  // the ellipsis takes one column
  size_t head_budget = budget / 3;  // the tail (a name, a path's end) tells keys apart
  if (s.rfind("arn:", 0) == 0) {
    // Keep "arn:aws:iam::" (partition, service, region) when the resource
    // (":role/x", from the colon after the account) fits after it.
    size_t colons = 0, head = 0, resource = std::string_view::npos;
    for (size_t i = 0; i < s.size(); ++i) {
      if (s[i] != ':') continue;
      if (++colons == 4) head = i + 1;
      if (colons == 5) {
        resource = i;
        break;
      }
    }
    if (resource != std::string_view::npos && head + DisplayWidth(s.substr(resource)) <= budget) head_budget = head;
  }
  size_t head = 0, head_w = 0;  // units taken from the front
  while (head < starts.size() && head_w + widths[head] <= head_budget) head_w += widths[head++];
  size_t tail = starts.size(), tail_w = 0;  // first unit of the tail
  while (tail > head && tail_w + widths[tail - 1] <= budget - head_w) tail_w += widths[--tail];
  std::string out(s.substr(0, head < starts.size() ? starts[head] : s.size()));
  out += kEllipsis;
  if (tail < starts.size()) out.append(s.substr(starts[tail]));
  return out;
}

void PrintTable(const TableStyle& style, const std::vector<std::string>& header,
                const std::vector<std::vector<std::string>>& rows, FILE* out) {
  std::vector<std::vector<std::string>> safe;
  safe.reserve(rows.size() + 1);
  for (const auto* r : {&header}) {
    std::vector<std::string> s;
    for (const auto& c : *r) s.push_back(TerminalSafe(c));
    safe.push_back(std::move(s));
  }
  for (const auto& r : rows) {
    std::vector<std::string> s;
    s.reserve(r.size());
    for (const auto& c : r) s.push_back(TerminalSafe(c));
    safe.push_back(std::move(s));
  }
  size_t ncols = header.size();
  std::vector<size_t> width(ncols, 0), floor(ncols, 0);
  for (const auto& r : safe)
    for (size_t i = 0; i < r.size() && i < ncols; ++i) width[i] = std::max(width[i], DisplayWidth(r[i]));
  for (size_t i = 0; i < ncols; ++i)
    floor[i] = width[i] <= kNoCutWidth ? width[i] : std::max(kMinColumn, DisplayWidth(safe[0][i]));
  if (style.width == 0) {
    for (size_t& w : width) w = std::min<size_t>(w, 80);  // alignment only; long cells run over
  } else {
    // Narrow the widest column until the table fits (or nothing can narrow).
    auto total = [&] {
      size_t t = ncols > 0 ? 2 * (ncols - 1) : 0;
      for (size_t w : width) t += w;
      return t;
    };
    for (size_t t = total(); t > style.width; t = total()) {
      size_t widest = ncols;
      for (size_t i = 0; i < ncols; ++i)
        if (width[i] > floor[i] && (widest == ncols || width[i] > width[widest])) widest = i;
      if (widest == ncols) break;
      size_t second = 0;
      for (size_t i = 0; i < ncols; ++i)
        if (i != widest) second = std::max(second, width[i]);
      // Down to the second widest at most per step, so tied columns share the cut.
      size_t target = std::max({floor[widest], second, width[widest] - std::min(width[widest], t - style.width)});
      width[widest] = target < width[widest] ? target : width[widest] - 1;
    }
    for (auto& r : safe)
      for (size_t i = 0; i < r.size() && i < ncols; ++i) r[i] = TruncateMiddle(r[i], width[i]);
  }
  std::vector<ColumnColor> colors(ncols, ColumnColor::kNone);
  if (style.color)
    for (size_t i = 0; i < ncols; ++i) colors[i] = ColorOf(header[i]);
  for (size_t row = 0; row < safe.size(); ++row) {
    const auto& r = safe[row];
    std::string line;
    for (size_t i = 0; i < r.size() && i < ncols; ++i) {
      const char* color = nullptr;
      if (row > 0 && colors[i] == ColumnColor::kSeverity) color = SeverityColor(rows[row - 1][i]);
      if (row > 0 && colors[i] == ColumnColor::kOutcome) color = OutcomeColor(rows[row - 1][i]);
      if (color != nullptr) line += color;
      line += r[i];
      if (color != nullptr) line += kReset;
      size_t w = DisplayWidth(r[i]);
      if (i + 1 < r.size()) line.append(w < width[i] ? width[i] - w + 2 : 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    std::fprintf(out, "%s\n", line.c_str());
  }
}

}  // namespace gumshoe::cli
