#!/usr/bin/env bash
# Builds the oms-ffi cdylib (release) and generates Kotlin, Swift and Python
# bindings from that exact library (uniffi library mode) into
# $CARGO_TARGET_DIR/bindings/{kotlin,swift,python} (default target/bindings).
# Generated code is never committed.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
target="${CARGO_TARGET_DIR:-$root/target}"
case "$target" in /*) ;; *) target="$root/$target" ;; esac

# One build gives the library and the generator that matches it.
cargo build --release --locked -p oms-ffi --features cli --lib --bin uniffi-bindgen

case "$(uname -s)" in
    Darwin) lib="$target/release/liboms_ffi.dylib" ;;
    MINGW* | MSYS* | CYGWIN*) lib="$target/release/oms_ffi.dll" ;;
    *) lib="$target/release/liboms_ffi.so" ;;
esac
[ -f "$lib" ] || { echo "bindings.sh: $lib was not built" >&2; exit 1; }

out="$target/bindings"
rm -rf "$out"
for language in kotlin swift python; do
    "$target/release/uniffi-bindgen" generate --no-format \
        --language "$language" --out-dir "$out/$language" "$lib" >/dev/null
done
# Next to the Python module, so `import oms_ffi` finds the library it was generated from.
cp "$lib" "$out/python/"

# Swift cannot be compiled here: check that the files exist and declare the API.
grep -q 'class Engine\b' "$out/swift/oms_ffi.swift" ||
    { echo "bindings.sh: Swift bindings do not declare Engine" >&2; exit 1; }
[ -f "$out/swift/oms_ffiFFI.h" ] && [ -f "$out/swift/oms_ffiFFI.modulemap" ] ||
    { echo "bindings.sh: Swift header or module map missing" >&2; exit 1; }

echo "library: $lib"
echo "bindings: $out/{kotlin,swift,python}"
