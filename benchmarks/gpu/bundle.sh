#!/usr/bin/env bash
# Pack a CUDA build of psst for a GPU machine that has the CUDA driver and
# toolkit but neither MPI nor netCDF (a lent GPU box with no package
# registry): the build tree, every shared library its programs need outside
# the C/C++ runtime, and Open MPI's own tree (plugins, help texts, defaults).
#
#   benchmarks/gpu/bundle.sh BUILD_DIR OUT.tar.gz
#
# Layout of the archive (unpacked with `tar -C / -xf`, see unbundle below):
#   BUILD_DIR (at its absolute path: CTest files name it)
#   opt/psst-deps/lib/      the libraries (LD_LIBRARY_PATH)
#   opt/psst-deps/bin/      mpiexec, mpirun, orterun, orted, ompi_info, ctest,
#                           ncdump, nccopy
#   usr/lib/x86_64-linux-gnu/{openmpi,pmix2}, usr/share/openmpi, etc/openmpi:
#                           Open MPI's and PMIx's trees at the paths Debian's
#                           build looks them up (it is not relocatable)
# The C library, libm, libstdc++ and libgcc_s stay the target's own (a newer
# glibc runs these binaries; an older libstdc++ could break its programs).
#
#   benchmarks/gpu/bundle.sh --unpack OUT.tar.gz
# refuses to replace an existing MPI tree on the target and prints the
# environment to use (export PATH and LD_LIBRARY_PATH).
set -euo pipefail

if [ "${1:-}" = --unpack ]; then
  tarball=$2
  for d in /usr/lib/x86_64-linux-gnu/openmpi /usr/lib/x86_64-linux-gnu/pmix2 /etc/openmpi /usr/bin/orted; do
    if [ -e "$d" ]; then
      echo "bundle.sh: $d exists on this machine: not replacing its MPI" >&2
      exit 1
    fi
  done
  tar --no-overwrite-dir -C / -xzf "$tarball"
  # plm isolated: one node, no ssh/rsh needed to start the ranks
  echo "export PATH=/opt/psst-deps/bin:\$PATH LD_LIBRARY_PATH=/opt/psst-deps/lib\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH} OMPI_MCA_plm=isolated"
  exit 0
fi

[ $# -eq 2 ] || { echo "usage: bundle.sh BUILD_DIR OUT.tar.gz | --unpack OUT.tar.gz" >&2; exit 2; }
build=$(cd "$1" && pwd)
out=$2
stage=$(mktemp -d "${TMPDIR:-/tmp}/psst-bundle.XXXXXX")
trap 'rm -rf "$stage"' EXIT

ompi_lib=/usr/lib/x86_64-linux-gnu/openmpi
pmix_lib=/usr/lib/x86_64-linux-gnu/pmix2
for d in $ompi_lib $pmix_lib /usr/share/openmpi /etc/openmpi; do
  [ -e "$d" ] || { echo "bundle.sh: $d not found (Debian's openmpi-bin expected)" >&2; exit 1; }
done

mkdir -p "$stage/opt/psst-deps/lib" "$stage/opt/psst-deps/bin" "$stage$(dirname "$build")"
# the build tree without object files
tar -C "$(dirname "$build")" --exclude='*.o' --exclude='*.nc' -cf - "$(basename "$build")" |
  tar -C "$stage$(dirname "$build")" -xf -
for d in $ompi_lib $pmix_lib /usr/share/openmpi /etc/openmpi; do
  mkdir -p "$stage$(dirname "$d")"
  cp -a "$d" "$stage$d"
done
for b in orterun orted ompi_info ncdump nccopy ctest; do
  cp -L "$(command -v $b)" "$stage/opt/psst-deps/bin/"
done
# orted at Open MPI's bindir: a singleton (a program run without mpiexec)
# starts it from there
mkdir -p "$stage/usr/bin"
cp -L "$(command -v orted)" "$stage/usr/bin/orted"
ln -s orterun "$stage/opt/psst-deps/bin/mpiexec"
ln -s orterun "$stage/opt/psst-deps/bin/mpirun"

# every ELF file's libraries, but the target's own C/C++ runtime and
# libcuda (the driver's)
keep_out='^(linux-vdso|ld-linux|libc\.|libm\.|libdl\.|libpthread\.|librt\.|libresolv\.|libstdc\+\+\.|libgcc_s\.|libcuda\.|libutil\.)'
find "$stage" -type f \( -perm -u+x -o -name '*.so*' \) -print0 |
  while IFS= read -r -d '' f; do
    head -c 4 "$f" 2> /dev/null | grep -q 'ELF' || continue
    ldd "$f" 2> /dev/null | awk '$2 == "=>" && $3 ~ /^\// {print $1, $3}'
  done | sort -u | while read -r name path; do
    [[ "$name" =~ $keep_out ]] && continue
    [ -e "$stage/opt/psst-deps/lib/$name" ] || cp -L "$path" "$stage/opt/psst-deps/lib/$name"
  done
# the members by their own paths: no entry for /, /tmp or /usr themselves
tar -C "$stage" -czf "$out" "${build#/}" opt/psst-deps usr/bin/orted \
  "${ompi_lib#/}" "${pmix_lib#/}" usr/share/openmpi etc/openmpi
echo "bundle.sh: $out ($(du -h "$out" | cut -f1)): $build, $(find "$stage/opt/psst-deps/lib" -type f | wc -l) libraries, Open MPI $(ompi_info --version 2> /dev/null | sed -n 's/.*v\([0-9.]*\).*/\1/p' | head -1)"
