#!/usr/bin/python3
"""Damage a copy of a psst checkpoint (tests/restart, issue 15 item 4).

    damage_ckpt.py IN OUT KIND

KIND:
  bitflip      flip the lowest mantissa bit of one state value (the middle
               of the first pop.* variable)
  flip_fire_t  flip one exponent bit of one firing time
  shift_step   step + 5, time_ms unchanged
  shift_both   step + 5 and time_ms + 5 dt (consistent, but not the output's)
  records0     output_records = 0
  records1e20  output_records = 1e20
  spikes1e12   output_spikes = 1e12
  nan_fire_t   one firing time NaN
Needs netCDF4 and numpy (/usr/bin/python3).
"""
import shutil
import sys

import netCDF4
import numpy as np


def flip(var, i, bit):
    x = np.array(var[i], dtype=np.float64)
    b = x.view(np.uint64) ^ np.uint64(1 << bit)
    var[i] = b.view(np.float64)


def main():
    src, dst, kind = sys.argv[1:4]
    shutil.copyfile(src, dst)
    with netCDF4.Dataset(dst, "r+") as d:
        d.set_auto_mask(False)
        first = next(v for v in d.variables if v.startswith("pop."))
        if kind == "bitflip":
            v = d.variables[first]
            flip(v, v.shape[0] // 2, 0)
        elif kind == "flip_fire_t":
            v = d.variables["fire_t"]
            flip(v, v.shape[0] // 2, 60)
        elif kind == "shift_step":
            d.setncattr("step", float(d.getncattr("step")) + 5)
        elif kind == "shift_both":
            dt = float(d.getncattr("dt_ms"))
            d.setncattr("step", float(d.getncattr("step")) + 5)
            d.setncattr("time_ms", float(d.getncattr("time_ms")) + 5 * dt)
        elif kind == "records0":
            d.setncattr("output_records", 0.0)
        elif kind == "records1e20":
            d.setncattr("output_records", 1e20)
        elif kind == "spikes1e12":
            d.setncattr("output_spikes", 1e12)
        elif kind == "nan_fire_t":
            v = d.variables["fire_t"]
            v[v.shape[0] // 2] = np.nan
        else:
            sys.exit("unknown damage '%s'" % kind)


if __name__ == "__main__":
    main()
