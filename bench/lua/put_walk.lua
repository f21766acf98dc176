-- wrk -s put_walk.lua URL -- SESSIONS PATH_PREFIX
-- Each request logs a new walk with its own UUID: PUT PATH_PREFIX<uuid>, JSON body,
-- the session cookie and the x-csrftoken header, taking the signed-in sessions in turn.
package.path = debug.getinfo(1, "S").source:match("^@(.*/)") .. "?.lua;" .. package.path
local common = require("common")
local sessions, prefix, run_id
local counter = 0
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("thread_no", threads)
end

function init(args)
  sessions = common.read_sessions(args[1])
  prefix = args[2]
  math.randomseed(os.time() * 1000 + (thread_no or 0))
  run_id = math.random(0, 0x7fffffff)
end

function request()
  counter = counter + 1
  local s = sessions[(counter % #sessions) + 1]
  local id = string.format("%08x-%04x-4%03x-a%03x-%012x", run_id, thread_no or 0,
    math.random(0, 0xfff), math.random(0, 0xfff), counter)
  local distance = math.random(100, 600)
  local walked_at = os.date("!%Y-%m-%dT%H:%M:%S+00:00", os.time() - math.random(60, 7200))
  local body = string.format(
    '{"type":"walk","id":"%s","walked_at":"%s","distance_m":%d,"pain_onset_m":%d,' ..
    '"stopped_by_pain":true,"relief":"stood_still","relief_minutes":3,"pain_sites":["calf"],' ..
    '"side":"left","sensations":["cramping"],"terrain":"flat","pain_score":4,"source":"manual","note":""}',
    id, walked_at, distance, math.floor(distance * 0.7))
  local headers = { ["Content-Type"] = "application/json" }
  if s[1] ~= "" then headers["Cookie"] = s[1] end
  if s[2] ~= "" then headers["x-csrftoken"] = s[2] end
  return wrk.format("PUT", prefix .. id, headers, body)
end

function done(summary, latency, requests)
  common.report(summary, latency)
end
