# Find a *parallel* netCDF-4 library (nc_create_par over MPI-IO/HDF5) and
# define the imported target psst::netcdf.
#
# Order of search (the first that yields netcdf_par.h and a library wins):
#   1. hints: -DnetCDF_DIR=, -DNETCDF_ROOT=, or the environment variables
#      NETCDF_ROOT, NETCDF_DIR, NETCDF_HOME, netCDF_DIR (cluster modules set
#      one of these); <hint>/include and <hint>/lib{,64}
#   2. a parallel nc-config on PATH (nc-config --has-parallel4 = yes)
#   3. pkg-config netcdf-mpi (Debian's libnetcdf-mpi-dev). Its Cflags point at
#      /usr/include, which holds the *serial* headers when libnetcdf-dev is
#      installed too, so ${prefix}/include is put first (TOOLCHAIN.md P2).
# The serial nc-config (libnetcdf-dev) and find_package(netCDF CONFIG) are
# deliberately not used: both describe the serial library (TOOLCHAIN.md P3/P4).
# The result is verified: NC_HAS_PARALLEL4 must be 1 in the chosen headers.

include(CheckCSourceCompiles)

set(_psst_nc_hints)
foreach(_v netCDF_DIR NETCDF_ROOT NETCDF_DIR)
  if(DEFINED ${_v} AND NOT "${${_v}}" STREQUAL "")
    list(APPEND _psst_nc_hints "${${_v}}")
  endif()
endforeach()
foreach(_v NETCDF_ROOT NETCDF_DIR NETCDF_HOME netCDF_DIR NETCDF_C_ROOT)
  if(DEFINED ENV{${_v}} AND NOT "$ENV{${_v}}" STREQUAL "")
    list(APPEND _psst_nc_hints "$ENV{${_v}}")
  endif()
endforeach()

set(_psst_nc_inc "")
set(_psst_nc_lib "")
set(_psst_nc_how "")

# 1. hints
foreach(_h IN LISTS _psst_nc_hints)
  # a CMake package dir (…/lib/cmake/netCDF) also counts: walk up to the prefix
  get_filename_component(_p "${_h}" ABSOLUTE)
  foreach(_up 0 1 2 3)
    if(EXISTS "${_p}/include/netcdf_par.h")
      break()
    endif()
    get_filename_component(_p "${_p}" DIRECTORY)
  endforeach()
  if(EXISTS "${_p}/include/netcdf_par.h")
    find_library(_psst_nc_lib_h NAMES netcdf_mpi netcdf PATHS "${_p}/lib" "${_p}/lib64"
                 NO_DEFAULT_PATH)
    if(_psst_nc_lib_h)
      set(_psst_nc_inc "${_p}/include")
      set(_psst_nc_lib "${_psst_nc_lib_h}")
      set(_psst_nc_how "hint ${_h}")
      break()
    endif()
  endif()
endforeach()

# 2. a parallel nc-config
if(NOT _psst_nc_lib)
  find_program(PSST_NC_CONFIG nc-config)
  if(PSST_NC_CONFIG)
    execute_process(COMMAND ${PSST_NC_CONFIG} --has-parallel4 OUTPUT_VARIABLE _par
                    OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
    if(_par STREQUAL "yes")
      execute_process(COMMAND ${PSST_NC_CONFIG} --includedir OUTPUT_VARIABLE _inc
                      OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
      execute_process(COMMAND ${PSST_NC_CONFIG} --libdir OUTPUT_VARIABLE _libdir
                      OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
      find_library(_psst_nc_lib_c NAMES netcdf PATHS "${_libdir}" NO_DEFAULT_PATH)
      if(_psst_nc_lib_c AND EXISTS "${_inc}/netcdf_par.h")
        set(_psst_nc_inc "${_inc}")
        set(_psst_nc_lib "${_psst_nc_lib_c}")
        set(_psst_nc_how "parallel nc-config ${PSST_NC_CONFIG}")
      endif()
    endif()
  endif()
endif()

# 3. pkg-config netcdf-mpi (Debian)
if(NOT _psst_nc_lib)
  find_package(PkgConfig QUIET)
  if(PKG_CONFIG_FOUND)
    pkg_check_modules(PSST_PC_NETCDF QUIET netcdf-mpi)
    if(PSST_PC_NETCDF_FOUND)
      pkg_get_variable(_prefix netcdf-mpi prefix)
      find_path(_psst_nc_inc_pc netcdf_par.h
                PATHS "${_prefix}/include" ${PSST_PC_NETCDF_INCLUDE_DIRS} NO_DEFAULT_PATH)
      find_library(_psst_nc_lib_pc NAMES ${PSST_PC_NETCDF_LIBRARIES}
                   PATHS ${PSST_PC_NETCDF_LIBRARY_DIRS} "${_prefix}/lib")
      if(_psst_nc_inc_pc AND _psst_nc_lib_pc)
        set(_psst_nc_inc "${_psst_nc_inc_pc}")
        set(_psst_nc_lib "${_psst_nc_lib_pc}")
        set(_psst_nc_how "pkg-config netcdf-mpi")
      endif()
    endif()
  endif()
endif()

if(NOT _psst_nc_lib OR NOT _psst_nc_inc)
  message(FATAL_ERROR
    "psst needs a parallel netCDF-4 library (nc_create_par).\n"
    "  Debian/Ubuntu: apt-get install libnetcdf-mpi-dev\n"
    "  cluster: load a parallel netcdf-c module, or pass -DNETCDF_ROOT=<prefix>\n"
    "  (searched hints: '${_psst_nc_hints}', a parallel nc-config, pkg-config netcdf-mpi)")
endif()

# verify: parallel headers, not the serial ones
set(CMAKE_REQUIRED_INCLUDES "${_psst_nc_inc}" ${MPI_C_INCLUDE_DIRS})
set(CMAKE_REQUIRED_QUIET ON)
check_c_source_compiles("
#include <netcdf.h>
#include <netcdf_par.h>
#include <netcdf_meta.h>
#if !defined(NC_HAS_PARALLEL4) || NC_HAS_PARALLEL4 != 1
#error serial netCDF
#endif
int main(void) { return 0; }" PSST_NETCDF_IS_PARALLEL)
unset(CMAKE_REQUIRED_INCLUDES)
unset(CMAKE_REQUIRED_QUIET)
if(NOT PSST_NETCDF_IS_PARALLEL)
  message(FATAL_ERROR "netCDF found through ${_psst_nc_how} (${_psst_nc_inc}) is not "
                      "built with parallel netCDF-4 (NC_HAS_PARALLEL4 != 1)")
endif()

# HDF5 include dirs are not needed for the netCDF API, only the library.
add_library(psst::netcdf UNKNOWN IMPORTED)
set_target_properties(psst::netcdf PROPERTIES
  IMPORTED_LOCATION "${_psst_nc_lib}"
  INTERFACE_INCLUDE_DIRECTORIES "${_psst_nc_inc}")
set(PSST_NETCDF_INCLUDE_DIR "${_psst_nc_inc}" CACHE INTERNAL "")
set(PSST_NETCDF_LIBRARY "${_psst_nc_lib}" CACHE INTERNAL "")
message(STATUS "psst: parallel netCDF via ${_psst_nc_how}: ${_psst_nc_lib} (include ${_psst_nc_inc})")
