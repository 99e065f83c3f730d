# Install layout, the build tree's mirror of it, and the Debian package (docs/install.md).
#   <prefix>/bin/tinymlops, tinymlops-device
#   <prefix>/lib/tinymlops/libtinymlops_torch.so     the libtorch learners, loaded when a network trains
#   <prefix>/share/tinymlops/profiles/*.json       target profiles and the op cost table
#   <prefix>/share/tinymlops/console/               the web console serve --http serves at /
#   <prefix>/lib/systemd/system/tinymlops-serve.service
#   <prefix>/share/doc/tinymlops/                   README, docs/, examples/serve.toml
# The binaries find their data relative to their own path (<bin>/../share/tinymlops), never
# through a path compiled in; build/bin and build/share have the same shape, so the build tree
# runs the same lookups as an installed copy.
include(GNUInstallDirs)

file(GLOB TMF_PROFILE_FILES CONFIGURE_DEPENDS "${PROJECT_SOURCE_DIR}/profiles/*.json")
foreach(profile IN LISTS TMF_PROFILE_FILES)
  get_filename_component(name "${profile}" NAME)
  configure_file("${profile}" "${PROJECT_BINARY_DIR}/share/tinymlops/profiles/${name}" COPYONLY)
endforeach()

# The web console's static files (web/console, docs/console.md): no build step, copied as they are.
file(GLOB TMF_CONSOLE_FILES CONFIGURE_DEPENDS "${PROJECT_SOURCE_DIR}/web/console/*")
foreach(file IN LISTS TMF_CONSOLE_FILES)
  get_filename_component(name "${file}" NAME)
  configure_file("${file}" "${PROJECT_BINARY_DIR}/share/tinymlops/console/${name}" COPYONLY)
endforeach()

install(TARGETS tinymlops tinymlops-device RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}")
# A fixed lib/tinymlops (not the multiarch libdir): the binaries look for it at <bin>/../lib/tinymlops.
install(TARGETS tinymlops_torch LIBRARY DESTINATION lib/tinymlops)
install(FILES ${TMF_PROFILE_FILES} DESTINATION "${CMAKE_INSTALL_DATADIR}/tinymlops/profiles")
install(FILES ${TMF_CONSOLE_FILES} DESTINATION "${CMAKE_INSTALL_DATADIR}/tinymlops/console")
install(FILES README.md DESTINATION "${CMAKE_INSTALL_DOCDIR}")
install(DIRECTORY docs/ DESTINATION "${CMAKE_INSTALL_DOCDIR}" FILES_MATCHING PATTERN "*.md" PATTERN "*.json")
install(FILES packaging/serve.toml DESTINATION "${CMAKE_INSTALL_DOCDIR}/examples")

# The unit names the installed binary, so it is written at install time, under the prefix that
# install (or CPack's staging) uses: /usr/bin and /etc for the .deb, <prefix>/... otherwise.
install(CODE "
  set(TMF_BINDIR \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR}\")
  set(TMF_DOCDIR \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_DOCDIR}\")
  if(CMAKE_INSTALL_PREFIX STREQUAL \"/usr\")
    set(TMF_SYSCONFDIR /etc)
  else()
    set(TMF_SYSCONFDIR \"\${CMAKE_INSTALL_PREFIX}/etc\")
  endif()
  configure_file(\"${PROJECT_SOURCE_DIR}/packaging/tinymlops-serve.service.in\"
                 \"${PROJECT_BINARY_DIR}/packaging/tinymlops-serve.service\" @ONLY)
")
install(FILES "${PROJECT_BINARY_DIR}/packaging/tinymlops-serve.service" DESTINATION lib/systemd/system)

# `cpack -G DEB` in build/ (or `cmake --build build --target package`) -> build/packages/*.deb.
# Depends comes from dpkg-shlibdeps on the binaries (the Debian packages of every shared library
# they load: libtorch (through the module), SQLite, libsodium, libmosquitto, OpenSSL, cpp-httplib, ...).
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME tinymlops)
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "MLOps loop for microcontroller fleets: train, convert, deploy, monitor")
set(CPACK_PACKAGE_DESCRIPTION
    "Tiny-MLOps trains anomaly detectors on vibration recordings, converts them into int8 model files that \
Cortex-M devices execute in place, signs them and rolls them out over MQTT in stages, then ingests the \
fleet's telemetry, detects drift, raises alerts and retrains (tinymlops serve).")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_OUTPUT_FILE_PREFIX "${PROJECT_BINARY_DIR}/packages")
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "Tiny-MLOps maintainers <tinymlops@localhost>" CACHE STRING "Maintainer field of the .deb")
set(CPACK_DEBIAN_PACKAGE_SECTION misc)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")  # postinst creates the service's system user
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "mosquitto")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    "${PROJECT_SOURCE_DIR}/packaging/debian/postinst;${PROJECT_SOURCE_DIR}/packaging/debian/prerm;${PROJECT_SOURCE_DIR}/packaging/debian/postrm")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
