#!/usr/bin/env bash
# Runs one mlgitops command for the composite action: builds the argument list from MLGITOPS_* inputs,
# saves stdout as the report, appends it to the job summary and sets the exit-code/has-changes/report outputs.
set -euo pipefail

# Print a file, ending it with a newline when it lacks one (so fences and logs stay intact).
show() {
  cat "$1"
  if [ -s "$1" ] && [ -n "$(tail -c1 "$1")" ]; then echo; fi
}

command="${MLGITOPS_COMMAND:-plan}"
output="${MLGITOPS_OUTPUT:-text}"
args=("$command")
case "$command" in
  validate) ;;
  plan) args+=(--detailed-exitcode) ;;
  reconcile)
    if [ "${MLGITOPS_DRY_RUN:-false}" = "true" ]; then args+=(--dry-run); fi
    args+=(--detailed-exitcode)
    ;;
  *)
    echo "::error title=mlgitops::unknown command '$command': use validate, plan or reconcile"
    exit 64
    ;;
esac
if [ -n "$output" ]; then args+=(--output "$output"); fi
if [ -n "${MLGITOPS_ENV:-}" ]; then args+=(--env "$MLGITOPS_ENV"); fi
if [ -n "${MLGITOPS_TARGET:-}" ] && [ "$command" != "validate" ]; then args+=(--target "$MLGITOPS_TARGET"); fi
read -r -a extra <<< "${MLGITOPS_ARGS:-}"
read -r -a paths <<< "${MLGITOPS_PATHS:-}"
args+=("${extra[@]}" "${paths[@]}")

report_dir="${RUNNER_TEMP:-${TMPDIR:-/tmp}}"
report="$report_dir/mlgitops-$command-${MLGITOPS_ENV:-default}.out"
errors="$report_dir/mlgitops-$command-${MLGITOPS_ENV:-default}.err"
echo "mlgitops ${args[*]}"
set +e
mlgitops "${args[@]}" > "$report" 2> "$errors"
code=$?
set -e
show "$report"
show "$errors" >&2
# On failure the report is what was printed on stderr (the one-line error), so comments can show it.
if [ "$code" -ne 0 ] && [ "$code" -ne 2 ] && [ ! -s "$report" ]; then cp "$errors" "$report"; fi

has_changes=false
if [ "$code" -eq 2 ] && [ "$command" != "validate" ]; then has_changes=true; fi
{
  echo "exit-code=$code"
  echo "has-changes=$has_changes"
  echo "report=$report"
} >> "${GITHUB_OUTPUT:-/dev/null}"

if [ "${MLGITOPS_SUMMARY:-true}" = "true" ] && [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  {
    echo "### mlgitops ${command}${MLGITOPS_ENV:+ ($MLGITOPS_ENV)}"
    echo
    if [ "$output" = "markdown" ]; then
      show "$report"
    else
      echo '```'
      if [ "$output" = "github" ]; then grep -v '^::' "$report" || true; else show "$report"; fi
      echo '```'
    fi
    echo
  } >> "$GITHUB_STEP_SUMMARY"
fi

# 2 means "changes present" with --detailed-exitcode: not a failure.
if [ "$code" -ne 0 ] && [ "$code" -ne 2 ]; then exit "$code"; fi
if [ "$code" -eq 2 ] && [ "$command" = "validate" ]; then exit 2; fi
exit 0
