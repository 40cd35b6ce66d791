#!/usr/bin/env bash
# Fuzzes Engram's parsers: fuzz/run.sh [TARGET] [COUNT] [harness options]
#   TARGET: png, wav, idx, safetensors, memory, explorer, jpeg, gif, webp, bmp, tiff, tga, or all (the default)
#   COUNT:  inputs per target (default 100000)
#   options are passed to the harness: --seed N, --timeout-ms MS (default 10000), --findings DIR,
#   --memory-open NAME (how the memory target opens a file)
# Builds the harness (Release), runs each target in its own process (so each peak working set is its own)
# and prints one summary line per target: inputs, crashes, hangs, execs/s, peak memory. Crashing and hanging
# inputs are saved under fuzz/findings/TARGET/ with what they did. Exits non-zero when any target found one.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${1:-all}"
count="${2:-100000}"
shift $(( $# < 2 ? $# : 2 ))
if [[ "$target" == all ]]; then
  targets=(png wav idx safetensors memory explorer jpeg gif webp bmp tiff tga)
else
  targets=("$target")
fi

dotnet build fuzz/Engram.Fuzz/Engram.Fuzz.csproj -c Release --nologo -v quiet >/dev/null
harness=fuzz/Engram.Fuzz/bin/Release/net10.0/Engram.Fuzz.dll
status=0
summary=()
for t in "${targets[@]}"; do
  log="$(mktemp)"
  if dotnet "$harness" "$t" "$count" "$@" | tee "$log"; then :; else status=1; fi
  summary+=("$(tail -n 1 "$log")")
  rm -f "$log"
done

echo
echo "summary (${count} inputs per target):"
printf '  %s\n' "${summary[@]}"
exit "$status"
