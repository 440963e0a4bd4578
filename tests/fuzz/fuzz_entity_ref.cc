// libFuzzer target: the parser of user-typed entity references (the CLI's
// ENTITY argument) and key normalisation.
#include <cstdint>
#include <string_view>

#include "gumshoe/normalize.h"
#include "gumshoe/time_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  for (const auto& ref : gumshoe::CandidateRefs(text)) {
    // Normalisation is idempotent: a canonical key normalises to itself.
    auto again = gumshoe::NormalizeKey(ref.kind, ref.key);
    if (!again.ok() || *again != ref.key) __builtin_trap();
    (void)gumshoe::ShortName(ref);
  }
  if (auto ip = gumshoe::ParseIp(text)) {
    auto round = gumshoe::ParseIp(ip->ToString());
    if (!round || round->bytes != ip->bytes || round->v6 != ip->v6) __builtin_trap();
  }
  (void)gumshoe::ParsePrefix(text);
  (void)gumshoe::ParseUserTime(text);
  return 0;
}
