#!/bin/sh
# run.sh - `make run`: a private redis-server under ./var (AOF on) unless
# MODQ_REDIS_URL is set, local API keys generated once under ./var, then
# modq in the foreground on MODQ_LISTEN (default 127.0.0.1:8080).
set -e
cd "$(dirname "$0")/.."
VAR="$PWD/var"
mkdir -p "$VAR/redis" "$VAR/spool"
chmod 700 "$VAR"
if [ ! -f "$VAR/keys.env" ]; then
    ck=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
    mk=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
    umask 077
    printf 'MODQ_CLIENT_KEYS=%s\nMODQ_MODERATOR_KEYS=moderator:%s\n' "$ck" "$mk" > "$VAR/keys.env"
    echo "run: generated local API keys in var/keys.env"
fi
. "$VAR/keys.env"
# a keys.env holding a moderator key without its NAME: prefix runs it as
# "moderator" (moderator_keys entries are NAME:KEY)
case $MODQ_MODERATOR_KEYS in
    *:*) ;;
    *) MODQ_MODERATOR_KEYS="moderator:$MODQ_MODERATOR_KEYS" ;;
esac
export MODQ_CLIENT_KEYS MODQ_MODERATOR_KEYS
export MODQ_SPOOL_DIR="${MODQ_SPOOL_DIR:-$VAR/spool}"
export MODQ_LISTEN="${MODQ_LISTEN:-127.0.0.1:8080}"
REDIS_PID=""
# redis-cli -p PORT ..., bounded: whatever holds the port may never answer
rcli() { timeout 2 redis-cli -p "$@"; }
# Start the private redis-server on port $1 and wait until that process --
# not another server on the same port -- answers. 0: up; 1: the port is
# taken; 2: it failed otherwise; 3: a redis-server on that port already
# uses var/redis (left over from an earlier run: two on one AOF would
# corrupt it).
start_redis() {
    if rcli "$1" ping >/dev/null 2>&1; then
        dir=$(rcli "$1" config get dir 2>/dev/null | sed -n 2p)
        [ "$dir" = "$VAR/redis" ] && return 3
        return 1
    fi
    : > "$VAR/redis/redis.log"
    redis-server --port "$1" --bind 127.0.0.1 --dir "$VAR/redis" \
        --appendonly yes --appendfsync everysec --daemonize no \
        --save "" --logfile "$VAR/redis/redis.log" &
    REDIS_PID=$!
    i=0
    while kill -0 "$REDIS_PID" 2>/dev/null; do
        pid=$(rcli "$1" info server 2>/dev/null | tr -d '\r' | sed -n 's/^process_id://p')
        [ "$pid" = "$REDIS_PID" ] && return 0
        i=$((i + 1)); [ $i -gt 50 ] && break
        sleep 0.1
    done
    kill "$REDIS_PID" 2>/dev/null || true
    wait "$REDIS_PID" 2>/dev/null || true
    REDIS_PID=""
    grep -q "Address already in use" "$VAR/redis/redis.log" && return 1
    return 2
}
if [ -z "${MODQ_REDIS_URL:-}" ]; then
    # an explicit MODQ_REDIS_PORT must be free; the default moves up to a
    # free port (the data stays in var/redis whatever the port)
    port=${MODQ_REDIS_PORT:-6390}
    last=$port
    [ -z "${MODQ_REDIS_PORT:-}" ] && last=$((port + 20))
    while :; do
        rc=0
        start_redis "$port" || rc=$?
        [ $rc -eq 0 ] && break
        if [ $rc -eq 2 ]; then
            echo "run: redis-server did not start (see var/redis/redis.log)" >&2
            exit 1
        fi
        if [ $rc -eq 3 ]; then
            echo "run: a redis-server on 127.0.0.1:$port already uses var/redis (an earlier" \
                 "run's?): stop it (redis-cli -p $port shutdown) and run again" >&2
            exit 1
        fi
        if [ "$port" -ge "$last" ]; then
            if [ -n "${MODQ_REDIS_PORT:-}" ]; then
                echo "run: 127.0.0.1:$port (MODQ_REDIS_PORT) is taken by another process: not" \
                     "using it; free it or set another MODQ_REDIS_PORT (or MODQ_REDIS_URL)" >&2
            else
                echo "run: ports 127.0.0.1:${MODQ_REDIS_PORT:-6390}-$last are all taken; set" \
                     "MODQ_REDIS_PORT or MODQ_REDIS_URL" >&2
            fi
            exit 1
        fi
        echo "run: 127.0.0.1:$port is taken by another process; trying $((port + 1))"
        port=$((port + 1))
    done
    export MODQ_REDIS_URL="redis://127.0.0.1:$port/0"
    echo "run: private redis-server on 127.0.0.1:$port (data in var/redis, AOF on)"
fi
trap '[ -n "$REDIS_PID" ] && kill "$REDIS_PID" 2>/dev/null; exit 0' INT TERM EXIT
cat <<MSG

modq on http://$MODQ_LISTEN
  client key:    $MODQ_CLIENT_KEYS
  moderator key: ${MODQ_MODERATOR_KEYS#*:} (moderator "${MODQ_MODERATOR_KEYS%%:*}")

In a second shell, paste these (or run: . var/keys.env):
  export MODQ_CLIENT_KEYS='$MODQ_CLIENT_KEYS'
  export MODQ_MODERATOR_KEYS='$MODQ_MODERATOR_KEYS'

Then try:
  curl -s -X PUT http://$MODQ_LISTEN/v1/sites/demo/articles/a1 \\
    -H "Authorization: Bearer \$MODQ_CLIENT_KEYS" -H 'Content-Type: application/json' \\
    -d '{"title":"Rain expected over the weekend","body":"Forecasters expect heavy rain across the region on Saturday and Sunday."}'
  curl -s -X POST http://$MODQ_LISTEN/v1/sites/demo/comments \\
    -H "Authorization: Bearer \$MODQ_CLIENT_KEYS" -H 'Content-Type: application/json' \\
    -d '{"article_id":"a1","text":"Check out my channel and subscribe!! http://spam.example","author":{"name":"bob"}}'

MSG
build/modq ${MODQ_CONFIG:+-c "$MODQ_CONFIG"} &
MODQ_PID=$!
trap 'kill -TERM $MODQ_PID 2>/dev/null; wait $MODQ_PID; [ -n "$REDIS_PID" ] && kill "$REDIS_PID" 2>/dev/null; exit 0' INT TERM
wait $MODQ_PID
