// parse_date_range: FHIR R4 date/dateTime/instant precision ranges.
#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>

#include "fhir/search_params.h"

namespace tessera::fhir {
namespace {

constexpr std::int64_t kDay = 86400;

bool is_leap(std::int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

std::int64_t days_in_month(std::int64_t y, std::int64_t m) {
  constexpr std::int64_t kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : kDays[m - 1];
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
std::int64_t days_from_civil(std::int64_t y, std::int64_t m, std::int64_t d) {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const std::int64_t yoe = y - era * 400;
  const std::int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

class Cursor {
 public:
  explicit Cursor(std::string_view s) : s_(s) {}
  bool done() const { return i_ == s_.size(); }
  bool peek(char c) const { return i_ < s_.size() && s_[i_] == c; }
  bool eat(char c) {
    if (!peek(c)) return false;
    ++i_;
    return true;
  }
  // Exactly n decimal digits.
  std::optional<std::int64_t> digits(std::size_t n) {
    if (s_.size() - i_ < n) return std::nullopt;
    std::int64_t v = 0;
    for (std::size_t k = 0; k < n; ++k) {
      char c = s_[i_ + k];
      if (c < '0' || c > '9') return std::nullopt;
      v = v * 10 + (c - '0');
    }
    i_ += n;
    return v;
  }
  // One or more digits (fraction of a second); value ignored.
  bool skip_digits() {
    std::size_t start = i_;
    while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') ++i_;
    return i_ > start;
  }

 private:
  std::string_view s_;
  std::size_t i_ = 0;
};

}  // namespace

std::optional<std::pair<std::int64_t, std::int64_t>> parse_date_range(std::string_view text) {
  Cursor c(text);
  auto year = c.digits(4);
  if (!year || *year < 1) return std::nullopt;
  if (c.done()) {
    const std::int64_t lo = days_from_civil(*year, 1, 1) * kDay;
    return std::pair{lo, days_from_civil(*year + 1, 1, 1) * kDay - 1};
  }
  if (!c.eat('-')) return std::nullopt;
  auto month = c.digits(2);
  if (!month || *month < 1 || *month > 12) return std::nullopt;
  if (c.done()) {
    const std::int64_t lo = days_from_civil(*year, *month, 1) * kDay;
    return std::pair{lo, lo + days_in_month(*year, *month) * kDay - 1};
  }
  if (!c.eat('-')) return std::nullopt;
  auto day = c.digits(2);
  if (!day || *day < 1 || *day > days_in_month(*year, *month)) return std::nullopt;
  const std::int64_t day_start = days_from_civil(*year, *month, *day) * kDay;
  if (c.done()) return std::pair{day_start, day_start + kDay - 1};

  if (!c.eat('T')) return std::nullopt;
  auto hour = c.digits(2);
  if (!hour || *hour > 23 || !c.eat(':')) return std::nullopt;
  auto minute = c.digits(2);
  if (!minute || *minute > 59) return std::nullopt;
  std::int64_t second = 0;
  std::int64_t width = 60;  // minute precision unless seconds are given
  if (c.eat(':')) {
    auto s = c.digits(2);
    if (!s || *s > 60) return std::nullopt;
    second = *s == 60 ? 59 : *s;  // leap second: R4's regex allows :60
    width = 1;
    if (c.eat('.') && !c.skip_digits()) return std::nullopt;
  }
  std::int64_t offset = 0;
  if (c.eat('Z')) {
  } else if (c.peek('+') || c.peek('-')) {
    const bool minus = c.peek('-');
    c.eat(minus ? '-' : '+');
    auto oh = c.digits(2);
    if (!oh || !c.eat(':')) return std::nullopt;
    auto om = c.digits(2);
    if (!om || *om > 59 || *oh > 14 || (*oh == 14 && *om != 0)) return std::nullopt;
    offset = (*oh * 60 + *om) * 60 * (minus ? -1 : 1);
  }
  if (!c.done()) return std::nullopt;
  const std::int64_t t = day_start + *hour * 3600 + *minute * 60 + second - offset;
  return std::pair{t, t + width - 1};
}

}  // namespace tessera::fhir
