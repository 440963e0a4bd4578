// Disk-full handling of the RocksDB store (see gumshoe/rocksdb_store.h,
// RocksStoreOptions::min_free_bytes).
//
// Debian's RocksDB is built with assertions: its own info LOG writer
// (EnvLogger) asserts when it is written to again after one failed write, so
// a full disk aborted the process (SIGABRT) from a background flush that
// logged its failure. Every store therefore logs through SafeFileLogger,
// which drops what it cannot write.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <rocksdb/env.h>
#include <rocksdb/status.h>

#include "gumshoe/status.h"

namespace gumshoe::storage_internal {

// An info LOG (RocksDB's diagnostic log) at `<dir>/LOG` that never fails: a
// write that does not fit is dropped. The file is restarted (the previous
// one kept as LOG.old) when it reaches kMaxBytes.
class SafeFileLogger final : public rocksdb::Logger {
 public:
  static constexpr uint64_t kMaxBytes = 16u << 20;

  // Opens `<dir>/LOG` for appending; nullptr when it cannot (RocksDB then
  // logs nothing).
  static std::shared_ptr<rocksdb::Logger> Open(const std::string& dir);

  ~SafeFileLogger() override;
  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override;

 private:
  SafeFileLogger(std::string path, int fd, uint64_t size);
  rocksdb::Status CloseImpl() override;

  std::string path_;
  int fd_ = -1;
  uint64_t size_ = 0;
};

// Free bytes for an unprivileged writer on the filesystem holding `path`.
Result<uint64_t> FreeBytes(const std::string& path);

// Whether a RocksDB error means the filesystem is full.
bool IsNoSpace(const rocksdb::Status& s);

// IoError "no space left on device writing <path>: <detail>; ...".
Status NoSpaceError(const std::string& path, const std::string& detail);

// Ok when the filesystem of `path` has at least `min_free` bytes free (0:
// always), else NoSpaceError naming what was found.
Status CheckFreeSpace(const std::string& path, uint64_t min_free);

}  // namespace gumshoe::storage_internal
