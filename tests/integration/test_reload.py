"""test_reload.py - SIGHUP reloads the config file's keys and limits while
connections stay open; a bad file changes nothing."""
import http.client
import os
import shutil
import signal
import tempfile
import time

from harness import Modq, Redis, MOD_KEY, mod_keys_setting

KEY_A = "reload-client-key-aaaaaaaaaaaa"
KEY_B = "reload-client-key-bbbbbbbbbbbb"
KEY_C = "reload-client-key-cccccccccccc"


def until(pred, timeout):
    end = time.time() + timeout
    while time.time() < end:
        if pred():
            return True
        time.sleep(0.02)
    return False


class Started:
    """redis + one modq started with -c FILE (keys from the file only)."""

    def __init__(self, binary, conf_text):
        self.tmp = tempfile.mkdtemp(prefix="modq-reload-")
        self.conf = os.path.join(self.tmp, "modq.conf")
        self.write(conf_text)
        self.redis = Redis(self.tmp).start()
        self.m = Modq(binary, self.tmp, self.redis.port)
        for k in ("MODQ_CLIENT_KEYS", "MODQ_MODERATOR_KEYS"):
            self.m.env.pop(k)
        self.m.env["MODQ_LOG_LEVEL"] = "info"
        self.m.args = ["-c", self.conf]
        self.m.start()

    def write(self, text):
        tmp = self.conf + ".new"
        with open(tmp, "w") as f:
            f.write(text)
        os.replace(tmp, self.conf)

    def reload(self, expect):
        """SIGHUP, then wait for the log to hold one more line containing expect."""
        before = self.m.log().count(expect)
        self.m.proc.send_signal(signal.SIGHUP)
        assert until(lambda: self.m.log().count(expect) > before, 10), self.m.log()[-2000:]

    def close(self):
        rc = self.m.stop()
        found = self.m.sanitizer_findings()
        self.redis.stop()
        assert rc == 0, (rc, self.m.log()[-3000:])
        assert not found, self.m.log()[-6000:]
        shutil.rmtree(self.tmp, ignore_errors=True)


def conf(client_keys, extra=""):
    return "client_keys %s\nmoderator_keys %s\n%s" % (client_keys, mod_keys_setting(), extra)


def status(conn, key, path="/v1/sites/rl/comments/none"):
    """Status of a GET on an open keep-alive connection (raises if it closed)."""
    conn.request("GET", path, headers={"Authorization": "Bearer " + key})
    r = conn.getresponse()
    r.read()
    return r.status


def test_sighup_swaps_keys_on_an_open_connection(binary):
    """A keep-alive connection opened before SIGHUP keeps working on the same
    socket; after the reload the added key authenticates and the removed
    one gets 401; the log names the changed key but no key value."""
    s = Started(binary, conf(KEY_A))
    try:
        conn = http.client.HTTPConnection("127.0.0.1", s.m.port, timeout=10)
        assert status(conn, KEY_A) == 404  # authenticated: no such comment
        assert status(conn, KEY_B) == 401
        sock = conn.sock
        s.write(conf(KEY_B))
        s.reload("config reloaded")
        assert status(conn, KEY_B) == 404
        assert status(conn, KEY_A) == 401
        assert status(conn, MOD_KEY, "/v1/review/whoami") == 200  # unchanged key
        assert conn.sock is sock, "the connection was dropped"
        conn.close()
        log = s.m.log()
        line = [l for l in log.splitlines() if "config reloaded" in l][-1]
        assert "changed: client_keys" in line and "moderator_keys" not in line, line
        assert KEY_A not in log and KEY_B not in log
    finally:
        s.close()


def test_sighup_with_a_bad_file_keeps_the_running_keys(binary):
    """An unknown key or a bad value in the reloaded file is logged and
    nothing changes: the old key still works, the file's new key does not."""
    s = Started(binary, conf(KEY_A))
    try:
        for bad, says in ((conf(KEY_C, "no_such_key 1\n"), 'unknown key \\"no_such_key\\"'),
                          (conf(KEY_C, "rate_limit_ip lots\n"), "rate_limit_ip"),
                          (conf("mia:short"), "client_keys: key #1")):
            s.write(bad)
            s.reload("config reload failed")
            line = [l for l in s.m.log().splitlines() if "config reload failed" in l][-1]
            assert says in line, line
            assert KEY_C not in s.m.log()
            assert s.m.request("GET", "/v1/sites/rl/comments/none", key=KEY_A).status == 404
            assert s.m.request("GET", "/v1/sites/rl/comments/none", key=KEY_C).status == 401
        # a good file again is applied
        s.write(conf(KEY_C))
        s.reload("config reloaded")
        assert s.m.request("GET", "/v1/sites/rl/comments/none", key=KEY_C).status == 404
        assert s.m.request("GET", "/v1/sites/rl/comments/none", key=KEY_A).status == 401
    finally:
        s.close()


def test_sighup_applies_rate_limits_and_names_keys_needing_a_restart(binary):
    """rate_limit_ip takes effect on reload (the 3rd request in the minute is
    429); a changed max_body is reported as needing a restart, not applied."""
    s = Started(binary, conf(KEY_A))
    try:
        for _ in range(3):
            assert s.m.request("GET", "/v1/sites/rl/comments/none", key=KEY_A).status == 404
        s.write(conf(KEY_A, "rate_limit_ip 2\nmax_body 2048\n"))
        s.reload("config reloaded")
        got = [s.m.request("GET", "/v1/sites/rl2/comments/none", key=KEY_A).status
               for _ in range(3)]
        assert got == [404, 404, 429], got
        log = s.m.log()
        line = [l for l in log.splitlines() if "config reloaded" in l][-1]
        assert "changed: rate_limit_ip" in line and "max_body" not in line, line
        warn = [l for l in log.splitlines() if "need a restart" in l][-1]
        assert "max_body" in warn and "rate_limit_ip" not in warn, warn
        # unchanged file: nothing changed, the restart is still pending
        s.reload("changed: nothing")
    finally:
        s.close()


def test_reloads_under_load_answer_every_request(binary):
    """Two threads keep calling whoami (whose answer borrows the moderator's
    name from the key table) over keep-alive connections while the file is
    reloaded 30 times: every answer is 200 with the name, and the
    sanitizers see no use of a freed table."""
    import threading
    s = Started(binary, conf(KEY_A))
    stop = threading.Event()
    bad = []
    counts = [0, 0]

    def hammer(i):
        conn = http.client.HTTPConnection("127.0.0.1", s.m.port, timeout=10)
        while not stop.is_set():
            conn.request("GET", "/v1/review/whoami", headers={"Authorization": "Bearer " + MOD_KEY})
            r = conn.getresponse()
            body = r.read()
            if r.status != 200 or b'"moderator":"mia"' not in body:
                bad.append((r.status, body[:200]))
            counts[i] += 1
        conn.close()

    threads = [threading.Thread(target=hammer, args=(i,)) for i in range(2)]
    try:
        for t in threads:
            t.start()
        for i in range(30):
            s.write(conf(KEY_B if i % 2 == 0 else KEY_A))
            s.reload("config reloaded")
        stop.set()
        for t in threads:
            t.join()
        assert not bad, bad[:3]
        assert min(counts) > 30, counts
    finally:
        stop.set()
        s.close()
