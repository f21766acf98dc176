-- Shared by the wrk scripts: read the session file, report results as one JSON line.
-- Each line of the session file: "<Cookie header>\t<CSRF token>" (the token may be empty).
local M = {}

function M.read_sessions(path)
  local sessions = {}
  if path == nil or path == "-" then
    return { { "", "" } }
  end
  for line in io.lines(path) do
    local cookie, token = line:match("^([^\t]*)\t?(.*)$")
    table.insert(sessions, { cookie, token })
  end
  return sessions
end

function M.report(summary, latency)
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests":%d,"duration_us":%d,"status_errors":%d,"socket_errors":%d,"timeouts":%d,' ..
    '"p50_ms":%.3f,"p95_ms":%.3f,"p99_ms":%.3f,"max_ms":%.3f,"mean_ms":%.3f}\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write, e.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, latency.mean / 1000))
end

return M
