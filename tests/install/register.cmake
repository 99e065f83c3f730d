# The installed tinymlops, run with the source tree hidden (packaging/packaging.cmake, docs/install.md).
add_test(NAME install_tests
         COMMAND bash "${CMAKE_CURRENT_LIST_DIR}/install_test.sh" "${PROJECT_BINARY_DIR}" "${PROJECT_SOURCE_DIR}"
                 "${PROJECT_VERSION}" "${TMF_SHARED_DIR}")
