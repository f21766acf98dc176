-- wrk -s get.lua URL -- SESSIONS PATHS
-- GETs the paths listed in the file PATHS (one a line), in turn, with the session cookie.
package.path = debug.getinfo(1, "S").source:match("^@(.*/)") .. "?.lua;" .. package.path
local common = require("common")
local sessions
local paths = {}
local counter = 0

function init(args)
  sessions = common.read_sessions(args[1])
  for line in io.lines(args[2]) do table.insert(paths, line) end
end

function request()
  counter = counter + 1
  local s = sessions[(counter % #sessions) + 1]
  local headers = { ["Accept-Encoding"] = "gzip" }
  if s[1] ~= "" then headers["Cookie"] = s[1] end
  return wrk.format("GET", paths[(counter % #paths) + 1], headers)
end

function done(summary, latency, requests)
  common.report(summary, latency)
end
