"""test_webhook_dead.py - a site's webhook dead letters over the API: listed
newest first in pages whose cursors neither repeat nor skip while letters
arrive, sent again one by one or all at once, counted in /metrics."""
import time

from harness import Env
from test_webhook import Receiver, post_comment, register, wait_outbox

DEAD = "/v1/sites/s1/webhook/dead"


def counters(m):
    text = m.request("GET", "/metrics", key=None).raw.decode()
    out = {}
    for line in text.splitlines():
        if line.startswith("modq_webhook_"):
            name, value = line.rsplit(" ", 1)
            out[name] = int(value)
    return out


def all_pages(m, limit):
    """Every page of the dead letters: (items, number of pages)."""
    items, cursor, pages = [], None, 0
    while True:
        r = m.request("GET", DEAD + "?limit=%d" % limit + ("&cursor=" + cursor if cursor else ""))
        assert r.status == 200, r
        assert len(r.json["items"]) <= limit
        items += r.json["items"]
        pages += 1
        cursor = r.json["next_cursor"]
        if cursor is None:
            return items, pages


def make_dead(m, rcv, ids):
    before = len(rcv.got)
    for cid in ids:
        post_comment(m, "s1", cid)
    rcv.wait(before + len(ids))
    n = wait_outbox(m, "s1", lambda o: o["pending"] == 0 and o["in_flight"] == 0)["dead"]
    return n


def test_dead_letters_are_listed_newest_first_in_stable_pages(binary):
    rcv = Receiver(statuses=[503] * 7).start()
    try:
        with Env(binary, extra_env={"MODQ_WEBHOOK_MAX_ATTEMPTS": "1"}) as env:
            m = env.modq
            assert register(m, "s1", rcv.url, ["verdict"]).status == 201
            t0 = int(time.time() * 1000)
            assert make_dead(m, rcv, ["c%d" % i for i in range(5)]) == 5
            t1 = int(time.time() * 1000)
            sent = {g["json"]["id"]: g for g in rcv.got}
            items, pages = all_pages(m, 2)
            assert pages == 3 and len(items) == 5, items
            assert {i["id"] for i in items} == set(sent)
            for it in items:
                assert set(it) == {"id", "event", "attempts", "last_error", "occurred_ms",
                                   "dead_ms"}, it
                assert (it["event"], it["attempts"], it["last_error"]) == ("verdict", 1, "http_503")
                assert t0 - 5 <= it["occurred_ms"] <= it["dead_ms"] <= t1 + 1000, (t0, it, t1)
            assert [i["dead_ms"] for i in items] == sorted((i["dead_ms"] for i in items),
                                                           reverse=True)
            # a page taken, then two newer letters arrive: the rest of the
            # walk is exactly the three older ones
            r = m.request("GET", DEAD + "?limit=2")
            first = [i["id"] for i in r.json["items"]]
            assert first == [i["id"] for i in items[:2]]
            assert make_dead(m, rcv, ["n1", "n2"]) == 7
            rest, cursor = [], r.json["next_cursor"]
            while cursor:
                r = m.request("GET", DEAD + "?limit=2&cursor=" + cursor)
                rest += [i["id"] for i in r.json["items"]]
                cursor = r.json["next_cursor"]
            assert rest == [i["id"] for i in items[2:]], (rest, items)
            assert len(all_pages(m, 200)[0]) == 7
            c = counters(m)
            assert c['modq_webhook_deliveries_total{result="dead"}'] == 7, c
            assert c['modq_webhook_deliveries_total{result="delivered"}'] == 0, c
            assert c["modq_webhook_dead_letters_total"] == 7, c
            # the dead letters expire with the comments' retention
            for key in ("modq:{s1}:wh:dead", "modq:{s1}:wh:dead:meta", "modq:{s1}:wh:dead:data"):
                ttl = int(env.redis.cli("TTL", key))
                assert 89 * 86400 < ttl <= 90 * 86400, (key, ttl)
    finally:
        rcv.stop()


def test_dead_letters_are_sent_again_one_or_all(binary):
    rcv = Receiver(statuses=[503] * 3).start()
    try:
        with Env(binary, extra_env={"MODQ_WEBHOOK_MAX_ATTEMPTS": "1"}) as env:
            m = env.modq
            assert register(m, "s1", rcv.url, ["verdict"]).status == 201
            assert make_dead(m, rcv, ["c1", "c2", "c3"]) == 3
            ids = [g["json"]["id"] for g in rcv.got]
            # the receiver works again (its failures are used up)
            r = m.request("POST", DEAD + "/%s/retry" % ids[1])
            assert r.status == 200 and r.json == {"id": ids[1], "requeued": 1}, r
            got = rcv.wait(4)
            assert got[3]["json"]["id"] == ids[1] and got[3]["json"]["attempt"] == 1, got[3]
            assert got[3]["json"]["comment"]["id"] == "c2" and got[3]["ok"], got[3]
            ob = wait_outbox(m, "s1", lambda o: o["dead"] == 2 and o["pending"] == 0
                             and o["in_flight"] == 0)
            assert ob["dead"] == 2, ob
            assert sorted(i["id"] for i in all_pages(m, 50)[0]) == sorted([ids[0], ids[2]])
            # gone from the dead letters: a second retry finds nothing
            r = m.request("POST", DEAD + "/%s/retry" % ids[1])
            assert r.status == 404 and r.json["error"]["code"] == "not_found", r
            r = m.request("POST", DEAD + "/retry")
            assert r.status == 200 and r.json == {"requeued": 2}, r
            got = rcv.wait(6)
            assert sorted(g["json"]["id"] for g in got[4:6]) == sorted([ids[0], ids[2]])
            wait_outbox(m, "s1", lambda o: o["dead"] == 0 and o["pending"] == 0
                        and o["in_flight"] == 0)
            r = m.request("GET", DEAD)
            assert r.status == 200 and r.json == {"items": [], "next_cursor": None}, r
            r = m.request("POST", DEAD + "/retry")
            assert r.status == 200 and r.json == {"requeued": 0}, r
            c = counters(m)
            assert c['modq_webhook_deliveries_total{result="delivered"}'] == 3, c
            assert c["modq_webhook_dead_letters_requeued_total"] == 3, c
            # a requeued letter that fails again is a dead letter again
            with rcv.cv:
                rcv.statuses = [500]
            assert make_dead(m, rcv, ["c4"]) == 1
            dead_id = rcv.got[-1]["json"]["id"]
            with rcv.cv:
                rcv.statuses = [502]
            assert m.request("POST", DEAD + "/%s/retry" % dead_id).json["requeued"] == 1
            rcv.wait(len(rcv.got) + 1)
            wait_outbox(m, "s1", lambda o: o["dead"] == 1 and o["pending"] == 0
                        and o["in_flight"] == 0)
            [it] = all_pages(m, 10)[0]
            assert (it["id"], it["attempts"], it["last_error"]) == (dead_id, 1, "http_502"), it
    finally:
        rcv.stop()


BAD_REQUESTS = [
    ("GET", DEAD + "?limit=0", None, 422, "limit"),
    ("GET", DEAD + "?limit=201", None, 422, "limit"),
    ("GET", DEAD + "?limit=x", None, 422, "limit"),
    ("GET", DEAD + "?cursor=nope", None, 422, "cursor"),
    ("GET", DEAD + "?cursor=12." + "g" * 32, None, 422, "cursor"),
    ("POST", DEAD + "/" + "0" * 32 + "/retry", None, 404, None),
    ("POST", DEAD + "/not-an-id/retry", None, 404, None),
    ("GET", "/v1/sites/s2/webhook/dead", None, 404, None),
    ("POST", "/v1/sites/s2/webhook/dead/retry", None, 404, None),
    ("GET", DEAD, "", 401, None),
    ("DELETE", DEAD, None, 405, None),
]


def test_bad_dead_letter_requests(binary):
    with Env(binary) as env:
        m = env.modq
        assert register(m, "s1", "http://127.0.0.1:9/h", ["verdict"]).status == 201
        for method, path, key, status, field in BAD_REQUESTS:
            kw = {} if key is None else {"key": key or None}
            r = m.request(method, path, **kw)
            assert r.status == status, (method, path, r)
            if field:
                assert r.json["error"] == {"code": "invalid_field", "field": field,
                                           "message": r.json["error"]["message"]}, r


def test_letters_dead_in_the_same_millisecond_are_paged_once_each(binary):
    """Letters sharing one dead time (seeded in Redis as the dead-letter
    script writes them) come in reverse id order, each on exactly one page,
    with older ones after them."""
    with Env(binary) as env:
        m = env.modq
        assert register(m, "s1", "http://127.0.0.1:9/h", ["verdict"]).status == 201
        same = ["%032x" % (i * 7919) for i in range(1, 8)]
        older = ["%032x" % (0xabc + i) for i in range(2)]
        for i, did in enumerate(same + older):
            dead_ms = 1700000000000 if did in same else 1699999999000 - i
            env.redis.cli("ZADD", "modq:{s1}:wh:dead", dead_ms, did)
            env.redis.cli("HSET", "modq:{s1}:wh:dead:meta", did, "verdict 1699999990000 8 timeout")
            env.redis.cli("HSET", "modq:{s1}:wh:dead:data", did, '{"id":"c"}')
        for limit in (1, 2, 3, 7, 50):
            items, pages = all_pages(m, limit)
            assert [i["id"] for i in items] == sorted(same, reverse=True) + older, (limit, items)
            assert pages == max(1, -(-len(items) // limit)), (limit, pages)
        it = all_pages(m, 1)[0][0]
        assert it == {"id": max(same), "event": "verdict", "attempts": 8, "last_error": "timeout",
                      "occurred_ms": 1699999990000, "dead_ms": 1700000000000}, it
