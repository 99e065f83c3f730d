# Learner, detector and metric tests (host/train). Its network tests load libtinymlops_torch.so
# from build/lib/tinymlops, as every binary does (docs/train.md).
find_package(Eigen3 3.3 REQUIRED NO_MODULE)  # the tests check against direct Eigen computations
file(GLOB TMF_TRAIN_TEST_SOURCES CONFIGURE_DEPENDS "${CMAKE_CURRENT_LIST_DIR}/*_test.cc")
add_executable(train_tests ${TMF_TRAIN_TEST_SOURCES} ${CMAKE_CURRENT_LIST_DIR}/../support/tmf_test_main_host.cc)
target_link_libraries(train_tests PRIVATE tmf_test_support tmf_train Eigen3::Eigen)
target_compile_options(train_tests PRIVATE -Wall -Wextra)
add_test(NAME train_tests COMMAND train_tests)
