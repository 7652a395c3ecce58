#!/usr/bin/env bash
# Run every fuzzer for a bounded time over its corpus (fuzz/corpus/<target>/), failing on the first
# crash, sanitizer report, hang (one input over 10 s) or memory blow-up (over 2 GB):
#
#   fuzz/run.sh [--seconds N] [--jobs N] [--keep | --replay] [TARGET ...]
#
# C targets (fuzz/c/*_fuzz.c) are built with clang's libFuzzer, AddressSanitizer and UBSan from the
# engine's own sources; Python targets (fuzz/python/*.py) run under atheris. By default (make test,
# 10 s each) what a run finds goes to a temporary folder and the tree's corpus is only read; with
# --keep (make fuzz) the inputs that add coverage are merged into fuzz/corpus/<target>/ to be
# committed; --replay runs each corpus input once and fuzzes nothing (tests/fuzz does, for C).
# --jobs N runs N fuzzers at a time (make test: 2, one per core); each keeps its own time budget.
# A failing input is kept as fuzz/crashes/<target>-*: add it to the corpus with the fix.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

SECONDS_EACH=20
JOBS=1
KEEP=
REPLAY=
while [[ ${1:-} == --* ]]; do
    case $1 in
        --seconds) SECONDS_EACH=$2; shift 2 ;;
        --jobs) JOBS=$2; shift 2 ;;
        --keep) KEEP=1; shift ;;
        --replay) REPLAY=1; shift ;;
        *) echo "fuzz/run.sh: unknown option $1" >&2; exit 2 ;;
    esac
done
C_TARGETS=(wav_probe callerid udptl)
PY_TARGETS=(config_loader flow_loader fax_tiff cid_text)
TARGETS=("$@")
((${#TARGETS[@]})) || TARGETS=("${C_TARGETS[@]}" "${PY_TARGETS[@]}")
PY=${PY:-$PWD/.venv/bin/python}
BUILD=build/fuzz
OPTS=(-max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1)
if [[ -n $REPLAY ]]; then OPTS=(-runs=0 -timeout=10 -rss_limit_mb=2048); fi
mkdir -p "$BUILD" fuzz/crashes
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/tmp"     # the targets' scratch files (a libFuzzer exit skips Python's own clean-up): gone with WORK

declare -A C_SOURCES=(
    [wav_probe]="csrc/wav.c csrc/codec.c"
    [callerid]="csrc/cid_parse.c"
    [udptl]="csrc/udptl.c"
)

build() {     # a C harness, rebuilt when it or its sources changed
    local t=$1 bin=$BUILD/$1
    local srcs="fuzz/c/${t}_fuzz.c ${C_SOURCES[$t]}"
    if [[ ! -x $bin || -n $(find $srcs csrc/*.h -newer "$bin" -print -quit) ]]; then
        echo "[fuzz] building $t" >&2
        clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
            -Icsrc -I/usr/include/x86_64-linux-gnu $srcs -lspandsp -lm -o "$bin"
    fi
}

command_for() {    # the fuzzer's command line for target $1
    local t=$1
    if [[ -n ${C_SOURCES[$t]:-} ]]; then
        build "$t"
        echo "$BUILD/$t"
    else
        echo "env FUZZ_TARGET=$t PATH=$(dirname "$PY"):$PATH fuzz/python/run.py"
    fi
}

fuzz_one() {    # target $1: fuzz (and merge with --keep); its report in $WORK/$1.report, "ok" in $WORK/$1.ok
    local t=$1 corpus=fuzz/corpus/$1 cmd
    read -r -a cmd <<<"$(command_for "$t" 2>>"$WORK/$t.report")"
    # UBSan reports are crashes; leaks are not looked for in the Python targets (the interpreter's own)
    if ! TMPDIR="$WORK/tmp" ASAN_OPTIONS=detect_leaks=$([[ -n ${C_SOURCES[$t]:-} ]] && echo 1 || echo 0) \
         "${cmd[@]}" "${OPTS[@]}" -artifact_prefix="fuzz/crashes/$t-" "$WORK/$t" "$corpus" \
         >"$WORK/$t.log" 2>&1; then
        tail -n 40 "$WORK/$t.log" >>"$WORK/$t.report"
        return
    fi
    grep -E "^stat::number_of_executed_runs|^Done [0-9]+ runs" "$WORK/$t.log" | sed "s/^/[fuzz] $t: /" \
        >>"$WORK/$t.report" || true
    if [[ -n $KEEP ]]; then
        "${cmd[@]}" -merge=1 "$corpus" "$WORK/$t" >"$WORK/$t.merge.log" 2>&1 \
            || { tail -n 20 "$WORK/$t.merge.log" >>"$WORK/$t.report"; echo "$t (merge)" >"$WORK/$t.failed"; }
    fi
    touch "$WORK/$t.ok"
}

for t in "${C_TARGETS[@]}"; do    # the C harnesses built first, one at a time (the jobs share build/fuzz)
    [[ " ${TARGETS[*]} " == *" $t "* ]] && build "$t"
done
for t in "${TARGETS[@]}"; do
    corpus=fuzz/corpus/$t
    [[ -d $corpus ]] || { echo "[fuzz] no corpus folder $corpus" >&2; exit 2; }
    mkdir -p "$WORK/$t"
    echo "[fuzz] $t: $([[ -n $REPLAY ]] && echo replay || echo "${SECONDS_EACH}s") over $(ls "$corpus" | wc -l) corpus inputs" >&2
    while (($(jobs -rp | wc -l) >= JOBS)); do wait -n || true; done
    fuzz_one "$t" &
done
wait
failed=()
for t in "${TARGETS[@]}"; do
    [[ -f $WORK/$t.report ]] && cat "$WORK/$t.report" >&2
    if [[ ! -f $WORK/$t.ok ]]; then failed+=("$t"); elif [[ -f $WORK/$t.failed ]]; then failed+=("$(cat "$WORK/$t.failed")"); fi
done
if ((${#failed[@]})); then
    echo "[fuzz] FAILED: ${failed[*]} (inputs in fuzz/crashes/)" >&2
    exit 1
fi
echo "[fuzz] all ${#TARGETS[@]} fuzzers ran $([[ -n $REPLAY ]] && echo "their corpus" || echo "${SECONDS_EACH}s each") without a failure" >&2
