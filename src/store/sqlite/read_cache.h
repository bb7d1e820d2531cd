// ReadCache: a bounded in-memory cache of records read from the database, valid while a
// ChangeCounter keeps the value it had when they were read. Two generations (a new one starts
// when the current one is full; a hit in the old one moves the entry forward), so the hot set
// stays and memory is bounded by 2 × capacity entries. Thread-safe (one mutex: the critical
// section is a hash lookup and a copy).
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace tessera::store::sqlite {

template <class V>
class ReadCache {
 public:
  explicit ReadCache(std::size_t capacity) : capacity_(capacity) {}

  // The cached value for key, if it was stored under `epoch` (the counter's value now).
  std::optional<V> get(std::string_view key, std::uint64_t epoch) {
    std::lock_guard lock(mu_);
    sync(epoch);
    if (auto it = hot_.find(key); it != hot_.end()) return it->second;
    auto it = cold_.find(key);
    if (it == cold_.end()) return std::nullopt;
    V v = it->second;
    auto node = cold_.extract(it);
    insert_hot(std::move(node.key()), std::move(node.mapped()));
    return v;
  }

  // Stores value read from the database after the counter showed `read_epoch`; ignored when the
  // counter has moved since (`epoch` is its value now), as the read may predate that change.
  void put(std::string key, V value, std::uint64_t read_epoch, std::uint64_t epoch) {
    if (capacity_ == 0 || read_epoch != epoch) return;
    std::lock_guard lock(mu_);
    sync(epoch);
    cold_.erase(key);
    insert_hot(std::move(key), std::move(value));
  }

  std::size_t size() {
    std::lock_guard lock(mu_);
    return hot_.size() + cold_.size();
  }

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using Map = std::unordered_map<std::string, V, Hash, std::equal_to<>>;

  // Drops everything when the counter moved.
  void sync(std::uint64_t epoch) {
    if (epoch != epoch_) {
      hot_.clear();
      cold_.clear();
      epoch_ = epoch;
    }
  }
  void insert_hot(std::string key, V value) {
    if (hot_.size() >= capacity_) {
      cold_ = std::move(hot_);
      hot_ = Map();
    }
    hot_.insert_or_assign(std::move(key), std::move(value));
  }

  std::size_t capacity_;
  std::mutex mu_;
  std::uint64_t epoch_ = 0;
  Map hot_, cold_;
};

}  // namespace tessera::store::sqlite
