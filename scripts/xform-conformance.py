#!/usr/bin/env python3
"""Compares Reintegra's XForm output with pyxform's for every XLSForm both accept.

Usage: xform-conformance.py REINTEGRA_BINARY FILE_OR_DIR...

Each `.xlsx` file (and each `.md` file, written as pyxform's test suite writes forms: one
markdown table per sheet) is converted by pyxform (the pinned reference) and by
`reintegra forms xform`. When both accept it, the two documents are normalised and compared:

- attribute order, indentation and whitespace inside expressions do not count;
- `${name}` references may be written absolute (`/data/x`) or relative (`../x`,
  `current()/../x`): both are resolved to the absolute path before comparing;
- translations, text ids, secondary instances and binds are compared as sets (their order
  carries no meaning);
- pyxform writes no `version` attribute when the settings sheet gives none; Reintegra always
  writes one (field clients need it to tell versions apart), so it is ignored then.

Exit status 1 when any form differs, listing each difference.
"""

import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

from openpyxl import Workbook
from pyxform.xls2xform import convert

# Differences that are decisions, each with its reason (docs/forms.md lists them too).
KNOWN_DIFFERENCES = {
    "flat_xlsform_test.xlsx": "the legacy ODK Tables setting `flat` (groups left out of the "
                              "instance) is not supported; groups are kept",
}
DATE_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(\.\d+)?$")

EXPRESSION_ATTRIBUTES = {"relevant", "constraint", "calculate", "required", "readonly", "value",
                         "{http://openrosa.org/javarosa}count"}
RELATIVE = re.compile(r"(current\(\)/)?((?:\.\./)+)([A-Za-z_][\w.\-]*(?:/[A-Za-z_][\w.\-]*)*)")


def strip_spaces(expr):
    """Removes whitespace outside quoted text."""
    out, quote = [], None
    for ch in expr:
        if quote:
            out.append(ch)
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
            out.append(ch)
        elif not ch.isspace():
            out.append(ch)
    return "".join(out)


def absolute(expr, context):
    """Resolves relative references against the node at `context`."""
    if not context:
        return expr
    segments = [s for s in context.split("/") if s]

    def resolve(m):
        ups = m.group(2).count("../")
        base = segments[: max(0, len(segments) - ups)]
        return "/" + "/".join(base + m.group(3).split("/"))

    return RELATIVE.sub(resolve, expr)


def cell_value(v):
    """A spreadsheet date cell: pyxform writes `2022-04-11 16:26:28.971000`, Reintegra
    `2022-04-11T16:26:28`, and a date without time as the date alone."""
    m = DATE_TIME.match(v.strip())
    if not m:
        return v
    return m.group(1) if m.group(2) == "00:00:00" else f"{m.group(1)}T{m.group(2)}"


def canonical(el, context=""):
    tag = el.tag
    attrs = {k: cell_value(v) for k, v in el.attrib.items()}
    ctx = attrs.get("nodeset") or attrs.get("ref") or context
    if tag.endswith("}itemset"):
        ctx = context
    for k, v in list(attrs.items()):
        # required="false()" and readonly="false()" say what leaving them out says.
        if k in ("required", "readonly") and v.strip() in ("false()", "0", "false", "no"):
            del attrs[k]
            continue
        if k in ("required", "readonly") and v.strip() in ("1", "true", "yes"):
            attrs[k] = "true()"
            continue
        if k in EXPRESSION_ATTRIBUTES or (tag.endswith("}itemset") and k == "nodeset"):
            attrs[k] = strip_spaces(absolute(v, ctx))
    text = cell_value(" ".join((el.text or "").split()))
    tail = " ".join((el.tail or "").split())
    children = [canonical(c, ctx) for c in el]
    local = tag.split("}")[-1]
    if local in ("model", "itext", "translation", "root", "item", "text"):
        children.sort(key=repr)
    return (local, tuple(sorted(attrs.items())), text, tail, tuple(children))


def normalise(xml, ignore_version, ignore_id):
    root = ET.fromstring(xml.encode())
    for inst in root.iter("{http://www.w3.org/2002/xforms}instance"):
        for data in inst:
            if ignore_version:
                data.attrib.pop("version", None)
            # Without an id in the settings, pyxform takes the file name as it is; Reintegra
            # makes an id usable in addresses of it (`Field list.xlsx` -> `field_list`).
            if ignore_id:
                data.attrib.pop("id", None)
            break
        break
    return canonical(root)


def first_difference(a, b, path="html"):
    if a[:4] != b[:4]:
        return f"{path}: pyxform {a[:4]!r}\n      reintegra {b[:4]!r}"
    for i, (x, y) in enumerate(zip(a[4], b[4])):
        d = first_difference(x, y, f"{path}/{x[0]}[{i}]")
        if d:
            return d
    if len(a[4]) != len(b[4]):
        extra_a = [c[:3] for c in a[4][len(b[4]):]]
        extra_b = [c[:3] for c in b[4][len(a[4]):]]
        return f"{path}: children differ; only pyxform: {extra_a}; only reintegra: {extra_b}"
    return None


def md_to_xlsx(md, target):
    """pyxform's markdown forms: `| sheet |` opens a sheet, the next row is its header."""
    wb = Workbook()
    wb.remove(wb.active)
    ws = None
    for line in md.splitlines():
        line = line.strip()
        if not line.startswith("|"):
            continue
        cells = [c.strip() for c in line.strip("|").split("|")]
        if cells[0]:
            ws = wb.create_sheet(cells[0])
            continue
        if ws is not None:
            ws.append([c if c else None for c in cells[1:]])
    wb.save(target)


def csv_dir_to_xlsx(folder, target):
    """A shipped instrument: survey.csv, choices.csv and settings.csv, one per sheet."""
    import csv
    wb = Workbook()
    wb.remove(wb.active)
    for sheet in ("survey", "choices", "settings"):
        path = folder / f"{sheet}.csv"
        if not path.exists():
            continue
        ws = wb.create_sheet(sheet)
        with path.open(newline="", encoding="utf-8") as f:
            for row in csv.reader(f):
                ws.append([c if c else None for c in row])
    wb.save(target)


def main():
    binary, inputs = sys.argv[1], sys.argv[2:]
    files = []
    for p in map(Path, inputs):
        if p.is_dir() and (p / "survey.csv").exists():
            files.append(p)
        elif p.is_dir():
            files += sorted(p.glob("*.xlsx"))
            files += sorted(m for m in p.glob("*.md") if m.name != "README.md")
            files += sorted(d for d in p.iterdir() if (d / "survey.csv").exists())
        else:
            files.append(p)
    compared, skipped, failures = 0, [], []
    with tempfile.TemporaryDirectory() as tmp:
        for f in files:
            xlsx = f
            if f.is_dir():
                xlsx = Path(tmp) / (f.name + ".xlsx")
                csv_dir_to_xlsx(f, xlsx)
            elif f.suffix == ".md":
                xlsx = Path(tmp) / (f.stem + ".xlsx")
                md_to_xlsx(f.read_text(), xlsx)
            try:
                reference = convert(xlsform=str(xlsx)).xform
            except Exception as e:  # the reference refuses it: nothing to compare
                skipped.append(f"{f.name} (pyxform: {str(e).splitlines()[0][:80]})")
                continue
            ours = subprocess.run([binary, "forms", "xform", str(xlsx)], capture_output=True, text=True)
            if ours.returncode != 0:
                skipped.append(f"{f.name} (reintegra: {ours.stderr.strip().splitlines()[-1][:80]})")
                continue
            compared += 1
            has_version = ' version="' in reference.split("<instance>", 1)[-1].split(">", 2)[0] + ">"
            try:
                pyxform_id = re.search(r'<instance>\s*<\w+ id="([^"]*)"', reference)
                ignore_id = bool(pyxform_id) and pyxform_id.group(1) == xlsx.stem
                a = normalise(reference, False, ignore_id)
                b = normalise(ours.stdout, not has_version, ignore_id)
            except ET.ParseError as e:
                failures.append(f"{f.name}: not XML: {e}")
                continue
            d = first_difference(a, b)
            if d and f.name in KNOWN_DIFFERENCES:
                print(f"  known difference in {f.name}: {KNOWN_DIFFERENCES[f.name]}")
            elif d:
                failures.append(f"{f.name}: {d}")
    print(f"xform-conformance: {compared} forms compared, {len(skipped)} not accepted by both")
    for s in skipped:
        print(f"  skipped {s}")
    for f in failures:
        print(f"DIFFERS {f}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
