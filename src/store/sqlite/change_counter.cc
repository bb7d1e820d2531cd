#include "store/sqlite/change_counter.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace tessera::store::sqlite {
namespace {
constexpr std::size_t kSize = sizeof(std::uint64_t);
static_assert(std::atomic_ref<std::uint64_t>::is_always_lock_free,
              "a counter shared between processes must be lock-free");

std::atomic_ref<std::uint64_t> counter(void* map) {
  return std::atomic_ref<std::uint64_t>(*static_cast<std::uint64_t*>(map));
}
}  // namespace

std::unique_ptr<ChangeCounter> ChangeCounter::local() {
  return std::unique_ptr<ChangeCounter>(new ChangeCounter());
}

std::unique_ptr<ChangeCounter> ChangeCounter::open(const std::string& db_path) {
  const std::string path = db_path + "-epoch";
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return nullptr;
  struct stat st {};
  // Two processes creating it at once both extend it to 8 zero bytes: harmless.
  bool ok =
      ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
      (st.st_size >= static_cast<off_t>(kSize) || ::ftruncate(fd, static_cast<off_t>(kSize)) == 0);
  void* map = ok ? ::mmap(nullptr, kSize, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) : MAP_FAILED;
  ::close(fd);  // the mapping keeps the file
  if (map == MAP_FAILED) return nullptr;
  std::unique_ptr<ChangeCounter> c(new ChangeCounter());
  c->map_ = map;
  return c;
}

ChangeCounter::~ChangeCounter() {
  if (map_) ::munmap(map_, kSize);
}

std::uint64_t ChangeCounter::load() const {
  return map_ ? counter(map_).load(std::memory_order_acquire)
              : local_.load(std::memory_order_acquire);
}

void ChangeCounter::bump() {
  if (map_)
    counter(map_).fetch_add(1, std::memory_order_acq_rel);
  else
    local_.fetch_add(1, std::memory_order_acq_rel);
}

}  // namespace tessera::store::sqlite
