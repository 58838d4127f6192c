# Finds every external dependency once, so modules only name imported targets.
find_package(Torch REQUIRED)
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

# The toolkit and nccl.h (present under /usr/local/cuda on CPU machines too) let the raw NCCL layer
# be compiled even when it cannot run, so it does not rot unseen.
find_path(NCCL_INCLUDE_DIR nccl.h HINTS ${CUDAToolkit_ROOT} /usr/local/cuda PATH_SUFFIXES include)
find_library(NCCL_LIBRARY nccl HINTS /usr/local/cuda PATH_SUFFIXES lib64 lib)
find_path(CUDART_INCLUDE_DIR cuda_runtime_api.h HINTS /usr/local/cuda PATH_SUFFIXES include)
find_library(CUDART_LIBRARY cudart HINTS /usr/local/cuda PATH_SUFFIXES lib64 lib)
if(NCCL_INCLUDE_DIR AND CUDART_INCLUDE_DIR)
  set(SYNTHVIEW_HAVE_NCCL_HEADERS ON)
else()
  set(SYNTHVIEW_HAVE_NCCL_HEADERS OFF)
endif()
if(SYNTHVIEW_WITH_CUDA AND NOT (NCCL_LIBRARY AND SYNTHVIEW_HAVE_NCCL_HEADERS))
  message(FATAL_ERROR "SYNTHVIEW_CUDA is on but nccl.h/libnccl were not found (looked under /usr/local/cuda)")
endif()
message(STATUS "synthview: CUDA training path ${SYNTHVIEW_WITH_CUDA} (LibTorch CUDA: ${SYNTHVIEW_HAVE_CUDA_TORCH}); "
               "NCCL headers ${SYNTHVIEW_HAVE_NCCL_HEADERS}; LibTorch ${Torch_VERSION}")
