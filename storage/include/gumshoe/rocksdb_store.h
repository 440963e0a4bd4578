// The persistent GraphStore, on RocksDB.
//
// Layout (column families):
//   entities   entity id (9 bytes)        -> Entity         merge: gumshoe.EntityMerge.v1
//   names      kind(1) | canonical key    -> entity id      (prefix search, listing)
//   out_edges  src id | edge kind | dst id -> EdgeStats     merge: gumshoe.EdgeStatsMerge.v1
//   in_edges   dst id | edge kind | src id -> EdgeStats     merge: gumshoe.EdgeStatsMerge.v1
//   records    record id (16 bytes)       -> ""             (ingest dedup)
//   meta       text key                   -> text           (schema version, hash key, runs)
//   groups     entity id | dir | kind     -> ranking        (GraphReader::ScanEdgeGroupRankings)
// Keys are fixed-width big-endian; out- and in-edges of a delta are written in
// one WriteBatch together with the record ids, so a crash leaves each record
// wholly applied or not at all.
//
// The meta keys "schema_version" and "hash_key" are written when the store is
// created and are reserved: PutMeta on them fails with InvalidArgument.
//
// Thread-safety: all methods may be called concurrently; Apply calls are
// serialised internally. Snapshot() readers see one consistent point in time.
// Ownership: a reader from Snapshot() keeps the database open until the reader
// is destroyed, even after the store itself is gone (so reopening the same
// directory for writing fails while such a reader lives).
// A read-only store sees the state as of its open (including writes another
// process had not flushed yet); it does not follow later writes.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "gumshoe/status.h"
#include "gumshoe/store.h"

namespace gumshoe {

// The schema version this build writes, stored under meta key
// "schema_version". Version 2 stores edge values in codec format 2; version 3
// adds the groups family, whose rankings every write to a ranked group must
// drop. An older store is read as it is (a read-only open sees no rankings)
// and, opened writable, gets the groups family and is marked version 3 (its
// format-1 values stay readable and are rewritten as they merge), so an
// older build refuses it rather than misreading it or leaving rankings stale.
// Any other value fails with Status::Incompatible naming both versions.
//
// Rankings: a group (entity, direction, edge kind) to which at least 64
// distinct neighbours were written since the last Flush (in any number of
// Applies) is ranked on the next Flush when it then has at least
// GraphReader::kMinRankedGroup edges (and at most 16M; at most 16,384 groups
// are ranked). A group that only ever gains fewer between Flushes, and the
// groups of a store written before schema 3, are not ranked until it gains
// that many. (Past 512Ki groups noted between two Flushes, a group not yet
// noted counts only with 64 entries in one Apply.) An Apply that writes an
// edge of a ranked group replaces its ranking by a marker in the same write;
// the next Flush ranks the group again, from the old ranking and the
// neighbours written since when it can (see README), else by reading it
// whole; also in a later process when this one stopped before its Flush.
inline constexpr int kSchemaVersion = 3;
inline constexpr int kOldestReadableSchemaVersion = 1;

struct RocksStoreOptions {
  // Create the store when the directory does not hold one. Default: true.
  bool create_if_missing = true;
  // Open without taking the write lock: a reader beside a running ingest.
  // Apply/PutMeta then fail with InvalidArgument. Default: false.
  bool read_only = false;
  // RocksDB block cache for reads, shared by all column families; 0 disables
  // it. Default: 256 MiB.
  size_t block_cache_bytes = 256u << 20;
  // Memtable size per column family. Default: 64 MiB.
  size_t write_buffer_bytes = 64u << 20;
  // Bulk ingest: entities, names and edges are written to append-only
  // memtables (sorted once, when flushed) instead of skip lists, which is
  // cheaper per write; reads of those families that reach a memtable before
  // it is flushed sort a copy of it, so a process that queries while it
  // ingests should leave this off. Record lookups (ContainsRecord) are not
  // affected. For `gumshoe ingest`. Default: false.
  bool bulk_load = false;
  // Open a store whose write-ahead log is damaged in the middle (not merely
  // cut short by a crash) by replaying it up to the damage (RocksDB
  // kPointInTimeRecovery); what follows the damage is not read.
  // RocksStoreRecoveryNote() then says so. Without it such an open fails
  // with Corruption. A writable open also records the loss in the metadata
  // (meta key "partial_recovery"), so every later open reports it; a re-ingest
  // of the same inputs restores the lost records (record dedup).
  // Default: false.
  bool allow_partial = false;
  // A writable store refuses writes (Apply, Flush) with IoError "no space
  // left on device writing <path>" while the filesystem holding it has less
  // free space than this: RocksDB needs room for flushes and compactions,
  // and a write that fails half-way is harder to recover from than one not
  // started. 0 disables the check (RocksDB's own NoSpace errors still end in
  // the same IoError). Default: 64 MiB.
  uint64_t min_free_bytes = 64u << 20;
  // Tests only: replaces the keyed hash of entity IDs, e.g. to force two
  // keys onto one ID. Default: empty (the store's SipHash key).
  std::function<EntityId(EntityKind, std::string_view)> entity_id_for_testing;
};

// Opens (or creates) the store in directory `path`. Errors: NotFound (no store
// and !create_if_missing, or read_only), Incompatible (schema version),
// Corruption (not a gumshoe store, or damaged files), IoError.
Result<std::unique_ptr<GraphStore>> OpenRocksStore(const std::string& path, const RocksStoreOptions& options = {});

// Compacts every column family of a store returned by OpenRocksStore: merge
// operands are folded into single values and the files rewritten. For
// maintenance after a large ingest, and for tests of the merge operators.
// Errors: InvalidArgument (not a RocksDB store, or opened read-only), IoError,
// Corruption (a stored value cannot be merged).
Status CompactRocksStore(GraphStore& store);

// What the open of a store returned by OpenRocksStore could not recover:
// empty for a whole store; else one line per loss (a damaged write-ahead log
// replayed up to the damage under allow_partial, or a loss recorded by an
// earlier such open).
std::string RocksStoreRecoveryNote(const GraphStore& store);

// The result of CheckRocksStore: one line per check, and whether all passed.
struct StoreCheckReport {
  struct Item {
    std::string what;    // "metadata checksum", "column family names", ...
    bool ok = false;
    std::string detail;  // what was found (counts, or what is damaged)
  };
  std::vector<Item> items;
  bool ok() const {
    for (const Item& i : items)
      if (!i.ok) return false;
    return !items.empty();
  }
};

// Verifies the whole store at `path` without writing to it: the column
// family list, the write-ahead log (replayed strictly), the schema version,
// the metadata checksum and hash-key cross-check, every table file's block
// checksums (RocksDB VerifyChecksum), and that every stored entity and edge
// value decodes. Errors: NotFound (no store); damage is reported in the
// items, not as an error.
Result<StoreCheckReport> CheckRocksStore(const std::string& path);

}  // namespace gumshoe
