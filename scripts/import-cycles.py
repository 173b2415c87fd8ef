#!/usr/bin/env python3
"""No import cycle between files of different concerns (docs/ARCHITECTURE.md, "Layers").

Reads every crate's src/ (test code left out: `mod tests` blocks and tests.rs
files), follows `crate::` and `super::` paths to the file that defines them,
and prints each cycle of files that import each other. A module and its own
submodules may refer to each other (they are one concern), so an edge from a
file into its own parent module does not count. Exit 1 when a cycle exists.
"""
import os
import re
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
CRATES = ["sim", "algorithms", "scenarios", "reports"]


def module_file(src, parts):
    """The file defining the longest prefix of `parts` that is a module."""
    for k in range(len(parts), 0, -1):
        base = os.path.join(src, *parts[:k])
        for candidate in (base + ".rs", os.path.join(base, "mod.rs")):
            if os.path.exists(candidate):
                return candidate
    return None


def module_path(src, path):
    parts = os.path.relpath(path, src)[:-3].split(os.sep)
    return parts[:-1] if parts[-1] == "mod" else parts


def edges_of(src):
    files = [os.path.join(d, f) for d, _, fs in os.walk(src) for f in fs if f.endswith(".rs") and f != "tests.rs"]
    edges = {f: set() for f in files}
    for f in files:
        here = module_path(src, f)
        text = open(f, encoding="utf-8").read()
        text = re.sub(r"//.*", "", text)
        text = re.sub(r"#\[cfg\(test\)\]\s*(pub(\(crate\))?\s+)?mod tests\s*\{.*", "", text, flags=re.S)
        paths = [(m.group(1), m.group(2).strip(":").split("::")) for m in re.finditer(r"\b(crate|super)((?:::\w+)+)", text)]
        # `use crate::{a, b::c};`: each item is a path.
        imported = re.findall(r"use crate::((?:\w+::)*\w+)(?:\s+as\s+\w+)?;", text)
        for group in re.findall(r"use crate::\{([^}]*)\}", text):
            items = [i.strip() for i in group.split(",") if i.strip() and "{" not in i]
            paths += [("crate", i.split("::")) for i in items]
            imported += [i for i in items if re.fullmatch(r"(\w+::)*\w+", i)]
        # `use crate::a::b;` then `b::c::d`: a path through the imported module.
        for alias in imported:
            name = alias.split("::")[-1]
            for m in re.finditer(r"(?<![:\w])" + name + r"((?:::\w+)+)", text):
                paths.append(("crate", alias.split("::") + m.group(1).strip(":").split("::")))
        for root, parts in paths:
            if root == "super":
                base = here[:-1]
                while parts and parts[0] == "super":
                    parts, base = parts[1:], base[:-1]
                parts = base + parts
            target = module_file(src, parts)
            if not target or target == f:
                continue
            # A submodule naming its own ancestor is one concern.
            if here[: len(module_path(src, target))] == module_path(src, target):
                continue
            edges[f].add(target)
    return edges


def cycles(edges):
    index, low, stack, on, found, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(component)

    sys.setrecursionlimit(10000)
    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def main():
    bad = 0
    for crate in CRATES:
        src = os.path.join(ROOT, crate, "src")
        for component in cycles(edges_of(src)):
            bad += 1
            print(f"import cycle in {crate}: " + " <-> ".join(sorted(os.path.relpath(x, src) for x in component)))
    if bad:
        sys.exit(1)
    print("import-cycles: none")


main()
