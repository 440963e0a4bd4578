// The RocksDB GraphStore. See gumshoe/rocksdb_store.h for the layout.
//
// Structure:
//   FoldMergeOperator<EntityMergeTraits | EdgeStatsMergeTraits>  the merge
//                operators: fold encoded values with MergeEntity /
//                MergeEdgeStats; never throw, return false on bad bytes.
//   DbHandle     owns the rocksdb::DB and its column family handles; shared by
//                the store and every snapshot reader, so a reader keeps the
//                database open until it is destroyed.
//   ReadView     the read paths (Get/scan), against the latest state or a
//                rocksdb::Snapshot.
//   RocksReader  the GraphReader returned by Snapshot().
//   RocksStore   the GraphStore.
#include "gumshoe/rocksdb_store.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <charconv>
#include <deque>
#include <filesystem>
#include <functional>
#include <future>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <ctime>

#include <rocksdb/cache.h>
#include <rocksdb/convenience.h>
#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/memtablerep.h>
#include <rocksdb/merge_operator.h>
#include <rocksdb/options.h>
#include <rocksdb/slice.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include "gumshoe/codec.h"
#include "internal/faults.h"
#include "internal/integrity.h"

namespace gumshoe {
namespace {

namespace fs = std::filesystem;
using storage_internal::IsNoSpace;
using storage_internal::kMetaChecksumKey;
using storage_internal::NoSpaceError;

// Column families, in the order of DbHandle::cf.
enum Cf : size_t { kEntities = 0, kNames, kOutEdges, kInEdges, kRecords, kMeta, kGroups, kNumCfs };
constexpr std::array<const char*, kNumCfs> kCfNames = {"entities", "names", "out_edges", "in_edges",
                                                       "records",  "meta",  "groups"};
// The schema version that added the groups family; older stores get it when
// opened writable.
constexpr int kGroupsSchemaVersion = 3;

constexpr char kSchemaVersionKey[] = "schema_version";
constexpr char kHashKeyKey[] = "hash_key";
// Set by a writable open that replayed a damaged write-ahead log up to the
// damage (RocksStoreOptions::allow_partial): what was lost, for later opens.
constexpr char kPartialRecoveryKey[] = "partial_recovery";
constexpr size_t kHashKeyBytes = 16;
// meta writes and the memtable of the meta column family stay tiny.
constexpr size_t kMetaWriteBufferBytes = 4u << 20;
// Longest stored schema_version text we try to parse.
constexpr size_t kMaxSchemaVersionBytes = 32;

std::string_view View(const rocksdb::Slice& s) { return std::string_view(s.data(), s.size()); }
rocksdb::Slice ToSlice(std::string_view s) { return rocksdb::Slice(s.data(), s.size()); }

std::string Hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * bytes.size());
  for (char c : bytes) {
    auto b = static_cast<uint8_t>(c);
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0xf]);
  }
  return out;
}

// `text` with bytes outside printable ASCII as \xNN (keys come from logs).
std::string PrintableText(std::string_view text) {
  std::string out;
  for (char c : text) {
    auto b = static_cast<uint8_t>(c);
    if (b >= 0x20 && b < 0x7f && b != '\\') {
      out.push_back(c);
    } else {
      out += "\\x" + Hex(std::string_view(&c, 1));
    }
  }
  return out;
}

// "store <path>: <what>: <rocksdb message>", with the matching code.
Status FromRocks(const rocksdb::Status& s, const std::string& path, std::string_view what) {
  if (IsNoSpace(s)) return NoSpaceError(path, std::string(what) + ": " + s.ToString());
  std::string msg = "store " + path + ": " + std::string(what) + ": " + s.ToString();
  if (s.IsNotFound()) return Status::NotFound(std::move(msg));
  if (s.IsCorruption()) return Status::Corruption(std::move(msg));
  if (s.IsInvalidArgument()) return Status::InvalidArgument(std::move(msg));
  if (s.IsNotSupported()) return Status::Internal(std::move(msg));
  if (s.IsIOError() && s.ToString().find("lock") != std::string::npos) {
    msg += " (is another process writing this store? open it read-only)";
  }
  return Status::IoError(std::move(msg));
}

// The smallest string greater than every string starting with `prefix`, or
// nullopt when there is none (prefix empty or all 0xff).
std::optional<std::string> PrefixSuccessor(std::string prefix) {
  while (!prefix.empty()) {
    auto last = static_cast<uint8_t>(prefix.back());
    if (last != 0xff) {
      prefix.back() = static_cast<char>(last + 1);
      return prefix;
    }
    prefix.pop_back();
  }
  return std::nullopt;
}

std::string EncodeHashKey(const HashKey& key) {
  std::string out;
  PutBigEndian64(&out, key.k0);
  PutBigEndian64(&out, key.k1);
  return out;
}

// ---------------------------------------------------------------------------
// Edge group rankings (column family "groups").
//
// Key: entity id (9) | direction (1) | edge kind (1). Value: varint total,
// varint n, then n times entity id (9) of the neighbour and varint count.

constexpr size_t kGroupKeyBytes = kEntityIdBytes + 2;
using GroupKey = std::array<char, kGroupKeyBytes>;

bool DecodeGroupKey(std::string_view key, EntityId* id, Direction* dir, EdgeKind* kind) {
  if (key.size() != kGroupKeyBytes || !DecodeEntityId(key.substr(0, kEntityIdBytes), id)) return false;
  auto d = static_cast<uint8_t>(key[kEntityIdBytes]);
  auto k = static_cast<uint8_t>(key[kEntityIdBytes + 1]);
  if (d > static_cast<uint8_t>(Direction::kIn)) return false;
  if (std::find(std::begin(kAllEdgeKinds), std::end(kAllEdgeKinds), static_cast<EdgeKind>(k)) == std::end(kAllEdgeKinds))
    return false;
  *dir = static_cast<Direction>(d);
  *kind = static_cast<EdgeKind>(k);
  return true;
}

std::string EncodeRanking(uint64_t total, const std::vector<GraphReader::RankedNeighbor>& top) {
  std::string out;
  out.reserve(8 + top.size() * (kEntityIdBytes + 4));
  PutVarint(&out, total);
  PutVarint(&out, top.size());
  for (const auto& n : top) {
    out.append(EncodeEntityId(n.other));
    PutVarint(&out, n.count);
  }
  return out;
}

// False on malformed bytes: truncated, more neighbours than the group has or
// than a ranking keeps, or neighbours out of ranking order.
bool DecodeRanking(std::string_view in, GraphReader::EdgeGroupRanking* r) {
  uint64_t n = 0;
  if (!GetVarint(&in, &r->total) || !GetVarint(&in, &n)) return false;
  if (n > GraphReader::kMaxRankedNeighbors || n > r->total) return false;
  r->top.clear();
  r->top.reserve(n);
  for (uint64_t i = 0; i < n; ++i) {
    GraphReader::RankedNeighbor x;
    if (in.size() < kEntityIdBytes || !DecodeEntityId(in.substr(0, kEntityIdBytes), &x.other)) return false;
    in.remove_prefix(kEntityIdBytes);
    if (!GetVarint(&in, &x.count)) return false;
    if (!r->top.empty()) {
      const auto& prev = r->top.back();
      if (prev.count < x.count || (prev.count == x.count && !(prev.other < x.other))) return false;
    }
    r->top.push_back(x);
  }
  return in.empty();
}

// ---------------------------------------------------------------------------
// Merge operators.

// Folds encoded values of type Traits::Value. Every operand and the existing
// value are decoded, merged with Traits::Merge and re-encoded. Decode failures
// (and any exception, e.g. bad_alloc) make the merge fail, which RocksDB
// reports as Corruption to the reader or fails the compaction.
template <typename Traits>
class FoldMergeOperator final : public rocksdb::MergeOperator {
 public:
  using Value = typename Traits::Value;

  const char* Name() const override { return Traits::kName; }

  bool FullMergeV2(const MergeOperationInput& in, MergeOperationOutput* out) const override {
    try {
      std::optional<Value> acc;
      if (in.existing_value != nullptr && !Fold(in.key, *in.existing_value, &acc, in.logger)) return false;
      for (const rocksdb::Slice& operand : in.operand_list) {
        if (!Fold(in.key, operand, &acc, in.logger)) return false;
      }
      if (!acc) return false;
      out->new_value = Traits::Encode(*acc);
      return true;
    } catch (...) {
      return false;
    }
  }

  bool PartialMerge(const rocksdb::Slice& key, const rocksdb::Slice& left, const rocksdb::Slice& right,
                    std::string* new_value, rocksdb::Logger* logger) const override {
    try {
      std::optional<Value> acc;
      if (!Fold(key, left, &acc, logger) || !Fold(key, right, &acc, logger)) return false;
      *new_value = Traits::Encode(*acc);
      return true;
    } catch (...) {
      return false;
    }
  }

  bool PartialMergeMulti(const rocksdb::Slice& key, const std::deque<rocksdb::Slice>& operands,
                         std::string* new_value, rocksdb::Logger* logger) const override {
    try {
      std::optional<Value> acc;
      for (const rocksdb::Slice& operand : operands) {
        if (!Fold(key, operand, &acc, logger)) return false;
      }
      if (!acc) return false;
      *new_value = Traits::Encode(*acc);
      return true;
    } catch (...) {
      return false;
    }
  }

 private:
  // Decodes `bytes` and merges it into *acc (or makes it *acc).
  static bool Fold(const rocksdb::Slice& key, const rocksdb::Slice& bytes, std::optional<Value>* acc,
                   rocksdb::Logger* logger) {
    Result<Value> v = Traits::Decode(View(bytes));
    if (!v.ok()) {
      if (logger != nullptr) {
        rocksdb::Log(rocksdb::InfoLogLevel::ERROR_LEVEL, logger, "%s: key %s: %s", Traits::kName,
                     Hex(View(key)).c_str(), v.status().message().c_str());
      }
      return false;
    }
    if (!*acc) {
      *acc = std::move(v).value();
      return true;
    }
    return Traits::Merge(**acc, v.value());
  }
};

struct EntityMergeTraits {
  using Value = Entity;
  static constexpr const char* kName = "gumshoe.EntityMerge.v1";
  static Result<Entity> Decode(std::string_view b) { return DecodeEntity(b); }
  static std::string Encode(const Entity& e) { return EncodeEntity(e); }
  static bool Merge(Entity& into, const Entity& from) {
    // The id includes the kind: a different kind under one id is damage.
    if (into.kind != from.kind) return false;
    MergeEntity(into, from);
    return true;
  }
};

struct EdgeStatsMergeTraits {
  using Value = EdgeStats;
  static constexpr const char* kName = "gumshoe.EdgeStatsMerge.v1";
  static Result<EdgeStats> Decode(std::string_view b) { return DecodeEdgeStats(b); }
  static std::string Encode(const EdgeStats& s) { return EncodeEdgeStats(s); }
  static bool Merge(EdgeStats& into, const EdgeStats& from) {
    MergeEdgeStats(into, from);
    return true;
  }
};

// ---------------------------------------------------------------------------
// The open database.

struct DbHandle {
  std::string path;
  bool read_only = false;
  rocksdb::DB* db = nullptr;
  std::shared_ptr<rocksdb::Cache> cache;  // the block cache of every family
  std::vector<rocksdb::ColumnFamilyHandle*> handles;  // every opened family, for cleanup
  std::array<rocksdb::ColumnFamilyHandle*, kNumCfs> cf{};
  // What the open could not recover (RocksStoreRecoveryNote); empty when whole.
  std::string recovery_note;
  bool partial_replay = false;  // this open replayed a damaged WAL up to the damage
  uint64_t min_free_bytes = 0;  // RocksStoreOptions::min_free_bytes
  std::function<EntityId(EntityKind, std::string_view)> id_for_testing;
  // The first error that means the filesystem filled up: later writes fail
  // with it without reaching RocksDB (whose writers must not be used again).
  std::mutex no_space_mu;
  std::optional<Status> no_space;

  EntityId IdOf(const Hasher& hasher, EntityKind kind, std::string_view key) const {
    return id_for_testing ? id_for_testing(kind, key) : hasher.IdOf(kind, key);
  }

  DbHandle() = default;
  DbHandle(const DbHandle&) = delete;
  DbHandle& operator=(const DbHandle&) = delete;
  ~DbHandle() {
    if (db == nullptr) return;
    for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
    db->Close().PermitUncheckedError();
    delete db;
  }
};

// Read paths shared by the store (snapshot == nullptr: latest state) and by
// snapshot readers.
class ReadView {
 public:
  ReadView(const DbHandle* db, const rocksdb::Snapshot* snapshot) : db_(db), snapshot_(snapshot) {}

  rocksdb::ReadOptions Options() const {
    rocksdb::ReadOptions ro;
    ro.snapshot = snapshot_;
    return ro;
  }

  // The value under `key` in `cf`, or nullopt.
  Result<std::optional<std::string>> Get(Cf cf, std::string_view key, std::string_view what) const {
    rocksdb::PinnableSlice value;
    rocksdb::Status s = db_->db->Get(Options(), db_->cf[cf], ToSlice(key), &value);
    if (s.IsNotFound()) return std::optional<std::string>();
    if (!s.ok()) return FromRocks(s, db_->path, what);
    return std::optional<std::string>(value.ToString());
  }

  // Calls fn(key, value) for each entry of `cf` whose key starts with
  // `prefix`, in key order, until fn returns false or an error Status.
  template <typename Fn>
  Status ScanPrefix(Cf cf, const std::string& prefix, std::string_view what, const Fn& fn) const {
    rocksdb::ReadOptions ro = Options();
    std::optional<std::string> upper = PrefixSuccessor(prefix);
    rocksdb::Slice upper_slice;
    if (upper) {
      upper_slice = rocksdb::Slice(*upper);
      ro.iterate_upper_bound = &upper_slice;
    }
    std::unique_ptr<rocksdb::Iterator> it(db_->db->NewIterator(ro, db_->cf[cf]));
    for (it->Seek(prefix); it->Valid(); it->Next()) {
      std::string_view key = View(it->key());
      if (key.substr(0, prefix.size()) != prefix) break;
      bool more = true;
      GUMSHOE_RETURN_IF_ERROR(fn(key, View(it->value()), &more));
      if (!more) return Status::Ok();
    }
    if (!it->status().ok()) return FromRocks(it->status(), db_->path, what);
    return Status::Ok();
  }

  Result<std::optional<Entity>> GetEntity(const EntityId& id) const {
    std::string key = EncodeEntityId(id);
    GUMSHOE_ASSIGN_OR_RETURN(std::optional<std::string> bytes, Get(kEntities, key, "read entity"));
    if (!bytes) return std::optional<Entity>();
    Result<Entity> e = DecodeEntity(*bytes);
    if (!e.ok()) return Bad("entities", key, e.status());
    return std::optional<Entity>(std::move(e).value());
  }

  Status ScanEdges(const EntityId& id, Direction dir, std::optional<EdgeKind> kind,
                   const GraphReader::EdgeFn& fn) const {
    std::string prefix = EncodeEntityId(id);
    if (kind) prefix.push_back(static_cast<char>(*kind));
    return ScanEdgePrefix(prefix, dir, fn);
  }

  // GraphReader::GetEntities: one batched MultiGet.
  Result<std::vector<std::optional<Entity>>> GetEntities(const std::vector<EntityId>& ids) const {
    const std::vector<std::array<char, kEntityIdBytes>> keys = EntityKeys(ids);
    std::vector<std::optional<Entity>> out(ids.size());
    GUMSHOE_RETURN_IF_ERROR(MultiGet(kEntities, keys, "read entity", [&](size_t i, std::string_view value) {
      Result<Entity> e = DecodeEntity(value);
      if (!e.ok()) return Bad("entities", std::string_view(keys[i].data(), keys[i].size()), e.status());
      out[i] = std::move(e).value();
      return Status::Ok();
    }));
    return out;
  }

  // GraphReader::GetEntityKeys: one batched MultiGet, keys decoded only.
  Result<std::vector<std::optional<std::string>>> GetEntityKeys(const std::vector<EntityId>& ids) const {
    const std::vector<std::array<char, kEntityIdBytes>> keys = EntityKeys(ids);
    std::vector<std::optional<std::string>> out(ids.size());
    GUMSHOE_RETURN_IF_ERROR(MultiGet(kEntities, keys, "read entity", [&](size_t i, std::string_view value) {
      Result<std::string_view> key = DecodeEntityKey(value);
      if (!key.ok()) return Bad("entities", std::string_view(keys[i].data(), keys[i].size()), key.status());
      out[i] = std::string(*key);
      return Status::Ok();
    }));
    return out;
  }

  // GraphReader::GetRawEdgeStats: one batched MultiGet.
  Result<std::vector<std::optional<std::string>>> GetRawEdgeStats(const EntityId& id, Direction dir, EdgeKind kind,
                                                                  const std::vector<EntityId>& others) const {
    std::vector<std::array<char, kEdgeKeyBytes>> keys(others.size());
    for (size_t i = 0; i < others.size(); ++i) EncodeEdgeKeyTo(id, kind, others[i], keys[i].data());
    std::vector<std::optional<std::string>> out(others.size());
    GUMSHOE_RETURN_IF_ERROR(MultiGet(dir == Direction::kOut ? kOutEdges : kInEdges, keys, "read edge",
                                     [&](size_t i, std::string_view value) {
                                       out[i] = std::string(value);
                                       return Status::Ok();
                                     }));
    return out;
  }

  // Whether each edge key (kEdgeKeyBytes, as stored in `dir`'s family) is
  // stored: one batched MultiGet.
  // The blocks read stay out of the block cache (an ingest asks this of
  // scattered keys it will not read again).
  Result<std::vector<bool>> EdgeKeysExist(Direction dir, const std::vector<std::array<char, kEdgeKeyBytes>>& keys) const {
    std::vector<bool> out(keys.size(), false);
    rocksdb::ReadOptions ro = Options();
    ro.fill_cache = false;
    GUMSHOE_RETURN_IF_ERROR(MultiGet(dir == Direction::kOut ? kOutEdges : kInEdges, keys, "read edge",
                                     [&](size_t i, std::string_view) {
                                       out[i] = true;
                                       return Status::Ok();
                                     },
                                     ro));
    return out;
  }

  // GraphReader::ScanEdgeGroupRankings: a prefix scan of the groups family
  // (none in a store that predates it). Markers (empty values: a ranking
  // dropped and not yet rebuilt) and entries that do not decode are passed
  // over: a ranking only spares reading the group, which is then scanned.
  Status ScanEdgeGroupRankings(const EntityId& id, const GraphReader::RankingFn& fn) const {
    if (db_->cf[kGroups] == nullptr) return Status::Ok();
    return ScanPrefix(kGroups, EncodeEntityId(id), "scan rankings", [&](std::string_view key, std::string_view value,
                                                                         bool* more) {
      *more = true;
      GraphReader::EdgeGroupRanking r;
      EntityId owner;
      if (value.empty() || !DecodeGroupKey(key, &owner, &r.direction, &r.kind) || !DecodeRanking(value, &r)) {
        return Status::Ok();
      }
      *more = fn(std::move(r));
      return Status::Ok();
    });
  }

  // GraphReader::ScanRawEdges: one iterator bounded to the entity's edges,
  // seeked to each kind in turn; values are handed over undecoded.
  Status ScanRawEdges(const EntityId& id, Direction dir, const std::vector<EdgeKind>& kinds,
                      const GraphReader::RawEdgeFn& fn) const {
    Cf cf = dir == Direction::kOut ? kOutEdges : kInEdges;
    std::string prefix = EncodeEntityId(id);
    rocksdb::ReadOptions ro = Options();
    std::optional<std::string> upper = PrefixSuccessor(prefix);
    rocksdb::Slice upper_slice;
    if (upper) {
      upper_slice = rocksdb::Slice(*upper);
      ro.iterate_upper_bound = &upper_slice;
    }
    std::unique_ptr<rocksdb::Iterator> it(db_->db->NewIterator(ro, db_->cf[cf]));
    // Scans the keys starting with `p`; false when fn asked to stop.
    auto scan = [&](const std::string& p) -> Result<bool> {
      for (it->Seek(p); it->Valid(); it->Next()) {
        std::string_view key = View(it->key());
        if (key.substr(0, p.size()) != p) break;
        GraphReader::RawEdge e;
        EntityId first, second;
        if (!DecodeEdgeKey(key, &first, &e.kind, &second)) {
          return Status::Corruption("store " + db_->path + ": " + kCfNames[cf] + ": malformed key " + Hex(key));
        }
        e.src = dir == Direction::kOut ? first : second;
        e.dst = dir == Direction::kOut ? second : first;
        e.stats = View(it->value());
        if (!fn(e)) return false;
      }
      if (!it->status().ok()) return FromRocks(it->status(), db_->path, "scan edges");
      return true;
    };
    if (kinds.empty()) return scan(prefix).status();
    for (EdgeKind kind : kinds) {
      std::string p = prefix;
      p.push_back(static_cast<char>(kind));
      GUMSHOE_ASSIGN_OR_RETURN(bool more, scan(p));
      if (!more) break;
    }
    return Status::Ok();
  }

  // Every out-edge, in (src, kind, dst) order: the order of the default
  // GraphReader::ScanAllEdges, in one pass over out_edges.
  Status ScanAllEdges(const GraphReader::EdgeFn& fn) const { return ScanEdgePrefix("", Direction::kOut, fn); }

  Status ScanEdgePrefix(const std::string& prefix, Direction dir, const GraphReader::EdgeFn& fn) const {
    Cf cf = dir == Direction::kOut ? kOutEdges : kInEdges;
    const char* cf_name = kCfNames[cf];
    return ScanPrefix(cf, prefix, "scan edges", [&](std::string_view key, std::string_view value, bool* more) {
      Edge e;
      EntityId first, second;
      if (!DecodeEdgeKey(key, &first, &e.kind, &second)) {
        return Status::Corruption("store " + db_->path + ": " + cf_name + ": malformed key " + Hex(key));
      }
      e.src = dir == Direction::kOut ? first : second;
      e.dst = dir == Direction::kOut ? second : first;
      Result<EdgeStats> stats = DecodeEdgeStats(value);
      if (!stats.ok()) return Bad(cf_name, key, stats.status());
      e.stats = std::move(stats).value();
      *more = fn(e);
      return Status::Ok();
    });
  }

  Status ScanEntities(std::optional<EntityKind> kind, const GraphReader::EntityFn& fn) const {
    std::string prefix;
    if (kind) prefix.push_back(static_cast<char>(*kind));
    return ScanPrefix(kEntities, prefix, "scan entities", [&](std::string_view key, std::string_view value, bool* more) {
      Result<Entity> e = DecodeEntity(value);
      if (!e.ok()) return Bad("entities", key, e.status());
      *more = fn(e.value());
      return Status::Ok();
    });
  }

  Status ScanKeys(EntityKind kind, std::string_view key_prefix, const GraphReader::KeyFn& fn) const {
    std::string prefix = EncodeNameKey(kind, key_prefix);
    return ScanPrefix(kNames, prefix, "scan names", [&](std::string_view key, std::string_view, bool* more) {
      *more = fn(key.substr(1));
      return Status::Ok();
    });
  }

  Status ScanMeta(std::string_view prefix, const std::function<bool(std::string_view, std::string_view)>& fn) const {
    return ScanPrefix(kMeta, std::string(prefix), "scan meta", [&](std::string_view key, std::string_view value, bool* more) {
      *more = fn(key, value);
      return Status::Ok();
    });
  }

 private:
  static std::vector<std::array<char, kEntityIdBytes>> EntityKeys(const std::vector<EntityId>& ids) {
    std::vector<std::array<char, kEntityIdBytes>> keys(ids.size());
    for (size_t i = 0; i < ids.size(); ++i) EncodeEntityIdTo(ids[i], keys[i].data());
    return keys;
  }

  // One batched MultiGet of the fixed-width `keys` in `cf`: decode(i, value)
  // for each key found, in order, until it fails.
  template <size_t N, typename Fn>
  Status MultiGet(Cf cf, const std::vector<std::array<char, N>>& keys, const char* what, const Fn& decode,
                  const std::optional<rocksdb::ReadOptions>& options = std::nullopt) const {
    std::vector<rocksdb::Slice> slices;
    slices.reserve(keys.size());
    for (const auto& k : keys) slices.emplace_back(k.data(), k.size());
    std::vector<rocksdb::PinnableSlice> values(keys.size());
    std::vector<rocksdb::Status> statuses(keys.size());
    db_->db->MultiGet(options ? *options : Options(), db_->cf[cf], keys.size(), slices.data(), values.data(),
                      statuses.data());
    for (size_t i = 0; i < keys.size(); ++i) {
      if (statuses[i].IsNotFound()) continue;
      if (!statuses[i].ok()) return FromRocks(statuses[i], db_->path, what);
      GUMSHOE_RETURN_IF_ERROR(decode(i, View(values[i])));
    }
    return Status::Ok();
  }

  Status Bad(const char* cf_name, std::string_view key, const Status& decode) const {
    return Status::Corruption("store " + db_->path + ": " + cf_name + " key " + Hex(key) + ": " + decode.message());
  }

  const DbHandle* db_;
  const rocksdb::Snapshot* snapshot_;
};

// A GraphReader over one rocksdb::Snapshot. Holds the DbHandle, so the
// database stays open while the reader lives.
class RocksReader final : public GraphReader {
 public:
  RocksReader(std::shared_ptr<const DbHandle> db, Hasher hasher, std::shared_ptr<const rocksdb::Snapshot> snapshot)
      : db_(std::move(db)), hasher_(hasher), snapshot_(std::move(snapshot)), view_(db_.get(), snapshot_.get()) {}

  EntityId IdOf(EntityKind kind, std::string_view key) const override { return db_->IdOf(hasher_, kind, key); }
  Result<std::optional<Entity>> GetEntity(const EntityId& id) const override { return view_.GetEntity(id); }
  Status ScanEdges(const EntityId& id, Direction dir, std::optional<EdgeKind> kind, const EdgeFn& fn) const override {
    return view_.ScanEdges(id, dir, kind, fn);
  }
  Status ScanEntities(std::optional<EntityKind> kind, const EntityFn& fn) const override {
    return view_.ScanEntities(kind, fn);
  }
  Status ScanKeys(EntityKind kind, std::string_view prefix, const KeyFn& fn) const override {
    return view_.ScanKeys(kind, prefix, fn);
  }
  Status ScanAllEdges(const EdgeFn& fn) const override { return view_.ScanAllEdges(fn); }
  Status ScanRawEdges(const EntityId& id, Direction dir, const std::vector<EdgeKind>& kinds,
                      const RawEdgeFn& fn) const override {
    return view_.ScanRawEdges(id, dir, kinds, fn);
  }
  Result<std::vector<std::optional<Entity>>> GetEntities(const std::vector<EntityId>& ids) const override {
    return view_.GetEntities(ids);
  }
  Result<std::vector<std::optional<std::string>>> GetRawEdgeStats(const EntityId& id, Direction dir, EdgeKind kind,
                                                                  const std::vector<EntityId>& others) const override {
    return view_.GetRawEdgeStats(id, dir, kind, others);
  }
  Result<std::vector<std::optional<std::string>>> GetEntityKeys(const std::vector<EntityId>& ids) const override {
    return view_.GetEntityKeys(ids);
  }
  Status ScanEdgeGroupRankings(const EntityId& id, const RankingFn& fn) const override {
    return view_.ScanEdgeGroupRankings(id, fn);
  }

 private:
  std::shared_ptr<const DbHandle> db_;
  Hasher hasher_;
  std::shared_ptr<const rocksdb::Snapshot> snapshot_;
  ReadView view_;
};

// One entry of a write batch being built: a fixed-width key and where its
// value lies in the batch's value buffer.
template <size_t N>
struct FixedEntry {
  std::array<char, N> key;
  size_t offset = 0;
  size_t size = 0;
  bool operator<(const FixedEntry& o) const { return std::memcmp(key.data(), o.key.data(), N) < 0; }
};

class RocksStore final : public GraphStore {
 public:
  RocksStore(std::shared_ptr<DbHandle> db, Hasher hasher)
      : db_(std::move(db)), hasher_(hasher), latest_(db_.get(), nullptr) {}

  EntityId IdOf(EntityKind kind, std::string_view key) const override { return db_->IdOf(hasher_, kind, key); }
  Result<std::optional<Entity>> GetEntity(const EntityId& id) const override { return latest_.GetEntity(id); }
  Status ScanEdges(const EntityId& id, Direction dir, std::optional<EdgeKind> kind, const EdgeFn& fn) const override {
    return latest_.ScanEdges(id, dir, kind, fn);
  }
  Status ScanEntities(std::optional<EntityKind> kind, const EntityFn& fn) const override {
    return latest_.ScanEntities(kind, fn);
  }
  Status ScanKeys(EntityKind kind, std::string_view prefix, const KeyFn& fn) const override {
    return latest_.ScanKeys(kind, prefix, fn);
  }
  Status ScanAllEdges(const EdgeFn& fn) const override { return latest_.ScanAllEdges(fn); }
  Status ScanRawEdges(const EntityId& id, Direction dir, const std::vector<EdgeKind>& kinds,
                      const RawEdgeFn& fn) const override {
    return latest_.ScanRawEdges(id, dir, kinds, fn);
  }
  Result<std::vector<std::optional<Entity>>> GetEntities(const std::vector<EntityId>& ids) const override {
    return latest_.GetEntities(ids);
  }
  Result<std::vector<std::optional<std::string>>> GetRawEdgeStats(const EntityId& id, Direction dir, EdgeKind kind,
                                                                  const std::vector<EntityId>& others) const override {
    return latest_.GetRawEdgeStats(id, dir, kind, others);
  }
  Result<std::vector<std::optional<std::string>>> GetEntityKeys(const std::vector<EntityId>& ids) const override {
    return latest_.GetEntityKeys(ids);
  }
  Status ScanEdgeGroupRankings(const EntityId& id, const RankingFn& fn) const override {
    return latest_.ScanEdgeGroupRankings(id, fn);
  }

  Result<bool> ContainsRecord(const RecordId& id) const override {
    std::string_view key(reinterpret_cast<const char*>(id.data()), id.size());
    GUMSHOE_ASSIGN_OR_RETURN(std::optional<std::string> v, latest_.Get(kRecords, key, "read record"));
    return v.has_value();
  }

  Status Apply(const GraphDelta& delta) override {
    GUMSHOE_RETURN_IF_ERROR(CheckWritable("Apply"));
    if (delta.empty()) return Status::Ok();
    std::lock_guard<std::mutex> lock(apply_mu_);
    GUMSHOE_RETURN_IF_ERROR(CheckSpace());
    // Keys go into the batch sorted per column family, so the memtable inserts
    // each next to the previous one instead of searching from the top. Keys
    // are fixed-width arrays and values slices of one buffer: no allocation
    // per entry.
    // The value buffer and the write batch are kept from one Apply to the
    // next (Flush releases them): refilling memory already mapped costs no
    // page faults, which a fresh buffer of tens of MiB does on every Apply.
    std::string& arena = apply_arena_;
    arena.clear();
    arena.reserve(delta.ApproxBytes() / 2);
    std::vector<FixedEntry<kEntityIdBytes>> entities;
    std::vector<FixedEntry<kEdgeKeyBytes>> out_edges, in_edges;
    std::vector<std::pair<std::string, std::string>> names;  // name key -> encoded id
    entities.reserve(delta.entities().size());
    out_edges.reserve(delta.edges().size());
    in_edges.reserve(delta.edges().size());
    std::vector<NewName> new_names;
    for (const Entity& e : delta.entities()) {
      EntityId id = db_->IdOf(hasher_, e.kind, e.key);
      FixedEntry<kEntityIdBytes>& entry = entities.emplace_back();
      EncodeEntityIdTo(id, entry.key.data());
      entry.offset = arena.size();
      AppendEntity(e, &arena);
      entry.size = arena.size() - entry.offset;
      const uint64_t fingerprint = storage_internal::KeyFingerprint(hasher_.key(), e.kind, e.key);
      // The name -> id entry never changes: write it once per process.
      if (std::optional<uint64_t> known = NameWritten(id)) {
        if (*known != fingerprint) return Collision(id, e.kind, e.key);
      } else {
        names.emplace_back(EncodeNameKey(e.kind, e.key), std::string(entry.key.data(), entry.key.size()));
        new_names.push_back(NewName{id, fingerprint, &e});
      }
    }
    std::vector<std::pair<std::string, std::string>> claims;  // id claims to write
    GUMSHOE_RETURN_IF_ERROR(CheckIdClaims(new_names, &claims));
    for (const GraphDelta::EdgeEntry& edge : delta.edges()) {
      EntityId src = db_->IdOf(hasher_, edge.src->kind, edge.src->key);
      EntityId dst = db_->IdOf(hasher_, edge.dst->kind, edge.dst->key);
      FixedEntry<kEdgeKeyBytes>& out = out_edges.emplace_back();
      FixedEntry<kEdgeKeyBytes>& in = in_edges.emplace_back();
      EncodeEdgeKeyTo(src, edge.kind, dst, out.key.data());
      EncodeEdgeKeyTo(dst, edge.kind, src, in.key.data());
      out.offset = in.offset = arena.size();
      AppendEdgeStats(edge.stats, &arena);
      out.size = in.size = arena.size() - out.offset;
    }
    std::vector<const RecordId*> records;
    records.reserve(delta.records().size());
    for (const RecordId& r : delta.records()) records.push_back(&r);
    std::sort(entities.begin(), entities.end());
    std::sort(names.begin(), names.end());
    std::sort(out_edges.begin(), out_edges.end());
    std::sort(in_edges.begin(), in_edges.end());
    std::sort(records.begin(), records.end(), [](const RecordId* a, const RecordId* b) { return *a < *b; });
    // Ranked groups this delta changes (their rankings are replaced by a
    // marker in the same write and ranked again on Flush), and groups it adds
    // many edges to (which may be large: ranked on Flush).
    std::vector<GroupKey> stale, candidates;
    std::vector<GroupRange> tracked;
    if (db_->cf[kGroups] != nullptr) {
      NoteGroups(out_edges, Direction::kOut, &stale, &candidates, &tracked);
      NoteGroups(in_edges, Direction::kIn, &stale, &candidates, &tracked);
    }
    // From here on a failure leaves the rerank states unsure: they are
    // dropped, and their groups are ranked again from a full read.
    struct DropRerankOnError {
      RocksStore* store;
      bool done = false;
      ~DropRerankOnError() {
        if (!done) store->DropRerank();
      }
    } drop_rerank{this};
    GUMSHOE_RETURN_IF_ERROR(TrackReranks(stale, tracked, out_edges, in_edges));

    // Room for every entry (each carries a tag, the family id and two
    // lengths), so the batch's buffer grows once.
    size_t edge_value_bytes = 0;
    for (const auto& e : out_edges) edge_value_bytes += e.size;
    const size_t reserve = arena.size() + edge_value_bytes + entities.size() * (kEntityIdBytes + 8) +
                           2 * out_edges.size() * (kEdgeKeyBytes + 8) + records.size() * (sizeof(RecordId) + 8) +
                           names.size() * 64 + 64;
    if (reserve > apply_batch_reserved_) {
      apply_batch_ = rocksdb::WriteBatch(reserve);
      apply_batch_reserved_ = reserve;
    }
    rocksdb::WriteBatch& batch = apply_batch_;
    batch.Clear();
    rocksdb::Status s;
    auto value = [&](const auto& e) { return rocksdb::Slice(arena.data() + e.offset, e.size); };
    for (const auto& e : entities) {
      if (s.ok()) s = batch.Merge(db_->cf[kEntities], rocksdb::Slice(e.key.data(), e.key.size()), value(e));
    }
    for (const auto& [name_key, id] : names) {
      if (s.ok()) s = batch.Put(db_->cf[kNames], name_key, id);
    }
    for (const auto& [claim_key, fingerprint] : claims) {
      if (s.ok()) s = batch.Put(db_->cf[kRecords], claim_key, fingerprint);
    }
    for (const auto& e : out_edges) {
      if (s.ok()) s = batch.Merge(db_->cf[kOutEdges], rocksdb::Slice(e.key.data(), e.key.size()), value(e));
    }
    for (const auto& e : in_edges) {
      if (s.ok()) s = batch.Merge(db_->cf[kInEdges], rocksdb::Slice(e.key.data(), e.key.size()), value(e));
    }
    for (const auto& [key, doc] : delta.documents()) {
      if (s.ok()) s = batch.Put(db_->cf[kMeta], std::string(kDocumentPrefix) + key, doc);
    }
    for (const RecordId* r : records) {
      if (s.ok()) {
        s = batch.Put(db_->cf[kRecords], rocksdb::Slice(reinterpret_cast<const char*>(r->data()), r->size()),
                      rocksdb::Slice());
      }
    }
    for (const GroupKey& key : stale) {
      if (s.ok()) s = batch.Put(db_->cf[kGroups], rocksdb::Slice(key.data(), key.size()), rocksdb::Slice());
    }
    if (!s.ok()) return FromRocks(s, db_->path, "build write batch");
    rocksdb::WriteOptions wo;
    wo.sync = false;  // the WAL is written; a process kill loses nothing
    s = db_->db->Write(wo, &batch);
    if (!s.ok()) return Failed(s, "write");
    drop_rerank.done = true;
    for (const NewName& n : new_names) RememberName(n.id, n.fingerprint);
    for (const GroupKey& key : stale) {
      ranked_.erase(key);
      pending_[key] = true;  // was ranked: always ranked again
    }
    for (const GroupKey& key : candidates) {
      if (pending_.size() >= kMaxPendingGroups) break;
      pending_.emplace(key, false);
    }
    return Status::Ok();
  }

  std::unique_ptr<GraphReader> Snapshot() const override {
    std::shared_ptr<DbHandle> db = db_;
    const rocksdb::Snapshot* raw = db->db->GetSnapshot();
    // The deleter owns a reference to the database: the snapshot is released
    // before the database can close.
    std::shared_ptr<const rocksdb::Snapshot> snap(raw, [db](const rocksdb::Snapshot* s) {
      if (s != nullptr) db->db->ReleaseSnapshot(s);
    });
    return std::make_unique<RocksReader>(db_, hasher_, std::move(snap));
  }

  const Hasher& hasher() const override { return hasher_; }
  const std::string& recovery_note() const { return db_->recovery_note; }

  Status PutMeta(std::string_view key, std::string_view value) override {
    GUMSHOE_RETURN_IF_ERROR(CheckWritable("PutMeta"));
    if (key == kSchemaVersionKey || key == kHashKeyKey || key == kMetaChecksumKey || key == kPartialRecoveryKey) {
      return Status::InvalidArgument("store " + db_->path + ": meta key " + std::string(key) + " is reserved");
    }
    {
      std::lock_guard<std::mutex> lock(apply_mu_);
      GUMSHOE_RETURN_IF_ERROR(CheckSpace());
    }
    rocksdb::Status s = db_->db->Put(rocksdb::WriteOptions(), db_->cf[kMeta], ToSlice(key), ToSlice(value));
    if (!s.ok()) return Failed(s, "write meta");
    return Status::Ok();
  }

  Result<std::optional<std::string>> GetMeta(std::string_view key) const override {
    return latest_.Get(kMeta, key, "read meta");
  }

  Status ScanMeta(std::string_view prefix,
                  const std::function<bool(std::string_view, std::string_view)>& fn) const override {
    return latest_.ScanMeta(prefix, fn);
  }

  Status Flush() override {
    if (db_->read_only) return Status::Ok();
    ReleaseApplyBuffers();  // also when the flush fails
    {
      std::lock_guard<std::mutex> lock(apply_mu_);
      GUMSHOE_RETURN_IF_ERROR(CheckSpace());
    }
    rocksdb::FlushOptions fo;
    fo.wait = true;
    // DB::Flush of several families flushes them one after another; asked
    // from one thread each, they run on both flush threads at once (the end
    // of an ingest flushes every family's memtable).
    std::vector<std::future<rocksdb::Status>> flushes;
    flushes.reserve(db_->cf.size());
    rocksdb::Status s;
    for (rocksdb::ColumnFamilyHandle* cf : db_->cf) {
      try {
        flushes.push_back(std::async(std::launch::async, [this, fo, cf] { return db_->db->Flush(fo, cf); }));
      } catch (const std::system_error&) {
        rocksdb::Status one = db_->db->Flush(fo, cf);  // no thread: flush it here
        if (s.ok()) s = one;
      }
    }
    for (auto& f : flushes) {
      rocksdb::Status one = f.get();
      if (s.ok()) s = one;
    }
    if (!s.ok()) return Failed(s, "flush");
    s = db_->db->FlushWAL(/*sync=*/true);
    if (!s.ok()) return Failed(s, "sync WAL");
    // After the flush: ranking reads the groups from table files (a bulk-load
    // memtable would be sorted again for every group read).
    return RefreshRankings();
  }

  // Reads which groups have rankings, so that Apply knows which to drop, and
  // which have markers (dropped, not yet ranked again: a process stopped
  // before its Flush), which the next Flush ranks. Called once, at a writable
  // open (at most kMaxRankedGroups values of at most ~13 KB each). Entries
  // that cannot be ours are ignored (readers ignore them too).
  Status LoadRankings() {
    if (db_->read_only || db_->cf[kGroups] == nullptr) return Status::Ok();
    std::lock_guard<std::mutex> lock(apply_mu_);
    return latest_.ScanPrefix(kGroups, "", "scan rankings", [&](std::string_view key, std::string_view value,
                                                                 bool* more) {
      *more = true;
      EntityId id;
      Direction dir;
      EdgeKind kind;
      if (!DecodeGroupKey(key, &id, &dir, &kind)) return Status::Ok();
      GroupKey group;
      std::memcpy(group.data(), key.data(), group.size());
      if (value.empty()) {
        pending_[group] = true;
      } else {
        ranked_.insert(group);
      }
      return Status::Ok();
    });
  }

  Status Compact() {
    GUMSHOE_RETURN_IF_ERROR(CheckWritable("Compact"));
    rocksdb::CompactRangeOptions co;
    co.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
    for (auto* cf : db_->cf) {
      rocksdb::Status s = db_->db->CompactRange(co, cf, nullptr, nullptr);
      if (!s.ok()) return FromRocks(s, db_->path, std::string("compact ") + cf->GetName());
    }
    return Status::Ok();
  }

 private:
  // An entity whose name entry this Apply writes.
  struct NewName {
    EntityId id;
    uint64_t fingerprint;
    const Entity* entity;
  };

  // Ok when the store may write: no earlier full-disk failure, and at least
  // min_free_bytes free. REQUIRES: apply_mu_ held.
  Status CheckSpace() const {
    {
      std::lock_guard<std::mutex> lock(db_->no_space_mu);
      if (db_->no_space) return *db_->no_space;
    }
    return storage_internal::CheckFreeSpace(db_->path, db_->min_free_bytes);
  }

  // The Status of a failed RocksDB write. A full disk is remembered: RocksDB
  // has stopped writing (its background error), and its file writers must not
  // be used again, so every later write fails with the same error.
  Status Failed(const rocksdb::Status& s, std::string_view what) {
    Status st = FromRocks(s, db_->path, what);
    if (IsNoSpace(s)) {
      std::lock_guard<std::mutex> lock(db_->no_space_mu);
      if (!db_->no_space) db_->no_space = st;
    }
    return st;
  }

  // Checks that no other key holds the ID of each new name (the claims in
  // the records family, and the new names of this Apply among themselves);
  // adds the claims not stored yet to *claims. A second key on a claimed ID
  // is refused (Collision): merging the two would be silent and permanent.
  Status CheckIdClaims(std::vector<NewName>& new_names,
                       std::vector<std::pair<std::string, std::string>>* claims) {
    if (new_names.empty()) return Status::Ok();
    std::sort(new_names.begin(), new_names.end(), [](const NewName& a, const NewName& b) { return a.id < b.id; });
    for (size_t i = 1; i < new_names.size(); ++i) {
      if (new_names[i].id == new_names[i - 1].id && new_names[i].fingerprint != new_names[i - 1].fingerprint) {
        const Entity& a = *new_names[i - 1].entity;
        const Entity& b = *new_names[i].entity;
        return CollisionError(a.kind, b.key, "'" + PrintableText(a.key) + "'");
      }
    }
    std::vector<std::string> keys;
    keys.reserve(new_names.size());
    for (const NewName& n : new_names) keys.push_back(storage_internal::IdClaimKey(EncodeEntityId(n.id)));
    std::vector<rocksdb::Slice> slices(keys.begin(), keys.end());
    std::vector<rocksdb::PinnableSlice> values(keys.size());
    std::vector<rocksdb::Status> statuses(keys.size());
    db_->db->MultiGet(rocksdb::ReadOptions(), db_->cf[kRecords], keys.size(), slices.data(), values.data(),
                      statuses.data(), /*sorted_input=*/false);
    for (size_t i = 0; i < keys.size(); ++i) {
      const NewName& n = new_names[i];
      if (statuses[i].IsNotFound()) {
        if (i > 0 && new_names[i - 1].id == n.id) continue;  // the same key twice
        std::string value;
        PutBigEndian64(&value, n.fingerprint);
        claims->emplace_back(std::move(keys[i]), std::move(value));
        continue;
      }
      if (!statuses[i].ok()) return FromRocks(statuses[i], db_->path, "read id claim");
      if (values[i].size() != 8) {
        return Status::Corruption("store " + db_->path + ": damaged id claim under " + Hex(keys[i]));
      }
      if (GetBigEndian64(values[i].data()) != n.fingerprint) return Collision(n.id, n.entity->kind, n.entity->key);
    }
    return Status::Ok();
  }

  // The refusal of `key` (of `kind`) whose ID `id` another key holds.
  Status Collision(const EntityId& id, EntityKind kind, std::string_view key) const {
    std::string other = "another key";
    Result<std::vector<std::optional<std::string>>> stored = latest_.GetEntityKeys({id});
    if (stored.ok() && (*stored)[0] && *(*stored)[0] != key) other = "'" + PrintableText(*(*stored)[0]) + "'";
    return CollisionError(kind, key, other);
  }
  Status CollisionError(EntityKind kind, std::string_view key, const std::string& other) const {
    return Status::Internal("store " + db_->path + ": entity ID collision: " + std::string(EntityKindName(kind)) +
                            " '" + PrintableText(key) + "' has the ID of " + other +
                            " (an ID is the kind and 64 bits of a keyed hash); refusing to write the batch rather "
                            "than merge two entities");
  }
  Status CheckWritable(const char* op) const {
    if (db_->read_only) {
      return Status::InvalidArgument("store " + db_->path + ": " + op + " on a store opened read-only");
    }
    return Status::Ok();
  }

  // A run of edge entries of one group within Apply's sorted entries.
  struct GroupRange {
    GroupKey key;
    Direction dir;
    size_t begin, end;
  };

  // The groups of the sorted edge entries `edges` (one direction): those
  // with a ranking go to `stale`, those that now have kCandidateBatchEdges
  // distinct neighbours written since the last Flush to `candidates`, and
  // those with a ranking or a rerank state to `tracked`.
  void NoteGroups(const std::vector<FixedEntry<kEdgeKeyBytes>>& edges, Direction dir, std::vector<GroupKey>* stale,
                  std::vector<GroupKey>* candidates, std::vector<GroupRange>* tracked) {
    constexpr size_t kPrefix = kEntityIdBytes + 1;  // entity id | kind
    for (size_t i = 0; i < edges.size();) {
      size_t j = i + 1;
      while (j < edges.size() && std::memcmp(edges[j].key.data(), edges[i].key.data(), kPrefix) == 0) ++j;
      GroupKey key;
      std::memcpy(key.data(), edges[i].key.data(), kEntityIdBytes);
      key[kEntityIdBytes] = static_cast<char>(dir);
      key[kEntityIdBytes + 1] = edges[i].key[kEntityIdBytes];
      const bool ranked = !ranked_.empty() && ranked_.count(key) != 0;
      if (ranked) stale->push_back(key);
      if (ranked || (!rerank_.empty() && rerank_.count(key) != 0)) tracked->push_back(GroupRange{key, dir, i, j});
      // (Entries of one delta name distinct neighbours: this many in one
      // delta are this many distinct ones.)
      if (j - i >= kCandidateBatchEdges) {
        candidates->push_back(key);
        if (!fresh_.empty()) fresh_.erase(key);  // earlier deltas' notes of it are no longer needed
      } else if (!ranked && pending_.count(key) == 0 && NoteWritten(key, edges, i, j)) {
        candidates->push_back(key);
      }
      i = j;
    }
  }

  // Candidates for a ranking: groups with kCandidateBatchEdges distinct
  // neighbours written since the last Flush, however the records fell into
  // deltas (with several reader threads that differs from run to run, and the
  // same input must rank the same groups). Notes the neighbours of entries
  // [i, j) of one group; true when they make it a candidate. Past
  // kMaxFreshGroups groups, a group not yet noted becomes a candidate only
  // with kCandidateBatchEdges entries in one delta.
  bool NoteWritten(const GroupKey& key, const std::vector<FixedEntry<kEdgeKeyBytes>>& edges, size_t i, size_t j) {
    auto it = fresh_.find(key);
    if (it == fresh_.end()) {
      if (fresh_.size() >= kMaxFreshGroups) return false;
      it = fresh_.emplace(key, std::vector<EntityId>()).first;
    }
    std::vector<EntityId>& seen = it->second;
    for (size_t k = i; k < j; ++k) {
      EntityId other;
      if (DecodeEntityId(std::string_view(edges[k].key.data() + kEntityIdBytes + 1, kEntityIdBytes), &other)) {
        seen.push_back(other);  // (cannot fail: the key was encoded in Apply)
      }
    }
    std::sort(seen.begin(), seen.end());
    seen.erase(std::unique(seen.begin(), seen.end()), seen.end());
    if (seen.size() < kCandidateBatchEdges) return false;
    fresh_.erase(it);
    return true;
  }

  // Incremental re-ranking. A ranked group that a write changes loses its
  // ranking (a marker replaces it) and is ranked again on Flush. Instead of
  // reading the whole group then, the store keeps the old ranking and the
  // neighbours written since, and on Flush reads only those: the new top is
  // the best of the old top and the written edges, because counts only grow
  // (an edge outside the old top that no write touched still has at least
  // kMaxRankedNeighbors better ones). The total grows by the written edges
  // the group did not have: those the old ranking did not list are looked up
  // before the write (bulk-load memtables, which a lookup would sort, have a
  // bloom filter for that). Groups past the memory bound, or with more than
  // 1/kRerankFraction of their edges written, and every group after an
  // ingest has written kMaxRerankWritten neighbours of ranked groups, are read
  // whole as before.
  struct RerankState {
    uint64_t old_total = 0;
    std::vector<RankedNeighbor> old_top;                  // ranking order
    std::vector<EntityId> old_ids;                        // old_top's neighbours, sorted
    std::unordered_set<EntityId, EntityIdHash> written;   // neighbours written since
    uint64_t added = 0;                                   // of those, edges new to the group
  };

  void DropRerank() {
    rerank_.clear();
    rerank_entries_ = 0;
    rerank_written_ = 0;
  }
  void EraseRerank(std::map<GroupKey, RerankState>::iterator it) {
    rerank_entries_ -= it->second.old_top.size();
    rerank_written_ -= it->second.written.size();
    rerank_.erase(it);
  }

  // Apply, before its write: a rerank state for each group losing its
  // ranking now, and the neighbours of every tracked group's entries noted
  // (edges new to their group counted).
  Status TrackReranks(const std::vector<GroupKey>& stale, const std::vector<GroupRange>& tracked,
                      const std::vector<FixedEntry<kEdgeKeyBytes>>& out_edges,
                      const std::vector<FixedEntry<kEdgeKeyBytes>>& in_edges) {
    if (rerank_off_) return Status::Ok();
    for (const GroupKey& key : stale) {
      // (A ranked group has no state: states end with the Flush that ranks.)
      if (rerank_.count(key) != 0) continue;
      GUMSHOE_ASSIGN_OR_RETURN(std::optional<std::string> value,
                               latest_.Get(kGroups, std::string_view(key.data(), key.size()), "read ranking"));
      GraphReader::EdgeGroupRanking old;
      if (!value || value->empty() || !DecodeRanking(*value, &old)) continue;  // read whole on Flush
      if (rerank_entries_ + old.top.size() > kMaxRerankEntries) continue;
      RerankState& st = rerank_[key];
      st.old_total = old.total;
      st.old_ids.reserve(old.top.size());
      for (const RankedNeighbor& n : old.top) st.old_ids.push_back(n.other);
      std::sort(st.old_ids.begin(), st.old_ids.end());
      st.old_top = std::move(old.top);
      rerank_entries_ += st.old_top.size();
    }
    // Entries whose presence in their group is looked up (one direction's
    // keys each), and the state each counts toward.
    std::array<std::vector<std::array<char, kEdgeKeyBytes>>, 2> lookups;
    std::array<std::vector<GroupKey>, 2> lookup_groups;
    for (const GroupRange& range : tracked) {
      auto it = rerank_.find(range.key);
      if (it == rerank_.end()) continue;
      RerankState& st = it->second;
      const auto& edges = range.dir == Direction::kOut ? out_edges : in_edges;
      const size_t d = range.dir == Direction::kOut ? 0 : 1;
      bool overflow = false;
      for (size_t i = range.begin; i < range.end && !overflow; ++i) {
        EntityId other;
        if (!DecodeEntityId(std::string_view(edges[i].key.data() + kEntityIdBytes + 1, kEntityIdBytes), &other)) {
          overflow = true;  // cannot happen: the key was encoded here
          break;
        }
        if (!st.written.insert(other).second) continue;  // noted by an earlier write
        if (++rerank_written_ > kMaxRerankWritten) {
          // A large ingest: every group it changed is read whole on Flush.
          DropRerank();
          rerank_off_ = true;
          return Status::Ok();
        }
        if (st.written.size() > st.old_total / kRerankFraction + kCandidateBatchEdges) {
          overflow = true;
          break;
        }
        if (std::binary_search(st.old_ids.begin(), st.old_ids.end(), other)) continue;  // in the group
        if (st.old_top.size() == st.old_total) {
          ++st.added;  // the old ranking listed the whole group
        } else {
          lookups[d].push_back(edges[i].key);
          lookup_groups[d].push_back(range.key);
        }
      }
      if (overflow) EraseRerank(it);
    }
    for (size_t d = 0; d < 2; ++d) {
      if (lookups[d].empty()) continue;
      GUMSHOE_ASSIGN_OR_RETURN(std::vector<bool> exists,
                               latest_.EdgeKeysExist(d == 0 ? Direction::kOut : Direction::kIn, lookups[d]));
      for (size_t i = 0; i < exists.size(); ++i) {
        if (exists[i]) continue;
        auto it = rerank_.find(lookup_groups[d][i]);
        if (it != rerank_.end()) ++it->second.added;  // (gone: overflowed later in this delta)
      }
    }
    return Status::Ok();
  }

  // Flush: the new ranking of a group with a rerank state, from the current
  // counts of the neighbours written since; nullopt when one of them cannot be
  // read (the group is then read whole).
  Result<std::optional<std::pair<uint64_t, std::vector<RankedNeighbor>>>> Rerank(const EntityId& id, Direction dir,
                                                                                  EdgeKind kind,
                                                                                  const RerankState& st) const {
    using Out = std::optional<std::pair<uint64_t, std::vector<RankedNeighbor>>>;
    std::vector<EntityId> others(st.written.begin(), st.written.end());
    GUMSHOE_ASSIGN_OR_RETURN(std::vector<std::optional<std::string>> values,
                             latest_.GetRawEdgeStats(id, dir, kind, others));
    std::vector<RankedNeighbor> all;
    all.reserve(st.old_top.size() + others.size());
    for (size_t i = 0; i < others.size(); ++i) {
      if (!values[i]) return Out();
      Result<EdgeStatsSummary> sum = DecodeEdgeStatsSummary(*values[i], TimeWindow{});
      if (!sum.ok()) return Out();
      all.push_back(RankedNeighbor{others[i], sum->window_count});
    }
    for (const RankedNeighbor& n : st.old_top) {
      if (st.written.count(n.other) == 0) all.push_back(n);
    }
    const size_t keep = std::min<size_t>(all.size(), kMaxRankedNeighbors);
    std::partial_sort(all.begin(), all.begin() + keep, all.end(), RankedBetter);
    all.resize(keep);
    return Out(std::in_place, st.old_total + st.added, std::move(all));
  }

  // Ranking order: count desc, then id.
  static bool RankedBetter(const RankedNeighbor& a, const RankedNeighbor& b) {
    return a.count != b.count ? a.count > b.count : a.other < b.other;
  }

  // Ranks every pending group: groups of at least kMinRankedGroup edges (and
  // at most kMaxRankedGroupScan) get a ranking, the others none (and their
  // marker, if any, is removed). A ranking is derived data: a group with an
  // undecodable edge value gets none (a pivot on it scans and reports the
  // damage). Holds the Apply lock, so no write changes a group between its
  // read and its ranking. Written in batches of about kMaxRankingBatchBytes.
  Status RefreshRankings() {
    std::lock_guard<std::mutex> lock(apply_mu_);
    // The rerank states serve this Flush only: after a failed one the pending
    // groups are read whole.
    struct DropRerankAtEnd {
      RocksStore* store;
      ~DropRerankAtEnd() {
        store->DropRerank();
        store->rerank_off_ = false;
        store->fresh_.clear();  // neighbours counted from one Flush to the next
      }
    } drop_rerank{this};
    if (pending_.empty() || db_->cf[kGroups] == nullptr) return Status::Ok();
    // As a heap, ranking order keeps the worst of the best kMaxRankedNeighbors
    // on top.
    const auto better = RankedBetter;
    rocksdb::WriteBatch batch;
    std::vector<GroupKey> ranked_now;
    auto write = [&]() -> Status {
      if (batch.Count() == 0) return Status::Ok();
      rocksdb::WriteOptions wo;
      wo.sync = true;
      rocksdb::Status s = db_->db->Write(wo, &batch);
      if (!s.ok()) return FromRocks(s, db_->path, "write rankings");
      batch.Clear();
      ranked_.insert(ranked_now.begin(), ranked_now.end());
      ranked_now.clear();
      return Status::Ok();
    };
    std::vector<RankedNeighbor> top;
    for (const auto& [key, marker] : pending_) {
      EntityId id;
      Direction dir;
      EdgeKind kind;
      const std::string_view key_view(key.data(), key.size());
      const rocksdb::Slice key_slice(key.data(), key.size());
      if (!DecodeGroupKey(key_view, &id, &dir, &kind)) continue;  // cannot happen: keys come from edge keys
      top.clear();
      uint64_t total = 0;
      bool rankable = ranked_.size() + ranked_now.size() < kMaxRankedGroups;
      bool done = false;  // ranked from its rerank state
      if (auto st = rerank_.find(key); rankable && st != rerank_.end()) {
        GUMSHOE_ASSIGN_OR_RETURN(auto reranked, Rerank(id, dir, kind, st->second));
        if (reranked) {
          total = reranked->first;
          top = std::move(reranked->second);
          rankable = total <= kMaxRankedGroupScan;
          done = true;
        }
      }
      if (rankable && !done) {
        GUMSHOE_RETURN_IF_ERROR(latest_.ScanRawEdges(id, dir, {kind}, [&](const RawEdge& e) {
          Result<EdgeStatsSummary> sum = DecodeEdgeStatsSummary(e.stats, TimeWindow{});
          if (++total > kMaxRankedGroupScan || !sum.ok()) {
            rankable = false;
            return false;
          }
          RankedNeighbor n{dir == Direction::kOut ? e.dst : e.src, sum->window_count};
          if (top.size() < kMaxRankedNeighbors) {
            top.push_back(n);
            std::push_heap(top.begin(), top.end(), better);
          } else if (better(n, top.front())) {
            std::pop_heap(top.begin(), top.end(), better);
            top.back() = n;
            std::push_heap(top.begin(), top.end(), better);
          }
          return true;
        }));
      }
      rocksdb::Status s;
      if (!rankable || total < kMinRankedGroup) {
        if (marker) s = batch.Delete(db_->cf[kGroups], key_slice);
      } else {
        if (!done) std::sort_heap(top.begin(), top.end(), better);
        s = batch.Put(db_->cf[kGroups], key_slice, EncodeRanking(total, top));
        ranked_now.push_back(key);
      }
      if (!s.ok()) return FromRocks(s, db_->path, "build ranking batch");
      if (batch.GetDataSize() >= kMaxRankingBatchBytes) GUMSHOE_RETURN_IF_ERROR(write());
    }
    GUMSHOE_RETURN_IF_ERROR(write());
    pending_.clear();
    return Status::Ok();
  }

  // Entities whose name entry (and id claim) this process has written (per
  // kind), with the fingerprint of their key, up to kMaxRememberedNames in
  // all; beyond that the entry is rewritten and the claim checked again.
  std::optional<uint64_t> NameWritten(const EntityId& id) const {
    const auto& map = names_written_[static_cast<size_t>(id.kind) % names_written_.size()];
    auto it = map.find(id.hash);
    if (it == map.end()) return std::nullopt;
    return it->second;
  }
  void RememberName(const EntityId& id, uint64_t fingerprint) {
    if (names_remembered_ >= kMaxRememberedNames) return;
    if (names_written_[static_cast<size_t>(id.kind) % names_written_.size()].emplace(id.hash, fingerprint).second) {
      ++names_remembered_;
    }
  }
  static constexpr size_t kMaxRememberedNames = 1u << 20;

  std::shared_ptr<DbHandle> db_;
  Hasher hasher_;
  ReadView latest_;
  void ReleaseApplyBuffers() {
    std::lock_guard<std::mutex> lock(apply_mu_);
    apply_arena_ = std::string();
    apply_batch_ = rocksdb::WriteBatch();
    apply_batch_reserved_ = 0;
  }

  std::mutex apply_mu_;  // guards Apply, its buffers, names_written_ and the ranking state below
  std::string apply_arena_;
  rocksdb::WriteBatch apply_batch_;
  size_t apply_batch_reserved_ = 0;
  std::array<std::unordered_map<uint64_t, uint64_t>, 256> names_written_;
  size_t names_remembered_ = 0;

  // Group rankings. A group with this many distinct neighbours written
  // between two Flushes is a candidate (see NoteWritten).
  static constexpr size_t kCandidateBatchEdges = 64;
  // Bounds: candidates waiting for Flush, groups ranked, edges read per
  // group, bytes per ranking write.
  static constexpr size_t kMaxPendingGroups = 1u << 16;
  static constexpr size_t kMaxRankedGroups = 1u << 14;
  static constexpr uint64_t kMaxRankedGroupScan = 1u << 24;
  static constexpr size_t kMaxRankingBatchBytes = 16u << 20;
  // Groups with a stored ranking (Apply replaces those it changes by a marker).
  std::set<GroupKey> ranked_;
  // Neighbours written since the last Flush to groups that are not
  // candidates yet; each list is shorter than kCandidateBatchEdges.
  struct GroupKeyHash {
    size_t operator()(const GroupKey& k) const {
      EntityId id;
      DecodeEntityId(std::string_view(k.data(), kEntityIdBytes), &id);  // (a group key always holds one)
      return EntityIdHash()(id) ^ (static_cast<size_t>(static_cast<uint8_t>(k[kEntityIdBytes])) << 7) ^
             static_cast<uint8_t>(k[kEntityIdBytes + 1]);
    }
  };
  std::unordered_map<GroupKey, std::vector<EntityId>, GroupKeyHash> fresh_;
  static constexpr size_t kMaxFreshGroups = 1u << 19;
  // Groups to rank on the next Flush, and whether a marker is stored for
  // them: dropped rankings (marker) and candidates (none).
  std::map<GroupKey, bool> pending_;
  // Rerank states of pending groups (see TrackReranks); their old tops and
  // written neighbours in all, at most kMaxRerankEntries and
  // kMaxRerankWritten. Past the second, no group is tracked until the next
  // Flush (rerank_off_): an ingest that writes that many neighbours of ranked
  // groups changes them so much that reading them whole is cheaper, and the
  // lookups would fill the block cache during the ingest.
  std::map<GroupKey, RerankState> rerank_;
  size_t rerank_entries_ = 0;
  size_t rerank_written_ = 0;
  bool rerank_off_ = false;
  static constexpr size_t kMaxRerankEntries = 1u << 18;
  static constexpr size_t kMaxRerankWritten = 1u << 14;
  // A group with more than 1/kRerankFraction of its edges (+ a candidate
  // batch) written is read whole: reading the written edges one by one (and
  // looking up whether each is new) costs more per edge than a scan.
  static constexpr uint64_t kRerankFraction = 32;
};

// ---------------------------------------------------------------------------
// Opening.

// Attempts of a read-only open racing a writer's file changes.
constexpr int kReadOnlyOpenAttempts = 8;

rocksdb::DBOptions MakeDbOptions(const RocksStoreOptions& options) {
  rocksdb::DBOptions o;
  o.create_if_missing = false;
  o.create_missing_column_families = false;
  o.max_background_jobs = 2;
  // Two flush and two compaction threads (from two jobs RocksDB makes one of
  // each): the final flush of an ingest writes every column family's
  // memtable at once, and a flush no longer waits behind another family's.
  // The threads mostly wait on each other; the ingest's readers keep both
  // cores busy either way.
  o.max_background_flushes = 2;
  o.max_background_compactions = 2;
  o.keep_log_file_num = 4;
  o.bytes_per_sync = 1u << 20;
  // Bound the WAL: families written rarely (meta) are flushed once the WAL
  // grows past this, so old log files can be deleted.
  o.max_total_wal_size = 4 * static_cast<uint64_t>(options.write_buffer_bytes);
  // All memtables together: each family may fill its own write buffer, but
  // not every family at once (ingest peak memory stays bounded at any size).
  o.db_write_buffer_size = 3 * static_cast<size_t>(options.write_buffer_bytes);
  // A read-only reader beside a running ingest opens every table file up
  // front, so a compaction that deletes files later cannot pull them away.
  if (options.read_only) o.max_open_files = -1;
  // Append-only memtables (bulk_load) take one writer at a time; Apply
  // serialises its writes anyway.
  if (options.bulk_load) o.allow_concurrent_memtable_write = false;
  // A log cut short by a crash (the last write not completed, so never
  // acknowledged) is expected and tolerated; damage anywhere else fails the
  // open instead of silently dropping everything after it, which RocksDB's
  // default (kPointInTimeRecovery) does. See OpenDb and allow_partial.
  o.wal_recovery_mode = rocksdb::WALRecoveryMode::kTolerateCorruptedTailRecords;
  return o;
}

rocksdb::ColumnFamilyOptions MakeCfOptions(Cf cf, const RocksStoreOptions& options,
                                           const std::shared_ptr<rocksdb::Cache>& cache) {
  rocksdb::ColumnFamilyOptions o;
  o.write_buffer_size = cf == kMeta ? std::min(kMetaWriteBufferBytes, options.write_buffer_bytes)
                                    : options.write_buffer_bytes;
  o.level_compaction_dynamic_level_bytes = true;
  if (options.bulk_load && !options.read_only && (cf == kEntities || cf == kNames || cf == kOutEdges || cf == kInEdges)) {
    o.memtable_factory = std::make_shared<rocksdb::VectorRepFactory>();
  }
  if (options.bulk_load && !options.read_only && (cf == kOutEdges || cf == kInEdges)) {
    // A lookup in an append-only memtable sorts a copy of it. Re-ranking looks
    // up edges the memtable does not hold (see RerankState): its bloom filter
    // answers those.
    o.memtable_prefix_bloom_size_ratio = 0.05;
    o.memtable_whole_key_filtering = true;
  }
  o.target_file_size_base = std::max<uint64_t>(options.write_buffer_bytes, 8u << 20);
  if (options.bulk_load && !options.read_only && (cf == kEntities || cf == kOutEdges || cf == kInEdges)) {
    // Keys are hashes, so every level-0 file overlaps the whole base level and
    // each L0 compaction rewrites all of it: gather twice the default number of
    // flushed files per compaction during a bulk load. (Record ids keep the
    // default: every ingested record probes each L0 file's bloom filter.)
    o.level0_file_num_compaction_trigger = 8;
  }

  const std::vector<rocksdb::CompressionType> supported = rocksdb::GetSupportedCompressions();
  auto has = [&](rocksdb::CompressionType t) {
    return std::find(supported.begin(), supported.end(), t) != supported.end();
  };
  if (has(rocksdb::kLZ4Compression)) {
    o.compression = rocksdb::kLZ4Compression;
  } else if (has(rocksdb::kSnappyCompression)) {
    o.compression = rocksdb::kSnappyCompression;
  } else {
    o.compression = rocksdb::kNoCompression;
  }
  if (has(rocksdb::kZSTD)) o.bottommost_compression = rocksdb::kZSTD;

  rocksdb::BlockBasedTableOptions t;
  if (cache) {
    t.block_cache = cache;
  } else {
    t.no_block_cache = true;
  }
  // Point lookups: record dedup on every ingested record, entity fetches.
  if (cf == kRecords || cf == kEntities) t.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  if (cf == kRecords) {
    // Almost every dedup lookup misses: a memtable bloom filter answers those
    // without searching the memtable's skip list.
    o.memtable_prefix_bloom_size_ratio = 0.05;
    o.memtable_whole_key_filtering = true;
    // Apply writes a delta's record ids in key order: each insert starts its
    // skip-list search where the previous one with the same first byte ended
    // (a few entries away) instead of at the top.
    o.memtable_insert_with_hint_prefix_extractor.reset(rocksdb::NewFixedPrefixTransform(1));
  }
  o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(t));

  if (cf == kEntities) o.merge_operator = std::make_shared<FoldMergeOperator<EntityMergeTraits>>();
  if (cf == kOutEdges || cf == kInEdges) o.merge_operator = std::make_shared<FoldMergeOperator<EdgeStatsMergeTraits>>();
  return o;
}

std::optional<Cf> CfByName(std::string_view name) {
  for (size_t i = 0; i < kNumCfs; ++i) {
    if (name == kCfNames[i]) return static_cast<Cf>(i);
  }
  return std::nullopt;
}

// Opens the column families `names` (must include "default"); families not in
// `names` get no handle. Creates the database and missing families when
// `create`.
Result<std::shared_ptr<DbHandle>> OpenDb(const std::string& path, const RocksStoreOptions& options,
                                         std::vector<std::string> names, bool create) {
  std::shared_ptr<rocksdb::Cache> cache;
  if (options.block_cache_bytes > 0) cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  rocksdb::DBOptions db_options = MakeDbOptions(options);
  db_options.create_if_missing = create;
  db_options.create_missing_column_families = create;

  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  auto handle = std::make_shared<DbHandle>();
  handle->cache = cache;
  for (const std::string& name : names) {
    std::optional<Cf> cf = CfByName(name);
    // Families this build does not know (a newer schema) open with defaults,
    // so the schema check can report the version.
    rocksdb::ColumnFamilyOptions cf_options = cf ? MakeCfOptions(*cf, options, cache) : rocksdb::ColumnFamilyOptions();
    descriptors.emplace_back(name, cf_options);
  }

  handle->path = path;
  handle->read_only = options.read_only;
  handle->min_free_bytes = options.read_only ? 0 : options.min_free_bytes;
  handle->id_for_testing = options.entity_id_for_testing;
  if (!options.read_only) {
    // RocksDB's own LOG writer aborts the process when written again after
    // a failed write (a full disk): log through one that drops such writes.
    std::error_code ec;
    if (create) fs::create_directories(path, ec);
    db_options.info_log = storage_internal::SafeFileLogger::Open(path);
  }
  auto open = [&](const rocksdb::DBOptions& o, bool read_only) {
    rocksdb::Status s;
    if (read_only) {
      // A writer's flush or compaction can replace the MANIFEST or delete a
      // table file between the moment a read-only open lists them and the
      // moment it opens them; such an open is retried on a fresh listing.
      for (int attempt = 0; attempt < kReadOnlyOpenAttempts; ++attempt) {
        handle->handles.clear();
        handle->db = nullptr;
        s = rocksdb::DB::OpenForReadOnly(o, path, descriptors, &handle->handles, &handle->db);
        if (s.ok() || !(s.IsIOError() || s.IsPathNotFound() || s.IsCorruption())) break;
        ::usleep(20000u << std::min(attempt, 4));
      }
    } else {
      handle->handles.clear();
      handle->db = nullptr;
      s = rocksdb::DB::Open(o, path, descriptors, &handle->handles, &handle->db);
    }
    if (!s.ok()) {
      handle->handles.clear();
      handle->db = nullptr;
    }
    return s;
  };
  rocksdb::Status s = open(db_options, options.read_only);
  if (s.IsCorruption() && !create) {
    // Damage that a point-in-time replay of the write-ahead log opens past
    // is in the log (table files and the MANIFEST are read the same way in
    // both modes). Probed read-only, so nothing changes on disk.
    rocksdb::DBOptions pit = db_options;
    pit.wal_recovery_mode = rocksdb::WALRecoveryMode::kPointInTimeRecovery;
    rocksdb::DBOptions probe_options = pit;
    probe_options.info_log = nullptr;
    std::vector<rocksdb::ColumnFamilyHandle*> probe_handles;
    rocksdb::DB* probe = nullptr;
    rocksdb::Status p = rocksdb::DB::OpenForReadOnly(probe_options, path, descriptors, &probe_handles, &probe);
    if (p.ok()) {
      for (auto* h : probe_handles) probe->DestroyColumnFamilyHandle(h);
      probe->Close().PermitUncheckedError();
      delete probe;
      if (!options.allow_partial) {
        return Status::Corruption("store " + path + ": the write-ahead log is damaged (" + s.ToString() +
                                  "): the writes logged after the damage cannot be read. `gumshoe check` "
                                  "reports the damage; --allow-partial opens what precedes it");
      }
      handle->partial_replay = true;
      handle->recovery_note = "the write-ahead log is damaged (" + s.ToString() +
                              "): it was replayed up to the damage; the writes logged after it are missing";
      s = open(pit, options.read_only);
    }
  }
  if (!s.ok()) return FromRocks(s, path, "open");
  for (size_t i = 0; i < names.size() && i < handle->handles.size(); ++i) {
    if (std::optional<Cf> cf = CfByName(names[i])) handle->cf[*cf] = handle->handles[i];
  }
  return handle;
}

// Whether the database has every gumshoe column family and no key in any
// column family.
Result<bool> IsBlank(const DbHandle& db) {
  for (size_t i = 0; i < kNumCfs; ++i) {
    if (db.cf[i] == nullptr && i != kGroups) return false;  // groups: added when missing
  }
  for (auto* cf : db.handles) {
    std::unique_ptr<rocksdb::Iterator> it(db.db->NewIterator(rocksdb::ReadOptions(), cf));
    it->SeekToFirst();
    if (it->Valid()) return false;
    if (!it->status().ok()) return FromRocks(it->status(), db.path, "read " + cf->GetName());
  }
  return true;
}

// Creates the groups family in a writable store that predates it.
Status AddMissingGroupsFamily(DbHandle& db, const RocksStoreOptions& options) {
  if (db.cf[kGroups] != nullptr) return Status::Ok();
  rocksdb::ColumnFamilyHandle* handle = nullptr;
  rocksdb::Status s = db.db->CreateColumnFamily(MakeCfOptions(kGroups, options, db.cache), kCfNames[kGroups], &handle);
  if (!s.ok()) return FromRocks(s, db.path, "create column family groups");
  db.handles.push_back(handle);
  db.cf[kGroups] = handle;
  return Status::Ok();
}

Result<int> ParseSchemaVersion(const std::string& path, const std::string& text) {
  int v = 0;
  const char* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(text.data(), end, v);
  if (text.size() > kMaxSchemaVersionBytes || ec != std::errc() || p != end) {
    return Status::Corruption("store " + path + ": unreadable schema_version '" +
                              text.substr(0, kMaxSchemaVersionBytes) + "'");
  }
  return v;
}

// Whether `path` holds a RocksDB database; an error when it cannot be a store.
Result<bool> ProbeDirectory(const std::string& path, const RocksStoreOptions& options) {
  std::error_code ec;
  fs::file_status st = fs::status(path, ec);
  if (ec && ec != std::errc::no_such_file_or_directory) {
    return Status::IoError("store " + path + ": " + ec.message());
  }
  ec.clear();  // "no such file" is an answer here, not an error
  bool missing = !fs::exists(st);
  if (!missing && !fs::is_directory(st)) {
    return Status::Corruption("store " + path + ": not a gumshoe store (not a directory)");
  }
  if (!missing && fs::exists(fs::path(path) / "CURRENT", ec)) return true;
  if (ec) return Status::IoError("store " + path + ": " + ec.message());
  bool empty = missing || fs::is_empty(path, ec);
  if (ec) return Status::IoError("store " + path + ": " + ec.message());
  if (!empty) {
    return Status::Corruption("store " + path + ": not a gumshoe store (directory has files but no RocksDB CURRENT)");
  }
  if (options.read_only || !options.create_if_missing) {
    return Status::NotFound("no gumshoe store at " + path);
  }
  return false;
}


// What VerifyMeta found.
struct MetaState {
  bool has_checksum = false;
  std::string partial_recovery;  // meta "partial_recovery", when set
};

// Checks the metadata checksum and that the hash key gives the stored IDs of
// the first and last names. Corruption names what does not match.
Result<MetaState> VerifyMeta(const DbHandle& db, const std::string& version_text, const std::string& key_bytes,
                             const Hasher& hasher) {
  ReadView view(&db, nullptr);
  MetaState state;
  const std::string refuse =
      "; refusing to open it: with another hash key every entity gets a new ID and a re-ingest forks the graph "
      "(`gumshoe check` reports the damage)";
  GUMSHOE_ASSIGN_OR_RETURN(std::optional<std::string> checksum, view.Get(kMeta, kMetaChecksumKey, "read meta_checksum"));
  if (checksum) {
    state.has_checksum = true;
    if (*checksum != storage_internal::MetaChecksum(version_text, key_bytes)) {
      return Status::Corruption("store " + db.path +
                                ": metadata damaged: meta_checksum does not match schema_version and hash_key" + refuse);
    }
  }
  if (db.cf[kNames] != nullptr) {
    std::unique_ptr<rocksdb::Iterator> it(db.db->NewIterator(rocksdb::ReadOptions(), db.cf[kNames]));
    for (int end = 0; end < 2; ++end) {
      if (end == 0) it->SeekToFirst(); else it->SeekToLast();
      if (!it->Valid()) break;
      std::string_view name = View(it->key());
      EntityId stored;
      if (name.empty() || !DecodeEntityId(View(it->value()), &stored)) {
        return Status::Corruption("store " + db.path + ": damaged names entry " + Hex(name.substr(0, 64)));
      }
      const auto kind = static_cast<EntityKind>(static_cast<uint8_t>(name[0]));
      if (db.IdOf(hasher, kind, name.substr(1)) != stored) {
        return Status::Corruption("store " + db.path + ": metadata damaged: the stored hash_key does not give the "
                                  "stored ID of " + std::string(EntityKindName(kind)) + " '" +
                                  PrintableText(name.substr(1, 200)) + "'" + refuse);
      }
    }
    if (!it->status().ok()) return FromRocks(it->status(), db.path, "read names");
  }
  GUMSHOE_ASSIGN_OR_RETURN(std::optional<std::string> note, view.Get(kMeta, kPartialRecoveryKey, "read meta"));
  if (note) state.partial_recovery = PrintableText(*note);
  return state;
}

std::string NowText() {
  time_t now = ::time(nullptr);
  struct tm t {};
  ::gmtime_r(&now, &t);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &t);
  return buf;
}

// Removes hidden ".<name>.creating-<pid>-<n>" directories next to `target`
// left by a creation that was killed: those whose process is gone and that
// have not changed for kStaleStagingSeconds, and any older than
// kAbandonedStagingSeconds (a pid can be reused, or belong to another pid
// namespace). Best effort: errors are ignored.
constexpr int64_t kStaleStagingSeconds = 10;
constexpr int64_t kAbandonedStagingSeconds = 3600;

void RemoveStaleStaging(const fs::path& target) {
  const std::string prefix = "." + target.filename().string() + ".creating-";
  std::error_code ec;
  fs::directory_iterator it(target.parent_path(), ec);
  if (ec) return;
  const auto now = fs::file_time_type::clock::now();
  for (const fs::directory_entry& entry : it) {
    const std::string name = entry.path().filename().string();
    if (!name.starts_with(prefix)) continue;
    std::error_code e;
    if (!entry.is_directory(e) || entry.is_symlink(e)) continue;
    auto mtime = fs::last_write_time(entry.path(), e);
    if (e) continue;
    const int64_t age = std::chrono::duration_cast<std::chrono::seconds>(now - mtime).count();
    long pid = 0;
    std::string_view rest = std::string_view(name).substr(prefix.size());
    auto [p, perr] = std::from_chars(rest.data(), rest.data() + rest.size(), pid);
    const bool parsed = perr == std::errc() && p != rest.data() && p < rest.data() + rest.size() && *p == '-' && pid > 0;
    const bool gone = parsed && pid != ::getpid() && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH;
    if ((gone && age >= kStaleStagingSeconds) || age >= kAbandonedStagingSeconds) fs::remove_all(entry.path(), e);
  }
}

}  // namespace

// Creates a complete, empty store at `path` atomically: it is built in a
// hidden sibling directory (column families and meta written and synced),
// closed, and renamed into place. A process killed at any point leaves either
// no store or a whole one (plus, at worst, a hidden ".<name>.creating-*"
// directory, which nothing reads and the next creation next to it removes:
// RemoveStaleStaging).
Status CreateStoreAtomically(const std::string& path, const RocksStoreOptions& options) {
  fs::path target = fs::absolute(fs::path(path)).lexically_normal();
  if (!target.has_filename()) target = target.parent_path();
  std::error_code ec;
  fs::create_directories(target.parent_path(), ec);
  if (ec) return Status::IoError("store " + path + ": cannot create directory: " + ec.message());
  RemoveStaleStaging(target);
  HashKey nonce = Hasher::RandomKey();
  fs::path staging = target.parent_path() / ("." + target.filename().string() + ".creating-" +
                                             std::to_string(::getpid()) + "-" + std::to_string(nonce.k0 % 1000000));
  fs::remove_all(staging, ec);
  std::vector<std::string> names = {rocksdb::kDefaultColumnFamilyName};
  for (const char* name : kCfNames) names.emplace_back(name);
  {
    RocksStoreOptions create_options = options;
    create_options.read_only = false;
    Result<std::shared_ptr<DbHandle>> db = OpenDb(staging.string(), create_options, names, /*create=*/true);
    if (!db.ok()) {
      fs::remove_all(staging, ec);
      return db.status();
    }
    rocksdb::WriteBatch batch;
    const std::string key_bytes = EncodeHashKey(Hasher::RandomKey());
    rocksdb::Status s = batch.Put((*db)->cf[kMeta], kSchemaVersionKey, std::to_string(kSchemaVersion));
    if (s.ok()) s = batch.Put((*db)->cf[kMeta], kHashKeyKey, key_bytes);
    if (s.ok()) {
      s = batch.Put((*db)->cf[kMeta], kMetaChecksumKey,
                    storage_internal::MetaChecksum(std::to_string(kSchemaVersion), key_bytes));
    }
    rocksdb::WriteOptions wo;
    wo.sync = true;
    if (s.ok()) s = (*db)->db->Write(wo, &batch);
    if (s.ok()) s = (*db)->db->Flush(rocksdb::FlushOptions(), (*db)->handles);
    if (!s.ok()) {
      fs::remove_all(staging, ec);
      return FromRocks(s, path, "write meta");
    }
  }  // closes the staging store
  fs::rename(staging, target, ec);
  if (ec) {
    fs::remove_all(staging, ec);
    // Another process may have created the store meanwhile; opening decides.
    if (fs::exists(target / "CURRENT")) return Status::Ok();
    return Status::IoError("store " + path + ": cannot create: " + ec.message());
  }
  return Status::Ok();
}

Result<std::unique_ptr<GraphStore>> OpenRocksStore(const std::string& path, const RocksStoreOptions& options) {
  GUMSHOE_ASSIGN_OR_RETURN(bool exists, ProbeDirectory(path, options));
  if (!exists) {
    GUMSHOE_RETURN_IF_ERROR(CreateStoreAtomically(path, options));
    exists = true;
  }

  std::vector<std::string> names;
  rocksdb::Status listed = rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), path, &names);
  if (!listed.ok()) return FromRocks(listed, path, "list column families");
  if (std::find(names.begin(), names.end(), kCfNames[kMeta]) == names.end()) {
    return Status::Corruption("store " + path + ": not a gumshoe store (no meta column family)");
  }

  GUMSHOE_ASSIGN_OR_RETURN(std::shared_ptr<DbHandle> db, OpenDb(path, options, names, false));
  ReadView view(db.get(), nullptr);

  std::optional<std::string> version_text;
  if (exists) {
    GUMSHOE_ASSIGN_OR_RETURN(version_text, view.Get(kMeta, kSchemaVersionKey, "read schema_version"));
  }
  bool initialize = !exists;
  if (exists && !version_text) {
    // Either not ours, or a creation interrupted before its meta write: only
    // a database with every gumshoe family and no data at all is adopted.
    GUMSHOE_ASSIGN_OR_RETURN(bool blank, IsBlank(*db));
    if (!blank || options.read_only) {
      return Status::Corruption("store " + path + ": not a gumshoe store (no schema_version in meta)");
    }
    initialize = true;
  }

  HashKey key;
  if (initialize) {
    GUMSHOE_RETURN_IF_ERROR(AddMissingGroupsFamily(*db, options));
    key = Hasher::RandomKey();
    rocksdb::WriteBatch batch;
    rocksdb::Status s = batch.Put(db->cf[kMeta], kSchemaVersionKey, std::to_string(kSchemaVersion));
    if (s.ok()) s = batch.Put(db->cf[kMeta], kHashKeyKey, EncodeHashKey(key));
    if (s.ok()) {
      s = batch.Put(db->cf[kMeta], kMetaChecksumKey,
                    storage_internal::MetaChecksum(std::to_string(kSchemaVersion), EncodeHashKey(key)));
    }
    rocksdb::WriteOptions wo;
    wo.sync = true;
    if (s.ok()) s = db->db->Write(wo, &batch);
    if (!s.ok()) return FromRocks(s, path, "write meta");
  } else {
    GUMSHOE_ASSIGN_OR_RETURN(int version, ParseSchemaVersion(path, *version_text));
    if (version < kOldestReadableSchemaVersion || version > kSchemaVersion) {
      return Status::Incompatible("store " + path + ": schema version " + std::to_string(version) +
                                  ", this build reads " + std::to_string(kOldestReadableSchemaVersion) + " to " +
                                  std::to_string(kSchemaVersion));
    }
    for (size_t i = 0; i < kNumCfs; ++i) {
      // Stores older than kGroupsSchemaVersion have no groups family: a
      // writable open adds it below, a read-only one reads without rankings
      // (also when it listed the families just before a writer added it).
      if (db->cf[i] == nullptr && !(i == kGroups && (version < kGroupsSchemaVersion || options.read_only))) {
        return Status::Corruption("store " + path + ": damaged (column family " + kCfNames[i] + " is missing)");
      }
    }
    GUMSHOE_ASSIGN_OR_RETURN(std::optional<std::string> key_bytes, view.Get(kMeta, kHashKeyKey, "read hash_key"));
    if (!key_bytes || key_bytes->size() != kHashKeyBytes) {
      return Status::Corruption("store " + path + ": damaged (meta hash_key missing or not " +
                                std::to_string(kHashKeyBytes) + " bytes)");
    }
    key.k0 = GetBigEndian64(key_bytes->data());
    key.k1 = GetBigEndian64(key_bytes->data() + 8);
    GUMSHOE_ASSIGN_OR_RETURN(MetaState meta, VerifyMeta(*db, *version_text, *key_bytes, Hasher(key)));
    if (!options.read_only) GUMSHOE_RETURN_IF_ERROR(AddMissingGroupsFamily(*db, options));
    if ((version < kSchemaVersion || !meta.has_checksum) && !options.read_only) {
      // A sound older store: this build writes newer values, so an older
      // build must refuse it from now on. A store written before the
      // metadata checksum gets one (its hash key was just cross-checked).
      rocksdb::WriteOptions wo;
      wo.sync = true;
      rocksdb::WriteBatch batch;
      rocksdb::Status s = batch.Put(db->cf[kMeta], kSchemaVersionKey, std::to_string(kSchemaVersion));
      if (s.ok()) {
        s = batch.Put(db->cf[kMeta], kMetaChecksumKey,
                      storage_internal::MetaChecksum(std::to_string(kSchemaVersion), *key_bytes));
      }
      if (s.ok()) s = db->db->Write(wo, &batch);
      if (!s.ok()) return FromRocks(s, path, "write schema_version");
    }
    if (!meta.partial_recovery.empty()) {
      db->recovery_note += (db->recovery_note.empty() ? "" : "; ") + meta.partial_recovery;
    }
  }
  if (db->partial_replay && !options.read_only) {
    // This open dropped logged writes: later opens must say so too.
    rocksdb::WriteOptions wo;
    wo.sync = true;
    std::string note = "an earlier open (" + NowText() + ") replayed a damaged write-ahead log up to the damage; "
                       "the writes logged after it were lost unless the same inputs were ingested again";
    rocksdb::Status s = db->db->Put(wo, db->cf[kMeta], kPartialRecoveryKey, note);
    if (!s.ok()) return FromRocks(s, path, "write partial_recovery");
  }
  auto store = std::make_unique<RocksStore>(std::move(db), Hasher(key));
  GUMSHOE_RETURN_IF_ERROR(store->LoadRankings());
  return std::unique_ptr<GraphStore>(std::move(store));
}

Status CompactRocksStore(GraphStore& store) {
  auto* rocks = dynamic_cast<RocksStore*>(&store);
  if (rocks == nullptr) return Status::InvalidArgument("CompactRocksStore: not a store opened by OpenRocksStore");
  return rocks->Compact();
}

std::string RocksStoreRecoveryNote(const GraphStore& store) {
  const auto* rocks = dynamic_cast<const RocksStore*>(&store);
  return rocks == nullptr ? std::string() : rocks->recovery_note();
}

Result<StoreCheckReport> CheckRocksStore(const std::string& path) {
  StoreCheckReport report;
  auto add = [&](std::string what, bool ok, std::string detail) {
    report.items.push_back(StoreCheckReport::Item{std::move(what), ok, std::move(detail)});
  };
  RocksStoreOptions options;
  options.read_only = true;
  options.create_if_missing = false;
  options.allow_partial = true;
  options.block_cache_bytes = 8u << 20;
  GUMSHOE_ASSIGN_OR_RETURN(bool exists, ProbeDirectory(path, options));
  if (!exists) return Status::NotFound("no gumshoe store at " + path);

  std::vector<std::string> names;
  rocksdb::Status listed = rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), path, &names);
  if (!listed.ok()) {
    add("column families", false, FromRocks(listed, path, "list column families").message());
    return report;
  }
  {
    std::vector<std::string> missing, unknown;
    for (size_t i = 0; i < kNumCfs; ++i) {
      if (std::find(names.begin(), names.end(), kCfNames[i]) == names.end()) missing.emplace_back(kCfNames[i]);
    }
    for (const std::string& n : names) {
      if (n != rocksdb::kDefaultColumnFamilyName && !CfByName(n)) unknown.push_back(PrintableText(n));
    }
    std::string detail = std::to_string(names.size()) + " families";
    // A store older than the groups family lacks it (a writable open adds it).
    bool ok = missing.empty() || (missing.size() == 1 && missing[0] == kCfNames[kGroups]);
    for (const auto& m : missing) detail += ", missing " + m;
    for (const auto& u : unknown) detail += ", unknown " + u;
    add("column families", ok && unknown.empty(), detail);
    if (std::find(names.begin(), names.end(), kCfNames[kMeta]) == names.end()) return report;
  }

  Result<std::shared_ptr<DbHandle>> opened = OpenDb(path, options, names, false);
  if (!opened.ok()) {
    add("open (write-ahead log, MANIFEST, table files)", false, opened.status().message());
    return report;
  }
  std::shared_ptr<DbHandle> db = std::move(opened).value();
  add("write-ahead log", !db->partial_replay, db->partial_replay ? db->recovery_note : "replays whole");

  ReadView view(db.get(), nullptr);
  Result<std::optional<std::string>> version_text = view.Get(kMeta, kSchemaVersionKey, "read schema_version");
  Result<std::optional<std::string>> key_bytes = view.Get(kMeta, kHashKeyKey, "read hash_key");
  bool meta_ok = false;
  if (!version_text.ok() || !*version_text) {
    add("schema version", false, version_text.ok() ? "no schema_version in meta" : version_text.status().message());
  } else {
    Result<int> v = ParseSchemaVersion(path, **version_text);
    if (!v.ok()) {
      add("schema version", false, v.status().message());
    } else {
      bool readable = *v >= kOldestReadableSchemaVersion && *v <= kSchemaVersion;
      add("schema version", readable,
          std::to_string(*v) + (readable ? "" : ", this build reads " + std::to_string(kOldestReadableSchemaVersion) +
                                                    " to " + std::to_string(kSchemaVersion)));
      meta_ok = readable;
    }
  }
  if (!key_bytes.ok() || !*key_bytes || (*key_bytes)->size() != kHashKeyBytes) {
    add("metadata", false,
        key_bytes.ok() ? "hash_key missing or not " + std::to_string(kHashKeyBytes) + " bytes"
                       : key_bytes.status().message());
  } else if (meta_ok) {
    HashKey key{GetBigEndian64((*key_bytes)->data()), GetBigEndian64((*key_bytes)->data() + 8)};
    Result<MetaState> meta = VerifyMeta(*db, **version_text, **key_bytes, Hasher(key));
    if (!meta.ok()) {
      add("metadata", false, meta.status().message());
    } else {
      add("metadata", true,
          std::string(meta->has_checksum ? "checksum matches" : "no checksum (written by an older build)") +
              ", hash key gives the stored IDs");
      if (!meta->partial_recovery.empty()) add("recovery history (note)", true, meta->partial_recovery);
    }
  }

  rocksdb::Status verified = db->db->VerifyChecksum(rocksdb::ReadOptions());
  add("table file checksums", verified.ok(), verified.ok() ? "all blocks match" : verified.ToString());

  // Every value decodes (merged values through the merge operators).
  auto scan = [&](Cf cf, const char* what, const std::function<Status(std::string_view, std::string_view)>& decode) {
    if (db->cf[cf] == nullptr) return;
    uint64_t n = 0, bad = 0;
    std::string first_bad;
    std::unique_ptr<rocksdb::Iterator> it(db->db->NewIterator(rocksdb::ReadOptions(), db->cf[cf]));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      ++n;
      Status st = decode(View(it->key()), View(it->value()));
      if (!st.ok() && bad++ == 0) first_bad = Hex(View(it->key()).substr(0, 32)) + ": " + st.message();
    }
    std::string detail = std::to_string(n) + " entries";
    if (bad > 0) detail += ", " + std::to_string(bad) + " undecodable (first " + first_bad + ")";
    if (!it->status().ok()) {
      detail += ", scan stopped: " + it->status().ToString();
      bad = std::max<uint64_t>(bad, 1);
    }
    add(what, bad == 0, detail);
  };
  scan(kEntities, "entities", [](std::string_view, std::string_view v) { return DecodeEntity(v).status(); });
  scan(kNames, "names", [](std::string_view, std::string_view v) {
    EntityId id;
    return DecodeEntityId(v, &id) ? Status::Ok() : Status::Corruption("not an entity id");
  });
  for (Cf cf : {kOutEdges, kInEdges}) {
    scan(cf, kCfNames[cf], [](std::string_view k, std::string_view v) {
      EntityId a, b;
      EdgeKind kind;
      if (!DecodeEdgeKey(k, &a, &kind, &b)) return Status::Corruption("not an edge key");
      return DecodeEdgeStats(v).status();
    });
  }
  return report;
}

}  // namespace gumshoe
