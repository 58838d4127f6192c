# One static library per folder of src/: synthview_<module>, sources globbed from src/<module>/.
# All modules share one precompiled LibTorch header (synthview_pch) to keep builds tolerable.
function(synthview_module name)
  cmake_parse_arguments(ARG "" "" "DEPS" ${ARGN})
  file(GLOB sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cpp)
  add_library(synthview_${name} STATIC ${sources})
  target_link_libraries(synthview_${name} PUBLIC synthview_base ${ARG_DEPS})
  target_precompile_headers(synthview_${name} REUSE_FROM synthview_pch)
endfunction()

# A GoogleTest binary from every .cpp under tests/<module>/ (one binary per module keeps links few).
function(synthview_test_binary name)
  cmake_parse_arguments(ARG "" "" "DEPS" ${ARGN})
  file(GLOB sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cpp)
  add_executable(${name} ${sources})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main)
  target_precompile_headers(${name} REUSE_FROM synthview_pch)
endfunction()
