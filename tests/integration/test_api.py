"""test_api.py - every foundation endpoint and error status against the real
binary and a real redis-server."""
import json
import os
import socket
import subprocess
import threading
import time

from harness import CLIENT_KEY, MOD_KEY, Env, free_port

HERE = os.path.dirname(os.path.abspath(__file__))
SEED = json.load(open(os.path.join(HERE, "..", "fixtures", "seed_thread.json")))

ARTICLE = {"title": "City council approves new bicycle lanes on Main Street",
           "body": "The city council voted on Tuesday to build protected bicycle lanes along "
                   "Main Street. Construction starts in spring and parking spaces will be "
                   "reduced. Cyclists welcomed the decision while some shop owners worry "
                   "about deliveries.",
           "url": "https://news.example/bike-lanes", "tags": ["cycling", "city council"]}
ON_TOPIC = ("Protected bicycle lanes on Main Street are overdue. I cycle there every day and "
            "the council made the right decision, though shop owners need a plan for deliveries.")
SPAM = ("CHECK OUT MY CHANNEL!!! subscribe subscribe subscribe http://bit.ly/xx1 "
        "http://cheap-pills.example/buy http://win-money.example earn $500 a day")


def comment(aid, text, cid=None, name="Ann", **author):
    body = {"article_id": aid, "text": text, "author": dict(name=name, **author)}
    if cid:
        body["id"] = cid
    return body


def test_health_ready_metrics(binary):
    with Env(binary) as env:
        m = env.modq
        r = m.request("GET", "/healthz", key=None)
        assert r.status == 200 and r.json["status"] == "ok", r
        r = m.request("GET", "/readyz", key=None)
        assert r.status == 200 and r.json["status"] == "ready", r
        r = m.request("GET", "/metrics", key=None)
        assert r.status == 200, r
        text = r.raw.decode()
        for name in ("modq_http_requests_total", "modq_http_request_duration_seconds_bucket",
                     "modq_comments_total", "modq_flags_total", "modq_redis_errors_total",
                     "modq_review_queue_depth"):
            assert name in text, name
        assert 'route="readyz",status="200"' in text


def test_auth(binary):
    with Env(binary) as env:
        m = env.modq
        path = "/v1/sites/s1/articles/a1"
        r = m.request("PUT", path, ARTICLE, key=None)
        assert r.status == 401 and r.json["error"]["code"] == "unauthorized", r
        r = m.request("PUT", path, ARTICLE, key="wrong-key-wrong-key-wrong")
        assert r.status == 401, r
        r = m.request("PUT", path, ARTICLE, headers={"Authorization": "Basic abc"}, key=None)
        assert r.status == 401, r
        r = m.request("PUT", path, ARTICLE, key=MOD_KEY)
        assert r.status == 201, r
        metrics = m.request("GET", "/metrics", key=None).raw.decode()
        line = [l for l in metrics.splitlines() if l.startswith("modq_auth_failures_total")][0]
        assert int(line.split()[1]) == 3, line


def test_article_put_creates_then_replaces(binary):
    with Env(binary, instances=2) as env:
        m, other = env.modqs
        r = m.request("PUT", "/v1/sites/s1/articles/a1", ARTICLE)
        assert r.status == 201, r
        assert r.json["title"] == ARTICLE["title"] and r.json["tags"] == ARTICLE["tags"]
        changed = dict(ARTICLE, title="Council approves bicycle lanes")
        r = m.request("PUT", "/v1/sites/s1/articles/a1", changed)
        assert r.status == 200, r
        r = m.request("GET", "/v1/sites/s1/articles/a1")
        assert r.status == 200 and r.json["title"] == "Council approves bicycle lanes", r
        # stored in Redis: visible to any instance
        r = other.request("GET", "/v1/sites/s1/articles/a1")
        assert r.status == 200 and r.json["title"] == "Council approves bicycle lanes", r


def test_unknown_article_is_404(binary):
    with Env(binary) as env:
        r = env.modq.request("GET", "/v1/sites/s1/articles/nope")
        assert r.status == 404 and r.json["error"]["code"] == "not_found", r


def test_article_fields_are_checked(binary):
    with Env(binary) as env:
        m = env.modq
        r = m.request("PUT", "/v1/sites/s1/articles/a2", {"body": "no title"})
        assert r.status == 422 and r.json["error"]["field"] == "title", r
        r = m.request("PUT", "/v1/sites/s1/articles/a2", {"title": "t", "body": "b", "tags": "x"})
        assert r.status == 422 and r.json["error"]["field"] == "tags", r
        r = m.request("PUT", "/v1/sites/bad%20site/articles/a2", ARTICLE)
        assert r.status in (404, 422), r


def posted(m):
    """The article, an on-topic comment c1 and a spammy one c2 (by promo);
    returns their answers."""
    assert m.request("PUT", "/v1/sites/s1/articles/a1", ARTICLE).status == 201
    r1 = m.request("POST", "/v1/sites/s1/comments", comment("a1", ON_TOPIC, "c1"))
    assert r1.status == 201, r1
    r2 = m.request("POST", "/v1/sites/s1/comments", comment("a1", SPAM, "c2", name="promo"))
    assert r2.status == 201, r2
    return r1, r2


def test_on_topic_comment_is_approved(binary):
    with Env(binary) as env:
        j = posted(env.modq)[0].json
        assert j["id"] == "c1" and j["site"] == "s1" and j["article_id"] == "a1"
        assert j["status"] == "approved", j
        assert 0 <= j["score"] <= 1 and isinstance(j["flags"], list)
        assert "relevance" in j and 0 <= j["relevance"] <= 1


def test_spam_is_held_or_rejected_with_link_spam(binary):
    with Env(binary) as env:
        j = posted(env.modq)[1].json
        # spam goes to review (pending) or is rejected outright
        assert j["status"] in ("pending", "rejected"), j
        codes = {f["code"] for f in j["flags"]}
        assert "link_spam" in codes, codes
        for f in j["flags"]:
            assert f["detail"] and 0 <= f["score"] <= 1


def test_same_id_again_answers_the_stored_verdict(binary):
    with Env(binary) as env:
        m = env.modq
        first = posted(m)[1].json
        queue = m.queue("s1")
        # the same (site, id) again: 200, same verdict, nothing queued twice
        r = m.request("POST", "/v1/sites/s1/comments", comment("a1", SPAM, "c2", name="promo"))
        assert r.status == 200, r
        assert r.json["status"] == first["status"] and r.json["score"] == first["score"]
        assert m.queue("s1") == queue


def test_generated_ids_are_unique(binary):
    with Env(binary) as env:
        m = env.modq
        assert m.request("PUT", "/v1/sites/s1/articles/a1", ARTICLE).status == 201
        r1 = m.request("POST", "/v1/sites/s1/comments", comment("a1", "Nice lanes, finally safe cycling on Main Street for my kids."))
        r2 = m.request("POST", "/v1/sites/s1/comments", comment("a1", "The shop owners will adapt to the new bicycle lanes on Main Street."))
        assert r1.status == 201 and r2.status == 201
        assert r1.json["id"] != r2.json["id"] and len(r1.json["id"]) >= 16


def test_get_comment_shows_the_stored_state(binary):
    with Env(binary) as env:
        m = env.modq
        first = posted(m)[1].json
        r = m.request("GET", "/v1/sites/s1/comments/c2")
        assert r.status == 200 and r.json["status"] == first["status"], r
        assert r.json["decision"] is None
        assert "email" not in r.json["author"]


def test_unknown_comment_is_404(binary):
    with Env(binary) as env:
        r = env.modq.request("GET", "/v1/sites/s1/comments/nope")
        assert r.status == 404, r


def test_pending_comment_waits_in_queue(binary):
    with Env(binary, {"MODQ_THRESHOLD_REJECT": "1.0"}) as env:
        m = env.modq
        m.request("PUT", "/v1/sites/q/articles/a1", ARTICLE)
        r = m.request("POST", "/v1/sites/q/comments", comment("a1", SPAM, "p1"))
        assert r.status == 201 and r.json["status"] == "pending", r
        assert m.queue("q") == ["p1"]
        # the site joined the index of sites with a queue: the review across
        # every site lists it
        every = m.request("GET", "/v1/review", key=MOD_KEY).json
        assert [(i["site"], i["id"]) for i in every["items"]] == [("q", "p1")], every
        metrics = m.request("GET", "/metrics", key=None).raw.decode()
        assert "modq_review_queue_depth 1" in metrics, metrics
        assert 'modq_comments_total{status="pending"} 1' in metrics


def healthy(m):
    assert m.request("GET", "/healthz", key=None).status == 200


def test_malformed_json_is_400(binary):
    with Env(binary) as env:
        m = env.modq
        base = "/v1/sites/s1/comments"
        r = m.request("POST", base, raw=b'{"article_id": "a1", "text": ')
        assert r.status == 400 and r.json["error"]["code"] == "malformed_json", r
        r = m.request("POST", base, raw=b'{"a": 1, "a": 2}')
        assert r.status == 400, r
        healthy(m)


def test_body_that_is_no_object_is_422(binary):
    with Env(binary) as env:
        r = env.modq.request("POST", "/v1/sites/s1/comments", raw=b"[1,2]")
        assert r.status == 422, r
        healthy(env.modq)


def test_body_without_json_content_type_is_415(binary):
    with Env(binary) as env:
        r = env.modq.request("POST", "/v1/sites/s1/comments", comment("a1", "hello"),
                             content_type="text/plain")
        assert r.status == 415 and r.json["error"]["code"] == "unsupported_media_type", r
        healthy(env.modq)


def test_missing_or_bad_comment_field_is_422_naming_it(binary):
    with Env(binary) as env:
        m = env.modq
        base = "/v1/sites/s1/comments"
        r = m.request("POST", base, {"article_id": "a1", "author": {"name": "x"}})
        assert r.status == 422 and r.json["error"]["field"] == "text", r
        r = m.request("POST", base, {"text": "hi", "author": {"name": "x"}})
        assert r.status == 422 and r.json["error"]["field"] == "article_id", r
        r = m.request("POST", base, {"article_id": "a1", "text": "hi"})
        assert r.status == 422 and r.json["error"]["field"] == "author", r
        r = m.request("POST", base, {"article_id": "a1", "text": 5, "author": {"name": "x"}})
        assert r.status == 422 and r.json["error"]["field"] == "text", r
        r = m.request("POST", base, comment("a1", "hi", email="not-an-email"))
        assert r.status == 422 and r.json["error"]["field"] == "author.email", r
        r = m.request("POST", base, raw=b'{"article_id":"a1","text":"bad \xff\xfe utf8","author":{"name":"x"}}')
        assert r.status == 422 and r.json["error"]["code"] == "invalid_utf8", r
        healthy(m)


def test_body_over_max_body_is_413(binary):
    with Env(binary, {"MODQ_MAX_BODY": "4096"}) as env:
        r = env.modq.request("POST", "/v1/sites/s1/comments", comment("a1", "x" * 8000))
        assert r.status == 413 and r.json["error"]["code"] == "body_too_large", r
        healthy(env.modq)


def test_unknown_path_is_404_and_wrong_method_405(binary):
    with Env(binary) as env:
        m = env.modq
        r = m.request("GET", "/v1/nothing")
        assert r.status == 404 and r.json["error"]["code"] == "not_found", r
        r = m.request("DELETE", "/v1/sites/s1/comments")
        assert r.status == 405 and "POST" in r.headers.get("Allow", ""), r
        assert set(r.json["error"]) >= {"code", "message"}
        healthy(m)


def test_body_limit_without_reading(binary):
    """A huge declared body is refused at once, before it is sent."""
    with Env(binary, {"MODQ_MAX_BODY": "4096"}) as env:
        s = socket.create_connection(("127.0.0.1", env.modq.port), 5)
        s.sendall(("POST /v1/sites/s1/comments HTTP/1.1\r\nHost: x\r\n"
                   "Authorization: Bearer %s\r\nContent-Type: application/json\r\n"
                   "Content-Length: 1000000000\r\n\r\n" % CLIENT_KEY).encode())
        s.settimeout(5)
        data = s.recv(4096).decode(errors="replace")
        s.close()
        assert data.startswith("HTTP/1.1 413"), data[:200]


def test_seed_thread(binary):
    with Env(binary) as env:
        m = env.modq
        site, art = SEED["site"], SEED["article"]
        r = m.request("PUT", "/v1/sites/%s/articles/%s" % (site, art["id"]),
                      {"title": art["title"], "body": art["body"], "tags": art["tags"]})
        assert r.status == 201, r
        verdicts = {}
        for c in SEED["comments"]:
            r = m.request("POST", "/v1/sites/%s/comments" % site,
                          {"id": c["id"], "article_id": art["id"], "text": c["text"],
                           "author": c["author"]})
            assert r.status == 201, r
            verdicts[c["id"]] = r.json
        codes3 = [f["code"] for f in verdicts["3"]["flags"]]
        assert "copied_from_article" in codes3, verdicts["3"]
        assert verdicts["3"]["status"] != "approved", verdicts["3"]
        copied = [f for f in verdicts["3"]["flags"] if f["code"] == "copied_from_article"][0]
        assert "weeks or months" in copied["detail"] + copied.get("evidence", ""), copied
        own = SEED["on_topic"]
        r = m.request("POST", "/v1/sites/%s/comments" % site,
                      {"id": own["id"], "article_id": art["id"], "text": own["text"],
                       "author": own["author"]})
        assert r.status == 201 and r.json["status"] == "approved", r.json



def test_pending_comment_survives_a_restart(binary):
    with Env(binary, {"MODQ_THRESHOLD_REJECT": "1.0"}) as env:
        m = env.modq
        m.request("PUT", "/v1/sites/r/articles/a1", ARTICLE)
        r = m.request("POST", "/v1/sites/r/comments", comment("a1", SPAM, "keep1"))
        assert r.json["status"] == "pending", r
        assert m.stop() == 0
        m.start()
        r = m.request("GET", "/v1/sites/r/comments/keep1")
        assert r.status == 200 and r.json["status"] == "pending", r
        assert m.queue("r") == ["keep1"]
        r = m.request("POST", "/v1/sites/r/comments", comment("a1", SPAM, "keep1"))
        assert r.status == 200
        assert m.queue("r") == ["keep1"]


REDIS_DOWN_ENV = {"MODQ_THRESHOLD_REJECT": "1.0", "MODQ_REDIS_TIMEOUT_MS": "200"}


def post_while_redis_down(env):
    """Stops Redis, posts 20 comments (every other one spam), each answered
    201 pending and provisional. Returns the ids the engine judged pending."""
    m = env.modq
    m.request("PUT", "/v1/sites/d/articles/a1", ARTICLE)
    env.redis.stop()
    answered_pending = []
    for i in range(20):
        text = SPAM + " variant %d" % i if i % 2 == 0 else ON_TOPIC + " (%d)" % i
        r = m.request("POST", "/v1/sites/d/comments", comment("a1", text, "down%d" % i))
        assert r.status == 201, r
        assert r.json["status"] == "pending" and r.json["provisional"] is True, r.json
        if r.json["auto_status"] == "pending":
            answered_pending.append("down%d" % i)
    assert len(answered_pending) >= 5, answered_pending
    return answered_pending


def test_comments_are_answered_while_redis_is_down(binary):
    with Env(binary, REDIS_DOWN_ENV) as env:
        m = env.modq
        post_while_redis_down(env)
        r = m.request("GET", "/readyz", key=None)
        assert r.status == 200 and r.json["status"] == "degraded" and r.json["reason"], r
        assert r.json["redis"] == "down", r.json
        assert r.json["spool"]["pending"] == 20, r.json
        metrics = m.request("GET", "/metrics", key=None).raw.decode()
        assert "modq_degraded 1" in metrics
        r = m.request("PUT", "/v1/sites/d/articles/a2", ARTICLE)
        assert r.status == 503 and r.json["error"]["code"] == "redis_unavailable", r


def test_spooled_comments_reach_the_queue_when_redis_returns(binary):
    with Env(binary, REDIS_DOWN_ENV) as env:
        m = env.modq
        answered_pending = post_while_redis_down(env)
        env.redis.start()
        deadline = time.time() + 15
        while time.time() < deadline:
            if m.request("GET", "/readyz", key=None).json["spool"]["pending"] == 0:
                break
            time.sleep(0.2)
        queue = m.queue("d")
        assert sorted(queue) == sorted(answered_pending), queue
        r = m.request("GET", "/v1/sites/d/comments/down1")
        assert r.status == 200


def _keepalive_burst(port, n):
    """Open n keep-alive connections, fire one request on each at once,
    then a second round on the same sockets. Returns number of 200s."""
    socks = [socket.create_connection(("127.0.0.1", port), 10) for _ in range(n)]
    req = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
    ok = 0
    for _round in range(2):
        for s in socks:
            s.sendall(req)
        for s in socks:
            s.settimeout(10)
            buf = b""
            while b"\r\n\r\n" not in buf or not buf.endswith(b"}"):
                chunk = s.recv(4096)
                if not chunk:
                    break
                buf += chunk
            if buf.startswith(b"HTTP/1.1 200"):
                ok += 1
    for s in socks:
        s.close()
    return ok


def test_keepalive_128_and_256(binary):
    # every connection comes from 127.0.0.1: lift the per-address limit
    with Env(binary, {"MODQ_MAX_CONNECTIONS_PER_IP": "1024"}) as env:
        for n in (128, 256):
            t0 = time.time()
            ok = _keepalive_burst(env.modq.port, n)
            assert ok == 2 * n, (n, ok)
            assert time.time() - t0 < 10, "stalled with %d connections" % n


def test_bad_config_exits_naming_key(binary):
    for key, val in (("MODQ_THREADS", "zero"), ("MODQ_MAX_BODY", "-5"),
                     ("MODQ_LISTEN", "nowhere"), ("MODQ_THRESHOLD_PENDING", "2"),
                     ("MODQ_REDIS_URL", "http://x")):
        env = dict(os.environ, **{key: val})
        p = subprocess.run([binary], env=env, capture_output=True, text=True, timeout=20)
        assert p.returncode != 0, (key, p)
        name = key[len("MODQ_"):].lower()
        assert name in p.stderr, (key, p.stderr)


def test_reused_id_with_other_content_is_409_id_conflict(binary):
    with Env(binary) as env:
        m = env.modq
        m.request("PUT", "/v1/sites/s1/articles/a1", ARTICLE)
        r = m.request("POST", "/v1/sites/s1/comments", comment("a1", ON_TOPIC, "re1"))
        assert r.status == 201, r
        first = r.json
        # the same content again: the idempotent 200 with the stored verdict
        r = m.request("POST", "/v1/sites/s1/comments", comment("a1", ON_TOPIC, "re1"))
        assert r.status == 200 and r.json["status"] == first["status"], r
        # other text, or another author: the id is taken
        r = m.request("POST", "/v1/sites/s1/comments", comment("a1", SPAM, "re1"))
        assert r.status == 409 and r.json["error"]["code"] == "id_conflict", r
        assert r.json["error"]["field"] == "id", r
        other = comment("a1", ON_TOPIC, "re1")
        other["author"] = {"name": "Somebody Else"}
        r = m.request("POST", "/v1/sites/s1/comments", other)
        assert r.status == 409 and r.json["error"]["code"] == "id_conflict", r
        # the stored record is untouched and the id is not left claimed
        r = m.request("GET", "/v1/sites/s1/comments/re1")
        assert r.status == 200 and r.json["text"] == ON_TOPIC, r
        r = m.request("POST", "/v1/sites/s1/comments", comment("a1", ON_TOPIC, "re1"))
        assert r.status == 200, r


def test_flag_evidence_carries_its_spans_in_code_points(binary):
    # "Crème brûlée" puts two 2-byte characters before the evidence: the
    # offsets count code points of the text as posted, not bytes
    text = "Crème brûlée fans, buy Viagra cheap here, best Viagra deals"
    with Env(binary, extra_env={"MODQ_BANNED_WORDS": "viagra"}) as env:
        m = env.modq
        assert m.request("PUT", "/v1/sites/s1/articles/a1", ARTICLE).status == 201
        r = m.request("POST", "/v1/sites/s1/comments", comment("a1", text, "sp1"))
        assert r.status == 201, r
        banned = [f for f in r.json["flags"] if f["code"] == "banned_word"]
        assert banned, r.json["flags"]
        want = [[i, i + 6] for i in (23, 47)]
        assert text[23:29] == "Viagra" and text[47:53] == "Viagra"
        assert banned[0]["spans"] == want, banned[0]
        # the stored record carries the same spans
        g = m.request("GET", "/v1/sites/s1/comments/sp1")
        assert g.status == 200
        gb = [f for f in g.json["flags"] if f["code"] == "banned_word"]
        assert gb[0]["spans"] == want, gb
        # a flag whose evidence is no quote of the text has no spans
        for f in r.json["flags"]:
            if f["code"] in ("duplicate", "flood", "reputation"):
                assert "spans" not in f, f


def test_link_evidence_is_located_as_written(binary):
    with Env(binary) as env:
        j = posted(env.modq)[1].json
        link = [f for f in j["flags"] if f["code"] == "link_spam"][0]
        assert link.get("spans"), link
        for b, e in link["spans"]:
            assert SPAM[b:e].lower() in link["evidence"].lower(), (SPAM[b:e], link)
