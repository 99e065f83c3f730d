#!/usr/bin/env bash
# The selector's cost tables and their validation, run by scripts/bench.sh (docs/select.md):
#   1. single-op models of many shapes (op_cost models) run under QEMU on every core: instructions
#      and invoke stack per model; runtime flash per kernel from the size probe's linker maps;
#   2. op_cost fit -> WORK/op_costs.json (the committed copy is profiles/op_costs.json);
#   3. the validation set (ad01, kws, hello_world and op_cost benchmodels, never part of the fit)
#      run under QEMU and predicted with the fresh table and with the committed one.
# Prints "key value" lines (cost_model.*, op_costs.*) for bench.sh's results.json.
#
#   bench/cost_model.sh WORK [CORE...]
# Env: TMF_HOST_BUILD (default build), TMF_CORE_BUILD_PREFIX (default build/: images in
# <prefix><core>/bin), TMF_QEMU_PLUGIN, TMF_SHARED_DIR, TMF_COST_JOBS (parallel QEMU runs, 2).
# TMF_COST_ONLY=REGEX: a partial update for new ops: only the single-op models whose names match
# are run and fitted; their entries (and the flash of kernels the committed table lacks) are
# merged into profiles/op_costs.json's cores as WORK/op_costs.json, and the validation set is
# skipped (the old entries and their validation are unchanged).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$1
shift
cores=("$@")
[ ${#cores[@]} -gt 0 ] || cores=(cortex-m0 cortex-m3 cortex-m4 cortex-m7 cortex-m33)
host=${TMF_HOST_BUILD:-$root/build}
prefix=${TMF_CORE_BUILD_PREFIX:-$root/build/}
shared=${TMF_SHARED_DIR:-$root/../shared}
jobs=${TMF_COST_JOBS:-2}
export TMF_QEMU_PLUGIN=${TMF_QEMU_PLUGIN:-$host/tools/libinsn_count.so}
op_cost=$host/bin/op_cost
mkdir -p "$work"

# run_all DIR CORE: "name instructions stack_bytes" for every model of DIR that runs on CORE
# (the micro:bit's 16 KB cannot hold the larger ones: they fail and are left out).
run_all() {
  local dir=$1 core=$2 elf=$prefix$2/bin/model_runner.elf
  export dir core elf root
  cut -f1 "$dir/manifest.tsv" | tail -n +2 | xargs -P "$jobs" -I{} bash -c '
    name={}
    if summary=$(cd "$dir" && "$root/scripts/qemu-run.sh" "$core" "$elf" --count "$name.$core.count" -- \
                  "$name.tmf" "$name.in" "$name.$core.out" 2>"$name.$core.err"); then
      echo "$name $(awk "/^region 0/ {print \$4}" "$dir/$name.$core.count") \
$(sed -n "s/.*invoke stack \([0-9]*\) bytes.*/\1/p" <<<"$summary")"
    fi' | sort > "$dir/counts_$core.txt"
}

# flash_figures CORE: the runtime's flash split into a base (validator, interpreter, the
# registry of one op) and each kernel object (both twins; + its registry entry), from the maps
# of the all-ops and the FULLY_CONNECTED-only size probes.
flash_figures() {
  local bin=$prefix$1/bin map=$root/scripts/map-bytes.sh
  local all=$bin/size_all.map one=$bin/size_ad01.map
  [ -f "$all" ] && [ -f "$one" ] || return 0
  local objects registry_all registry_one per_op total_one fc_one
  objects=$(grep -o 'libtmf_runtime_all\.a([a-z0-9_]*\.cc\.obj)' "$all" | sed 's/.*(\(.*\)\.cc\.obj)/\1/' | sort -u)
  registry_all=$("$map" "$all" "libtmf_runtime_all.a(registry.cc.obj)")
  registry_one=$("$map" "$one" "libtmf_runtime_ad01.a(registry.cc.obj)")
  local kernels=()
  for o in $objects; do
    case $o in model|interpreter|registry|kernel_checks|status|integrity|sha256|model_builder) ;; *) kernels+=("$o") ;; esac
  done
  local ops=$(( ${#kernels[@]} - 1 ))  # fixed_point_activation is a helper, not an op
  per_op=$(( (registry_all - registry_one) / (ops > 1 ? ops - 1 : 1) ))
  total_one=$("$map" "$one" libtmf_runtime_ad01.a)
  fc_one=$("$map" "$one" "libtmf_runtime_ad01.a(fully_connected.cc.obj)")
  echo "base $((total_one - fc_one))"
  echo "static_ram $("$map" "$one" libtmf_runtime_ad01.a ram)"
  # DSP_FEATURES also links device/dsp and the float maths it calls.
  echo "kernel dsp_library $(( $("$map" "$all" libtmf_dsp.a) + $("$map" "$all" libm.a) ))"
  for o in "${kernels[@]}"; do
    local bytes
    bytes=$("$map" "$all" "libtmf_runtime_all.a($o.cc.obj)")
    [ "$o" = fixed_point_activation ] || bytes=$((bytes + per_op))
    echo "kernel $o $bytes"
  done
}

ops=$work/ops
rm -rf "$ops" && mkdir -p "$ops"
"$op_cost" models "$ops" 2>"$ops/skipped.txt"
if [ -n "${TMF_COST_ONLY:-}" ]; then
  { head -n 1 "$ops/manifest.tsv"; tail -n +2 "$ops/manifest.tsv" | awk -v re="$TMF_COST_ONLY" '$1 ~ re'; } > "$ops/manifest.only"
  mv "$ops/manifest.only" "$ops/manifest.tsv"
fi
fit_args=()
for core in "${cores[@]}"; do
  run_all "$ops" "$core"
  flash_figures "$core" > "$ops/flash_$core.txt"
  fit_args+=("$core=$ops/counts_$core.txt,$ops/flash_$core.txt")
done
"$op_cost" fit "$ops" "${fit_args[@]}" > "$work/op_costs.json"
if [ -n "${TMF_COST_ONLY:-}" ]; then
  # New entries over the committed ones; kernel flash only for kernels it does not have yet.
  jq -s '.[0] as $old | .[1] as $new | $old | reduce ($new.cores | keys[]) as $c (.;
           .cores[$c].ops += $new.cores[$c].ops |
           .cores[$c].runtime_flash.kernel_bytes =
             ($new.cores[$c].runtime_flash.kernel_bytes + .cores[$c].runtime_flash.kernel_bytes))' \
     "$root/profiles/op_costs.json" "$work/op_costs.json" > "$work/op_costs.merged.json"
  mv "$work/op_costs.merged.json" "$work/op_costs.json"
  echo "cost_model: merged the entries of models matching '$TMF_COST_ONLY' into $work/op_costs.json" >&2
  for core in "${cores[@]}"; do
    echo "op_costs.$core.max_relative_error $(jq --arg c "$core" '[.cores[$c].ops[]?.max_relative_error] | max // 0 | . * 1000 | round / 1000' "$work/op_costs.json")"
  done
  exit 0
fi
echo "cost_model: wrote $work/op_costs.json" >&2
for core in "${cores[@]}"; do
  # The flash split checked on the all-ops probe: base + every kernel vs its measured total.
  all=$prefix$core/bin/size_all.map
  if [ -s "$ops/flash_$core.txt" ]; then
    measured=$(( $("$root/scripts/map-bytes.sh" "$all" libtmf_runtime_all.a) + $("$root/scripts/map-bytes.sh" "$all" libtmf_dsp.a) + \
                 $("$root/scripts/map-bytes.sh" "$all" libm.a) ))
    predicted=$(awk '$1 == "base" {s += $2} $1 == "kernel" {s += $3} END {print s}' "$ops/flash_$core.txt")
    echo "cost_model.$core.runtime_flash_all_ops.relative_error $(jq -n "($predicted - $measured) / $measured * 10000 | round / 10000")"
  fi
  echo "op_costs.$core.max_relative_error $(jq --arg c "$core" '[.cores[$c].ops[]?.max_relative_error] | max // 0 | . * 1000 | round / 1000' "$work/op_costs.json")"
done

# The validation set.
set_dir=$work/models
rm -rf "$set_dir" && mkdir -p "$set_dir"
"$op_cost" benchmodels "$set_dir" 2>"$set_dir/skipped.txt"
declare -A tflite=([ad01]=ad01_int8 [kws]=kws_ref_model_int8 [hello_world]=hello_world_int8)
declare -A input=([ad01]=ad01_input.i8 [kws]=kws_input.i8 [hello_world]=hello_world_input.i8)
for model in ad01 kws hello_world; do
  "$host/bin/tinymlops" convert "$shared/models/${tflite[$model]}.tflite" -o "$set_dir/$model.tmf" >/dev/null
  cp "$shared/models/${input[$model]}" "$set_dir/$model.in"
  echo -e "$model\tfrom ${tflite[$model]}.tflite" >> "$set_dir/manifest.tsv"
done
validate_args=()
for core in "${cores[@]}"; do
  run_all "$set_dir" "$core"
  validate_args+=("$core=$set_dir/counts_$core.txt")
done
"$op_cost" validate "$work/op_costs.json" "$set_dir" "${validate_args[@]}" > "$work/validation.json"
echo "cost_model: wrote $work/validation.json" >&2
jq -r '.models | to_entries[] | .key as $c | .value | to_entries[] |
       "cost_model.\($c).\(.key).relative_error \(.value.relative_error)"' "$work/validation.json"
jq -r '.max_relative_error | to_entries[] | "cost_model.\(.key).max_relative_error \(.value)"' "$work/validation.json"
echo "cost_model.max_relative_error $(jq .max_relative_error_all "$work/validation.json")"
echo "cost_model.models_validated $(jq '[.models[] | length] | add' "$work/validation.json")"
# The committed table (what the CLI uses) against today's measurements.
committed=$root/profiles/op_costs.json
if [ -f "$committed" ] && "$op_cost" validate "$committed" "$set_dir" "${validate_args[@]}" > "$work/validation_committed.json"; then
  echo "cost_model.committed_table.max_relative_error $(jq .max_relative_error_all "$work/validation_committed.json")"
fi
