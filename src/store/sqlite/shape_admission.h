// ShapeAdmission: which search SQL texts may enter sqlite::Database's per-connection statement
// cache. Search SQL binds every value, so its text is the query's shape (which parameters, how
// many values, which sort); an app sends a handful of shapes again and again. That cache never
// evicts, so admission is bounded: the first `max_shapes` distinct texts (each at most
// `max_bytes` long) are admitted for the life of the process, any other text is prepared for one
// use. Each connection then holds at most max_shapes search statements. Thread-safe.
#pragma once

#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_set>

namespace tessera::store::sqlite {

class ShapeAdmission {
 public:
  ShapeAdmission(std::size_t max_shapes, std::size_t max_bytes)
      : max_shapes_(max_shapes), max_bytes_(max_bytes) {}

  // True if `sql` is (now) an admitted shape.
  bool admit(std::string_view sql) {
    if (sql.size() > max_bytes_) return false;
    std::lock_guard lock(mu_);
    if (shapes_.find(sql) != shapes_.end()) return true;
    if (shapes_.size() >= max_shapes_) return false;
    shapes_.emplace(sql);
    return true;
  }

  std::size_t size() {
    std::lock_guard lock(mu_);
    return shapes_.size();
  }

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  const std::size_t max_shapes_;
  const std::size_t max_bytes_;
  std::mutex mu_;
  std::unordered_set<std::string, Hash, std::equal_to<>> shapes_;
};

// The process-wide admission of SqliteStore::search_resources.
inline constexpr std::size_t kMaxSearchShapes = 64;
inline constexpr std::size_t kMaxSearchShapeBytes = 4096;
inline ShapeAdmission& search_shapes() {
  static ShapeAdmission shapes(kMaxSearchShapes, kMaxSearchShapeBytes);
  return shapes;
}

}  // namespace tessera::store::sqlite
