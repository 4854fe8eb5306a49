"""test_limits.py - hostile clients cannot take modq down: body, header, URL,
JSON depth and field limits, connection limit, slowloris, rate limits."""
import http.client
import json
import socket
import threading
import time

from harness import CLIENT_KEY, MOD_KEY, Env, Resp

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


def read_all(port, data, timeout=3):
    """Send data, read until the server closes (or timeout). Returns
    (bytes read, closed by the server)."""
    s = socket.create_connection(("127.0.0.1", port), timeout)
    out, closed = b"", False
    try:
        s.sendall(data)
        while True:
            c = s.recv(65536)
            if not c:
                closed = True
                break
            out += c
    except socket.timeout:
        pass
    except OSError:
        closed = True
    finally:
        s.close()
    return out, closed


def test_strict_framing(binary):
    """Ambiguous body framing (request smuggling shapes) is answered 400 and
    the connection closed, so nothing after it is read as a request; an
    unknown transfer coding is 501; an escaped NUL in the target is 400.
    Each is logged with its code."""
    with Env(binary, {"MODQ_LOG_LEVEL": "info"}) as env:
        p = env.modq.port
        body = json.dumps(comment("fr1")).encode()
        head = ("POST /v1/sites/s1/comments HTTP/1.1\r\nHost: x\r\n%s"
                "Content-Type: application/json\r\n" % AUTH).encode()
        smuggled = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
        chunked = b"%x\r\n" % len(body) + body + b"\r\n0\r\n\r\n"
        cases = [
            ("CL with TE", head + b"Content-Length: %d\r\nTransfer-Encoding: chunked\r\n\r\n"
             % len(chunked) + chunked + smuggled, 400, "bad_framing"),
            ("TE with CL", head + b"Transfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n"
             + chunked + smuggled, 400, "bad_framing"),
            ("two Content-Lengths", head + b"Content-Length: %d\r\nContent-Length: 0\r\n\r\n"
             % len(body) + body + smuggled, 400, "bad_framing"),
            ("gzip coding", head + b"Transfer-Encoding: gzip\r\n\r\n" + body, 501,
             "unsupported_transfer_coding"),
            ("gzip, chunked", head + b"Transfer-Encoding: gzip, chunked\r\n\r\n" + chunked, 501,
             "unsupported_transfer_coding"),
            ("two TE headers", head + b"Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked"
             b"\r\n\r\n" + chunked, 501, "unsupported_transfer_coding"),
            ("%00 in the path", b"GET /v1/sites/s1/comments/fr0%00x HTTP/1.1\r\nHost: x\r\n"
             + AUTH.encode() + b"\r\n" + smuggled, 400, "bad_target"),
            ("%00 in the query", b"GET /v1/review?site=s1%00x HTTP/1.1\r\nHost: x\r\n\r\n",
             400, "bad_target"),
        ]
        for name, data, status, code in cases:
            out, closed = read_all(p, data)
            assert status_of(out) == status, (name, out[:300])
            assert out.count(b"HTTP/1.1 ") == 1 and closed, (name, closed, out)
            assert b"Connection: close" in out, (name, out[:300])
            assert body_json(out)["error"]["code"] == code, (name, out)
        # plain framings still work: chunked alone, one Content-Length, and
        # the same Content-Length twice
        ok = [head + b"Transfer-Encoding: chunked\r\n\r\n" + chunked,
              head + b"Content-Length: %d\r\n\r\n" % len(body) + body,
              head + b"Content-Length: %d\r\nContent-Length: %d\r\n\r\n"
              % (len(body), len(body)) + body]
        st = [status_of(raw(p, d)) for d in ok]
        assert st == [201, 200, 200], st   # 201: no refused request stored fr1
        log = env.modq.log()
        for code in ("bad_framing", "unsupported_transfer_coding", "bad_target"):
            assert '"error":"%s"' % code in log, code


def test_too_many_query_arguments(binary):
    """More than 64 query arguments: 414 too_many_query_arguments (logged),
    not a silent close, at 65 and at 1,000; 64 are fine."""
    with Env(binary, {"MODQ_LOG_LEVEL": "info"}) as env:
        p = env.modq.port
        for n, status in ((64, 200), (65, 414), (1000, 414), (3000, 414)):
            q = b"&".join(b"a%d=1" % i for i in range(n))
            out = raw(p, b"GET /healthz?" + q + b" HTTP/1.1\r\nHost: x\r\n\r\n")
            assert status_of(out) == status, (n, out[:200])
            if status == 414:
                assert body_json(out)["error"]["code"] == "too_many_query_arguments"
        assert env.modq.log().count('"error":"too_many_query_arguments"') == 3
        assert env.modq.request("GET", "/healthz", key=None).status == 200


def test_log_lines_stay_json_for_any_path(binary):
    """Bytes of a path that are not UTF-8 are written escaped (\\xHH), so
    every access line parses as JSON; valid UTF-8 is kept as it is."""
    with Env(binary, {"MODQ_LOG_LEVEL": "info"}) as env:
        p = env.modq.port
        for target in (b"/v1/sites/s1/comments/ab%ff%fe", b"/v1/sites/s1/comments/\xc3\x28x",
                       b"/v1/sites/s1/comments/%ed%a0%80", b"/v1/sites/s1/comments/caf%c3%a9"):
            out = raw(p, b"GET " + target + b" HTTP/1.1\r\nHost: x\r\n" + AUTH.encode() + b"\r\n")
            assert status_of(out) in (404, 422), (target, out[:200])
        with open(env.modq.log_path, "rb") as f:
            lines = [l for l in f.read().split(b"\n") if b'"msg":"request"' in l]
        paths = [json.loads(l.decode("utf-8"))["path"] for l in lines]
        assert paths == ["/v1/sites/s1/comments/ab\\xff\\xfe",
                         "/v1/sites/s1/comments/\\xc3(x",
                         "/v1/sites/s1/comments/\\xed\\xa0\\x80",
                         "/v1/sites/s1/comments/caf\u00e9"], paths


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
                      "MODQ_CONNECTION_TIMEOUT": "2",
                      "MODQ_MAX_CONNECTIONS_PER_IP": "1000"}) as env:  # one address here
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


def _open_partial(port, src, n):
    """n sockets from address src, each holding a request's first header
    line. Returns (sockets the server kept open, all sockets)."""
    socks = []
    for _ in range(n):
        try:
            s = socket.create_connection(("127.0.0.1", port), 2, source_address=(src, 0))
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
            socks.append(s)
        except OSError:
            pass
    time.sleep(0.5)
    kept = []
    for s in socks:
        s.setblocking(False)
        try:
            if s.recv(1) == b"":
                continue              # closed by the server
        except BlockingIOError:
            kept.append(s)            # still open, waiting for our headers
        except OSError:
            continue                  # reset by the server
    return kept, socks


def test_connections_per_ip(binary):
    """One address holding many idle half-sent requests keeps only
    max_connections_per_ip (default 32) sockets; another address
    (127.0.0.2) is served at once meanwhile, although the total is far
    beyond max_connections + its slack."""
    with Env(binary, {"MODQ_MAX_CONNECTIONS": "64", "MODQ_CONNECTION_TIMEOUT": "5",
                      "MODQ_THREADS": "2"}) as env:
        p = env.modq.port
        time.sleep(0.5)  # the harness's start probe (connect, close) is seen closed first
        kept, socks = _open_partial(p, "127.0.0.1", 150)
        assert len(kept) == 32, (len(kept), len(socks))
        worst = 0.0
        for _ in range(5):
            t0 = time.time()
            r = request_from(env.modq, OTHER_IP, "GET", "/healthz", key=None)
            worst = max(worst, time.time() - t0)
            assert r.status == 200, r
        print("  per-IP limit: %d of %d sockets kept, other address worst %.3fs"
              % (len(kept), len(socks), worst))
        assert worst < 1.0, worst
        # the other address has a limit of its own, counted alone; its five
        # requests above count until the server has seen them close
        time.sleep(0.5)
        kept2, socks2 = _open_partial(p, OTHER_IP, 40)
        assert len(kept2) == 32, len(kept2)
        for s in socks + socks2:
            s.close()
        time.sleep(0.3)
        # sockets freed: the first address is served again
        assert env.modq.request("GET", "/healthz", key=None).status == 200
    with Env(binary, {"MODQ_MAX_CONNECTIONS_PER_IP": "3"}) as env:
        # the harness's start probe (connect, close) counts until the server
        # has seen it close: let that happen before counting to 3
        time.sleep(0.5)
        kept, socks = _open_partial(env.modq.port, "127.0.0.1", 6)
        assert len(kept) == 3, len(kept)
        for s in socks:
            s.close()


def test_trusted_proxy_is_not_held_to_the_per_ip_limit(binary):
    """Behind a proxy every client shares its address: a peer inside
    trusted_proxies may hold more than max_connections_per_ip connections
    (the rate limits see each client's own address); an untrusted peer is
    still held to it."""
    with Env(binary, {"MODQ_MAX_CONNECTIONS_PER_IP": "3",
                      "MODQ_TRUSTED_PROXIES": "127.0.0.1/32"}) as env:
        time.sleep(0.5)  # as above: the start probe's close is seen first
        kept, socks = _open_partial(env.modq.port, "127.0.0.1", 8)
        assert len(kept) == 8, len(kept)
        kept2, socks2 = _open_partial(env.modq.port, OTHER_IP, 8)
        assert len(kept2) == 3, len(kept2)
        for s in socks + socks2:
            s.close()


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


OTHER_IP = "127.0.0.2"   # a second client address on loopback


def request_from(m, src, method, path, key=CLIENT_KEY, headers=None, body=None):
    """m.request, with the connection made from address src. The request
    asks the server to close the connection (Connection: close), so the
    server has let go of it when the answer is read: a connection the
    client closes counts against its address until the server notices."""
    conn = http.client.HTTPConnection("127.0.0.1", m.port, timeout=10,
                                      source_address=(src, 0))
    h = {"Authorization": "Bearer " + key, "Connection": "close"} if key else \
        {"Connection": "close"}
    h.update(headers or {})
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        h["Content-Type"] = "application/json"
    conn.request(method, path, body=data, headers=h)
    r = conn.getresponse()
    payload = r.read()
    if conn.sock:  # the server's close, seen: it has released the connection
        conn.sock.settimeout(5)
        while conn.sock.recv(4096):
            pass
    conn.close()
    js = json.loads(payload) if payload and "json" in r.getheader("Content-Type", "") else None
    return Resp(r.status, js, payload, dict(r.getheaders()))


def metric(m, name):
    text = m.request("GET", "/metrics", key=None).raw.decode()
    return int([l for l in text.splitlines() if l.startswith(name)][0].split()[-1])


def test_auth_failures_limited_per_ip(binary):
    """auth_fail_limit failures per minute per IP: later failing attempts
    from that IP get 429, the valid key from the same IP is still served
    (failures never lock out a valid key), and another IP is untouched."""
    with Env(binary, {"MODQ_AUTH_FAIL_LIMIT": "3"}) as env:
        m = env.modq
        _avoid_minute_edge()
        assert m.request("POST", "/v1/sites/s1/comments", comment("af1")).status == 201
        path = "/v1/sites/s1/comments/af1"
        st = [m.request("GET", path, key="wrong-key-%02d-0123456789" % i).status
              for i in range(5)]
        assert st == [401, 401, 401, 429, 429], st
        for _ in range(3):                    # the right key, same IP
            r = m.request("GET", path)
            assert r.status == 200 and r.json["id"] == "af1", r
        r = m.request("GET", path, key="wrong-key-99-0123456789")
        assert r.status == 429 and 1 <= int(r.headers["Retry-After"]) <= 60, r
        assert r.json["error"]["code"] == "rate_limited", r
        r = m.request("GET", path, key=None)  # no key at all is a failure too
        assert r.status == 429, r
        # another address has its own count
        r = request_from(m, OTHER_IP, "GET", path, key="wrong-key-50-0123456789")
        assert r.status == 401, r
        assert metric(m, "modq_auth_failures_total") == 8
        assert metric(m, 'modq_rate_limited_total{limit="auth_failures"}') == 4


def test_auth_failures_limited_per_presented_key(binary):
    """One wrong key tried from many addresses is limited on its own: past
    auth_fail_limit it gets 429 from a fresh address, where another wrong
    key still gets 401 and the valid key 201."""
    with Env(binary, {"MODQ_AUTH_FAIL_LIMIT": "3"}) as env:
        m = env.modq
        _avoid_minute_edge()
        path = "/v1/sites/s1/comments"
        bad = "wrong-key-shared-0123456789"
        st = [request_from(m, "127.0.0.%d" % (10 + i), "GET", path + "/none", key=bad).status
              for i in range(4)]
        assert st == [401, 401, 401, 429], st
        assert request_from(m, OTHER_IP, "GET", path + "/none", key=bad).status == 429
        assert request_from(m, OTHER_IP, "GET", path + "/none",
                            key="wrong-key-other-0123456789").status == 401
        r = request_from(m, OTHER_IP, "POST", path, body=comment("pk1"))
        assert r.status == 201, r


def test_valid_key_served_under_failure_flood(binary):
    """A stream of wrong keys from the address every client shares (a proxy
    without trusted_proxies) never refuses the valid key there."""
    with Env(binary, {"MODQ_AUTH_FAIL_LIMIT": "2"}) as env:
        m = env.modq
        _avoid_minute_edge()
        for i in range(20):
            bad = m.request("GET", "/v1/sites/s1/comments/none", key="bad-%d-0123456789" % i)
            assert bad.status == (401 if i < 2 else 429), (i, bad)
            r = m.request("POST", "/v1/sites/s1/comments", comment("fl%d" % i))
            assert r.status == 201, (i, r)


def test_trusted_proxies_client_address(binary):
    """Behind a trusted proxy (127.0.0.1 here) the client address is the
    right-most X-Forwarded-For hop that is not a trusted proxy, for the
    failure limit, the IP rate limit and the access log; hops a client
    prepends cannot move it; from an untrusted peer (127.0.0.2) the header
    is ignored."""
    env_ = {"MODQ_AUTH_FAIL_LIMIT": "2", "MODQ_RATE_LIMIT_IP": "6",
            "MODQ_TRUSTED_PROXIES": "127.0.0.1/32, 10.9.0.0/16", "MODQ_LOG_LEVEL": "info"}
    with Env(binary, env_) as env:
        m = env.modq
        _avoid_minute_edge()
        path = "/v1/sites/s1/comments/none"

        tried = []

        def wrong(xff, src="127.0.0.1"):     # a fresh wrong key each time
            tried.append(xff)
            return request_from(m, src, "GET", path, key="wrong-key-%03d-0123456789" % len(tried),
                                headers={"X-Forwarded-For": xff}).status
        # (X-Forwarded-For, expected): failures of 198.51.100.7 pile up
        # whatever it prepends; the proxy chain 10.9.x is skipped
        cases = [("198.51.100.7", 401),
                 ("203.0.113.5, 198.51.100.7", 401),            # spoofed hop on the left
                 ("198.51.100.7, 10.9.3.4", 429),              # via a second trusted proxy
                 ("198.51.100.8", 401),                        # another client
                 (" 198.51.100.8 ,10.9.0.1 , 10.9.0.2", 401)]
        st = [wrong(x) for x, _ in cases]
        assert st == [e for _, e in cases], list(zip(cases, st))
        # the valid key behind the same proxy, for the blocked client: served
        r = m.request("GET", path, headers={"X-Forwarded-For": "198.51.100.7"})
        assert r.status == 404, r
        # an untrusted peer: the header is ignored, 127.0.0.2 is the client
        st = [wrong("192.0.2.%d" % i, src=OTHER_IP) for i in range(3)]
        assert st == [401, 401, 429], st
        # the IP rate limit (6 a minute) counts the forwarded client, whichever
        # trusted proxies it came through; 198.51.100.20 has all of its own
        st = [m.request("GET", path, headers={"X-Forwarded-For": "198.51.100.30" + hops}).status
              for hops in ("", ", 10.9.0.1", "", ", 10.9.8.8, 10.9.0.1", "", "", "")]
        assert st == [404] * 6 + [429], st
        r = m.request("GET", path, headers={"X-Forwarded-For": "198.51.100.20"})
        assert r.status == 404, r
        log = m.log()
        assert '"remote":"198.51.100.20"' in log and '"remote":"203.0.113.5"' not in log, log[-800:]
    # without trusted_proxies X-Forwarded-For changes nothing
    with Env(binary, {"MODQ_AUTH_FAIL_LIMIT": "2"}) as env:
        st = [request_from(env.modq, "127.0.0.1", "GET", "/v1/sites/s1/comments/none",
                           key="wrong-key-%03d-0123456789" % i,
                           headers={"X-Forwarded-For": "198.51.100.%d" % i}).status
              for i in range(3)]
        assert st == [401, 401, 429], st


def test_network_lists_are_checked_at_start(binary):
    """A trusted_proxies or webhook_allowed_networks entry that is not a
    network fails the start, naming the key and the entry."""
    import os
    import subprocess
    import tempfile
    tmp = tempfile.mkdtemp(prefix="modq-it-")
    for name, value in (("MODQ_TRUSTED_PROXIES", "127.0.0.1/33"),
                        ("MODQ_TRUSTED_PROXIES", "10.0.0.0/8,proxy.example"),
                        ("MODQ_WEBHOOK_ALLOWED_NETWORKS", "::1/129"),
                        ("MODQ_TRUSTED_PROXIES", "10.0.0.0/x")):
        env = dict(os.environ, MODQ_LISTEN="127.0.0.1:0", MODQ_SPOOL_DIR=os.path.join(tmp, "sp"))
        env[name] = value
        p = subprocess.run([binary], env=env, capture_output=True, text=True, timeout=20)
        key = name[5:].lower()
        bad = value.split(",")[-1]
        assert p.returncode != 0 and key in p.stderr and bad in p.stderr, (name, value, p.stderr)
        assert "Sanitizer" not in p.stderr and "runtime error" not in p.stderr, p.stderr


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
