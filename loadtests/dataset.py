#!/usr/bin/env python3
"""Deterministic mixed dataset for backup benchmarks (Python 3 standard library only).

Generate (default ~2 GiB):
    python3 loadtests/dataset.py DIR [--size 2G] [--seed 42]

Change ~PERCENT of the bytes in place (modify, append, add, delete), deterministically:
    python3 loadtests/dataset.py DIR --mutate 5 [--seed 42]

Layout of a generated dataset (fractions of --size):
    text/     ~40%  large log-like and CSV-like files (compress ~3x with zstd -3)
    bin/      ~40%  large incompressible files (seeded pseudo-random bytes)
    small/    ~12%  many small files of 1-64 KiB, half text and half random, nested 3 levels
    dups/     ~8%   copies of some large files with a few bytes inserted at the start
                    (content-defined chunking should dedup them almost entirely)
Directories are nested (text/aa/bb/...). The same --size and --seed always give the same bytes.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import re
import shutil
import sys
import time

KiB = 1024
MiB = 1024 * KiB
GiB = 1024 * MiB
BLOCK = 4 * MiB

LEVELS = ["INFO", "INFO", "INFO", "DEBUG", "DEBUG", "WARN", "ERROR", "TRACE"]
SERVICES = ["api", "auth", "billing", "cache", "db", "edge", "gateway", "indexer", "mailer", "queue",
            "scheduler", "search", "storage", "worker"]


def parse_size(text: str) -> int:
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([KMGT]?)(?:i?B)?\s*", text, re.IGNORECASE)
    if not m:
        raise argparse.ArgumentTypeError(f"size '{text}' is not like 200M, 2G, 1.5G or 123456")
    factor = {"": 1, "K": KiB, "M": MiB, "G": GiB, "T": 1024 * GiB}[m.group(2).upper()]
    return int(float(m.group(1)) * factor)


def sub_rng(seed: int, *parts: object) -> random.Random:
    """An independent generator for one file/purpose, so one file's bytes do not depend on the others."""
    h = hashlib.sha256(repr((seed,) + parts).encode()).digest()
    return random.Random(int.from_bytes(h[:8], "big"))


class TextSource:
    """Log/CSV-like text from a seeded vocabulary built once; lines vary by timestamp, ids and numbers."""

    def __init__(self, seed: int) -> None:
        rng = sub_rng(seed, "vocabulary")
        letters = "abcdefghijklmnopqrstuvwxyz"
        self.words = ["".join(rng.choices(letters, k=rng.randint(3, 10))) for _ in range(3000)]
        # A pool of message bodies; each file draws lines from it and adds per-line fields.
        self.messages = []
        for _ in range(20000):
            n = rng.randint(4, 12)
            body = " ".join(rng.choices(self.words, k=n))
            if rng.random() < 0.4:
                body += f" key={rng.choice(self.words)} value={rng.randint(0, 10**6)}"
            self.messages.append(body)
        self.csv_names = rng.sample(self.words, 200)

    def log_block(self, rng: random.Random, size: int, state: list[int]) -> bytes:
        """About `size` bytes of log lines; `state` carries the timestamp across blocks of one file."""
        out = []
        total = 0
        ts = state[0]
        msgs = self.messages
        nmsg = len(msgs)
        rand = rng.random
        while total < size:
            batch = []
            for _ in range(512):
                ts += int(rand() * 900) + 1
                sec, ms = divmod(ts, 1000)
                mi, s = divmod(sec, 60)
                h, mi = divmod(mi, 60)
                line = (f"2026-11-{1 + (h // 24) % 28:02d}T{h % 24:02d}:{mi:02d}:{s:02d}.{ms:03d}Z "
                        f"{LEVELS[int(rand() * 8)]} {SERVICES[int(rand() * 14)]}[{int(rand() * 64) + 1000}] "
                        f"req={int(rand() * 16**8):08x} {msgs[int(rand() * nmsg)]} dur_ms={int(rand() * 5000)}\n")
                batch.append(line)
            chunk = "".join(batch)
            out.append(chunk)
            total += len(chunk)
        state[0] = ts
        return "".join(out).encode("ascii")[:size]

    def csv_block(self, rng: random.Random, size: int, state: list[int]) -> bytes:
        out = []
        total = 0
        row = state[0]
        names = self.csv_names
        rand = rng.random
        if row == 0:
            header = "id,customer,region,product,quantity,unit_price,discount,status,comment\n"
            out.append(header)
            total += len(header)
        while total < size:
            batch = []
            for _ in range(512):
                row += 1
                batch.append(
                    f"{row},{names[int(rand() * 200)]}_{int(rand() * 5000)},{SERVICES[int(rand() * 14)]},"
                    f"{names[int(rand() * 200)]},{int(rand() * 100)},{rand() * 1000:.2f},{int(rand() * 30)}%,"
                    f"{LEVELS[int(rand() * 8)].lower()},{self.messages[int(rand() * 20000)]}\n")
            chunk = "".join(batch)
            out.append(chunk)
            total += len(chunk)
        state[0] = row
        return "".join(out).encode("ascii")[:size]


def write_random(path: str, rng: random.Random, size: int) -> None:
    with open(path, "wb") as f:
        left = size
        while left > 0:
            n = min(BLOCK, left)
            f.write(rng.randbytes(n))
            left -= n


def write_text(path: str, rng: random.Random, size: int, text: TextSource, kind: str) -> None:
    state = [int(rng.random() * 10**9)] if kind == "log" else [0]
    gen = text.log_block if kind == "log" else text.csv_block
    with open(path, "wb") as f:
        left = size
        while left > 0:
            n = min(BLOCK, left)
            f.write(gen(rng, n, state))
            left -= n


def nested_dir(root: str, rng: random.Random, depth: int, fanout: int) -> str:
    parts = [f"d{rng.randrange(fanout):02d}" for _ in range(depth)]
    path = os.path.join(root, *parts)
    os.makedirs(path, exist_ok=True)
    return path


def large_sizes(rng: random.Random, budget: int, lo: int, hi: int) -> list[int]:
    """Log-uniform file sizes between lo and hi adding up to `budget`."""
    sizes = []
    left = budget
    while left > 0:
        s = int(lo * (hi / lo) ** rng.random())
        s = min(s, left)
        if left - s < lo // 4:  # do not leave a tiny remainder
            s = left
        sizes.append(s)
        left -= s
    return sizes


def generate(root: str, size: int, seed: int) -> None:
    if os.path.exists(root) and os.listdir(root):
        sys.exit(f"dataset.py: {root} exists and is not empty; remove it or pick another directory")
    os.makedirs(root, exist_ok=True)
    t0 = time.monotonic()
    text = TextSource(seed)
    rng = sub_rng(seed, "layout")

    small_budget = int(size * 0.12)
    dup_budget = int(size * 0.08)
    large_budget = size - small_budget - dup_budget
    text_budget = large_budget // 2
    bin_budget = large_budget - text_budget
    hi = max(256 * KiB, min(48 * MiB, size // 24))
    lo = max(64 * KiB, hi // 32)

    files = 0
    written = 0
    large: list[tuple[str, int]] = []

    for i, s in enumerate(large_sizes(rng, text_budget, lo, hi)):
        kind = "log" if i % 3 else "csv"
        d = nested_dir(os.path.join(root, "text"), rng, rng.randint(1, 3), 6)
        path = os.path.join(d, f"{kind}-{i:05d}.{'log' if kind == 'log' else 'csv'}")
        write_text(path, sub_rng(seed, "text", i), s, text, kind)
        large.append((path, s))
        files += 1
        written += s

    for i, s in enumerate(large_sizes(rng, bin_budget, lo, hi)):
        d = nested_dir(os.path.join(root, "bin"), rng, rng.randint(1, 3), 6)
        path = os.path.join(d, f"blob-{i:05d}.bin")
        write_random(path, sub_rng(seed, "bin", i), s)
        large.append((path, s))
        files += 1
        written += s

    # Many small files: 1-64 KiB, skewed towards small sizes (mean ~22 KiB).
    left = small_budget
    i = 0
    while left > 0:
        s = min(left, KiB + int(rng.random() ** 2 * 63 * KiB))
        d = nested_dir(os.path.join(root, "small"), rng, 3, 8)
        frng = sub_rng(seed, "small", i)
        if i % 2:
            path = os.path.join(d, f"s{i:06d}.txt")
            write_text(path, frng, s, text, "log" if i % 4 == 1 else "csv")
        else:
            path = os.path.join(d, f"s{i:06d}.dat")
            write_random(path, frng, s)
        left -= s
        written += s
        files += 1
        i += 1
    small_files = i

    # Shifted duplicates: a few bytes inserted at the start of a copy of a large file.
    order = list(range(len(large)))
    rng.shuffle(order)
    left = dup_budget
    dups = 0
    os.makedirs(os.path.join(root, "dups"), exist_ok=True)
    for idx in order:
        if left <= 0:
            break
        src, s = large[idx]
        if s > left * 2:
            continue
        prefix = sub_rng(seed, "dup", idx).randbytes(1 + idx % 97)
        dst = os.path.join(root, "dups", f"shifted-{dups:04d}-{os.path.basename(src)}")
        with open(src, "rb") as fi, open(dst, "wb") as fo:
            fo.write(prefix)
            shutil.copyfileobj(fi, fo, BLOCK)
        left -= s + len(prefix)
        written += s + len(prefix)
        files += 1
        dups += 1

    dt = time.monotonic() - t0
    print(f"generated {root}: {files} files ({small_files} small, {dups} shifted duplicates), "
          f"{written / MiB:.1f} MiB in {dt:.1f} s ({written / MiB / max(dt, 1e-9):.0f} MiB/s)")


def list_files(root: str) -> list[tuple[str, int]]:
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            p = os.path.join(dirpath, name)
            out.append((p, os.path.getsize(p)))
    return out


def mutate(root: str, percent: float, seed: int) -> None:
    """Change ~percent% of the bytes: 40% overwritten in place, 30% appended, 20% new files, 10% deleted."""
    files = list_files(root)
    if not files:
        sys.exit(f"dataset.py: nothing to mutate under {root}")
    total = sum(s for _, s in files)
    budget = int(total * percent / 100)
    # The generator depends on the current state, so repeated mutations differ but stay reproducible.
    rng = sub_rng(seed, "mutate", percent, len(files), total)
    text = TextSource(seed)
    t0 = time.monotonic()
    changed = {"modified": 0, "appended": 0, "added": 0, "deleted": 0}
    nbytes = {"modified": 0, "appended": 0, "added": 0, "deleted": 0}

    def payload(path: str, n: int) -> bytes:
        r = sub_rng(seed, "payload", os.path.relpath(path, root), n, rng.random())
        if path.endswith((".log", ".txt")):
            return text.log_block(r, n, [int(r.random() * 10**9)])
        if path.endswith(".csv"):
            return text.csv_block(r, n, [10**7 + int(r.random() * 10**6)])
        return r.randbytes(n)

    candidates = files[:]
    rng.shuffle(candidates)
    deleted: set[str] = set()

    # Deletions first (10%), preferring files that fit the share.
    share = budget // 10
    for path, s in candidates:
        if share <= 0:
            break
        if s <= share or (changed["deleted"] == 0 and s <= budget // 4):
            os.remove(path)
            deleted.add(path)
            changed["deleted"] += 1
            nbytes["deleted"] += s
            share -= s

    alive = [(p, s) for p, s in candidates if p not in deleted]

    # In-place modifications (40%): overwrite a range inside the file, keeping its size.
    share = budget * 4 // 10
    for path, s in alive:
        if share <= 0:
            break
        if s < 4 * KiB:
            continue
        n = min(share, s // 2, max(4 * KiB, int(rng.random() * 2 * MiB)))
        off = rng.randrange(0, s - n + 1)
        with open(path, "r+b") as f:
            f.seek(off)
            f.write(payload(path, n))
        changed["modified"] += 1
        nbytes["modified"] += n
        share -= n

    # Appends (30%) to other files.
    share = budget * 3 // 10
    for path, s in reversed(alive):
        if share <= 0:
            break
        n = min(share, max(KiB, int(rng.random() * 1 * MiB)))
        with open(path, "ab") as f:
            f.write(payload(path, n))
        changed["appended"] += 1
        nbytes["appended"] += n
        share -= n

    # New files (the rest) in a fresh nested directory.
    share = budget - nbytes["deleted"] - nbytes["modified"] - nbytes["appended"]
    k = 0
    stamp = rng.randrange(16**6)
    while share > 0:
        n = min(share, max(KiB, int(rng.random() * 4 * MiB)))
        d = os.path.join(root, "new", f"m{stamp:06x}", f"d{k % 4}")
        os.makedirs(d, exist_ok=True)
        path = os.path.join(d, f"n{k:04d}" + (".log" if k % 2 else ".bin"))
        with open(path, "wb") as f:
            f.write(payload(path, n))
        changed["added"] += 1
        nbytes["added"] += n
        share -= n
        k += 1

    dt = time.monotonic() - t0
    done = sum(nbytes.values())
    print(f"mutated {root}: {done / MiB:.1f} MiB of {total / MiB:.1f} MiB ({100 * done / total:.2f}%) in {dt:.1f} s; "
          + ", ".join(f"{k} {changed[k]} files/{nbytes[k] / MiB:.1f} MiB" for k in changed))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dir", help="dataset directory (must be empty or absent when generating)")
    ap.add_argument("--size", type=parse_size, default=2 * GiB, help="total size, e.g. 200M, 2G (default 2G)")
    ap.add_argument("--seed", type=int, default=42, help="seed (default 42)")
    ap.add_argument("--mutate", type=float, metavar="PERCENT",
                    help="instead of generating, change about PERCENT%% of the existing data in place")
    args = ap.parse_args()
    if args.mutate is not None:
        if not 0 < args.mutate <= 100:
            sys.exit("dataset.py: --mutate takes a percentage in (0, 100]")
        mutate(args.dir, args.mutate, args.seed)
    else:
        if args.size < MiB:
            sys.exit("dataset.py: --size must be at least 1M")
        generate(args.dir, args.size, args.seed)


if __name__ == "__main__":
    main()
