: Traub-Miles Na and K channels of the COBAHH benchmark (Brette et al. 2007,
: benchmark 3; psst docs/models.md §11.2, kind cobahh), written for the psst peer
: benchmark (benchmarks/peers). Leak is NEURON's pas (g 5e-5 S/cm2, e -60 mV).
: No temperature factor (phi = 1). Gates start at 0 as in Brian's COBAHH.
NEURON {
  SUFFIX tmhh
  USEION na READ ena WRITE ina
  USEION k READ ek WRITE ik
  RANGE gnabar, gkbar, vt
}
UNITS {
  (mA) = (milliamp)
  (mV) = (millivolt)
  (S) = (siemens)
}
PARAMETER {
  gnabar = 0.1 (S/cm2)
  gkbar = 0.03 (S/cm2)
  vt = -63 (mV)
}
ASSIGNED {
  v (mV)
  ena (mV)
  ek (mV)
  ina (mA/cm2)
  ik (mA/cm2)
  am (/ms) bm (/ms) ah (/ms) bh (/ms) an (/ms) bn (/ms)
}
STATE { m h n }
BREAKPOINT {
  SOLVE states METHOD cnexp
  ina = gnabar*m*m*m*h*(v - ena)
  ik = gkbar*n*n*n*n*(v - ek)
}
INITIAL {
  m = 0
  h = 0
  n = 0
}
DERIVATIVE states {
  rates(v)
  m' = am*(1 - m) - bm*m
  h' = ah*(1 - h) - bh*h
  n' = an*(1 - n) - bn*n
}
PROCEDURE rates(v (mV)) {
  LOCAL u
  u = v - vt
  am = 0.32*vtrap(13 - u, 4)
  bm = 0.28*vtrap(u - 40, 5)
  ah = 0.128*exp((17 - u)/18)
  bh = 4/(1 + exp((40 - u)/5))
  an = 0.032*vtrap(15 - u, 5)
  bn = 0.5*exp((10 - u)/40)
}
FUNCTION vtrap(x, y) {
  : x/(exp(x/y) - 1) without the removable singularity at x = 0
  if (fabs(x/y) < 1e-6) {
    vtrap = y*(1 - x/y/2)
  } else {
    vtrap = x/(exp(x/y) - 1)
  }
}
