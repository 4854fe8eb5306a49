"""run.py - discover tests/integration/test_*.py and run every test_* function.

Each test function takes the path of the modq binary. Prints ok/FAIL per
test and a final "integration: N passed, N failed". Exit 1 on any failure.
Usage: run.py --modq build/san/modq [-k substring]
"""
import argparse
import importlib.util
import os
import sys
import time
import traceback


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--modq", required=True)
    ap.add_argument("-k", default="")
    args = ap.parse_args()
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, here)
    binary = os.path.abspath(args.modq)
    passed = failed = 0
    for fn in sorted(os.listdir(here)):
        if not (fn.startswith("test_") and fn.endswith(".py")):
            continue
        spec = importlib.util.spec_from_file_location(fn[:-3], os.path.join(here, fn))
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        for name in sorted(n for n in dir(mod) if n.startswith("test_")):
            full = "%s.%s" % (fn[:-3], name)
            if args.k and args.k not in full:
                continue
            t0 = time.time()
            try:
                getattr(mod, name)(binary)
                passed += 1
                print("ok   %s (%.1fs)" % (full, time.time() - t0), flush=True)
            except Exception:
                failed += 1
                print("FAIL %s (%.1fs)" % (full, time.time() - t0), flush=True)
                for line in traceback.format_exc().splitlines()[-25:]:
                    print("  " + line[:2000], flush=True)
    print("integration: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
