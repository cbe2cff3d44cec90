#include "core/train/ppo/world_model.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/script.h>

#include <cmath>
#include <sstream>

#include "core/error.h"
#include "core/io/output_file.h"
#include "core/policy/torch_model.h"
#include "core/train/binary_io.h"
#include "core/train/ppo/adam_state.h"

namespace calf::core::train {
namespace {

// the layers in order: {in, out} and the input each one reads
enum Layer { kEnc0, kEnc1, kDyn0, kDyn1, kReward, kDone, kDec, kLayers };

torch::Tensor Linear(const torch::Tensor& x, const torch::Tensor& w, const torch::Tensor& b) {
  return torch::addmm(b, x, w.t());
}

}  // namespace

WorldModel::WorldModel(int obs_dim, int action_dim, double lr, uint64_t seed) {
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  torch::NoGradGuard no_grad;
  const int sizes[kLayers][2] = {{obs_dim, 256}, {256, 128}, {128 + action_dim, 256}, {256, 128},
                                 {128, 1},       {128, 1},   {128, obs_dim}};
  for (const auto& s : sizes) {
    const double bound = 1.0 / std::sqrt(static_cast<double>(s[0]));
    torch::Tensor w = torch::rand({s[1], s[0]}, gen, torch::kFloat32) * (2 * bound) - bound;
    torch::Tensor b = torch::rand({s[1]}, gen, torch::kFloat32) * (2 * bound) - bound;
    w.set_requires_grad(true);
    b.set_requires_grad(true);
    w_.push_back(w);
    b_.push_back(b);
    params_.push_back(w);
    params_.push_back(b);
  }
  opt_ = std::make_unique<torch::optim::Adam>(params_, torch::optim::AdamOptions(lr));
}

WorldModel::~WorldModel() = default;

WorldModel::Prediction WorldModel::Predict(const torch::Tensor& obs,
                                           const torch::Tensor& action) const {
  torch::Tensor z = torch::relu(Linear(obs, w_[kEnc0], b_[kEnc0]));
  z = torch::relu(Linear(z, w_[kEnc1], b_[kEnc1]));
  torch::Tensor y = torch::relu(Linear(torch::cat({z, action}, 1), w_[kDyn0], b_[kDyn0]));
  y = torch::relu(Linear(y, w_[kDyn1], b_[kDyn1]));
  Prediction p;
  p.reward = Linear(y, w_[kReward], b_[kReward]).squeeze(1);
  p.done_logit = Linear(y, w_[kDone], b_[kDone]).squeeze(1);
  p.next_obs = Linear(y, w_[kDec], b_[kDec]);
  return p;
}

namespace {

struct LossTensors {
  torch::Tensor obs, reward, done;
};

LossTensors Compute(const WorldModel::Prediction& p, const torch::Tensor& next_obs,
                    const torch::Tensor& reward, const torch::Tensor& done) {
  return {torch::mse_loss(p.next_obs, next_obs), torch::mse_loss(p.reward, reward),
          torch::binary_cross_entropy_with_logits(p.done_logit, done)};
}

}  // namespace

WorldModel::Losses WorldModel::Evaluate(const torch::Tensor& obs, const torch::Tensor& action,
                                        const torch::Tensor& next_obs, const torch::Tensor& reward,
                                        const torch::Tensor& done) const {
  torch::NoGradGuard no_grad;
  const LossTensors l = Compute(Predict(obs, action), next_obs, reward, done);
  return {l.obs.item<double>(), l.reward.item<double>(), l.done.item<double>()};
}

WorldModel::Losses WorldModel::TrainStep(const torch::Tensor& obs, const torch::Tensor& action,
                                         const torch::Tensor& next_obs, const torch::Tensor& reward,
                                         const torch::Tensor& done) {
  const LossTensors l = Compute(Predict(obs, action), next_obs, reward, done);
  opt_->zero_grad();
  (l.obs + l.reward + l.done).backward();
  opt_->step();
  return {l.obs.item<double>(), l.reward.item<double>(), l.done.item<double>()};
}

void WorldModel::Write(std::ostream& out) const {
  for (const torch::Tensor& p : params_) {
    const torch::Tensor c = p.detach().contiguous();
    WritePod<int64_t>(out, c.numel());
    WriteArray(out, c.data_ptr<float>(), c.numel());
  }
  WriteAdamState(out, *opt_);
}

void WorldModel::Read(std::istream& in, bool calf_adam) {
  {
    torch::NoGradGuard no_grad;
    for (torch::Tensor& p : params_) {
      const auto n = ReadPod<int64_t>(in);
      if (n != p.numel()) throw IoError("checkpoint is corrupt (world model parameter size)");
      ReadArray(in, p.data_ptr<float>(), n);
    }
  }
  if (calf_adam) {
    ReadAdamState(in, *opt_);
    return;
  }
  // checkpoint version 3: LibTorch's archive (torch::save), read by LibTorch
  std::istringstream adam(ReadString(in));
  try {
    torch::load(*opt_, adam);
  } catch (const std::exception& e) {
    throw IoError("checkpoint is corrupt (world model optimiser state: " + OneLine(e.what(), 120) +
                  ")");
  }
}

void WorldModel::ExportTorchScript(OutputFile& out) const {
  torch::jit::Module m("CalfWorldModel");
  const char* names[kLayers] = {"enc0", "enc1", "dyn0", "dyn1", "reward", "done", "dec"};
  for (int i = 0; i < kLayers; ++i) {
    m.register_parameter(std::string(names[i]) + "_w", w_[i].detach().clone(), false);
    m.register_parameter(std::string(names[i]) + "_b", b_[i].detach().clone(), false);
  }
  m.define(
      "def forward(self, obs: Tensor, action: Tensor) -> Tuple[Tensor, Tensor, Tensor]:\n"
      "        z = torch.relu(torch.addmm(self.enc0_b, obs, self.enc0_w.t()))\n"
      "        z = torch.relu(torch.addmm(self.enc1_b, z, self.enc1_w.t()))\n"
      "        y = torch.relu(torch.addmm(self.dyn0_b, torch.cat([z, action], 1), "
      "self.dyn0_w.t()))\n"
      "        y = torch.relu(torch.addmm(self.dyn1_b, y, self.dyn1_w.t()))\n"
      "        r = torch.addmm(self.reward_b, y, self.reward_w.t()).squeeze(1)\n"
      "        d = torch.sigmoid(torch.addmm(self.done_b, y, self.done_w.t()).squeeze(1))\n"
      "        o = torch.addmm(self.dec_b, y, self.dec_w.t())\n"
      "        return o, r, d\n");
  SaveTorchScript(m, out);
}

}  // namespace calf::core::train
