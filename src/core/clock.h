// Clock: injected everywhere time matters, so tests need no sleeps.
#pragma once

#include <chrono>
#include <cstdint>

namespace tessera::core {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::chrono::system_clock::time_point now() const = 0;
  std::int64_t now_seconds() const {
    return std::chrono::duration_cast<std::chrono::seconds>(now().time_since_epoch()).count();
  }
};

class SystemClock final : public Clock {
 public:
  std::chrono::system_clock::time_point now() const override {
    return std::chrono::system_clock::now();
  }
};

// For tests: time moves only when told.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(std::int64_t epoch_seconds = 1'700'000'000)
      : t_(std::chrono::seconds(epoch_seconds)) {}
  std::chrono::system_clock::time_point now() const override { return t_; }
  void advance(std::chrono::seconds d) { t_ += d; }

 private:
  std::chrono::system_clock::time_point t_;
};

}  // namespace tessera::core
