#include "core/policy/torch_model.h"

#include <torch/script.h>
#include <torch/torch.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <random>
#include <sstream>

#include "core/error.h"
#include "core/io/checksum.h"
#include "core/io/output_file.h"

namespace calf::core {
namespace {

// LibTorch's intra-op pool only adds overhead at calf's batch sizes and would compete with
// calf's own OpenMP loops; set it once, before any other torch call
void EnsureTorchThreads() {
  static std::once_flag once;
  std::call_once(once, [] { torch::set_num_threads(1); });
}

std::string TypeName(const torch::jit::Module& m) {
  auto t = m.type();
  return t && t->name() ? t->name()->qualifiedName() : "";
}

// last dotted component without TorchScript's ___torch_mangle_N prefix
std::string ShortTypeName(const std::string& qualified) {
  std::string last = qualified.substr(qualified.rfind('.') + 1);
  return last;
}

void CheckLayerTypes(const torch::jit::Module& m, const std::string& path) {
  for (const auto& sub : m.named_modules()) {
    if (sub.name.empty()) continue;  // the root: any user class
    const std::string qual = TypeName(sub.value);
    const std::string name = ShortTypeName(qual);
    static const char* kKnown[] = {"Linear",     "ReLU",       "Tanh",
                                   "Sequential", "ModuleList", "Identity"};
    bool known = false;
    for (const char* k : kKnown) known = known || name == k;
    // user containers (not torch.nn builtins) are fine; the probe check below verifies them
    if (!known && qual.find("torch.nn.modules") != std::string::npos) {
      throw PolicyError("model '" + path + "': layer '" + sub.name + "' has unsupported type " +
                        name + "; calf understands Linear, ReLU and Tanh MLPs");
    }
  }
}

Eigen::MatrixXf ToEigen(const at::Tensor& t) {
  at::Tensor c = t.detach().to(torch::kFloat32).contiguous();
  // torch is row-major [out, in]
  Eigen::Map<const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>> m(
      c.data_ptr<float>(), c.size(0), c.size(1));
  return m;
}

Eigen::VectorXf ToEigenVector(const at::Tensor& t) {
  at::Tensor c = t.detach().to(torch::kFloat32).contiguous().view({-1});
  return Eigen::Map<const Eigen::VectorXf>(c.data_ptr<float>(), c.numel());
}

// Linear layers in parameter order, split into heads: a head ends with a 1-output layer
// (critic) or at the last layer (actor)
std::vector<std::vector<DenseLayer>> ExtractHeads(const torch::jit::Module& m,
                                                  TorchModel::Role role, const std::string& path) {
  std::vector<at::Tensor> params;
  std::vector<std::string> names;
  for (const auto& p : m.named_parameters(/*recurse=*/true)) {
    params.push_back(p.value);
    names.push_back(p.name);
  }
  if (params.empty()) throw PolicyError("model '" + path + "': has no parameters");
  std::vector<DenseLayer> layers;
  for (size_t i = 0; i < params.size(); ++i) {
    if (params[i].dim() != 2) {
      throw PolicyError("model '" + path + "': parameter '" + names[i] +
                        "' is not a Linear weight (shape " + c10::str(params[i].sizes()) +
                        "); calf understands Linear/ReLU/Tanh MLPs");
    }
    DenseLayer l;
    l.weight = ToEigen(params[i]);
    if (i + 1 < params.size() && params[i + 1].dim() == 1 &&
        params[i + 1].size(0) == params[i].size(0)) {
      l.bias = ToEigenVector(params[i + 1]);
      ++i;
    } else {
      l.bias = Eigen::VectorXf::Zero(l.weight.rows());
    }
    layers.push_back(std::move(l));
  }
  std::vector<std::vector<DenseLayer>> heads;
  std::vector<DenseLayer> cur;
  for (auto& l : layers) {
    cur.push_back(std::move(l));
    if (role == TorchModel::Role::kCritic && cur.back().weight.rows() == 1) {
      heads.push_back(std::move(cur));
      cur.clear();
    }
  }
  if (!cur.empty()) {
    if (role == TorchModel::Role::kCritic) {
      throw PolicyError("model '" + path + "': critic head does not end in a 1-output layer");
    }
    heads.push_back(std::move(cur));
  }
  for (auto& h : heads) {
    for (size_t i = 0; i < h.size(); ++i) {
      bool last = i + 1 == h.size();
      h[i].activation =
          !last ? Activation::kRelu
                : (role == TorchModel::Role::kActor ? Activation::kTanh : Activation::kIdentity);
    }
  }
  return heads;
}

Eigen::VectorXf MaxActionOf(const torch::jit::Module& m, const env::EnvSpec& spec) {
  Eigen::VectorXf scale(spec.action_dim);
  for (int j = 0; j < spec.action_dim; ++j) scale[j] = static_cast<float>(spec.max_action[j]);
  if (m.hasattr("max_action")) {
    auto v = m.attr("max_action");
    if (v.isTensor()) {
      Eigen::VectorXf t = ToEigenVector(v.toTensor());
      if (t.size() == 1)
        scale.setConstant(t[0]);
      else if (t.size() == spec.action_dim)
        scale = t;
    } else if (v.isDouble()) {
      scale.setConstant(static_cast<float>(v.toDouble()));
    }
  }
  return scale;
}

at::Tensor FromBuffer(const float* data, int64_t rows, int64_t cols) {
  return torch::from_blob(const_cast<float*>(data), {rows, cols}, torch::kFloat32);
}

std::pair<at::Tensor, at::Tensor> SplitCriticOutput(const c10::IValue& out,
                                                    const std::string& path) {
  if (out.isTuple()) {
    const auto& el = out.toTuple()->elements();
    if (el.size() >= 2 && el[0].isTensor() && el[1].isTensor()) {
      return {el[0].toTensor().reshape({-1}), el[1].toTensor().reshape({-1})};
    }
    if (el.size() == 1 && el[0].isTensor()) {
      auto t = el[0].toTensor().reshape({-1});
      return {t, t};
    }
  } else if (out.isTensor()) {
    auto t = out.toTensor();
    if (t.dim() == 2 && t.size(1) == 2) return {t.select(1, 0), t.select(1, 1)};
    auto f = t.reshape({-1});
    return {f, f};
  }
  throw PolicyError("model '" + path + "': critic forward must return (q1, q2) or a tensor");
}

}  // namespace

struct TorchModel::Impl {
  torch::jit::Module module;
  int state_dim = 0;
  int action_dim = 0;
};

TorchModel::TorchModel() : impl_(std::make_unique<Impl>()) {}
TorchModel::~TorchModel() = default;

std::unique_ptr<TorchModel> TorchModel::Load(const std::string& path, Role role,
                                             const env::EnvSpec& spec) {
  EnsureTorchThreads();
  const char* what = role == Role::kActor ? "actor" : "critic";
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    throw PolicyError(std::string(what) + " model '" + path + "' not found; pass --" + what +
                      " PATH or run from the repository root");
  }
  std::unique_ptr<TorchModel> model(new TorchModel());
  model->role_ = role;
  model->path_ = path;
  // the critic takes the observation and the extras (EnvSpec), the actor the observation
  // (and the extras too when it was trained so: its first layer's width tells)
  int sd = role == Role::kActor ? spec.obs_dim : spec.critic_obs_dim();
  model->impl_->action_dim = spec.action_dim;
  {
    // LibTorch does not check the CRC-32 its zip archive stores for each entry
    std::ifstream in(path, std::ios::binary);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    try {
      VerifyZipChecksums(bytes.str(), path, std::string(what) + " model");
    } catch (const IoError& e) {
      throw PolicyError(e.what());
    }
  }
  try {
    model->impl_->module = torch::jit::load(path);
  } catch (const std::exception& e) {
    std::string msg = e.what();
    msg = msg.substr(0, msg.find('\n'));
    throw PolicyError(std::string(what) + " model '" + path +
                      "' is not a readable TorchScript file (" + msg + ")");
  }
  auto& m = model->impl_->module;
  m.eval();
  CheckLayerTypes(m, path);

  auto heads = ExtractHeads(m, role, path);
  if (role == Role::kActor && !heads.empty() && !heads.front().empty() &&
      heads.front().front().weight.cols() == spec.critic_obs_dim()) {
    sd = spec.critic_obs_dim();
  }
  model->impl_->state_dim = sd;
  const int want_in = role == Role::kActor ? sd : sd + spec.action_dim;
  const int want_out = role == Role::kActor ? spec.action_dim : 1;
  if (role == Role::kActor && heads.size() != 1) {
    throw PolicyError("actor model '" + path + "': expected one Linear chain, found " +
                      std::to_string(heads.size()));
  }
  if (role == Role::kCritic && (heads.empty() || heads.size() > 2)) {
    throw PolicyError("critic model '" + path + "': expected 1 or 2 heads, found " +
                      std::to_string(heads.size()));
  }
  for (const auto& h : heads) {
    for (const DenseLayer& layer : h) {
      if (!layer.weight.allFinite() || !layer.bias.allFinite()) {
        throw PolicyError(std::string(what) + " model '" + path +
                          "' holds NaN or infinite parameters (its training diverged?); train "
                          "it again or pass another model");
      }
    }
  }
  for (auto& h : heads) {
    const int in = static_cast<int>(h.front().weight.cols());
    const int out = static_cast<int>(h.back().weight.rows());
    if (in != want_in || out != want_out) {
      throw PolicyError(std::string(what) + " model '" + path + "' maps " + std::to_string(in) +
                        " -> " + std::to_string(out) + " but system " + spec.name + " needs " +
                        std::to_string(want_in) + " -> " + std::to_string(want_out) +
                        (role == Role::kCritic && spec.critic_extra_dim > 0
                             ? " (observation, " + std::to_string(spec.critic_extra_dim) +
                                   " critic extras, action; a critic of an older calf must "
                                   "be trained again, docs/training.md)"
                             : std::string()));
    }
    Eigen::VectorXf scale;
    if (role == Role::kActor) scale = MaxActionOf(m, spec);
    model->heads_.emplace_back(std::move(h), scale);
  }

  // verify on probe inputs that the recovered MLP is what the module computes
  const int64_t kProbes = 16;
  std::mt19937_64 rng(12345);
  std::uniform_real_distribution<float> uni(-3.0f, 3.0f);
  std::vector<float> s(kProbes * sd), a(kProbes * spec.action_dim);
  for (auto& v : s) v = uni(rng);
  for (auto& v : a) v = uni(rng);
  MlpWorkspace ws;
  try {
    if (role == Role::kActor) {
      std::vector<float> torch_out(kProbes * spec.action_dim), eigen_out(torch_out.size());
      model->TorchActorForward(s.data(), kProbes, torch_out.data());
      model->heads_[0].Forward(s.data(), kProbes, eigen_out.data(), ws);
      for (size_t i = 0; i < eigen_out.size(); ++i) {
        if (!(std::abs(eigen_out[i] - torch_out[i]) <= 1e-4f * (1.0f + std::abs(torch_out[i])))) {
          throw PolicyError("actor model '" + path +
                            "' does not compute Linear-ReLU-...-Linear-Tanh x max_action "
                            "(probe mismatch); calf understands only such MLPs");
        }
      }
    } else {
      std::vector<float> q1(kProbes), q2(kProbes), e(kProbes), sa(kProbes * want_in);
      model->TorchCriticForward(s.data(), a.data(), kProbes, q1.data(), q2.data());
      for (int64_t i = 0; i < kProbes; ++i) {
        for (int j = 0; j < sd; ++j) sa[i * want_in + j] = s[i * sd + j];
        for (int j = 0; j < spec.action_dim; ++j)
          sa[i * want_in + sd + j] = a[i * spec.action_dim + j];
      }
      for (size_t h = 0; h < model->heads_.size(); ++h) {
        model->heads_[h].Forward(sa.data(), kProbes, e.data(), ws);
        const auto& ref = h == 0 ? q1 : q2;
        for (int64_t i = 0; i < kProbes; ++i) {
          if (!(std::abs(e[i] - ref[i]) <= 1e-4f * (1.0f + std::abs(ref[i])))) {
            throw PolicyError("critic model '" + path + "' head " + std::to_string(h + 1) +
                              " does not compute a Linear-ReLU MLP on [state, action] (probe "
                              "mismatch); calf understands only such MLPs");
          }
        }
      }
    }
  } catch (const c10::Error& e) {
    std::string msg = e.what();
    msg = msg.substr(0, msg.find('\n'));
    throw PolicyError(std::string(what) + " model '" + path + "': forward failed (" + msg + ")");
  }
  return model;
}

void TorchModel::TorchActorForward(const float* states, int64_t batch, float* actions) const {
  c10::InferenceMode guard;
  at::Tensor s = FromBuffer(states, batch, impl_->state_dim);
  at::Tensor out = impl_->module.forward({s}).toTensor().to(torch::kFloat32).contiguous();
  if (out.numel() != batch * impl_->action_dim) {
    throw PolicyError("actor model '" + path_ + "' returned " + std::to_string(out.numel()) +
                      " values for a batch of " + std::to_string(batch));
  }
  std::memcpy(actions, out.data_ptr<float>(), sizeof(float) * out.numel());
}

void TorchModel::TorchCriticForward(const float* states, const float* actions, int64_t batch,
                                    float* q1, float* q2) const {
  c10::InferenceMode guard;
  at::Tensor s = FromBuffer(states, batch, impl_->state_dim);
  at::Tensor a = FromBuffer(actions, batch, impl_->action_dim);
  auto [t1, t2] = SplitCriticOutput(impl_->module.forward({s, a}), path_);
  t1 = t1.to(torch::kFloat32).contiguous();
  t2 = t2.to(torch::kFloat32).contiguous();
  if (t1.numel() != batch || t2.numel() != batch) {
    throw PolicyError("critic model '" + path_ + "' returned a wrong number of values");
  }
  std::memcpy(q1, t1.data_ptr<float>(), sizeof(float) * batch);
  std::memcpy(q2, t2.data_ptr<float>(), sizeof(float) * batch);
}

namespace {

at::Tensor ToTensor(const Eigen::MatrixXf& w) {
  Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> r = w;
  return torch::from_blob(r.data(), {r.rows(), r.cols()}, torch::kFloat32).clone();
}

at::Tensor ToTensor(const Eigen::VectorXf& v) {
  return torch::from_blob(const_cast<float*>(v.data()), {v.size()}, torch::kFloat32).clone();
}

// registers a head's layers as <prefix>l<i>_weight/_bias and returns its forward expression
std::string RegisterHead(torch::jit::Module& m, const Mlp& mlp, const std::string& prefix,
                         const std::string& input) {
  std::string code;
  std::string x = input;
  const auto& layers = mlp.layers();
  for (size_t i = 0; i < layers.size(); ++i) {
    const std::string w = prefix + "l" + std::to_string(i) + "_weight";
    const std::string b = prefix + "l" + std::to_string(i) + "_bias";
    m.register_parameter(w, ToTensor(layers[i].weight), false);
    m.register_parameter(b, ToTensor(layers[i].bias), false);
    std::string lin = "torch.addmm(self." + b + ", " + x + ", self." + w + ".t())";
    switch (layers[i].activation) {
      case Activation::kRelu:
        lin = "torch.relu(" + lin + ")";
        break;
      case Activation::kTanh:
        lin = "torch.tanh(" + lin + ")";
        break;
      case Activation::kIdentity:
        break;
    }
    const std::string h = prefix + "h" + std::to_string(i);
    code += "        " + h + " = " + lin + "\n";
    x = h;
  }
  return code + "        " + prefix + "out = " + x + "\n";
}

}  // namespace

void SaveTorchScript(torch::jit::Module& m, OutputFile& out) {
  try {
    m.save(out.temp_path());
  } catch (const std::exception& e) {
    throw IoError("cannot write model '" + out.path() + "': " + OneLine(e.what(), 200),
                  ExitCode::kRuntime);
  }
}

void SaveActorTorchScript(const Mlp& actor, const std::string& path) {
  OutputFile out(path, "model");
  SaveActorTorchScript(actor, out);
  out.Commit();
}

void SaveCriticTorchScript(const Mlp& q1, const Mlp& q2, int state_dim, const std::string& path) {
  OutputFile out(path, "model");
  SaveCriticTorchScript(q1, q2, state_dim, out);
  out.Commit();
}

void SaveActorTorchScript(const Mlp& actor, OutputFile& out) {
  EnsureTorchThreads();
  torch::jit::Module m("CalfActor");
  std::string body = RegisterHead(m, actor, "", "state");
  Eigen::VectorXf scale = actor.output_scale().size() ? actor.output_scale()
                                                      : Eigen::VectorXf::Ones(actor.output_dim());
  m.register_buffer("max_action", ToTensor(scale));
  m.define("def forward(self, state: Tensor) -> Tensor:\n" + body +
           "        return out * self.max_action\n");
  SaveTorchScript(m, out);
}

void SaveCriticTorchScript(const Mlp& q1, const Mlp& q2, int state_dim, OutputFile& out) {
  EnsureTorchThreads();
  (void)state_dim;
  torch::jit::Module m("CalfCritic");
  std::string body = "        sa = torch.cat([state, action], 1)\n";
  body += RegisterHead(m, q1, "q1_", "sa");
  body += RegisterHead(m, q2, "q2_", "sa");
  m.define("def forward(self, state: Tensor, action: Tensor) -> Tuple[Tensor, Tensor]:\n" + body +
           "        return q1_out, q2_out\n");
  SaveTorchScript(m, out);
}

Mlp MakeRandomMlp(const std::vector<int>& sizes, Activation hidden, Activation last,
                  const Eigen::VectorXf& output_scale, uint64_t seed) {
  CALF_CHECK(sizes.size() >= 2) << "an MLP needs input and output sizes";
  std::mt19937_64 rng(seed);
  auto uniform = [&rng](float bound) {
    double u = static_cast<double>(rng() >> 11) * (1.0 / 9007199254740992.0);
    return static_cast<float>((2.0 * u - 1.0) * bound);
  };
  std::vector<DenseLayer> layers;
  for (size_t i = 0; i + 1 < sizes.size(); ++i) {
    DenseLayer l;
    const float bound = 1.0f / std::sqrt(static_cast<float>(sizes[i]));
    l.weight.resize(sizes[i + 1], sizes[i]);
    l.bias.resize(sizes[i + 1]);
    for (int r = 0; r < l.weight.rows(); ++r)
      for (int c = 0; c < l.weight.cols(); ++c) l.weight(r, c) = uniform(bound);
    for (int r = 0; r < l.bias.size(); ++r) l.bias[r] = uniform(bound);
    l.activation = i + 2 == sizes.size() ? last : hidden;
    layers.push_back(std::move(l));
  }
  return Mlp(std::move(layers), output_scale);
}

}  // namespace calf::core
