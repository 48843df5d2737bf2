-- wrk script: POST /v1/sandbox/inbound, a contact (one of 1,000) writing to the sandbox number.
-- The key comes from the environment (BENCH_KEY).
local key = os.getenv("BENCH_KEY")
local counter = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. key

request = function()
  counter = counter + 1
  local from = string.format("+1415557%04d", 5000 + counter % 1000)
  local body = '{"from":"' .. from .. '","to_handle":"+18005550100","text":"hello from a contact"}'
  return wrk.format(nil, "/v1/sandbox/inbound", nil, body)
end
