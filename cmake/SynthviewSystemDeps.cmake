# The dependencies other than LibTorch, found once: by cmake/SynthviewDeps.cmake for the project, and by
# tools/gpu/test-prefix.sh's small project, which proves the GPU machine's private prefix provides them.
find_package(MPI REQUIRED COMPONENTS CXX)
find_package(HDF5 REQUIRED COMPONENTS C)
find_package(Boost REQUIRED COMPONENTS program_options)
find_package(yaml-cpp REQUIRED)
find_package(ZLIB REQUIRED)
find_package(PNG REQUIRED)
# TensorBoard event files: Debian's libprotobuf and protoc (src/tensorboard/). PyPI's torch wheel ships protobuf
# 3.13 headers in torch/include, which FindProtobuf would take from CMAKE_PREFIX_PATH (CUDA flavour) and pair
# with Debian's 3.21 library and protoc: the headers and protoc are looked up outside CMAKE_PREFIX_PATH first.
find_path(Protobuf_INCLUDE_DIR google/protobuf/service.h NO_CMAKE_PATH NO_CMAKE_ENVIRONMENT_PATH)
find_program(Protobuf_PROTOC_EXECUTABLE protoc NO_CMAKE_PATH NO_CMAKE_ENVIRONMENT_PATH)
find_package(Protobuf REQUIRED)
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
