-- wrk: POST as post.lua does, and print the tail percentiles wrk's --latency leaves out.
dofile(os.getenv("R5_BENCH_DIR") .. "/post.lua")

function done(summary, latency, requests)
  for _, p in ipairs({50, 99, 99.9, 99.99}) do
    io.write(string.format("tail %g %.3f\n", p, latency:percentile(p) / 1000.0))
  end
  io.write(string.format("tail max %.3f\n", latency.max / 1000.0))
end
