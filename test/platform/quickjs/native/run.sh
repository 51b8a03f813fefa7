#!/bin/sh
# Runs the quickjs-platform bundle on a native QuickJS 2021-03-27 (not part of
# `npm test`: it downloads the qjsc@0.3.0 tarball, which carries the
# 2021-03-27 sources, and compiles a minimal launcher, about 10 s).
#   sh test/platform/quickjs/native/run.sh      (after `npm run build`)
set -e
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../../.." && pwd)
work=${QJS_WORK:-/tmp/rsp-qjs-2021}
mkdir -p "$work"
if [ ! -x "$work/qjs2021" ]; then
  (cd "$work" && npm pack qjsc@0.3.0 >/dev/null 2>&1 && tar xzf qjsc-0.3.0.tgz)
  src="$work/package/deps/quickjs_2021_03_27"
  gcc -O1 -D_GNU_SOURCE -DCONFIG_VERSION='"2021-03-27"' -I "$src" "$here/launcher.c" \
    "$src/quickjs.c" "$src/libregexp.c" "$src/libunicode.c" "$src/cutils.c" "$src/quickjs-libc.c" \
    -o "$work/qjs2021" -lm -ldl -lpthread
fi
"$work/qjs2021" "$here/smoke.mjs" "$root/build/out/quickjs-platform.min.js"
