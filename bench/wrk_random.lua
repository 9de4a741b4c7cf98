-- wrk script for bench/run.py: every request GETs a path drawn at random from a file.
--
--   wrk --latency -t2 -c32 -d15s -s bench/wrk_random.lua http://127.0.0.1:8081 -- paths.txt 42
--
-- paths.txt holds one request path a line (already percent-encoded); the optional second
-- argument seeds the random choice (each wrk thread adds its own index to it). The requests are
-- formatted once per thread in init(), so request() only draws a number. done() prints one line
-- "WRK_JSON {...}" with the totals, socket errors and latency percentiles (microseconds), which
-- run.py parses instead of wrk's human-readable summary.

local thread_count = 0

function setup(thread)
  thread_count = thread_count + 1
  thread:set("thread_index", thread_count)
end

local requests = {}
local count = 0

function init(args)
  local file = args[1]
  if file == nil then
    error("usage: wrk ... -s wrk_random.lua URL -- PATHS_FILE [SEED]")
  end
  for line in io.lines(file) do
    if #line > 0 then
      count = count + 1
      requests[count] = wrk.format("GET", line)
    end
  end
  if count == 0 then
    error("no paths in " .. file)
  end
  local seed = tonumber(args[2] or "1") or 1
  math.randomseed(seed * 1000 + (thread_index or 0))
end

function request()
  return requests[math.random(count)]
end

function done(summary, latency, requests_)
  local e = summary.errors
  local function pct(p)
    return latency:percentile(p)
  end
  io.write(string.format(
    'WRK_JSON {"duration_us":%d,"requests":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"min":%d,"mean":%.1f,"stdev":%.1f,"p50":%d,"p75":%d,"p90":%d,' ..
    '"p95":%d,"p99":%d,"p99.9":%d,"max":%d}}\n',
    summary.duration, summary.requests, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.min, latency.mean, latency.stdev, pct(50), pct(75), pct(90),
    pct(95), pct(99), pct(99.9), latency.max))
end
