# Sanitizer and fuzzing builds (docs/reliability.md). Both instrument every target of the tree, so use a
# separate build folder: `make test-sanitize` (build-asan/) and `make fuzz` set them.
#   SYNTHVIEW_SANITIZE=address,undefined   ASan + UBSan (any -fsanitize= list); UB aborts, it is not just logged
#   SYNTHVIEW_FUZZ=ON                      clang only: coverage for libFuzzer, and the harnesses in fuzz/
set(SYNTHVIEW_SANITIZE "" CACHE STRING "-fsanitize= list for every target, e.g. address,undefined (empty = none)")
option(SYNTHVIEW_FUZZ "Build the libFuzzer harnesses in fuzz/ (needs clang and SYNTHVIEW_SANITIZE)" OFF)

if(SYNTHVIEW_SANITIZE)
  add_compile_options(-fsanitize=${SYNTHVIEW_SANITIZE} -fno-omit-frame-pointer)
  add_link_options(-fsanitize=${SYNTHVIEW_SANITIZE})
  if(SYNTHVIEW_SANITIZE MATCHES "undefined")
    # LibTorch is not built with UBSan: its type_info is not ours to check, so the vptr check only
    # reports false positives on objects LibTorch creates.
    add_compile_options(-fno-sanitize-recover=undefined -fno-sanitize=vptr)
  endif()
endif()

if(SYNTHVIEW_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "SYNTHVIEW_FUZZ needs clang (libFuzzer): configure with CC=clang-14 CXX=clang++-14")
  endif()
  # Coverage counters in our libraries, so the fuzzer sees the readers' branches, not only the harness's.
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()
