#!/usr/bin/env bash
# Downloads the Debian 12 packages that a bare GPU machine lacks to build and run synthview
# (Open MPI, HDF5, Boost.Program_options, yaml-cpp, GoogleTest, libpng, zlib headers, protobuf and their
# runtime closure) as .deb files into .gpu-debs/ at the repository root (ignored by git), so that
# they travel with the working tree; tools/gpu/prefix-env.sh unpacks them there (issue 10).
# Idempotent: files already present with the right checksum are kept, stale ones removed.
# Usage: tools/gpu/fetch-debs.sh [DEST]      (DEST defaults to <repo>/.gpu-debs)
# Writes DEST/manifest.tsv (package, version, role, file, size); role "core" packages are always
# used from the prefix, role "host" ones (general system libraries) only where the host lacks them.
set -euo pipefail

# What the project needs, by name (the dependency closure is computed from these).
top=(
  libopenmpi-dev                  # mpi.h, libmpi.so, libmpi_cxx.so: find_package(MPI COMPONENTS CXX)
  openmpi-bin                     # mpirun (orterun), orted, ompi_info, the mpicxx wrapper
  openmpi-common                  # Open MPI's help texts and wrapper data (share/openmpi)
  libhdf5-dev                     # hdf5.h and libhdf5.so under hdf5/serial: find_package(HDF5 COMPONENTS C)
  libboost-program-options-dev    # Boost headers + libboost_program_options + BoostConfig: find_package(Boost)
  libyaml-cpp-dev                 # yaml-cpp headers, library and CMake package: find_package(yaml-cpp)
  libgtest-dev                    # GoogleTest static libraries, headers, GTestConfig: find_package(GTest)
  libpng-dev                      # png.h, libpng16: find_package(PNG)
  zlib1g-dev                      # zlib.h and libz.so (the runtime zlib1g comes from the host): find_package(ZLIB)
  libprotobuf-dev                 # protobuf headers and libprotobuf-lite (TensorBoard events): find_package(Protobuf)
  protobuf-compiler               # protoc, which generates src/tensorboard/event.proto's C++
)

# Never shipped: the host's C/C++ runtime and toolchain (g++ is on the GPU machine; mixing another
# glibc or libstdc++ into LD_LIBRARY_PATH would break the host's own programs) and packaging tools.
base=(
  libc6 libc-bin libc6-dev libc-dev-bin linux-libc-dev libcrypt1 libcrypt-dev
  libstdc++6 libgcc-s1 'gcc-*-base' 'libstdc++-*-dev' 'libgcc-*-dev'
  'gcc' 'gcc-[0-9]*' 'g++' 'g++-[0-9]*' 'cpp' 'cpp-[0-9]*' 'gfortran*' 'binutils*'
  zlib1g                          # on every Linux image; zlib1g-dev's libz.so is relinked to the host's
  debconf adduser dpkg perl-base
)
# Not needed to build synthview or run it with local ranks.
unneeded=(
  '*-doc' 'libjs-*'               # documentation and its JavaScript (libopenmpi-dev pulls jquery)
  openssh-client                  # ssh is only for remote hosts; prefix-env.sh picks the local launcher
  libhwloc-plugins                # optional hwloc plugins (PCI/X11/OpenCL discovery; pulls libX11)
  googletest                      # GoogleTest sources: libgtest-dev already has the built libraries
  hdf5-helpers                    # h5cc's helper scripts (the h5cc wrapper is bypassed)
  'libhdf5-fortran-*' 'libhdf5-hl-*' 'libhdf5-cpp-*'   # only the HDF5 C library is used
)
# -dev packages reached through dependencies are skipped unless they match one of these: mpi.h,
# hdf5.h and png.h do not include the headers of hwloc, libevent, pmix, ibverbs, curl, ssl, jpeg or
# libaec; only the Boost headers are needed besides the top-level packages.
dev_wanted=('libboost*-dev')
# Role "core": the libraries compiled against, and Open MPI's own stack (its plugins and the pmix
# components are built against these exact versions). Everything else is role "host".
core=(
  'libopenmpi*' 'openmpi-*' 'libhdf5*' 'libboost*' 'libyaml-cpp*' 'libgtest*' 'libpng*' 'zlib1g-dev'
  'libprotobuf*' 'libprotoc*' 'protobuf-compiler'
  'libpmix*' 'libhwloc*' 'libevent-*' 'libucx*' 'libfabric*' 'libibverbs*' 'ibverbs-providers'
  'librdmacm*' 'libpsm*' 'libsz2' 'libaec0' 'libmunge2' 'libnl-*'
)
max_mib=48

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
dest=${1:-$repo_root/.gpu-debs}

matches() {  # matches NAME PATTERN...: whether NAME matches one of the glob patterns
  local name=$1 pattern; shift
  for pattern in "$@"; do
    # shellcheck disable=SC2254
    case "$name" in $pattern) return 0 ;; esac
  done
  return 1
}

if ! apt-cache show --no-all-versions libopenmpi-dev >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ]; then apt-get update -q >/dev/null; else
    echo "fetch-debs: apt has no package lists; run apt-get update (as root)" >&2; exit 2
  fi
fi

declare -A info_size info_version info_file info_sha info_deps info_real
load() {  # load PKG...: caches the candidates' fields (one apt-cache call); info_real=0: purely virtual
  local names=() name pkg size version arch sha deps
  for name in "$@"; do [ -n "${info_real[$name]:-}" ] || { names+=("$name"); info_real[$name]=0; }; done
  [ ${#names[@]} -gt 0 ] || return 0
  # One line per package: name, size, version, architecture, SHA256, then its Depends and
  # Pre-Depends as groups ("a|b") separated by commas, versions and arch qualifiers removed.
  while IFS=$'\t' read -r pkg size version arch sha deps; do
    info_real[$pkg]=1; info_size[$pkg]=$size; info_version[$pkg]=$version; info_sha[$pkg]=$sha
    info_file[$pkg]=${pkg}_${version//:/%3a}_${arch}.deb   # the name apt-get download gives it
    info_deps[$pkg]=$deps
  done < <(apt-cache show --no-all-versions "${names[@]}" 2>/dev/null | awk '
    function flush() { if (pkg != "") print pkg "\t" size "\t" version "\t" arch "\t" sha "\t" deps; pkg = ""; deps = "" }
    /^$/ { flush(); next }
    /^Package: / { pkg = $2 }
    /^Size: / { size = $2 }
    /^Version: / { version = $2 }
    /^Architecture: / { arch = $2 }
    /^SHA256: / { sha = $2 }
    /^(Pre-)?Depends: / {
      line = $0; sub(/^[A-Za-z-]+: /, "", line)
      gsub(/\([^)]*\)/, "", line); gsub(/:[a-z0-9]+/, "", line); gsub(/[ \t]/, "", line)
      deps = (deps == "" ? line : deps "," line)
    }
    END { flush() }')
}

skip_reason() {  # skip_reason PKG VIA_DEPENDENCY: prints why PKG is not shipped, or nothing
  local pkg=$1 via=$2
  if matches "$pkg" "${base[@]}"; then echo "base, from the host"; return; fi
  if matches "$pkg" "${unneeded[@]}"; then echo "not needed"; return; fi
  if [ "$via" = 1 ] && [[ $pkg == *-dev ]] && ! matches "$pkg" "${dev_wanted[@]}"; then
    echo "headers of a dependency, not needed"; return
  fi
}

declare -A selected skipped
load "${top[@]}"
for pkg in "${top[@]}"; do
  [ "${info_real[$pkg]}" = 1 ] || { echo "fetch-debs: no package $pkg in apt's lists" >&2; exit 2; }
  selected[$pkg]=1
done
level=("${top[@]}")
while [ ${#level[@]} -gt 0 ]; do
  # Every alternative named by this level's dependencies, loaded in one call.
  names=()
  for pkg in "${level[@]}"; do
    IFS=',|' read -r -a alts <<<"${info_deps[$pkg]}"
    for alt in "${alts[@]}"; do [ -z "$alt" ] || [ -n "$(skip_reason "$alt" 1)" ] || names+=("$alt"); done
  done
  [ ${#names[@]} -eq 0 ] || load "${names[@]}"
  next=()
  for pkg in "${level[@]}"; do
    IFS=',' read -r -a groups <<<"${info_deps[$pkg]}"
    for group in "${groups[@]}"; do
      [ -n "$group" ] || continue
      IFS='|' read -r -a alternatives <<<"$group"
      satisfied=0; best=; best_size=
      for alt in "${alternatives[@]}"; do
        if [ -n "${selected[$alt]:-}" ]; then satisfied=1; break; fi
        reason=$(skip_reason "$alt" 1)
        if [ -n "$reason" ]; then skipped[$alt]=$reason; satisfied=1; break; fi
        [ "${info_real[$alt]:-0}" = 1 ] || continue
        # Of several alternatives, the smallest download.
        if [ -z "$best" ] || [ "${info_size[$alt]}" -lt "$best_size" ]; then best=$alt; best_size=${info_size[$alt]}; fi
      done
      [ "$satisfied" = 1 ] && continue
      if [ -z "$best" ]; then echo "fetch-debs: $pkg: cannot satisfy '$group'" >&2; exit 2; fi
      selected[$best]=1; next+=("$best")
    done
  done
  level=("${next[@]}")
done

mapfile -t packages < <(printf '%s\n' "${!selected[@]}" | sort)
mkdir -p "$dest"
declare -A wanted_file
missing=()
for pkg in "${packages[@]}"; do
  file=${info_file[$pkg]}
  wanted_file[$file]=1
  if [ -f "$dest/$file" ] && [ "$(sha256sum "$dest/$file" | cut -d' ' -f1)" = "${info_sha[$pkg]}" ]; then continue; fi
  rm -f "$dest/$file"
  missing+=("$pkg=${info_version[$pkg]}")
done
for file in "$dest"/*.deb; do
  [ -e "$file" ] || continue
  [ -n "${wanted_file[$(basename "$file")]:-}" ] || { echo "fetch-debs: removing stale $(basename "$file")"; rm -f "$file"; }
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "fetch-debs: downloading ${#missing[@]} packages"
  sandbox=()
  [ "$(id -u)" -eq 0 ] && sandbox=(-o APT::Sandbox::User=root)   # no _apt user access needed
  (cd "$dest" && apt-get download -q "${sandbox[@]}" "${missing[@]}" >/dev/null)
fi

manifest=$dest/manifest.tsv
: >"$manifest.new"
total=0
for pkg in "${packages[@]}"; do
  file=${info_file[$pkg]}
  [ -f "$dest/$file" ] || { echo "fetch-debs: $file was not downloaded" >&2; exit 2; }
  if [ "$(sha256sum "$dest/$file" | cut -d' ' -f1)" != "${info_sha[$pkg]}" ]; then
    echo "fetch-debs: checksum mismatch for $file" >&2; exit 2
  fi
  role=host; matches "$pkg" "${core[@]}" && role=core
  size=$(stat -c %s "$dest/$file")
  total=$((total + size))
  printf '%s\t%s\t%s\t%s\t%s\n' "$pkg" "${info_version[$pkg]}" "$role" "$file" "$size" >>"$manifest.new"
done
mv "$manifest.new" "$manifest"

# The links Debian's maintainer scripts make with update-alternatives (mpirun, mpicxx,
# libpsm_infinipath.so.1, ...), which dpkg-deb -x does not: link and target, one pair a line.
for pkg in "${packages[@]}"; do
  dpkg-deb -I "$dest/${info_file[$pkg]}" postinst 2>/dev/null | awk '
    { line = line $0 }
    /\\$/ { sub(/\\$/, "", line); next }
    line ~ /update-alternatives/ {
      n = split(line, word, /[ \t]+/)
      for (i = 1; i + 3 <= n; i++)
        if ((word[i] == "--install" || word[i] == "--slave") && word[i + 1] ~ /^\// && word[i + 3] ~ /^\// \
            && word[i + 1] !~ /\$/ && word[i + 3] !~ /\$/ && !seen[word[i + 1]]++)
          print word[i + 1] "\t" word[i + 3]
    }
    { line = "" }' || true
done >"$dest/alternatives.tsv"

echo "fetch-debs: skipped: $(for p in $(printf '%s\n' "${!skipped[@]}" | sort); do printf '%s (%s); ' "$p" "${skipped[$p]}"; done)"
echo "fetch-debs: core: $(awk -F'\t' '$3=="core"{printf "%s ", $1}' "$manifest")"
echo "fetch-debs: host (used only where the host lacks them): $(awk -F'\t' '$3=="host"{printf "%s ", $1}' "$manifest")"
total_mib=$(awk -v b="$total" 'BEGIN{printf "%.1f", b/1048576}')
echo "fetch-debs: ${#packages[@]} packages, $total_mib MiB in $dest"
if [ "$total" -gt $((max_mib * 1048576)) ]; then
  echo "fetch-debs: $total_mib MiB exceeds the limit of $max_mib MiB" >&2
  exit 1
fi
