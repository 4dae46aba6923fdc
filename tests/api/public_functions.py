#!/usr/bin/env python3
"""Print every function the public headers declare, one per line, sorted.

Usage: public_functions.py PREPROCESSED_HEADERS  (clang -E -P of every include/deltacat/*.h)
Used by tests/api/complete.sh to check that tests/api/headers.c links each of them.
"""
import re
import sys

text = open(sys.argv[1]).read()
names = set()
for stmt in re.split(r"[;{}]", text):
    st = " ".join(stmt.split())
    if st.startswith("typedef"):
        continue
    m = re.match(r"^(?:extern\s+)?(?:static\s+inline\s+)?(?:const\s+)?[\w\s*]+?\b(dc_\w+)\s*\(", st)
    if m:
        names.add(m.group(1))
print("\n".join(sorted(names)))
