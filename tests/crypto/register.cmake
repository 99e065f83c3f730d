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
