# Finds every external dependency once, so modules only name imported targets.
find_package(Torch REQUIRED)
# TorchConfig's find_library looks in system folders before its own: with Debian's LibTorch installed
# too, a CUDA LibTorch given by CMAKE_PREFIX_PATH=<torch>/share/cmake would link Debian's libtorch.so.
get_filename_component(SYNTHVIEW_TORCH_ROOT "${TORCH_INSTALL_PREFIX}" REALPATH)
if(EXISTS "${SYNTHVIEW_TORCH_ROOT}/lib/libtorch.so")
  get_filename_component(SYNTHVIEW_TORCH_FOUND "${TORCH_LIBRARY}" REALPATH)
  get_filename_component(SYNTHVIEW_TORCH_OWN "${SYNTHVIEW_TORCH_ROOT}/lib/libtorch.so" REALPATH)
  if(NOT SYNTHVIEW_TORCH_FOUND STREQUAL SYNTHVIEW_TORCH_OWN)
    message(FATAL_ERROR "LibTorch's CMake package is in ${SYNTHVIEW_TORCH_ROOT} but libtorch was found at "
                        "${TORCH_LIBRARY}: set CMAKE_PREFIX_PATH to the torch folder itself (${SYNTHVIEW_TORCH_ROOT})")
  endif()
endif()
# PyPI's torch wheels export the std::filesystem they link statically (pytorch/pytorch#133437); a binary
# whose first NEEDED library is libtorch.so takes those and crashes in remove_all (a null call). Listing
# libstdc++ first makes the system's definitions win for every binary of the project.
if(EXISTS "${SYNTHVIEW_TORCH_ROOT}/lib/libtorch.so")
  execute_process(COMMAND nm -D --defined-only "${SYNTHVIEW_TORCH_ROOT}/lib/libtorch.so"
                  OUTPUT_VARIABLE SYNTHVIEW_TORCH_SYMBOLS ERROR_QUIET)
  if(SYNTHVIEW_TORCH_SYMBOLS MATCHES "_ZNSt10filesystem")
    add_link_options("LINKER:--push-state,--no-as-needed,-lstdc++,--pop-state")
    message(STATUS "synthview: ${SYNTHVIEW_TORCH_ROOT}/lib/libtorch.so exports std::filesystem; libstdc++ linked first")
  endif()
endif()
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

# LibTorch exports its own flags (e.g. -D_GLIBCXX_USE_CXX11_ABI); keep them.
string(APPEND CMAKE_CXX_FLAGS " ${TORCH_CXX_FLAGS}")

# yaml-cpp's exported target name differs between releases.
if(TARGET yaml-cpp::yaml-cpp)
  set(SYNTHVIEW_YAML_TARGET yaml-cpp::yaml-cpp)
else()
  set(SYNTHVIEW_YAML_TARGET yaml-cpp)
endif()

add_library(synthview_hdf5 INTERFACE)
target_include_directories(synthview_hdf5 INTERFACE ${HDF5_INCLUDE_DIRS})
target_link_libraries(synthview_hdf5 INTERFACE ${HDF5_C_LIBRARIES})
target_compile_definitions(synthview_hdf5 INTERFACE ${HDF5_DEFINITIONS})

# CUDA training path: on when LibTorch itself was built with CUDA.
set(SYNTHVIEW_HAVE_CUDA_TORCH OFF)
if(TARGET torch_cuda OR TORCH_CUDA_LIBRARIES OR CAFFE2_USE_CUDA)
  set(SYNTHVIEW_HAVE_CUDA_TORCH ON)
endif()
if(SYNTHVIEW_CUDA STREQUAL "AUTO")
  set(SYNTHVIEW_WITH_CUDA ${SYNTHVIEW_HAVE_CUDA_TORCH})
else()
  set(SYNTHVIEW_WITH_CUDA ${SYNTHVIEW_CUDA})
endif()

# NCCL: the copy LibTorch's CUDA libraries load (a pip install keeps it in site-packages/nvidia/nccl,
# which libtorch_cuda's RPATH names), else the CUDA toolkit's. One NCCL per process: linking a second
# copy would give two NCCLs whose symbols collide (tests/dist/nccl checks it). The toolkit and nccl.h
# (present under /usr/local/cuda on CPU machines too) also let the raw NCCL layer be compiled when it
# cannot run, so it does not rot unseen.
set(SYNTHVIEW_TORCH_NCCL "${SYNTHVIEW_TORCH_ROOT}/../nvidia/nccl")
find_path(NCCL_INCLUDE_DIR nccl.h HINTS ${SYNTHVIEW_TORCH_NCCL}/include ${CUDAToolkit_ROOT}/include /usr/local/cuda/include)
find_library(NCCL_LIBRARY NAMES nccl libnccl.so.2 HINTS ${SYNTHVIEW_TORCH_NCCL}/lib /usr/local/cuda/lib64 /usr/local/cuda/lib)
find_path(CUDART_INCLUDE_DIR cuda_runtime_api.h HINTS ${CUDAToolkit_ROOT}/include /usr/local/cuda/include)
find_library(CUDART_LIBRARY cudart HINTS /usr/local/cuda/lib64 /usr/local/cuda/lib)
if(NCCL_INCLUDE_DIR AND CUDART_INCLUDE_DIR)
  set(SYNTHVIEW_HAVE_NCCL_HEADERS ON)
else()
  set(SYNTHVIEW_HAVE_NCCL_HEADERS OFF)
endif()
if(SYNTHVIEW_WITH_CUDA AND NOT (NCCL_LIBRARY AND SYNTHVIEW_HAVE_NCCL_HEADERS))
  message(FATAL_ERROR "SYNTHVIEW_CUDA is on but nccl.h/libnccl were not found (looked under /usr/local/cuda)")
endif()
message(STATUS "synthview: CUDA training path ${SYNTHVIEW_WITH_CUDA} (LibTorch CUDA: ${SYNTHVIEW_HAVE_CUDA_TORCH}); "
               "NCCL headers ${SYNTHVIEW_HAVE_NCCL_HEADERS} (${NCCL_LIBRARY}); LibTorch ${Torch_VERSION} in ${SYNTHVIEW_TORCH_ROOT}")
