# Learners, detectors and metrics (docs/train.md): libtorch for the neural learners, Eigen for
# the detectors. Only network_trainers.cc includes libtorch (its headers take most of a minute
# to parse); it is compiled without debug info, which saves a further ~10 s and keeps the build
# directory out of ccache's hash, so every build dir (build/, build-*/) shares one cached compile.
find_package(Torch REQUIRED CONFIG)
find_package(Eigen3 3.3 REQUIRED NO_MODULE)

add_library(tmf_train STATIC
  ${CMAKE_CURRENT_LIST_DIR}/float_model.cc
  ${CMAKE_CURRENT_LIST_DIR}/feature_checks.cc
  ${CMAKE_CURRENT_LIST_DIR}/standardize.cc
  ${CMAKE_CURRENT_LIST_DIR}/scoring.cc
  ${CMAKE_CURRENT_LIST_DIR}/metrics.cc
  ${CMAKE_CURRENT_LIST_DIR}/kmeans.cc
  ${CMAKE_CURRENT_LIST_DIR}/gmm.cc
  ${CMAKE_CURRENT_LIST_DIR}/mahalanobis.cc
  ${CMAKE_CURRENT_LIST_DIR}/network_trainers.cc)
target_include_directories(tmf_train PUBLIC "${PROJECT_SOURCE_DIR}")
target_compile_features(tmf_train PUBLIC cxx_std_20)
target_compile_options(tmf_train PRIVATE -Wall -Wextra)
target_link_libraries(tmf_train PRIVATE torch Eigen3::Eigen)
set_source_files_properties(${CMAKE_CURRENT_LIST_DIR}/network_trainers.cc PROPERTIES COMPILE_OPTIONS "-g0")
