"""test_limits.py - hostile clients cannot take modq down: body, header, URL,
JSON depth and field limits, connection limit, slowloris, rate limits."""
import json
import socket
import threading
import time

from harness import CLIENT_KEY, MOD_KEY, Env

AUTH = "Authorization: Bearer %s\r\n" % CLIENT_KEY


def raw(port, data, timeout=5, chunks=None):
    """Send raw bytes (then each of chunks), read until the peer closes or a
    complete response arrived. Returns bytes ("" on reset)."""
    s = socket.create_connection(("127.0.0.1", port), timeout)
    out = b""
    try:
        s.sendall(data)
        for c in chunks or ():
            s.sendall(c)
        s.settimeout(timeout)
        while True:
            c = s.recv(65536)
            if not c:
                break
            out += c
            head, sep, body = out.partition(b"\r\n\r\n")
            if sep:
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        if len(body) >= int(line.split(b":")[1]):
                            return out
    except OSError:
        pass
    finally:
        s.close()
    return out


def status_of(data):
    try:
        return int(data.split(b" ", 2)[1])
    except (IndexError, ValueError):
        return None


def body_json(data):
    return json.loads(data.partition(b"\r\n\r\n")[2])


def comment(cid, text="A perfectly normal comment about the article.", **extra):
    b = {"id": cid, "article_id": "a1", "text": text, "author": {"name": "n"}}
    b.update(extra)
    return b


def test_body_limit_chunked(binary):
    """A chunked body past max_body: 413 body_too_large, nothing buffered;
    an endless chunked stream is cut off; modq stays healthy."""
    with Env(binary, {"MODQ_MAX_BODY": "4096"}) as env:
        p = env.modq.port
        head = ("POST /v1/sites/s1/comments HTTP/1.1\r\nHost: x\r\n%s"
                "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" % AUTH)
        chunks = [b"400\r\n" + b"a" * 1024 + b"\r\n"] * 12 + [b"0\r\n\r\n"]
        out = raw(p, head.encode(), chunks=chunks)
        assert status_of(out) == 413, out[:300]
        assert body_json(out)["error"]["code"] == "body_too_large"
        # a small chunked body is still accepted
        body = json.dumps(comment("ch1")).encode()
        out = raw(p, head.encode(), chunks=[b"%x\r\n" % len(body) + body + b"\r\n", b"0\r\n\r\n"])
        assert status_of(out) == 201, out[:300]
        # an endless stream: the connection is closed after ~1 MiB at most
        s = socket.create_connection(("127.0.0.1", p), 5)
        s.sendall(head.encode())
        sent, t0, closed = 0, time.time(), False
        try:
            while time.time() - t0 < 10 and sent < 8 << 20:
                s.sendall(b"8000\r\n" + b"b" * 0x8000 + b"\r\n")
                sent += 0x8000
        except OSError:
            closed = True
        s.close()
        assert closed and sent < 4 << 20, (closed, sent)
        assert env.modq.request("GET", "/healthz", key=None).status == 200


def test_header_and_url_limits(binary):
    """max_header bounds request line + headers: a 64 KB header gets 431, a
    long URL 4xx, never a crash; normal requests still work."""
    with Env(binary) as env:            # default max_header 32768
        p = env.modq.port
        out = raw(p, b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 65536 + b"\r\n\r\n")
        assert status_of(out) == 431, out[:200]
        out = raw(p, b"GET /healthz?" + b"q" * 70000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
        assert status_of(out) in (414, 431), out[:200]
        many = b"".join(b"X-H%d: v\r\n" % i for i in range(5000))
        out = raw(p, b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + many + b"\r\n")
        assert status_of(out) == 431, out[:200]
        assert env.modq.request("GET", "/healthz", key=None,
                                headers={"X-Ok": "a" * 20000}).status == 200
    with Env(binary, {"MODQ_MAX_HEADER": "4096"}) as env:
        p = env.modq.port
        out = raw(p, b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 3000 + b"\r\n\r\n")
        assert status_of(out) == 200, out[:200]
        out = raw(p, b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 5000 + b"\r\n\r\n")
        assert status_of(out) == 431, out[:200]
        assert body_json(out)["error"]["code"] == "header_too_large"
        out = raw(p, b"GET /v1/sites/s1/comments/" + b"c" * 6000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
        assert status_of(out) in (414, 431), out[:200]
        assert env.modq.request("GET", "/healthz", key=None).status == 200


def test_json_depth_and_field_limits(binary):
    with Env(binary) as env:
        m = env.modq
        base = "/v1/sites/s1/comments"
        deep = comment("d1")
        deep["extra"] = json.loads("[" * 40 + "]" * 40)
        r = m.request("POST", base, deep)
        assert r.status == 422 and r.json["error"]["code"] == "too_deep", r
        # a million brackets: refused, not a stack overflow
        r = m.request("POST", base, raw=b'{"a":' + b"[" * 60000 + b"]" * 60000 + b"}")
        assert r.status in (400, 413, 422), r
        ok = comment("d2")
        ok["extra"] = json.loads("[" * 10 + "]" * 10)
        assert m.request("POST", base, ok).status == 201
        for field, body in (
                ("id", comment("x" * 129)),
                ("article_id", dict(comment("f1"), article_id="a" * 129)),
                ("author.name", dict(comment("f2"), author={"name": "n" * 257})),
                ("author.email", dict(comment("f3"), author={"name": "n",
                                                             "email": "e" * 250 + "@x.example"})),
                ("author.url", dict(comment("f4"), author={"name": "n",
                                                           "url": "http://" + "u" * 2100})),
                ("parent_id", dict(comment("f5"), parent_id="p" * 129))):
            r = m.request("POST", base, body)
            assert r.status == 422 and r.json["error"]["field"] == field, (field, r)
        r = m.request("PUT", "/v1/sites/s1/articles/a1", {"title": "t" * 1025, "body": "b"})
        assert r.status == 422 and r.json["error"]["field"] == "title", r
        r = m.request("PUT", "/v1/sites/s1/articles/a1",
                      {"title": "t", "body": "b", "tags": ["x"] * 65})
        assert r.status == 422 and r.json["error"]["field"] == "tags", r
        r = m.request("POST", base, comment("f6", text="w" * 70000))
        assert r.status in (413, 422), r
        assert m.request("GET", "/healthz", key=None).status == 200


def test_max_connections_503(binary):
    """Beyond max_connections a request gets 503 + Retry-After at once. Past
    the slack (64 more) libmicrohttpd stops accepting: a newcomer waits in
    the listen backlog until idle sockets time out (connection_timeout),
    then is served: bounded, never a hang."""
    with Env(binary, {"MODQ_MAX_CONNECTIONS": "4", "MODQ_THREADS": "2",
                      "MODQ_CONNECTION_TIMEOUT": "2"}) as env:
        p = env.modq.port
        idle = [socket.create_connection(("127.0.0.1", p), 5) for _ in range(6)]
        time.sleep(0.2)
        t0 = time.time()
        out = raw(p, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", timeout=5)
        assert status_of(out) == 503, out[:200]
        assert b"Retry-After: 1" in out and time.time() - t0 < 2
        assert body_json(out)["error"]["code"] == "too_many_connections"
        # far beyond (4 + 64 slack)
        more = []
        for _ in range(80):
            try:
                more.append(socket.create_connection(("127.0.0.1", p), 2))
            except OSError:
                break
        t0 = time.time()
        out = raw(p, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", timeout=8)
        waited = time.time() - t0
        print("  max_connections: %d sockets held, newcomer answered %s after %.1fs"
              % (len(idle) + len(more), status_of(out), waited))
        assert status_of(out) in (200, 503) and waited < 6, (out[:200], waited)
        for s in idle + more:
            s.close()
        time.sleep(0.5)
        assert env.modq.request("GET", "/healthz", key=None).status == 200


def test_slowloris(binary):
    """Sockets trickling one byte a second hold no worker (threads=2): normal
    requests are answered meanwhile, and connection_timeout cuts them."""
    with Env(binary, {"MODQ_THREADS": "2", "MODQ_CONNECTION_TIMEOUT": "3"}) as env:
        p = env.modq.port
        req = ("POST /v1/sites/s1/comments HTTP/1.1\r\nHost: x\r\n%s"
               "Content-Type: application/json\r\nX-Pad: %s\r\n" % (AUTH, "p" * 200)).encode()
        closed_after = {}

        def loris(i):
            s = socket.create_connection(("127.0.0.1", p), 5)
            t0 = time.time()
            try:
                for b in req:
                    s.send(bytes([b]))
                    s.settimeout(1.0)
                    try:
                        if s.recv(100) == b"":
                            break
                    except socket.timeout:
                        pass
                    if time.time() - t0 > 12:
                        break
            except OSError:
                pass
            closed_after[i] = time.time() - t0
            s.close()
        ths = [threading.Thread(target=loris, args=(i,)) for i in range(8)]
        for th in ths:
            th.start()
        time.sleep(1.0)
        worst = 0.0
        for i in range(10):
            t0 = time.time()
            r = env.modq.request("POST", "/v1/sites/s1/comments", comment("sl%d" % i), timeout=5)
            worst = max(worst, time.time() - t0)
            assert r.status == 201, r
        for th in ths:
            th.join(20)
        print("  slowloris: 8 sockets cut after %.1f-%.1fs, normal requests worst %.2fs"
              % (min(closed_after.values()), max(closed_after.values()), worst))
        assert worst < 2, worst
        assert len(closed_after) == 8 and max(closed_after.values()) < 6, closed_after


def _avoid_minute_edge():
    """The limits count per wall-clock minute: keep a test inside one."""
    if time.time() % 60 > 56:
        time.sleep(60.2 - time.time() % 60)


RL_KEYS = CLIENT_KEY + ",client-key-one-0123456789,client-key-two-0123456789"
KEY_ONE, KEY_TWO = "client-key-one-0123456789", "client-key-two-0123456789"


def test_ip_rate_limit_answers_429_for_any_key(binary):
    with Env(binary, {"MODQ_RATE_LIMIT_IP": "8", "MODQ_CLIENT_KEYS": RL_KEYS}) as env:
        m = env.modq
        _avoid_minute_edge()
        st = [m.request("GET", "/v1/sites/s1/comments/none").status for _ in range(8)]
        assert st == [404] * 8, st
        r = m.request("GET", "/v1/sites/s1/comments/none", key=KEY_TWO)
        assert r.status == 429 and r.json["error"]["code"] == "rate_limited", r
        ra = int(r.headers["Retry-After"])
        assert 1 <= ra <= 60, ra
        # probes are never limited
        assert m.request("GET", "/healthz", key=None).status == 200
        assert m.request("GET", "/readyz", key=None).status == 200
        text = m.request("GET", "/metrics", key=None).raw.decode()
        assert 'modq_rate_limited_total{limit="ip"} 1' in text, text[-800:]


def test_key_rate_limit_counts_each_key_alone(binary):
    with Env(binary, {"MODQ_RATE_LIMIT_KEY": "5", "MODQ_CLIENT_KEYS": RL_KEYS}) as env:
        m = env.modq
        _avoid_minute_edge()
        st = [m.request("GET", "/v1/sites/s1/comments/none", key=KEY_ONE).status
              for _ in range(6)]
        assert st == [404] * 5 + [429], st
        assert m.request("GET", "/v1/sites/s1/comments/none", key=KEY_TWO).status == 404


def test_auth_failures_limited_per_ip(binary):
    """auth_fail_limit failures per minute per IP: then 429 for every key,
    right or wrong (no brute forcing behind it); failures are counted."""
    with Env(binary, {"MODQ_AUTH_FAIL_LIMIT": "3"}) as env:
        m = env.modq
        _avoid_minute_edge()
        path = "/v1/sites/s1/comments/none"
        st = [m.request("GET", path, key="wrong-key-%02d-0123456789" % i).status
              for i in range(5)]
        assert st == [401, 401, 401, 429, 429], st
        r = m.request("GET", path)            # the right key, same IP
        assert r.status == 429 and "Retry-After" in r.headers, r
        text = m.request("GET", "/metrics", key=None).raw.decode()
        fails = [l for l in text.splitlines() if l.startswith("modq_auth_failures_total")][0]
        assert int(fails.split()[1]) == 5, fails
        assert 'modq_rate_limited_total{limit="auth_failures"} 3' in text


def test_rate_limit_fails_open_without_redis(binary):
    with Env(binary, {"MODQ_RATE_LIMIT_IP": "2", "MODQ_THRESHOLD_REJECT": "1.0"}) as env:
        m = env.modq
        env.redis.stop()
        st = [m.request("POST", "/v1/sites/s1/comments", comment("fo%d" % i)).status
              for i in range(5)]
        assert st == [201] * 5, st
        text = m.request("GET", "/metrics", key=None).raw.decode()
        line = [l for l in text.splitlines()
                if l.startswith("modq_rate_limit_fail_open_total")][0]
        assert int(line.split()[1]) >= 5, line
        env.redis.start()
        deadline = time.time() + 10
        while (m.request("GET", "/readyz", key=None).json["redis"] != "up"
               and time.time() < deadline):
            time.sleep(0.1)
        _avoid_minute_edge()
        st = [m.request("GET", "/v1/sites/s1/comments/none", key=MOD_KEY).status
              for _ in range(3)]
        assert st == [404, 404, 429], st
