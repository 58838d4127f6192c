# shellcheck shell=bash
# Unpacks the .deb files of tools/gpu/fetch-debs.sh into a private prefix and sets up this shell to
# build and run synthview from it, on a machine without those Debian packages (issue 10).
# Usage (bash, sourced):  source tools/gpu/prefix-env.sh DEBS_DIR PREFIX
#                         cmake -S . -B build "${SYNTHVIEW_PREFIX_CMAKE_ARGS[@]}" ...
# Unpacks with dpkg-deb -x (or python3 where dpkg is missing) into PREFIX, never into /; a PREFIX
# that was already unpacked from the same files is reused. Packages of role "host" in
# DEBS_DIR/manifest.tsv (general system libraries) are unpacked into PREFIX/host and used only for
# the sonames the host lacks (links in PREFIX/host-lib), so the host's own programs keep their
# newer copies. Exports PATH, LD_LIBRARY_PATH, CMAKE_PREFIX_PATH, OPAL_* and PMIX_* (Open MPI 4.1
# and PMIx relocated to the prefix), and SYNTHVIEW_PREFIX (PREFIX) and the bash array
# SYNTHVIEW_PREFIX_CMAKE_ARGS (cmake -D arguments pinning every find_package of
# cmake/SynthviewDeps.cmake but Torch to the prefix; SYNTHVIEW_PREFIX_CMAKE_ARGS_STRING holds the
# same, space separated). Returns non-zero, with a "prefix-env:" message, on failure.

_svp_triplet=x86_64-linux-gnu

_svp_say() { echo "prefix-env: $*" >&2; }

_svp_extract() {  # _svp_extract DEB DEST: dpkg-deb -x, or a python3 reader of the ar + tar format
  if [ "${SYNTHVIEW_PREFIX_EXTRACTOR:-}" != python ] && command -v dpkg-deb >/dev/null 2>&1; then
    dpkg-deb -x "$1" "$2"
    return
  fi
  local python
  python=$(command -v python3 || echo /opt/torch/.venv/bin/python3)
  "$python" - "$1" "$2" <<'EOF'
import io, sys, tarfile
deb, dest = sys.argv[1], sys.argv[2]
with open(deb, 'rb') as f:
    data = f.read()
if data[:8] != b'!<arch>\n':
    sys.exit(f'{deb}: not an ar archive')
pos = 8
while pos + 60 <= len(data):
    name = data[pos:pos + 16].decode().strip().rstrip('/')
    size = int(data[pos + 48:pos + 58].decode().strip())
    body = data[pos + 60:pos + 60 + size]
    pos += 60 + size + (size & 1)
    if name.startswith('data.tar'):
        if name.endswith('.zst'):
            sys.exit(f'{deb}: zstd-compressed data, needs dpkg-deb')
        with tarfile.open(fileobj=io.BytesIO(body), mode='r:*') as tar:
            if hasattr(tarfile, 'fully_trusted_filter'):
                tar.extractall(dest, filter='fully_trusted')   # keeps absolute symlinks (fixed later)
            else:
                tar.extractall(dest)
        sys.exit(0)
sys.exit(f'{deb}: no data.tar member')
EOF
}

_svp_usrmerge() {  # _svp_usrmerge ROOT: moves ROOT/{bin,sbin,lib,lib64} into ROOT/usr (as on Debian 12)
  local root=$1 dir
  for dir in bin sbin lib lib64; do
    if [ -d "$root/$dir" ] && [ ! -L "$root/$dir" ]; then
      mkdir -p "$root/usr/$dir" && cp -a "$root/$dir/." "$root/usr/$dir/" && rm -rf "${root:?}/$dir" || return 1
    fi
    [ -e "$root/usr/$dir" ] && [ ! -e "$root/$dir" ] && ln -s "usr/$dir" "$root/$dir"
  done
  return 0
}

_svp_host_lib() {  # _svp_host_lib NAME: prints the host's library NAME (or its soname) if there is one
  local name=$1 dir candidate
  while :; do
    for dir in /usr/lib/$_svp_triplet /lib/$_svp_triplet /usr/lib64 /lib64 /usr/lib /lib; do
      candidate=$dir/$name
      [ -e "$candidate" ] && { echo "$candidate"; return 0; }
    done
    # libz.so.1.2.13 -> libz.so.1: the host may carry another minor version of the same soname.
    [[ $name =~ ^(.*\.so\.[0-9]+)\.[0-9.]+$ ]] || return 1
    name=${BASH_REMATCH[1]}
  done
}

_svp_fix_links() {  # _svp_fix_links PREFIX ROOT: absolute symlinks under ROOT point into the prefix (or the host)
  local prefix=$1 root=$2 link target mapped candidate host
  while IFS= read -r -d '' link; do
    target=$(readlink "$link")
    [[ $target == /* ]] || continue
    mapped=$target
    case "$mapped" in /lib/* | /bin/* | /sbin/* | /lib64/*) mapped=/usr$mapped ;; esac
    for candidate in "$root$mapped" "$prefix$mapped" "$prefix/host$mapped"; do
      if [ -e "$candidate" ] || [ -L "$candidate" ]; then ln -sfn "$candidate" "$link"; continue 2; fi
    done
    # A -dev link to a runtime library the host provides (zlib1g-dev's libz.so -> libz.so.1.2.13).
    if [[ $(basename "$mapped") == lib*.so* ]] && host=$(_svp_host_lib "$(basename "$mapped")"); then
      ln -sfn "$host" "$link"; continue
    fi
    ln -sfn "$root$mapped" "$link"   # dangling, but inside the prefix: never the host's /usr
  done < <(find "$root" -type l -print0)
}

_svp_unpack() {  # _svp_unpack DEBS_DIR PREFIX
  local debs=$1 prefix=$2 manifest=$1/manifest.tsv stamp=$2/.synthview-prefix key deb role count=0
  key=$(cd "$debs" && stat -c '%s %n' -- *.deb 2>/dev/null; cat "$manifest" alternatives.tsv 2>/dev/null || true)
  [ -n "$key" ] || { _svp_say "no .deb files in $debs (run tools/gpu/fetch-debs.sh)"; return 2; }
  key=$(sha256sum <<<"$key" | cut -d' ' -f1)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$key" ]; then return 0; fi
  if [ -d "$prefix" ] && [ -n "$(ls -A "$prefix")" ]; then
    [ -f "$stamp" ] || { _svp_say "$prefix is not empty and was not made by prefix-env.sh; refusing to use it"; return 2; }
    rm -rf "${prefix:?}"/* "$prefix"/.synthview-prefix
  fi
  mkdir -p "$prefix/host" || return 2
  for deb in "$debs"/*.deb; do
    role=core
    [ -f "$manifest" ] && role=$(awk -F'\t' -v f="$(basename "$deb")" '$4 == f {print $3}' "$manifest")
    case "$role" in
      core) _svp_extract "$deb" "$prefix" ;;
      host) _svp_extract "$deb" "$prefix/host" ;;
      *) _svp_say "$(basename "$deb") is not in $manifest (rerun tools/gpu/fetch-debs.sh)"; return 2 ;;
    esac || { _svp_say "cannot unpack $deb"; return 2; }
    count=$((count + 1))
  done
  _svp_usrmerge "$prefix" && _svp_usrmerge "$prefix/host" || { _svp_say "cannot merge /lib into /usr/lib"; return 2; }
  _svp_fix_links "$prefix" "$prefix/host"
  _svp_fix_links "$prefix" "$prefix"
  # Debian's update-alternatives links (mpirun, mpicxx, libpsm_infinipath.so.1, ...), listed by
  # fetch-debs.sh: dpkg-deb -x does not make them.
  local link target
  while IFS=$'\t' read -r link target; do
    [ -n "$link" ] && [ -e "$prefix$target" ] && [ ! -e "$prefix$link" ] || continue
    mkdir -p "$(dirname "$prefix$link")" && ln -sfn "$prefix$target" "$prefix$link"
  done < <(cat "$debs/alternatives.tsv" 2>/dev/null)
  echo "$key" >"$stamp"
  _svp_say "unpacked $count packages into $prefix"
}

_svp_host_libs() {  # _svp_host_libs PREFIX: links the role-"host" libraries whose soname the host lacks
  local prefix=$1 file soname used=() dir=$1/host-lib
  rm -rf "$dir" && mkdir -p "$dir" || return 2
  for file in "$prefix/host/usr/lib/$_svp_triplet"/lib*.so*; do
    [ -f "$file" ] && [ ! -L "$file" ] || continue
    soname=$(objdump -p "$file" 2>/dev/null | awk '$1 == "SONAME" {print $2}' || true)
    [ -n "$soname" ] || soname=$(readelf -d "$file" 2>/dev/null | sed -n 's/.*Library soname: \[\(.*\)\].*/\1/p' || true)
    [ -n "$soname" ] || soname=$(basename "$file")
    # SYNTHVIEW_PREFIX_HOST_LIBS=all takes them all from the prefix.
    _svp_host_lib "$soname" >/dev/null && [ "${SYNTHVIEW_PREFIX_HOST_LIBS:-}" != all ] && continue
    ln -sfn "$file" "$dir/$soname"
    used+=("$soname")
  done
  _svp_say "host libraries taken from the prefix (absent here): ${used[*]:-none}"
}

_svp_path_prepend() {  # _svp_path_prepend VAR DIR...: puts DIRs first in the colon list VAR, once each
  local var=$1 dir value i; shift
  value=${!var:-}
  for ((i = $#; i >= 1; i--)); do
    dir=${!i}
    value=:$value:; value=${value//:$dir:/:}; value=${value#:}; value=${value%:}
    value=$dir${value:+:$value}
  done
  export "$var=$value"
}

_svp_main() {
  if [ $# -ne 2 ]; then _svp_say "usage: source tools/gpu/prefix-env.sh DEBS_DIR PREFIX"; return 2; fi
  if [ "$(uname -m)" != x86_64 ]; then _svp_say "the packages are amd64; this machine is $(uname -m)"; return 2; fi
  local debs prefix
  debs=$(cd "$1" 2>/dev/null && pwd) || { _svp_say "no folder $1"; return 2; }
  mkdir -p "$2" || return 2
  prefix=$(cd "$2" && pwd -P)
  case "$prefix" in
    / | /usr | /usr/* | /etc | /bin | /sbin | /lib | /lib64 | /var | /opt) _svp_say "refusing to unpack into $prefix"; return 2 ;;
  esac
  _svp_unpack "$debs" "$prefix" || return $?
  _svp_host_libs "$prefix" || return $?

  local usr=$prefix/usr lib=$prefix/usr/lib/$_svp_triplet
  local ompi=$lib/openmpi pmix=$lib/pmix2 hdf5=$lib/hdf5/serial
  _svp_path_prepend PATH "$usr/bin"
  _svp_path_prepend LD_LIBRARY_PATH "$lib" "$prefix/host-lib"
  _svp_path_prepend CMAKE_PREFIX_PATH "$usr"
  export SYNTHVIEW_PREFIX=$prefix

  # Open MPI 4.1 (Debian: prefix /usr, libdir openmpi/lib, components openmpi/lib/openmpi3, help
  # and wrapper data share/openmpi, sysconfdir /etc/openmpi) moved under the prefix. The sysconfdir
  # holds Debian's openmpi-mca-params.conf (no ucx/openib/ofi), which is read from there.
  export OPAL_PREFIX=$usr OPAL_EXEC_PREFIX=$usr OPAL_BINDIR=$usr/bin OPAL_SBINDIR=$usr/sbin
  export OPAL_LIBEXECDIR=$usr/libexec OPAL_DATAROOTDIR=$usr/share OPAL_DATADIR=$usr/share
  export OPAL_SYSCONFDIR=$prefix/etc/openmpi OPAL_LIBDIR=$ompi/lib OPAL_INCLUDEDIR=$ompi/include
  export OPAL_PKGDATADIR=$usr/share/openmpi OPAL_PKGLIBDIR=$ompi/lib/openmpi3
  export OPAL_PKGINCLUDEDIR=$ompi/include/openmpi OPAL_MANDIR=$usr/share/man
  export OMPI_MCA_mca_base_component_path=$ompi/lib/openmpi3
  # PMIx 4.2 (Debian: prefix /usr/lib/<triplet>/pmix2); its own conf names the /usr component path.
  export PMIX_PREFIX=$pmix PMIX_EXEC_PREFIX=$pmix PMIX_LIBDIR=$pmix/lib PMIX_PKGLIBDIR=$pmix/lib/pmix
  export PMIX_DATAROOTDIR=$pmix/share PMIX_DATADIR=$pmix/share PMIX_PKGDATADIR=$pmix/share/pmix
  export PMIX_SYSCONFDIR=$pmix/share PMIX_INCLUDEDIR=$pmix/include
  export PMIX_MCA_mca_base_component_path=$pmix/lib/pmix
  # Without ssh or rsh, mpirun's rsh launcher refuses to start even for local ranks; the
  # isolated launcher only starts ranks on this node, which is all a one-machine check needs.
  local agent have_agent=0
  for agent in ssh rsh; do
    agent=$(type -P "$agent" 2>/dev/null) && [ -f "$agent" ] && [ -x "$agent" ] && have_agent=1
  done
  if [ $have_agent = 0 ] && [ -z "${OMPI_MCA_plm:-}" ]; then
    export OMPI_MCA_plm=isolated
  fi

  # find_package arguments: the MPI wrapper is bypassed (libraries and include dirs named), h5cc
  # is not looked for (HDF5_ROOT makes FindHDF5 search only there), config packages are named.
  SYNTHVIEW_PREFIX_CMAKE_ARGS=(
    "-DMPI_CXX_COMPILER_INCLUDE_DIRS=$ompi/include;$ompi/include/openmpi"
    "-DMPI_CXX_LIB_NAMES=mpi_cxx;mpi"
    "-DMPI_C_COMPILER_INCLUDE_DIRS=$ompi/include;$ompi/include/openmpi"
    "-DMPI_C_LIB_NAMES=mpi"
    "-DMPI_mpi_cxx_LIBRARY=$ompi/lib/libmpi_cxx.so"
    "-DMPI_mpi_LIBRARY=$ompi/lib/libmpi.so"
    "-DMPIEXEC_EXECUTABLE=$usr/bin/mpirun"
    "-DHDF5_ROOT=$hdf5"
    "-DHDF5_NO_FIND_PACKAGE_CONFIG_FILE=ON"
    "-DHDF5_C_INCLUDE_DIR=$hdf5/include"
    "-DHDF5_hdf5_LIBRARY_RELEASE=$hdf5/libhdf5.so"
    "-DBOOST_ROOT=$usr"
    "-DBoost_NO_SYSTEM_PATHS=ON"
    "-DBoost_DIR=$(echo "$lib"/cmake/Boost-*)"
    "-Dboost_headers_DIR=$(echo "$lib"/cmake/boost_headers-*)"
    "-Dboost_program_options_DIR=$(echo "$lib"/cmake/boost_program_options-*)"
    "-Dyaml-cpp_DIR=$lib/cmake/yaml-cpp"
    "-DGTest_DIR=$lib/cmake/GTest"
    "-DGTEST_ROOT=$usr"
    "-DPNG_PNG_INCLUDE_DIR=$usr/include"
    "-DPNG_LIBRARY_RELEASE=$lib/libpng16.so"
    "-DZLIB_INCLUDE_DIR=$usr/include"
    "-DZLIB_LIBRARY_RELEASE=$lib/libz.so"
    "-DProtobuf_INCLUDE_DIR=$usr/include"
    "-DProtobuf_LIBRARY=$lib/libprotobuf.so"
    "-DProtobuf_LITE_LIBRARY=$lib/libprotobuf-lite.so"
    "-DProtobuf_PROTOC_LIBRARY=$lib/libprotoc.so"
    "-DProtobuf_PROTOC_EXECUTABLE=$usr/bin/protoc"
  )
  SYNTHVIEW_PREFIX_CMAKE_ARGS_STRING=${SYNTHVIEW_PREFIX_CMAKE_ARGS[*]}
  export SYNTHVIEW_PREFIX_CMAKE_ARGS_STRING

  # The libraries the project links, and mpirun: a missing dependency or too old a glibc shows here.
  local file problems
  for file in "$usr/bin/orterun" "$lib"/libmpi.so.40 "$lib"/libmpi_cxx.so.40 "$lib"/libhdf5_serial.so.* \
              "$lib"/libyaml-cpp.so.* "$lib"/libboost_program_options.so.* "$lib"/libpng16.so.16; do
    [ -f "$file" ] && [ ! -L "$file" ] || continue
    problems=$(ldd "$file" 2>&1 | grep -E 'not found|version .* not found') && \
      _svp_say "WARNING: $(basename "$file"): $(tr -s ' \t\n' ' ' <<<"$problems")"
  done
  return 0
}

if [ -z "${BASH_VERSION:-}" ]; then
  echo "prefix-env: needs bash (source it from bash)" >&2
  return 2 2>/dev/null || exit 2
fi
if ! (return 0 2>/dev/null); then
  echo "prefix-env: source this file: source ${BASH_SOURCE[0]} DEBS_DIR PREFIX" >&2
  exit 2
fi
# Called in a && list so that a caller's set -e does not end the shell halfway (the functions
# check their steps themselves); a failure comes back as this file's return status.
_svp_main "$@" && _svp_rc=0 || _svp_rc=$?
unset -f _svp_say _svp_extract _svp_usrmerge _svp_host_lib _svp_fix_links _svp_unpack _svp_host_libs \
  _svp_path_prepend _svp_main
unset _svp_triplet
eval "unset _svp_rc; return $_svp_rc"
