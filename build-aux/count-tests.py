#!/usr/bin/env python3
"""Count test cases in meson's testlog.json files: every TAP line of every test
program (a program that crashed before printing its results counts as one
failure). Prints 'N passed, N failed[, N skipped]'."""
import json
import re
import sys

passed = failed = skipped = 0
for path in sys.argv[1:]:
    try:
        lines = open(path, encoding="utf-8").read().splitlines()
    except OSError as e:
        print(f"count-tests: cannot read {path}: {e}", file=sys.stderr)
        failed += 1
        continue
    for line in lines:
        if not line.strip():
            continue
        t = json.loads(line)
        out = t.get("stdout") or ""
        ok = nok = sk = 0
        for l in out.splitlines():
            m = re.match(r"^(not ok|ok)\b(.*)$", l)
            if not m:
                continue
            if re.search(r"#\s*(SKIP|TODO)", m.group(2), re.I):
                sk += 1
            elif m.group(1) == "ok":
                ok += 1
            else:
                nok += 1
        result = t.get("result")
        if ok + nok + sk == 0:
            # Not a TAP program (or it printed nothing): count the program itself.
            if result == "OK":
                ok = 1
            elif result == "SKIP":
                sk = 1
            else:
                nok = 1
        elif result not in ("OK", "SKIP", "EXPECTEDFAIL") and nok == 0:
            nok = 1  # crashed or timed out after some passing cases
        passed += ok
        failed += nok
        skipped += sk
line = f"{passed} passed, {failed} failed"
if skipped:
    line += f", {skipped} skipped"
print(line)
sys.exit(1 if failed else 0)
