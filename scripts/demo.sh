#!/usr/bin/env bash
# The demo: reconcile manifests/ into an embedded local engine and predict through a local
# stand-in model server (no OpenSearch, no cloud account, no real API keys).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH"

# Demo credentials: the stand-in server accepts exactly these; real keys never go in git.
export OPENAI_API_KEY="demo-openai-key" COHERE_API_KEY="demo-cohere-key"
export AWS_ACCESS_KEY_ID="AKIADEMOEXAMPLEKEY01" AWS_SECRET_ACCESS_KEY="demo-aws-secret-key"

rm -rf .mlgitops/demo
mlgitops standin serve --port 8765 &
standin=$!
trap 'kill "$standin" 2>/dev/null || true' EXIT
for _ in $(seq 50); do
  python3 -c 'import socket; socket.create_connection(("127.0.0.1", 8765), 0.2)' 2>/dev/null && break
  sleep 0.1
done

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; "$@"; }
step mlgitops validate manifests/
step mlgitops plan --env demo
step mlgitops reconcile --env demo
step mlgitops plan --env demo --detailed-exitcode
step mlgitops predict openai-chat --env demo \
  --parameters '{"messages": [{"role": "user", "content": "Say hello to GitOps"}]}'
step mlgitops predict openai-embedding --env demo --text-docs "declarative ML connectors"
step mlgitops predict bedrock-titan-embedding --env demo --text-docs "signed with SigV4"
# The ingest pipeline embeds passage_text with the Titan model (ml_inference), the agent asks the chat model.
step mlgitops simulate passage-embedding --env demo --doc '{"passage_text": "GitOps for ML pipelines"}'
step mlgitops execute chat-assistant --env demo --parameters '{"question": "What does mlgitops manage?"}'
printf '\nDemo complete: state is in .mlgitops/demo (credentials encrypted at rest).\n'
