// libFuzzer target: the time parser on its own (issue 21.8). A time it
// accepts is a real date and time: it formats back to text that parses to
// the same second, and the date part names a valid calendar day.
#include <cstdint>
#include <string_view>

#include "gumshoe/time_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  const gumshoe::Timestamp lo = gumshoe::DaysFromCivil(1, 1, 1) * 86400;
  const gumshoe::Timestamp hi = gumshoe::DaysFromCivil(9998, 12, 31) * 86400;
  for (auto parse : {gumshoe::ParseIsoTime, gumshoe::ParseUserTime}) {
    std::optional<gumshoe::Timestamp> t = parse(text);
    if (!t) continue;
    if (*t >= lo && *t <= hi) {
      std::optional<gumshoe::Timestamp> again = gumshoe::ParseIsoTime(gumshoe::FormatTime(*t));
      if (!again || *again != *t) __builtin_trap();
    }
    // The date written must exist (strict calendar), whatever the offset.
    std::string_view s = text;
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\n' || s.front() == '\r' ||
                          s.front() == '\v' || s.front() == '\f'))
      s.remove_prefix(1);
    if (s.size() >= 10) {
      int y = 0, m = 0, d = 0;
      for (int i = 0; i < 4; ++i) y = y * 10 + (s[static_cast<size_t>(i)] - '0');
      m = (s[5] - '0') * 10 + (s[6] - '0');
      d = (s[8] - '0') * 10 + (s[9] - '0');
      if (!gumshoe::ValidCivilDate(y, static_cast<unsigned>(m), static_cast<unsigned>(d))) __builtin_trap();
    }
  }
  return 0;
}
