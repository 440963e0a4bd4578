#include "gumshoe/time_util.h"

#include <cctype>
#include <chrono>
#include <cstdio>

namespace gumshoe {

int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

bool ValidCivilDate(int64_t y, unsigned m, unsigned d) {
  if (m < 1 || m > 12 || d < 1) return false;
  static constexpr unsigned kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return d <= kDays[m - 1] + (m == 2 && leap ? 1u : 0u);
}

bool ValidUtcOffset(int hours, int minutes) {
  return hours >= 0 && minutes >= 0 && minutes <= 59 && hours * 60 + minutes <= kMaxUtcOffsetMinutes;
}

namespace {

bool Digits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = 0; i < n; ++i) {
    char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

void CivilFromDays(int64_t z, int* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t yy = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<int>(yy + (*m <= 2));
}

}  // namespace

std::optional<Timestamp> ParseIsoTime(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  int y, mo, d, h, mi, se;
  if (!Digits(s, 0, 4, &y) || s.size() < 19 || s[4] != '-' || !Digits(s, 5, 2, &mo) || s[7] != '-' ||
      !Digits(s, 8, 2, &d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !Digits(s, 11, 2, &h) ||
      s[13] != ':' || !Digits(s, 14, 2, &mi) || s[16] != ':' || !Digits(s, 17, 2, &se))
    return std::nullopt;
  if (!ValidCivilDate(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) || h > 23 || mi > 59 || se > 60)
    return std::nullopt;
  size_t pos = 19;
  if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {
    ++pos;
    size_t start = pos;
    while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) ++pos;
    if (pos == start) return std::nullopt;
  }
  int64_t offset = 0;
  if (pos < s.size()) {
    char z = s[pos];
    if (z == 'Z' || z == 'z') {
      ++pos;
    } else if (z == '+' || z == '-') {
      int oh, om = 0;
      if (!Digits(s, pos + 1, 2, &oh)) return std::nullopt;
      size_t p = pos + 3;
      if (p < s.size() && s[p] == ':') ++p;
      if (p < s.size()) {
        if (!Digits(s, p, 2, &om)) return std::nullopt;
        p += 2;
      }
      if (!ValidUtcOffset(oh, om)) return std::nullopt;
      offset = (oh * 3600 + om * 60) * (z == '+' ? 1 : -1);
      pos = p;
    } else if (s.substr(pos) == " UTC") {
      pos = s.size();
    }
  }
  if (pos != s.size()) return std::nullopt;
  int64_t days = DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  return days * 86400 + h * 3600 + mi * 60 + se - offset;
}

std::optional<Timestamp> ParseUserTime(std::string_view text) {
  int y, mo, d;
  if (text.size() == 10 && Digits(text, 0, 4, &y) && text[4] == '-' && Digits(text, 5, 2, &mo) &&
      text[7] == '-' && Digits(text, 8, 2, &d)) {
    if (!ValidCivilDate(y, static_cast<unsigned>(mo), static_cast<unsigned>(d))) return std::nullopt;
    return DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86400;
  }
  return ParseIsoTime(text);
}

std::string FormatTime(Timestamp t) {
  if (t == kNoTime) return "-";
  int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
  int64_t secs = t - days * 86400;
  int y;
  unsigned m, d;
  CivilFromDays(days, &y, &m, &d);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02dZ", y, m, d, static_cast<int>(secs / 3600),
                static_cast<int>(secs / 60 % 60), static_cast<int>(secs % 60));
  return buf;
}

bool PlausibleTime(Timestamp t, Timestamp now) {
  return t != kNoTime && t >= kMinPlausibleTime && t <= now + kMaxFutureSkew;
}

Timestamp NowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace gumshoe
