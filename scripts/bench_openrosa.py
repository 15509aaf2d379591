"""The OpenRosa ingest scenario of scripts/bench: field clients posting filled forms.

On a copy of a generated programme, a programme manager publishes the field visit form (an
XLSForm with a select and its "other", a location, a count of children with a repeat, and a
photo) through the JSON API, and the 32 case managers with most cases each get a device
account. wrk then posts instances as ODK Collect sends them (multipart,
`xml_submission_file`), each through one of the devices about one of its user's cases, with a
fresh instance id, and a 200 KB photo with every tenth, at each concurrency level. Afterwards the database is counted: every submission answered 201 must be
there once, and nothing else.

Imported by scripts/bench (which passes its Server and wrk helpers' settings); not run alone.
"""

import json
import os
import re
import shutil
import sqlite3
import subprocess
import urllib.request
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FORM = os.path.join(ROOT, "crates/forms/tests/corpus/valid/field_visit.xlsx")
FORM_ID, VERSION = "field_visit", "2026.1"

# Posts filled instances: a fresh instance id per request, a device and one of its cases at
# random, and a photo with
# every tenth. Counts answers by status per thread; done() prints them with the latencies.
LUA = r"""
local pairs_, photo, instance_head, n, tid = {}, nil, nil, 0, 0
local counts = {}
local threads = {}
local boundary = "----reintegra-bench-boundary"

function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end

function init(args)
  for line in io.lines(args[1]) do
    local path, case = line:match("^(%S+) (%S+)$")
    table.insert(pairs_, {path, case})
  end
  local f = io.open(args[2], "rb"); photo = f:read("*a"); f:close()
  f = io.open(args[3], "rb"); instance_head = f:read("*a"); f:close()
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "multipart/form-data; boundary=" .. boundary
  wrk.headers["X-OpenRosa-Version"] = "1.0"
  math.randomseed(os.time() + tid)
end

local function part(name, filename, ctype, content)
  return "--" .. boundary .. "\r\nContent-Disposition: form-data; name=\"" .. name ..
    "\"; filename=\"" .. filename .. "\"\r\nContent-Type: " .. ctype .. "\r\n\r\n" .. content .. "\r\n"
end

function request()
  n = n + 1
  local pair = pairs_[math.random(1, #pairs_)]
  local path, case = pair[1], pair[2]
  local id = string.format("uuid:bench-%d-%d-%d-%d", tid, n, os.time(), math.random(1, 1e9))
  local with_photo = (n % 10 == 0)
  local xml = string.format(instance_head, case, with_photo and "photo.png" or "", id)
  local body = part("xml_submission_file", "submission.xml", "text/xml", xml)
  if with_photo then body = body .. part("photo.png", "photo.png", "image/png", photo) end
  body = body .. "--" .. boundary .. "--\r\n"
  return wrk.format(nil, path, nil, body)
end

local told = false
function response(status, headers, body)
  counts[status] = (counts[status] or 0) + 1
  if status ~= 201 and not told then
    told = true
    io.stderr:write("first refusal: " .. status .. " " .. body .. "\n")
  end
  local total = 0
  for s, c in pairs(counts) do wrk.thread:set("s" .. s, c) end
end

function done(summary, latency, requests)
  local created, accepted, other = 0, 0, 0
  for _, t in ipairs(threads) do
    created = created + (tonumber(t:get("s201")) or 0)
    accepted = accepted + (tonumber(t:get("s202")) or 0)
    for _, s in ipairs({400, 401, 403, 404, 413, 500, 503}) do
      other = other + (tonumber(t:get("s" .. s)) or 0)
    end
  end
  io.write(string.format("RESULT %d %d %d %d %d %d %d %d %d\n", summary.requests,
    summary.duration, summary.errors.connect + summary.errors.read + summary.errors.write +
    summary.errors.timeout, summary.errors.status, latency:percentile(50), latency:percentile(99),
    created, accepted, other))
end
"""

# The instance as Collect sends it for the field visit form (built from its XForm): the case,
# what helped, a location, no children, the photo's name, the instance id.
INSTANCE = (
    '<?xml version="1.0"?><data xmlns:jr="http://openrosa.org/javarosa" '
    'xmlns:orx="http://openrosa.org/xforms" id="field_visit" version="2026.1">'
    "<reintegra_case>%s</reintegra_case><main_support>cash</main_support>"
    "<main_support_other/><home_location>14.6937 -17.4441 12 5</home_location>"
    "<children>0</children><home_photo>%s</home_photo>"
    "<meta><instanceID>%s</instanceID></meta></data>"
)


def log(msg):
    import sys
    print(f"bench: {msg}", file=sys.stderr, flush=True)


def photo_bytes():
    """A 200 KB file that reads as a PNG (its signature and header, then filler)."""
    head = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00\x00\x00\x01\x00\x08\x06"
            b"\x00\x00\x00\x5c\x72\xa8\x66")
    return head + os.urandom(200 * 1024 - len(head))


def multipart(fields):
    boundary = "----reintegra-setup-" + uuid.uuid4().hex
    body = b""
    for name, filename, content in fields:
        body += f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"".encode()
        if filename:
            body += f"; filename=\"{filename}\"".encode()
        body += b"\r\n\r\n" + content + b"\r\n"
    body += f"--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def api(url, token, path, data=None, content_type=None):
    req = urllib.request.Request(url + path, data=data, method="POST" if data is not None else "GET")
    req.add_header("Authorization", f"Bearer {token}")
    if content_type:
        req.add_header("Content-Type", content_type)
    with urllib.request.urlopen(req, timeout=60) as r:
        return r.status, r.read()


def busiest_case_managers(data_dir, count):
    db = sqlite3.connect(os.path.join(data_dir, "reintegra.db"))
    rows = db.execute(
        "SELECT u.username FROM cases c JOIN users u ON u.id = c.case_manager_id "
        "WHERE u.role = 'case-manager' AND c.stage != 'closed' "
        "GROUP BY u.id ORDER BY count(*) DESC, u.username LIMIT ?", (count,)).fetchall()
    db.close()
    return [r[0] for r in rows]


def counted(data_dir):
    """Instances stored by the run, and submissions they name (each exactly once)."""
    db = sqlite3.connect(os.path.join(data_dir, "reintegra.db"))
    instances, submissions = db.execute(
        "SELECT count(*), count(DISTINCT s.id) FROM field_instances i "
        "JOIN submissions s ON s.id = i.submission_id "
        "WHERE i.instance_id LIKE 'uuid:bench-%' AND s.status = 'complete'").fetchone()
    files = db.execute(
        "SELECT count(*) FROM submission_files f JOIN field_instances i "
        "ON i.submission_id = f.submission_id WHERE i.instance_id LIKE 'uuid:bench-%'").fetchone()[0]
    db.close()
    return instances, submissions, files


def scenario(binary, generated_dir, work, server_class, conns_list, duration):
    """Runs the ingest at each concurrency; returns one result per level and the counts."""
    data_dir = os.path.join(work, "openrosa-data")
    shutil.rmtree(data_dir, ignore_errors=True)
    shutil.copytree(generated_dir, data_dir)
    usernames = busiest_case_managers(data_dir, 32)
    pm_token = subprocess.run(
        [binary, "token", "create", "--data-dir", data_dir, "--username", "pm.dakar",
         "--name", "bench"], check=True, capture_output=True, text=True).stdout.strip()
    server = server_class(binary, data_dir)
    try:
        with open(FORM, "rb") as f:
            body, ctype = multipart([("file", "field_visit.xlsx", f.read())])
        api(server.url, pm_token, "/api/v1/forms", body, ctype)
        api(server.url, pm_token, f"/api/v1/forms/{FORM_ID}/versions/{VERSION}/publish", b"")
        pairs = []
        for username in usernames:
            out = subprocess.run(
                [binary, "device", "create", "--data-dir", data_dir, "--username", username,
                 "--name", "bench", "--url", server.url],
                check=True, capture_output=True, text=True).stdout
            device = out.strip().splitlines()[-1]
            with urllib.request.urlopen(f"{device}/forms/{FORM_ID}/{VERSION}/files/cases.csv") as r:
                rows = r.read().decode().splitlines()[1:]
            path = device[len(server.url):] + "/submission"
            pairs += [f"{path} {row.split(',')[0]}" for row in rows if row]
        if not pairs:
            raise SystemExit("the devices' case lists are empty")
        log(f"openrosa: {len(usernames)} devices, {len(pairs)} cases on their lists")
        files = {"cases.txt": "\n".join(pairs) + "\n", "instance.xml": INSTANCE}
        for name, content in files.items():
            with open(os.path.join(work, name), "w") as f:
                f.write(content)
        with open(os.path.join(work, "photo.png"), "wb") as f:
            f.write(photo_bytes())
        script = os.path.join(work, "openrosa.lua")
        with open(script, "w") as f:
            f.write(LUA)
        results = []
        for conns in conns_list:
            threads = max(1, min(2, conns))
            out = subprocess.run(
                ["wrk", f"-t{threads}", f"-c{conns}", f"-d{duration}s", "--timeout", "10s",
                 "-s", script, server.url, "--",
                 os.path.join(work, "cases.txt"), os.path.join(work, "photo.png"),
                 os.path.join(work, "instance.xml")],
                check=True, capture_output=True, text=True)
            if "first refusal" in out.stderr:
                log(out.stderr.strip().splitlines()[0])
            if os.environ.get("BENCH_DEBUG"):
                log(out.stdout + out.stderr)
            out = out.stdout
            m = re.search(r"RESULT " + r"(\d+) " * 8 + r"(\d+)", out)
            if not m:
                raise SystemExit(f"wrk printed no result:\n{out}")
            (requests, duration_us, errors, status_errors, p50, p99,
             created, accepted, other) = map(int, m.groups())
            results.append({
                "connections": conns, "rps": created / (duration_us / 1e6),
                "p50_ms": p50 / 1000, "p99_ms": p99 / 1000, "requests": requests,
                "created": created, "accepted": accepted,
                "errors": errors + status_errors})
            log(f"openrosa c={conns}: {results[-1]['rps']:.0f} stored/s, "
                f"p99 {p99 / 1000:.1f} ms, {created} created, {errors + status_errors} errors")
        peak = server.peak_memory_mb()
    finally:
        server.stop()
    instances, submissions, photos = counted(data_dir)
    created = sum(r["created"] for r in results)
    counts = {"answered_201": created, "stored": instances, "distinct_submissions": submissions,
              "photos": photos, "lost": max(0, created - instances),
              "duplicated": instances - submissions, "peak_mb": peak}
    log(f"openrosa: {json.dumps(counts)}")
    shutil.rmtree(data_dir, ignore_errors=True)
    return results, counts
