# Every third-party dependency, found once. All come from Debian 12 packages
# (scripts/install_deps.sh installs them).
find_package(Eigen3 3.3 REQUIRED NO_MODULE)
find_package(OpenMP REQUIRED COMPONENTS CXX)
find_package(HDF5 REQUIRED COMPONENTS C)
find_package(Torch REQUIRED)
find_package(CLI11 REQUIRED)
find_package(nlohmann_json 3 REQUIRED)
find_package(Catch2 2 REQUIRED)
find_package(PNG REQUIRED)
find_package(OpenGL REQUIRED COMPONENTS OpenGL EGL)
# annotated frames: FreeType draws the text in DejaVu Sans (fonts-dejavu-core)
find_package(Freetype REQUIRED)
find_file(CALF_FONT_FILE DejaVuSans.ttf
  PATHS /usr/share/fonts/truetype/dejavu /usr/share/fonts/dejavu /usr/share/fonts/TTF
  NO_DEFAULT_PATH)
if(NOT CALF_FONT_FILE)
  message(FATAL_ERROR "DejaVuSans.ttf not found: install fonts-dejavu-core "
                      "(scripts/install_deps.sh) or pass -DCALF_FONT_FILE=/path/to/font.ttf")
endif()
find_package(benchmark REQUIRED)
include(${CMAKE_CURRENT_LIST_DIR}/CalfMujoco.cmake)
find_program(MUJOCO_TESTSPEED_EXECUTABLE mujoco-testspeed)
find_path(RANDOM123_INCLUDE_DIR Random123/philox.h REQUIRED)
find_program(GNUPLOT_EXECUTABLE gnuplot)
find_program(H5DUMP_EXECUTABLE h5dump)
# the tests use Debian's python3-h5py/python3-torch/python3-numpy, which live in the system
# interpreter; prefer it over any other python3 on PATH (pyenv, venvs)
if(EXISTS /usr/bin/python3 AND NOT Python3_EXECUTABLE)
  set(Python3_EXECUTABLE /usr/bin/python3)
endif()
find_package(Python3 COMPONENTS Interpreter)
