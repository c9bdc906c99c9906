# Copy a psst output into a small, compressed reference file (tests/data/README.md).
#   make_reference.py SRC.nc DST.nc [VARIABLE TO DROP ...]
import sys, netCDF4, numpy as np
src, dst = sys.argv[1], sys.argv[2]
a = netCDF4.Dataset(src)
b = netCDF4.Dataset(dst, "w", format="NETCDF4")
for name, dim in a.dimensions.items():
    b.createDimension(name, None if dim.isunlimited() else len(dim))
drop = set(sys.argv[3:])
for name, v in a.variables.items():
    if name in drop: continue
    ch = [min(4096, max(1, len(a.dimensions[d]))) for d in v.dimensions] if v.dimensions else None
    w = b.createVariable(name, v.dtype, v.dimensions, zlib=True, complevel=9, shuffle=True, chunksizes=ch)
    w.setncatts({k: v.getncattr(k) for k in v.ncattrs()})
    w[:] = v[:]
keep = ["title", "source", "psst_version", "git_revision", "model_file", "model_text", "method", "dt_ms", "t_end_ms", "seed", "neurons"]
b.setncatts({k: a.getncattr(k) for k in keep if k in a.ncattrs()})
b.close()
