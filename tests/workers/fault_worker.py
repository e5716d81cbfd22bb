#!/usr/bin/env python3
"""A worker for the tests of the tool's fault handling (docs/worker-protocol.md). Usage: fault_worker.py MODE [STATE]

Metrics: accuracy (%) = 50 + sum(code), latency:toy (ms) = 1 + len(code).
MODE: ok | crash-once | nonjson-once | crash-always | hang | nan | missing | wrong-unit | error | bad-protocol | serial
STATE: a file the *-once modes create on their first fault (so the restarted worker behaves).
"""
import json
import os
import sys
import time

mode = sys.argv[1]
state = sys.argv[2] if len(sys.argv) > 2 else None
out = sys.stdout


def send(obj):
    out.write(json.dumps(obj) + "\n")
    out.flush()


send({"protocol": 2 if mode == "bad-protocol" else 1, "name": "fault-" + mode,
      "metrics": {"accuracy": "%", "latency:toy": "ms"}, "parallel": mode != "serial"})
for line in sys.stdin:
    req = json.loads(line)
    code = req["code"]
    values = {"accuracy": 50.0 + sum(code), "latency:toy": 1.0 + len(code)}
    first_fault = state is not None and not os.path.exists(state)
    if mode in ("crash-once", "nonjson-once") and first_fault:
        open(state, "w").close()
        sys.stderr.write("fault_worker: simulated failure on %s\n" % code)
        sys.stderr.flush()
        if mode == "crash-once":
            sys.exit(3)
        out.write("this is not json\n")
        out.flush()
        continue
    if mode == "crash-always":
        sys.stderr.write("fault_worker: out of memory (simulated)\n")
        sys.stderr.flush()
        sys.exit(4)
    if mode == "hang" and code[0] == 1:
        time.sleep(60)
    if mode == "nan":
        out.write('{"id": %d, "metrics": {"accuracy": NaN, "latency:toy": 1.0}}\n' % req["id"])
        out.flush()
        continue
    if mode == "missing":
        del values["latency:toy"]
    if mode == "wrong-unit":
        values["latency:toy"] = {"value": 0.002, "unit": "s"}
    if mode == "error":
        send({"id": req["id"], "error": "CUDA out of memory (simulated)"})
        continue
    send({"id": req["id"], "metrics": values})
