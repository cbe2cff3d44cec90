#include "core/train/ppo/recurrent_policy.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/script.h>

#include <cmath>

#include "core/error.h"
#include "core/io/output_file.h"
#include "core/policy/torch_model.h"
#include "core/train/binary_io.h"

namespace calf::core::train {

torch::Tensor SquashedLogProb(const torch::Tensor& u, const torch::Tensor& mu,
                              const torch::Tensor& log_std) {
  static const double kHalfLog2Pi = 0.5 * std::log(2.0 * M_PI);
  const torch::Tensor z = (u - mu) * torch::exp(-log_std);
  const torch::Tensor gauss = -0.5 * z * z - log_std - kHalfLog2Pi;
  // log(1 - tanh(u)^2) = 2 (log 2 - u - softplus(-2u)): no cancellation for large |u|
  const torch::Tensor log_det = 2.0 * (std::log(2.0) - u - torch::softplus(-2.0 * u));
  return (gauss - log_det).sum(-1);
}

torch::Tensor GaussianEntropy(const torch::Tensor& log_std) {
  return (log_std + 0.5 + 0.5 * std::log(2.0 * M_PI)).sum();
}

namespace {

// uniform(-bound, bound), torch.nn.Linear's default for weights and biases
torch::Tensor Uniform(at::IntArrayRef shape, double bound, at::Generator& gen) {
  return torch::rand(shape, gen, torch::kFloat32) * (2.0 * bound) - bound;
}

torch::Tensor Linear(const torch::Tensor& x, const torch::Tensor& w, const torch::Tensor& b) {
  return torch::addmm(b, x, w.t());
}

}  // namespace

RecurrentPolicy::RecurrentPolicy(int obs_dim, int action_dim, const PpoNetShape& shape,
                                 double log_std_init, double log_std_min, double log_std_max,
                                 std::vector<double> max_action, uint64_t seed)
    : obs_dim_(obs_dim),
      action_dim_(action_dim),
      shape_(shape),
      log_std_min_(log_std_min),
      log_std_max_(log_std_max),
      max_action_(std::move(max_action)) {
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  torch::NoGradGuard no_grad;
  auto add = [&](const std::string& name, torch::Tensor t) {
    t.set_requires_grad(true);
    params_.push_back(t);
    names_.push_back(name);
    return t;
  };
  auto linear = [&](const std::string& name, int in, int out, double scale, torch::Tensor* w,
                    torch::Tensor* b) {
    const double bound = 1.0 / std::sqrt(static_cast<double>(in));
    *w = add(name + "_w", Uniform({out, in}, bound, gen) * scale);
    *b = add(name + "_b", Uniform({out}, bound, gen) * scale);
  };
  int in = obs_dim;
  for (size_t i = 0; i < shape_.encoder.size(); ++i) {
    torch::Tensor w, b;
    linear("enc" + std::to_string(i), in, shape_.encoder[i], 1.0, &w, &b);
    enc_w_.push_back(w);
    enc_b_.push_back(b);
    in = shape_.encoder[i];
  }
  const int heads = shape_.attention_heads, dh = shape_.head_dim, att = heads * dh;
  att_w_ = add("att_w", Uniform({att, in}, 1.0 / std::sqrt(static_cast<double>(in)), gen));
  att_src_ = add("att_src", Uniform({heads, dh}, 1.0 / std::sqrt(static_cast<double>(dh)), gen));
  att_dst_ = add("att_dst", Uniform({heads, dh}, 1.0 / std::sqrt(static_cast<double>(dh)), gen));
  const int H = shape_.lstm;
  const double lb = 1.0 / std::sqrt(static_cast<double>(H));  // torch.nn.LSTM's init
  w_ih_ = add("lstm_w_ih", Uniform({4 * H, att}, lb, gen));
  w_hh_ = add("lstm_w_hh", Uniform({4 * H, H}, lb, gen));
  b_ih_ = add("lstm_b_ih", Uniform({4 * H}, lb, gen));
  b_hh_ = add("lstm_b_hh", Uniform({4 * H}, lb, gen));
  linear("pi0", H, shape_.head_hidden, 1.0, &pi0_w_, &pi0_b_);
  // a near-zero initial mean: the first actions are the exploration noise around 0
  linear("pi1", shape_.head_hidden, action_dim, 0.01, &pi1_w_, &pi1_b_);
  linear("v0", H, shape_.head_hidden, 1.0, &v0_w_, &v0_b_);
  linear("v1", shape_.head_hidden, 1, 1.0, &v1_w_, &v1_b_);
  log_std_ = add("log_std", torch::full({action_dim}, log_std_init, torch::kFloat32));
}

torch::Tensor RecurrentPolicy::LogStd() const {
  return torch::clamp(log_std_, log_std_min_, log_std_max_);
}

torch::Tensor RecurrentPolicy::Encode(const torch::Tensor& obs) const {
  torch::Tensor x = obs;
  for (size_t i = 0; i < enc_w_.size(); ++i) x = torch::relu(Linear(x, enc_w_[i], enc_b_[i]));
  return x;
}

torch::Tensor RecurrentPolicy::Attend(const torch::Tensor& x, const torch::Tensor& obs,
                                      bool force) const {
  const int64_t B = x.size(0);
  const int heads = shape_.attention_heads, dh = shape_.head_dim;
  const torch::Tensor wh = torch::mm(x, att_w_.t());
  const bool knn = shape_.neighbourhood == "knn" && shape_.knn_k > 0 && B > 1;
  // an agent alone in its neighbourhood attends to itself with weight exactly 1: skip the
  // softmax (the general path below gives the same numbers; tested)
  if (!knn && !force) return torch::elu(wh);
  const torch::Tensor whv = wh.view({B, heads, dh});
  torch::Tensor idx;
  int64_t K = 1;
  if (knn) {
    K = std::min<int64_t>(shape_.knn_k + 1, B);
    torch::Tensor d = torch::cdist(obs, obs);
    d.fill_diagonal_(-1.0);  // itself first, whatever the ties
    idx = std::get<1>(torch::topk(d, K, 1, /*largest=*/false, /*sorted=*/true));
  } else {
    idx = torch::arange(B, torch::kLong).unsqueeze(1);
  }
  const torch::Tensor nb = whv.index_select(0, idx.flatten()).view({B, K, heads, dh});
  const torch::Tensor src = (whv * att_src_).sum(-1);
  const torch::Tensor dst = (nb * att_dst_).sum(-1);
  const torch::Tensor e = torch::leaky_relu(src.unsqueeze(1) + dst, 0.2);
  const torch::Tensor alpha = torch::softmax(e, 1);
  const torch::Tensor out = (alpha.unsqueeze(-1) * nb).sum(1);
  return torch::elu(out.reshape({B, heads * dh}));
}

torch::Tensor RecurrentPolicy::Heads(const torch::Tensor& h, torch::Tensor* value) const {
  const torch::Tensor p = torch::relu(Linear(h, pi0_w_, pi0_b_));
  const torch::Tensor v = torch::relu(Linear(h, v0_w_, v0_b_));
  *value = Linear(v, v1_w_, v1_b_).squeeze(1);
  return Linear(p, pi1_w_, pi1_b_);
}

RecurrentPolicy::StepOut RecurrentPolicy::Step(const torch::Tensor& obs, const torch::Tensor& h,
                                               const torch::Tensor& c, bool force) const {
  const torch::Tensor g = Attend(Encode(obs), obs, force);
  auto hc = torch::lstm_cell(g, {h, c}, w_ih_, w_hh_, b_ih_, b_hh_);
  StepOut out;
  out.h = std::get<0>(hc);
  out.c = std::get<1>(hc);
  out.mu = Heads(out.h, &out.value);
  return out;
}

std::pair<torch::Tensor, torch::Tensor> RecurrentPolicy::Unroll(const torch::Tensor& obs,
                                                                const torch::Tensor& starts,
                                                                const torch::Tensor& h0,
                                                                const torch::Tensor& c0) const {
  const int64_t L = obs.size(0), B = obs.size(1);
  const torch::Tensor flat = obs.reshape({L * B, obs_dim_});
  const torch::Tensor enc = Encode(flat);
  torch::Tensor g;
  if (shape_.neighbourhood == "knn" && shape_.knn_k > 0 && B > 1) {
    // the graph is the agents of one step: attend step by step
    std::vector<torch::Tensor> steps;
    const torch::Tensor enc3 = enc.view({L, B, -1});
    for (int64_t t = 0; t < L; ++t) steps.push_back(Attend(enc3[t], obs[t], false));
    g = torch::stack(steps);
  } else {
    g = Attend(enc, flat, false).view({L, B, -1});
  }
  const torch::Tensor keep = 1.0 - starts;
  torch::Tensor h = h0, c = c0;
  std::vector<torch::Tensor> hs;
  hs.reserve(static_cast<size_t>(L));
  for (int64_t t = 0; t < L; ++t) {
    const torch::Tensor k = keep[t].unsqueeze(1);
    h = h * k;
    c = c * k;
    auto hc = torch::lstm_cell(g[t], {h, c}, w_ih_, w_hh_, b_ih_, b_hh_);
    h = std::get<0>(hc);
    c = std::get<1>(hc);
    hs.push_back(h);
  }
  torch::Tensor value;
  const torch::Tensor mu = Heads(torch::stack(hs).view({L * B, shape_.lstm}), &value);
  return {mu.view({L, B, action_dim_}), value.view({L, B})};
}

void RecurrentPolicy::Write(std::ostream& out) const {
  for (const torch::Tensor& p : params_) {
    const torch::Tensor c = p.detach().contiguous();
    WritePod<int64_t>(out, c.numel());
    WriteArray(out, c.data_ptr<float>(), c.numel());
  }
}

void RecurrentPolicy::Read(std::istream& in) {
  torch::NoGradGuard no_grad;
  for (size_t i = 0; i < params_.size(); ++i) {
    const auto n = ReadPod<int64_t>(in);
    if (n != params_[i].numel()) {
      throw IoError("checkpoint is corrupt or of another network shape (parameter " + names_[i] +
                    ")");
    }
    ReadArray(in, params_[i].data_ptr<float>(), n);
  }
}

void RecurrentPolicy::ExportTorchScript(OutputFile& out) const {
  torch::jit::Module m("CalfRecurrentPolicy");
  for (size_t i = 0; i < params_.size(); ++i) {
    if (names_[i] == "log_std") continue;
    m.register_parameter(names_[i], params_[i].detach().clone(), false);
  }
  m.register_buffer("log_std", LogStd().detach().clone());
  std::vector<float> scale(max_action_.begin(), max_action_.end());
  m.register_buffer("max_action",
                    torch::from_blob(scale.data(), {action_dim_}, torch::kFloat32).clone());
  m.register_attribute("hidden_size", c10::IntType::get(), static_cast<int64_t>(shape_.lstm));
  m.register_attribute("obs_dim", c10::IntType::get(), static_cast<int64_t>(obs_dim_));
  std::string code =
      "def forward(self, obs: Tensor, h: Tensor, c: Tensor) -> Tuple[Tensor, Tensor, Tensor, "
      "Tensor]:\n"
      "        x = obs\n";
  for (size_t i = 0; i < enc_w_.size(); ++i) {
    const std::string n = "enc" + std::to_string(i);
    code += "        x = torch.relu(torch.addmm(self." + n + "_b, x, self." + n + "_w.t()))\n";
  }
  code += "        wh = torch.mm(x, self.att_w.t())\n";
  const int heads = shape_.attention_heads, dh = shape_.head_dim;
  if (shape_.neighbourhood == "knn" && shape_.knn_k > 0) {
    const std::string H = std::to_string(heads), D = std::to_string(dh);
    code +=
        "        B = obs.size(0)\n"
        "        if B == 1:\n"
        "            g = torch.elu(wh)\n"
        "        else:\n"
        "            K = min(" +
        std::to_string(shape_.knn_k + 1) +
        ", B)\n"
        "            d = torch.cdist(obs, obs)\n"
        "            d.fill_diagonal_(-1.0)\n"
        "            idx = torch.topk(d, K, 1, False, True)[1]\n"
        "            whv = wh.view(B, " +
        H + ", " + D +
        ")\n"
        "            nb = whv.index_select(0, idx.flatten()).view(B, K, " +
        H + ", " + D +
        ")\n"
        "            src = (whv * self.att_src).sum(-1)\n"
        "            dst = (nb * self.att_dst).sum(-1)\n"
        "            e = torch.leaky_relu(src.unsqueeze(1) + dst, 0.2)\n"
        "            alpha = torch.softmax(e, 1)\n"
        "            o = (alpha.unsqueeze(-1) * nb).sum(1)\n"
        "            g = torch.elu(o.reshape(B, " +
        std::to_string(heads * dh) + "))\n";
  } else {
    code += "        g = torch.elu(wh)\n";
  }
  code +=
      "        hc = torch.lstm_cell(g, [h, c], self.lstm_w_ih, self.lstm_w_hh, self.lstm_b_ih, "
      "self.lstm_b_hh)\n"
      "        h2 = hc[0]\n"
      "        c2 = hc[1]\n"
      "        p = torch.relu(torch.addmm(self.pi0_b, h2, self.pi0_w.t()))\n"
      "        v = torch.relu(torch.addmm(self.v0_b, h2, self.v0_w.t()))\n"
      "        value = torch.addmm(self.v1_b, v, self.v1_w.t()).squeeze(1)\n"
      "        mu = torch.addmm(self.pi1_b, p, self.pi1_w.t())\n"
      "        return mu, value, h2, c2\n";
  m.define(code);
  SaveTorchScript(m, out);
}

}  // namespace calf::core::train
