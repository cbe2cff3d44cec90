# Warnings and sanitizers as INTERFACE targets, linked PRIVATE by every calf target.
add_library(calf_warnings INTERFACE)
target_compile_options(calf_warnings INTERFACE -Wall -Wextra)
if(CALF_WERROR)
  target_compile_options(calf_warnings INTERFACE -Werror)
endif()
if(CALF_NATIVE)
  add_compile_options(-march=native)
endif()
if(CALF_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()

# the version and git revision are baked into every output file
execute_process(COMMAND git rev-parse --short=12 HEAD
  WORKING_DIRECTORY ${CMAKE_SOURCE_DIR} OUTPUT_VARIABLE CALF_GIT_REVISION
  OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
if(NOT CALF_GIT_REVISION)
  set(CALF_GIT_REVISION "unknown")
endif()
configure_file(${CMAKE_SOURCE_DIR}/core/version.h.in ${CMAKE_BINARY_DIR}/generated/core/version.h @ONLY)
