#pragma once
// SIGINT/SIGTERM handling for long commands: the handler only sets a flag; the command's
// loop polls it, makes its outputs safe (flush, mark incomplete) and exits with code 130.

namespace calf::cli {

/// Installs the handlers (idempotent). After the first signal, a second one kills at once.
void InstallInterruptHandlers();

/// True once SIGINT or SIGTERM has arrived (here, or on another rank that reported it).
bool InterruptRequested();

/// Records an interrupt that arrived elsewhere (another MPI rank), as if it had arrived here.
void RequestInterrupt();

}  // namespace calf::cli
