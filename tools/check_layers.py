#!/usr/bin/env python3
"""check_layers.py - the layering rules of service/, checked on the sources.

Every source under service/<layer>/ may include headers of its own layer and
of the layers listed for it in ALLOWED (downward only), and each third-party
library is included by one layer only (LIBRARIES). A header in include/
belongs to the layer whose folder holds the source of the same name
(include/store.h -> service/store/store.c); HEADERS names the layer of the
interface headers that have no such source. A header nobody can place is a
failure, so a new interface must be given a layer here.

Prints one line per violation and "layers: N passed, N failed" (one check
per source file). Exit 1 on any failure. Usage: check_layers.py [ROOT]
"""
import os
import re
import sys

# Layer -> the layers it may include (its own is always allowed). The
# engine is pure: it includes nothing of the service but itself.
ALLOWED = {
    "core": set(),
    "engine": set(),
    "codec": {"core"},
    "http": {"core"},
    "store": {"core"},
    "webhook": {"store", "codec", "core"},
    "comment": {"engine", "store", "webhook", "codec", "core"},
    "api": {"comment", "engine", "store", "webhook", "codec", "http", "core"},
    "main": {"api", "comment", "engine", "store", "webhook", "codec", "http", "core"},
}

# Interface headers in include/ without a source of the same name.
HEADERS = {
    "api.h": "api",
    "store.h": "store",
    "review.h": "api",
    "store_review.h": "store",
    "store_webhook.h": "store",
    "comment.h": "comment",
}

# Third-party headers (prefix) -> the one layer that may include them.
LIBRARIES = {
    "microhttpd.h": "http",
    "jansson.h": "codec",
    "hiredis/": "store",
    "curl/": "webhook",
    "openssl/": "core",
    "utf8proc.h": "engine",
    "libstemmer.h": "engine",
}

INCLUDE_RE = re.compile(r'^\s*#\s*include\s+([<"])([^">]+)[">]', re.M)


def layer_of_source(rel):
    parts = rel.split("/")
    return "main" if len(parts) == 2 else parts[1]


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "."
    service = os.path.join(root, "service")
    sources = {}  # "service/<layer>/<file>" -> text
    home = {}     # base name of a source -> its layer (for include/ headers)
    for d, _, files in os.walk(service):
        for f in sorted(files):
            if f.endswith((".c", ".h")):
                rel = os.path.relpath(os.path.join(d, f), root)
                with open(os.path.join(root, rel), encoding="utf-8") as fh:
                    sources[rel] = fh.read()
                if f.endswith(".c"):
                    home[f[:-2]] = layer_of_source(rel)
    passed = failed = 0
    for rel in sorted(sources):
        layer = layer_of_source(rel)
        here = os.path.dirname(rel)
        bad = []
        for kind, name in INCLUDE_RE.findall(sources[rel]):
            if kind == "<":
                for lib, owner in LIBRARIES.items():
                    if name.startswith(lib) and owner != layer:
                        bad.append(f"<{name}> belongs to the {owner} layer")
                continue
            if os.path.exists(os.path.join(root, here, name)):
                continue  # a private header beside the source
            if not os.path.exists(os.path.join(root, "include", name)):
                bad.append(f'"{name}" is neither beside it nor in include/')
                continue
            target = HEADERS.get(name) or home.get(name[:-2])
            if target is None:
                bad.append(f'include/{name} has no layer (name it in HEADERS)')
            elif target != layer and target not in ALLOWED[layer]:
                bad.append(f'"{name}" is in the {target} layer, above or beside {layer}')
        if bad:
            failed += 1
            for b in bad:
                print(f"FAIL {rel}: {b}")
        else:
            passed += 1
    print(f"layers: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
