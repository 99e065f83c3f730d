#!/usr/bin/env bash
# Installs tinymlops into an empty prefix, hides the source and build trees, and runs the installed
# binaries from elsewhere: --version, profiles list, select on a small dataset, the shipped
# serve.toml read back, the web console served by the installed serve --http (docs/install.md).
# Oracles: the version CMake's project() gives, the source tree's profiles/*.json and
# web/console/*, and the model file the build tree's own tinymlops selects from the same data.
# Usage: install_test.sh BUILD_DIR SOURCE_DIR VERSION SHARED_DIR
set -euo pipefail
build=$1 src=$2 version=$3 shared=$4
work=$(mktemp -d /tmp/tmf_install_test.XXXXXX)
trap 'rm -rf "$work"' EXIT
fail() { echo "install_test: FAIL: $*" >&2; exit 1; }

# The oracles, while the trees are visible; the build tree's select runs beside the install.
expected_profiles=$(cd "$src/profiles" && ls *.json | sed 's/\.json$//' | grep -vx op_costs | sort | tr '\n' ' ')
mkdir -p "$work/data" "$work/run" "$work/oracle"
head -1 "$shared/data/bearing/manifest.csv" >"$work/data/manifest.csv"
grep -E "normal_000|inner_race_007_1hp|ball_007_1hp|outer_race_007_at12_0hp" "$shared/data/bearing/manifest.csv" \
  >>"$work/data/manifest.csv"
for f in $(tail -n +2 "$work/data/manifest.csv" | cut -d, -f1); do cp "$shared/data/bearing/$f" "$work/data/"; done
select_args=(--data "$work/data" --target cortex-m4f-128k --windows 1024 --bands 16 --detectors kmeans autoencoder --json -q)
(cd "$work/oracle" && "$build/bin/tinymlops" select "${select_args[@]}" -o "$work/oracle/m.tmf" >select.json) &
oracle=$!

# 1. Install into an empty prefix, then move it: nothing may depend on where it was installed.
cmake --install "$build" --prefix "$work/staged" --strip >"$work/install.log"
mv "$work/staged" "$work/prefix"
p=$work/prefix
for f in bin/tinymlops bin/tinymlops-device lib/tinymlops/libtinymlops_torch.so lib/systemd/system/tinymlops-serve.service \
         share/doc/tinymlops/examples/serve.toml share/doc/tinymlops/install.md; do
  [ -f "$p/$f" ] || fail "$f not installed"
done
for f in "$src"/profiles/*.json; do
  cmp -s "$f" "$p/share/tinymlops/profiles/$(basename "$f")" || fail "profile $(basename "$f") not installed as in the source"
done
[ -n "$(ls "$src"/web/console)" ] || fail "no console files in $src/web/console"
for f in "$src"/web/console/*; do
  cmp -s "$f" "$p/share/tinymlops/console/$(basename "$f")" || fail "console file $(basename "$f") not installed as in the source"
done
cp -r "$src/web/console" "$work/console_oracle"
grep -qx "ExecStart=$work/staged/bin/tinymlops serve --config $work/staged/etc/tinymlops/serve.toml" \
  "$p/lib/systemd/system/tinymlops-serve.service" || fail "the unit does not run the installed binary"

# 2. No path into the source or build tree compiled into the binaries.
for b in "$p/bin/tinymlops" "$p/bin/tinymlops-device" "$p/lib/tinymlops/libtinymlops_torch.so"; do
  if strings -a "$b" | grep -F -e "$src" -e "$build"; then fail "$b holds a path into $src or $build"; fi
done

wait $oracle || fail "the build tree's select failed"

# 3. The installed binaries with the source and build trees hidden (an empty tmpfs mounted over
# the source tree in a private mount namespace; the build tree is inside it), from another cwd,
# with a bare environment.
cat >"$work/run.sh" <<RUN
set -euo pipefail
cd "$work/run"
[ -z "\$(ls -A "$src")" ] || { echo "source tree still visible"; exit 1; }
"$p/bin/tinymlops" select ${select_args[*]} -o "$work/run/m.tmf" >select.json &
"$p/bin/tinymlops" --version >version.txt
"$p/bin/tinymlops-device" --version >device_version.txt
"$p/bin/tinymlops" profiles list --json >profiles.json
"$p/bin/tinymlops" serve --config "$p/share/doc/tinymlops/examples/serve.toml" --print-config >serve_example.toml
wait \$!
# Without the libtorch module, training says which file it needs (and nothing else changes).
mkdir -p no_module
TINYMLOPS_LIB_DIR="$work/run/no_module" "$p/bin/tinymlops" select ${select_args[*]} -o "$work/run/m_no_module.tmf" \
  >/dev/null 2>no_module.txt && exit 1
# The console, found beside the installed binary and served by serve --http (no broker needed for it).
port=\$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$p/bin/tinymlops" serve --registry "$work/run/registry" --fleet f --broker mqtt://127.0.0.1:1 --allow-unenrolled \\
  --http 127.0.0.1:\$port >serve.log 2>&1 &
serve=\$!
fetch() { python3 -c 'import sys, urllib.request; sys.stdout.buffer.write(urllib.request.urlopen(sys.argv[1], timeout=5).read())' "\$@"; }
for i in \$(seq 100); do fetch http://127.0.0.1:\$port/ >index.html 2>/dev/null && break; sleep 0.1; done
fetch http://127.0.0.1:\$port/console/console.js >console.js || true
kill \$serve; wait \$serve || true
RUN
hide=(unshare -m)
[ "$(id -u)" -eq 0 ] || hide=(unshare -rm)
if "${hide[@]}" true 2>/dev/null; then
  env -i PATH=/usr/bin:/bin "${hide[@]}" bash -c "mount -t tmpfs tmf_hidden '$src' && bash '$work/run.sh'" ||
    fail "installed binaries failed with the source tree hidden"
  echo "install_test: ran with $src hidden"
else
  # No mount namespace here: the strings check above stands for the hiding.
  sed -i '/source tree still visible/d' "$work/run.sh"
  env -i PATH=/usr/bin:/bin bash "$work/run.sh" || fail "installed binaries failed"
  echo "install_test: could not hide $src (no mount namespace); ran from $work/run"
fi

[ "$(cat "$work/run/version.txt")" = "tinymlops $version" ] || fail "--version: '$(cat "$work/run/version.txt")', want 'tinymlops $version'"
[ "$(cat "$work/run/device_version.txt")" = "tinymlops-device $version" ] || fail "tinymlops-device --version"
got_dir=$(jq -r .profiles_dir "$work/run/profiles.json")
[ "$got_dir" = "$p/share/tinymlops/profiles" ] || fail "profiles_dir $got_dir is not under the prefix"
got_profiles=$(jq -r '.profiles[].name' "$work/run/profiles.json" | sort | tr '\n' ' ')
[ "$got_profiles" = "$expected_profiles" ] || fail "profiles list: '$got_profiles', want '$expected_profiles'"
cmp -s "$work/run/m.tmf" "$work/oracle/m.tmf" || fail "the installed select wrote a different model than the build tree's"
[ "$(jq -c .selected "$work/run/select.json")" = "$(jq -c .selected "$work/oracle/select.json")" ] ||
  fail "the installed select chose differently"
# select fails when a candidate cannot train, so two candidates mean the autoencoder trained.
jq -e '.candidates == 2' "$work/run/select.json" >/dev/null ||
  fail "the installed select did not try both detectors (the autoencoder needs the libtorch module)"
grep -q "training a network needs $work/run/no_module/libtinymlops_torch.so" "$work/run/no_module.txt" ||
  fail "without the module: '$(cat "$work/run/no_module.txt")'"
[ ! -e "$work/run/m_no_module.tmf" ] || fail "select wrote a model without the module"
grep -qx 'fleet="fleet"' "$work/run/serve_example.toml" || fail "the shipped serve.toml does not read back"
for f in index.html console.js; do
  cmp -s "$work/run/$f" "$work/console_oracle/$f" || fail "the installed serve --http did not serve the console's $f (serve.log: $(tail -3 "$work/run/serve.log"))"
done
echo "install_test: ok: $(cat "$work/run/version.txt"), $(echo $got_profiles | wc -w) profiles, select wrote $(stat -c %s "$work/run/m.tmf") B, console served"
