#!/usr/bin/env bash
# Open a `locksim compare` or `locksim sweep` report in headless Chromium and
# check that the page really shows everything the report directory holds:
#   - the comparison table (same header and rows as report.md);
#   - every chart of DIR/plots/*.svg, inlined complete in its <figure id="STEM">;
#   - every timeline of DIR/timelines/*.svg, inlined in a <section class="story">;
#   - no parser error, and exactly as many top-level <svg> as chart + timeline files.
# A sweep directory (DIR/manifest.json says "kind": "sweep") has no comparison
# table and no stories: its maps, DIR/plots/*.svg, are checked as the charts are,
# and the page must hold exactly as many top-level <svg> as map files.
# The checks read the DOM Chromium built (--dump-dom), not the file on disk, so
# they see what a browser sees. A screenshot is written to
# DIR/report-screenshot.png for a person to look at, and the dumped DOM to
# DIR/report-dom.html for debugging a failure.
#
# Usage: bash scripts/check-report.sh REPORT_DIR
# Exit: 0 all checks passed (or SKIPPED: Chromium could not be installed, so a
# package-mirror outage does not fail CI); 1 a check failed; 2 bad usage.
set -euo pipefail

if [ $# -ne 1 ]; then
    echo "usage: bash scripts/check-report.sh REPORT_DIR" >&2
    exit 2
fi
if [ ! -f "$1/report.html" ]; then
    # A missing report is a failed check, not a skip: compare or sweep should have written it.
    echo "check-report: FAIL: $1/report.html does not exist (run locksim compare or sweep --out $1 first)"
    echo "check-report: 0 passed, 1 failed"
    exit 1
fi
dir=$(cd "$1" && pwd) # absolute: Chromium needs a file:// URL

find_chromium() {
    local name
    for name in chromium chromium-browser google-chrome; do
        if command -v "$name" >/dev/null 2>&1; then
            command -v "$name"
            return 0
        fi
    done
    return 1
}

# Install Chromium when it is missing. Only a failed install is a skip: once
# Chromium is here, any failure below is a real failure.
if ! chrome=$(find_chromium); then
    sudo=()
    if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then sudo=(sudo -n); fi
    echo "check-report: installing chromium (apt-get)..."
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "check-report: SKIPPED: chromium could not be installed (no apt-get on this machine)"
        exit 0
    fi
    install_log=$(mktemp)
    if ! { "${sudo[@]}" apt-get update -qq &&
        "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
            apt-get install -y -qq --no-install-recommends chromium; } >"$install_log" 2>&1 ||
        ! chrome=$(find_chromium); then
        # One line saying why: apt's first error, else the last thing it printed.
        reason=$(grep -E '^(E|Err):' "$install_log" | head -n 1 || true)
        [ -n "$reason" ] || reason=$(tail -n 1 "$install_log")
        rm -f "$install_log"
        echo "check-report: SKIPPED: chromium could not be installed (${reason:-apt-get failed})"
        exit 0
    fi
    rm -f "$install_log"
fi

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

url=$(python3 -c 'import pathlib, sys; print(pathlib.Path(sys.argv[1]).as_uri())' "$dir/report.html")
# Headless as root in a container: no sandbox, no GPU, and nothing that talks to
# the network. Each call gets a fresh empty profile so no state leaks between runs.
flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run
    --disable-background-networking --disable-component-update --disable-sync)

# `timeout` so a hung browser fails the check instead of hanging CI; `|| rc=$?`
# so a Chromium failure becomes a reported failed check rather than a bare exit.
dump_rc=0
timeout -k 10 120 "$chrome" "${flags[@]}" --user-data-dir="$scratch/profile-dom" \
    --dump-dom "$url" >"$dir/report-dom.html" 2>"$scratch/dom.log" || dump_rc=$?
shot_rc=0
rm -f "$dir/report-screenshot.png"
timeout -k 10 120 "$chrome" "${flags[@]}" --user-data-dir="$scratch/profile-shot" \
    --hide-scrollbars --window-size=1280,4000 --screenshot="$dir/report-screenshot.png" \
    "$url" >"$scratch/shot.log" 2>&1 || shot_rc=$?

# The checks themselves, in Python (standard library only) so elements are
# counted by a real parser instead of by grep.
python3 - "$dir" "$dump_rc" "$shot_rc" "$scratch/dom.log" "$scratch/shot.log" <<'PY'
import html.parser
import json
import pathlib
import struct
import sys
import xml.etree.ElementTree as ET

report = pathlib.Path(sys.argv[1])
dump_rc, shot_rc = int(sys.argv[2]), int(sys.argv[3])
dom_log, shot_log = pathlib.Path(sys.argv[4]), pathlib.Path(sys.argv[5])
passed = failed = 0


def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
    print(f"{'ok  ' if ok else 'FAIL'} {what}")
    return ok


def finish():
    print(f"check-report: {passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


def kind_of(directory):
    """A sweep's manifest says "kind": "sweep"; a comparison's names no kind."""
    try:
        manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "compare"
    return manifest.get("kind", "compare") if isinstance(manifest, dict) else "compare"


sweep = kind_of(report) == "sweep"
if sweep:
    print("check-report: a sweep report: its maps, no comparison table or stories")


def tail(log):
    lines = log.read_text(errors="replace").strip().splitlines()
    return (" | last log line: " + lines[-1][:200]) if lines else ""


class Node:
    def __init__(self, tag, attrs, parent):
        self.tag, self.attrs, self.parent, self.children = tag, dict(attrs), parent, []

    def walk(self):
        yield self
        for c in self.children:
            if isinstance(c, Node):
                yield from c.walk()

    def text(self):
        parts = []
        for c in self.children:
            parts.append(c if isinstance(c, str) else c.text())
        return "".join(parts)

    def find_all(self, tag, cls=None):
        return [n for n in self.walk() if n.tag == tag and (cls is None or cls in n.attrs.get("class", "").split())]

    def inside(self, tag):
        p = self.parent
        while p is not None:
            if p.tag == tag:
                return True
            p = p.parent
        return False


# HTML elements that never have an end tag: they must not be pushed on the stack.
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr"}


class TreeBuilder(html.parser.HTMLParser):
    """Chromium's serialised DOM back into a tree (it closes every non-void element)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {}, None)
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        node = Node(tag, attrs, self.stack[-1])
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag, attrs):
        self.stack[-1].children.append(Node(tag, attrs, self.stack[-1]))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data):
        self.stack[-1].children.append(data)


def words(s):
    return " ".join(s.split())


def shape(node):
    """What must survive inlining: element names in document order, and all text."""
    return [n.tag for n in node.walk()], words(node.text())


def svg_file_shape(path):
    """The same shape for a standalone SVG file (parsed as XML: it must be well-formed)."""
    def local(tag):
        return tag.rsplit("}", 1)[-1].lower()
    root = ET.parse(path).getroot()
    return [local(e.tag) for e in root.iter()], words("".join(root.itertext())), root


# 1. Chromium opened the page at all.
dom_path = report / "report-dom.html"
dom_text = dom_path.read_text(encoding="utf-8", errors="replace") if dom_path.exists() else ""
if not check(dump_rc == 0 and "<body" in dom_text,
             f"chromium rendered report.html (--dump-dom exit {dump_rc}, {len(dom_text)} bytes){'' if dump_rc == 0 else tail(dom_log)}"):
    finish()

# 2. The screenshot exists and is the size asked for (PNG header: width, height).
shot = report / "report-screenshot.png"
head = shot.read_bytes()[:24] if shot.exists() else b""
if shot_rc == 0 and head[:8] == b"\x89PNG\r\n\x1a\n":
    w, h = struct.unpack(">II", head[16:24])
    check((w, h) == (1280, 4000), f"screenshot {shot} is a {w}x{h} PNG")
else:
    check(False, f"screenshot {shot} written (chromium exit {shot_rc}){tail(shot_log)}")

builder = TreeBuilder()
builder.feed(dom_text)
builder.close()
doc = builder.root

# 3. Nothing failed to parse. An XHTML/XML parse error makes the browser insert
# a <parsererror> element; in HTML5 a broken SVG instead swallows what follows,
# which the nesting and count checks below catch.
errors = doc.find_all("parsererror")
check(not errors, "no parser error element in the page" + (f": {words(errors[0].text())[:200]}" if errors else ""))

# 4. The comparison table: the same header and rows as report.md's table.
# (A sweep's report.md has grids per design instead; its page has no table.)
if not sweep:
    md_rows = []
    for line in (report / "report.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("|"):
            cells = [words(c) for c in line.strip().strip("|").split("|")]
            if not all(set(c) <= set("-: ") for c in cells):  # skip the |---| separator
                md_rows.append(cells)
        elif md_rows:
            break  # the table ended
    tables = doc.find_all("table")
    if check(len(tables) == 1, f"one comparison table in the page (found {len(tables)})"):
        header = [words(th.text()) for th in tables[0].find_all("th")]
        body = [[words(td.text()) for td in tr.find_all("td")] for tr in tables[0].find_all("tr") if tr.find_all("td")]
        check(md_rows and [header] + body == md_rows,
              f"comparison table: {len(header)} columns x {len(body)} rows, same cells as report.md "
              f"({len(md_rows[0]) if md_rows else 0} columns x {max(len(md_rows) - 1, 0)} rows)")

# Top-level SVGs: the charts and timelines themselves (an <svg> nested in
# another <svg> would mean one chart swallowed what follows it).
top_svgs = [n for n in doc.find_all("svg") if not n.inside("svg")]

# 5. Every chart file (a sweep's: every map) is inlined, complete, in its figure.
plot_files = sorted((report / "plots").glob("*.svg"))
check(plot_files, f"plots/ holds chart files ({len(plot_files)})")
for f in plot_files:
    stem = f.stem
    tags, text, root = svg_file_shape(f)
    title = words(root.findtext("{http://www.w3.org/2000/svg}text") or "") or "(no title)"
    figures = [n for n in doc.find_all("figure") if n.attrs.get("id") == stem]
    if not check(len(figures) == 1 and not figures[0].inside("svg"), f"chart {stem}: one <figure id=\"{stem}\"> in the page"):
        continue
    svgs = [c for c in figures[0].children if isinstance(c, Node) and c.tag == "svg"]
    captions = [c for c in figures[0].children if isinstance(c, Node) and c.tag == "figcaption"]
    if not check(len(svgs) == 1, f"chart {stem}: the figure holds its <svg> ({len(svgs)} found)"):
        continue
    dom_tags, dom_text = shape(svgs[0])
    check(dom_tags == tags and dom_text == text,
          f"chart {stem}: same {len(tags)} elements and text as plots/{f.name}, title \"{title[:60]}\" shown"
          + ("" if dom_tags == tags else f" (the page's has {len(dom_tags)} elements)")
          + ("" if dom_text == text else " (the page's text differs)"))
    check(captions and words(captions[0].text()), f"chart {stem}: caption \"{words(captions[0].text()) if captions else ''}\"")
chart_svgs = [s for s in top_svgs if s.parent.tag == "figure" and "id" in s.parent.attrs]
check(len(chart_svgs) == len(plot_files),
      f"charts: {len(chart_svgs)} chart <svg> in the page, {len(plot_files)} files in plots/")

if sweep:
    # 6. A sweep has no stories; 7. nothing extra or missing overall.
    check(len(top_svgs) == len(plot_files),
          f"svg count: {len(top_svgs)} top-level <svg> in the page = {len(plot_files)} maps")
    finish()

# 6. Every timeline file is inlined in a story section (matched by content).
stories = doc.find_all("section", "story")
story_shapes = []
for s in stories:
    svgs = [n for n in s.find_all("svg") if not n.inside("svg")]
    heading = words(s.find_all("h3")[0].text()) if s.find_all("h3") else "(no heading)"
    story_shapes.append((heading, [shape(n) for n in svgs]))
    # The story's own timeline, then its shrunk case's (under an <h4>) if compare shrank it.
    cases = 1 + sum("smallest case" in words(h.text()) for h in s.find_all("h4"))
    check(len(svgs) == cases, f"story \"{heading}\": {cases} timeline <svg> ({len(svgs)} found)")
timeline_files = sorted((report / "timelines").glob("*.svg"))
for f in timeline_files:
    tags, text, _ = svg_file_shape(f)
    homes = [h for h, shapes in story_shapes if (tags, text) in shapes]
    check(homes, f"timeline {f.name}: inlined in story \"{homes[0] if homes else '(none)'}\"")
inlined = sum(len(shapes) for _, shapes in story_shapes)
check(inlined == len(timeline_files),
      f"stories: {len(stories)} story sections with {inlined} timelines, {len(timeline_files)} files in timelines/")

# 7. Nothing extra or missing overall.
check(len(top_svgs) == len(plot_files) + len(timeline_files),
      f"svg count: {len(top_svgs)} top-level <svg> in the page = {len(plot_files)} charts + {len(timeline_files)} timelines")

finish()
PY
