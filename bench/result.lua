-- wrk done() hook shared by this folder's scripts: one machine-readable line (latencies in µs).
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d rps=%.2f p50_us=%d p99_us=%d err_status=%d err_other=%d\n",
    summary.requests, summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(99), e.status, e.connect + e.read + e.write + e.timeout))
end
