-- comments_paced.lua - bench/comments.lua at a set pace, for latency below
-- saturation.
--
-- wrk keeps every connection busy: at saturation a request waits for the
-- ones queued before it, so latency = connections / throughput whatever the
-- server does. Here each connection pauses between an answer and its next
-- request, so the offered load stays below capacity and the latencies show
-- the service time (wrk starts a request's clock after the pause).
-- Arguments (after `--`): site, API key, run tag, pause in ms. Run from the
-- repository root (the base script is loaded by relative path).

dofile("bench/comments.lua")

local base_init = init
local pause_ms = 0

function init(args)
  base_init(args)
  pause_ms = math.max(0, math.floor(tonumber(args[4]) or 0))
end

function delay()
  return pause_ms
end
