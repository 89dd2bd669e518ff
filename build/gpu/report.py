#!/usr/bin/env python3
"""The device kit's report: `record` appends one step's outcome (status, exit code, seconds, the JSON it printed) to a
JSON Lines file; `assemble` writes report.json from those steps, the diagnostics and the pack's manifest, with a summary
of parity, the bench rows, the anchors and our speed over theirs; `table` prints that summary as text."""
import argparse
import datetime
import json
import os
import sys


def tail(path, limit):
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - limit))
            return f.read().decode("utf-8", "replace")
    except OSError:
        return ""


def json_lines(path):
    """Every line of the file that is a JSON object, in order."""
    objects = []
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                line = line.strip()
                if line.startswith("{"):
                    try:
                        objects.append(json.loads(line))
                    except json.JSONDecodeError:
                        pass
    except OSError:
        pass
    return objects


def record(args):
    step = {"name": args.name, "status": args.status, "exit_code": args.rc, "seconds": args.seconds,
            "timeout_s": args.timeout, "command": args.cmd, "note": args.note or None}
    objects = json_lines(args.stdout) if args.stdout else []
    if len(objects) == 1:
        step["result"] = objects[0]
    elif objects:
        step["results"] = objects
    elif args.stdout:
        step["stdout_tail"] = tail(args.stdout, 3000)
    if args.stderr:
        step["stderr_tail"] = tail(args.stderr, 3000) or None
    with open(args.steps, "a", encoding="utf-8") as f:
        f.write(json.dumps(step) + "\n")


def load(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, json.JSONDecodeError):
        return None


def bench_row(step):
    r = step.get("result") or {}
    keys = ["arch", "size", "batch", "classes", "device", "device_name", "dtype", "channels_last", "images_per_second",
            "forward_images_per_s", "efficiency", "seconds", "planned_chunk_size", "chunk_size", "peak_device_mb",
            "peak_rss_mb"]
    row = {"step": step["name"], "status": step["status"]}
    row.update({k: r[k] for k in keys if k in r})
    return row


def summarise(steps):
    summary = {"steps": {s["name"]: s["status"] for s in steps}, "parity": {}, "bench": [], "anchors": [], "speedup": []}
    for s in steps:
        name, result = s["name"], s.get("result")
        if name.startswith("parity-") and isinstance(result, dict) and "cases" in result:
            summary["parity"][name] = {"passed": result.get("passed"), "failed": result.get("failed"),
                                       "failing": {c["case"]: c.get("reason") for c in result["cases"] if not c.get("passed")},
                                       "tf32": result.get("tf32")}
        elif name == "oom-backoff" and isinstance(result, dict):
            summary["oom_backoff"] = {k: result.get(k) for k in ("chunk_size", "oom_retries", "final_chunk_size",
                                                                 "planned_chunk_size", "max_abs_diff_vs_planned",
                                                                 "peak_device_mb")}
        elif name.startswith("bench-"):
            summary["bench"].append(bench_row(s))
        elif name.startswith("anchors-"):
            for r in s.get("results") or ([s["result"]] if s.get("result") else []):
                summary["anchors"].append(dict(r, step=name))
    for anchor in summary["anchors"]:
        if "images_per_second" not in anchor:
            continue
        for row in summary["bench"]:
            if (row.get("images_per_second") and row.get("arch") == anchor["arch"]
                    and row.get("classes") == anchor["classes"] and row.get("batch") == anchor["batch"]):
                summary["speedup"].append({
                    "arch": anchor["arch"], "classes": anchor["classes"], "anchor": anchor["anchor"],
                    "anchor_dtype": anchor["dtype"], "ours": row["step"],
                    "ratio": round(row["images_per_second"] / anchor["images_per_second"], 2)})
    return summary


def assemble(args):
    steps = []
    if os.path.exists(args.steps):
        with open(args.steps, encoding="utf-8") as f:
            steps = [json.loads(line) for line in f if line.strip()]
    diagnostics = next((s.get("result") for s in steps if s["name"] == "diagnostics"), None)
    report = {
        "kit": {"mode": args.mode, "started": args.started,
                "written": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                "budget_s": args.budget, "manifest": load(args.manifest) if args.manifest else None},
        "device": diagnostics,
        "summary": summarise(steps),
        "steps": steps,
    }
    tmp = args.out + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(report, f, indent=1)
    os.replace(tmp, args.out)


def table(args):
    report = load(args.report) or {}
    summary = report.get("summary", {})
    out = sys.stdout
    out.write("steps: " + ", ".join(f"{k} {v}" for k, v in summary.get("steps", {}).items()) + "\n")
    for name, p in summary.get("parity", {}).items():
        out.write(f"{name}: {p['passed']} passed, {p['failed']} failed {sorted(p['failing'])}\n")
    if "oom_backoff" in summary:
        out.write(f"oom-backoff: {summary['oom_backoff']}\n")
    for row in summary.get("bench", []):
        out.write("bench " + " ".join(f"{k}={v}" for k, v in row.items()) + "\n")
    for a in summary.get("anchors", []):
        out.write("anchor " + " ".join(f"{k}={a.get(k)}" for k in ("anchor", "arch", "classes", "dtype", "images_per_second",
                                                                   "peak_device_mb", "error") if k in a) + "\n")
    for s in summary.get("speedup", []):
        out.write(f"speedup {s['ours']} vs {s['anchor']} ({s['anchor_dtype']}): x{s['ratio']}\n")


def main():
    p = argparse.ArgumentParser(description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser("record")
    r.add_argument("--steps", required=True)
    r.add_argument("--name", required=True)
    r.add_argument("--status", required=True)
    r.add_argument("--rc", type=int, default=None)
    r.add_argument("--seconds", type=float, default=None)
    r.add_argument("--timeout", type=float, default=None)
    r.add_argument("--cmd", default="")
    r.add_argument("--note", default="")
    r.add_argument("--stdout", default="")
    r.add_argument("--stderr", default="")
    a = sub.add_parser("assemble")
    a.add_argument("--steps", required=True)
    a.add_argument("--out", required=True)
    a.add_argument("--mode", required=True)
    a.add_argument("--started", required=True)
    a.add_argument("--budget", type=float, default=None)
    a.add_argument("--manifest", default="")
    t = sub.add_parser("table")
    t.add_argument("--report", required=True)
    args = p.parse_args()
    {"record": record, "assemble": assemble, "table": table}[args.command](args)


if __name__ == "__main__":
    main()
