-- Load script for wrk: the request comes from the environment, the figures go out as one JSON line.
wrk.method = os.getenv("WRK_METHOD") or "GET"
local body = os.getenv("WRK_BODY")
if body and #body > 0 then
  wrk.body = body
  wrk.headers["Content-Type"] = "application/json"
end

-- Status changes: WRK_CASES lists case ids (the URL ends with "/cases/"); request n moves case n mod #ids to
-- the first of WRK_STATUSES on even passes over the list and to the second on odd ones. The list is longer than
-- the connections, so each case's previous change has been answered before its next is sent.
local cases = os.getenv("WRK_CASES")
if cases and #cases > 0 then
  local ids, statuses, base, sent = {}, {}, wrk.path, 0
  for id in string.gmatch(cases, "[^,]+") do ids[#ids + 1] = id end
  for status in string.gmatch(os.getenv("WRK_STATUSES") or "", "[^,]+") do statuses[#statuses + 1] = status end
  wrk.headers["Content-Type"] = "application/json"
  request = function()
    local id, pass = ids[sent % #ids + 1], math.floor(sent / #ids)
    sent = sent + 1
    local change = '{"status": "' .. statuses[pass % #statuses + 1] .. '"}'
    return wrk.format("POST", base .. id .. "/status", nil, change)
  end
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "non_2xx": %d, "socket_errors": %d, "p50_us": %d, "p99_us": %d}\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
