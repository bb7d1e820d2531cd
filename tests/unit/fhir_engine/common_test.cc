// The engine's small formatting helpers.
#include "fhir/engine/common.h"

#include <gtest/gtest.h>

#include <thread>

namespace tessera::fhir::engine {
namespace {

TEST(HttpDate, FormatsRfc7231AndRemembersOnlyTheSameSecond) {
  EXPECT_EQ(http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
  EXPECT_EQ(http_date(999), "Thu, 01 Jan 1970 00:00:00 GMT");  // same second: the memo
  EXPECT_EQ(http_date(1000), "Thu, 01 Jan 1970 00:00:01 GMT");
  EXPECT_EQ(http_date(1'700'000'000'123), "Tue, 14 Nov 2023 22:13:20 GMT");
  EXPECT_EQ(http_date(-1), "Wed, 31 Dec 1969 23:59:59 GMT");  // not the memo of second 0
  EXPECT_EQ(http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
  std::thread other([] { EXPECT_EQ(http_date(86'400'000), "Fri, 02 Jan 1970 00:00:00 GMT"); });
  other.join();
  EXPECT_EQ(http_date(999), "Thu, 01 Jan 1970 00:00:00 GMT");  // per-thread memo untouched
}

}  // namespace
}  // namespace tessera::fhir::engine
