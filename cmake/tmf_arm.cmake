# Cortex-M image helpers for the QEMU port (use with cmake/arm-none-eabi.cmake and TMF_CORE):
#   tmf_add_qemu_executable(name SOURCES a.cc ... [LIBS lib ...] [STACK_SIZE bytes])
# builds name.elf and name.map for the QEMU board of TMF_CORE (TMF_QEMU_MACHINE), linked with the board
# linker script and tmf_port_qemu, and fails the build if the image contains heap, operator new,
# exception or RTTI symbols.
# This file is also the post-link check itself, run as
#   cmake -DTMF_CHECK_ELF=x.elf -DTMF_CHECK_NM=arm-none-eabi-nm [-DTMF_CHECK_MAP=x.map]
#         [-DTMF_CHECK_CXXFILT=arm-none-eabi-c++filt] -P tmf_arm.cmake

# ---- post-link check (script mode) ----
if(CMAKE_SCRIPT_MODE_FILE AND DEFINED TMF_CHECK_ELF)
  # Anything that means a heap, C++ exceptions or RTTI in device code.
  set(forbidden_patterns
      "^_?_?(malloc|calloc|realloc|free|memalign|valloc|pvalloc)$"
      "^_(malloc|calloc|realloc|free|memalign)_r$"
      "^_Zn[wa][jm]"                  # operator new / new[] (all overloads)
      "^__cxa_(allocate_exception|throw|rethrow|begin_catch|end_catch)$"
      "^__gxx_personality_v0$"
      "^_Unwind_RaiseException$"
      "^_ZT[IS]"                      # typeinfo objects and names
  )
  execute_process(COMMAND "${TMF_CHECK_NM}" "${TMF_CHECK_ELF}"
                  OUTPUT_VARIABLE nm_output RESULT_VARIABLE nm_result)
  if(NOT nm_result EQUAL 0)
    message(FATAL_ERROR "${TMF_CHECK_NM} ${TMF_CHECK_ELF} failed (${nm_result})")
  endif()
  string(REPLACE "\n" ";" nm_lines "${nm_output}")
  set(offenders "")
  foreach(line IN LISTS nm_lines)
    string(REGEX REPLACE "^.* " "" symbol "${line}")
    foreach(pattern IN LISTS forbidden_patterns)
      if(symbol MATCHES "${pattern}")
        list(APPEND offenders "${symbol}")
      endif()
    endforeach()
  endforeach()
  list(REMOVE_DUPLICATES offenders)
  if(offenders)
    set(report "")
    # The map's "Archive member included to satisfy reference by file (symbol)" list says who
    # pulled each offender in: the archive member line, then "    referencing.o (symbol)".
    if(DEFINED TMF_CHECK_MAP AND EXISTS "${TMF_CHECK_MAP}")
      # The map names C++ symbols demangled: look for both spellings.
      set(spellings ${offenders})
      if(TMF_CHECK_CXXFILT)
        foreach(symbol IN LISTS offenders)
          execute_process(COMMAND "${TMF_CHECK_CXXFILT}" "${symbol}" OUTPUT_VARIABLE demangled
                          OUTPUT_STRIP_TRAILING_WHITESPACE)
          list(APPEND spellings "${demangled}")
        endforeach()
        list(REMOVE_DUPLICATES spellings)
      endif()
      file(STRINGS "${TMF_CHECK_MAP}" map_lines REGEX "^[^ \t]|\\(.*\\)$" LIMIT_COUNT 20000)
      set(previous "")
      foreach(line IN LISTS map_lines)
        if(line MATCHES "^(Discarded input sections|Memory Configuration)")
          break()
        endif()
        foreach(symbol IN LISTS spellings)
          string(FIND "${line}" "(${symbol})" at)
          if(NOT at EQUAL -1)
            string(STRIP "${line}" reason)
            string(APPEND report "\n  ${previous}\n      pulled in by ${reason}")
          endif()
        endforeach()
        if(line MATCHES "^[^ \t]")
          set(previous "${line}")
        endif()
      endforeach()
    endif()
    file(REMOVE "${TMF_CHECK_ELF}")
    list(JOIN offenders " " offender_text)
    message(FATAL_ERROR
            "${TMF_CHECK_ELF}: device image links forbidden symbols (heap, new, exceptions or RTTI): "
            "${offender_text}${report}\n(image deleted; see ${TMF_CHECK_MAP})")
  endif()
  return()
endif()

# Safe to include from several directories (each include sets the variables below in its scope).
include_guard(DIRECTORY)

if(NOT DEFINED TMF_CORE)
  message(FATAL_ERROR "tmf_arm.cmake: TMF_CORE is not set; configure with "
                      "-DCMAKE_TOOLCHAIN_FILE=cmake/arm-none-eabi.cmake -DTMF_CORE=cortex-m4")
endif()

# Core -> QEMU machine. The board linker script is device/port/qemu/<machine, "-" -> "_">.ld.
function(tmf_qemu_machine core out_var)
  if(core STREQUAL "cortex-m0")
    set(machine microbit)
  elseif(core STREQUAL "cortex-m3")
    set(machine mps2-an385)
  elseif(core STREQUAL "cortex-m4")
    set(machine mps2-an386)
  elseif(core STREQUAL "cortex-m7")
    set(machine mps2-an500)
  elseif(core STREQUAL "cortex-m33")
    set(machine mps2-an505)
  else()
    message(FATAL_ERROR "tmf_arm.cmake: no QEMU board for TMF_CORE='${core}'")
  endif()
  set(${out_var} ${machine} PARENT_SCOPE)
endfunction()

# Variables for callers: the machine, the board script, the runner (e.g. for add_test).
tmf_qemu_machine("${TMF_CORE}" TMF_QEMU_MACHINE)
cmake_path(SET TMF_QEMU_PORT_DIR NORMALIZE "${CMAKE_CURRENT_LIST_DIR}/../device/port/qemu")
cmake_path(SET TMF_QEMU_RUN_SCRIPT NORMALIZE "${CMAKE_CURRENT_LIST_DIR}/../scripts/qemu-run.sh")
string(REPLACE "-" "_" TMF_QEMU_BOARD "${TMF_QEMU_MACHINE}")
set(TMF_QEMU_LINKER_SCRIPT "${TMF_QEMU_PORT_DIR}/${TMF_QEMU_BOARD}.ld")

set(TMF_QEMU_STACK_SIZE "" CACHE STRING
    "Main stack of QEMU images in bytes (empty: board default, 64 KiB on mps2, 2 KiB on microbit)")

# Whole-archive linking of the port library (CMake predefines WHOLE_ARCHIVE only for hosted platforms).
set(CMAKE_LINK_LIBRARY_USING_TMF_WHOLE_ARCHIVE
    "LINKER:--whole-archive" "<LINK_ITEM>" "LINKER:--no-whole-archive")
set(CMAKE_LINK_LIBRARY_USING_TMF_WHOLE_ARCHIVE_SUPPORTED TRUE)

find_program(TMF_ARM_NM NAMES ${CMAKE_NM} arm-none-eabi-nm REQUIRED)
find_program(TMF_ARM_SIZE NAMES arm-none-eabi-size)
find_program(TMF_ARM_CXXFILT NAMES arm-none-eabi-c++filt)

function(tmf_add_qemu_executable name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "STACK_SIZE" "SOURCES;LIBS")
  if(arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "tmf_add_qemu_executable(${name}): unknown arguments ${arg_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT TARGET tmf_port_qemu)
    message(FATAL_ERROR "tmf_add_qemu_executable(${name}): add_subdirectory(device/port/qemu) first")
  endif()
  # Paths from this file, not from the caller's variables: callable from any directory.
  cmake_path(SET port_dir NORMALIZE "${CMAKE_CURRENT_FUNCTION_LIST_DIR}/../device/port/qemu")
  tmf_qemu_machine("${TMF_CORE}" machine)
  string(REPLACE "-" "_" board "${machine}")
  set(linker_script "${port_dir}/${board}.ld")
  set(stack_size "${arg_STACK_SIZE}")
  if(stack_size STREQUAL "")
    set(stack_size "${TMF_QEMU_STACK_SIZE}")
  endif()

  add_executable(${name} ${arg_SOURCES})
  set_target_properties(${name} PROPERTIES
                        SUFFIX ".elf"
                        LINK_DEPENDS "${linker_script};${port_dir}/qemu_sections.ld")
  # Whole archive: the vector table and the newlib stubs (_write, _sbrk...) must be in the link
  # before libc is searched; --gc-sections drops whatever is unused. The feature is defined in the
  # caller's directory too, where CMake looks for it.
  set(CMAKE_LINK_LIBRARY_USING_TMF_WHOLE_ARCHIVE
      "LINKER:--whole-archive" "<LINK_ITEM>" "LINKER:--no-whole-archive" PARENT_SCOPE)
  set(CMAKE_LINK_LIBRARY_USING_TMF_WHOLE_ARCHIVE_SUPPORTED TRUE PARENT_SCOPE)
  target_link_libraries(${name} PRIVATE ${arg_LIBS} "$<LINK_LIBRARY:TMF_WHOLE_ARCHIVE,tmf_port_qemu>")
  set(map_file "$<TARGET_FILE_DIR:${name}>/${name}.map")
  target_link_options(${name} PRIVATE
                      "-L${port_dir}" "-T${linker_script}"
                      "LINKER:-Map=${map_file}" "LINKER:--print-memory-usage")
  if(NOT stack_size STREQUAL "")
    target_link_options(${name} PRIVATE "LINKER:--defsym=__tmf_stack_size=${stack_size}")
  endif()
  set(size_command "")
  if(TMF_ARM_SIZE)
    set(size_command COMMAND "${TMF_ARM_SIZE}" "$<TARGET_FILE:${name}>")
  endif()
  add_custom_command(TARGET ${name} POST_BUILD
                     COMMAND "${CMAKE_COMMAND}" "-DTMF_CHECK_ELF=$<TARGET_FILE:${name}>"
                             "-DTMF_CHECK_NM=${TMF_ARM_NM}" "-DTMF_CHECK_MAP=${map_file}"
                             "-DTMF_CHECK_CXXFILT=${TMF_ARM_CXXFILT}"
                             -P "${CMAKE_CURRENT_FUNCTION_LIST_FILE}"
                     ${size_command}
                     COMMENT "Checking ${name}.elf has no heap, new, exceptions or RTTI"
                     VERBATIM)
endfunction()
