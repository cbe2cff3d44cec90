#pragma once
// The quadruped's MuJoCo side: one immutable mjModel (loaded from MJCF and checked against
// the system's dimensions) and a pool of scratch mjData that any thread borrows to step
// agents whose state lives in calf's own arrays (docs/quadruped.md, "Design").

#include <mujoco/mujoco.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace calf::core::env::quadruped {

inline constexpr int kNq = 19;      ///< Free joint (3 + 4) + 12 hinges.
inline constexpr int kNv = 18;      ///< Free joint (3 + 3) + 12 hinges.
inline constexpr int kJoints = 12;  ///< Hinges = motors (ctrl j drives qpos[7 + j]).

/// Owns an mjModel; thread-safe to read.
class MujocoModel {
 public:
  /// Loads `path` (MJCF) and sets the physics step to `timestep` [s]. Throws ConfigError
  /// (exit 2) carrying MuJoCo's own message when the file does not load, and when the model
  /// is not a quadruped of calf's shape: nq 19, nv 18, a free root joint, 12 hinge joints,
  /// 12 actuators, actuator j driving hinge j (in qpos order).
  MujocoModel(const std::string& path, double timestep);
  ~MujocoModel();
  MujocoModel(const MujocoModel&) = delete;
  MujocoModel& operator=(const MujocoModel&) = delete;

  const mjModel* get() const { return model_; }
  const std::string& path() const { return path_; }

 private:
  mjModel* model_ = nullptr;
  std::string path_;
};

/// Scratch mjData for a model, borrowed per block step. Thread-safe (a mutex guards the free
/// list; the lease itself is exclusive). The data's contents carry nothing between leases
/// that matters: the caller copies an agent's whole dynamic state in before stepping.
class DataPool {
 public:
  explicit DataPool(const mjModel* model);
  ~DataPool();
  DataPool(const DataPool&) = delete;
  DataPool& operator=(const DataPool&) = delete;

  /// An mjData borrowed for the lease's lifetime (made on first need; MuJoCo aborts the
  /// process itself if it cannot allocate one).
  class Lease {
   public:
    Lease(DataPool& pool) : pool_(pool), data_(pool.Acquire()) {}
    ~Lease() { pool_.Release(data_); }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    mjData* get() const { return data_; }

   private:
    DataPool& pool_;
    mjData* data_;
  };

  /// Bytes of one mjData's arena (MuJoCo's nstack + buffers), for reports.
  static size_t DataBytes(const mjModel* model);

 private:
  mjData* Acquire();
  void Release(mjData* d);

  const mjModel* model_;
  std::mutex mutex_;
  std::vector<mjData*> free_;
  std::vector<mjData*> all_;
};

}  // namespace calf::core::env::quadruped
