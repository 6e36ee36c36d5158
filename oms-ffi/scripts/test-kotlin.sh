#!/usr/bin/env bash
# Builds the library, generates the bindings (scripts/bindings.sh), then
# compiles the generated Kotlin with the JUnit tests in tests/kotlin and runs
# them on the JVM against that library through JNA. Maven fetches the
# Kotlin compiler, JNA and JUnit from Maven Central on first use.
#
#   oms-ffi/scripts/test-kotlin.sh           # the tests
#   oms-ffi/scripts/test-kotlin.sh --bench   # only the per-call overhead benchmark (prints figures)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
target="${CARGO_TARGET_DIR:-$root/target}"
case "$target" in /*) ;; *) target="$root/$target" ;; esac

mode=test
case "${1:-}" in
    "") ;;
    --bench) mode=bench ;;
    *) echo "usage: $0 [--bench]" >&2; exit 2 ;;
esac

if ! command -v mvn >/dev/null || ! command -v java >/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "test-kotlin.sh: installing Maven and a JDK (Debian packages)"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq maven default-jdk-headless >/dev/null
    else
        echo "test-kotlin.sh: needs Maven (mvn) and a JDK 17 or newer" >&2
        exit 1
    fi
fi

"$root/oms-ffi/scripts/bindings.sh"

cd "$root/oms-ffi/tests/kotlin"
props=(-Doms.bindings.dir="$target/bindings/kotlin" -Doms.lib.dir="$target/release")
if [ "$mode" = bench ]; then
    # Maven's own logging is kept: the benchmark prints its figures there.
    mvn -B -Dstyle.color=never test -Pbench "${props[@]}" | grep -v '^\[INFO\] \(Download\|---\|$\)'
    exit "${PIPESTATUS[0]}"
fi

rm -rf target/surefire-reports
# Quiet Maven still writes ANSI resets (jansi): strip them so every line is plain.
set +e
mvn -q -B -Dstyle.color=never test "${props[@]}" 2>&1 | sed -u 's/\x1b\[[0-9;]*m//g'
status=${PIPESTATUS[0]}
set -e
# One closing line from Surefire's reports (quiet Maven prints none on success).
awk -F'"' '/<testsuite / { for (i = 1; i < NF; i++) {
        if ($i ~ / tests=$/) t += $(i+1); if ($i ~ / failures=$/) f += $(i+1)
        if ($i ~ / errors=$/) f += $(i+1); if ($i ~ / skipped=$/) s += $(i+1) } }
     END { printf "kotlin: %d passed, %d failed, %d skipped\n", t - f - s, f, s }' \
    target/surefire-reports/TEST-*.xml 2>/dev/null || echo "kotlin: no test report"
exit "$status"
