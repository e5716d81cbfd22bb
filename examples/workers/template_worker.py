#!/usr/bin/env python3
"""A template mathnas worker (docs/worker-protocol.md): put your own measurement in evaluate().

    mathnas estimate --space my-space.yml --evaluator process:"python3 examples/workers/template_worker.py" --out t.json

The tool starts this program once (or N times with --workers N, since the hello says "parallel": true), sends one
JSON request per line on stdin and reads one JSON response per line from stdout. Anything you want to log goes to
stderr (the tool shows its last lines when the worker fails). Python 3 standard library only.

evaluate() below is a toy function of the block indices, so the template runs as it is; replace it with, e.g.,
a PyTorch training run of the network the request describes (its "blocks" are the block names per node, its
"config" the space's native config where it has one) or a latency measurement on your device.

Options (for the tests and for trying the tool's fault handling):
  --delay S     sleep S seconds per evaluation (a slow worker)
  --log FILE    append the code of every finished evaluation to FILE (one line each)
  --serial      say "parallel": false in the hello
"""
import argparse
import json
import sys
import time

# The metrics this worker offers, with their units. Metric names: accuracy, latency:DEVICE, energy:DEVICE, cost:NAME.
METRICS = {"accuracy": "%", "latency:toy": "ms"}


def evaluate(request):
    """Measure one network. request["code"]: block index per node; request["blocks"]: block names per node;
    request["space"]: the space name; request["config"]: native config text or None. Return {metric: value}."""
    code = request["code"]
    # Toy accuracy: an additive part plus one pairwise interaction (neighbouring nodes); toy latency: additive.
    acc = 70.0
    for i, c in enumerate(code):
        acc += 1.5 * c - 0.25 * c * c + 0.1 * i * c
    for i in range(len(code) - 1):
        acc += 0.05 * code[i] * code[i + 1]
    lat = 1.0 + sum(0.2 * (i + 1) * (c + 1) for i, c in enumerate(code))
    return {"accuracy": acc, "latency:toy": lat}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--delay", type=float, default=0.0)
    ap.add_argument("--log")
    ap.add_argument("--serial", action="store_true")
    args = ap.parse_args()
    out = sys.stdout
    out.write(json.dumps({"protocol": 1, "name": "template", "metrics": METRICS, "parallel": not args.serial}) + "\n")
    out.flush()
    for line in sys.stdin:
        if not line.strip():
            continue
        req = json.loads(line)
        try:
            if args.delay > 0:
                time.sleep(args.delay)
            values = evaluate(req)
            resp = {"id": req["id"], "metrics": {m: values[m] for m in req.get("metrics") or METRICS}}
            if args.log:
                with open(args.log, "a") as f:
                    f.write(",".join(str(c) for c in req["code"]) + "\n")
        except Exception as e:
            resp = {"id": req.get("id"), "error": "%s: %s" % (type(e).__name__, e)}
        out.write(json.dumps(resp) + "\n")
        out.flush()


if __name__ == "__main__":
    main()
