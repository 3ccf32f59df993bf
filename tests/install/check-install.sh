#!/usr/bin/env bash
# check-install.sh BUILD_DIR SCRATCH_DIR — proves the installed library is
# usable the three ways a C program finds it (pkg-config shared, pkg-config
# static, CMake find_package), that its ABI name is libycdl.so.0, and that it
# exports nothing but ycdl_* symbols.
set -euo pipefail
build=$1
scratch=$2
here=$(cd "$(dirname "$0")" && pwd)
prefix=$scratch/prefix

rm -rf "$scratch"
mkdir -p "$scratch"
cmake --install "$build" --prefix "$prefix" >/dev/null
libdir=$(dirname "$(find "$prefix" -name 'libycdl.so.0' | head -1)")
export PKG_CONFIG_PATH=$libdir/pkgconfig
export LD_LIBRARY_PATH=$libdir

fail() { echo "check-install: $*" >&2; exit 1; }

soname=$(readelf -d "$libdir/libycdl.so" | sed -n 's/.*SONAME.*\[\(.*\)\]/\1/p')
[ "$soname" = "libycdl.so.0" ] || fail "SONAME is '$soname', expected libycdl.so.0"

foreign=$(nm -D --defined-only "$libdir/libycdl.so" | awk '{print $3}' |
	grep -v -e '^ycdl_' -e '^YCDL_0$' || true)
[ -z "$foreign" ] || fail "symbols outside ycdl_* are exported: $foreign"

run() { # program, label
	mkdir -p "$scratch/state-$2"
	"$1" "$scratch/state-$2" | grep -q "events" || fail "$2 consumer did not run"
	echo "ok   $2"
}

cc -std=c11 -Wall -Wextra -Werror -o "$scratch/pc_shared" "$here/consumer.c" \
	$(pkg-config --cflags --libs ycdl)
run "$scratch/pc_shared" pkg-config-shared

# libycdl.a linked in, its dependencies as the system's shared libraries
# (Debian ships no static libcurl dependencies).
private=$(pkg-config --print-requires-private ycdl | awk '{print $1}')
cc -std=c11 -Wall -Wextra -Werror -o "$scratch/pc_static" "$here/consumer.c" \
	$(pkg-config --cflags ycdl) "$libdir/libycdl.a" \
	$(pkg-config --libs libprotobuf-c $private) -pthread
ldd "$scratch/pc_static" | grep -q libycdl && fail "static consumer links libycdl.so"
run "$scratch/pc_static" pkg-config-static

cmake -S "$here/cmake-consumer" -B "$scratch/cmake" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$scratch/cmake" >/dev/null
run "$scratch/cmake/consumer_shared" find-package-shared
run "$scratch/cmake/consumer_static" find-package-static
echo "install checks passed"
