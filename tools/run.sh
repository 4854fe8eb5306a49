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
if [ -z "${MODQ_REDIS_URL:-}" ]; then
    port=${MODQ_REDIS_PORT:-6390}
    redis-server --port "$port" --bind 127.0.0.1 --dir "$VAR/redis" \
        --appendonly yes --appendfsync everysec --daemonize no \
        --save "" --logfile "$VAR/redis/redis.log" &
    REDIS_PID=$!
    export MODQ_REDIS_URL="redis://127.0.0.1:$port/0"
    i=0
    until redis-cli -p "$port" ping >/dev/null 2>&1; do
        i=$((i + 1)); [ $i -gt 50 ] && { echo "run: redis-server did not start (see var/redis/redis.log)"; exit 1; }
        sleep 0.1
    done
    echo "run: private redis-server on 127.0.0.1:$port (data in var/redis, AOF on)"
fi
trap '[ -n "$REDIS_PID" ] && kill "$REDIS_PID" 2>/dev/null; exit 0' INT TERM EXIT
cat <<MSG

modq on http://$MODQ_LISTEN
  client key:    $MODQ_CLIENT_KEYS
  moderator key: ${MODQ_MODERATOR_KEYS#*:} (moderator "${MODQ_MODERATOR_KEYS%%:*}")

Try:
  curl -s -X PUT http://$MODQ_LISTEN/v1/sites/demo/articles/a1 \\
    -H "Authorization: Bearer $MODQ_CLIENT_KEYS" -H 'Content-Type: application/json' \\
    -d '{"title":"Rain expected over the weekend","body":"Forecasters expect heavy rain across the region on Saturday and Sunday."}'
  curl -s -X POST http://$MODQ_LISTEN/v1/sites/demo/comments \\
    -H "Authorization: Bearer $MODQ_CLIENT_KEYS" -H 'Content-Type: application/json' \\
    -d '{"article_id":"a1","text":"Check out my channel and subscribe!! http://spam.example","author":{"name":"bob"}}'

MSG
build/modq ${MODQ_CONFIG:+-c "$MODQ_CONFIG"} &
MODQ_PID=$!
trap 'kill -TERM $MODQ_PID 2>/dev/null; wait $MODQ_PID; [ -n "$REDIS_PID" ] && kill "$REDIS_PID" 2>/dev/null; exit 0' INT TERM
wait $MODQ_PID
