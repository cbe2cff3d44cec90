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

# the version and git revision are baked into every output file: the version at configure
# time, the revision at every build (core/CMakeLists.txt, target calf_git_revision)
configure_file(${CMAKE_SOURCE_DIR}/core/version.h.in ${CMAKE_BINARY_DIR}/generated/core/version.h @ONLY)
