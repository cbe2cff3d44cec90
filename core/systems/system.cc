#include "core/systems/system.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace calf::core {
namespace {

const SystemSpec kPointMass{SystemKind::kPointMass, "point_mass", 2, 1, {5.0}, "pd"};
const SystemSpec kDifferentialDrive{
    SystemKind::kDifferentialDrive, "differential_drive", 3, 2, {1.0, 2.0}, "move_to_point"};

}  // namespace

SystemKind ParseSystem(const std::string& name) {
  if (name == "point_mass") return SystemKind::kPointMass;
  if (name == "differential_drive" || name == "unicycle") return SystemKind::kDifferentialDrive;
  throw ConfigError("unknown system '" + name + "'; use point_mass or differential_drive");
}

const SystemSpec& GetSystemSpec(SystemKind kind) {
  return kind == SystemKind::kPointMass ? kPointMass : kDifferentialDrive;
}

void ClipAction(const SystemSpec& spec, double* action) {
  for (int j = 0; j < spec.action_dim; ++j) {
    const double lim = spec.max_action[j];
    // NaN actions (a diverged network) become 0, never propagate into the state
    action[j] = std::isnan(action[j]) ? 0.0 : std::clamp(action[j], -lim, lim);
  }
}

double WrapAngle(double angle) {
  // atan2 form is exact at ±π boundaries and handles any number of turns
  return std::atan2(std::sin(angle), std::cos(angle));
}

void StateDerivative(SystemKind kind, const double* s, const double* a, double* ds) {
  if (kind == SystemKind::kPointMass) {
    ds[0] = s[1];
    ds[1] = a[0];
  } else {
    ds[0] = a[0] * std::cos(s[2]);
    ds[1] = a[0] * std::sin(s[2]);
    ds[2] = a[1];
  }
}

void Rk4Step(SystemKind kind, const double* s, const double* a, double dt, double* out) {
  constexpr int kMaxDim = 3;
  const int d = kind == SystemKind::kPointMass ? 2 : 3;
  double k1[kMaxDim], k2[kMaxDim], k3[kMaxDim], k4[kMaxDim], tmp[kMaxDim];

  StateDerivative(kind, s, a, k1);
  for (int i = 0; i < d; ++i) tmp[i] = s[i] + 0.5 * dt * k1[i];
  StateDerivative(kind, tmp, a, k2);
  for (int i = 0; i < d; ++i) tmp[i] = s[i] + 0.5 * dt * k2[i];
  StateDerivative(kind, tmp, a, k3);
  for (int i = 0; i < d; ++i) tmp[i] = s[i] + dt * k3[i];
  StateDerivative(kind, tmp, a, k4);
  for (int i = 0; i < d; ++i)
    out[i] = s[i] + dt / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]);

  if (kind == SystemKind::kDifferentialDrive) out[2] = WrapAngle(out[2]);
}

double Reward(SystemKind kind, const double* s, const double* a) {
  if (kind == SystemKind::kPointMass) {
    return -std::sqrt(s[0] * s[0] + s[1] * s[1]) - 0.01 * a[0] * a[0];
  }
  return -std::sqrt(s[0] * s[0] + s[1] * s[1]) - 0.1 * std::abs(s[2]) -
         0.01 * (a[0] * a[0] + a[1] * a[1]);
}

double GoalDistance(SystemKind /*kind*/, const double* s) {
  // point mass: |(x, v)|; unicycle: |(x, y)|; both are the norm of the first two coordinates
  return std::sqrt(s[0] * s[0] + s[1] * s[1]);
}

bool OutOfBounds(SystemKind kind, const double* s, double limit) {
  if (kind == SystemKind::kPointMass) return std::abs(s[0]) > limit;
  return std::abs(s[0]) > limit || std::abs(s[1]) > limit;
}

}  // namespace calf::core
