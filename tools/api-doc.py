#!/usr/bin/env python3
"""api-doc.py HEADER [OUT]: the API reference (Markdown) made from the comments of
include/greenpatch.h, written to OUT (stdout without). With --check, exit 1 if OUT is not what
HEADER makes now (the test that keeps include/API.md current).

The header's layout is the contract: a "/* ---- Title ---- */" comment opens a section (text after
its first line introduces the section); any other comment documents the declarations that follow
it up to the next blank line or comment. Include guards, includes and extern "C" are left out."""
import re
import sys

SKIP = re.compile(r'^(#ifndef GREENPATCH_H|#define GREENPATCH_H|#include|#ifdef|#ifndef|#endif|extern "C" \{|\}$)')


def text_of(comment):
    """The comment's prose: delimiters and the leading ' * ' gone, example lines kept indented."""
    out = []
    for i, line in enumerate(comment):
        line = line.rstrip()
        if i == 0:
            line = line.lstrip()[2:]
        if line.endswith("*/"):
            line = line[:-2]
        line = re.sub(r"^\s*\* ?", "", line) if i else line.lstrip()
        out.append(line.rstrip())
    return out


def prose(lines):
    """Lines of a comment as Markdown: runs of lines indented by two spaces become code, except
    where they continue a "- " list item."""
    md, code, in_list = [], [], False
    for line in lines + [""]:
        indented = line.startswith("  ") and bool(line.strip())
        if indented and not in_list:
            code.append(line[2:])
            continue
        if code:
            md += ["", "```c"] + code + ["```", ""]
            code = []
        in_list = line.startswith("- ") or (in_list and indented)
        md.append(line.strip() if in_list and indented else line)
    return "\n".join(md).strip()


def parse(src):
    """(intro, [(title, intro, [(comment_lines, decl_lines)])])"""
    lines = src.split("\n")
    intro, sections, comment, decls = [], [], None, []
    i = 0

    def flush():
        nonlocal comment, decls
        if decls:
            if not sections:  # declarations before the first section: the library's own
                sections.append(("the library", [], []))
            sections[-1][2].append((comment or [], decls))
        comment, decls = None, []

    while i < len(lines):
        line = lines[i]
        if line.lstrip().startswith("/*") and not decls_continues(decls):
            flush()
            block = [line]
            while "*/" not in block[-1]:
                i += 1
                block.append(lines[i])
            body = text_of(block)
            m = re.match(r"^-{4} (.*?) -{4}\s*(.*)$", body[0])
            if m:
                sections.append((m.group(1), [m.group(2)] + body[1:], []))
            elif not sections and not intro:
                intro = body
            else:
                comment = body
        elif not line.strip():
            flush()
        elif not SKIP.match(line.strip()):
            decls.append(line)
        i += 1
    flush()
    return intro, sections


def decls_continues(decls):
    """A comment inside a multi-line declaration (a struct's members) belongs to it."""
    return bool(decls) and decls[-1].rstrip().endswith(("{", ",", "\\")) or \
        bool(decls) and decls[0].startswith("typedef struct") and not decls[-1].startswith("}")


def names(decls):
    found = []
    for line in decls:
        m = re.match(r"^#define (\w+)", line) or re.search(r"\b(greenpatch_\w+|GREENPATCH_\w+)\s*\(", line) \
            or re.match(r"^typedef struct \w+ (\w+);", line) or re.match(r"^\} (\w+);", line)
        if m and not m.group(1).startswith("greenpatch__"):
            found.append(m.group(1))
    return found


def render(src):
    intro, sections = parse(src)
    out = ["# greenpatch API reference", "",
           "Generated from `include/greenpatch.h` by `tools/api-doc.py`; edit the header, not this file.", "",
           prose(intro), "", "## Contents", ""]
    for title, _, _ in sections:
        out.append("- [%s](#%s)" % (title, re.sub(r"[^a-z0-9 -]", "", title.lower()).replace(" ", "-")))
    for title, sintro, groups in sections:
        out += ["", "## " + title, ""]
        if prose(sintro):
            out += [prose(sintro), ""]
        for comment, decls in groups:
            n = names(decls)
            if n:
                out += ["### " + ", ".join("`%s`" % x for x in n), ""]
            out += ["```c"] + decls + ["```", ""]
            if comment:
                out += [prose(comment), ""]
    return "\n".join(out).rstrip() + "\n"


def main(argv):
    check = "--check" in argv
    args = [a for a in argv if a != "--check"]
    if not args or (check and len(args) < 2):
        sys.exit("usage: api-doc.py [--check] HEADER [OUT]")
    md = render(open(args[0]).read())
    if check:
        if open(args[1]).read() != md:
            sys.exit("%s is out of date: run make api-doc" % args[1])
        return
    if len(args) > 1:
        open(args[1], "w").write(md)
    else:
        sys.stdout.write(md)


main(sys.argv[1:])
