#include "core/env/quadruped/mujoco_model.h"

#include "core/error.h"

namespace calf::core::env::quadruped {
namespace {

std::string Shape(const mjModel* m) {
  return "nq " + std::to_string(m->nq) + ", nv " + std::to_string(m->nv) + ", nu " +
         std::to_string(m->nu) + ", " + std::to_string(m->njnt) + " joints";
}

// Empty when the model has calf's quadruped shape, else what differs.
std::string ShapeProblem(const mjModel* m) {
  if (m->nq != kNq || m->nv != kNv || m->nu != kJoints || m->njnt != kJoints + 1) {
    return "has " + Shape(m) + "; the quadruped needs nq 19, nv 18, nu 12, 13 joints";
  }
  if (m->jnt_type[0] != mjJNT_FREE) return "its first joint is not a free joint (the torso's)";
  for (int j = 0; j < kJoints; ++j) {
    if (m->jnt_type[j + 1] != mjJNT_HINGE) {
      return "joint " + std::to_string(j + 1) + " is not a hinge";
    }
    if (m->actuator_trntype[j] != mjTRN_JOINT || m->actuator_trnid[2 * j] != j + 1) {
      return "actuator " + std::to_string(j) + " does not drive hinge " + std::to_string(j + 1) +
             " (actuator j must drive the j-th hinge, in qpos order)";
    }
    if (!(m->actuator_gear[6 * j] > 0.0)) {
      return "actuator " + std::to_string(j) + " has gear <= 0";
    }
  }
  return "";
}

}  // namespace

MujocoModel::MujocoModel(const std::string& path, double timestep) : path_(path) {
  char error[1000] = "";
  model_ = mj_loadXML(path.c_str(), nullptr, error, sizeof error);
  if (model_ == nullptr) {
    // MuJoCo's message spans lines ("Error: ...\nObject name = ..."): calf prints one line
    std::string reason = error[0] ? error : "MuJoCo gave no reason";
    for (char& c : reason) {
      if (c == '\n' || c == '\r') c = ' ';
    }
    throw ConfigError("quadruped.model '" + path + "' does not load: " + reason +
                      "; fix the MJCF or set quadruped.model to data/quadruped/quadruped.xml");
  }
  const std::string problem = ShapeProblem(model_);
  if (!problem.empty()) {
    mj_deleteModel(model_);
    model_ = nullptr;
    throw ConfigError("quadruped.model '" + path + "' " + problem +
                      "; use a model shaped like data/quadruped/quadruped.xml");
  }
  model_->opt.timestep = timestep;
}

MujocoModel::~MujocoModel() {
  if (model_ != nullptr) mj_deleteModel(model_);
}

DataPool::DataPool(const mjModel* model) : model_(model) {}

DataPool::~DataPool() {
  for (mjData* d : all_) mj_deleteData(d);
}

mjData* DataPool::Acquire() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!free_.empty()) {
    mjData* d = free_.back();
    free_.pop_back();
    return d;
  }
  mjData* d = mj_makeData(model_);  // MuJoCo's own error handler ends the process on failure
  all_.push_back(d);
  return d;
}

void DataPool::Release(mjData* d) {
  std::lock_guard<std::mutex> lock(mutex_);
  free_.push_back(d);
}

size_t DataPool::DataBytes(const mjModel* model) {
  return static_cast<size_t>(model->nbuffer) + sizeof(mjtNum) * static_cast<size_t>(model->nstack);
}

}  // namespace calf::core::env::quadruped
