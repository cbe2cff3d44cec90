#include "core/train/ppo/adam_state.h"

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/train/binary_io.h"

namespace calf::core::train {
namespace {

std::vector<torch::Tensor> Parameters(torch::optim::Adam& opt) {
  std::vector<torch::Tensor> params;
  for (const torch::optim::OptimizerParamGroup& g : opt.param_groups())
    params.insert(params.end(), g.params().begin(), g.params().end());
  return params;
}

void WriteTensor(std::ostream& out, const torch::Tensor& t) {
  const torch::Tensor c = t.detach().to(torch::kFloat32).contiguous();
  WriteArray(out, c.data_ptr<float>(), c.numel());
}

// a moment as Adam's next step needs it: finite, and for the second moment not negative (its
// square root divides the step)
torch::Tensor ReadMoment(std::istream& in, const torch::Tensor& like, bool second) {
  torch::Tensor t = torch::empty_like(like, torch::TensorOptions().dtype(torch::kFloat32));
  ReadArray(in, t.data_ptr<float>(), t.numel());
  if (!torch::isfinite(t).all().item<bool>() || (second && (t < 0).any().item<bool>()))
    throw IoError("checkpoint is corrupt (optimiser state: a moment is not finite or negative)");
  return t;
}

// LibTorch's key of a parameter's state: its tensor's address as text
std::string Key(const torch::Tensor& p) { return c10::guts::to_string(p.unsafeGetTensorImpl()); }

}  // namespace

void WriteAdamState(std::ostream& out, torch::optim::Adam& opt) {
  const std::vector<torch::Tensor> params = Parameters(opt);
  WritePod<int64_t>(out, static_cast<int64_t>(params.size()));
  for (const torch::Tensor& p : params) {
    const auto it = opt.state().find(Key(p));
    WritePod<uint8_t>(out, it != opt.state().end() ? 1 : 0);
    WritePod<int64_t>(out, p.numel());
    if (it == opt.state().end()) continue;
    const auto& s = static_cast<const torch::optim::AdamParamState&>(*it->second);
    WritePod<int64_t>(out, s.step());
    WriteTensor(out, s.exp_avg());
    WriteTensor(out, s.exp_avg_sq());
  }
}

void ReadAdamState(std::istream& in, torch::optim::Adam& opt) {
  const std::vector<torch::Tensor> params = Parameters(opt);
  const auto n = ReadPod<int64_t>(in);
  if (n != static_cast<int64_t>(params.size()))
    throw IoError("checkpoint is corrupt (optimiser state: parameter count)");
  auto& state = opt.state();
  state.clear();
  for (const torch::Tensor& p : params) {
    const bool has_state = ReadPod<uint8_t>(in) != 0;
    if (ReadPod<int64_t>(in) != p.numel())
      throw IoError("checkpoint is corrupt (optimiser state: parameter size)");
    if (!has_state) continue;
    auto s = std::make_unique<torch::optim::AdamParamState>();
    const auto step = ReadPod<int64_t>(in);
    if (step < 0) throw IoError("checkpoint is corrupt (optimiser state: step count)");
    s->step(step);
    s->exp_avg(ReadMoment(in, p, false));
    s->exp_avg_sq(ReadMoment(in, p, true));
    state[Key(p)] = std::move(s);
  }
}

}  // namespace calf::core::train
