"""PostgreSQL beside SQLite: the scenario of `scripts/bench --database postgres://…`.

For each size, the indicator data set of scripts/bench-indicators (a generated programme, three
scored surveys per returnee, approved plans for six in ten) is the SQLite side. It is copied into
a database of its own on the given PostgreSQL server with `reintegra copy-data` (timed; reused by
later runs while the SQLite data set is the same). Then, in the same run:

  case_list, case_page, write
              as in scripts/bench, against one SQLite server and one PostgreSQL server,
              alternated --repeats times at each concurrency, the best of each kept
  indicator, indicator by sex, dashboard
              the indicator tracking page and the M&E dashboards, timed one request at a time
              (median of --runs) on each engine
  one/two instances
              the same three scenarios on PostgreSQL through nginx (round robin): one server
              behind it, then two, so that both pass through the same proxy

The servers' scheduled work (retention, the duplicates scan) is put off past the run, so that it
does not fall into a measurement. Imported by scripts/bench; not run alone.
"""

import importlib.machinery
import importlib.util
import json
import os
import sqlite3
import statistics
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_loader = importlib.machinery.SourceFileLoader(
    "bench_indicators", os.path.join(ROOT, "scripts", "bench-indicators"))
indicators = importlib.util.module_from_spec(importlib.util.spec_from_loader("bench_indicators", _loader))
_loader.exec_module(indicators)
log = indicators.log

SECTION = "## PostgreSQL beside SQLite"


def cpu_seconds(pid):
    """User and system CPU time of a process so far."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def postgres_cpu_seconds():
    """CPU time of every PostgreSQL process on this machine (backends and background work)."""
    total = 0.0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as f:
                    if f.read(9) == b"postgres:":
                        total += cpu_seconds(entry)
            except OSError:
                pass
    return total


def measured(bench, servers, url, paths, conns, args, work, method, cookie, body):
    """One wrk run, with the CPU time the servers and PostgreSQL spent per request."""
    app, db = sum(cpu_seconds(s.proc.pid) for s in servers), postgres_cpu_seconds()
    row = bench.wrk(url, paths, conns, args.duration, work, method, cookie, body)
    requests = max(row["requests"], 1)
    row["app_us"] = (sum(cpu_seconds(s.proc.pid) for s in servers) - app) / requests * 1e6
    row["db_us"] = (postgres_cpu_seconds() - db) / requests * 1e6
    return row


def psql(url, sql):
    return subprocess.run(["psql", url, "-v", "ON_ERROR_STOP=1", "-qAt", "-c", sql],
                          check=True, capture_output=True, text=True).stdout.strip()


def with_database(url, name):
    """The address `url` with its database replaced by `name`."""
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(path="/" + name))


def source_data(binary, args, size):
    """The SQLite data set of scripts/bench-indicators at this size, made if missing."""
    data_dir = os.path.join(args.data_root, f"indicators-{size}-{args.seed}")
    db_path = os.path.join(data_dir, "reintegra.db")
    if not os.path.exists(db_path):
        os.makedirs(data_dir, exist_ok=True)
        log(f"generating {size} returnees ...")
        subprocess.run([binary, "demo", "--cases", str(size), "--seed", str(args.seed),
                        "--data-dir", data_dir], check=True, stdout=subprocess.DEVNULL)
    indicators.add_surveys(db_path, args.seed)
    indicators.add_plans(db_path, args.seed)
    return data_dir


def copied_database(binary, args, data_dir, size):
    """The PostgreSQL copy of `data_dir`, made by `reintegra copy-data` into a fresh database
    unless an earlier run made it from the same SQLite file. Returns (url, seconds, reused)."""
    name = f"reintegra_bench_{size}_{args.seed}"
    url = with_database(args.database, name)
    marker = os.path.join(data_dir, "postgres-copy.json")
    # The data set is known by the instance id its generation gave it: later runs write to it
    # (the write scenario), but a copy of it stays a fair copy.
    with open(os.path.join(data_dir, "instance")) as f:
        instance = f.read().strip()
    source = {"server": with_database(args.database, ""), "database": name, "instance": instance}
    exists = psql(args.database, f"SELECT count(*) FROM pg_database WHERE datname = '{name}'") == "1"
    if exists and os.path.exists(marker):
        with open(marker) as f:
            info = json.load(f)
        if all(info.get(k) == v for k, v in source.items()):
            log(f"reusing the PostgreSQL copy {name} (copied in {info['seconds']:.0f} s)")
            return url, info["seconds"], True
    psql(args.database, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    psql(args.database, f"CREATE DATABASE {name}")
    log(f"copying {size} returnees into PostgreSQL ({name}) ...")
    started = time.monotonic()
    subprocess.run([binary, "copy-data", "--data-dir", data_dir, "--to", url], check=True,
                   stdout=subprocess.DEVNULL, env={**os.environ, "RUST_LOG": "warn"})
    seconds = time.monotonic() - started
    psql(url, "ANALYZE")
    with open(marker, "w") as f:
        json.dump({**source, "seconds": seconds}, f)
    return url, seconds, False


def put_off_scheduled_work(data_dir, pg_url):
    """Moves retention and the duplicates scan past the run on both databases."""
    due = int(time.time()) + 2 * 86400
    sql = ("INSERT INTO scheduled_runs (name, next_due) VALUES ('{name}', {due}) "
           "ON CONFLICT (name) DO UPDATE SET next_due = excluded.next_due")
    db = sqlite3.connect(os.path.join(data_dir, "reintegra.db"))
    for name in ("retention", "duplicates scan"):
        db.execute(sql.format(name=name, due=due))
        psql(pg_url, sql.format(name=name, due=due))
    db.commit()
    db.close()


class Proxy:
    """nginx in front of reintegra servers, round robin, keeping connections to them open."""

    def __init__(self, bench, servers, workdir):
        self.port = bench.free_port()
        os.makedirs(os.path.join(workdir, "tmp"), exist_ok=True)
        upstream = "".join(f"server 127.0.0.1:{s.port};\n" for s in servers)
        conf = os.path.join(workdir, "proxy.conf")
        with open(conf, "w") as f:
            f.write(f"""
worker_processes 1;
daemon off;
pid {workdir}/proxy.pid;
error_log {workdir}/proxy-error.log;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  client_body_temp_path {workdir}/tmp;
  proxy_temp_path {workdir}/tmp;
  fastcgi_temp_path {workdir}/tmp;
  uwsgi_temp_path {workdir}/tmp;
  scgi_temp_path {workdir}/tmp;
  upstream reintegra {{ {upstream} keepalive 128; }}
  server {{
    listen 127.0.0.1:{self.port};
    location / {{
      proxy_pass http://reintegra;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host:$server_port;
      proxy_set_header X-Forwarded-For $remote_addr;
    }}
  }}
}}
""")
        self.proc = subprocess.Popen([bench.nginx_binary(), "-c", conf, "-p", workdir],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.url = f"http://127.0.0.1:{self.port}"
        for _ in range(200):
            try:
                urllib.request.urlopen(self.url + "/healthz", timeout=1).read()
                return
            except OSError:
                time.sleep(0.02)
        raise SystemExit("the nginx proxy did not start")

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)


def timed(opener, url, runs, must_contain):
    times = []
    for _ in range(runs):
        started = time.monotonic()
        body = opener.open(url).read()
        times.append(time.monotonic() - started)
        if must_contain not in body:
            raise SystemExit(f"{url} did not show {must_contain!r}")
    return times


def me_pages(server, runs):
    """The indicator page (overall, by sex) and the dashboards, one request at a time."""
    opener, indicator = indicators.define_indicator(server.url)
    page = f"{server.url}/results/indicators/{indicator}"
    return {
        "indicator": timed(opener, page, runs, b"tracking-table"),
        "indicator by sex": timed(opener, page + "?axis=sex", runs, b"tracking-table"),
        "dashboard": timed(opener, server.url + "/results/dashboard", runs, b"<main"),
    }


def run(args, bench):
    binary = bench.release_binary(args)
    results, pages, sizes_info = [], [], []
    for size in args.sizes:
        data_dir = source_data(binary, args, size)
        pg_url, copy_s, reused = copied_database(binary, args, data_dir, size)
        put_off_scheduled_work(data_dir, pg_url)
        with tempfile.TemporaryDirectory() as work:
            files = os.path.join(work, "pg-data")
            os.makedirs(files)
            lite = bench.Server(binary, data_dir)
            pg = bench.Server(binary, files, database=pg_url)
            servers = [lite, pg]
            try:
                ids = bench.case_ids(data_dir, 2000)
                signed = {}
                for name, server in (("SQLite", lite), ("PostgreSQL", pg)):
                    _, cookie, csrf = bench.sign_in(server.url)
                    signed[name] = (server, bench.signed_in_scenarios(ids, cookie, csrf))
                for conns in args.connections:
                    for i, scenario in enumerate(signed["SQLite"][1]):
                        best = {}
                        for _ in range(args.repeats):
                            for engine, (server, scenarios) in signed.items():
                                _, paths, method, ck, body = scenarios[i]
                                row = measured(bench, [server], server.url, paths, conns, args,
                                               work, method, ck, body)
                                if engine not in best or row["rps"] > best[engine]["rps"]:
                                    best[engine] = row
                        for engine, row in best.items():
                            results.append({"size": size, "engine": engine, "scenario": scenario[0],
                                            "conns": conns, **row})
                        log(f"  {size:>9} {scenario[0]:<9} c={conns:<3} SQLite "
                            f"{best['SQLite']['rps']:.0f} PostgreSQL {best['PostgreSQL']['rps']:.0f} rps")
                for engine, server in (("SQLite", lite), ("PostgreSQL", pg)):
                    for name, times in me_pages(server, args.runs).items():
                        pages.append({"size": size, "engine": engine, "page": name, "times": times})
                        log(f"  {size:>9} {name:<16} {engine:<10} median "
                            f"{statistics.median(times) * 1000:.0f} ms")
                # Two instances: a second PostgreSQL server, and both behind nginx; measured
                # against one server behind the same nginx.
                second = bench.Server(binary, files, database=pg_url)
                servers.append(second)
                one, two = Proxy(bench, [pg], work + "/one"), Proxy(bench, [pg, second], work + "/two")
                try:
                    scenarios = signed["PostgreSQL"][1]
                    for conns in args.connections:
                        for i, scenario in enumerate(scenarios):
                            best = {}
                            for _ in range(args.repeats):
                                for label, proxy, behind in (("one instance", one, [pg]),
                                                             ("two instances", two, [pg, second])):
                                    _, paths, method, ck, body = scenario
                                    row = measured(bench, behind, proxy.url, paths, conns, args,
                                                   work, method, ck, body)
                                    if label not in best or row["rps"] > best[label]["rps"]:
                                        best[label] = row
                            for label, row in best.items():
                                results.append({"size": size, "engine": f"PostgreSQL, {label}",
                                                "scenario": scenario[0], "conns": conns, **row})
                            log(f"  {size:>9} {scenario[0]:<9} c={conns:<3} one instance "
                                f"{best['one instance']['rps']:.0f} two {best['two instances']['rps']:.0f} rps")
                finally:
                    one.stop()
                    two.stop()
                pg_mb = int(psql(pg_url, "SELECT pg_database_size(current_database())")) / 1024 / 1024
                lite_mb = sum(os.path.getsize(os.path.join(data_dir, f)) for f in os.listdir(data_dir)
                              if f.startswith("reintegra.db")) / 1024 / 1024
                surveys = psql(pg_url, "SELECT count(*) FROM rss_scores")
                sizes_info.append({
                    "size": size, "surveys": int(surveys), "copy_s": copy_s, "reused": reused,
                    "lite_mb": lite_mb, "pg_mb": pg_mb,
                    "lite_peak": lite.peak_memory_mb(), "pg_peak": pg.peak_memory_mb(),
                    "second_peak": second.peak_memory_mb(),
                    "lite_start": lite.startup, "pg_start": pg.startup})
            finally:
                for server in servers:
                    server.stop()
    return results, pages, sizes_info


def report(results, pages, sizes_info):
    lines = ["| cases | scenario | connections | SQLite req/s | PostgreSQL req/s | PostgreSQL ÷ SQLite "
             "| SQLite p99 ms | PostgreSQL p99 ms | errors | CPU per request: SQLite server "
             "| PostgreSQL: server + database |", "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    find = lambda size, engine, scenario, conns: next(
        r for r in results if (r["size"], r["engine"], r["scenario"], r["conns"]) == (size, engine, scenario, conns))
    for r in results:
        if r["engine"] != "SQLite":
            continue
        p = find(r["size"], "PostgreSQL", r["scenario"], r["conns"])
        lines.append(f"| {r['size']:,} | {r['scenario']} | {r['conns']} | {r['rps']:,.0f} | {p['rps']:,.0f} | "
                     f"{p['rps'] / r['rps'] * 100:.0f}% | {r['p99_ms']:.1f} | {p['p99_ms']:.1f} | "
                     f"{r['errors'] + p['errors']} | {r['app_us']:,.0f} µs | {p['app_us']:,.0f} + "
                     f"{p['db_us']:,.0f} µs |")
    lines += ["", "| cases | page | SQLite median | SQLite fastest | PostgreSQL median | PostgreSQL fastest |",
              "|---:|---|---:|---:|---:|---:|"]
    for p in pages:
        if p["engine"] != "SQLite":
            continue
        q = next(x for x in pages if (x["size"], x["engine"], x["page"]) == (p["size"], "PostgreSQL", p["page"]))
        lines.append(f"| {p['size']:,} | {p['page']} | {statistics.median(p['times']) * 1000:,.0f} ms | "
                     f"{min(p['times']) * 1000:,.0f} ms | {statistics.median(q['times']) * 1000:,.0f} ms | "
                     f"{min(q['times']) * 1000:,.0f} ms |")
    lines += ["", "| cases | scenario | connections | one instance req/s | two instances req/s | two ÷ one "
              "| one p99 ms | two p99 ms | errors | CPU per request, two: servers + database |",
              "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        if r["engine"] != "PostgreSQL, one instance":
            continue
        t = find(r["size"], "PostgreSQL, two instances", r["scenario"], r["conns"])
        lines.append(f"| {r['size']:,} | {r['scenario']} | {r['conns']} | {r['rps']:,.0f} | {t['rps']:,.0f} | "
                     f"{t['rps'] / r['rps']:.2f}× | {r['p99_ms']:.1f} | {t['p99_ms']:.1f} | "
                     f"{r['errors'] + t['errors']} | {t['app_us']:,.0f} + {t['db_us']:,.0f} µs |")
    lines += ["", "| cases | surveys | copy-data | SQLite file | PostgreSQL database | peak memory SQLite "
              "server | PostgreSQL servers | start-up SQLite | start-up PostgreSQL |",
              "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for s in sizes_info:
        copy = f"{s['copy_s']:.0f} s" + (" (earlier run)" if s["reused"] else "")
        lines.append(f"| {s['size']:,} | {s['surveys']:,} | {copy} | {s['lite_mb']:,.0f} MB | "
                     f"{s['pg_mb']:,.0f} MB | {s['lite_peak']:.0f} MB | {s['pg_peak']:.0f} MB, "
                     f"{s['second_peak']:.0f} MB | {s['lite_start'] * 1000:.0f} ms | "
                     f"{s['pg_start'] * 1000:.0f} ms |")
    return "\n".join(lines)


def write_section(out, command, machine, args, body):
    """Puts the section into the report, replacing an earlier one and keeping the rest."""
    doc = open(out).read() if os.path.exists(out) else "# Benchmarks\n"
    section = f"""{SECTION}

Measured by `{command}` on {time.strftime('%Y-%m-%d')}. Machine: {machine}.
PostgreSQL {psql(args.database, "SHOW server_version")}, on the same machine, with
`shared_buffers` {psql(args.database, "SHOW shared_buffers")}, `synchronous_commit`
{psql(args.database, "SHOW synchronous_commit")} (SQLite runs with `synchronous = NORMAL`: in
both, a commit survives the server's crash and the last moments may be lost on a power cut);
each reintegra server keeps a pool of 16 connections. wrk, nginx, PostgreSQL and the servers
share the machine's cores; {args.duration} s per measurement, best of {args.repeats} alternated
runs; pages one request at a time, {args.runs} runs.

{body}
"""
    start = doc.find(SECTION)
    if start >= 0:
        end = doc.find("\n## ", start + len(SECTION))
        doc = doc[:start] + section + (doc[end:] if end >= 0 else "")
    else:
        reading = doc.find("## Reading these figures")
        doc = (doc[:reading] + section + "\n" + doc[reading:]) if reading >= 0 else doc + "\n" + section
    with open(out, "w") as f:
        f.write(doc)
