#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "fhir/search_params.h"

namespace tessera::fhir {
namespace {

struct RangeCase {
  const char* text;
  std::int64_t low;
  std::int64_t high;
};

TEST(ParseDateRange, DatePrecisionCoversTheWholeUnit) {
  const RangeCase cases[] = {
      {"2019", 1546300800, 1577836800 - 1},            // whole year
      {"2019-02", 1548979200, 1551398400 - 1},         // February, 28 days
      {"2020-02", 1580515200, 1583020800 - 1},         // leap February, 29 days
      {"2019-02-03", 1549152000, 1549152000 + 86399},  // one UTC day
      {"2000-02-29", 951782400, 951782400 + 86399},    // leap day (divisible by 400)
      {"1970", 0, 31536000 - 1},
      {"1900-03-01", -2203891200, -2203891200 + 86399},
      {"0001-01-01", -62135596800, -62135596800 + 86399},
      {"9999-12-31", 253402300799 - 86399, 253402300799},
  };
  for (const RangeCase& c : cases) {
    auto r = parse_date_range(c.text);
    ASSERT_TRUE(r.has_value()) << c.text;
    EXPECT_EQ(r->first, c.low) << c.text;
    EXPECT_EQ(r->second, c.high) << c.text;
  }
}

TEST(ParseDateRange, DateTimesAndInstantsWithZones) {
  const std::int64_t t = 1549188672;  // 2019-02-03T10:11:12Z
  const RangeCase cases[] = {
      {"2019-02-03T10:11:12Z", t, t},
      {"2019-02-03T10:11:12+00:00", t, t},
      {"2019-02-03T10:11:12-00:00", t, t},
      {"2019-02-03T12:11:12+02:00", t, t},
      {"2019-02-03T05:11:12-05:00", t, t},
      {"2019-02-04T00:11:12+14:00", t, t},
      {"2019-02-03T10:11:12.925Z", t, t},  // fractions truncated
      {"2019-02-03T05:11:12.123456789-05:00", t, t},
      {"2019-02-03T10:11:12", t, t},               // no zone: UTC
      {"2019-02-03T10:11Z", t - 12, t - 12 + 59},  // minute precision (search values)
      {"2019-02-03T10:11", t - 12, t - 12 + 59},
      {"2019-02-03T10:11:60Z", t + 47, t + 47},  // leap second counted as :59
      {"1970-01-01T00:00:00Z", 0, 0},
      {"1969-12-31T23:59:59Z", -1, -1},
      {"1970-01-01T00:00:00+01:00", -3600, -3600},
      {"9999-12-31T23:59:59Z", 253402300799, 253402300799},
      {"2010-05-22T04:03:42.925-04:00", 1274515422, 1274515422},  // Synthea instant
  };
  for (const RangeCase& c : cases) {
    auto r = parse_date_range(c.text);
    ASSERT_TRUE(r.has_value()) << c.text;
    EXPECT_EQ(r->first, c.low) << c.text;
    EXPECT_EQ(r->second, c.high) << c.text;
  }
}

TEST(ParseDateRange, RejectsMalformedValues) {
  for (const char* text : {
           "",
           "2",
           "19",
           "201",
           "20190",
           "0000",
           "abcd",
           "-2019",
           "+2019",
           " 2019",
           "2019 ",
           "2019-",
           "2019-1",
           "2019-001",
           "2019-00",
           "2019-13",
           "2019/02",
           "2019-02-",
           "2019-02-1",
           "2019-02-00",
           "2019-02-29",
           "2020-02-30",
           "2019-04-31",
           "1900-02-29",
           "2019-02-3T",
           "2019-02-03T",
           "2019-02-03T10",
           "2019-02-03T10Z",
           "2019-02-03T10:1Z",
           "2019-02-03T24:00:00Z",
           "2019-02-03T10:60:00Z",
           "2019-02-03T10:11:61Z",
           "2019-02-03T10:11:1Z",
           "2019-02-03T10:11:12.Z",
           "2019-02-03T10:11:12,5Z",
           "2019-02-03 10:11:12Z",
           "2019-02-03t10:11:12Z",
           "2019-02-03T10:11:12z",
           "2019-02-03T10:11:12+0200",
           "2019-02-03T10:11:12+02",
           "2019-02-03T10:11:12+2:00",
           "2019-02-03T10:11:12+14:30",
           "2019-02-03T10:11:12+15:00",
           "2019-02-03T10:11:12+02:60",
           "2019-02-03T10:11:12ZZ",
           "2019-02-03T10:11:12Z ",
           "2019-02-03T10:11:12Zjunk",
           "2019-02-03Z",
           "2019-02Z",
           "2019Z",
           "2019-02-03+02:00",
           "\xEF\xBC\x92\xEF\xBC\x90\xEF\xBC\x91\xEF\xBC\x99",  // full-width digits
       }) {
    EXPECT_FALSE(parse_date_range(text).has_value()) << '"' << text << '"';
  }
  EXPECT_FALSE(parse_date_range(std::string("2019\0", 5)).has_value());
}

}  // namespace
}  // namespace tessera::fhir
