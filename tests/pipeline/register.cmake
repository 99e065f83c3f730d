# Pipeline tests (host/quantize, host/pipeline): quantizer vs float forward passes, and the
# end-to-end run on the real bearing recordings, whose model and windows the QEMU parity tests
# (tests/qemu/run_pipeline_parity.sh) then run bare-metal and compare byte for byte.
file(GLOB TMF_PIPELINE_TEST_SOURCES CONFIGURE_DEPENDS "${CMAKE_CURRENT_LIST_DIR}/*_test.cc")
add_executable(pipeline_tests ${TMF_PIPELINE_TEST_SOURCES} "${CMAKE_CURRENT_LIST_DIR}/../support/tmf_test_main_host.cc"
               "${CMAKE_CURRENT_LIST_DIR}/../host/test_files.cc")
target_link_libraries(pipeline_tests PRIVATE tmf_test_support tmf_pipeline tmf_sim_world)  # sim: the 3-axis dataset
# The float-import CLI check runs `tinymlops convert --calibrate` and `inspect`.
target_compile_definitions(pipeline_tests PRIVATE TMF_CLI="$<TARGET_FILE:tinymlops>")
add_dependencies(pipeline_tests tinymlops)
target_compile_definitions(pipeline_tests PRIVATE TMF_PIPELINE_WORK="${CMAKE_BINARY_DIR}/pipeline_e2e")
add_test(NAME pipeline_tests COMMAND pipeline_tests)
set_tests_properties(pipeline_tests PROPERTIES FIXTURES_SETUP pipeline_model)

foreach(core IN ITEMS cortex-m3 cortex-m4 cortex-m7 cortex-m33)
  add_test(NAME qemu_pipeline_parity_${core}
           COMMAND "${PROJECT_SOURCE_DIR}/tests/qemu/run_pipeline_parity.sh" ${core}
                   "${PROJECT_SOURCE_DIR}/build/${core}/bin/model_runner.elf" "${CMAKE_BINARY_DIR}/pipeline_e2e")
  set_tests_properties(qemu_pipeline_parity_${core} PROPERTIES FIXTURES_REQUIRED pipeline_model)
endforeach()

# Issue 16 item 5: the 3-axis pipeline pipeline_tests trained on the simulator's 3-channel dataset
# (PipelineMultiAxis), bare-metal on Cortex-M4 against the host runtime's bytes.
add_test(NAME qemu_pipeline_parity_3axis_cortex-m4
         COMMAND "${PROJECT_SOURCE_DIR}/tests/qemu/run_pipeline_parity.sh" cortex-m4
                 "${PROJECT_SOURCE_DIR}/build/cortex-m4/bin/model_runner.elf" "${CMAKE_BINARY_DIR}/pipeline_e2e_3axis")
set_tests_properties(qemu_pipeline_parity_3axis_cortex-m4 PROPERTIES FIXTURES_REQUIRED pipeline_model)

# Issue 7: `tinymlops select` for the two reference profiles, each choice run under QEMU on its
# core (the M0+ one in place from flash on the 16 KB micro:bit) and evaluated (M4F >= M0+).
add_test(NAME select_fits_on_qemu
         COMMAND "${CMAKE_CURRENT_LIST_DIR}/run_select_fit.sh" "$<TARGET_FILE:tinymlops>"
                 "${TMF_SHARED_DIR}/data/bearing" "${PROJECT_SOURCE_DIR}/build" "${CMAKE_BINARY_DIR}/select_fit")

# Issue 6 (part): the backtest replays ../shared/data/run_to_failure through the device loop.
add_test(NAME backtest_run_to_failure
         COMMAND "${CMAKE_CURRENT_LIST_DIR}/run_backtest_check.sh" "$<TARGET_FILE:tinymlops>"
                 "${TMF_SHARED_DIR}/data/run_to_failure" "${CMAKE_BINARY_DIR}/backtest")

# Issue 16: the leave-one-run-out backtest's JSON and report (every setting chosen on the other runs).
add_test(NAME backtest_leave_one_run_out
         COMMAND "${CMAKE_CURRENT_LIST_DIR}/run_backtest_cv_check.sh" "$<TARGET_FILE:tinymlops>"
                 "${TMF_SHARED_DIR}/data/run_to_failure" "${CMAKE_BINARY_DIR}/backtest_loro")

# Issue 15: a float model quantized on import runs bare-metal on Cortex-M4 with the host's bytes.
add_test(NAME qemu_float_import_cortex-m4
         COMMAND "${CMAKE_CURRENT_LIST_DIR}/run_float_import_qemu.sh" "$<TARGET_FILE:pipeline_tests>" cortex-m4
                 "${PROJECT_SOURCE_DIR}/build/cortex-m4/bin/model_runner.elf" "${CMAKE_BINARY_DIR}/float_import_qemu")
