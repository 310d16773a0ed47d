#!/usr/bin/env python3
"""docs/ARCHITECTURE.md against the code: every file or folder the document names in backticks
exists, so the "Where a change belongs" table and the folder map lead a newcomer to real places.

A path is a backticked token with a '/' or a source-file ending (as written: relative to the
repository root, to src/ when it starts with a src/ folder's name, or to a folder named
earlier in the same line). <placeholder> parts, like
`src/ops/<family>/`, match any one path component; `*` globs as usual. Tokens that name no file
(identifiers, commands, shapes) are left alone. Prints each missing path with its line; exit 1
if there is any.

    tests/docs/test_architecture_paths.py [--repo DIR]
"""
import argparse
import glob
import os
import re
import sys

SOURCE_ENDINGS = (".cpp", ".h", ".py", ".md", ".json", ".cmake", ".txt", ".toml", ".js", ".css", ".sh")
SRC_FOLDERS = None  # filled from the checkout: the folders directly under src/


def candidates(token):
    """The path tokens inside one backticked span ('a.cpp', 'b.cpp' or 'x/ (y)' forms)."""
    for word in re.split(r"[\s,;()]+", token):
        word = word.strip().rstrip(":.")
        if not word or word.startswith(("-", "http", "$", "#", "--")) or "=" in word:
            continue
        if "::" in word or word.startswith("."):
            continue
        if "/" in word or word.endswith(SOURCE_ENDINGS):
            yield word


def exists(repo, path, context_dirs=()):
    pattern = re.sub(r"<[^>/]+>", "*", path)
    bases = [repo] + [os.path.join(repo, d) for d in context_dirs]
    first = pattern.split("/")[0]
    if first in SRC_FOLDERS:
        bases.append(os.path.join(repo, "src"))
    if "/" not in pattern:  # a bare file name: anywhere under src/, tests/, scripts/, bench/, tools/
        return any(glob.glob(os.path.join(repo, top, "**", pattern), recursive=True)
                   for top in ("src", "tests", "scripts", "bench", "tools", "include", "cmake", "python", "docs")) \
            or os.path.exists(os.path.join(repo, pattern))
    return any(glob.glob(os.path.join(base, pattern.rstrip("/"))) for base in bases)


def main():
    global SRC_FOLDERS
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repo", default=os.path.normpath(os.path.join(os.path.dirname(__file__), "..", "..")))
    args = ap.parse_args()
    SRC_FOLDERS = set(os.listdir(os.path.join(args.repo, "src")))
    doc = os.path.join(args.repo, "docs", "ARCHITECTURE.md")
    missing, checked = [], 0
    in_code_block = False
    context = []
    with open(doc) as f:
        for lineno, line in enumerate(f, 1):
            if line.startswith("```"):
                in_code_block = not in_code_block
                continue
            if in_code_block:
                continue
            if not line.strip() or line.startswith(("|", "- ", "#")):
                context = []  # folders named earlier in this row, item or paragraph: `src/ops/` ... `nn/`
            for span in re.findall(r"`([^`]+)`", line):
                for path in candidates(span):
                    checked += 1
                    if not exists(args.repo, path, context):
                        missing.append((lineno, path))
                    elif path.endswith("/"):
                        folder = path.split("<")[0]  # src/ops/<family>/ names src/ops/'s subfolders
                        context.append(folder if os.path.isdir(os.path.join(args.repo, folder)) else "src/" + folder)
    for lineno, path in missing:
        print(f"docs/ARCHITECTURE.md:{lineno}: `{path}` does not exist")
    print(f"architecture paths: {checked} checked, {len(missing)} missing")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
