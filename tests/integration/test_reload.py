"""test_reload.py - SIGHUP reloads the config file's keys, limits and
verdict settings (under the sites' own) while connections stay open; a bad
file changes nothing."""
import http.client
import json
import os
import shutil
import signal
import tempfile
import time

import contract
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


# ------------------------------------------------ the verdict settings of the file

WORD = "zorblax"
BANNED_TEXT = "I think %s is a fine thing to say about the weather today" % WORD
PLAIN_TEXT = "The weather today is fine and I hope the rain holds off for the match"
# every file of these tests: comments repeat one text from one address, so
# duplicates and floods are out of the way
BASE = "detectors_disabled duplicate\nflood_max 0\n"
# weight 0.7 puts a banned word's flag at 0.7: pending under the default
# thresholds (0.5, 0.9), rejected under these (0.3, 0.6)
VERDICT_FILE = BASE + ("banned_words %s\nweight_banned_word 0.7\nthreshold_pending 0.3\n"
                       "threshold_reject 0.6\n" % WORD)


def post_comment(m, site, cid, text, conn=None, key=KEY_A):
    body = json.dumps({"id": cid, "article_id": "a1", "text": text, "author": {"name": "Jo"}})
    if conn is None:
        r = m.request("POST", "/v1/sites/%s/comments" % site,
                      {"id": cid, "article_id": "a1", "text": text, "author": {"name": "Jo"}},
                      key=key)
        assert r.status == 201, (r.status, r.json)
        return r.json
    conn.request("POST", "/v1/sites/%s/comments" % site, body=body,
                 headers={"Authorization": "Bearer " + KEY_A,
                          "Content-Type": "application/json"})
    r = conn.getresponse()
    payload = r.read()
    contract.check("POST", "/v1/sites/%s/comments" % site, r.status, dict(r.getheaders()),
                   payload)
    assert r.status == 201, (r.status, payload[:300])
    return json.loads(payload)


def flags(verdict):
    return {f["code"]: round(f["score"], 3) for f in verdict["flags"]}


def view(m, site):
    r = m.request("GET", "/v1/sites/%s/settings" % site, key=KEY_A)
    assert r.status == 200, r
    return r.json["settings"]


def test_sighup_applies_the_files_verdict_settings_under_site_overrides(binary):
    """With no banned word in the file a comment with WORD is approved;
    after the file bans it (weight 0.7, thresholds 0.3/0.6) and SIGHUP the
    next comment with WORD is rejected for banned_word at 0.7, GET settings
    shows the file's list, thresholds and weight with source "file", and
    the log names the keys. A site with its own banned_words keeps its
    list and takes the file's thresholds and weight."""
    s = Started(binary, conf(KEY_A, BASE))
    try:
        m = s.m
        r = m.request("PUT", "/v1/sites/own/settings", {"banned_words": ["quux"]}, key=KEY_A)
        assert r.status == 200, r
        v = post_comment(m, "rs", "c1", BANNED_TEXT)
        assert (v["status"], flags(v)) == ("approved", {}), v
        assert view(m, "rs")["banned_words"] == {"value": [], "source": "default",
                                                  "key": "banned_words"}
        s.write(conf(KEY_A, VERDICT_FILE))
        s.reload("config reloaded")
        v = post_comment(m, "rs", "c2", BANNED_TEXT)
        assert (v["status"], flags(v)) == ("rejected", {"banned_word": 0.7}), v
        assert abs(v["score"] - 0.7) < 1e-9, v
        got = view(m, "rs")
        assert got["banned_words"] == {"value": [WORD], "source": "file", "key": "banned_words"}
        assert got["thresholds"]["pending"] == {"value": 0.3, "source": "file",
                                                "key": "threshold_pending"}
        assert got["thresholds"]["rejected"] == {"value": 0.6, "source": "file",
                                                 "key": "threshold_reject"}
        assert got["detectors"]["banned_word"]["weight"] == {
            "value": 0.7, "source": "file", "key": "weight_banned_word"}
        # GET /v1/detectors shows the file's weight too
        det = {d["code"]: d for d in m.request("GET", "/v1/detectors", key=KEY_A).json["detectors"]}
        assert det["banned_word"]["weight"] == 0.7
        # the site with its own list: the file's word is not banned there,
        # its own word is, at the file's weight and thresholds
        v = post_comment(m, "own", "c3", BANNED_TEXT)
        assert (v["status"], flags(v)) == ("approved", {}), v
        v = post_comment(m, "own", "c4", PLAIN_TEXT + " quux")
        assert (v["status"], flags(v)) == ("rejected", {"banned_word": 0.7}), v
        own = view(m, "own")
        assert own["banned_words"] == {"value": ["quux"], "source": "site", "key": "banned_words"}
        assert own["thresholds"]["rejected"]["source"] == "file"
        line = [l for l in m.log().splitlines() if "config reloaded" in l][-1]
        assert ("changed: threshold_pending, threshold_reject, banned_words, weight_<code>"
                in line), line
        # the word taken out of the file again: approved, source "default"
        s.write(conf(KEY_A, BASE))
        s.reload("config reloaded")
        v = post_comment(m, "rs", "c5", BANNED_TEXT)
        assert (v["status"], flags(v)) == ("approved", {}), v
        got = view(m, "rs")
        assert got["banned_words"]["source"] == "default"
        assert got["detectors"]["banned_word"]["weight"] == {
            "value": 1.0, "source": "default", "key": "weight_banned_word"}
    finally:
        s.close()


def test_sighup_with_a_bad_file_keeps_the_verdict_settings(binary):
    """A reloaded file that does not load (a bad value, thresholds out of
    order, a weight for no detector) is logged as an error naming the key
    and changes nothing: WORD is still banned at the same status, and the
    settings still show the running file's values."""
    s = Started(binary, conf(KEY_A, VERDICT_FILE))
    try:
        m = s.m
        v = post_comment(m, "rs", "c1", BANNED_TEXT)
        assert (v["status"], flags(v)) == ("rejected", {"banned_word": 0.7}), v
        for i, (bad, says) in enumerate((
                ("banned_words other\nthreshold_reject lots\n", "threshold_reject (from"),
                ("banned_words other\nthreshold_pending 0.8\nthreshold_reject 0.6\n",
                 "threshold_reject: must be >= threshold_pending"),
                ("banned_words other\nweight_no_such_detector 0.5\n",
                 "weight_no_such_detector: unknown detector code"))):
            s.write(conf(KEY_A, BASE + bad))
            s.reload("config reload failed")
            line = [l for l in m.log().splitlines() if "config reload failed" in l][-1]
            assert says in line and "the running configuration is kept" in line, line
            assert '"level":"error"' in line, line
            v = post_comment(m, "rs", "b%d" % i, BANNED_TEXT)
            assert (v["status"], flags(v)) == ("rejected", {"banned_word": 0.7}), v
            v = post_comment(m, "rs", "o%d" % i, PLAIN_TEXT + " other")
            assert (v["status"], flags(v)) == ("approved", {}), v
            got = view(m, "rs")
            assert got["banned_words"] == {"value": [WORD], "source": "file",
                                           "key": "banned_words"}
            assert got["thresholds"]["rejected"]["value"] == 0.6
    finally:
        s.close()


def test_comments_on_keep_alive_connections_during_reloads(binary):
    """Two threads post 100 comments each (with WORD) and read the settings
    over one keep-alive connection apiece while the file is reloaded 10
    times, banning WORD and not in turn: every request is answered (201 /
    200) on the same socket, each verdict is one of the two files' (banned
    at 0.7 and rejected, or approved without flags), and after the last
    reload the next comment follows the last file."""
    import threading
    s = Started(binary, conf(KEY_A, BASE))
    per_thread, reloads = 100, 10
    done = [0, 0]
    bad, seen = [], [set(), set()]

    def hammer(i):
        conn = http.client.HTTPConnection("127.0.0.1", s.m.port, timeout=20)
        try:
            conn.connect()
            sock = conn.sock
            for k in range(per_thread):
                if k % 5 == 4:
                    st = status(conn, KEY_A, "/v1/sites/ka%d/settings" % i)
                    if st != 200:
                        bad.append(("settings", st))
                else:
                    v = post_comment(s.m, "ka%d" % i, "t%d-%d" % (i, k), BANNED_TEXT, conn)
                    got = (v["status"], tuple(sorted(flags(v).items())))
                    if got not in (("rejected", (("banned_word", 0.7),)), ("approved", ())):
                        bad.append(got)
                    seen[i].add(got[0])
                if conn.sock is not sock:
                    bad.append(("reconnected", k))
                done[i] += 1
        except Exception as e:  # noqa: BLE001 - reported by the assertion below
            bad.append(repr(e))
        finally:
            conn.close()

    threads = [threading.Thread(target=hammer, args=(i,)) for i in range(2)]
    try:
        for t in threads:
            t.start()
        for r in range(reloads):
            # spread the reloads over the run
            until(lambda: min(done) >= r * per_thread // (reloads + 1) or bad, 60)
            s.write(conf(KEY_A, VERDICT_FILE if r % 2 == 0 else BASE))
            s.reload("config reloaded")
        for t in threads:
            t.join(120)
        assert not bad, bad[:5]
        assert done == [per_thread, per_thread], done
        assert seen[0] | seen[1] == {"rejected", "approved"}, seen  # both files were used
        assert s.m.log().count("config reloaded") == reloads
        # the last file (r = 9) has no banned word
        v = post_comment(s.m, "ka0", "last", BANNED_TEXT)
        assert (v["status"], flags(v)) == ("approved", {}), v
    finally:
        s.close()


DOCS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs", "config.md")
# a valid new value for each key docs/config.md says a reload applies
NEW_VALUES = {
    "client_keys": KEY_B, "moderator_keys": "zed:reload-moderator-key-zzzzzzzzzz",
    "moderator_anonymous_keys": "true", "rate_limit_key": "1000", "rate_limit_ip": "1000",
    "auth_fail_limit": "99", "coral_secret": "reload-coral-secret-0123456789",
    "threshold_pending": "0.4", "threshold_reject": "0.8", "banned_words": "quux",
    "suspect_words": "wibble", "domain_allow": "a.example", "domain_block": "b.example",
    "flood_max": "7", "flood_window": "60", "detectors_disabled": "shouting",
    "weight_<code>": None,  # as weight_shouting below
}


def test_docs_list_of_reloaded_keys_is_what_a_reload_applies(binary):
    """Every key docs/config.md lists under "Applied on reload" is named as
    applied when the file changes it; keys it does not list are named as
    needing a restart; the verdict settings among them shape the next
    comments (a suspect word, a blocked domain, the disabled detector).
    (log_level is left out: the harness sets it in the environment, which
    wins over the file.)"""
    import re
    text = open(DOCS).read()
    listed = re.findall(r"`([^`]+)`", re.search(r"Applied on reload: (.*?)\. Every other key",
                                                 text).group(1))
    assert set(listed) == set(NEW_VALUES) | {"log_level"}, listed
    s = Started(binary, conf(KEY_A))
    shout = "WHY IS NOBODY TALKING ABOUT THE WEATHER TODAY"
    try:
        # before: the word is no suspect, the domain not blocked, shouting runs
        v = post_comment(s.m, "any", "p1", PLAIN_TEXT + " wibble")
        assert "suspect_word" not in flags(v), v
        v = post_comment(s.m, "any", "p2", "Rain all week here, photos at http://b.example/x")
        assert not any("blocked" in f["detail"] for f in v["flags"]), v
        assert "shouting" in flags(post_comment(s.m, "any", "p3", shout))
        lines = ["%s %s" % (k, v) for k, v in NEW_VALUES.items() if v is not None]
        lines += ["weight_shouting 0.5", "max_body 2048", "thread_context 5"]
        s.write("\n".join(lines) + "\n")
        s.reload("config reloaded")
        log = s.m.log()
        line = [l for l in log.splitlines() if "config reloaded" in l][-1]
        applied = re.search(r"changed: (.*?) \(", line).group(1).split(", ")
        assert sorted(applied) == sorted(NEW_VALUES), line
        warn = [l for l in log.splitlines() if "need a restart" in l][-1]
        assert "max_body, thread_context changed" in warn, warn
        r = s.m.request("GET", "/v1/sites/any/settings", key=KEY_B)  # KEY_A is gone
        assert r.status == 200, r
        assert r.json["settings"]["detectors"]["shouting"] == {
            "weight": {"value": 0.5, "source": "file", "key": "weight_shouting"},
            "enabled": {"value": False, "source": "file", "key": "detectors_disabled"}}
        assert r.json["settings"]["flood"]["window"] == {"value": 60, "source": "file",
                                                         "key": "flood_window"}
        v = post_comment(s.m, "any", "d1", PLAIN_TEXT + " wibble", key=KEY_B)
        assert "suspect_word" in flags(v), v
        v = post_comment(s.m, "any", "d2", "Sunny at last in the north, see http://b.example/y",
                         key=KEY_B)
        assert [(f["score"], f["detail"]) for f in v["flags"] if f["code"] == "link_spam"] == [
            (1.0, "links to blocked domain b.example; 1 link in 7 words")], v
        v = post_comment(s.m, "any", "d3", shout, key=KEY_B)
        assert "shouting" not in flags(v), v
    finally:
        s.close()
