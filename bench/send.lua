-- wrk script: POST /v1/messages to one of 1,000 sandbox recipients (so 1,000 threads, not one FIFO lane).
-- The key comes from the environment (MSGBUBBLES_BENCH_KEY).
local key = os.getenv("MSGBUBBLES_BENCH_KEY")
local counter = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. key

request = function()
  counter = counter + 1
  local to = string.format("+1415556%04d", counter % 1000)
  local body = '{"to":"' .. to .. '","from_handle":"+18005550100","text":"benchmark message ' .. counter .. '"}'
  return wrk.format(nil, "/v1/messages", nil, body)
end
