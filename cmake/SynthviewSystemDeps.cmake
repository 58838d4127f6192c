# The dependencies other than LibTorch, found once: by cmake/SynthviewDeps.cmake for the project, and by
# tools/gpu/test-prefix.sh's small project, which proves the GPU machine's private prefix provides them.
find_package(MPI REQUIRED COMPONENTS CXX)
find_package(HDF5 REQUIRED COMPONENTS C)
find_package(Boost REQUIRED COMPONENTS program_options)
find_package(yaml-cpp REQUIRED)
find_package(ZLIB REQUIRED)
find_package(PNG REQUIRED)
find_package(Threads REQUIRED)
if(SYNTHVIEW_TESTS)
  find_package(GTest REQUIRED)
endif()

# yaml-cpp's exported target name differs between releases.
if(TARGET yaml-cpp::yaml-cpp)
  set(SYNTHVIEW_YAML_TARGET yaml-cpp::yaml-cpp)
else()
  set(SYNTHVIEW_YAML_TARGET yaml-cpp)
endif()
