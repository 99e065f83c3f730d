# Registers the bounded fuzz run with the host ctest. The fuzzer itself is built by the "fuzz"
# preset into build/fuzz (make test builds it first); TMF_FUZZ_SECONDS bounds the run.
foreach(target IN ITEMS model tflite wav agent ed25519 ingest)
  add_test(NAME fuzz_${target}
    COMMAND "${PROJECT_SOURCE_DIR}/tests/fuzz/run_fuzz.sh"
            "${PROJECT_SOURCE_DIR}/build/fuzz/bin/${target}_fuzz"
            "${PROJECT_SOURCE_DIR}/tests/fuzz/corpus_${target}"
            "${CMAKE_BINARY_DIR}/fuzz_work_${target}")
  set_tests_properties(fuzz_${target} PROPERTIES TIMEOUT 900)
endforeach()
