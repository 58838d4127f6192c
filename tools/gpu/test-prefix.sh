#!/usr/bin/env bash
# Dry run, on this Debian 12 machine, of the dependency prefix the GPU machine builds from
# .gpu-debs/ (issue 10): fetches the .deb files (tools/gpu/fetch-debs.sh), unpacks them into a fresh
# temporary prefix (tools/gpu/prefix-env.sh), builds a tiny CMake project with the same find_package
# calls as cmake/SynthviewDeps.cmake (minus Torch) and SYNTHVIEW_PREFIX_CMAKE_ARGS, checks that
# everything CMake found and every include and link path lies in the prefix, runs the program on 2
# ranks with the prefix's mpirun, and checks in each rank's /proc/self/maps and with ldd that
# libmpi, libhdf5, libyaml-cpp, libboost_program_options (and the rest of the stack) come from
# the prefix.
# As root, all of that runs in a private mount namespace where the system's copies are gone: an
# overlay on /usr and /etc whites out every file of the installed packages that the prefix
# carries, of every other -dev package but the toolchain's, and of openssh-client (the GPU
# machine has no Debian -dev packages and probably no ssh). Nothing changes outside the namespace.
# Usage: tools/gpu/test-prefix.sh [--keep]    (--keep leaves the temporary folder for inspection)
#        CMAKE=/path/to/cmake tools/gpu/test-prefix.sh    (another CMake, e.g. a pip one like the GPU machine's)
set -euo pipefail
cmake=${CMAKE:-cmake}

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
debs=$repo_root/.gpu-debs

fail() { echo "test-prefix: FAIL: $*" >&2; exit 1; }
say() { echo "test-prefix: $*"; }

# ---------------------------------------------------------------------------------------------
# Inner part: runs (in the namespace when possible) with WORK as its temporary folder.
inner() {
  local work=$1 prefix=$1/prefix src=$1/src build=$1/build out=$1/out
  mkdir -p "$src" "$out"

  # shellcheck source=tools/gpu/prefix-env.sh
  source "$repo_root/tools/gpu/prefix-env.sh" "$debs" "$prefix" || fail "prefix-env.sh failed"
  [ "$(command -v mpirun)" = "$prefix/usr/bin/mpirun" ] || fail "mpirun on PATH is $(command -v mpirun)"
  case " $(mpicxx -showme:incdirs) " in
    *" $prefix/usr/lib/x86_64-linux-gnu/openmpi/include"*) ;;
    *) fail "the relocated mpicxx wrapper names $(mpicxx -showme:incdirs)" ;;
  esac

  write_project "$src"
  local generator=()
  command -v ninja >/dev/null && generator=(-G Ninja)
  say "configuring with SYNTHVIEW_PREFIX_CMAKE_ARGS"
  say "CMake: $("$cmake" --version | head -1)"
  "$cmake" -S "$src" -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release -DCMAKE_EXPORT_COMPILE_COMMANDS=ON \
    -DSYNTHVIEW_SOURCE_DIR="$repo_root" "${SYNTHVIEW_PREFIX_CMAKE_ARGS[@]}" >"$work/configure.log" 2>&1 ||
    { cat "$work/configure.log"; fail "configure"; }
  grep -E '^-- (Found|synthview)' "$work/configure.log" | sed 's/^/  /'
  say "building"
  "$cmake" --build "$build" -j 1 >"$work/build.log" 2>&1 || { cat "$work/build.log"; fail "build"; }

  check_cache "$build/CMakeCache.txt" "$prefix"
  check_build_lines "$build" "$prefix" "$src"

  say "running: mpirun -np 2 --allow-run-as-root --oversubscribe prefixcheck --flag 7"
  mpirun -np 2 --allow-run-as-root --oversubscribe "$build/prefixcheck" --flag 7 --out "$out" \
    >"$work/run.log" 2>&1 || { cat "$work/run.log"; fail "mpirun"; }
  sed 's/^/  /' "$work/run.log"
  grep -q '^prefixcheck: 2 ranks, sum 3, ok$' "$work/run.log" || fail "unexpected output of prefixcheck"
  ! grep -qiE 'unable to open|warning|error|not found' "$work/run.log" || fail "mpirun printed warnings (above)"
  [ -s "$out/rank0.h5" ] && [ -s "$out/rank1.png" ] || fail "no HDF5 or PNG file written"
  check_maps "$out" "$prefix"
  # Open MPI's help texts come from the prefix too (a relocation mistake prints "Sorry! You were
  # supposed to get help about ..." instead).
  local help
  help=$(mpirun -np 100000 --allow-run-as-root true 2>&1 || true)
  grep -q 'not enough slots available' <<<"$help" && ! grep -q 'supposed to get help' <<<"$help" \
    || { echo "$help"; fail "Open MPI's help texts are not found"; }
  say "Open MPI's help texts are found (mpirun -np 100000 explains the missing slots)"
  check_ldd "$build/prefixcheck" "$prefix"

  # Again with every role-"host" library taken from the prefix, as on a machine that has none of
  # them (libcurl, libssl, ... for libhdf5): SYNTHVIEW_PREFIX_HOST_LIBS=all.
  SYNTHVIEW_PREFIX_HOST_LIBS=all source "$repo_root/tools/gpu/prefix-env.sh" "$debs" "$prefix" 2>/dev/null \
    || fail "prefix-env.sh with SYNTHVIEW_PREFIX_HOST_LIBS=all"
  rm -f "$out"/rank*
  mpirun -np 2 --allow-run-as-root --oversubscribe "$build/prefixcheck" --flag 7 --out "$out" \
    >"$work/run-all.log" 2>&1 || { cat "$work/run-all.log"; fail "mpirun with SYNTHVIEW_PREFIX_HOST_LIBS=all"; }
  grep -q '^prefixcheck: 2 ranks, sum 3, ok$' "$work/run-all.log" || fail "unexpected output (SYNTHVIEW_PREFIX_HOST_LIBS=all)"
  local lib
  for lib in libcurl.so libssl.so libcrypto.so libudev.so; do
    grep -q "^$prefix/host/.*/$lib" "$out/rank0.maps" || fail "SYNTHVIEW_PREFIX_HOST_LIBS=all: $lib not from $prefix/host"
  done
  say "SYNTHVIEW_PREFIX_HOST_LIBS=all: 2 ranks ok with libcurl, libssl, libcrypto, libudev (and the rest) from the prefix:" \
      "$(grep -c "^$prefix/host/" "$out/rank0.maps") host-role libraries mapped"
  SYNTHVIEW_PREFIX_HOST_LIBS='' source "$repo_root/tools/gpu/prefix-env.sh" "$debs" "$prefix" 2>/dev/null

  say "running the GoogleTest test"
  "$build/prefixcheck_gtest" >"$work/gtest.log" 2>&1 || { cat "$work/gtest.log"; fail "prefixcheck_gtest"; }
  grep -q '\[  PASSED  \] 1 test' "$work/gtest.log" || fail "GoogleTest did not pass its 1 test"

  report_glibc "$prefix"
}

write_project() {
  local src=$1
  cat >"$src/CMakeLists.txt" <<'EOF'
cmake_minimum_required(VERSION 3.18)
project(prefixcheck LANGUAGES C CXX)
set(CMAKE_CXX_STANDARD 17)
# The project's own find_package calls for everything but Torch.
set(SYNTHVIEW_TESTS ON)
include(${SYNTHVIEW_SOURCE_DIR}/cmake/SynthviewSystemDeps.cmake)
message(STATUS "synthview-prefix: MPI ${MPI_CXX_LIBRARIES}; HDF5 ${HDF5_C_LIBRARIES} ${HDF5_INCLUDE_DIRS}; "
               "Boost ${Boost_DIR}; yaml-cpp ${yaml-cpp_DIR}; GTest ${GTest_DIR}; PNG ${PNG_LIBRARIES}; ZLIB ${ZLIB_LIBRARIES}")
add_executable(prefixcheck main.cpp)
target_include_directories(prefixcheck PRIVATE ${HDF5_INCLUDE_DIRS})
target_compile_definitions(prefixcheck PRIVATE ${HDF5_DEFINITIONS})
target_link_libraries(prefixcheck PRIVATE MPI::MPI_CXX ${HDF5_C_LIBRARIES} Boost::program_options
                      ${SYNTHVIEW_YAML_TARGET} PNG::PNG ZLIB::ZLIB Threads::Threads)
add_executable(prefixcheck_gtest gtest.cpp)
target_link_libraries(prefixcheck_gtest PRIVATE GTest::gtest GTest::gtest_main Threads::Threads)
EOF
  cat >"$src/gtest.cpp" <<'EOF'
#include <gtest/gtest.h>
TEST(Prefix, GoogleTestRuns) { EXPECT_EQ(2 + 2, 4); }
EOF
  cat >"$src/main.cpp" <<'EOF'
#include <mpi.h>
#include <hdf5.h>
#include <png.h>
#include <zlib.h>
#include <yaml-cpp/yaml.h>
#include <boost/program_options.hpp>
#include <csetjmp>
#include <cstdio>
#include <fstream>
#include <set>
#include <string>

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0, size = 0, failures = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  auto check = [&](bool ok, const char* what) {
    if (!ok) { std::fprintf(stderr, "rank %d: %s failed\n", rank, what); ++failures; }
  };

  namespace po = boost::program_options;
  po::options_description options("prefixcheck");
  options.add_options()("flag", po::value<int>()->required(), "a number")(
      "out", po::value<std::string>()->required(), "output folder");
  po::variables_map vm;
  po::store(po::parse_command_line(argc, argv, options), vm);
  po::notify(vm);
  check(vm["flag"].as<int>() == 7, "Boost.Program_options --flag 7");
  const std::string stem = vm["out"].as<std::string>() + "/rank" + std::to_string(rank);

  int mine = rank + 1, sum = 0;
  MPI_Allreduce(&mine, &sum, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
  check(size == 2 && sum == 3, "MPI_Allreduce on 2 ranks");

  hid_t file = H5Fcreate((stem + ".h5").c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  check(file >= 0, "H5Fcreate");
  if (file >= 0) {
    hsize_t dims[1] = {3};
    int values[3] = {1, 2, 3};
    hid_t space = H5Screate_simple(1, dims, nullptr);
    hid_t set = H5Dcreate2(file, "x", H5T_NATIVE_INT, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    check(H5Dwrite(set, H5T_NATIVE_INT, H5S_ALL, H5S_ALL, H5P_DEFAULT, values) >= 0, "H5Dwrite");
    H5Dclose(set);
    H5Sclose(space);
    check(H5Fclose(file) >= 0, "H5Fclose");
  }

  YAML::Node node = YAML::Load("a: 1\nb: [2, 3]\n");
  check(node["a"].as<int>() == 1 && node["b"].size() == 2 && node["b"][1].as<int>() == 3, "YAML::Load");

  std::FILE* fp = std::fopen((stem + ".png").c_str(), "wb");
  check(fp != nullptr, "fopen png");
  if (fp) {
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
    png_infop info = png_create_info_struct(png);
    if (setjmp(png_jmpbuf(png))) {
      check(false, "libpng write");
    } else {
      png_init_io(png, fp);
      png_set_IHDR(png, info, 1, 1, 8, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE,
                   PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
      png_write_info(png, info);
      png_byte pixel = 128;
      png_write_row(png, &pixel);
      png_write_end(png, nullptr);
    }
    png_destroy_write_struct(&png, &info);
    std::fclose(fp);
  }
  check(zlibVersion()[0] == ZLIB_VERSION[0], "zlib");

  // Every shared object this rank has mapped, for the test script to check where each came from.
  std::ifstream maps("/proc/self/maps");
  std::set<std::string> objects;
  for (std::string line; std::getline(maps, line);) {
    auto slash = line.find('/');
    if (slash != std::string::npos && line.find(".so", slash) != std::string::npos) objects.insert(line.substr(slash));
  }
  std::ofstream listing(stem + ".maps");
  for (const auto& object : objects) listing << object << "\n";

  int total = 0;
  MPI_Allreduce(&failures, &total, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
  if (rank == 0) std::printf("prefixcheck: %d ranks, sum %d, %s\n", size, sum, total ? "FAILED" : "ok");
  MPI_Finalize();
  return total ? 1 : 0;
}
EOF
}

check_paths() {  # check_paths WHAT PREFIX ALLOWED_DIR... < paths: every absolute path is under PREFIX or an allowed dir
  local what=$1 prefix=$2 path bad=0 ok; shift 2
  while IFS= read -r path; do
    [[ $path == /* ]] || continue
    ok=0
    for dir in "$prefix" "$@"; do [[ $path == "$dir" || $path == "$dir"/* ]] && ok=1; done
    [ $ok = 1 ] || { echo "test-prefix: $what outside the prefix: $path" >&2; bad=1; }
  done
  return $bad
}

check_cache() {  # every path CMake cached for MPI, HDF5, Boost, yaml-cpp, GTest, PNG, ZLIB is in the prefix
  local cache=$1 prefix=$2 entries
  entries=$(grep -E '^(MPI|MPIEXEC|HDF5|Boost|boost|BOOST|yaml-cpp|GTest|GTEST|PNG|ZLIB)[A-Za-z0-9_-]*:(PATH|FILEPATH|STRING|INTERNAL|UNINITIALIZED)=' "$cache" \
    | grep -v -- '-NOTFOUND' || true)
  for needed in MPI_mpi_LIBRARY MPI_mpi_cxx_LIBRARY MPIEXEC_EXECUTABLE HDF5_C_INCLUDE_DIR HDF5_hdf5_LIBRARY_RELEASE \
                Boost_DIR boost_program_options_DIR yaml-cpp_DIR GTest_DIR PNG_LIBRARY_RELEASE PNG_PNG_INCLUDE_DIR \
                ZLIB_INCLUDE_DIR ZLIB_LIBRARY_RELEASE; do
    grep -q "^$needed:[A-Z]*=/" <<<"$entries" || fail "CMakeCache.txt has no path for $needed"
  done
  cut -d= -f2- <<<"$entries" | tr ';' '\n' | check_paths "CMakeCache.txt entry" "$prefix" || fail "CMakeCache.txt"
  say "CMakeCache.txt: $(wc -l <<<"$entries") MPI/HDF5/Boost/yaml-cpp/GTest/PNG/ZLIB entries, every path in the prefix"
}

check_build_lines() {  # every -I/-isystem of the compile commands and every library of the link lines is in the prefix
  local build=$1 prefix=$2 src=$3 link_lines
  python3 -c '
import json, shlex, sys
for entry in json.load(open(sys.argv[1])):
    words = shlex.split(entry["command"])
    for i, word in enumerate(words):
        for flag in ("-isystem", "-I"):
            if word == flag and i + 1 < len(words):
                print(words[i + 1])
            elif word.startswith(flag) and len(word) > len(flag):
                print(word[len(flag):])' "$build/compile_commands.json" \
    | check_paths "include dir" "$prefix" "$src" "$build" || fail "include dirs"
  if [ -f "$build/build.ninja" ]; then
    link_lines=$("$cmake" --build "$build" -- -t commands prefixcheck prefixcheck_gtest | grep -E -- ' -o prefixcheck(_gtest)? ' || true)
  else
    link_lines=$(cat "$build"/CMakeFiles/prefixcheck*.dir/link.txt)
  fi
  [ -n "$link_lines" ] || fail "no link lines found"
  python3 -c '
import re, shlex, sys
for line in sys.stdin:
    for word in shlex.split(line.replace("&&", " ").replace(": ", " ")):
        if word.startswith("-L"):
            print(word[2:])
        elif word.startswith("-Wl,"):
            parts = word[4:].split(",")
            for i, part in enumerate(parts):
                if i > 0 and parts[i - 1] in ("-rpath", "-rpath-link"):
                    print("\n".join(part.split(":")))
        elif word.startswith("/") and re.search(r"\.(so(\.[0-9]+)*|a)$", word):
            print(word)' <<<"$link_lines" | check_paths "link input" "$prefix" "$build" || fail "link lines"
  say "compile and link lines: every include dir, library and rpath in the prefix"
}

check_maps() {  # each rank's mapped libraries of the stack come from the prefix; the rest is listed
  local out=$1 prefix=$2 lib file path real others
  for file in "$out"/rank0.maps "$out"/rank1.maps; do
    [ -s "$file" ] || fail "no $file"
    for lib in libmpi.so libmpi_cxx.so libopen-pal.so libopen-rte.so libhdf5_serial.so libyaml-cpp.so \
               libboost_program_options.so libpng16.so libpmix.so libhwloc.so libevent_core; do
      path=$(grep -F "/$lib" "$file" | head -1) || true
      [ -n "$path" ] || fail "$lib is not mapped in $(basename "$file")"
      [[ $path == "$prefix"/* ]] || fail "$lib comes from $path, not the prefix ($(basename "$file"))"
    done
  done
  say "/proc/self/maps of both ranks: libmpi, libmpi_cxx, libopen-pal, libopen-rte, libhdf5, libyaml-cpp," \
      "libboost_program_options, libpng16, libpmix, libhwloc, libevent from $prefix"
  others=$(grep -hv "^$prefix/" "$out"/rank*.maps | sort -u | tr '\n' ' ')
  if grep -qE 'openmpi|libmpi|libopen-|pmix|hwloc|hdf5|yaml|boost|png|event|ucx|ucp|uct|ucs|fabric|ibverbs|psm' <<<"$others"; then
    fail "part of the stack was loaded from the host: $others"
  fi
  say "mapped from the host: $others"
  while IFS= read -r path; do
    real=$(readlink -f "$path" 2>/dev/null || echo "$path")
    say "  host-role library from the prefix: $real"
  done < <(grep -h "^$prefix/host" "$out"/rank*.maps | sort -u)
}

check_ldd() {
  local binary=$1 prefix=$2 lines lib path
  lines=$(ldd "$binary")
  ! grep -q 'not found' <<<"$lines" || { echo "$lines"; fail "ldd: missing libraries"; }
  for lib in libmpi.so libhdf5_serial.so libyaml-cpp.so libboost_program_options.so libpng16.so; do
    path=$(awk -v l="$lib" 'index($1, l) == 1 {print $3}' <<<"$lines")
    [[ $path == "$prefix"/* ]] || fail "ldd: $lib resolves to '$path'"
  done
  say "ldd prefixcheck: nothing missing; libmpi, libhdf5, libyaml-cpp, libboost_program_options, libpng16 from the prefix"
}

report_glibc() {  # the newest glibc and libstdc++ symbol versions that ELF files of the prefix need
  local prefix=$1 root symbols glibc glibcxx
  for root in "$prefix/usr" "$prefix/host/usr"; do
    symbols=$(find "$root" -type f \( -name '*.so*' -o -perm -u+x \) -print0 | xargs -0 -n 50 objdump -T 2>/dev/null \
      | grep -oE '\((GLIBC|GLIBCXX)_[0-9.]+\)' | tr -d '()' | sort -u || true)
    glibc=$(sed -n 's/^GLIBC_//p' <<<"$symbols" | sort -V | tail -1)
    glibcxx=$(sed -n 's/^GLIBCXX_//p' <<<"$symbols" | sort -V | tail -1)
    say "${root#"$prefix"/} needs glibc >= ${glibc:-?}, libstdc++ >= ${glibcxx:+GLIBCXX_}${glibcxx:-(none)}"
  done
  say "this machine: $(getconf GNU_LIBC_VERSION)"
}

# ---------------------------------------------------------------------------------------------
# Namespace set-up: hides the system's copies, then runs inner().
tool_packages() {  # the packages whose libraries the tools used in the sandbox load
  local tools=() tool
  for tool in bash dpkg-deb tar xz python3 cmake ninja make gcc g++ as ld objdump readelf find xargs sed awk \
              grep sort sha256sum mount; do
    command -v "$tool" >/dev/null && tools+=("$(command -v "$tool")")
  done
  tools+=("$(gcc -print-prog-name=cc1)" "$(g++ -print-prog-name=cc1plus)" "$(gcc -print-prog-name=collect2)")
  for tool in "${tools[@]}"; do ldd "$tool" 2>/dev/null || true; done | awk '$2 == "=>" && $3 ~ /^\// {print $3}' \
    | sort -u | while read -r lib; do dpkg-query -S "*/$(basename "$(readlink -f "$lib")")" 2>/dev/null || true; done \
    | cut -d: -f1 | tr ',' '\n' | tr -d ' ' | sort -u
}

hide_list() {  # paths (canonical, under /usr or /etc) of the packages the GPU machine lacks
  local manifest=$debs/manifest.tsv keep packages installed
  # Kept visible: the toolchain's -dev packages, and the role-"host" packages that the sandbox's
  # own tools load (dpkg-deb needs libzstd, cmake libcurl: a GPU machine with cmake has them too).
  keep=$( { apt-cache depends --recurse --installed --no-recommends --no-suggests --no-conflicts --no-breaks \
              --no-replaces --no-enhances g++ gcc cmake make 2>/dev/null | grep -v '^ ' || true
            tool_packages | grep -vxF "$(awk -F'\t' '$3 == "core" {print $1}' "$manifest")" || true; } | sort -u)
  packages=$( { cut -f1 "$manifest"; echo openssh-client
               dpkg-query -W -f='${Package}\n' | grep -- '-dev$' || true; } | grep -vxF "$keep" | sort -u)
  # shellcheck disable=SC2086
  installed=$(dpkg-query -W -f='${Package} ${Status}\n' $packages 2>/dev/null | awk '/ installed$/ {print $1}' || true)
  say "hiding $(wc -w <<<"$installed") installed packages; of the prefix's packages, kept visible for the" \
      "sandbox's tools: $(grep -xF "$keep" <<<"$(cut -f1 "$manifest")" | tr '\n' ' ')" >&2
  # shellcheck disable=SC2086
  { dpkg-query -L $installed 2>/dev/null || true; } | python3 -c '
import os, sys
for line in sys.stdin:
    path = line.rstrip("\n")
    if not path.startswith("/") or path == "/.":
        continue
    path = os.path.join(os.path.realpath(os.path.dirname(path)), os.path.basename(path))
    if path.startswith(("/usr/", "/etc/")) and os.path.lexists(path) and (os.path.islink(path) or not os.path.isdir(path)):
        print(path)' | sort -u
}

make_whiteouts() {  # make_whiteouts UPPER < paths: overlay whiteouts (and whole-folder ones where a folder is all hidden)
  python3 -c '
import os, stat, sys
upper = sys.argv[1]
hidden = set(line.rstrip("\n") for line in sys.stdin if line.strip())
memo = {}
def all_hidden(folder):
    if folder not in memo:
        memo[folder] = walk_hidden(folder)
    return memo[folder]
def walk_hidden(folder):
    for root, dirs, files in os.walk(folder):
        for name in files + [d for d in dirs if os.path.islink(os.path.join(root, d))]:
            if os.path.join(root, name) not in hidden:
                return False
    return True
folders = {}
for path in hidden:
    folders.setdefault(os.path.dirname(path), []).append(path)
whole = set()
for folder in sorted(folders, key=len):
    if folder in ("/usr", "/etc") or any(folder.startswith(w + "/") for w in whole):
        continue
    top = folder   # the highest ancestor below /usr or /etc that is entirely hidden
    while os.path.dirname(top) not in ("/usr", "/etc", "/") and all_hidden(os.path.dirname(top)):
        top = os.path.dirname(top)
    if all_hidden(top):
        whole.add(top)
count = 0
for path in list(whole) + [p for p in hidden if not any(p.startswith(w + "/") for w in whole)]:
    target = upper + path
    os.makedirs(os.path.dirname(target), exist_ok=True)
    os.mknod(target, stat.S_IFCHR | 0o600, os.makedev(0, 0))
    count += 1
print(f"{count} whiteouts ({len(whole)} whole folders) for {len(hidden)} files", file=sys.stderr)' "$1"
}

sandbox() {  # sandbox WORK: in a new mount namespace, overlays /usr and /etc without the hidden files
  local work=$1 layer=$1/overlay
  mount -t tmpfs -o size=256m synthview-prefix-test "$layer"
  mkdir -p "$layer/upper" "$layer/work-usr" "$layer/work-etc"
  make_whiteouts "$layer/upper" <"$work/hidden.txt"
  mkdir -p "$layer/upper/usr" "$layer/upper/etc"
  mount -t overlay overlay -o "lowerdir=/usr,upperdir=$layer/upper/usr,workdir=$layer/work-usr" /usr
  mount -t overlay overlay -o "lowerdir=/etc,upperdir=$layer/upper/etc,workdir=$layer/work-etc" /etc
  local probe
  for probe in /usr/lib/x86_64-linux-gnu/libmpi.so.40 /usr/include/boost /usr/include/yaml-cpp \
               /usr/lib/x86_64-linux-gnu/hdf5 /usr/include/png.h /usr/include/zlib.h /usr/bin/ssh /etc/openmpi; do
    [ ! -e "$probe" ] || fail "sandbox: $probe is still visible"
  done
  say "sandbox: the system's Open MPI, HDF5, Boost, yaml-cpp, GoogleTest, libpng, zlib headers, their" \
      "dependencies, every non-toolchain -dev package and ssh are hidden"
  inner "$work"
}

main() {
  local keep=0
  [ "${1:-}" = --keep ] && keep=1
  if [ "${1:-}" = --inner ]; then sandbox "$2"; return; fi

  "$repo_root/tools/gpu/fetch-debs.sh" "$debs"
  local work
  work=$(mktemp -d /tmp/synthview-prefix-test.XXXXXX)
  # shellcheck disable=SC2064
  if [ $keep = 0 ]; then trap "rm -rf '$work'" EXIT; else say "keeping $work"; fi
  mkdir -p "$work/overlay"

  if [ "$(id -u)" -eq 0 ] && unshare --mount true 2>/dev/null && grep -qw overlay /proc/filesystems; then
    hide_list >"$work/hidden.txt"
    unshare --mount --propagation private bash "$repo_root/tools/gpu/test-prefix.sh" --inner "$work"
  else
    say "WARNING: not root or no mount namespaces/overlayfs: running without hiding the system's copies"
    inner "$work"
  fi
  say "PASS"
}

main "$@"
