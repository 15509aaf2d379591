#!/usr/bin/env python3
"""For scripts/api-conformance: gives the demo instance the records it lacks (a draft plan and
a sent referral on one of cm.dakar's cases), then writes a schemathesis configuration that
points every path parameter at a record that exists, so that operations reach their success
answers and those are checked against the document too.

Usage: api-conformance-ids.py API_BASE PM_TOKEN CM_TOKEN OUT_TOML"""
import datetime
import json
import sys
import urllib.error
import urllib.request

base, pm, cm, out = sys.argv[1:5]


def call(method, path, token, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, method=method, data=data, headers={
        "Authorization": "Bearer " + token, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, None


def first(path, token=pm):
    status, items = call("GET", path, token)
    return items[0]["id"] if status == 200 and items else None


_, page = call("GET", "/cases?per_page=200", cm)
case = page["items"][0]["id"]
empty_plan = {"objectives": {"economic": "", "social": "", "psychosocial": ""}, "immediate": [],
              "items": [], "purchases": [], "referrals": [], "community_participants": [],
              "expected_improvement": "", "exit_strategy": "", "place": ""}
status, plan = call("POST", f"/cases/{case}/plans", cm, {"content": empty_plan})
_, services = call("GET", "/services", pm)
today = datetime.date.today().isoformat()
call("POST", f"/cases/{case}/referrals", cm, {"service": services[0]["id"], "send": True, "content": {
    "reason": "Checking the API against its document", "urgency": "routine",
    "sections": ["identity", "contact", "reason"],
    "consent": {"date": today, "method": "written_in_person", "purpose": "A referral"}}})
ids = {"case": case, "plan": plan["revision"] if status == 201 else 1,
       "ref": first(f"/cases/{case}/referrals", cm)}
for key, path in [("community", "/communities"), ("project", "/community-projects"),
                  ("mechanism", "/coordination-mechanisms"), ("assessment", "/capacity-assessments"),
                  ("cplan", "/capacity-plans"), ("track", "/policy-tracks"), ("training", "/trainings"),
                  ("agreement", "/agreements"), ("provider", "/providers"), ("service", "/services"),
                  ("stakeholder", "/stakeholders")]:
    ids[key] = first(path)
if ids["project"]:
    ids["participant"] = first(f"/community-projects/{ids['project']}/participants")
if ids["mechanism"]:
    ids["meeting"] = first(f"/coordination-mechanisms/{ids['mechanism']}/meetings")

# Each path (and the literal sub-paths under it) with its parameters.
templates = [
    ("/cases/{id}", {"id": "case"}),
    ("/cases/{id}/plans/{plan}", {"id": "case", "plan": "plan"}),
    ("/cases/{id}/referrals/{ref}", {"id": "case", "ref": "ref"}),
    ("/referrals/{ref}", {"ref": "ref"}),
    ("/communities/{community}", {"community": "community"}),
    ("/community-projects/{project}", {"project": "project"}),
    ("/community-projects/{project}/participants/{participant}",
     {"project": "project", "participant": "participant"}),
    ("/coordination-mechanisms/{record}", {"record": "mechanism"}),
    ("/coordination-mechanisms/{record}/meetings/{meeting}", {"record": "mechanism", "meeting": "meeting"}),
    ("/capacity-assessments/{record}", {"record": "assessment"}),
    ("/capacity-plans/{record}", {"record": "cplan"}),
    ("/policy-tracks/{record}", {"record": "track"}),
    ("/trainings/{record}", {"record": "training"}),
    ("/agreements/{record}", {"record": "agreement"}),
    ("/providers/{provider}", {"provider": "provider"}),
    ("/services/{service}", {"service": "service"}),
    ("/stakeholders/{stakeholder}", {"stakeholder": "stakeholder"}),
]
lines = []
for template, params in templates:
    values = {p: ids.get(k) for p, k in params.items() if ids.get(k) is not None}
    if not values:
        continue
    escaped = ("/api/v1" + template).replace("{", r"\{").replace("}", r"\}")
    lines += ["[[operations]]", f"include-path-regex = '^{escaped}(/[a-z-]+)*$'",
              "parameters = { " + ", ".join(f'"path.{p}" = {json.dumps(v)}' for p, v in values.items()) + " }", ""]
with open(out, "w") as f:
    f.write("\n".join(lines))
