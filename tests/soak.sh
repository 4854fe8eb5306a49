#!/bin/sh
# soak.sh - one-off memory soak: ~1 million mixed requests against the
# optimised build/modq (wrk + a Lua request mix), VmRSS sampled every few
# seconds; prints first/last/max RSS. Not part of `make test`.
#
# Usage: tests/soak.sh [TARGET_REQUESTS] [MAX_SECONDS]
#   defaults 1000000 requests, at most 180 s of load. Needs wrk, redis-server.
# Everything runs on 127.0.0.1 in a temp dir and is stopped at exit.
set -u
cd "$(dirname "$0")/.." || exit 1
TARGET=${1:-1000000}
MAXSECS=${2:-180}
CHUNK=15                      # seconds per wrk run; totals are summed
BIN=${MODQ_BIN:-build/modq}
[ -x "$BIN" ] || { echo "soak: build $BIN first (make build/modq)"; exit 1; }
command -v wrk >/dev/null || { echo "soak: wrk missing (apt-get install wrk)"; exit 1; }
TMP=$(mktemp -d /tmp/modq-soak.XXXXXX)
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
RPORT=$(port); MPORT=$(port)
KEY=soak-client-key-0123456789
RPID=""; MPID=""; SPID=""
cleanup() {
    [ -n "$SPID" ] && kill "$SPID" 2>/dev/null
    [ -n "$MPID" ] && kill -TERM "$MPID" 2>/dev/null && wait "$MPID" 2>/dev/null
    [ -n "$RPID" ] && kill "$RPID" 2>/dev/null && wait "$RPID" 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT INT TERM
redis-server --port "$RPORT" --bind 127.0.0.1 --dir "$TMP" --save "" --appendonly no \
    --daemonize no --logfile "$TMP/redis.log" &
RPID=$!
MODQ_LISTEN=127.0.0.1:$MPORT MODQ_REDIS_URL=redis://127.0.0.1:$RPORT/0 \
MODQ_CLIENT_KEYS=$KEY MODQ_MODERATOR_KEYS=soak:soak-moderator-key-0123456789 \
MODQ_SPOOL_DIR=$TMP/spool MODQ_THREADS=2 MODQ_LOG_LEVEL=warn \
MODQ_AUTH_FAIL_LIMIT=0 MODQ_THRESHOLD_REJECT=1.0 \
    "$BIN" > "$TMP/modq.log" 2>&1 &
MPID=$!
for _ in $(seq 1 100); do
    curl -s "http://127.0.0.1:$MPORT/healthz" >/dev/null 2>&1 && break
    sleep 0.1
done
for a in $(seq 0 49); do
    curl -s -o /dev/null -X PUT -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
        -d "{\"title\":\"Council approves bicycle lanes $a\",\"body\":\"The city council voted to build protected bicycle lanes along Main Street; parking and deliveries change in spring. Article $a.\",\"tags\":[\"cycling\"]}" \
        "http://127.0.0.1:$MPORT/v1/sites/soak/articles/a$a"
done

cat > "$TMP/mix.lua" <<LUA
-- request mix: new and repeated comments (40k ids, so Redis stays small
-- while the first pass runs the whole engine), reads, health, metrics,
-- article updates, and the error paths (malformed JSON, bad UTF-8, 401, 404)
local key = "$KEY"
local n = 0
local tid = 0
local threads = 0
function setup(thread) thread:set("tid", threads); threads = threads + 1 end
function init(args) n = tid * 1000003 end
local spam = "CHECK OUT MY CHANNEL subscribe http://bit.ly/x%d http://cheap-pills.example/%d earn money"
local ham = "The bicycle lanes on Main Street are a good idea, comment %d about parking and deliveries."
local hj = { ["Authorization"] = "Bearer " .. key, ["Content-Type"] = "application/json" }
local hb = { ["Authorization"] = "Bearer wrong-key-0123456789abc" }
request = function()
  n = n + 1
  local k = n % 20
  local id = n % 40000
  if k < 8 then
    local text = (id % 3 == 0) and string.format(spam, id, id) or string.format(ham, id)
    local body = string.format('{"id":"s%d","article_id":"a%d","text":"%s","author":{"name":"u%d","email":"u%d@example.org","ip":"10.0.%d.%d"}}',
      id, id % 50, text, id % 997, id % 997, id % 250, id % 200)
    return wrk.format("POST", "/v1/sites/soak/comments", hj, body)
  elseif k < 11 then
    return wrk.format("GET", "/v1/sites/soak/comments/s" .. id, hj)
  elseif k < 14 then
    return wrk.format("GET", "/healthz")
  elseif k == 14 then
    return wrk.format("POST", "/v1/sites/soak/comments", hj, '{"article_id":"a1","text":')
  elseif k == 15 then
    return wrk.format("POST", "/v1/sites/soak/comments", hj, '{"article_id":"a1","text":"bad \255\254","author":{"name":"x"}}')
  elseif k == 16 then
    return wrk.format("GET", "/v1/sites/soak/comments/s1", hb)
  elseif k == 17 then
    return wrk.format("GET", "/v1/nothing/here")
  elseif k == 18 and n % 200 == 18 then
    return wrk.format("GET", "/metrics")
  else
    return wrk.format("PUT", "/v1/sites/soak/articles/a" .. (id % 50), hj,
      string.format('{"title":"Council approves bicycle lanes %d","body":"The city council voted to build protected bicycle lanes along Main Street. Update %d.","tags":["cycling"]}', id % 50, n))
  end
end
LUA

rss() { awk '/^VmRSS/ {print $2}' "/proc/$MPID/status" 2>/dev/null; }
( while kill -0 "$MPID" 2>/dev/null; do
      echo "$(date +%s) $(rss)" >> "$TMP/rss.txt"; sleep 3
  done ) &
SPID=$!
echo "soak: modq pid $MPID, start RSS $(rss) kB, target $TARGET requests"
total=0; non2xx=0; errors=0; t0=$(date +%s)
while [ "$total" -lt "$TARGET" ] && [ $(( $(date +%s) - t0 )) -lt "$MAXSECS" ]; do
    wrk -t2 -c16 -d${CHUNK}s -s "$TMP/mix.lua" "http://127.0.0.1:$MPORT" > "$TMP/wrk.out" 2>&1
    req=$(awk '/requests in/ {print $1}' "$TMP/wrk.out")
    bad=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$TMP/wrk.out")
    err=$(awk '/Socket errors:/ {print $0}' "$TMP/wrk.out")
    total=$((total + ${req:-0})); non2xx=$((non2xx + ${bad:-0}))
    [ -n "$err" ] && errors=$((errors + 1)) && echo "soak: $err"
    echo "soak: $total requests after $(( $(date +%s) - t0 ))s, RSS $(rss) kB"
done
secs=$(( $(date +%s) - t0 ))
kill -0 "$MPID" 2>/dev/null || { echo "soak: modq died"; tail -20 "$TMP/modq.log"; exit 1; }
echo "soak: RSS samples (kB):"
awk '{printf "%s ", $2} END {print ""}' "$TMP/rss.txt"
awk -v total="$total" -v secs="$secs" -v non2xx="$non2xx" '
  NR == 1 {first = $2} {last = $2; if ($2 > max) max = $2}
  NR == 3 {warm = $2}
  END {printf "soak: %d requests in %ds (%.0f/s), %d non-2xx (4xx by design), RSS first %d kB, after warm-up %d kB, last %d kB, max %d kB\n",
       total, secs, total / secs, non2xx, first, warm, last, max}' "$TMP/rss.txt"
