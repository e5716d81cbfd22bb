#!/usr/bin/env python3
"""A mathnas worker (docs/worker-protocol.md) that serves NAS-Bench-201 ground truth from the benchmark CSVs.

Usage:  mathnas estimate --space nasbench201 --evaluator process:"python3 examples/workers/nb201_worker.py DIR" ...
DIR is the folder with nb201_cifar10_test_acc_200ep.csv and nb201_latency.csv (or a data root holding nasbench201/).
Metrics: accuracy (CIFAR-10 test accuracy after 200 epochs, %) and latency:DEVICE (ms) for every device column of
nb201_latency.csv. Python 3 standard library only. Values are passed on exactly: float(text) -> repr, which is the
shortest decimal that reads back to the same double, so the tool sees the numbers the CSVs hold.
"""
import csv
import json
import os
import sys

ACC_FILE = "nb201_cifar10_test_acc_200ep.csv"
LAT_FILE = "nb201_latency.csv"


def fail(message):
    sys.stderr.write("nb201_worker: " + message + "\n")
    sys.stderr.flush()
    sys.exit(2)


def load(folder):
    if not os.path.exists(os.path.join(folder, ACC_FILE)) and os.path.exists(os.path.join(folder, "nasbench201", ACC_FILE)):
        folder = os.path.join(folder, "nasbench201")
    for name in (ACC_FILE, LAT_FILE):
        if not os.path.isfile(os.path.join(folder, name)):
            fail("no %s in '%s'" % (name, folder))
    rows = {}
    with open(os.path.join(folder, ACC_FILE), newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        if header != ["arch_index", "arch_str", "op_code", "cifar10_test_acc"]:
            fail("%s: unexpected header %r" % (ACC_FILE, header))
        for r in reader:
            if not r:
                continue
            rows[r[2]] = {"arch": r[1], "accuracy": float(r[3])}
    with open(os.path.join(folder, LAT_FILE), newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        if header[:2] != ["arch_index", "op_code"] or len(header) < 3:
            fail("%s: unexpected header %r" % (LAT_FILE, header))
        devices = header[2:]
        for r in reader:
            if not r:
                continue
            row = rows.get(r[1])
            if row is None:
                fail("%s: op_code %s is not in %s" % (LAT_FILE, r[1], ACC_FILE))
            for d, v in zip(devices, r[2:]):
                row["latency:" + d] = float(v)
    return rows, devices


def arch_of_config(config):
    """The arch string of a native NAS-Bench-201 config ("arch: '|op~0|+|...|'"), or None."""
    if not config:
        return None
    for line in config.splitlines():
        line = line.strip()
        if line.startswith("arch:"):
            return line[len("arch:"):].strip().strip("'\"")
    return None


def main():
    if len(sys.argv) != 2:
        fail("usage: nb201_worker.py BENCHMARK_DIR")
    rows, devices = load(sys.argv[1])
    metrics = {"accuracy": "%"}
    for d in devices:
        metrics["latency:" + d] = "ms"
    out = sys.stdout
    out.write(json.dumps({"protocol": 1, "name": "nb201-csv", "metrics": metrics, "parallel": True,
                          "spaces": ["nasbench201"]}) + "\n")
    out.flush()
    for line in sys.stdin:
        if not line.strip():
            continue
        req = json.loads(line)
        rid = req.get("id")
        try:
            op_code = "".join(str(c) for c in req["code"])
            row = rows.get(op_code)
            if row is None:
                raise KeyError("network %s is not in the benchmark" % op_code)
            arch = arch_of_config(req.get("config"))
            if arch is not None and arch != row["arch"]:
                raise ValueError("config arch %s does not match the benchmark's %s for code %s" % (arch, row["arch"], op_code))
            resp = {"id": rid, "metrics": {m: row[m] for m in req.get("metrics") or metrics}}
        except Exception as e:  # the tool reports the text with the network
            resp = {"id": rid, "error": "%s: %s" % (type(e).__name__, e)}
        out.write(json.dumps(resp) + "\n")
        out.flush()


if __name__ == "__main__":
    main()
