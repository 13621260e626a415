#!/usr/bin/env bash
# Load test of `pia serve`: 8 concurrent clients for 10 s of mixed search and
# compare requests (pages and API) on 127.0.0.1 against the bundled corpus;
# prints requests/s, latency percentiles and the error count.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --release --test serve_load -- --ignored --nocapture load_8_clients_10_seconds 2>&1 | grep -E '^load:|^\{|test result'
