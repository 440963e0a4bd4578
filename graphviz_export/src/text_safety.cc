#include "text_safety.h"

#include <cstdint>
#include <cstdio>

#include "gumshoe/dot_export.h"
#include "gumshoe/utf8.h"

namespace gumshoe {
namespace {

void AppendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xc0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xe0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  }
}

// Code points that change how surrounding text is shown or are invisible:
// C1 controls, bidi marks/embeddings/overrides/isolates, zero-width and
// separator characters, byte-order mark, interlinear annotations.
bool InvisibleFormat(uint32_t cp) { return IsUnsafeCodePoint(cp); }

const char* ControlName(uint32_t cp) {
  switch (cp) {
    case 0x00: return "NUL";
    case 0x07: return "BEL";
    case 0x08: return "BS";
    case 0x09: return "TAB";
    case 0x0a: return "LF";
    case 0x0b: return "VT";
    case 0x0c: return "FF";
    case 0x0d: return "CR";
    case 0x1b: return "ESC";
    case 0x7f: return "DEL";
    default: return nullptr;
  }
}

}  // namespace

std::string VisibleText(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    uint32_t cp = 0;
    size_t n = DecodeUtf8(text, i, &cp);
    if (n == 0) {
      AppendUtf8(out, 0xfffd);
      ++i;
      continue;
    }
    if (cp < 0x20 || cp == 0x7f) {
      // Named in ASCII: the Unicode control pictures are missing from many fonts.
      const char* name = ControlName(cp);
      char buf[16];
      if (!name) {
        std::snprintf(buf, sizeof buf, "U+%04X", static_cast<unsigned>(cp));
        name = buf;
      }
      AppendUtf8(out, 0x27e8);  // ⟨
      out += name;
      AppendUtf8(out, 0x27e9);  // ⟩
    } else if (InvisibleFormat(cp)) {
      char buf[16];
      std::snprintf(buf, sizeof buf, "U+%04X", static_cast<unsigned>(cp));
      AppendUtf8(out, 0x27e8);  // ⟨
      out += buf;
      AppendUtf8(out, 0x27e9);  // ⟩
    } else {
      out.append(text.substr(i, n));
    }
    i += n;
  }
  return out;
}

namespace internal {

std::string TruncateChars(std::string_view text, size_t max_chars) {
  size_t chars = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<uint8_t>(text[i]) & 0xc0) == 0x80) continue;
    if (chars == max_chars) {
      std::string out(text.substr(0, i));
      // Drop the last character to make room for the ellipsis.
      size_t cut = out.size();
      while (cut > 0 && (static_cast<uint8_t>(out[cut - 1]) & 0xc0) == 0x80) --cut;
      if (cut > 0) --cut;
      out.resize(cut);
      return out + "…";
    }
    ++chars;
  }
  return std::string(text);
}

std::string DotEscape(std::string_view text) {
  std::string visible = VisibleText(text);
  std::string out;
  out.reserve(visible.size() + 8);
  for (char c : visible) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '"': out += "\\\""; break;
      case '&': out += "&amp;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string HtmlEscape(std::string_view text) {
  std::string visible = VisibleText(text);
  std::string out;
  out.reserve(visible.size() + 8);
  for (char c : visible) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string MarkdownEscape(std::string_view text, bool line_start) {
  std::string visible = VisibleText(text);
  std::string out;
  out.reserve(visible.size() + 8);
  for (size_t i = 0; i < visible.size(); ++i) {
    char c = visible[i];
    switch (c) {
      case '\\': case '`': case '*': case '_': case '[': case ']': case '<': case '>':
      case '|': case '&': case '~': case '!':
        out += '\\';
        out += c;
        break;
      case '#': case '+': case '-': case '=':
        // Only significant at the start of a line (headings, lists, rules).
        if (i == 0 && line_start) out += '\\';
        out += c;
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace internal
}  // namespace gumshoe
