# Registers the bounded fuzz run with the host ctest. The fuzzer itself is built by the "fuzz"
# preset into build/fuzz (make test builds it first); TMF_FUZZ_SECONDS bounds the run.
add_test(NAME fuzz_model
  COMMAND "${PROJECT_SOURCE_DIR}/tests/fuzz/run_fuzz.sh"
          "${PROJECT_SOURCE_DIR}/build/fuzz/bin/model_fuzz"
          "${PROJECT_SOURCE_DIR}/tests/fuzz/corpus"
          "${CMAKE_BINARY_DIR}/fuzz_work")
set_tests_properties(fuzz_model PROPERTIES TIMEOUT 900)
