"""Where the CPU of a test run goes: runs a command and adds up the CPU time of every process by kind.

Usage: python bench/suite_cpu.py [--interval 1.0] [--json FILE] -- COMMAND [ARG ...]
       e.g. python bench/suite_cpu.py -- bash .ci/run
            python bench/suite_cpu.py -- .venv/bin/python -m pytest -q tests/e2e

Every INTERVAL seconds it reads /proc/<pid>/stat of every process on the machine and keeps each process's latest
user + system time; at the end it prints CPU-seconds per kind, their share, the wall time and how busy the machine's
cores were over the run (/proc/stat). Kinds: the pytest processes of each suite (SQLite, or PostgreSQL when the
process has CONSULT_TEST_DATABASE_URL in its environment), Chromium by process type (browser, renderer, GPU,
utility), Playwright's driver, the PostgreSQL server, test app hosts (gunicorn), slapd, and everything else.
Processes that start and end between two samples are not seen, and a process's last interval before it exits is
lost, so the kinds add up to a little less than the busy time of the cores; the difference is printed as
"not attributed". Reads /proc only (Linux); the command's exit status is returned.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import threading
import time

HZ = os.sysconf("SC_CLK_TCK")


def _read(path: str) -> bytes:
    """A /proc file's bytes, or b'' when the process is gone or unreadable."""
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except OSError:
        return b""


def kind_of(pid: str) -> str | None:
    """The kind of a process from its command line and environment (None for a kernel thread)."""
    cmd = _read(f"/proc/{pid}/cmdline").replace(b"\0", b" ").decode(errors="replace").strip()
    if not cmd:
        return None
    suite = "PostgreSQL" if b"CONSULT_TEST_DATABASE_URL=" in _read(f"/proc/{pid}/environ") else "SQLite"
    if "chromium" in cmd or "chrome" in cmd.split(" ", 1)[0]:
        match = re.search(r"--type=([a-z-]+)", cmd)
        return f"Chromium {match.group(1) if match else 'browser'}"
    if "playwright" in cmd and "node" in cmd:
        return "Playwright driver (node)"
    if cmd.startswith("postgres"):
        return "PostgreSQL server"
    if "gunicorn" in cmd:
        return f"test app hosts (gunicorn), {suite}"
    if "slapd" in cmd:
        return "slapd"
    if "python" in cmd and ("pytest" in cmd or "execnet" in cmd or " -c " in cmd):
        return f"pytest processes, {suite}"
    if "python" in cmd:
        return f"other Python, {suite}"
    return "other: " + os.path.basename(cmd.split(" ", 1)[0])


def busy_ticks() -> int:
    """Busy clock ticks of all cores since boot (all but idle and iowait), from the first line of /proc/stat."""
    fields = [int(x) for x in _read("/proc/stat").split(b"\n", 1)[0].split()[1:]]
    return sum(fields) - fields[3] - (fields[4] if len(fields) > 4 else 0)


class Sampler(threading.Thread):
    """Samples /proc until stopped; `seen` maps (pid, start time) to [kind, latest CPU-seconds, first CPU-seconds]."""

    def __init__(self, interval: float):
        super().__init__(daemon=True)
        self.interval = interval
        self.seen: dict[tuple[str, str], list] = {}
        self._done = threading.Event()
        self._me = str(os.getpid())

    def sample(self) -> None:
        """Read every process's CPU time once."""
        for pid in os.listdir("/proc"):
            if not pid.isdigit() or pid == self._me:
                continue
            stat = _read(f"/proc/{pid}/stat").decode(errors="replace")
            if not stat:
                continue
            fields = stat[stat.rindex(")") + 2:].split()
            cpu, key = (int(fields[11]) + int(fields[12])) / HZ, (pid, fields[19])
            if key in self.seen:
                self.seen[key][1] = cpu
            elif (kind := kind_of(pid)) is not None:
                self.seen[key] = [kind, cpu, cpu]  # kind, latest CPU time, CPU time when first seen

    def run(self) -> None:
        """Sample until stopped."""
        while not self._done.is_set():
            self.sample()
            self._done.wait(self.interval)
        self.sample()

    def stop(self) -> None:
        """Stop after one last sample."""
        self._done.set()
        self.join()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--interval", type=float, default=1.0, help="seconds between samples (default 1)")
    ap.add_argument("--json", help="also write the figures to this file")
    ap.add_argument("command", nargs=argparse.REMAINDER)
    args = ap.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        ap.error("give the command to measure after --")

    sampler = Sampler(args.interval)
    sampler.sample()  # processes already running (services) count only what they spend from now on
    already = set(sampler.seen)
    busy0 = busy_ticks()
    start = time.monotonic()
    sampler.start()
    rc = subprocess.call(command)
    wall = time.monotonic() - start
    sampler.stop()
    busy1 = busy_ticks()

    totals: dict[str, float] = {}
    for key, (kind, cpu, first) in sampler.seen.items():
        totals[kind] = totals.get(kind, 0.0) + cpu - (first if key in already else 0.0)
    totals = {k: v for k, v in totals.items() if v >= 0.05}
    cores = os.cpu_count() or 1
    busy = (busy1 - busy0) / HZ
    attributed = sum(totals.values())
    print(f"\n== CPU of `{' '.join(command)}`: wall {wall:.0f} s, {cores} cores busy {busy:.0f} CPU-s "
          f"({busy / (wall * cores) * 100:.0f} %), exit {rc} ==")
    for kind, cpu in sorted(totals.items(), key=lambda kv: -kv[1]):
        print(f"{cpu:9.1f} CPU-s {cpu / busy * 100:5.1f} %  {kind}")
    print(f"{busy - attributed:9.1f} CPU-s {(busy - attributed) / busy * 100:5.1f} %  not attributed "
          f"(short-lived processes, last interval of each process, the kernel)")
    groups = {"Chromium and Playwright": ("Chromium", "Playwright"), "pytest processes": ("pytest",)}
    for name, prefixes in groups.items():
        cpu = sum(v for k, v in totals.items() if k.startswith(prefixes))
        print(f"{cpu:9.1f} CPU-s {cpu / busy * 100:5.1f} %  = {name} in all")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump({"command": command, "wall": wall, "busy": busy, "cores": cores, "exit": rc,
                       "cpu": totals}, fh, ensure_ascii=False, indent=1)
    return rc


if __name__ == "__main__":
    sys.exit(main())
