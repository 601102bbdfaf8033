#!/bin/sh
# Build the example and score the given scan types (-s "<type>" ...) verbosely.
cd /work/main || exit 1
CARGO_TARGET_DIR=/work/target-parsers cargo build --release -p dojo-parsers --example parse 2>&1 | grep -E "^(error|warning)" -A7 | head -60
python3 /work/shared/conformance/score.py --dojo /work/main/crates/dojo-parsers/dev/dojo -v "$@" 2>&1 | tail -45
