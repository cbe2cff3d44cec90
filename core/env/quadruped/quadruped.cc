#include "core/env/quadruped/quadruped.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "core/config/binder.h"
#include "core/data_dir.h"
#include "core/env/quadruped/mujoco_model.h"
#include "core/random/agent_random.h"

namespace calf::core::env {
namespace quadruped {

std::string DefaultModelPath() { return DataDir() + "/quadruped/quadruped.xml"; }

}  // namespace quadruped

namespace {

using config::Range;
using namespace quadruped;

constexpr int kD = kNq + kNv;  // qpos then qvel
constexpr int kM = kJoints;
constexpr int kObs = 37;
constexpr int kErr = 3 + kJoints + kNv;

// unit quaternion (w, x, y, z) of qpos[3:7]; identity when it is zero
void UnitQuat(const double* q, double* u) {
  const double n = std::sqrt(q[0] * q[0] + q[1] * q[1] + q[2] * q[2] + q[3] * q[3]);
  for (int i = 0; i < 4; ++i) u[i] = n > 0.0 ? q[i] / n : (i == 0 ? 1.0 : 0.0);
}

// world-frame up vector of the torso: the third column of R(q)
void UpVector(const double* u, double* up) {
  const double w = u[0], x = u[1], y = u[2], z = u[3];
  up[0] = 2.0 * (x * z + w * y);
  up[1] = 2.0 * (y * z - w * x);
  up[2] = 1.0 - 2.0 * (x * x + y * y);
}

// R(q)^T v: a world vector in the body frame
void ToBody(const double* u, const double* v, double* out) {
  const double w = u[0], x = u[1], y = u[2], z = u[3];
  const double r[3][3] = {{1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)},
                          {2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)},
                          {2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)}};
  for (int i = 0; i < 3; ++i) out[i] = r[0][i] * v[0] + r[1][i] * v[1] + r[2][i] * v[2];
}

// the lowest point of the model's body geoms (not the world's) at d's kinematics [m]
double LowestPoint(const mjModel* m, const mjData* d) {
  double low = 1e300;
  for (int g = 0; g < m->ngeom; ++g) {
    if (m->geom_bodyid[g] == 0) continue;
    const double* p = d->geom_xpos + 3 * g;
    const double* r = d->geom_xmat + 9 * g;  // row-major; row 2 = world z of the axes
    const double* s = m->geom_size + 3 * g;
    double z;
    switch (m->geom_type[g]) {
      case mjGEOM_SPHERE:
        z = p[2] - s[0];
        break;
      case mjGEOM_CAPSULE:
        z = p[2] - std::abs(r[8]) * s[1] - s[0];
        break;
      case mjGEOM_BOX:
        z = p[2] - std::abs(r[6]) * s[0] - std::abs(r[7]) * s[1] - std::abs(r[8]) * s[2];
        break;
      default:
        z = p[2] - m->geom_rbound[g];
        break;
    }
    low = std::min(low, z);
  }
  return low;
}

// the drawable kind of a MuJoCo geom type; false for planes, height fields and meshes
bool ShapeKindOf(int type, ShapeKind* kind) {
  switch (type) {
    case mjGEOM_SPHERE:
      *kind = ShapeKind::kSphere;
      return true;
    case mjGEOM_CAPSULE:
      *kind = ShapeKind::kCapsule;
      return true;
    case mjGEOM_ELLIPSOID:
      *kind = ShapeKind::kEllipsoid;
      return true;
    case mjGEOM_CYLINDER:
      *kind = ShapeKind::kCylinder;
      return true;
    case mjGEOM_BOX:
      *kind = ShapeKind::kBox;
      return true;
    default:
      return false;
  }
}

struct Params {
  int substeps;
  double stand[3];  // abduction, hip, knee
  double noise, goal_distance;
  double w_up, w_height, w_goal, w_energy;
  double min_height, cos_max_tilt;
  double kp, kd;

  explicit Params(const EnvParams& p) {
    const auto q = [&p](const char* name) { return p.param("quadruped", name); };
    substeps = static_cast<int>(q("substeps"));
    stand[0] = q("standing_abduction");
    stand[1] = q("standing_hip");
    stand[2] = q("standing_knee");
    noise = q("reset_joint_noise");
    goal_distance = q("goal_distance");
    w_up = q("upright_weight");
    w_height = q("height_weight");
    w_goal = q("goal_weight");
    w_energy = q("energy_weight");
    min_height = q("min_height");
    cos_max_tilt = std::cos(q("max_tilt"));
    kp = p.gain("quadruped_kp");
    kd = p.gain("quadruped_kd");
  }
};

std::string ModelPath(const EnvParams& p) {
  const std::string& path = p.text("quadruped", "model");
  return path.empty() ? DefaultModelPath() : path;
}

class QuadrupedEnv final : public Environment {
 public:
  QuadrupedEnv(const EnvSpec& spec, const EnvParams& p)
      : Environment(spec, p), q_(p), model_(ModelPath(p), p.dt / q_.substeps), pool_(model_.get()) {
    const mjModel* m = model_.get();
    for (int j = 0; j < kJoints; ++j) {
      stand_[j] = q_.stand[j % 3];
      gear_[j] = m->actuator_gear[6 * j];
      lo_[j] = m->jnt_range[2 * (j + 1)];
      hi_[j] = m->jnt_range[2 * (j + 1) + 1];
      if (m->jnt_limited[j + 1] == 0) {
        lo_[j] = -1e300;
        hi_[j] = 1e300;
      }
    }
    // the nominal torso height: the standing pose's lowest point on the floor
    double qpos[kNq];
    height_ = -StandingOffset(stand_, qpos);
  }

  void Observe(const AgentBlock& b, float* obs) const override {
    for (int64_t k = 0; k < b.count; ++k) {
      const double* qpos = b.state + k * kD;
      const double* qvel = qpos + kNq;
      const double* e = b.env_state + k * kEnvDim;
      float* o = obs + k * kObs;
      double u[4], v[3], g[3];
      UnitQuat(qpos + 3, u);
      o[0] = static_cast<float>(qpos[2]);
      for (int i = 0; i < 4; ++i) o[1 + i] = static_cast<float>(u[i]);
      ToBody(u, qvel, v);
      for (int i = 0; i < 3; ++i) o[5 + i] = static_cast<float>(v[i]);
      for (int i = 0; i < 3; ++i) o[8 + i] = static_cast<float>(qvel[3 + i]);
      for (int j = 0; j < kJoints; ++j) {
        o[11 + j] = static_cast<float>(qpos[7 + j]);
        o[23 + j] = static_cast<float>(qvel[6 + j]);
      }
      GoalDirection(qpos, e, u, g);
      o[35] = static_cast<float>(g[0]);
      o[36] = static_cast<float>(g[1]);
    }
  }

  void Nominal(const AgentBlock& b, double* actions) const override {
    for (int64_t k = 0; k < b.count; ++k) {
      const double* qpos = b.state + k * kD;
      const double* qvel = qpos + kNq;
      for (int j = 0; j < kJoints; ++j) {
        const double torque = q_.kp * (stand_[j] - qpos[7 + j]) - q_.kd * qvel[6 + j];
        actions[k * kM + j] = torque / gear_[j];
      }
    }
    ClipActions(actions, b.count);
  }

  void Error(const AgentBlock& b, double* err) const override {
    for (int64_t k = 0; k < b.count; ++k) {
      const double* qpos = b.state + k * kD;
      double* e = err + k * kErr;
      double u[4], up[3];
      UnitQuat(qpos + 3, u);
      UpVector(u, up);
      e[0] = qpos[2] - height_;
      e[1] = up[0];
      e[2] = up[1];
      for (int j = 0; j < kJoints; ++j) e[3 + j] = qpos[7 + j] - stand_[j];
      for (int i = 0; i < kNv; ++i) e[3 + kJoints + i] = qpos[kNq + i];
    }
  }

  // every geom of the model's bodies (the world's floor plane left out: renderers draw their
  // own floor), placed by MuJoCo's forward kinematics of the agent's qpos
  void BodyShapes(const AgentBlock& b, std::vector<BodyShape>* shapes) const override {
    const mjModel* m = model_.get();
    DataPool::Lease lease(pool_);
    mjData* d = lease.get();
    for (int64_t k = 0; k < b.count; ++k) {
      const double* qpos = b.state + k * kD;
      if (!AllFinite(qpos, kNq)) continue;  // nothing sensible to draw
      std::memcpy(d->qpos, qpos, sizeof(double) * kNq);
      mj_kinematics(m, d);
      for (int g = 0; g < m->ngeom; ++g) {
        ShapeKind kind;
        if (m->geom_bodyid[g] == 0 || !ShapeKindOf(m->geom_type[g], &kind)) continue;
        BodyShape s;
        s.agent = k;
        s.kind = kind;
        std::copy(m->geom_size + 3 * g, m->geom_size + 3 * g + 3, s.size);
        std::copy(d->geom_xpos + 3 * g, d->geom_xpos + 3 * g + 3, s.pos);
        std::copy(d->geom_xmat + 9 * g, d->geom_xmat + 9 * g + 9, s.rot);
        // MuJoCo's rule: a geom with a material and the default grey takes the material's
        const float* rgba = m->geom_rgba + 4 * g;
        const int mat = m->geom_matid[g];
        if (mat >= 0 && rgba[0] == 0.5F && rgba[1] == 0.5F && rgba[2] == 0.5F && rgba[3] == 1.0F) {
          rgba = m->mat_rgba + 4 * mat;
        }
        std::copy(rgba, rgba + 4, s.rgba);
        shapes->push_back(s);
      }
    }
  }

  void Reset(const AgentBlock& b, uint64_t seed, const uint64_t* counters,
             const uint8_t* which) const override {
    for (int64_t k = 0; k < b.count; ++k) {
      if (which != nullptr && which[k] == 0) continue;
      const AgentRandom rng(seed, static_cast<uint64_t>(b.first + k));
      double joints[kJoints];
      for (int j = 0; j < kJoints; ++j) {
        const double u = rng.Uniform(counters[k], DrawPurpose::kReset, static_cast<uint32_t>(j));
        joints[j] = std::clamp(stand_[j] + q_.noise * (2.0 * u - 1.0), lo_[j], hi_[j]);
      }
      double* s = b.state + k * kD;
      const double low = StandingOffset(joints, s);
      s[2] = -low;  // the lowest point touches the floor
      std::fill(s + kNq, s + kD, 0.0);
      double* e = b.env_state + k * kEnvDim;
      const double angle = 2.0 * M_PI * rng.Uniform(counters[k], DrawPurpose::kGoal, 0);
      e[kGoalX] = q_.goal_distance * std::cos(angle);
      e[kGoalY] = q_.goal_distance * std::sin(angle);
      // e[kContacts] is left: it is the last step's output (EnvSpec::contacts_index)
      std::fill(e + kWarmstart, e + kEnvDim, 0.0);
    }
  }

 protected:
  void Advance(const AgentBlock& b, const double* actions, const StepOutput& out) const override {
    DataPool::Lease lease(pool_);
    mjData* d = lease.get();
    const mjModel* m = model_.get();
    for (int64_t k = 0; k < b.count; ++k) {
      double* s = b.state + k * kD;
      double* e = b.env_state + k * kEnvDim;
      const double* a = actions + k * kM;
      if (!AllFinite(s, kD) || !AllFinite(e + kWarmstart, kNv)) {
        // MuJoCo would silently reset such a state; calf ends the episode instead
        out.reward[k] = 0.0;
        out.done[k] = DoneReason::kOutOfBounds;
        continue;
      }
      std::memcpy(d->qpos, s, sizeof(double) * kNq);
      std::memcpy(d->qvel, s + kNq, sizeof(double) * kNv);
      std::memcpy(d->qacc_warmstart, e + kWarmstart, sizeof(double) * kNv);
      std::memcpy(d->ctrl, a, sizeof(double) * kM);
      d->time = 0.0;
      for (int w = 0; w < mjNWARNING; ++w) d->warning[w].number = 0;
      for (int i = 0; i < q_.substeps; ++i) mj_step(m, d);
      const bool rejected = d->warning[mjWARN_BADQPOS].number > 0 ||
                            d->warning[mjWARN_BADQVEL].number > 0 ||
                            d->warning[mjWARN_BADQACC].number > 0;
      std::memcpy(s, d->qpos, sizeof(double) * kNq);
      std::memcpy(s + kNq, d->qvel, sizeof(double) * kNv);
      std::memcpy(e + kWarmstart, d->qacc_warmstart, sizeof(double) * kNv);
      e[kContacts] = d->ncon;
      out.reward[k] = Reward(s, e, a);
      out.done[k] = rejected || Fallen(s) ? DoneReason::kOutOfBounds : DoneReason::kNone;
    }
  }

 private:
  static bool AllFinite(const double* v, int n) {
    for (int i = 0; i < n; ++i) {
      if (!std::isfinite(v[i])) return false;
    }
    return true;
  }

  // unit horizontal direction to the goal in the body frame (zero at the goal)
  static void GoalDirection(const double* qpos, const double* e, const double* u, double* g) {
    double w[3] = {e[kGoalX] - qpos[0], e[kGoalY] - qpos[1], 0.0};
    const double n = std::hypot(w[0], w[1]);
    if (n > 0.0) {
      w[0] /= n;
      w[1] /= n;
    }
    ToBody(u, w, g);
  }

  double Reward(const double* s, const double* e, const double* a) const {
    double u[4], up[3];
    UnitQuat(s + 3, u);
    UpVector(u, up);
    double energy = 0.0;
    for (int j = 0; j < kM; ++j) energy += a[j] * a[j];
    double r = q_.w_up * up[2] - q_.w_height * std::abs(s[2] - height_) - q_.w_energy * energy;
    if (q_.w_goal != 0.0) {
      // speed toward the goal point [m/s]
      const double dx = e[kGoalX] - s[0], dy = e[kGoalY] - s[1], n = std::hypot(dx, dy);
      if (n > 0.0) r += q_.w_goal * (s[kNq] * dx + s[kNq + 1] * dy) / n;
    }
    return r;
  }

  bool Fallen(const double* s) const {
    double u[4], up[3];
    UnitQuat(s + 3, u);
    UpVector(u, up);
    return !(s[2] >= q_.min_height) || !(up[2] >= q_.cos_max_tilt) || !AllFinite(s, kD);
  }

  // writes the upright pose with `joints` and the torso at the origin into qpos [kNq] and
  // returns its lowest point's height (negative: below the torso)
  double StandingOffset(const double* joints, double* qpos) const {
    DataPool::Lease lease(pool_);
    mjData* d = lease.get();
    const double upright[7] = {0, 0, 0, 1, 0, 0, 0};
    std::copy(upright, upright + 7, qpos);
    std::copy(joints, joints + kJoints, qpos + 7);
    std::memcpy(d->qpos, qpos, sizeof(double) * kNq);
    mj_kinematics(model_.get(), d);
    return LowestPoint(model_.get(), d);
  }

  Params q_;
  MujocoModel model_;
  mutable DataPool pool_;  // internally synchronised scratch; holds no agent's state
  double stand_[kJoints], gear_[kJoints], lo_[kJoints], hi_[kJoints];
  double height_ = 0.0;
};

std::unique_ptr<Environment> Make(const EnvParams& params) {
  return std::make_unique<QuadrupedEnv>(QuadrupedFamily().spec, params);
}

std::string Num(double v) { return config::FormatNumber(v); }

void Check(const EnvParams& p, const config::Binder& b) {
  const double substeps = p.param("quadruped", "substeps");
  if (substeps != std::floor(substeps)) {
    b.Fail("substeps", "= " + Num(substeps) + " must be a whole number of physics steps");
  }
  if (p.dt / substeps > 0.01) {
    b.Fail("substeps", "= " + Num(substeps) + " makes a physics step of dt / substeps = " +
                           Num(p.dt / substeps) + " s; MuJoCo needs <= 0.01 s: raise it");
  }
}

}  // namespace

EnvFamily QuadrupedFamily() {
  EnvSpec s;
  s.name = "quadruped";
  s.summary = "12-motor quadruped on MuJoCo balancing upright (optional goal progress)";
  s.state_dim = kD;
  s.obs_dim = kObs;
  s.action_dim = kM;
  s.env_state_dim = kEnvDim;
  s.error_dim = kErr;
  s.goal_dim = 2;
  // PPO: 30 / 200 updates of 64 x 128 steps with 500-step episodes (10 s at 20 ms), the
  // budget the shipped data/models/quadruped/ppo policy was trained with; rewards ~1 per step
  s.training = {500, 0.01, 30 * 8192, 200 * 8192};
  s.contacts_index = kContacts;
  s.max_action.assign(kM, 1.0);
  s.state_names = {"x", "y", "z", "qw", "qx", "qy", "qz"};
  const char* legs[4] = {"FL", "FR", "HL", "HR"};
  const char* joints[3] = {"abduction", "hip", "knee"};
  for (const char* leg : legs) {
    for (const char* j : joints) s.state_names.push_back(std::string(leg) + "_" + j);
  }
  for (const char* v : {"vx", "vy", "vz", "wx", "wy", "wz"}) s.state_names.push_back(v);
  for (const char* leg : legs) {
    for (const char* j : joints) s.state_names.push_back(std::string("d") + leg + "_" + j);
  }
  s.nominal_policy = "standing_pd";
  s.nominal_gains = {
      {"quadruped_kp", 100.0, "standing_pd joint stiffness [N m/rad]", Range::AtLeast(0.0)},
      {"quadruped_kd", 2.0, "standing_pd joint damping [N m s/rad]", Range::AtLeast(0.0)}};
  const Range pos = Range::Above(0.0), nonneg = Range::AtLeast(0.0), any = Range::Any();
  s.params = {
      {"substeps", 5.0, "MuJoCo steps per control step (physics step = dt / substeps)",
       Range::Closed(1.0, 1000.0)},
      {"standing_abduction", 0.0, "standing pose, hip abduction of every leg [rad]", any},
      {"standing_hip", 0.7, "standing pose, hip angle of every leg [rad]", any},
      {"standing_knee", -1.4, "standing pose, knee angle of every leg [rad]", any},
      {"reset_joint_noise", 0.1, "resets add U(-r, r) to every standing joint angle [rad]", nonneg},
      {"goal_distance", 5.0, "resets put the goal this far from the torso [m]", pos},
      {"upright_weight", 1.0, "reward per step x the torso up-vector's z component", nonneg},
      {"height_weight", 1.0, "penalty per metre of |torso height - standing height|", nonneg},
      {"goal_weight", 0.0, "reward per m/s of torso speed toward the goal (0 = balance only)",
       nonneg},
      {"energy_weight", 0.01, "penalty x the sum of squared normalised torques", nonneg},
      {"min_height", 0.15, "a torso below this height has fallen (terminal) [m]", nonneg},
      {"max_tilt", 1.0, "a torso tilted beyond this from upright has fallen (terminal) [rad]",
       Range::OpenClosed(0.0, M_PI)},
  };
  s.text_params = {
      {"model", "", "MJCF file of the quadruped; \"\" = the shipped data/quadruped/quadruped.xml"}};
  return {s, &Make, &Check};
}

}  // namespace calf::core::env
