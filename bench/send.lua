-- wrk script: POST /v1/messages to one of 1,000 sandbox recipients (so 1,000 threads, not one FIFO lane).
-- The key comes from the environment (BENCH_KEY).
local key = os.getenv("BENCH_KEY")
local counter = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. key

request = function()
  counter = counter + 1
  -- last four digits 5000-5999: default sandbox recipients (on iMessage; sent, delivered, read)
  local to = string.format("+1415556%04d", 5000 + counter % 1000)
  local body = '{"to":"' .. to .. '","from_handle":"+18005550100","text":"benchmark message ' .. counter .. '"}'
  return wrk.format(nil, "/v1/messages", nil, body)
end
