#include "core/policy/recurrent_model.h"

#include <ATen/Parallel.h>
#include <torch/csrc/jit/python/update_graph_executor_opt.h>
#include <torch/script.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.h"
#include "core/io/checksum.h"

namespace calf::core {

struct RecurrentModel::Impl {
  torch::jit::Module module;
  int obs_dim = 0, action_dim = 0;
  std::vector<float> max_action;
};

RecurrentModel::RecurrentModel() : impl_(std::make_unique<Impl>()) {}
RecurrentModel::~RecurrentModel() = default;

namespace {

// forward's arguments after self, or -1 when the file is not a readable module
int ForwardArity(const torch::jit::Module& m) {
  const auto method = m.find_method("forward");
  if (!method) return -1;
  return static_cast<int>(method->function().getSchema().arguments().size()) - 1;
}

torch::jit::Module LoadModule(const std::string& path) {
  at::set_num_threads(1);  // calf parallelises over agents itself
  return torch::jit::load(path);
}

}  // namespace

int RecurrentModel::ForwardArguments(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return -1;
  try {
    // a damaged archive is refused before LibTorch parses it (by the loader that follows)
    std::ifstream in(path, std::ios::binary);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    VerifyZipChecksums(bytes.str(), path, "policy model");
    return ForwardArity(LoadModule(path));
  } catch (const std::exception&) {
    return -1;
  }
}

std::unique_ptr<RecurrentModel> RecurrentModel::Load(const std::string& path,
                                                     const env::EnvSpec& spec) {
  auto fail = [&](const std::string& what) {
    return PolicyError("recurrent policy '" + path + "': " + what);
  };
  {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    try {
      VerifyZipChecksums(bytes.str(), path, "policy model");
    } catch (const IoError& e) {
      throw PolicyError(e.what());
    }
  }
  std::unique_ptr<RecurrentModel> model(new RecurrentModel());
  model->path_ = path;
  Impl& im = *model->impl_;
  try {
    im.module = LoadModule(path);
  } catch (const std::exception& e) {
    throw fail("not a readable TorchScript file (" + OneLine(e.what(), 200) + ")");
  }
  im.module.eval();
  // the plain graph, op by op: the profiling executor would re-specialise it after a few
  // calls, and the numbers must not depend on how many calls came before
  torch::jit::setGraphExecutorOptimize(false);
  if (ForwardArity(im.module) != 3) {
    throw fail("forward must take (obs, h, c); use --policy actor with an MLP actor otherwise");
  }
  if (!im.module.hasattr("hidden_size") || !im.module.attr("hidden_size").isInt()) {
    throw fail("has no int attribute hidden_size");
  }
  const int64_t H = im.module.attr("hidden_size").toInt();
  if (H < 1 || H > 65536) throw fail("hidden_size " + std::to_string(H) + " is out of range");
  model->hidden_ = static_cast<int>(H);
  im.obs_dim = spec.obs_dim;
  im.action_dim = spec.action_dim;
  if (!im.module.hasattr("max_action") || !im.module.attr("max_action").isTensor()) {
    throw fail("has no max_action buffer");
  }
  const torch::Tensor ma = im.module.attr("max_action").toTensor().to(torch::kFloat32).contiguous();
  if (ma.numel() != spec.action_dim) {
    throw fail("has " + std::to_string(ma.numel()) + " actions but system " + spec.name +
               " needs " + std::to_string(spec.action_dim));
  }
  im.max_action.assign(ma.data_ptr<float>(), ma.data_ptr<float>() + spec.action_dim);
  // a probe batch checks the input size and every output's shape
  const int64_t B = 3;
  try {
    torch::NoGradGuard no_grad;
    const auto out = im.module.forward(
        {torch::zeros({B, spec.obs_dim}), torch::zeros({B, H}), torch::zeros({B, H})});
    if (!out.isTuple() || out.toTuple()->elements().size() != 4) {
      throw fail("forward must return (mu, value, h, c)");
    }
    const auto& e = out.toTuple()->elements();
    for (const auto& x : e) {
      if (!x.isTensor()) throw fail("forward must return four tensors");
    }
    const auto shape = [](const torch::Tensor& t) {
      std::string s = "[";
      for (int64_t i = 0; i < t.dim(); ++i) s += (i ? ", " : "") + std::to_string(t.size(i));
      return s + "]";
    };
    const torch::Tensor mu = e[0].toTensor(), h = e[2].toTensor(), c = e[3].toTensor();
    if (mu.dim() != 2 || mu.size(0) != B || mu.size(1) != spec.action_dim) {
      throw fail("mu has shape " + shape(mu) + " for a batch of 3; system " + spec.name +
                 " needs [3, " + std::to_string(spec.action_dim) + "]");
    }
    if (h.sizes() != c.sizes() || h.dim() != 2 || h.size(0) != B || h.size(1) != H) {
      throw fail("returns a recurrent state of shape " + shape(h) + ", not [3, " +
                 std::to_string(H) + "]");
    }
  } catch (const PolicyError&) {
    throw;
  } catch (const std::exception& ex) {
    throw fail("does not run on " + std::to_string(spec.obs_dim) + " observations of system " +
               spec.name + " (" + OneLine(ex.what(), 160) + ")");
  }
  return model;
}

void RecurrentModel::Forward(const float* obs, int64_t batch, float* h, float* c,
                             double* actions) const {
  const Impl& im = *impl_;
  const int64_t H = hidden_;
  torch::NoGradGuard no_grad;
  const auto out = const_cast<torch::jit::Module&>(im.module).forward(
      {torch::from_blob(const_cast<float*>(obs), {batch, im.obs_dim}, torch::kFloat32),
       torch::from_blob(h, {batch, H}, torch::kFloat32),
       torch::from_blob(c, {batch, H}, torch::kFloat32)});
  const auto& e = out.toTuple()->elements();
  const torch::Tensor mu = e[0].toTensor().to(torch::kFloat32).contiguous();
  const torch::Tensor h2 = e[2].toTensor().to(torch::kFloat32).contiguous();
  const torch::Tensor c2 = e[3].toTensor().to(torch::kFloat32).contiguous();
  std::memcpy(h, h2.data_ptr<float>(), sizeof(float) * batch * H);
  std::memcpy(c, c2.data_ptr<float>(), sizeof(float) * batch * H);
  const float* m = mu.data_ptr<float>();
  for (int64_t k = 0; k < batch; ++k) {
    for (int j = 0; j < im.action_dim; ++j) {
      actions[k * im.action_dim + j] =
          static_cast<double>(std::tanh(m[k * im.action_dim + j])) * im.max_action[j];
    }
  }
}

}  // namespace calf::core
