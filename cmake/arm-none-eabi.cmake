# CMake toolchain file for bare-metal Cortex-M builds with arm-none-eabi-gcc (Debian gcc-arm-none-eabi).
# Pick the core with -DTMF_CORE=cortex-m0|cortex-m3|cortex-m4|cortex-m7|cortex-m33 (default cortex-m4).
# Device code is freestanding: no exceptions, no RTTI, no thread-safe statics, no heap (see tmf_arm.cmake).

set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)

set(TMF_CORE "cortex-m4" CACHE STRING "Target Cortex-M core")
set_property(CACHE TMF_CORE PROPERTY STRINGS cortex-m0 cortex-m3 cortex-m4 cortex-m7 cortex-m33)
# try_compile projects re-read this file; hand them the core.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES TMF_CORE)

# The float ABI of each core matches a multilib of Debian's newlib (arm-none-eabi-gcc -print-multi-lib):
# m0 thumb/v6-m/nofp, m3 thumb/v7-m/nofp, m4 thumb/v7e-m+fp/hard, m7 thumb/v7e-m+dp/hard,
# m33 thumb/v8-m.main+fp/hard.
if(TMF_CORE STREQUAL "cortex-m0")
  set(TMF_CORE_FLAGS "-mcpu=cortex-m0 -mfloat-abi=soft")
elseif(TMF_CORE STREQUAL "cortex-m3")
  set(TMF_CORE_FLAGS "-mcpu=cortex-m3 -mfloat-abi=soft")
elseif(TMF_CORE STREQUAL "cortex-m4")
  set(TMF_CORE_FLAGS "-mcpu=cortex-m4 -mfpu=fpv4-sp-d16 -mfloat-abi=hard")
elseif(TMF_CORE STREQUAL "cortex-m7")
  set(TMF_CORE_FLAGS "-mcpu=cortex-m7 -mfpu=fpv5-d16 -mfloat-abi=hard")
elseif(TMF_CORE STREQUAL "cortex-m33")
  set(TMF_CORE_FLAGS "-mcpu=cortex-m33 -mfpu=fpv5-sp-d16 -mfloat-abi=hard")
else()
  message(FATAL_ERROR "TMF_CORE='${TMF_CORE}' is not one of cortex-m0, cortex-m3, cortex-m4, cortex-m7, cortex-m33")
endif()

set(TMF_TOOLCHAIN_PREFIX "arm-none-eabi-")
set(CMAKE_C_COMPILER ${TMF_TOOLCHAIN_PREFIX}gcc)
set(CMAKE_CXX_COMPILER ${TMF_TOOLCHAIN_PREFIX}g++)
set(CMAKE_ASM_COMPILER ${TMF_TOOLCHAIN_PREFIX}gcc)
set(CMAKE_AR ${TMF_TOOLCHAIN_PREFIX}ar CACHE FILEPATH "")
set(CMAKE_RANLIB ${TMF_TOOLCHAIN_PREFIX}ranlib CACHE FILEPATH "")
set(CMAKE_OBJCOPY ${TMF_TOOLCHAIN_PREFIX}objcopy CACHE FILEPATH "")
set(CMAKE_NM ${TMF_TOOLCHAIN_PREFIX}nm CACHE FILEPATH "")
set(CMAKE_SIZE ${TMF_TOOLCHAIN_PREFIX}size CACHE FILEPATH "")

# Compiler checks cannot link without a board linker script.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

set(TMF_COMMON_FLAGS "${TMF_CORE_FLAGS} -mthumb -ffunction-sections -fdata-sections")
set(CMAKE_C_FLAGS_INIT "${TMF_COMMON_FLAGS}")
set(CMAKE_ASM_FLAGS_INIT "${TMF_COMMON_FLAGS}")
set(CMAKE_CXX_FLAGS_INIT
    "${TMF_COMMON_FLAGS} -fno-exceptions -fno-rtti -fno-threadsafe-statics -fno-use-cxa-atexit")
# The startup code (device/port/qemu) provides the vector table and reset handler, so no crt0.
set(CMAKE_EXE_LINKER_FLAGS_INIT "--specs=nano.specs -nostartfiles -Wl,--gc-sections")

# -O2 unless asked otherwise. Cache entries, because CMake appends its own (-O3) to the *_INIT ones.
foreach(lang C CXX ASM)
  set(CMAKE_${lang}_FLAGS_RELEASE "-O2 -DNDEBUG" CACHE STRING "")
  set(CMAKE_${lang}_FLAGS_RELWITHDEBINFO "-O2 -g -DNDEBUG" CACHE STRING "")
  set(CMAKE_${lang}_FLAGS_MINSIZEREL "-Os -DNDEBUG" CACHE STRING "")
  set(CMAKE_${lang}_FLAGS_DEBUG "-Og -g" CACHE STRING "")
endforeach()
if(NOT CMAKE_BUILD_TYPE AND NOT CMAKE_CONFIGURATION_TYPES)
  set(CMAKE_BUILD_TYPE Release CACHE STRING "Build type (default Release: -O2)")
endif()

# Look for programs on the host, libraries and headers only in the target sysroot.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
