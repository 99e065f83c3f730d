# device/crypto tests (issue 14, docs/crypto.md). Host: the vectors and edge cases that also run
# bare-metal, plus the libsodium cross-checks; QEMU runs are registered in tests/qemu/register.cmake.
find_package(PkgConfig REQUIRED)
pkg_check_modules(CRYPTO_SODIUM REQUIRED IMPORTED_TARGET libsodium)

# The device crypto again, sanitized, for the host tests.
add_library(tmf_crypto_asan STATIC $<TARGET_PROPERTY:tmf_crypto,SOURCES>)
target_include_directories(tmf_crypto_asan PUBLIC "${PROJECT_SOURCE_DIR}")
target_compile_options(tmf_crypto_asan PRIVATE ${TMF_SANITIZE} -Wall -Wextra -Wshadow -fno-exceptions -fno-rtti)

set(TMF_CRYPTO_DEVICE_TESTS
    "${CMAKE_CURRENT_LIST_DIR}/sha512_test.cc"
    "${CMAKE_CURRENT_LIST_DIR}/ed25519_rfc8032_test.cc"
    "${CMAKE_CURRENT_LIST_DIR}/ed25519_edge_test.cc")
set(TMF_CRYPTO_DEVICE_TESTS ${TMF_CRYPTO_DEVICE_TESTS} CACHE INTERNAL "")

add_executable(crypto_tests ${TMF_CRYPTO_DEVICE_TESTS} crypto/ed25519_sodium_test.cc crypto/ed25519_internal_test.cc
               support/tmf_test_main_host.cc)
target_link_libraries(crypto_tests PRIVATE tmf_test_support tmf_crypto_asan PkgConfig::CRYPTO_SODIUM)
target_compile_options(crypto_tests PRIVATE ${TMF_SANITIZE})
target_link_options(crypto_tests PRIVATE -fsanitize=address,undefined)
add_test(NAME crypto_tests COMMAND crypto_tests)

# 10,000 random libsodium-signed triples and their mutations (a few seconds): the unsanitized
# library, as the firmware links it; the fuzz target covers the sanitized one.
add_library(tmf_crypto_differential_cases STATIC crypto/differential_cases.cc)
target_include_directories(tmf_crypto_differential_cases PUBLIC "${PROJECT_SOURCE_DIR}")
target_compile_features(tmf_crypto_differential_cases PUBLIC cxx_std_20)
target_link_libraries(tmf_crypto_differential_cases PUBLIC PkgConfig::CRYPTO_SODIUM)
add_executable(crypto_differential_tests crypto/ed25519_differential_test.cc support/tmf_test_main_host.cc)
target_link_libraries(crypto_differential_tests PRIVATE tmf_test_support tmf_crypto tmf_crypto_differential_cases)
add_test(NAME crypto_differential_tests COMMAND crypto_differential_tests)

# The differential set for the bare-metal runs (differential_set_format.h).
add_executable(crypto_differential_set crypto/make_differential_set.cc)
target_link_libraries(crypto_differential_set PRIVATE tmf_crypto_differential_cases CLI11::CLI11
                      nlohmann_json::nlohmann_json)

# Bare-metal under QEMU (images from build/<core>, tests/crypto/qemu_image.cmake): the shared tests,
# and a differential set of 9 kinds x N triples, few for QEMU time against the 90,000 cases on the
# host: N = 24 (216 cases, about 10 s) on the micro:bit's Cortex-M0 (17 million instructions per
# verification), N = 100 (900 cases, about 2 s) on the mps2 cores.
foreach(core IN LISTS TMF_QEMU_CORES)
  set(crypto_elf "${PROJECT_SOURCE_DIR}/build/${core}/bin/crypto_tests.elf")
  if(core STREQUAL "cortex-m0")
    set(crypto_triples 24)
  else()
    set(crypto_triples 100)
  endif()
  add_test(NAME qemu_crypto_tests_${core}
           COMMAND "${PROJECT_SOURCE_DIR}/scripts/qemu-run.sh" ${core} "${crypto_elf}" -- tests)
  add_test(NAME qemu_crypto_differential_${core}
           COMMAND "${CMAKE_CURRENT_LIST_DIR}/run_qemu_differential.sh" ${core} "${crypto_elf}"
                   "$<TARGET_FILE:crypto_differential_set>" "${CMAKE_BINARY_DIR}/qemu_crypto/${core}" ${crypto_triples})
endforeach()
