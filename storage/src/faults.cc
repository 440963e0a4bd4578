#include "internal/faults.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <ctime>

namespace gumshoe::storage_internal {

std::shared_ptr<rocksdb::Logger> SafeFileLogger::Open(const std::string& dir) {
  std::string path = dir + "/LOG";
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && static_cast<uint64_t>(st.st_size) >= kMaxBytes) {
    ::rename(path.c_str(), (dir + "/LOG.old").c_str());
  }
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return nullptr;
  uint64_t size = ::fstat(fd, &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
  return std::shared_ptr<rocksdb::Logger>(new SafeFileLogger(std::move(path), fd, size));
}

SafeFileLogger::SafeFileLogger(std::string path, int fd, uint64_t size)
    : rocksdb::Logger(rocksdb::InfoLogLevel::INFO_LEVEL), path_(std::move(path)), fd_(fd), size_(size) {}

SafeFileLogger::~SafeFileLogger() {
  if (fd_ >= 0) ::close(fd_);
}

rocksdb::Status SafeFileLogger::CloseImpl() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  return rocksdb::Status::OK();
}

void SafeFileLogger::Logv(const char* format, va_list ap) {
  if (fd_ < 0) return;
  char buf[2048];
  struct timeval now {};
  ::gettimeofday(&now, nullptr);
  struct tm t {};
  time_t secs = now.tv_sec;
  ::gmtime_r(&secs, &t);
  int n = std::snprintf(buf, sizeof buf, "%04d/%02d/%02d-%02d:%02d:%02d.%06ld ", t.tm_year + 1900, t.tm_mon + 1,
                        t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec, static_cast<long>(now.tv_usec));
  if (n < 0) return;
  va_list copy;
  va_copy(copy, ap);
  int m = std::vsnprintf(buf + n, sizeof buf - static_cast<size_t>(n), format, copy);
  va_end(copy);
  if (m < 0) return;
  size_t len = std::min(sizeof buf - 2, static_cast<size_t>(n) + static_cast<size_t>(m));
  if (len == 0 || buf[len - 1] != '\n') buf[len++] = '\n';
  if (size_ + len > kMaxBytes) {
    // Restart the file rather than grow without bound (an ingest logs per
    // flush and compaction).
    if (::ftruncate(fd_, 0) == 0) size_ = 0;
  }
  ssize_t w = ::write(fd_, buf, len);
  if (w > 0) size_ += static_cast<uint64_t>(w);
  // A failed or short write (a full disk) is dropped: never an error.
}

Result<uint64_t> FreeBytes(const std::string& path) {
  struct statvfs st {};
  if (::statvfs(path.c_str(), &st) != 0) {
    return Status::IoError("store " + path + ": statvfs: " + std::strerror(errno));
  }
  return static_cast<uint64_t>(st.f_bavail) * static_cast<uint64_t>(st.f_frsize);
}

bool IsNoSpace(const rocksdb::Status& s) {
  if (s.ok()) return false;
  if (s.IsNoSpace()) return true;
  return s.ToString().find("No space left on device") != std::string::npos;
}

Status NoSpaceError(const std::string& path, const std::string& detail) {
  return Status::IoError("no space left on device writing " + path + ": " + detail +
                         "; what was written before is kept: free space and run the same command again");
}

Status CheckFreeSpace(const std::string& path, uint64_t min_free) {
  if (min_free == 0) return Status::Ok();
  Result<uint64_t> free = FreeBytes(path);
  if (!free.ok()) return free.status();
  if (*free >= min_free) return Status::Ok();
  auto mib = [](uint64_t b) { return std::to_string((b + (1u << 19)) >> 20); };
  return NoSpaceError(path, mib(*free) + " MiB free on its filesystem, at least " + mib(min_free) +
                                " MiB needed before a write");
}

}  // namespace gumshoe::storage_internal
