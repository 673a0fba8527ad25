#!/usr/bin/env python3
"""Turns compare.sh's results.csv into Markdown tables (standard library only).

    python3 loadtests/report.py RESULTS/results.csv [RESULTS/env.txt]

Throughput is dataset bytes / wall time of the step. Ratios compare Vault with restic and Borg:
for time-based steps it is the throughput ratio (above 1 means Vault is faster; for forget and
prune, whose "throughput" is the dataset size over their time, the same holds), for the repository
size it is the size ratio (below 1 means Vault's repository is smaller).
"""

from __future__ import annotations

import csv
import sys

STEPS = [("initial", "Initial backup"), ("unchanged", "Unchanged re-backup"),
         ("changed", "Backup after change"), ("restore", "Restore latest"),
         ("history", "After the history backups"), ("forget", "Forget (keep last K)"),
         ("prune", "Prune / GC")]
MiB = 1048576


def fnum(text: str) -> float | None:
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def fmt(v: float | None, digits: int = 1) -> str:
    return "-" if v is None else f"{v:,.{digits}f}"


def main() -> None:
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    with open(sys.argv[1], newline="") as f:
        rows = list(csv.DictReader(f))
    if len(sys.argv) > 2:
        with open(sys.argv[2]) as f:
            for line in f:
                print(f"<!-- {line.rstrip()} -->")
    by = {(r["tool"], r["step"]): r for r in rows}
    step_names = {s for s, _ in STEPS}
    for r in rows:
        if r["step"] not in step_names and r["status"] == "failed":
            print(f"**{r['tool']} was left out of the run: {r['step']} failed (see its log).**\n")
    tools = [t for t in ("restic", "borg", "vault") if any(r["tool"] == t for r in rows)]

    print("| Step | Tool | Time (s) | MiB/s | Peak RSS (MiB) | Silo peak RSS (MiB) | Repo (MiB) | Status |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |")
    for step, label in STEPS:
        for t in tools:
            r = by.get((t, step))
            if not r:
                continue
            rss = fnum(r["peak_rss_kib"])
            srss = fnum(r["silo_peak_rss_kib"])
            repo = fnum(r["repo_bytes"])
            print(f"| {label} | {t} | {fmt(fnum(r['seconds']), 2)} | {fmt(fnum(r['mib_per_s']))} | "
                  f"{fmt(rss / 1024 if rss else None)} | {fmt(srss / 1024 if srss else None)} | "
                  f"{fmt(repo / MiB if repo else None)} | {r['status']} |")
    hwm = by.get(("vault", "silo-vmhwm"))
    if hwm and fnum(hwm["silo_peak_rss_kib"]):
        print(f"\nVault silo VmHWM over the whole run: {fnum(hwm['silo_peak_rss_kib']) / 1024:,.1f} MiB")

    if "vault" not in tools:
        return
    others = [t for t in ("restic", "borg") if t in tools]
    if not others:
        return
    print()
    print("| Step | " + " | ".join(f"Vault/{t}" for t in others) + " |")
    print("| --- | " + " | ".join("---:" for _ in others) + " |")
    for step, label in STEPS:
        v = fnum(by.get(("vault", step), {}).get("mib_per_s"))
        cells = []
        for t in others:
            o = fnum(by.get((t, step), {}).get("mib_per_s"))
            cells.append(f"{v / o:.2f}x" if v and o else "-")
        print(f"| {label} (throughput) | " + " | ".join(cells) + " |")
    for step, label in (("changed", "Repository size"), ("history", "Repository size after the history"),
                        ("prune", "Repository size after prune")):
        v = fnum(by.get(("vault", step), {}).get("repo_bytes"))
        if v is None:
            continue
        cells = []
        for t in others:
            o = fnum(by.get((t, step), {}).get("repo_bytes"))
            cells.append(f"{v / o:.2f}" if v and o else "-")
        print(f"| {label} (lower is better) | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
