#pragma once
// One classic Runge-Kutta 4 step for the small ODEs of calf's families, action held
// constant. Shared by the families so that each evaluates the same arithmetic (the run files
// of earlier versions are reproduced bit for bit).

namespace calf::core::env {

/// out = s + dt/6·(k1 + 2k2 + 2k3 + k4) with k = f(state) for the D-dimensional state `s`;
/// `f(const double* x, double* dx)` writes the derivative at x. `out` may not alias `s`.
template <int D, typename Derivative>
inline void Rk4Step(const double* s, double dt, const Derivative& f, double* out) {
  double k1[D], k2[D], k3[D], k4[D], tmp[D];
  f(s, k1);
  for (int i = 0; i < D; ++i) tmp[i] = s[i] + 0.5 * dt * k1[i];
  f(tmp, k2);
  for (int i = 0; i < D; ++i) tmp[i] = s[i] + 0.5 * dt * k2[i];
  f(tmp, k3);
  for (int i = 0; i < D; ++i) tmp[i] = s[i] + dt * k3[i];
  f(tmp, k4);
  for (int i = 0; i < D; ++i)
    out[i] = s[i] + dt / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]);
}

}  // namespace calf::core::env
