"""test_store_webhook.py - the webhook outbox in Redis: modq:{S}:wh:outbox
(delivery id -> when due), :wh:data (delivery id -> payload), :wh:dead,
:wh:dead:meta and :wh:dead:data (the dead letters). A delivered event leaves
no payload behind, a dead one keeps its comment and the last error, and a queued one waits in Redis while
no modq runs."""
import json

from harness import Env
from test_webhook import Delivered, Receiver, post_comment, register, wait_outbox


def test_delivered_event_leaves_no_payload(binary):
    with Delivered(binary) as dv:
        env = dv.env
        wait_outbox(env.modq, "s1", lambda o: o["pending"] == 0 and o["in_flight"] == 0)
        assert env.redis.cli("HLEN", "modq:{s1}:wh:data") == "0"
        # s2 wants decisions only: nothing was queued for its verdict
        assert env.redis.cli("ZCARD", "modq:{s2}:wh:outbox") == "0"


def test_dead_letter_keeps_the_event_and_its_last_error(binary):
    rcv = Receiver(statuses=[503] * 10).start()
    try:
        with Env(binary, extra_env={"MODQ_WEBHOOK_MAX_ATTEMPTS": "2"}) as env:
            m = env.modq
            assert register(m, "s1", rcv.url, ["verdict"]).status == 201
            post_comment(m, "s1", "c1")
            ob = wait_outbox(m, "s1", lambda o: o["dead"] == 1, 10)
            assert ob["dead"] == 1, ob
            did = rcv.got[0]["json"]["id"]
            assert env.redis.cli("ZRANGE", "modq:{s1}:wh:dead", 0, -1) == did
            meta = env.redis.cli("HGET", "modq:{s1}:wh:dead:meta", did).split(" ")
            assert meta[0] == "verdict" and meta[2:] == ["2", "http_503"], meta
            rec = json.loads(env.redis.cli("HGET", "modq:{s1}:wh:dead:data", did))
            assert rec["id"] == "c1", rec
            # nothing of it is left in the outbox
            assert env.redis.cli("HLEN", "modq:{s1}:wh:data") == "0"
    finally:
        rcv.stop()


def test_queued_event_waits_in_redis_while_modq_is_down(binary):
    rcv = Receiver()  # port reserved, nobody listening: the first try fails
    try:
        with Env(binary) as env:
            m = env.modq
            assert register(m, "s1", rcv.url, ["verdict"]).status == 201
            post_comment(m, "s1", "c1")
            ob = wait_outbox(m, "s1", lambda o: "last_error" in o, 10)
            assert "last_error" in ob and ob["pending"] == 1, ob
            assert m.stop() == 0, m.log()[-2000:]
            assert env.redis.cli("ZCARD", "modq:{s1}:wh:outbox") == "1"
            assert env.redis.cli("HLEN", "modq:{s1}:wh:data") == "1"
            m.start()  # stopped (and checked) by env
    finally:
        rcv.stop()
