#!/usr/bin/env python3
"""Structure check (`make test` step `structure`): no import cycles between a
crate's top-level modules, and no oversized Rust files.

Usage: scripts/check-structure.py [CRATE_DIR ...]   (default: api web schema bench media)

1. Import cycles. For each crate, every `.rs` file under `src/` belongs to the
   top-level module named by its first path component (`src/state.rs`,
   `src/state/store.rs` -> `state`; `lib.rs` and `main.rs` are the root and are
   skipped). A reference `crate::x...` or an item `x` inside `use crate::{x, ...}`
   is an edge to module `x`, when `x` is a top-level module. Comments, string
   and character literals are ignored. Any cycle (two or more modules that reach
   each other) fails the check; each is printed with the file:line of every edge.

2. File sizes. A `.rs` file (under `src/`, `tests/`, `benches/` of any crate,
   and, without arguments, any `.mjs`/`.js` file of `e2e/`)
   longer than 400 lines fails unless one of its first 10 lines is a comment
   that carries a reason in the form `(long: <reason>)`, for example
       //! Every event kind, one table of them (long: one exhaustive match).
   Files marked `@generated` in their first 10 lines are generated, not edited
   by hand, and are skipped.

Exits 1 and prints every violation when anything fails.
"""

import os
import re
import sys
from collections import defaultdict

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_CRATES = ["api", "web", "schema", "bench", "media"]
MAX_LINES = 400
HEAD_LINES = 10
LONG_MARKER = re.compile(r"^\s*//.*\(long:\s*\S.*\)")
GENERATED = re.compile(r"@generated")
IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def strip_code(text):
    """The source with comments and string/char literals blanked out (newlines
    kept, so line numbers stay right)."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            depth, i = 1, i + 2
            while i < n and depth:
                if text.startswith("/*", i):
                    depth, i = depth + 1, i + 2
                elif text.startswith("*/", i):
                    depth, i = depth - 1, i + 2
                else:
                    if text[i] == "\n":
                        out.append("\n")
                    i += 1
        elif (c == "r" or text.startswith("br", i)) and re.match(r"b?r#*\"", text[i:i + 260]) and (
            i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")
        ):
            m = re.match(r"b?r(#*)\"", text[i:])
            end = text.find('"' + m.group(1), i + m.end())
            end = n if end < 0 else end + 1 + len(m.group(1))
            out.append("\n" * text.count("\n", i, end))
            i = end
        elif c == '"':
            i += 1
            while i < n and text[i] != '"':
                if text[i] == "\\":
                    i += 1
                elif text[i] == "\n":
                    out.append("\n")
                i += 1
            i += 1
        elif c == "'":
            # A char literal ('a', '\n', '\u{1F600}'), or a lifetime ('a) which stays.
            m = re.match(r"'(\\(u\{[0-9a-fA-F]+\}|x[0-9a-fA-F]{2}|.)|[^\\'\n])'", text[i:])
            if m:
                i += m.end()
            else:
                out.append(c)
                i += 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def use_group_heads(code, start):
    """First path segment of each item in the `{...}` group opening at `start`."""
    heads, depth, expect_head, i = [], 0, True, start
    while i < len(code):
        c = code[i]
        if c == "{":
            depth += 1
            expect_head = depth == 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                break
        elif c == "," and depth == 1:
            expect_head = True
        elif expect_head and depth == 1:
            m = IDENT.match(code, i)
            if m:
                heads.append((m.group(0), i))
                expect_head = False
                i = m.end()
                continue
        i += 1
    return heads


def module_of(src, path):
    rel = os.path.relpath(path, src).split(os.sep)
    if len(rel) == 1 and rel[0] in ("lib.rs", "main.rs"):
        return None
    return rel[0][:-3] if rel[0].endswith(".rs") else rel[0]


def source_files(top, suffixes):
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames[:] = sorted(d for d in dirnames if d not in ("target", "node_modules", "dist", "artifacts"))
        for f in sorted(filenames):
            if f.endswith(suffixes):
                yield os.path.join(dirpath, f)


def rust_files(top):
    return source_files(top, (".rs",))


def import_edges(crate_dir):
    """{(from, to): [file:line, ...]} between the crate's top-level modules."""
    src = os.path.join(crate_dir, "src")
    files = list(rust_files(src))
    modules = {module_of(src, p) for p in files} - {None}
    edges = defaultdict(list)
    for path in files:
        me = module_of(src, path)
        if me is None:
            continue
        with open(path, encoding="utf-8") as f:
            code = strip_code(f.read())
        for m in re.finditer(r"\bcrate\s*::\s*(\{|[A-Za-z_][A-Za-z0-9_]*)", code):
            if m.group(1) == "{":
                targets = use_group_heads(code, m.start(1))
            else:
                targets = [(m.group(1), m.start(1))]
            for name, pos in targets:
                if name in modules and name != me:
                    line = code.count("\n", 0, pos) + 1
                    edges[(me, name)].append(f"{os.path.relpath(path, ROOT)}:{line}")
    return modules, edges


def cycles(modules, edges):
    """Strongly connected components with more than one module (Tarjan)."""
    graph = defaultdict(set)
    for a, b in edges:
        graph[a].add(b)
    index, low, stack, on_stack, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(modules):
        if v not in index:
            visit(v)
    return out


def shortest_cycle(comp, edges):
    """One shortest cycle through the component's first module, as a module list."""
    members = set(comp)
    start = comp[0]
    prev, queue = {start: None}, [start]
    for v in queue:
        for (a, b) in sorted(edges):
            if a != v or b not in members:
                continue
            if b == start:
                path = [v]
                while prev[path[-1]] is not None:
                    path.append(prev[path[-1]])
                return list(reversed(path)) + [start]
            if b not in prev:
                prev[b] = v
                queue.append(b)
    return comp + [start]


def check_cycles(crate):
    crate_dir = os.path.join(ROOT, crate)
    if not os.path.isdir(os.path.join(crate_dir, "src")):
        return []
    modules, edges = import_edges(crate_dir)
    problems = []
    for comp in cycles(modules, edges):
        cyc = shortest_cycle(comp, edges)
        lines = [f"{crate}: import cycle among {{{', '.join(comp)}}}: {' -> '.join(cyc)}"]
        for a, b in zip(cyc, cyc[1:]):
            refs = edges[(a, b)]
            more = f" (+{len(refs) - 3} more)" if len(refs) > 3 else ""
            lines.append(f"    {a} -> {b}: {', '.join(refs[:3])}{more}")
        problems.append("\n".join(lines))
    return problems


def check_sizes(crate):
    return sizes([p for sub in ("src", "tests", "benches") for p in rust_files(os.path.join(ROOT, crate, sub))])


def sizes(paths):
    problems = []
    for path in paths:
        with open(path, encoding="utf-8") as f:
            lines = f.read().split("\n")
        count = len(lines) - (1 if lines and lines[-1] == "" else 0)
        if count <= MAX_LINES:
            continue
        head = lines[:HEAD_LINES]
        if any(GENERATED.search(l) for l in head) or any(LONG_MARKER.match(l) for l in head):
            continue
        problems.append(
            f"{os.path.relpath(path, ROOT)}: {count} lines (over {MAX_LINES}; split it, or give the "
            f"reason in its first lines as `//! ... (long: <reason>)`)"
        )
    return problems


def main(argv):
    crates = argv or DEFAULT_CRATES
    problems = []
    for crate in crates:
        problems += check_cycles(crate)
        problems += check_sizes(crate)
    if not argv:
        # The end-to-end suite is code too (JavaScript); only sizes apply there.
        problems += sizes(list(source_files(os.path.join(ROOT, "e2e"), (".mjs", ".js"))))
    for p in problems:
        print(p)
    if problems:
        print(f"structure: {len(problems)} problem(s)")
        return 1
    print(f"structure: ok ({', '.join(crates)}: no import cycles, no file over {MAX_LINES} lines without a reason)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
