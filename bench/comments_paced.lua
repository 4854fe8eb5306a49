-- comments_paced.lua - bench/comments.lua at a set pace, for latency below
-- saturation.
--
-- wrk keeps every connection busy: at saturation a request waits for the
-- ones queued before it, so latency = connections / throughput whatever the
-- server does. Here each connection pauses between an answer and its next
-- request, so the offered load stays below capacity and the latencies show
-- the service time (wrk starts a request's clock after the pause). Pauses
-- are exponentially distributed around the mean, so the connections do not
-- fire in lock-step bursts (arrivals are close to a Poisson stream).
-- Arguments (after `--`): site, API key, run tag, mean pause in ms. Run from
-- the repository root (the base script is loaded by relative path).

dofile("bench/comments.lua")

local base_init = init
local mean_ms = 0
local MAX_FACTOR = 10  -- cap a pause at 10 x the mean: no connection idles long

function init(args)
  base_init(args)
  mean_ms = math.max(0, tonumber(args[4]) or 0)
end

function delay()
  local u = math.random()
  if u < 1e-9 then u = 1e-9 end
  return math.floor(math.min(-math.log(u), MAX_FACTOR) * mean_ms + 0.5)
end
