#!/usr/bin/env python3
"""The load suite of the performance issue (README "Performance"). Run through bench/run.sh.

Builds the server with the `bench` feature, seeds a database (`portcullis bench-seed`), starts
`portcullis serve` for each scenario and drives it with wrk (a separate process, 64
connections), then prints a table with PASS/FAIL per target and writes JSON.

Python 3.11 standard library only; psql for PostgreSQL databases, wrk for load (installed with
apt-get when missing).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
LUA = REPO / "bench" / "load.lua"
MIB = 1024 * 1024
GUARDED = "/api/v1/employees"
BASELINE = "/bench/baseline/employees"
UNLOGGED = "/bench/baseline-unlogged/employees"
KINDS = ("pat", "api_key", "jwt")
ADMIN_PASSWORD = "bench-admin-password"


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", flush=True)


# ---------------------------------------------------------------- set-up

def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    log("wrk not found: installing it with apt-get (Debian package wrk)")
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    cmd = sudo + ["apt-get", "install", "-y", "wrk"]
    if subprocess.run(cmd, check=False).returncode != 0:
        subprocess.run(sudo + ["apt-get", "update"], check=True)
        subprocess.run(cmd, check=True)
    found = shutil.which("wrk")
    if not found:
        sys.exit("wrk could not be installed")
    return found


def build(args) -> Path:
    target = Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target"))
    profile = "debug" if args.debug else "release"
    cmd = ["cargo", "build", "-p", "backend", "--bin", "portcullis", "--features", "bench"]
    if not args.debug:
        cmd.append("--release")
    if not args.no_build:
        log("building: " + " ".join(cmd))
        started = time.monotonic()
        subprocess.run(cmd, cwd=REPO, check=True)
        log(f"built in {time.monotonic() - started:.0f} s")
    binary = target / profile / "portcullis"
    if not binary.exists():
        sys.exit(f"no binary at {binary}")
    return binary


class Database:
    """A fresh database for one run: an SQLite file, or a PostgreSQL database created here."""

    def __init__(self, kind: str, args, workdir: Path):
        self.kind = kind
        self.pg_base = args.pg_url.rstrip("/")
        if kind == "sqlite":
            self.path = workdir / "bench.db"
            self.url = f"sqlite://{self.path}?mode=rwc"
        else:
            self.name = f"pc_bench_{int(time.time())}_{os.getpid()}"
            self.psql(f"CREATE DATABASE {self.name}", db="postgres")
            self.url = f"{self.pg_base}/{self.name}"

    def psql(self, sql: str, db: str | None = None) -> str:
        out = subprocess.run(
            ["psql", f"{self.pg_base}/{db or self.name}", "-XAtqc", sql],
            check=True, capture_output=True, text=True,
        )
        return out.stdout.strip()

    def scalar(self, sql: str) -> int:
        if self.kind == "sqlite":
            with sqlite3.connect(self.path) as c:
                return int(c.execute(sql).fetchone()[0])
        return int(self.psql(sql))

    def logged_rows(self) -> int:
        """Rows of the two measured routes (not the suite's own /bench/counters calls)."""
        return self.scalar(
            f"SELECT COUNT(*) FROM api_logs WHERE endpoint IN ('{GUARDED}', '{BASELINE}')"
        )

    def drop(self) -> None:
        if self.kind == "postgres":
            self.psql(f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)", db="postgres")


# ---------------------------------------------------------------- the server

def proc_status(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


class Server:
    port_seq = 18600

    def __init__(self, binary: Path, db: Database, workdir: Path, redis_url: str | None = None):
        Server.port_seq += 1
        self.port = Server.port_seq
        self.db = db
        self.url = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ, RUST_LOG="warn")
        cmd = [
            str(binary), "serve", "--database-url", db.url, "--bind", f"127.0.0.1:{self.port}",
            "--admin-password", ADMIN_PASSWORD, "--spa-dir", str(workdir / "no-spa"),
            "--log-retention-days", "0", "--shutdown-timeout-secs", "30",
        ]
        if redis_url:
            cmd += ["--redis-url", redis_url]
        self.log = open(workdir / f"server-{self.port}.log", "w")
        self.rows_before = db.logged_rows()
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT, env=env)
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(self.url + "/readyz", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                sys.exit(f"server on {self.port} did not start: see {self.log.name}")
            time.sleep(0.2)
        self.sent = 0  # responses wrk received from this server (every run, warm-ups included)

    def rss(self) -> int:
        return proc_status(self.proc.pid, "VmRSS")

    def peak_rss(self) -> int:
        return proc_status(self.proc.pid, "VmHWM")

    def counters(self) -> dict:
        with urllib.request.urlopen(self.url + "/bench/counters", timeout=10) as r:
            return json.loads(r.read())

    def stop(self) -> dict:
        """Graceful shutdown (SIGTERM: the log writer drains), then the logged-row check."""
        peak = self.peak_rss()
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=90)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()
        rows = self.db.logged_rows() - self.rows_before
        return {
            "peak_rss": peak,
            "requests_answered": self.sent,
            "rows_logged": rows,
            # wrk counts answered requests; a request in flight when wrk stops is served and
            # logged but not counted, so rows may exceed it by up to the connections.
            "lost_rows": max(0, self.sent - rows),
            "exit_code": self.proc.returncode,
        }


# ---------------------------------------------------------------- load

def wrk(server: Server, path: str, seconds: float, tokens: Path | None = None, mode="rotate",
        warm=0, connections=64, threads=2, until=None) -> dict:
    """One wrk run. `until` (a function of the server) ends a run early: polled every 0.2 s,
    then wrk gets SIGINT and reports what it did up to then."""
    result = Path(tempfile.mkstemp(prefix="wrk_", suffix=".json")[1])
    env = dict(os.environ, BENCH_MODE=mode, BENCH_WARM=str(warm), BENCH_THREADS=str(threads),
               BENCH_RESULT=str(result), BENCH_TOKENS=str(tokens) if tokens else "")
    cmd = [WRK, "-t", str(threads), "-c", str(connections), "-d", f"{max(1, int(seconds))}s",
           "--timeout", "10s", "-s", str(LUA), server.url + path]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)
    if until:
        while proc.poll() is None:
            if until(server):
                proc.send_signal(signal.SIGINT)
                break
            time.sleep(0.2)
    out, _ = proc.communicate()
    try:
        data = json.loads(result.read_text())
    except (OSError, ValueError):
        sys.exit(f"wrk gave no result:\n{out}")
    finally:
        result.unlink(missing_ok=True)
    server.sent += data["requests"]
    secs = data["duration_us"] / 1e6
    data["rps"] = data["requests"] / secs if secs else 0.0
    e = data["errors"]
    data["socket_errors"] = e["connect"] + e["read"] + e["write"] + e["timeout"]
    return data


def row(name: str, db: str, run: dict, server: Server | None = None, **extra) -> dict:
    r = {
        "scenario": name, "db": db,
        "rps": round(run["rps"], 1),
        "p50_ms": run["latency_us"]["p50"] / 1000,
        "p99_ms": run["latency_us"]["p99"] / 1000,
        "requests": run["requests"],
        "status": run["status"],
        "socket_errors": run["socket_errors"],
    }
    if server:
        r["peak_rss_mib"] = round(server.peak_rss() / MIB, 1)
    r.update(extra)
    return r


# ---------------------------------------------------------------- scenarios

def guarded_runs(args, binary, db, workdir, tokens, results, logs_checks):
    """Baseline, the three guarded kinds warm, rate limited: each on a server of its own."""
    out = {}
    plan = [("baseline_unlogged", UNLOGGED, None), ("baseline", BASELINE, None),
            *[(k, GUARDED, tokens / f"{k}.txt") for k in KINDS],
            ("rate_limited", GUARDED, tokens / "limited.txt")]
    for name, path, token_file in plan:
        server = Server(binary, db, workdir)
        idle = server.rss()
        # Warm-up: every token of the rotation is verified once and the pool is filled.
        wrk(server, path, args.warmup, token_file, warm=args.warm_tokens)
        run = wrk(server, path, args.duration, token_file, warm=args.warm_tokens)
        r = row(name if name.startswith("baseline") or name == "rate_limited"
                else f"guarded_{name}", db.kind,
                run, server, idle_rss_mib=round(idle / MIB, 1))
        check = server.stop()
        logs_checks.append({"db": db.kind, "server": name, **check})
        results.append(r)
        out[name] = r
        log(f"{db.kind:8} {r['scenario']:16} {r['rps']:9.0f} req/s  p50 {r['p50_ms']:.2f} ms  "
            f"p99 {r['p99_ms']:.2f} ms  {r['status']}")
    return out


def cold_run(args, binary, db, workdir, tokens, results, logs_checks, warm_reads):
    """First use of every token of each kind on a fresh server: database reads per token beyond
    what a warm request reads, password hashes, and the memory the caches then hold."""
    server = Server(binary, db, workdir)
    time.sleep(1)
    out = {"idle_rss_mib": round(server.rss() / MIB, 1)}
    for kind in KINDS:
        file = tokens / f"{kind}.txt"
        n = sum(1 for line in file.read_text().splitlines() if line)
        cache = {"pat": "cached_principals", "api_key": "cached_api_keys",
                 "jwt": "cached_access_tokens"}[kind]
        before = server.counters()
        rows = db.logged_rows()
        # Each wrk thread stops after its share of the tokens; wrk itself waits for its
        # duration, so it is interrupted once every token's request has been logged.
        run = wrk(server, GUARDED, 600, file, mode="once",
                  until=lambda s, n=n, rows=rows: s.db.logged_rows() - rows >= n)
        after = server.counters()
        reads = after["db_reads"] - before["db_reads"]
        # Requests the server served, from its log (wrk stops counting at SIGINT while up to a
        # connection's worth is still answered, and those read too); waits for the writer.
        served, deadline = db.logged_rows() - rows, time.monotonic() + 10
        while time.monotonic() < deadline:
            time.sleep(0.5)
            now = db.logged_rows() - rows
            if now == served:
                break
            served = now
        extra = (reads - warm_reads * served) / n
        hashes = after["password_hashes"] - before["password_hashes"]
        rss = server.rss()
        r = row(f"cold_{kind}", db.kind, run, server, tokens=n, db_reads=reads, served=served,
                warm_reads_per_request=warm_reads, cold_reads_per_token=round(extra, 2),
                password_hashes=hashes, cached=after[cache], rss_after_mib=round(rss / MIB, 1))
        results.append(r)
        out[kind] = r
        log(f"{db.kind:8} {r['scenario']:16} {r['rps']:9.0f} req/s  reads/token "
            f"{extra:.2f} (total {reads} for {served} requests)  hashes {hashes}  "
            f"RSS {rss / MIB:.1f} MiB  {r['status']}")
        if kind == "pat":
            out["rss_10k_principals_mib"] = round(rss / MIB, 1)
    check = server.stop()
    logs_checks.append({"db": db.kind, "server": "cold", **check})
    return out


def warm_reads_per_request(binary, db, workdir, tokens) -> float:
    """Database reads of one warm guarded request (API key), measured, to subtract from cold."""
    server = Server(binary, db, workdir)
    file = tokens / "api_key.txt"
    wrk(server, GUARDED, 2, file, warm=50, connections=8, threads=1)
    time.sleep(1)  # the warm-up's last rows reach the log
    before, rows = server.counters()["db_reads"], db.logged_rows()
    wrk(server, GUARDED, 2, file, warm=50, connections=8, threads=1)
    after = server.counters()["db_reads"]
    server.stop()  # drains the log: every request served is counted
    served = db.logged_rows() - rows
    return round((after - before) / max(1, served), 3)


def redis_run(args, binary, db, workdir, tokens, results, logs_checks, in_process):
    """Two instances on one database sharing the Redis limiter; wrk drives both at once
    (half the connections each); compared with one instance's in-process limiter."""
    import threading
    servers = [Server(binary, db, workdir, redis_url=args.redis_url) for _ in range(2)]
    file = tokens / "api_key.txt"
    runs = [None, None]

    def drive(i, seconds, keep):
        r = wrk(servers[i], GUARDED, seconds, file, warm=args.warm_tokens,
                connections=args.connections // 2, threads=1)
        if keep:
            runs[i] = r

    for seconds, keep in ((args.warmup, False), (args.duration, True)):
        ts = [threading.Thread(target=drive, args=(i, seconds, keep)) for i in range(2)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
    rps = sum(r["rps"] for r in runs)
    merged = dict(runs[0])
    merged["rps"] = rps
    merged["requests"] = sum(r["requests"] for r in runs)
    merged["latency_us"] = {k: max(r["latency_us"][k] for r in runs) for k in ("p50", "p99")}
    merged["status"] = {k: sum(r["status"][k] for r in runs) for k in runs[0]["status"]}
    merged["socket_errors"] = sum(r["socket_errors"] for r in runs)
    peak = max(s.peak_rss() for s in servers)
    r = row("redis_2_instances", db.kind, merged, None, peak_rss_mib=round(peak / MIB, 1),
            in_process_rps=in_process, ratio=round(rps / in_process, 3) if in_process else None)
    for i, s in enumerate(servers):
        logs_checks.append({"db": db.kind, "server": f"redis_{i}", **s.stop()})
    results.append(r)
    log(f"{db.kind:8} {r['scenario']:16} {rps:9.0f} req/s  ({r['ratio']} x in-process)  "
        f"{r['status']}")
    return r


def soak_run(args, binary, db, workdir, tokens, logs_checks) -> dict:
    """A bounded soak: API-key requests over every token for `--soak` seconds at 64
    connections, RSS sampled every 5 s (the first sample after 10 s, once caches are full)."""
    server = Server(binary, db, workdir)
    file = tokens / "api_key.txt"
    import threading
    samples = []
    done = threading.Event()

    def sample():
        start = time.monotonic()
        while not done.wait(5):
            samples.append((round(time.monotonic() - start), round(server.rss() / MIB, 1)))

    t = threading.Thread(target=sample)
    t.start()
    run = wrk(server, GUARDED, args.soak, file)
    done.set()
    t.join()
    check = server.stop()
    logs_checks.append({"db": db.kind, "server": "soak", **check})
    settled = [s for s in samples if s[0] >= 10] or samples
    first, last = (settled[0][1], settled[-1][1]) if settled else (0, 0)
    out = {
        "db": db.kind, "seconds": args.soak, "rps": round(run["rps"], 1),
        "requests": run["requests"], "status": run["status"],
        "socket_errors": run["socket_errors"], "p99_ms": run["latency_us"]["p99"] / 1000,
        "rss_samples_mib": samples, "rss_first_mib": first, "rss_last_mib": last,
        "lost_rows": check["lost_rows"],
    }
    log(f"{db.kind:8} soak {args.soak} s: {run['rps']:.0f} req/s, {run['status']}, RSS "
        f"{first} -> {last} MiB, lost rows {check['lost_rows']}")
    return out


def writer_rate(binary, db, rows: int) -> float:
    out = subprocess.run([str(binary), "bench-writer", "--database-url", db.url, "--rows",
                          str(rows)], check=True, capture_output=True, text=True,
                         env=dict(os.environ, RUST_LOG="warn"))
    return json.loads(out.stdout.strip().splitlines()[-1])["rows_per_second"]


# ---------------------------------------------------------------- targets

def verdicts(report: dict) -> list[dict]:
    out = []

    def target(name, value, limit, ok, unit=""):
        out.append({"target": name, "value": value, "limit": limit, "unit": unit,
                    "pass": bool(ok)})

    for db, d in report["databases"].items():
        base = d["guarded"]["baseline"]
        for k in KINDS:
            g = d["guarded"][k]
            ratio = g["rps"] / base["rps"] if base["rps"] else 0
            target(f"{db}: {k} guarded/baseline req/s", round(ratio, 3), ">= 0.95", ratio >= 0.95)
            added = g["p99_ms"] - base["p99_ms"]
            target(f"{db}: {k} p99 added", round(added, 2), "<= 0.5", added <= 0.5, "ms")
        for k in KINDS:
            c = d["cold"][k]
            target(f"{db}: cold {k} DB reads per token", c["cold_reads_per_token"], "<= 1",
                   c["cold_reads_per_token"] <= 1)
            target(f"{db}: cold {k} password hashes", c["password_hashes"], "== 0",
                   c["password_hashes"] == 0)
        lim = d["guarded"]["rate_limited"]
        ratio = lim["rps"] / base["rps"] if base["rps"] else 0
        target(f"{db}: 429s req/s vs baseline", round(ratio, 3), ">= 0.95", ratio >= 0.95)
        fastest = max(d["guarded"][k]["rps"] for k in KINDS)
        ratio = d["writer_rows_per_s"] / fastest if fastest else 0
        target(f"{db}: log writer vs guarded rate", round(ratio, 2), ">= 3", ratio >= 3, "x")
        idle = max(d["guarded"][k]["idle_rss_mib"] for k in ("baseline", *KINDS))
        target(f"{db}: idle RSS", idle, "<= 60", idle <= 60, "MiB")
        rss = d["cold"]["rss_10k_principals_mib"]
        target(f"{db}: RSS with {d['cold']['pat']['cached']} cached principals", rss, "<= 150",
               rss <= 150, "MiB")
        if "redis" in d:
            r = d["redis"]["ratio"] or 0
            target(f"{db}: Redis 2 instances / in-process", r, ">= 0.70", r >= 0.70, "x")
    # The unlogged baseline writes no row by design: nothing to lose.
    lost = sum(c["lost_rows"] for c in report["log_checks"] if c["server"] != "baseline_unlogged")
    target("lost log rows (every logged server, after drain)", lost, "== 0", lost == 0)
    bad = sum(c["exit_code"] != 0 for c in report["log_checks"])
    target("servers that exited uncleanly", bad, "== 0", bad == 0)
    if report.get("soak"):
        s = report["soak"]
        target("soak: 5xx", s["status"]["5xx"], "== 0", s["status"]["5xx"] == 0)
        target("soak: lost log rows", s["lost_rows"], "== 0", s["lost_rows"] == 0)
        flat = s["rss_last_mib"] <= max(s["rss_first_mib"] * 1.10, s["rss_first_mib"] + 8)
        target("soak: RSS flat (last <= first +10% or +8 MiB)",
               f"{s['rss_first_mib']} -> {s['rss_last_mib']}", "flat", flat, "MiB")
    return out


def print_table(report: dict) -> None:
    print("\n| db | scenario | req/s | p50 ms | p99 ms | peak RSS MiB | 2xx | 429 | other 4xx | 5xx | socket errors |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in report["scenarios"]:
        s = r["status"]
        print(f"| {r['db']} | {r['scenario']} | {r['rps']:,.0f} | {r['p50_ms']:.2f} | "
              f"{r['p99_ms']:.2f} | {r.get('peak_rss_mib', '')} | {s['2xx']} | {s['429']} | "
              f"{s['4xx']} | {s['5xx']} | {r['socket_errors']} |")
    print("\n| target | value | limit | result |")
    print("|---|---|---|---|")
    for v in report["targets"]:
        print(f"| {v['target']} | {v['value']} {v['unit']} | {v['limit']} | "
              f"{'PASS' if v['pass'] else 'FAIL'} |")


# ---------------------------------------------------------------- main

def main() -> int:
    global WRK
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--smoke", action="store_true",
                   help="small seed, 2 s per scenario, 5 s soak, debug build, SQLite only")
    p.add_argument("--dbs", default=None, help="sqlite,postgres (default both; smoke: sqlite)")
    p.add_argument("--no-redis", action="store_true", help="skip the two-instance Redis run")
    p.add_argument("--soak", type=int, default=None, help="soak seconds (0 = none; default 60)")
    p.add_argument("--duration", type=float, default=None, help="seconds measured per scenario")
    p.add_argument("--warmup", type=float, default=None)
    p.add_argument("--connections", type=int, default=64)
    p.add_argument("--warm-tokens", type=int, default=1000,
                   help="tokens each warm scenario rotates over")
    p.add_argument("--debug", action="store_true", help="debug build instead of release")
    p.add_argument("--no-build", action="store_true", help="use the binary already built")
    p.add_argument("--pg-url", default=os.environ.get("PORTCULLIS_TEST_PG_URL",
                                                      "postgres://postgres@127.0.0.1:5432"))
    p.add_argument("--redis-url", default=os.environ.get("PORTCULLIS_TEST_REDIS_URL",
                                                         "redis://127.0.0.1:6379"))
    p.add_argument("--out", default=None,
                   help="JSON report (default bench/results/latest.json; smoke: smoke.json)")
    args = p.parse_args()
    if args.smoke:
        args.debug = True
        args.dbs = args.dbs or "sqlite"
        args.no_redis = args.no_redis or args.dbs == "sqlite"
        args.soak = 5 if args.soak is None else args.soak
        args.duration = args.duration or 2
        args.warmup = args.warmup or 1
        seed = dict(companies=20, employees=200, tokens=100, limited_tokens=8)
        writer_rows = 2000
    else:
        seed = dict(companies=1000, employees=10000, tokens=10000, limited_tokens=64)
        writer_rows = 20000
    args.out = args.out or str(REPO / "bench" / "results" /
                               ("smoke.json" if args.smoke else "latest.json"))
    args.dbs = (args.dbs or "sqlite,postgres").split(",")
    args.soak = 60 if args.soak is None else args.soak
    args.duration = args.duration or 10
    args.warmup = args.warmup or 3
    args.warm_tokens = min(args.warm_tokens, seed["tokens"])

    WRK = ensure_wrk()
    binary = build(args)
    started = time.monotonic()
    report = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                    "load_average_at_start": os.getloadavg()},
        "settings": {"smoke": args.smoke, "build": "debug" if args.debug else "release",
                     "connections": args.connections, "duration_s": args.duration,
                     "warmup_s": args.warmup, "warm_tokens": args.warm_tokens, "seed": seed,
                     "load_generator": "wrk -t2 -c%d (Lua: bench/load.lua)" % args.connections},
        "scenarios": [], "databases": {}, "log_checks": [],
    }
    for kind in args.dbs:
        workdir = Path(tempfile.mkdtemp(prefix=f"pc_bench_{kind}_"))
        db = Database(kind, args, workdir)
        try:
            tokens = workdir / "tokens"
            log(f"{kind}: seeding {seed}")
            t0 = time.monotonic()
            subprocess.run(
                [str(binary), "bench-seed", "--database-url", db.url, "--out", str(tokens),
                 *[x for k, v in seed.items() for x in (f"--{k.replace('_', '-')}", str(v))]],
                check=True, env=dict(os.environ, RUST_LOG="warn"), stdout=subprocess.DEVNULL)
            d = {"seed_seconds": round(time.monotonic() - t0, 1)}
            d["guarded"] = guarded_runs(args, binary, db, workdir, tokens, report["scenarios"],
                                        report["log_checks"])
            warm = warm_reads_per_request(binary, db, workdir, tokens)
            d["cold"] = cold_run(args, binary, db, workdir, tokens, report["scenarios"],
                                 report["log_checks"], warm)
            if kind == "postgres" and not args.no_redis:
                d["redis"] = redis_run(args, binary, db, workdir, tokens, report["scenarios"],
                                       report["log_checks"], d["guarded"]["api_key"]["rps"])
            if kind == args.dbs[0] and args.soak:
                report["soak"] = soak_run(args, binary, db, workdir, tokens,
                                          report["log_checks"])
            d["writer_rows_per_s"] = round(writer_rate(binary, db, writer_rows))
            log(f"{kind}: log writer in isolation {d['writer_rows_per_s']} rows/s")
            report["databases"][kind] = d
        finally:
            db.drop()
            shutil.rmtree(workdir, ignore_errors=True)
    report["targets"] = verdicts(report)
    report["machine"]["load_average_at_end"] = os.getloadavg()
    report["seconds"] = round(time.monotonic() - started)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")
    print_table(report)
    failed = [v for v in report["targets"] if not v["pass"]]
    log(f"{len(report['targets']) - len(failed)} of {len(report['targets'])} targets met; "
        f"JSON in {out}")
    if args.smoke:
        # A smoke run checks that the suite works, not the targets (debug build, tiny seed):
        # every scenario served requests, no 5xx, no lost log row, every server exited cleanly.
        broken = [r["scenario"] for r in report["scenarios"]
                  if r["requests"] == 0 or r["status"]["5xx"] > 0]
        broken += [c["server"] for c in report["log_checks"]
                   if (c["lost_rows"] and c["server"] != "baseline_unlogged")
                   or c["exit_code"] != 0]
        if broken:
            log(f"smoke: broken: {broken}")
        return 1 if broken else 0
    return 1 if failed else 0


WRK = "wrk"

if __name__ == "__main__":
    sys.exit(main())
