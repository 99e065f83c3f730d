# Learners, detectors and metrics (docs/train.md): libtorch for the neural learners, Eigen for
# the detectors. libtorch lives only in the module libtinymlops_torch.so (build/lib/tinymlops/,
# installed to <prefix>/lib/tinymlops/), which tmf_train loads on the first training call:
# linked directly, its ~300 shared libraries cost every `tinymlops` start about 1 s of CPU
# (network_trainers_module.h). network_trainers_torch.cc, the one file that includes libtorch
# (its headers take most of a minute to parse), is compiled without debug info, which saves a
# further ~10 s and keeps the build directory out of ccache's hash, so every build dir shares
# one cached compile.
find_package(Torch REQUIRED CONFIG)
find_package(Eigen3 3.3 REQUIRED NO_MODULE)

add_library(tinymlops_torch MODULE
  ${CMAKE_CURRENT_LIST_DIR}/network_trainers_torch.cc
  ${CMAKE_CURRENT_LIST_DIR}/feature_checks.cc
  ${CMAKE_CURRENT_LIST_DIR}/float_model.cc)
target_include_directories(tinymlops_torch PRIVATE "${PROJECT_SOURCE_DIR}")
target_compile_features(tinymlops_torch PRIVATE cxx_std_20)
target_compile_options(tinymlops_torch PRIVATE -Wall -Wextra)
target_link_libraries(tinymlops_torch PRIVATE torch)
set_target_properties(tinymlops_torch PROPERTIES
  LIBRARY_OUTPUT_DIRECTORY "${CMAKE_BINARY_DIR}/lib/tinymlops"
  CXX_VISIBILITY_PRESET hidden
  VISIBILITY_INLINES_HIDDEN ON)
set_source_files_properties(${CMAKE_CURRENT_LIST_DIR}/network_trainers_torch.cc PROPERTIES COMPILE_OPTIONS "-g0")

add_library(tmf_train STATIC
  ${CMAKE_CURRENT_LIST_DIR}/float_model.cc
  ${CMAKE_CURRENT_LIST_DIR}/feature_checks.cc
  ${CMAKE_CURRENT_LIST_DIR}/standardize.cc
  ${CMAKE_CURRENT_LIST_DIR}/scoring.cc
  ${CMAKE_CURRENT_LIST_DIR}/metrics.cc
  ${CMAKE_CURRENT_LIST_DIR}/kmeans.cc
  ${CMAKE_CURRENT_LIST_DIR}/gmm.cc
  ${CMAKE_CURRENT_LIST_DIR}/mahalanobis.cc
  ${CMAKE_CURRENT_LIST_DIR}/network_trainers_loader.cc)
target_include_directories(tmf_train PUBLIC "${PROJECT_SOURCE_DIR}")
target_compile_features(tmf_train PUBLIC cxx_std_20)
target_compile_options(tmf_train PRIVATE -Wall -Wextra)
target_link_libraries(tmf_train PRIVATE Eigen3::Eigen ${CMAKE_DL_LIBS})
add_dependencies(tmf_train tinymlops_torch)  # every binary that can train finds the module built
