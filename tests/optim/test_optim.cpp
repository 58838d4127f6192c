#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"
#include "optim/lars.h"
#include "optim/lr_schedule.h"
#include "optim/optimizer.h"
#include "optim/state_tensors.h"

using namespace synthview;
using namespace synthview::optim;

namespace {

const auto kF64 = torch::dtype(torch::kDouble);

double norm(const std::vector<double>& v) {
  double sum = 0;
  for (double x : v) sum += x * x;
  return std::sqrt(sum);
}

std::vector<double> values(const torch::Tensor& t) {
  torch::Tensor c = t.detach().to(torch::kDouble).contiguous();
  return std::vector<double>(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
}

// A tiny model's parameters: a 2-D weight (adapted by LARS) and a 1-D bias (not adapted).
NamedParameters tiny_parameters(torch::Dtype dtype = torch::kDouble) {
  NamedParameters params;
  params.insert("layer.weight", torch::tensor({0.5, -1.0, 2.0, 0.25, 1.5, -0.75}, dtype).view({2, 3}).requires_grad_());
  params.insert("layer.bias", torch::tensor({0.1, -0.2}, dtype).requires_grad_());
  return params;
}

// Deterministic, step-dependent loss so that gradients change between steps.
void backward_step(const NamedParameters& params, int64_t step) {
  torch::Tensor x = torch::linspace(-1.0, 1.0 + 0.1 * step, 3, params["layer.weight"].scalar_type());
  torch::Tensor y = torch::tanh(torch::matmul(params["layer.weight"], x) + params["layer.bias"]);
  (y * y).sum().add(y.sum() * 0.3).backward();
}

void run_steps(torch::optim::Optimizer& optimizer, const NamedParameters& params, int64_t first, int64_t count,
               const LrSchedule& schedule) {
  for (int64_t s = first; s < first + count; ++s) {
    optimizer.zero_grad();
    backward_step(params, s);
    set_lr(optimizer, schedule.at(s));
    optimizer.step();
  }
}

NamedParameters clone_parameters(const NamedParameters& params) {
  NamedParameters copy;
  for (const auto& p : params) copy.insert(p.key(), p.value().detach().clone().requires_grad_());
  return copy;
}

}  // namespace

TEST(Lars, FollowsItsFormulaStepByStep) {
  const double lr = 0.5, momentum = 0.9, wd = 0.01, eta = 0.02;
  NamedParameters params = tiny_parameters();
  Lars lars({params["layer.weight"], params["layer.bias"]}, LarsOptions(lr).momentum(momentum).weight_decay(wd).eta(eta));
  std::vector<double> w = values(params["layer.weight"]), b = values(params["layer.bias"]);
  std::vector<double> vw(w.size(), 0.0), vb(b.size(), 0.0);
  for (int64_t step = 0; step < 4; ++step) {
    lars.zero_grad();
    backward_step(params, step);
    std::vector<double> gw = values(params["layer.weight"].grad()), gb = values(params["layer.bias"].grad());
    // Weight: trust = eta |w| / (|g| + wd |w|), u = trust (g + wd w); bias: u = g.
    const double trust = eta * norm(w) / (norm(gw) + wd * norm(w));
    for (size_t i = 0; i < w.size(); ++i) {
      vw[i] = momentum * vw[i] + trust * (gw[i] + wd * w[i]);
      w[i] -= lr * vw[i];
    }
    for (size_t i = 0; i < b.size(); ++i) {
      vb[i] = momentum * vb[i] + gb[i];
      b[i] -= lr * vb[i];
    }
    lars.step();
    std::vector<double> got_w = values(params["layer.weight"]), got_b = values(params["layer.bias"]);
    for (size_t i = 0; i < w.size(); ++i) EXPECT_NEAR(got_w[i], w[i], 1e-14) << "step " << step;
    for (size_t i = 0; i < b.size(); ++i) EXPECT_NEAR(got_b[i], b[i], 1e-14) << "step " << step;
  }
}

TEST(Lars, ZeroWeightsAreNotStuck) {
  // ||w|| = 0 would make the trust ratio 0 forever; the rule falls back to 1.
  torch::Tensor w = torch::zeros({2, 2}, kF64).requires_grad_();
  Lars lars({w}, LarsOptions(0.1).momentum(0).eta(0.001));
  w.mutable_grad() = torch::ones({2, 2}, kF64);
  lars.step();
  EXPECT_TRUE(torch::allclose(w, torch::full({2, 2}, -0.1, kF64)));
}

TEST(LrSchedule, WarmupThenCosine) {
  // base 0.3 at batch 256, global batch 512, linear rule: peak 0.6.
  LrSchedule schedule(0.3, "linear", 512, 4, 14);
  EXPECT_DOUBLE_EQ(schedule.peak_lr(), 0.6);
  EXPECT_DOUBLE_EQ(schedule.at(0), 0.15);
  EXPECT_DOUBLE_EQ(schedule.at(1), 0.3);
  EXPECT_DOUBLE_EQ(schedule.at(3), 0.6);
  EXPECT_DOUBLE_EQ(schedule.at(4), 0.6);
  EXPECT_NEAR(schedule.at(9), 0.3, 1e-15);  // halfway through the cosine
  EXPECT_NEAR(schedule.at(6), 0.6 * 0.5 * (1 + std::cos(M_PI * 2 / 10)), 1e-15);
  EXPECT_NEAR(schedule.at(14), 0.0, 1e-15);
  for (int64_t s = 4; s < 14; ++s) EXPECT_GT(schedule.at(s), schedule.at(s + 1)) << s;

  EXPECT_DOUBLE_EQ(scaled_lr(0.3, "sqrt", 1024), 0.6);
  EXPECT_DOUBLE_EQ(scaled_lr(0.3, "none", 1024), 0.3);
  EXPECT_DOUBLE_EQ(LrSchedule(0.3, "none", 64, 0, 10).at(0), 0.3);
  EXPECT_THROW(scaled_lr(0.3, "cubic", 256), InputError);
  EXPECT_THROW(LrSchedule(0.3, "linear", 256, -1, 10), InputError);
}

TEST(MakeOptimizer, BuildsEachKindWithScaledLr) {
  NamedParameters params = tiny_parameters(torch::kFloat);
  params.insert("frozen.weight", torch::ones({2, 2}));  // requires_grad false: not optimised
  OptimSection section;
  section.lr = 0.2;
  section.lr_scaling = "linear";
  for (const std::string name : {"sgd", "lars", "adamw"}) {
    section.name = name;
    auto optimizer = make_optimizer(section, params, 512);
    ASSERT_EQ(optimizer->param_groups().size(), 1u);
    EXPECT_EQ(optimizer->param_groups()[0].params().size(), 2u);
    EXPECT_DOUBLE_EQ(optimizer->param_groups()[0].options().get_lr(), 0.4) << name;
    set_lr(*optimizer, 0.05);
    EXPECT_DOUBLE_EQ(optimizer->param_groups()[0].options().get_lr(), 0.05) << name;
  }
  section.name = "lars";
  EXPECT_NE(dynamic_cast<Lars*>(make_optimizer(section, params, 256).get()), nullptr);
  section.name = "rmsprop";
  EXPECT_THROW(make_optimizer(section, params, 256), InputError);
}

TEST(OptimizerState, SaveLoadContinuesBitIdentically) {
  for (const std::string name : {"sgd", "lars", "adamw"}) {
    OptimSection section;
    section.name = name;
    section.lr = 0.1;
    section.weight_decay = 0.01;
    section.lars_eta = 0.02;
    LrSchedule schedule(section, 256, 10);

    // Straight run: 3 + 4 steps.
    NamedParameters straight = tiny_parameters(torch::kFloat);
    auto straight_opt = make_optimizer(section, straight, 256);
    run_steps(*straight_opt, straight, 0, 7, schedule);

    // Interrupted run: 3 steps, save, fresh parameters and optimizer, load, 4 steps.
    NamedParameters first = tiny_parameters(torch::kFloat);
    auto first_opt = make_optimizer(section, first, 256);
    run_steps(*first_opt, first, 0, 3, schedule);
    NamedTensors saved = state_tensors(*first_opt, first);
    ASSERT_EQ(saved.size(), name == "adamw" ? 6u : 2u) << name;
    EXPECT_EQ(saved[0].first, name == "adamw" ? "layer.weight/exp_avg" : "layer.weight/momentum_buffer");
    if (name == "adamw") {
      EXPECT_EQ(saved[2].second.item<int64_t>(), 3);
    }

    NamedParameters resumed = clone_parameters(first);
    auto resumed_opt = make_optimizer(section, resumed, 256);
    load_state_tensors(*resumed_opt, resumed, saved);
    run_steps(*resumed_opt, resumed, 3, 4, schedule);
    for (size_t i = 0; i < straight.size(); ++i) {
      EXPECT_TRUE(torch::equal(straight[i].value(), resumed[i].value())) << name << " " << straight.keys()[i];
    }
    // And without the saved state the continuation differs, so the check above has teeth.
    NamedParameters cold = clone_parameters(first);
    auto cold_opt = make_optimizer(section, cold, 256);
    run_steps(*cold_opt, cold, 3, 4, schedule);
    EXPECT_FALSE(torch::equal(straight["layer.weight"], cold["layer.weight"])) << name;
  }
}

TEST(OptimizerState, MismatchedEntriesAreInputErrors) {
  NamedParameters params = tiny_parameters(torch::kFloat);
  OptimSection section;
  auto optimizer = make_optimizer(section, params, 256);
  EXPECT_THROW(load_state_tensors(*optimizer, params, {{"layer.weight/momentum_buffer", torch::zeros({3, 2})}}),
               InputError);
  EXPECT_THROW(load_state_tensors(*optimizer, params, {{"other.weight/momentum_buffer", torch::zeros({2})}}),
               InputError);
  section.name = "adamw";
  auto adamw = make_optimizer(section, params, 256);
  EXPECT_THROW(load_state_tensors(*adamw, params, {{"layer.bias/exp_avg", torch::zeros({2})}}), InputError);
}
