# Configures calf with -DCALF_WITH_MPI=OFF into OUT and checks that no MPI target exists.
file(REMOVE_RECURSE ${OUT})
execute_process(COMMAND ${CMAKE_COMMAND} -S ${SRC} -B ${OUT} -DCALF_WITH_MPI=OFF
                        -DCALF_BUILD_TESTS=OFF -DCALF_BUILD_BENCH=OFF
                RESULT_VARIABLE rc OUTPUT_QUIET ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "configuring without MPI failed: ${err}")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --build ${OUT} --target help
                OUTPUT_VARIABLE targets RESULT_VARIABLE rc)
if(NOT rc EQUAL 0 OR NOT targets MATCHES "calf_core" OR targets MATCHES "calf_mpi")
  message(FATAL_ERROR "without MPI the targets should include calf_core and not calf_mpi:\n${targets}")
endif()
file(READ ${OUT}/CMakeCache.txt cache)
if(NOT cache MATCHES "CALF_WITH_MPI:BOOL=OFF")
  message(FATAL_ERROR "CALF_WITH_MPI is not OFF in ${OUT}")
endif()
file(REMOVE_RECURSE ${OUT})
