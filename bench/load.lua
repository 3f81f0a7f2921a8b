-- wrk script of the load suite (bench/bench.py drives it; see README "Performance").
--
-- Environment:
--   BENCH_TOKENS   file of bearer tokens, one a line; none = no Authorization header
--   BENCH_MODE     "rotate": each request takes the next token of the first BENCH_WARM ones
--                  (default all), threads starting apart; "once": each token exactly once
--                  (cold cache), split between threads, then the thread stops
--   BENCH_WARM     tokens to rotate over
--   BENCH_THREADS  wrk's -t (to split tokens between threads)
--   BENCH_RESULT   file the summary is written to, as JSON
-- Status classes are counted per thread and summed in done().

local threads = {}
local nsetup = 0

function setup(thread)
  thread:set("id", nsetup)
  table.insert(threads, thread)
  nsetup = nsetup + 1
end

local tokens = {}
local mode = os.getenv("BENCH_MODE") or "rotate"
local nthreads = tonumber(os.getenv("BENCH_THREADS") or "1")
local pool = 0
local issued = 0
local answered = 0
local share = 0
local plain = nil
s2xx, s429, s4xx, s5xx, sother = 0, 0, 0, 0, 0

function init(args)
  local path = os.getenv("BENCH_TOKENS")
  if path and path ~= "" then
    for line in io.lines(path) do
      if line ~= "" then
        table.insert(tokens, line)
      end
    end
  end
  pool = #tokens
  local warm = tonumber(os.getenv("BENCH_WARM") or "0")
  if warm > 0 and warm < pool then
    pool = warm
  end
  if mode == "once" then
    -- this thread's tokens: id+1, id+1+nthreads, ...
    share = math.floor((#tokens - id + nthreads - 1) / nthreads)
  end
  issued = id * 7919
  plain = wrk.format()
end

local function with_token(i)
  return wrk.format(nil, nil, { ["Authorization"] = "Bearer " .. tokens[i] })
end

function request()
  if #tokens == 0 then
    return plain
  end
  if mode == "once" then
    local n = issued - id * 7919
    local i
    if n < share then
      i = id + n * nthreads + 1
      issued = issued + 1
    else
      -- in flight until this thread stops: reuse the thread's last token (a warm hit)
      i = id + (share - 1) * nthreads + 1
    end
    return with_token(i)
  end
  issued = issued + 1
  return with_token((issued % pool) + 1)
end

function response(status, headers, body)
  if status >= 200 and status < 300 then
    s2xx = s2xx + 1
  elseif status == 429 then
    s429 = s429 + 1
  elseif status >= 400 and status < 500 then
    s4xx = s4xx + 1
  elseif status >= 500 then
    s5xx = s5xx + 1
  else
    sother = sother + 1
  end
  if mode == "once" then
    answered = answered + 1
    if answered >= share then
      wrk.thread:stop()
    end
  end
end

function done(summary, latency, requests)
  local c = { s2xx = 0, s429 = 0, s4xx = 0, s5xx = 0, sother = 0 }
  for _, t in ipairs(threads) do
    for k, _ in pairs(c) do
      c[k] = c[k] + (t:get(k) or 0)
    end
  end
  local e = summary.errors
  local out = string.format(
    '{"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"p50":%d,"p90":%d,"p99":%d,"mean":%.1f,"max":%d},' ..
    '"status":{"2xx":%d,"429":%d,"4xx":%d,"5xx":%d,"other":%d}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.mean, latency.max,
    c.s2xx, c.s429, c.s4xx, c.s5xx, c.sother)
  local f = io.open(os.getenv("BENCH_RESULT"), "w")
  f:write(out)
  f:close()
end
