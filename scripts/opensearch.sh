#!/usr/bin/env bash
# A local single-node OpenSearch 2.19.1 + ML Commons 2.19.1.0 for tests and the demo.
#   scripts/opensearch.sh start|stop|status [--secure] [--port N] [--dir DIR]
# Artifacts come from Maven Central (cached in ~/.cache/mlgitops/opensearch); `start` prints the URL last.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
python="$here/../.venv/bin/python"
[ -x "$python" ] || python="$(command -v python3)"
exec "$python" "$here/opensearch_node.py" "$@"
