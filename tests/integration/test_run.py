"""test_run.py - tools/run.sh (`make run`): its private redis-server never
lands on a port another process holds, and the README's example works when
pasted after it. run.sh runs from a copy of the tree in a temp dir (its
./var there) with build/modq being the binary under test."""
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time

from harness import Redis, free_port, wait_port

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
DEFAULT_REDIS_PORT = 6390


class Run:
    """tools/run.sh started in a scratch tree; stop() ends it like Ctrl-C."""

    def __init__(self, binary, tree, extra_env=None):
        self.tree = tree
        self.listen = "127.0.0.1:%d" % free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("MODQ_")}
        env.update({"MODQ_LISTEN": self.listen, "MODQ_DRAIN_SECONDS": "0"})
        env.update(extra_env or {})
        self.out = open(os.path.join(tree, "run-%d.out" % time.time_ns()), "w+")
        self.proc = subprocess.Popen(["sh", os.path.join(tree, "tools", "run.sh")], env=env,
                                     stdout=self.out, stderr=subprocess.STDOUT,
                                     start_new_session=True)

    def text(self):
        self.out.flush()
        with open(self.out.name) as f:
            return f.read()

    def wait_exit(self, timeout=15):
        return self.proc.wait(timeout)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)  # the group this test started
                self.proc.wait()
        self.out.close()
        return self.proc.returncode


def scratch_tree(binary):
    tree = tempfile.mkdtemp(prefix="modq-run-")
    os.makedirs(os.path.join(tree, "tools"))
    os.makedirs(os.path.join(tree, "build"))
    shutil.copy(os.path.join(ROOT, "tools", "run.sh"), os.path.join(tree, "tools", "run.sh"))
    os.symlink(binary, os.path.join(tree, "build", "modq"))
    return tree


def hold(port):
    """A plain listener on port (None when someone else has it already)."""
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port))
    except OSError:
        s.close()
        return None
    s.listen(1)
    return s


def test_run_refuses_a_taken_explicit_redis_port(binary):
    """MODQ_REDIS_PORT held by a plain listener, then by another
    redis-server: run.sh exits 1 naming the port, starts neither Redis nor
    modq, and writes nothing into the other server."""
    tree = scratch_tree(binary)
    other = Redis(tree).start()
    port = free_port()
    sock = hold(port)
    try:
        for p in (port, other.port):
            r = Run(binary, tree, {"MODQ_REDIS_PORT": str(p)})
            rc = r.wait_exit()
            text = r.text()
            r.stop()
            assert rc == 1, text
            assert "run: 127.0.0.1:%d (MODQ_REDIS_PORT) is taken by another process" % p \
                in text, text
            assert "private redis-server" not in text and "modq on" not in text, text
            assert not wait_port(int(r.listen.split(":")[1]), 0.3)
        assert other.cli("DBSIZE") == "0"
    finally:
        sock.close()
        other.stop()
        shutil.rmtree(tree, ignore_errors=True)


def sh(script, cwd):
    out = subprocess.run(["sh", "-ec", script], cwd=cwd, capture_output=True, text=True,
                         timeout=30, env={k: v for k, v in os.environ.items()
                                          if not k.startswith("MODQ_")})
    assert out.returncode == 0, (script, out.stdout, out.stderr)
    return out.stdout


def test_run_moves_off_a_taken_default_port_and_the_readme_example_works(binary):
    """With 6390 taken, run.sh says so and runs its Redis on the next free
    port; the README's second-shell example (its 127.0.0.1:8080 read as the
    address run.sh listens on) and the export lines run.sh prints both work
    as pasted; a second run.sh pointed at the first one's Redis refuses to
    share var/redis; Ctrl-C stops modq and Redis."""
    tree = scratch_tree(binary)
    sock = hold(DEFAULT_REDIS_PORT)  # None: taken by someone else, as wanted
    r = Run(binary, tree)
    try:
        assert wait_port(int(r.listen.split(":")[1]), 20), r.text()
        text = r.text()
        assert "run: 127.0.0.1:%d is taken by another process; trying %d" % (
            DEFAULT_REDIS_PORT, DEFAULT_REDIS_PORT + 1) in text, text
        m = re.search(r"run: private redis-server on 127\.0\.0\.1:(\d+) ", text)
        assert m and int(m.group(1)) > DEFAULT_REDIS_PORT, text
        rport = int(m.group(1))
        # the README, pasted into a second shell in the tree
        with open(os.path.join(ROOT, "README.md")) as f:
            readme = f.read()
        block = readme.split("Try it from a second shell", 1)[1].split("```sh\n", 1)[1]
        block = block.split("```", 1)[0].replace("127.0.0.1:8080", r.listen)
        out = sh(block, tree)
        assert '"status":"pending"' in out or '"status":"rejected"' in out, out
        assert '"id":"a1"' in out, out
        # the printed export lines and curl commands, pasted
        lines = text.split("In a second shell, paste these", 1)[1].split("\n", 1)[1]
        exports = "\n".join(l.strip() for l in lines.splitlines() if l.strip().startswith("export"))
        assert exports.count("export MODQ_") == 2, lines
        tryit = text.split("Then try:\n", 1)[1].split("\n\n", 1)[0]
        out = sh(exports + "\n" + tryit.replace("comments", "comments ").rstrip(), tree)
        assert out.count('"site":"demo"') >= 1, out
        # a second run.sh on the first one's Redis port: refused
        r2 = Run(binary, tree, {"MODQ_REDIS_PORT": str(rport)})
        rc = r2.wait_exit()
        text2 = r2.text()
        r2.stop()
        assert rc == 1 and "already uses var/redis" in text2, text2
        pid = subprocess.run(["redis-cli", "-p", str(rport), "info", "server"],
                             capture_output=True, text=True).stdout
        rpid = int(re.search(r"process_id:(\d+)", pid).group(1))
    finally:
        rc = r.stop()
        if sock:
            sock.close()
    assert rc == 0, r.text()[-2000:]
    def gone():
        try:
            os.kill(rpid, 0)
            return False
        except ProcessLookupError:
            return True
    end = time.time() + 10
    while not gone() and time.time() < end:
        time.sleep(0.05)
    assert gone(), "run.sh left its redis-server running"
    shutil.rmtree(tree, ignore_errors=True)
