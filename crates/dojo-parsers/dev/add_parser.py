#!/usr/bin/env python3
"""Register a parser module: dev/add_parser.py <module> "<scan type>" ["<scan type>" ...]

Adds `pub mod <module>;` to src/tools/mod.rs and one registry line per scan type.
"""
import sys
from pathlib import Path

here = Path(__file__).resolve().parent.parent
mod, types = sys.argv[1], sys.argv[2:]
m = here / "src/tools/mod.rs"
s = m.read_text()
if f"pub mod {mod};" not in s:
    m.write_text(s.rstrip("\n") + f"\npub mod {mod};\n")
r = here / "src/registry.rs"
s = r.read_text()
marker = "    // (dev/add_parser.py inserts"
for t in types:
    line = f'    ("{t}", tools::{mod}::parse),\n'
    if line not in s:
        s = s.replace(marker, line + marker, 1)
r.write_text(s)
