// Output helpers for subcommands: JSON through RapidJSON's writer (always
// valid UTF-8: invalid bytes become U+FFFD) and aligned terminal tables whose
// cells pass through TerminalSafe.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "cli_common.h"
#include "gumshoe/model.h"

namespace gumshoe::cli {

// Replaces invalid UTF-8 with U+FFFD so JSON output is always valid.
std::string ValidUtf8(std::string_view text);

class JsonOut {
 public:
  JsonOut() : writer_(buffer_) {}
  rapidjson::Writer<rapidjson::StringBuffer>& w() { return writer_; }
  void Key(std::string_view k) { writer_.Key(k.data(), static_cast<rapidjson::SizeType>(k.size())); }
  void String(std::string_view s) {
    std::string v = ValidUtf8(s);
    writer_.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
  }
  void Field(std::string_view k, std::string_view v) { Key(k); String(v); }
  void Field(std::string_view k, const char* v) { Key(k); String(v); }
  void Field(std::string_view k, const std::string& v) { Key(k); String(v); }
  void Field(std::string_view k, uint64_t v) { Key(k); writer_.Uint64(v); }
  void Field(std::string_view k, int64_t v) { Key(k); writer_.Int64(v); }
  void Field(std::string_view k, int v) { Key(k); writer_.Int(v); }
  void Field(std::string_view k, bool v) { Key(k); writer_.Bool(v); }
  void Time(std::string_view k, Timestamp t);  // ISO text or null
  void Entity(const gumshoe::Entity& e);       // {kind,key,first_seen,last_seen,attrs,tags}
  void Ref(const EntityRef& r);                // {kind,key}
  void Stats(const EdgeStats& s);              // {count,success,failure,first/last,evidence,counters}
  // Prints the document and a newline on stdout.
  void Print();
  // The document, with every unsafe code point (utf8.h) escaped.
  std::string str() const;

 private:
  rapidjson::StringBuffer buffer_;
  rapidjson::Writer<rapidjson::StringBuffer> writer_;
};

// Prints rows as aligned columns; every cell goes through TerminalSafe.
void PrintTable(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows,
                FILE* out = stdout);

}  // namespace gumshoe::cli
