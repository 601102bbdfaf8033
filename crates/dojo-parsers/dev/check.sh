#!/bin/sh
# Builds the parse example and scores it against DefectDojo's golden output.
# Usage: crates/dojo-parsers/dev/check.sh [-s "Scan Type"]…
root=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$root" || exit 1
export DOJO_PARSERS_TARGET="${DOJO_PARSERS_TARGET:-$root/target}"
CARGO_TARGET_DIR="$DOJO_PARSERS_TARGET" cargo build --release -p dojo-parsers --example parse 2>&1 | grep -E "^(error|warning)" -A7 | head -60
python3 "$root/../shared/conformance/score.py" --dojo "$root/crates/dojo-parsers/dev/dojo" -v "$@" 2>&1 | tail -45
