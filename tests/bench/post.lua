-- wrk: POST the body and headers given in the environment.
wrk.method = "POST"
wrk.body = os.getenv("R5_BENCH_BODY")
wrk.headers["Content-Type"] = "application/json"
local token = os.getenv("R5_BENCH_TOKEN")
if token and token ~= "" then
  wrk.headers["Authorization"] = "Bearer " .. token
end
