// calf_bench_render: frame time of the trail renderers against llvmpipe's floor.
// N = 1,000 agents x 600-point trails, 1280x720, 4x MSAA, iso camera. Each frame appends one
// point per agent (a live simulation), uploads what the renderer needs, draws and waits for
// the rasteriser (glFinish). The floor is a minimal raw-GL program drawing the same vertex
// count from a static buffer with one glMultiDrawArrays and no per-frame upload.
// Prints, after the table, each renderer's frame time relative to the floor (target for
// batched: <= 1.25x), bytes uploaded and draw calls per frame.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/visual/trail_store.h"
#include "render_offscreen/camera.h"
#include "render_offscreen/egl_context.h"
#include "render_offscreen/gl_counters.h"
#include "render_offscreen/gl_program.h"
#include "render_offscreen/offscreen_target.h"
#include "render_offscreen/trail_renderer.h"

namespace cr = calf::render;
namespace cv = calf::core::visual;

namespace {

constexpr int kAgents = 1000;
constexpr int kTrail = 600;
constexpr int kWidth = 1280;
constexpr int kHeight = 720;

// smooth deterministic spirals toward the goal, modes switching along the way
class Walkers {
 public:
  Walkers() : store(kAgents, kTrail), t_(kAgents, 0) {
    for (int k = 0; k < kTrail; ++k) StepAll();
  }
  void StepAll() {
    for (int a = 0; a < kAgents; ++a) {
      const float phase = 0.37F * static_cast<float>(a);
      const float s = static_cast<float>(t_[a]++) * 0.01F;
      const float r = 4.5F * std::exp(-0.1F * s) * (0.4F + 0.6F * static_cast<float>(a % 97) / 97);
      const float p[3] = {r * std::cos(phase + s), 0.2F + 0.05F * r, r * std::sin(phase + s)};
      const uint8_t mode = static_cast<uint8_t>((t_[a] / 150 + a) % 4);
      store.Append(a, p, mode);
    }
  }
  cv::TrailStore store;

 private:
  std::vector<int> t_;
};

struct Gl {
  Gl() : context(), target(kWidth, kHeight, 4) {}
  cr::EglContext context;
  cr::OffscreenTarget target;
};

Gl& Shared() {
  static Gl gl;
  gl.context.MakeCurrent();
  return gl;
}

struct Result {
  double ms_per_frame = 0;
  double bytes_per_frame = 0;
  double draws_per_frame = 0;
};
std::map<std::string, Result>& Results() {
  static std::map<std::string, Result> r;
  return r;
}

const char* const kFloorVertex = R"(#version 330 core
layout(location = 0) in vec3 a_pos;
uniform mat4 u_vp;
void main() { gl_Position = u_vp * vec4(a_pos, 1.0); }
)";
const char* const kFloorFragment = R"(#version 330 core
out vec4 frag;
void main() { frag = vec4(0.2, 0.8, 0.3, 1.0); }
)";

void Record(benchmark::State& state, const std::string& name, double seconds,
            const cr::GlCounters& total) {
  const double frames = static_cast<double>(state.iterations());
  Result r{1e3 * seconds / frames, static_cast<double>(total.bytes_uploaded) / frames,
           static_cast<double>(total.draw_calls) / frames};
  Results()[name] = r;
  state.counters["bytes/frame"] = r.bytes_per_frame;
  state.counters["draws/frame"] = r.draws_per_frame;
  state.counters["vertices"] = static_cast<double>(kAgents) * kTrail;
}

void BM_RawGlFloor(benchmark::State& state) {
  Gl& gl = Shared();
  Walkers w;
  // the same 600,000 vertices (16 bytes each, as the batched renderer stores them)
  std::vector<float> vertices;
  vertices.reserve(static_cast<size_t>(kAgents) * kTrail * 4);
  std::vector<GLint> firsts(kAgents);
  std::vector<GLsizei> counts(kAgents, kTrail);
  for (int a = 0; a < kAgents; ++a) {
    firsts[a] = a * kTrail;
    for (int k = 0; k < kTrail; ++k) {
      const float* p = w.store.position(a, (w.store.oldest(a) + k) % kTrail);
      vertices.insert(vertices.end(), {p[0], p[1], p[2], 0.0F});
    }
  }
  cr::GlProgram program("floor", kFloorVertex, kFloorFragment);
  cr::GlVertexArray vao;
  cr::GlBuffer vbo;
  CALF_GL_CHECK(glBindVertexArray(vao.id()));
  CALF_GL_CHECK(glBindBuffer(GL_ARRAY_BUFFER, vbo.id()));
  CALF_GL_CHECK(glBufferData(GL_ARRAY_BUFFER, vertices.size() * sizeof(float), vertices.data(),
                             GL_STATIC_DRAW));
  CALF_GL_CHECK(glEnableVertexAttribArray(0));
  CALF_GL_CHECK(glVertexAttribPointer(0, 3, GL_FLOAT, GL_FALSE, 16, nullptr));
  const Eigen::Matrix4f vp = cr::ViewProjection(cr::CameraPreset::kIso, kWidth, kHeight);
  cr::GlCounters counters;
  cr::CountingGl counting(&counters);
  const auto t0 = std::chrono::steady_clock::now();
  for (auto _ : state) {
    gl.target.Clear(1.0F, 1.0F, 1.0F, 1.0F);
    CALF_GL_CHECK(glEnable(GL_DEPTH_TEST));
    program.Use();
    CALF_GL_CHECK(glUniformMatrix4fv(program.Uniform("u_vp"), 1, GL_FALSE, vp.data()));
    CALF_GL_CHECK(glBindVertexArray(vao.id()));
    counting.MultiDrawArrays(GL_LINE_STRIP, firsts.data(), counts.data(), kAgents);
    CALF_GL_CHECK(glFinish());
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  Record(state, "raw_gl_floor", s, counters);
}

void RunRenderer(benchmark::State& state, cr::TrailRendererKind kind, const std::string& name) {
  Gl& gl = Shared();
  Walkers w;
  std::unique_ptr<cr::TrailRenderer> renderer = cr::MakeTrailRenderer(kind);
  const Eigen::Matrix4f vp = cr::ViewProjection(cr::CameraPreset::kIso, kWidth, kHeight);
  cr::GlCounters warmup;
  renderer->Update(w.store, &warmup);  // the first full upload is not a steady-state frame
  cr::GlCounters counters;
  const auto t0 = std::chrono::steady_clock::now();
  for (auto _ : state) {
    w.StepAll();
    gl.target.Clear(1.0F, 1.0F, 1.0F, 1.0F);
    CALF_GL_CHECK(glEnable(GL_DEPTH_TEST));
    renderer->Update(w.store, &counters);
    renderer->Draw(w.store, vp, &counters);
    CALF_GL_CHECK(glFinish());
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  Record(state, name, s, counters);
}

void BM_BatchedTrailRenderer(benchmark::State& state) {
  RunRenderer(state, cr::TrailRendererKind::kBatched, "batched");
}
void BM_PerAgentTrails(benchmark::State& state) {
  RunRenderer(state, cr::TrailRendererKind::kPerAgent, "per_agent");
}

BENCHMARK(BM_RawGlFloor)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_BatchedTrailRenderer)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_PerAgentTrails)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  const auto& r = Results();
  const auto floor = r.find("raw_gl_floor");
  if (floor == r.end() || floor->second.ms_per_frame <= 0) return 0;
  std::printf("\nN = %d agents x %d-point trails, %dx%d, 4x MSAA (last run of each):\n", kAgents,
              kTrail, kWidth, kHeight);
  std::printf("%-14s %10s %12s %14s %12s\n", "renderer", "ms/frame", "x floor", "bytes/frame",
              "draws/frame");
  for (const char* name : {"raw_gl_floor", "batched", "per_agent"}) {
    const auto it = r.find(name);
    if (it == r.end()) continue;
    const Result& x = it->second;
    std::printf("%-14s %10.2f %12.3f %14.0f %12.0f\n", name, x.ms_per_frame,
                x.ms_per_frame / floor->second.ms_per_frame, x.bytes_per_frame, x.draws_per_frame);
  }
  const auto b = r.find("batched");
  if (b != r.end()) {
    const double ratio = b->second.ms_per_frame / floor->second.ms_per_frame;
    std::printf("batched / floor = %.3f (target <= 1.25): %s\n", ratio,
                ratio <= 1.25 ? "met" : "NOT met");
  }
  return 0;
}
