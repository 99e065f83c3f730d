# Registers the QEMU runs with the host ctest. The images come from the cross builds in
# build/<core> (make test builds them first; the presets are in CMakePresets.json).
set(TMF_QEMU_CORES cortex-m0 cortex-m3 cortex-m4 cortex-m7 cortex-m33 CACHE STRING "Cores run under QEMU by ctest")
set(qemu_models
  "ad01|${TMF_SHARED_DIR}/models/ad01_int8.tflite|${TMF_SHARED_DIR}/models/ad01_input.i8|${TMF_SHARED_DIR}/models/ad01_expected_output.i8"
  "kws|${TMF_SHARED_DIR}/models/kws_ref_model_int8.tflite|${TMF_SHARED_DIR}/models/kws_input.i8|${TMF_SHARED_DIR}/models/kws_expected_output.i8"
  "hello_world|${TMF_SHARED_DIR}/models/hello_world_int8.tflite|${TMF_SHARED_DIR}/models/hello_world_input.i8|${TMF_SHARED_DIR}/models/hello_world_expected_output.i8"
  # Format 1.3 ops: .tflite files from tests/host/tiny_tflite.h, expected bytes from the Python
  # oracles of tests/device/golden (docs/import.md); small enough for the micro:bit.
  "op_transpose_conv|${PROJECT_SOURCE_DIR}/tests/device/golden/transpose_conv_stride2_valid.tflite|${PROJECT_SOURCE_DIR}/tests/device/golden/transpose_conv_stride2_valid.in|${PROJECT_SOURCE_DIR}/tests/device/golden/transpose_conv_stride2_valid.expected"
  "op_svdf|${PROJECT_SOURCE_DIR}/tests/device/golden/svdf_rank2.tflite|${PROJECT_SOURCE_DIR}/tests/device/golden/svdf_rank2.in|${PROJECT_SOURCE_DIR}/tests/device/golden/svdf_rank2.expected"
  # Format 1.4: UNIDIRECTIONAL_SEQUENCE_LSTM in both layouts (lstm_golden.py --binaries).
  "op_lstm_time_major|${PROJECT_SOURCE_DIR}/tests/device/golden/lstm_time_major.tflite|${PROJECT_SOURCE_DIR}/tests/device/golden/lstm_time_major.in|${PROJECT_SOURCE_DIR}/tests/device/golden/lstm_time_major.expected"
  "op_lstm_batch_major|${PROJECT_SOURCE_DIR}/tests/device/golden/lstm_batch_major.tflite|${PROJECT_SOURCE_DIR}/tests/device/golden/lstm_batch_major.in|${PROJECT_SOURCE_DIR}/tests/device/golden/lstm_batch_major.expected")

foreach(core IN LISTS TMF_QEMU_CORES)
  set(bin "${PROJECT_SOURCE_DIR}/build/${core}/bin")
  if(NOT core STREQUAL "cortex-m0")
    add_test(NAME qemu_device_tests_${core}
             COMMAND "${PROJECT_SOURCE_DIR}/scripts/qemu-run.sh" ${core} "${bin}/device_tests.elf")
  endif()
  foreach(entry IN LISTS qemu_models)
    string(REPLACE "|" ";" fields "${entry}")
    list(GET fields 0 name)
    # micro:bit (Cortex-M0): 256 KB flash, 16 KB RAM: only hello_world fits.
    if(core STREQUAL "cortex-m0" AND NOT name STREQUAL "hello_world" AND NOT name MATCHES "^op_")
      continue()
    endif()
    list(GET fields 1 tflite)
    list(GET fields 2 input)
    list(GET fields 3 expected)
    add_test(NAME qemu_golden_${core}_${name}
             COMMAND "${PROJECT_SOURCE_DIR}/tests/qemu/run_golden.sh" ${core} "${bin}/model_runner.elf"
                     "$<TARGET_FILE:tinymlops>" "${tflite}" "${input}" "${expected}"
                     "${CMAKE_BINARY_DIR}/qemu_golden/${core}_${name}")
  endforeach()
endforeach()

# Models executed in place from flash (model_runner_flash, run_flash_model.sh). micro:bit: the
# arena is the RAM the 1 KB stack and static data leave; hello_world runs, kws (16,256-byte arena)
# is refused with exit 2, and a trained bearing pipeline (256-sample float windows, 1 KB input) runs
# bit for bit like the host runtime. The mps2 boards run kws from their 1 MB slot.
foreach(core IN LISTS TMF_QEMU_CORES)
  set(flash_runner "${PROJECT_SOURCE_DIR}/build/${core}/bin/model_runner_flash.elf")
  if(core STREQUAL "cortex-m0")
    add_test(NAME qemu_flash_golden_${core}_hello_world
             COMMAND "${CMAKE_CURRENT_LIST_DIR}/run_flash_golden.sh" ${core} "${flash_runner}" "$<TARGET_FILE:tinymlops>"
                     "${TMF_SHARED_DIR}/models/hello_world_int8.tflite" "${TMF_SHARED_DIR}/models/hello_world_input.i8"
                     "${TMF_SHARED_DIR}/models/hello_world_expected_output.i8" "${CMAKE_BINARY_DIR}/qemu_flash/${core}_hello_world")
    add_test(NAME qemu_flash_refused_${core}_kws
             COMMAND "${CMAKE_CURRENT_LIST_DIR}/run_flash_golden.sh" ${core} "${flash_runner}" "$<TARGET_FILE:tinymlops>"
                     "${TMF_SHARED_DIR}/models/kws_ref_model_int8.tflite" "${TMF_SHARED_DIR}/models/kws_input.i8"
                     --refused "${CMAKE_BINARY_DIR}/qemu_flash/${core}_kws_refused")
    add_test(NAME qemu_flash_pipeline_${core}
             COMMAND "${CMAKE_CURRENT_LIST_DIR}/run_flash_pipeline.sh" ${core} "${flash_runner}" "$<TARGET_FILE:tinymlops>"
                     "${TMF_SHARED_DIR}/data/bearing" "${CMAKE_BINARY_DIR}/qemu_flash/${core}_pipeline")
  else()
    add_test(NAME qemu_flash_golden_${core}_kws
             COMMAND "${CMAKE_CURRENT_LIST_DIR}/run_flash_golden.sh" ${core} "${flash_runner}" "$<TARGET_FILE:tinymlops>"
                     "${TMF_SHARED_DIR}/models/kws_ref_model_int8.tflite" "${TMF_SHARED_DIR}/models/kws_input.i8"
                     "${TMF_SHARED_DIR}/models/kws_expected_output.i8" "${CMAKE_BINARY_DIR}/qemu_flash/${core}_kws")
  endif()
endforeach()

# Whole pipelines (format 1.1): the host runtime's outputs and the bare-metal ones must be equal
# bit for bit, float32 scores included (tests/qemu/pipeline_golden.cc, run_pipeline_golden.sh).
add_executable(pipeline_golden "${CMAKE_CURRENT_LIST_DIR}/pipeline_golden.cc")
target_link_libraries(pipeline_golden PRIVATE tmf_convert)
foreach(core IN LISTS TMF_QEMU_CORES)
  # micro:bit's runner holds an 8 KB model, a 2 KB arena and 512 bytes of I/O: 64-sample windows.
  if(core STREQUAL "cortex-m0")
    set(pipeline_args 64 8 2)
  else()
    set(pipeline_args 1024 32 8)
  endif()
  add_test(NAME qemu_pipeline_${core}
           COMMAND "${CMAKE_CURRENT_LIST_DIR}/run_pipeline_golden.sh" ${core}
                   "${PROJECT_SOURCE_DIR}/build/${core}/bin/model_runner.elf" "$<TARGET_FILE:pipeline_golden>"
                   "${CMAKE_BINARY_DIR}/qemu_pipeline/${core}" ${pipeline_args}
                   "${TMF_SHARED_DIR}/data/bearing/cwru_de12k_inner_race_007_1hp.f32")
endforeach()

# Issue 16: the same pipeline golden with every statistic, the first-difference crest factor and
# kurtosis included (stats mask 0x7F), bit for bit on a core with an FPU and one without.
foreach(core IN ITEMS cortex-m3 cortex-m4)
  if(core IN_LIST TMF_QEMU_CORES)
    add_test(NAME qemu_pipeline_diff_stats_${core}
             COMMAND "${CMAKE_CURRENT_LIST_DIR}/run_pipeline_golden.sh" ${core}
                     "${PROJECT_SOURCE_DIR}/build/${core}/bin/model_runner.elf" "$<TARGET_FILE:pipeline_golden>"
                     "${CMAKE_BINARY_DIR}/qemu_pipeline_diff_stats/${core}" 1024 32 8
                     "${TMF_SHARED_DIR}/data/bearing/cwru_de12k_inner_race_007_1hp.f32")
    set_tests_properties(qemu_pipeline_diff_stats_${core} PROPERTIES ENVIRONMENT "TMF_PIPELINE_STATS_MASK=0x7F")
  endif()
endforeach()
