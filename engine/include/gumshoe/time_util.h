// Parsing and formatting of the timestamps AWS logs use. All UTC.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "gumshoe/model.h"

namespace gumshoe {

// ISO 8601 / RFC 3339: "2024-03-01T12:00:00Z", with optional fractional seconds
// and a "Z" or "+hh:mm" offset; also "2024-03-01 12:00:00" (space, no zone = UTC).
std::optional<Timestamp> ParseIsoTime(std::string_view text);
// A date alone ("2024-03-01") is midnight UTC; otherwise as ParseIsoTime.
std::optional<Timestamp> ParseUserTime(std::string_view text);
// "2024-03-01T12:00:00Z"; kNoTime -> "-".
std::string FormatTime(Timestamp t);
// Days since 1970-01-01 for a civil date (proleptic Gregorian).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d);

// Plausible event times: a record outside [kMinPlausibleTime, now + kMaxFutureSkew]
// is rejected by ingestors as a bad time (epoch zero, year 2999).
inline constexpr Timestamp kMinPlausibleTime = 1136073600;  // 2006-01-01, before AWS existed
inline constexpr Timestamp kMaxFutureSkew = 366 * 86400;
bool PlausibleTime(Timestamp t, Timestamp now);
Timestamp NowSeconds();

}  // namespace gumshoe
