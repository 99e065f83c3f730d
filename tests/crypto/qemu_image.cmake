# The bare-metal crypto image (cross builds; included from tests/qemu/CMakeLists.txt): the shared
# crypto tests, the differential-set checker and the benchmark (qemu_crypto_main.cc). 6 KB of stack
# on every board: the tests themselves need more than the verify (kEd25519VerifyStackBytes).
tmf_add_qemu_executable(crypto_tests
  SOURCES "${CMAKE_CURRENT_LIST_DIR}/qemu_crypto_main.cc"
          "${PROJECT_SOURCE_DIR}/tests/support/tmf_test.cc"
          "${CMAKE_CURRENT_LIST_DIR}/sha512_test.cc"
          "${CMAKE_CURRENT_LIST_DIR}/ed25519_rfc8032_test.cc"
          "${CMAKE_CURRENT_LIST_DIR}/ed25519_edge_test.cc"
  LIBS tmf_crypto
  STACK_SIZE 6144)
target_include_directories(crypto_tests PRIVATE "${PROJECT_SOURCE_DIR}")
