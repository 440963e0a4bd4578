// Counter families on edges that have their own bound, outside the
// kMaxEdgeCounters one of model.h (MergeEdgeStats applies both).
//
// S3 object keys on a read/wrote edge (principal or IP -> bucket):
//   "object:<key>"        successful calls that named the object
//   "object_bytes:<key>"  object data moved (GetObject/SelectObjectContent out,
//                         PutObject/UploadPart in); absent when none
// Of at most kMaxObjectKeys keys (over both families) the smallest by name are
// kept and the calls and bytes of the rest are summed exactly into
// "object_overflow_calls" and "object_overflow_bytes". Keeping the biggest by
// bytes instead would make the kept set depend on the order in which
// observations merge (a key dropped early cannot come back with its full
// total), which would break MergeEdgeStats' associativity; the smallest names
// of the union do not.
// Thread-safety: constants.
#pragma once

#include <cstddef>
#include <string_view>

namespace gumshoe {

inline constexpr size_t kMaxObjectKeys = 32;
inline constexpr std::string_view kObjectCallsPrefix = "object:";
inline constexpr std::string_view kObjectBytesPrefix = "object_bytes:";
inline constexpr std::string_view kObjectOverflowCalls = "object_overflow_calls";
inline constexpr std::string_view kObjectOverflowBytes = "object_overflow_bytes";

}  // namespace gumshoe
