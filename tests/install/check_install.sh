#!/bin/bash
# check_install.sh BUILD_DIR WORK NCCOMPARE MPIEXEC NPFLAG "PREFLAGS" MODEL
#
# Installs the build into WORK/prefix with `cmake --install`, then uses it as
# a user would, and fails on the first thing that does not work:
#   1. the public headers are there, the internal io.h is not; psst,
#      psst-analyze, the examples, the jobs and the docs are installed;
#   2. a project outside the tree (examples/embed) configures with
#      find_package(psst), builds, and runs MODEL on 2 ranks: its output
#      equals `psst run` of the same model bit for bit (psst_nccompare);
#   3. the same program built by `mpicc $(pkg-config --cflags --libs psst)`
#      runs on 1 rank and matches too;
#   4. the installed psst checks an installed example;
#   5. a user-defined kind from the installed kind files compiles without
#      psst's source tree, and the consumer's output equals psst's.
set -euo pipefail
build=$1 work=$2 nccompare=$3 mpiexec=$4 npflag=$5 preflags=$6 model=$7
here=$(cd "$(dirname "$0")" && pwd)
embed=$here/../../examples/embed
rm -rf "$work"
mkdir -p "$work"
prefix=$work/prefix
fail() { echo "FAIL: $*" >&2; exit 1; }

cmake --install "$build" --prefix "$prefix" > "$work/install.log" ||
  { cat "$work/install.log"; fail "cmake --install"; }
libdir=$(ls -d "$prefix"/lib*/cmake/psst | head -1); libdir=${libdir%/cmake/psst}
for f in include/psst/psst.h include/psst/model.h include/psst/version.h bin/psst \
         bin/psst-analyze bin/psst-read share/psst/tools/psst_read.py \
         share/psst/examples/day4_network.yaml \
         share/psst/jobs/workstation.sh share/doc/psst/README.md share/doc/psst/models.md; do
  [ -e "$prefix/$f" ] || fail "not installed: $f"
done
[ -e "$libdir/cmake/psst/psstConfig.cmake" ] || fail "no psstConfig.cmake"
[ -e "$libdir/pkgconfig/psst.pc" ] || fail "no psst.pc"
[ ! -e "$prefix/include/psst/io.h" ] || fail "internal header io.h installed"
[ -x "$prefix/bin/psst-analyze" ] || fail "psst-analyze not executable"
echo "ok   installed files"

# 2. find_package
cmake -S "$embed" -B "$work/consumer" -DCMAKE_PREFIX_PATH="$prefix" \
  > "$work/consumer.log" 2>&1 || { cat "$work/consumer.log"; fail "find_package(psst) configure"; }
cmake --build "$work/consumer" > "$work/consumer_build.log" 2>&1 ||
  { cat "$work/consumer_build.log"; fail "consumer build"; }
read -r -a pre <<< "$preflags"
"$mpiexec" "$npflag" 2 "${pre[@]}" "$work/consumer/psst_embed" "$model" "$work/app.nc" ||
  fail "consumer run on 2 ranks"
"$prefix/bin/psst" run "$model" -o "$work/cli.nc" --force --quiet || fail "installed psst run"
"$nccompare" "$work/cli.nc" "$work/app.nc" || fail "consumer output differs from psst run"
echo "ok   find_package(psst): built, ran on 2 ranks, equals psst run"

# 3. pkg-config
if command -v pkg-config > /dev/null && command -v mpicc > /dev/null; then
  flags=$(PKG_CONFIG_PATH="$libdir/pkgconfig" pkg-config --cflags --libs psst) ||
    fail "pkg-config psst"
  # shellcheck disable=SC2086
  mpicc -std=c11 "$embed/app.c" $flags -o "$work/app_pc" || fail "mpicc with pkg-config flags"
  "$mpiexec" "$npflag" 1 "${pre[@]}" "$work/app_pc" "$model" "$work/app_pc.nc" ||
    fail "pkg-config build run"
  "$nccompare" "$work/cli.nc" "$work/app_pc.nc" || fail "pkg-config build output differs"
  echo "ok   pkg-config psst: built with mpicc, ran, equals psst run"
else
  echo "note: no pkg-config or mpicc: pkg-config check not run"
fi

# 4. the installed tools run (psst-analyze finds psst_read in share/psst/tools)
if /usr/bin/python3 -c 'import matplotlib, netCDF4' 2> /dev/null; then
  MPLBACKEND=Agg /usr/bin/python3 "$prefix/bin/psst-analyze" "$work/cli.nc" --summary-only \
    > "$work/analyze.log" 2>&1 || { cat "$work/analyze.log"; fail "installed psst-analyze"; }
  echo "ok   installed psst-analyze runs"
fi

# 5. the installed examples
"$prefix/bin/psst" check "$prefix/share/psst/examples/ei_poisson.yaml" > /dev/null ||
  fail "installed psst check installed example"
echo "ok   installed psst checks the installed examples"

# 6. a user-defined kind from the installed kind files: generated code is
#    compiled without psst's source tree (no -I in the command), and an
#    outside program linked by find_package gives the same bits as psst
#    (both call the executable's vector math)
[ -e "$prefix/share/psst/kinds/hh_classic.yaml" ] || fail "not installed: share/psst/kinds"
cat > "$work/user.yaml" << MODEL
kinds: [{file: $prefix/share/psst/kinds/hh_classic.yaml}]
run: {t_end: 30, dt: 0.01, seed: 3}
populations:
  - {name: A, kind: hh_classic_eq, size: 8, init: {V: {uniform: [-70, -60]}}}
stimuli:
  - {target: A, pulses: [{start: 2, stop: 30, amplitude: 10}]}
record: {variables: [V, m], every: 10, spikes: true}
MODEL
export PSST_CACHE=$work/cache
"$prefix/bin/psst" run "$work/user.yaml" -o "$work/user_cli.nc" --force > "$work/user.log" 2>&1 ||
  { cat "$work/user.log"; fail "installed psst run with a user kind"; }
grep -q "kind hh_classic_eq: compiled" "$work/user.log" || fail "user kind not compiled"
cmd=$(head -n 1 "$work"/cache/*.log)
case " $cmd " in *" -I"*) fail "generated code compiled with -I: $cmd" ;; esac
"$mpiexec" "$npflag" 2 "${pre[@]}" "$work/consumer/psst_embed" "$work/user.yaml" \
  "$work/user_app.nc" > "$work/user_app.log" 2>&1 ||
  { cat "$work/user_app.log"; fail "consumer run with a user kind"; }
"$nccompare" "$work/user_cli.nc" "$work/user_app.nc" || fail "consumer user-kind output differs"
echo "ok   user kind from the installed kind files: compiled without -I, consumer equals psst"
echo "all install checks passed"
