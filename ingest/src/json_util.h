// Checked JSON accessors. RapidJSON's GetString()/GetInt() on a value of the
// wrong type asserts in debug builds and is undefined in release builds, so
// ingestors read JSON only through these, which answer "absent" instead.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <rapidjson/document.h>

namespace gumshoe::ingest {

using JsonValue = rapidjson::Value;

// Member `name` of an object, or nullptr when `v` is not an object or lacks it.
inline const JsonValue* Member(const JsonValue* v, std::string_view name) {
  if (v == nullptr || !v->IsObject()) return nullptr;
  auto it = v->FindMember(rapidjson::Value(rapidjson::StringRef(name.data(), name.size())));
  return it == v->MemberEnd() ? nullptr : &it->value;
}
inline const JsonValue* Member(const JsonValue& v, std::string_view name) { return Member(&v, name); }

// Follows a dotted path: Path(v, "userIdentity.sessionContext.sessionIssuer.arn").
const JsonValue* Path(const JsonValue* v, std::string_view dotted);
inline const JsonValue* Path(const JsonValue& v, std::string_view dotted) { return Path(&v, dotted); }

// The string at v (non-empty), or nullopt for any other type or "".
inline std::optional<std::string_view> Str(const JsonValue* v) {
  if (v == nullptr || !v->IsString() || v->GetStringLength() == 0) return std::nullopt;
  return std::string_view(v->GetString(), v->GetStringLength());
}
inline std::optional<std::string_view> StrAt(const JsonValue& v, std::string_view dotted) {
  return Str(Path(&v, dotted));
}
// A number, or a string holding a decimal number ("asn": 17877 or "17877").
std::optional<int64_t> Int(const JsonValue* v);
std::optional<double> Double(const JsonValue* v);
// true/false, or the strings "true"/"false" (CloudTrail's mfaAuthenticated).
std::optional<bool> Bool(const JsonValue* v);
inline const JsonValue* Obj(const JsonValue* v) { return v != nullptr && v->IsObject() ? v : nullptr; }
inline const JsonValue* Arr(const JsonValue* v) { return v != nullptr && v->IsArray() ? v : nullptr; }

// Scalar to text (strings as is, numbers and bools printed); nullopt otherwise.
std::optional<std::string> ScalarText(const JsonValue* v);

}  // namespace gumshoe::ingest
