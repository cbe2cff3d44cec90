# --system quadruped: MuJoCo 2.2.2 (libmujoco-dev), target mujoco::mujoco. Debian's imported
# target lists /usr/include/libqhull_r/, present only with libqhull-dev: drop it when missing
# (calf does not include qhull) so a machine without that package still configures. Included
# by CalfDeps.cmake and by the fuzz project (fuzz/CMakeLists.txt).
find_package(mujoco REQUIRED)
get_target_property(_calf_mujoco_includes mujoco::mujoco INTERFACE_INCLUDE_DIRECTORIES)
set(_calf_mujoco_kept "")
foreach(dir IN LISTS _calf_mujoco_includes)
  if(EXISTS "${dir}")
    list(APPEND _calf_mujoco_kept "${dir}")
  endif()
endforeach()
set_target_properties(mujoco::mujoco PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${_calf_mujoco_kept}")
