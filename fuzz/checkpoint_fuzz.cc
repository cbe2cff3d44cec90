// libFuzzer target: the training checkpoint reader past its checksum (Trainer::FromCheckpoint,
// what `calf train --resume` runs). The input is a checkpoint without its CRC-32C; the target
// appends the CRC the way SaveCheckpoint does, so every mutation reaches the parser (the
// header, the config, then TD3's or PPO's state, including PPO's Adam state through
// torch::load). The algorithm is the one the input's config names: the seeds hold both.
// calf::Error is the expected refusal; an accepted checkpoint, saved again, must read back and
// save to the same bytes (a checkpoint calf accepts is one it can continue from).
#include <ATen/Parallel.h>
#include <omp.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>

#include "core/io/checksum.h"
#include "core/train/trainer.h"
#include "fuzz/fuzz_util.h"

namespace {

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  // one thread: the parser is serial, and libFuzzer's timeouts are per process
  setenv("OMP_NUM_THREADS", "1", 1);
  // a config may legitimately ask for gigabytes (networks, rollout buffers): calf refuses
  // what exceeds its memory limit, set here below libFuzzer's -rss_limit_mb of 2048
  setenv("CALF_MEMORY_LIMIT_MB", "1024", 0);
  omp_set_num_threads(1);
  at::set_num_threads(1);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string bytes(reinterpret_cast<const char*>(data), size);
  const uint32_t crc = calf::core::Crc32c(0, data, size);
  for (int i = 0; i < 4; ++i) bytes.push_back(static_cast<char>((crc >> (8 * i)) & 0xFF));
  const std::string path =
      calf::fuzz::WriteInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), ".ckpt");
  std::unique_ptr<calf::core::train::Trainer> trainer;
  calf::fuzz::ExpectOnlyCalfErrors(
      [&] { trainer = calf::core::train::Trainer::FromCheckpoint(path); });
  if (!trainer) return 0;
  // accepted: what calf writes from it must read back, and write the same bytes again
  static const std::string again = path + ".again";
  trainer->SaveCheckpoint(again);
  const std::string first = Slurp(again);
  trainer = calf::core::train::Trainer::FromCheckpoint(again);
  trainer->SaveCheckpoint(again);
  const std::string second = Slurp(again);
  if (second != first) {
    // for the report: the two saves side by side
    std::ofstream("resaved-1.bin", std::ios::binary) << first;
    std::ofstream("resaved-2.bin", std::ios::binary) << second;
    std::fprintf(stderr, "checkpoint_fuzz: saved twice from one checkpoint, %zu and %zu bytes\n",
                 first.size(), second.size());
    __builtin_trap();
  }
  return 0;
}
