"""stall_check.py - does a server answer every one of N keep-alive connections?

The 1,024-connection no-stall check of `make bench`. wrk measures
throughput, but cannot tell a slow server from one that stopped serving
some connections (libmicrohttpd 0.9.75 in epoll mode stalls with exactly
128/256 ready keep-alive connections). Here N connections are opened and,
in each of R rounds, every connection sends one comment at the same moment
(all N ready at once, the condition of that bug) and waits for its answer on
the same keep-alive connection. The check passes when every request of
every round got a 2xx answer before the deadline.

Prints one line "STALL conns=N rounds=R sent=.. ok=.. non2xx=.. failed=..
rounds_s=a,b,.. verdict=pass|fail". Exit status 0 on pass, 1 on fail.
Standard library only.
Usage: stall_check.py PORT SITE KEY [--conns N] [--rounds R] [--deadline S]
"""
import argparse
import asyncio
import json
import os
import random
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
MAX_HEADER = 65536  # bytes of response headers we accept before giving up


def comment_bodies(site_articles, n, tag, rnd):
    """n distinct, on-topic comment bodies built from the article texts."""
    out = []
    for i in range(n):
        a = rnd.choice(site_articles)
        sentences = [s.strip() for s in a["body"].split(".") if s.strip()]
        text = ". ".join(rnd.sample(sentences, min(3, len(sentences)))) + "."
        text = "I read this twice. %s Reader %d agrees." % (text, i)
        out.append(json.dumps({
            "id": "%s-%d" % (tag, i), "article_id": a["id"], "text": text,
            "author": {"name": "stall%d" % i, "ip": "10.9.%d.%d" % (i // 256 % 256, i % 256)},
        }).encode())
    return out


async def read_response(reader):
    """Status code of one HTTP/1.1 response (body read and discarded)."""
    head = await reader.readuntil(b"\r\n\r\n")
    if len(head) > MAX_HEADER:
        raise ValueError("response headers too long")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
    if length:
        await reader.readexactly(length)
    return status


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("port", type=int)
    ap.add_argument("site")
    ap.add_argument("key")
    ap.add_argument("--conns", type=int, default=1024)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--deadline", type=float, default=30.0, help="seconds per round")
    ap.add_argument("--tag", default="stall")
    args = ap.parse_args()
    with open(os.path.join(HERE, "articles.json")) as f:
        articles = json.load(f)
    rnd = random.Random(args.tag)

    async def connect():
        try:
            return await asyncio.wait_for(
                asyncio.open_connection("127.0.0.1", args.port), args.deadline)
        except (OSError, asyncio.TimeoutError):
            return None

    conns = await asyncio.gather(*[connect() for _ in range(args.conns)])
    sent = ok = non2xx = failed = 0
    failed += sum(1 for c in conns if c is None) * args.rounds
    rounds_s = []
    for r in range(args.rounds):
        bodies = comment_bodies(articles, args.conns, "%s-r%d" % (args.tag, r), rnd)

        async def one(i, c):
            reader, writer = c
            req = (("POST /v1/sites/%s/comments HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    "Authorization: Bearer %s\r\nContent-Type: application/json\r\n"
                    "Content-Length: %d\r\n\r\n") % (args.site, args.key, len(bodies[i]))
                   ).encode() + bodies[i]
            writer.write(req)
            await writer.drain()
            return await read_response(reader)

        live = [(i, c) for i, c in enumerate(conns) if c is not None]
        t0 = time.monotonic()
        results = await asyncio.gather(
            *[asyncio.wait_for(one(i, c), args.deadline) for i, c in live],
            return_exceptions=True)
        rounds_s.append(time.monotonic() - t0)
        for (i, c), res in zip(live, results):
            sent += 1
            if isinstance(res, BaseException):
                failed += 1
                c[1].close()
                conns[i] = None  # a connection that failed is not reused
            elif 200 <= res < 300:
                ok += 1
            else:
                non2xx += 1
    for c in conns:
        if c is not None:
            c[1].close()
    verdict = "pass" if ok == args.conns * args.rounds else "fail"
    print("STALL conns=%d rounds=%d sent=%d ok=%d non2xx=%d failed=%d rounds_s=%s verdict=%s"
          % (args.conns, args.rounds, sent, ok, non2xx, failed,
             ",".join("%.2f" % s for s in rounds_s), verdict))
    return 0 if verdict == "pass" else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
