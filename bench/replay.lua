-- Replays the requests in the file named by $REQUESTS (PATH<TAB>BODY per line). Thread k of
-- $THREADS sends lines k, k+THREADS, … so no two threads send the same message; a thread that
-- runs out starts over (those are then WeChat-style retries, answered from the de-dup record).
local requests = {}
local next_index = 1
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end

function init(args)
  local threads = tonumber(os.getenv("THREADS") or "1")
  local file = assert(io.open(os.getenv("REQUESTS"), "r"))
  local n = 0
  for line in file:lines() do
    if n % threads == id then
      local tab = line:find("\t", 1, true)
      requests[#requests + 1] = wrk.format("POST", line:sub(1, tab - 1), {["Content-Type"] = "text/xml"}, line:sub(tab + 1))
    end
    n = n + 1
  end
  file:close()
end

function request()
  local r = requests[next_index]
  next_index = next_index % #requests + 1
  return r
end

function done(summary, latency, requests_)
  io.write(string.format("errors: non-2xx %d, socket %d\n", summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
