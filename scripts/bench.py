#!/usr/bin/env python3
"""The benchmark of issue #7, run by scripts/bench (which builds first; see --help).

Starts koodrive-sim with a generated population (N devices, M scopes per module, latency L per
request), then measures `koodrive-audit poll --once` with concurrency C twice: the first poll
(the silent baseline of every scope) and a second poll that finds nothing new. For each: wall
time, the bound requests × L / C and wall ÷ bound, the daemon's CPU time (user + sys) per request
and peak RSS and page faults (from wait4), the simulator's CPU time, the commit's wall and CPU
time and the database rows written (from the daemon's poll.finished line), and the CPU per
request outside the commit. With --rss-polls K it then runs the daemon for K polls and samples
its RSS after each one. The simulator runs on the last CPU and the daemon on the others, unless
--no-pin (or there is one CPU). Then, over plain HTTP, the request floor: koodrive-request-floor,
pinned as the daemon is, sends the poll's 3 × N scope-list requests to the same simulator with
what every client of the API must do and nothing else (signed, Beast, Boost.JSON), and its CPU per
request is set beside the daemon's; and SQLite's floor for the first poll's rows: the same rows
copied into an empty database of the same schema and settings, one INSERT ... SELECT per table.
Prints a table; writes the same figures as JSON.
"""

import argparse
import contextlib
import json
import os
import pathlib
import platform
import re
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
USER_ID = "1505084218764547200"
APP_ID = "54a063127d797a807b8194553fddf8e1a47e662f894ea850ada1f566bce75870"
FINISHED = re.compile(
    r"poll\.finished account=\S+ outcome=(?P<outcome>\S+) requests=(?P<requests>\d+) "
    r"failed=(?P<failed>\d+) events=(?P<events>\d+) rows=(?P<rows>\d+) "
    r"commit_ms=(?P<commit_ms>\d+) commit_cpu_ms=(?P<commit_cpu_ms>\d+) ms=(?P<ms>\d+)")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def fail(message):
    sys.exit(f"bench: {message}")


def parse_args():
    parser = argparse.ArgumentParser(
        prog="scripts/bench",
        description="Benchmark koodrive-audit poll --once against koodrive-sim on loopback.")
    parser.add_argument("--devices", type=int, default=10000, help="N devices (default 10000)")
    parser.add_argument("--scopes-per-module", type=int, default=3,
                        help="M scopes per module of each device (default 3)")
    parser.add_argument("--latency-ms", type=int, default=20,
                        help="L, added by the simulator to every request (default 20)")
    parser.add_argument("--concurrency", type=int, default=64,
                        help="C, api.max_concurrency of the daemon (default 64)")
    parser.add_argument("--tls", action="store_true", help="HTTPS (a throwaway self-signed CA)")
    parser.add_argument("--rss-polls", type=int, default=0, metavar="K",
                        help="then run the daemon for K polls and sample its RSS after each")
    # Two unpinned: with one, the simulator's own queue of 64 requests at a time added 6 % to
    # the first poll (1.290 × bound with one thread, 1.221 with two, 2026-12-05). Pinned, it
    # has one CPU, where a second thread only competes with the first.
    parser.add_argument("--sim-threads", type=int,
                        help="simulator I/O threads (default 1 pinned, 2 with --no-pin)")
    # Pinned by default: the API is another machine in production, and sharing both CPUs with
    # the simulator made the daemon's CPU per request both higher and noisier (no-change poll,
    # 10,000 devices, five pairs alternating: 34.4-37.9 µs pinned, 34.8-52.3 shared).
    parser.add_argument("--no-pin", dest="pin", action="store_false",
                        help="let the daemon and the simulator share every CPU (by default, "
                             "with 2 CPUs or more, the simulator gets the last one and the "
                             "daemon the others, as if the API were another machine)")
    parser.add_argument("--work", default="/tmp/koodrive-audit-bench",
                        help="scratch folder (emptied first)")
    parser.add_argument("--json", help="where to write the figures (default WORK/bench.json)")
    parser.add_argument("--bin", default=str(ROOT / "build/src/cli/koodrive-audit"))
    parser.add_argument("--sim", default=str(ROOT / "build/src/sim/koodrive-sim"))
    parser.add_argument("--floor-bin",
                        default=str(ROOT / "build/tests/bench/koodrive-request-floor"))
    parser.add_argument("--no-floor", dest="floor", action="store_false",
                        help="skip the request floor (koodrive-request-floor)")
    args = parser.parse_args()
    args.pin_cpus = None
    cpus = sorted(os.sched_getaffinity(0))
    if args.pin and len(cpus) >= 2:
        args.pin_cpus = {"daemon": cpus[:-1], "simulator": cpus[-1:]}
    args.pin = args.pin_cpus is not None
    if args.sim_threads is None:
        args.sim_threads = 1 if args.pin else 2
    for name in ("devices", "scopes_per_module", "concurrency", "sim_threads"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.latency_ms < 0 or args.rss_polls < 0:
        parser.error("--latency-ms and --rss-polls must not be negative")
    return args


def make_tls_files(work):
    """A throwaway CA-less self-signed certificate for 127.0.0.1 (the daemon trusts it via
    api.ca_file; the host name check still runs)."""
    cert, key = work / "cert.pem", work / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
         "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return cert, key


def write_config(work, port, args, cert):
    scheme = "https" if args.tls else "http"
    lines = [
        "api:",
        f"  base_url: {scheme}://127.0.0.1:{port}",
        f"  max_concurrency: {args.concurrency}",
        "  timeout: 30s",
    ]
    if cert:
        lines.append(f"  ca_file: {cert}")
    lines += [
        "auth:",
        "  mode: app",
        f'  app_id: "{APP_ID}"',
        f"  app_secret_file: {work / 'app-secret'}",
        "accounts:",
        f'  - user_id: "{USER_ID}"',
        "    name: bench",
        "poll:",
        "  interval: 1s",
        "  jitter: 0%",
        "  run_on_start: true",
        "database:",
        f"  path: {work / 'audit.db'}",
        "events:",
        "  sinks:",
        "    - type: log",
        "metrics:",
        "  enabled: false",
        "log:",
        "  level: info",
    ]
    path = work / "bench.yaml"
    path.write_text("\n".join(lines) + "\n")
    path.chmod(0o600)
    return path


def cpu_seconds(pid):
    fields = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime


def pinned_to(args, role):
    """A preexec_fn for Popen that confines the child to its CPUs when pinned, else None."""
    if not args.pin_cpus:
        return None
    cpus = args.pin_cpus[role]
    return lambda: os.sched_setaffinity(0, cpus)


def start_simulator(args, work, cert, key):
    command = [args.sim, "--listen", "127.0.0.1:0", "--devices", str(args.devices),
               "--scopes-per-module", str(args.scopes_per_module),
               "--latency", f"{args.latency_ms}ms", "--user-id", USER_ID, "--app-id", APP_ID,
               "--app-secret-file", str(work / "app-secret"), "--threads", str(args.sim_threads)]
    if cert:
        command += ["--tls-cert", str(cert), "--tls-key", str(key)]
    sim = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=open(work / "sim.err", "w"),
                           text=True, preexec_fn=pinned_to(args, "simulator"))
    line = sim.stdout.readline()
    match = re.match(r"listening on 127\.0\.0\.1:(\d+)", line)
    if not match:
        sim.kill()
        fail(f"koodrive-sim did not start: {(work / 'sim.err').read_text().strip()}")
    return sim, int(match.group(1))


def run_poll(args, config, sim, label, work):
    """One `poll --once`; its figures, from wait4 and from its poll.finished line."""
    log = work / f"{label}.log"
    sim_cpu_before = cpu_seconds(sim.pid)
    started = time.monotonic()
    with open(log, "w") as err:
        child = subprocess.Popen([args.bin, "poll", "--once", "--config", str(config)],
                                 stdout=subprocess.DEVNULL, stderr=err,
                                 preexec_fn=pinned_to(args, "daemon"))
        _, status, usage = os.wait4(child.pid, 0)
    wall = time.monotonic() - started
    sim_cpu = cpu_seconds(sim.pid) - sim_cpu_before
    text = log.read_text()
    match = FINISHED.search(text)
    if os.waitstatus_to_exitcode(status) != 0 or not match or match["outcome"] != "ok":
        fail(f"{label} poll did not finish ok (exit {os.waitstatus_to_exitcode(status)}); "
             f"see {log}:\n{text[-800:]}")
    requests = int(match["requests"])
    bound = requests * args.latency_ms / 1000 / args.concurrency
    cpu = usage.ru_utime + usage.ru_stime
    commit_cpu = int(match["commit_cpu_ms"]) / 1000
    return {
        "wall_s": round(wall, 3),
        "requests": requests,
        "bound_s": round(bound, 3),
        "wall_over_bound": round(wall / bound, 3) if bound > 0 else None,
        "cpu_user_s": round(usage.ru_utime, 3),
        "cpu_sys_s": round(usage.ru_stime, 3),
        "cpu_us_per_request": round(cpu * 1e6 / requests, 1),
        "peak_rss_mib": round(usage.ru_maxrss / 1024, 1),
        "commit_s": int(match["commit_ms"]) / 1000,
        "commit_cpu_s": commit_cpu,
        # What the poll costs besides writing its rows: the fetch, the diff, the process.
        "cpu_us_per_request_outside_commit": round((cpu - commit_cpu) * 1e6 / requests, 1),
        # Each first touch of a page of memory; costly under some hypervisors.
        "page_faults": usage.ru_minflt,
        "rows_written": int(match["rows"]),
        "events": int(match["events"]),
        "sim_cpu_s": round(sim_cpu, 2),
    }


def run_request_floor(args, sim_port, sim, work):
    """koodrive-request-floor against the simulator: its CPU per scope-list request."""
    sim_cpu_before = cpu_seconds(sim.pid)
    with open(work / "floor.err", "w") as err:
        done = subprocess.run(
            [args.floor_bin, "--port", str(sim_port), "--user-id", USER_ID, "--app-id", APP_ID,
             "--app-secret-file", str(work / "app-secret"), "--concurrency",
             str(args.concurrency)],
            stdout=subprocess.PIPE, stderr=err, text=True, preexec_fn=pinned_to(args, "daemon"))
    if done.returncode != 0:
        fail(f"koodrive-request-floor failed (exit {done.returncode}); "
             f"see {work / 'floor.err'}:\n{(work / 'floor.err').read_text()[-800:]}")
    figures = json.loads(done.stdout)
    requests = figures["requests"]
    cpu = figures["cpu_user_s"] + figures["cpu_sys_s"]
    return {
        "requests": requests,
        "wall_s": figures["wall_s"],
        "cpu_user_s": figures["cpu_user_s"],
        "cpu_sys_s": figures["cpu_sys_s"],
        "cpu_us_per_request": round(cpu * 1e6 / requests, 1),
        "sim_cpu_s": round(cpu_seconds(sim.pid) - sim_cpu_before, 2),
    }


# What the commit writes, parents first (the copy checks the foreign keys as the daemon's does).
COPIED_TABLES = ("accounts", "polls", "devices", "scopes", "fetch_status", "baselines")


def sqlite_floor(work):
    """CPU time SQLite takes to write the database's rows with nothing else to do: an empty
    database with the same schema and the daemon's settings (docs/schema.md), then one
    INSERT ... SELECT per table in one transaction, as the commit's one transaction."""
    source, copy = work / "audit.db", work / "sqlite-floor.db"
    with contextlib.closing(sqlite3.connect(source)) as db:
        schema = [sql for (sql,) in db.execute(
            "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' "
            "ORDER BY rowid")]
        # What the daemon's database file keeps, read from it rather than restated here.
        pragmas = [f"{name} = {db.execute(f'PRAGMA {name}').fetchone()[0]}"
                   for name in ("page_size", "auto_vacuum", "journal_mode")]
    # What a connection sets, as the daemon's does (src/store/connection.cpp).
    pragmas += ["foreign_keys = ON", "synchronous = FULL"]
    db = sqlite3.connect(copy, isolation_level=None)
    try:
        for pragma in pragmas:
            db.execute(f"PRAGMA {pragma}")
        for sql in schema:
            db.execute(sql)
        db.execute("ATTACH ? AS source", (str(source),))
        # Every row is the first poll's but the second poll's own `polls` row.
        selects = {table: f"SELECT * FROM source.{table}" for table in COPIED_TABLES}
        selects["polls"] += " WHERE poll_id = (SELECT min(poll_id) FROM source.polls)"
        rows = sum(db.execute(f"SELECT count(*) FROM ({select})").fetchone()[0]
                   for select in selects.values())
        started = time.process_time()
        db.execute("BEGIN")
        for table, select in selects.items():
            db.execute(f"INSERT INTO main.{table} {select}")
        db.execute("COMMIT")
        cpu = time.process_time() - started
    finally:
        db.close()
    for suffix in ("", "-wal", "-shm"):
        pathlib.Path(f"{copy}{suffix}").unlink(missing_ok=True)
    return {"rows": rows, "cpu_s": round(cpu, 3), "sqlite_version": sqlite3.sqlite_version}


def rss_mib(pid):
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def run_daemon_polls(args, config, work, count):
    """The daemon for `count` polls (after the two above): its RSS after each poll.finished."""
    log_path = work / "daemon.log"
    samples = []
    with open(log_path, "w") as log:
        daemon = subprocess.Popen([args.bin, "daemon", "--config", str(config)],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                                  preexec_fn=pinned_to(args, "daemon"))
        try:
            for line in daemon.stderr:
                log.write(line)
                if "poll.finished" in line:
                    samples.append(round(rss_mib(daemon.pid), 1))
                    if len(samples) >= count:
                        break
        finally:
            daemon.send_signal(signal.SIGTERM)
            try:
                daemon.wait(timeout=30)
            except subprocess.TimeoutExpired:
                daemon.kill()
    if len(samples) < count:
        fail(f"the daemon stopped after {len(samples)} polls; see {log_path}")
    # Growth is judged after the first tenth: allocator pools and SQLite's page cache fill first.
    settled = samples[max(1, count // 10) - 1:]
    return {
        "polls": count,
        "rss_first_mib": samples[0],
        "rss_last_mib": samples[-1],
        "rss_min_mib": min(samples),
        "rss_max_mib": max(samples),
        "rss_growth_after_warmup_mib": round(settled[-1] - settled[0], 1),
        "rss_samples_mib": samples,
    }


def machine():
    cpu = "unknown"
    for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gib": round(pages / 2**30, 1),
            "kernel": platform.release(), "load_average_1m": round(os.getloadavg()[0], 2)}


def print_table(result):
    p = result["parameters"]
    print(f"\nkoodrive-audit bench: N={p['devices']} devices, M={p['scopes_per_module']}, "
          f"L={p['latency_ms']} ms, C={p['concurrency']}, {'TLS' if p['tls'] else 'plain HTTP'}")
    m = result["machine"]
    print(f"machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB, "
          f"load {m['load_average_1m']} at the start")
    pin = p["pinned_cpus"]
    threads = f"{p['sim_threads']} thread{'' if p['sim_threads'] == 1 else 's'}"
    if pin:
        print(f"pinned: daemon on CPU {','.join(map(str, pin['daemon']))}, simulator "
              f"({threads}) on CPU {','.join(map(str, pin['simulator']))}")
    else:
        print(f"not pinned: daemon and simulator ({threads}) share every CPU")
    print()
    rows = [
        ("requests", "requests", "{}"),
        ("wall (s)", "wall_s", "{:.2f}"),
        ("bound requests×L/C (s)", "bound_s", "{:.2f}"),
        ("wall ÷ bound", "wall_over_bound", "{:.3f}"),
        ("daemon CPU user+sys (s)", None, None),
        ("daemon CPU per request (µs)", "cpu_us_per_request", "{:.1f}"),
        ("  outside the commit (µs)", "cpu_us_per_request_outside_commit", "{:.1f}"),
        ("daemon peak RSS (MiB)", "peak_rss_mib", "{:.1f}"),
        ("daemon page faults", "page_faults", "{}"),
        ("commit (s)", "commit_s", "{:.3f}"),
        ("commit CPU (s)", "commit_cpu_s", "{:.3f}"),
        ("database rows written", "rows_written", "{}"),
        ("simulator CPU (s)", "sim_cpu_s", "{:.2f}"),
    ]
    first, second = result["first_poll"], result["no_change_poll"]
    print(f"{'':30} {'first poll':>14} {'no-change poll':>15}")
    for title, key, form in rows:
        if key is None:
            cells = [f"{r['cpu_user_s'] + r['cpu_sys_s']:.2f}" for r in (first, second)]
        else:
            cells = [form.format(r[key]) for r in (first, second)]
        print(f"{title:30} {cells[0]:>14} {cells[1]:>15}")
    if "request_floor" in result:
        f = result["request_floor"]
        print(f"\nrequest floor (koodrive-request-floor: {f['requests']} signed scope-list GETs, "
              f"Beast, Boost.JSON; no records, no database)")
        print(f"  CPU per request (µs)         {f['cpu_us_per_request']:>14.1f}   "
              f"(user {f['cpu_user_s']:.2f} s, sys {f['cpu_sys_s']:.2f} s)")
        print(f"  daemon above it (µs)         "
              f"{first['cpu_us_per_request'] - f['cpu_us_per_request']:>14.1f} "
              f"{second['cpu_us_per_request'] - f['cpu_us_per_request']:>15.1f}")
        print(f"    outside the commit (µs)    "
              f"{first['cpu_us_per_request_outside_commit'] - f['cpu_us_per_request']:>14.1f} "
              f"{second['cpu_us_per_request_outside_commit'] - f['cpu_us_per_request']:>15.1f}")
    elif result.get("request_floor_skipped"):
        print(f"\nrequest floor: not measured ({result['request_floor_skipped']})")
    q = result["sqlite_floor"]
    print(f"\nSQLite floor of the first poll's rows ({q['rows']} rows copied into an empty "
          f"database of the same schema, SQLite {q['sqlite_version']})")
    print(f"  CPU (s)                      {q['cpu_s']:>14.3f}   the commit took "
          f"{first['commit_cpu_s']:.3f}")
    per_request = q["cpu_s"] * 1e6 / first["requests"]
    print(f"  CPU per request (µs)         {per_request:>14.1f}")
    if "request_floor" in result:
        print(f"  with the request floor (µs)  "
              f"{per_request + result['request_floor']['cpu_us_per_request']:>14.1f}   "
              f"the floor of a first poll writing these rows")
    if "daemon" in result:
        d = result["daemon"]
        print(f"\ndaemon RSS over {d['polls']} polls (MiB): first {d['rss_first_mib']}, "
              f"last {d['rss_last_mib']}, min {d['rss_min_mib']}, max {d['rss_max_mib']}, "
              f"growth after warm-up {d['rss_growth_after_warmup_mib']}")


def main():
    args = parse_args()
    for path in (args.bin, args.sim):
        if not os.access(path, os.X_OK):
            fail(f"{path} is missing; scripts/bench builds it")
    work = pathlib.Path(args.work)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    (work / "app-secret").write_text((ROOT / "config/demo/app-secret").read_text())
    (work / "app-secret").chmod(0o600)
    cert = key = None
    if args.tls:
        cert, key = make_tls_files(work)
    # Thousands of connections are not needed, but C of them plus the database are.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, 4096)), hard))

    result = {"parameters": {"devices": args.devices, "scopes_per_module": args.scopes_per_module,
                             "latency_ms": args.latency_ms, "concurrency": args.concurrency,
                             "tls": args.tls, "sim_threads": args.sim_threads,
                             "pinned_cpus": args.pin_cpus},
              "machine": machine()}
    sim, port = start_simulator(args, work, cert, key)
    try:
        config = write_config(work, port, args, cert)
        result["first_poll"] = run_poll(args, config, sim, "first", work)
        result["no_change_poll"] = run_poll(args, config, sim, "no-change", work)
        if not args.floor:
            result["request_floor_skipped"] = "--no-floor"
        elif args.tls:
            result["request_floor_skipped"] = "plain HTTP only"
        elif not os.access(args.floor_bin, os.X_OK):
            result["request_floor_skipped"] = f"{args.floor_bin} is not built"
        else:
            result["request_floor"] = run_request_floor(args, port, sim, work)
        result["sqlite_floor"] = sqlite_floor(work)
        if args.rss_polls:
            result["daemon"] = run_daemon_polls(args, config, work, args.rss_polls)
    finally:
        sim.terminate()
        sim.wait(timeout=10)
    json_path = pathlib.Path(args.json) if args.json else work / "bench.json"
    json_path.write_text(json.dumps(result, indent=2) + "\n")
    print_table(result)
    print(f"\nJSON: {json_path}")


if __name__ == "__main__":
    main()
