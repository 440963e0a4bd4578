// Parsing and formatting of the timestamps AWS logs use. All UTC.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "gumshoe/model.h"

namespace gumshoe {

// ISO 8601 / RFC 3339: "2024-03-01T12:00:00Z", with optional fractional seconds
// and a "Z" or "+hh:mm" offset; also "2024-03-01 12:00:00" (space, no zone = UTC).
// Strict: the date must exist in the proleptic Gregorian calendar (2026-02-29
// does not; 2024-02-29 does), hours 00-23, minutes 00-59, seconds 00-60 (a
// leap second), and the offset within +-14:00 (ValidUtcOffset). Anything else
// is nullopt; ingestors reject such a record as a bad time.
std::optional<Timestamp> ParseIsoTime(std::string_view text);
// A date alone ("2024-03-01") is midnight UTC; otherwise as ParseIsoTime.
std::optional<Timestamp> ParseUserTime(std::string_view text);
// "2024-03-01T12:00:00Z"; kNoTime -> "-".
std::string FormatTime(Timestamp t);
// Whether y-m-d is a real date (month 1-12, day within the month, leap years).
bool ValidCivilDate(int64_t y, unsigned m, unsigned d);
// Largest UTC offset in use (UTC+14:00, Line Islands; the smallest is -12:00).
inline constexpr int kMaxUtcOffsetMinutes = 14 * 60;
// Whether hours:minutes is a valid offset magnitude (minutes 0-59, at most 14:00).
bool ValidUtcOffset(int hours, int minutes);
// Days since 1970-01-01 for a civil date (proleptic Gregorian).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d);

// Plausible event times: a record outside [kMinPlausibleTime, now + kMaxFutureSkew]
// is rejected by ingestors as a bad time (epoch zero, year 2999).
inline constexpr Timestamp kMinPlausibleTime = 1136073600;  // 2006-01-01, before AWS existed
inline constexpr Timestamp kMaxFutureSkew = 366 * 86400;
bool PlausibleTime(Timestamp t, Timestamp now);
Timestamp NowSeconds();

}  // namespace gumshoe
