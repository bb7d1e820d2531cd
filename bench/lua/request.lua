-- wrk script for every workload: one fixed request, precomputed by wrk (no Lua per request), so
-- the load generator costs the same for every server. Parameters come from the environment:
--   BENCH_METHOD  GET or POST (default POST)
--   BENCH_BODY    request body (POST), sent as application/x-www-form-urlencoded
--   BENCH_AUTH    Authorization header value (optional)
--   BENCH_TOKENS  file with one token per line: each request then introspects the next one
--                 (body "token=<t>"), cycling; requests are formatted once, at start-up
--   BENCH_STRICT  1: also count every non-2xx answer (costs a Lua call per response; smoke runs)
-- done() prints one line "BENCH {json}" that bench/run.sh parses.
local method = os.getenv("BENCH_METHOD") or "POST"
local body = os.getenv("BENCH_BODY")
local auth = os.getenv("BENCH_AUTH")
local tokens_file = os.getenv("BENCH_TOKENS")
local strict = os.getenv("BENCH_STRICT") == "1"

wrk.method = method
if auth and auth ~= "" then wrk.headers["Authorization"] = auth end
if method == "POST" then
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
  wrk.body = body or ""
end

if tokens_file and tokens_file ~= "" then
  local reqs = {}
  for line in io.lines(tokens_file) do
    if line ~= "" then reqs[#reqs + 1] = wrk.format(nil, nil, nil, "token=" .. line) end
  end
  local i = 0
  request = function()
    i = i % #reqs + 1
    return reqs[i]
  end
end

non2xx = 0
if strict then
  response = function(status, headers, body)
    if status < 200 or status > 299 then non2xx = non2xx + 1 end
  end
end

local threads = {}
function setup(thread) table.insert(threads, thread) end

function done(summary, latency, requests)
  local bad = 0
  for _, t in ipairs(threads) do bad = bad + (t:get("non2xx") or 0) end
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests":%d,"duration_us":%d,"bytes":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,' ..
    '"mean_us":%.1f,"max_us":%d,"err_connect":%d,"err_read":%d,"err_write":%d,' ..
    '"err_status":%d,"err_timeout":%d,"non2xx":%d,"strict":%s}\n',
    summary.requests, summary.duration, summary.bytes, latency:percentile(50),
    latency:percentile(90), latency:percentile(99), latency.mean, latency.max, e.connect, e.read,
    e.write, e.status, e.timeout, bad, strict and "true" or "false"))
end
