#!/usr/bin/env bash
# The demo: reconcile manifests/ into an embedded local engine and predict through a local
# stand-in model server (no OpenSearch, no cloud account, no real API keys).
#   --opensearch: the same demo against a real OpenSearch 2.19.1 + ML Commons node on loopback,
#   started (and stopped at the end) by scripts/opensearch.sh (needs Java 17+; port: OPENSEARCH_PORT).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -gt 1 ] || { [ $# -eq 1 ] && [ "$1" != "--opensearch" ]; }; then
  echo "usage: scripts/demo.sh [--opensearch]" >&2
  exit 1
fi
bash scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH"
target_args=()
if [ "${1:-}" = "--opensearch" ]; then
  node_dir="${OPENSEARCH_DIR:-/tmp/mlgitops-opensearch/demo}"
  url="$(bash scripts/opensearch.sh start --dir "$node_dir" --port "${OPENSEARCH_PORT:-9200}" | tail -n 1)"
  target_args=(--target "$url")
fi

# Demo credentials: the stand-in server accepts exactly these; real keys never go in git.
export OPENAI_API_KEY="demo-openai-key" COHERE_API_KEY="demo-cohere-key"
export AWS_ACCESS_KEY_ID="AKIADEMOEXAMPLEKEY01" AWS_SECRET_ACCESS_KEY="demo-aws-secret-key"

rm -rf .mlgitops/demo
mlgitops standin serve --port 8765 &
standin=$!
cleanup() {
  kill "$standin" 2>/dev/null || true
  if [ ${#target_args[@]} -gt 0 ]; then bash scripts/opensearch.sh stop --dir "$node_dir" >/dev/null; fi
}
trap cleanup EXIT
for _ in $(seq 50); do
  python3 -c 'import socket; socket.create_connection(("127.0.0.1", 8765), 0.2)' 2>/dev/null && break
  sleep 0.1
done

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; "$@"; }
step mlgitops validate manifests/
step mlgitops plan --env demo "${target_args[@]}"
step mlgitops reconcile --env demo "${target_args[@]}"
step mlgitops plan --env demo --detailed-exitcode "${target_args[@]}"
step mlgitops predict openai-chat --env demo "${target_args[@]}" \
  --parameters '{"messages": [{"role": "user", "content": "Say hello to GitOps"}]}'
step mlgitops predict openai-embedding --env demo "${target_args[@]}" --text-docs "declarative ML connectors"
step mlgitops predict bedrock-titan-embedding --env demo "${target_args[@]}" --text-docs "signed with SigV4"
# The ingest pipeline embeds passage_text with the Titan model (ml_inference), the agent asks the chat model.
step mlgitops simulate passage-embedding --env demo "${target_args[@]}" --doc '{"passage_text": "GitOps for ML pipelines"}'
step mlgitops execute chat-assistant --env demo "${target_args[@]}" --parameters '{"question": "What does mlgitops manage?"}'
if [ ${#target_args[@]} -gt 0 ]; then
  printf '\nDemo complete against real OpenSearch at %s (stopped now; state in %s).\n' "$url" "$node_dir"
else
  printf '\nDemo complete: state is in .mlgitops/demo (credentials encrypted at rest).\n'
fi
