# The device link (host/fleet, docs/fleet.md): broker settings, topics, and the fleet link's
# enrolment filter and device records against a real Mosquitto on a free loopback port.
add_executable(fleet_link_tests ${CMAKE_CURRENT_LIST_DIR}/link_test.cc ${CMAKE_CURRENT_LIST_DIR}/../support/tmf_test_main_host.cc)
target_link_libraries(fleet_link_tests PRIVATE tmf_test_support tmf_fleet)
target_compile_options(fleet_link_tests PRIVATE -Wall -Wextra)
add_test(NAME fleet_link_tests COMMAND fleet_link_tests)
set_tests_properties(fleet_link_tests PROPERTIES TIMEOUT 120)
