#include "json_util.h"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>

namespace gumshoe::ingest {

const JsonValue* Path(const JsonValue* v, std::string_view dotted) {
  while (v != nullptr) {
    size_t dot = dotted.find('.');
    v = Member(v, dotted.substr(0, dot));
    if (dot == std::string_view::npos) return v;
    dotted.remove_prefix(dot + 1);
  }
  return nullptr;
}

std::optional<int64_t> Int(const JsonValue* v) {
  if (v == nullptr) return std::nullopt;
  if (v->IsInt64()) return v->GetInt64();
  if (v->IsUint64()) return std::nullopt;  // above INT64_MAX
  if (v->IsDouble()) {
    double d = v->GetDouble();
    if (!std::isfinite(d) || d != std::floor(d) || d < -9.2e18 || d > 9.2e18) return std::nullopt;
    return static_cast<int64_t>(d);
  }
  if (v->IsString()) {
    std::string_view s(v->GetString(), v->GetStringLength());
    if (s.empty()) return std::nullopt;
    int64_t out = 0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
    return out;
  }
  return std::nullopt;
}

std::optional<double> Double(const JsonValue* v) {
  if (v == nullptr) return std::nullopt;
  if (v->IsNumber()) return v->GetDouble();
  if (v->IsString()) {
    std::string s(v->GetString(), v->GetStringLength());
    if (s.empty() || s.size() > 64) return std::nullopt;
    char* endp = nullptr;
    errno = 0;
    double d = std::strtod(s.c_str(), &endp);
    if (errno != 0 || endp != s.c_str() + s.size() || !std::isfinite(d)) return std::nullopt;
    return d;
  }
  return std::nullopt;
}

std::optional<bool> Bool(const JsonValue* v) {
  if (v == nullptr) return std::nullopt;
  if (v->IsBool()) return v->GetBool();
  if (v->IsString()) {
    std::string_view s(v->GetString(), v->GetStringLength());
    if (s == "true") return true;
    if (s == "false") return false;
  }
  return std::nullopt;
}

std::optional<std::string> ScalarText(const JsonValue* v) {
  if (v == nullptr) return std::nullopt;
  if (v->IsString()) return std::string(v->GetString(), v->GetStringLength());
  if (v->IsBool()) return std::string(v->GetBool() ? "true" : "false");
  if (v->IsInt64()) return std::to_string(v->GetInt64());
  if (v->IsUint64()) return std::to_string(v->GetUint64());
  if (v->IsDouble()) {
    char buf[32];
    auto [ptr, ec] = std::to_chars(buf, buf + sizeof(buf), v->GetDouble());
    if (ec != std::errc()) return std::nullopt;
    return std::string(buf, ptr);
  }
  return std::nullopt;
}

}  // namespace gumshoe::ingest
