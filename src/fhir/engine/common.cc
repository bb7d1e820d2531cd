#include "fhir/engine/common.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <ctime>

#include "core/random.h"
#include "fhir/compartment.h"
#include "fhir/operation_outcome.h"
#include "fhir/reference.h"
#include "fhir/search_params.h"

namespace tessera::fhir::engine {

http::Response fhir_response(http::Status status, std::string body) {
  return http::make_response(status, std::move(body), kFhirJson);
}

http::Response problem_response(const Problem& problem) {
  // Diagnostics may quote request text (a parameter name, a path segment) that is not valid
  // UTF-8 once %-decoded: replace such bytes instead of failing the dump.
  return fhir_response(problem.status,
                       operation_outcome("error", problem.code, problem.diagnostics)
                           .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

std::int64_t now_ms(const core::Clock& clock) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock.now().time_since_epoch())
      .count();
}

namespace {
std::tm utc(std::int64_t epoch_ms) {
  std::int64_t secs = epoch_ms / 1000;
  if (epoch_ms < 0 && epoch_ms % 1000 != 0) --secs;
  const auto t = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return tm;
}
}  // namespace

std::string format_instant(std::int64_t epoch_ms) {
  const std::tm tm = utc(epoch_ms);
  const auto millis = static_cast<int>(((epoch_ms % 1000) + 1000) % 1000);
  std::array<char, 96> buf{};  // room for any int, so -Wformat-truncation is satisfied
  std::snprintf(buf.data(), buf.size(), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
  return buf.data();
}

std::string http_date(std::int64_t epoch_ms) {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  // The last answer per thread: a resource read again has the same Last-Modified.
  const std::int64_t second = epoch_ms >= 0 ? epoch_ms / 1000 : (epoch_ms - 999) / 1000;
  thread_local std::int64_t memo_second = INT64_MIN;
  thread_local std::string memo;
  if (second == memo_second) return memo;
  const std::tm tm = utc(epoch_ms);
  std::array<char, 96> buf{};  // room for any int, so -Wformat-truncation is satisfied
  std::snprintf(buf.data(), buf.size(), "%s, %02d %s %04d %02d:%02d:%02d GMT",
                kDays[tm.tm_wday % 7], tm.tm_mday, kMonths[tm.tm_mon % 12], tm.tm_year + 1900,
                tm.tm_hour, tm.tm_min, tm.tm_sec);
  memo_second = second;
  memo = buf.data();
  return memo;
}

std::string weak_etag(std::int64_t version) { return "W/\"" + std::to_string(version) + "\""; }

std::string new_resource_id() {
  std::vector<unsigned char> b = core::default_random().bytes(16);
  b[6] = static_cast<unsigned char>((b[6] & 0x0F) | 0x40);
  b[8] = static_cast<unsigned char>((b[8] & 0x3F) | 0x80);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < b.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kHex[b[i] >> 4]);
    out.push_back(kHex[b[i] & 15]);
  }
  return out;
}

bool is_patient_data_type(std::string_view type) {
  return type == "Device" || in_patient_compartment_type(type);
}

std::vector<std::string> data_patients(const nlohmann::json& resource) {
  if (!resource.is_object()) return {};
  auto rt = resource.find("resourceType");
  if (rt != resource.end() && rt->is_string() && rt->get_ref<const std::string&>() == "Device") {
    std::vector<std::string> out;
    auto p = resource.find("patient");
    if (p != resource.end() && p->is_object()) {
      auto ref = p->find("reference");
      if (ref != p->end() && ref->is_string()) {
        auto parsed = parse_reference(ref->get_ref<const std::string&>());
        if (parsed && parsed->type == "Patient") out.push_back(std::move(parsed->id));
      }
    }
    return out;
  }
  return compartment_patients(resource);
}

int json_depth(std::string_view text) {
  int depth = 0;
  int max_depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      max_depth = std::max(max_depth, ++depth);
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return max_depth;
}

store::ResourceWrite prepare_write(nlohmann::json& resource, const std::string& type,
                                   const std::string& id, std::int64_t version,
                                   std::int64_t now_ms) {
  resource["id"] = id;
  nlohmann::json& meta = resource["meta"];
  if (!meta.is_object()) meta = nlohmann::json::object();
  meta["versionId"] = std::to_string(version);
  meta["lastUpdated"] = format_instant(now_ms);

  store::ResourceWrite w;
  w.type = type;
  w.id = id;
  w.json = resource.dump();
  for (IndexEntry& e : extract_index(resource)) {
    if (e.param == "_id") continue;
    w.index.push_back({std::move(e.param), std::move(e.system), std::move(e.value), e.low, e.high});
  }
  w.compartment = data_patients(resource);
  w.last_updated_ms = now_ms;
  w.expected_version = version - 1;
  return w;
}

}  // namespace tessera::fhir::engine
