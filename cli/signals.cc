#include "cli/signals.h"

#include <csignal>

namespace calf::cli {
namespace {

volatile std::sig_atomic_t g_interrupted = 0;

extern "C" void OnSignal(int sig) {
  if (g_interrupted) {
    // second signal: the user insists, restore the default action and re-raise
    std::signal(sig, SIG_DFL);
    std::raise(sig);
    return;
  }
  g_interrupted = 1;
}

}  // namespace

void InstallInterruptHandlers() {
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

bool InterruptRequested() { return g_interrupted != 0; }

void RequestInterrupt() { g_interrupted = 1; }

}  // namespace calf::cli
