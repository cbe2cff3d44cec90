#include "report/charts.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.h"
#include "core/io/output_file.h"

extern char** environ;

namespace calf::report {
namespace fs = std::filesystem;
namespace {

constexpr const char* kOldColor = "#1f77b4";
constexpr const char* kNewColor = "#d62728";
constexpr const char* kSectionColors[] = {"#4c72b0", "#dd8452", "#55a868",
                                          "#c44e52", "#8172b3", "#937860"};

// A gnuplot single-quoted string: '' stands for one quote, nothing else is special.
std::string Quote(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'')
      out += "''";
    else if (c != '\n')
      out += c;
  }
  return out + "'";
}

// A data-file string column (double quotes; inner double quotes dropped).
std::string DataLabel(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c != '"' && c != '\n') out += c;
  }
  return out + "\"";
}

bool IsExecutable(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

void WriteFile(const std::string& path, const std::string& text) {
  core::WriteTextFile(path, text, "chart input");
}

std::string Header(const ChartOptions& o) {
  std::ostringstream s;
  // paths are relative to this directory, so a moved or downloaded report still re-renders
  s << "# written by calf compare; re-run from this directory: gnuplot <this file>\n"
    << "set terminal svg size " << o.width << "," << o.height
    << " noenhanced font 'sans,12' background rgb 'white'\n";
  return s.str();
}

// The name a script uses for a file in its own directory (scripts run from there).
std::string Local(const std::string& path) { return fs::path(path).filename().string(); }

// The name a script uses for a chart next to report.md, one directory up.
std::string Up(const std::string& path) { return "../" + Local(path); }

// Finishes a script: plot to SVG, then replot the same to PNG (chart paths relative to the
// script's directory).
std::string Outputs(const std::string& body, const std::string& svg, const std::string& png,
                    const ChartOptions& o) {
  std::ostringstream s;
  // calf passes calf_suffix='.partial' and renames after success; run by hand, the script
  // writes the final names
  s << "if (!exists('calf_suffix')) calf_suffix = ''\n"
    << "set output (" << Quote(Up(svg)) << " . calf_suffix)\n"
    << body << "unset output\n"
    << "set terminal pngcairo size " << o.width << "," << o.height
    << " noenhanced font 'sans,10' background rgb 'white'\n"
    << "set output (" << Quote(Up(png)) << " . calf_suffix)\nreplot\nunset output\n";
  return s.str();
}

// Runs `script` (absolute) with the working directory of gnuplot set to `dir`, where the script's
// relative paths point.
void RunGnuplot(const std::string& gnuplot, const std::string& dir, const std::string& script,
                const std::string& log) {
  posix_spawn_file_actions_t actions;
  if (posix_spawn_file_actions_init(&actions) != 0) {
    throw IoError("cannot start gnuplot: posix_spawn_file_actions_init failed", ExitCode::kRuntime);
  }
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  std::string define = std::string("calf_suffix='") + core::kPartialSuffix + "'; cd " + Quote(dir);
  std::vector<char*> argv = {const_cast<char*>(gnuplot.c_str()), const_cast<char*>("-e"),
                             define.data(), const_cast<char*>(script.c_str()), nullptr};
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, gnuplot.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    throw IoError("cannot start " + gnuplot + ": " + std::strerror(rc), ExitCode::kRuntime);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) throw IoError("waitpid on gnuplot failed", ExitCode::kRuntime);
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::ifstream in(log);
    std::string line, first;
    while (std::getline(in, line)) {
      if (line.find_first_not_of(" \t^") != std::string::npos &&
          line.find("arning") == std::string::npos) {
        first = line;
        break;
      }
    }
    throw IoError("gnuplot failed on " + script + " (see " + log + "): " + first,
                  ExitCode::kRuntime);
  }
}

// An x range for log-scale N with a margin, so points do not sit on the frame.
std::string LogXRange(const Series& s) {
  int lo = 0, hi = 0;
  for (const Design* d : {&s.old_design, &s.new_design}) {
    for (const auto& run : d->runs) {
      lo = lo == 0 ? run.n_agents : std::min(lo, run.n_agents);
      hi = std::max(hi, run.n_agents);
    }
  }
  std::ostringstream r;
  r << "set xrange [" << lo / 1.25 << ":" << hi * 1.25 << "]\n";
  return r.str();
}

std::string FpsChart(const Series& s, const std::string& dat) {
  std::ostringstream data;
  double fps_lo = 0, fps_hi = 0;
  for (const Design* d : {&s.old_design, &s.new_design}) {
    data << "# " << d->label << ": N fps_avg repeat_fps_min repeat_fps_max\n";
    for (const auto& run : d->runs) {
      const auto mm = std::minmax_element(run.repeat_fps.begin(), run.repeat_fps.end());
      fps_lo = fps_lo == 0 ? *mm.first : std::min(fps_lo, *mm.first);
      fps_hi = std::max(fps_hi, *mm.second);
      data << run.n_agents << " " << run.fps_avg << " " << *mm.first << " " << *mm.second << "\n";
    }
    data << "\n\n";
  }
  WriteFile(dat, data.str());
  std::ostringstream p;
  p << "set title 'FPS versus number of agents'\n"
    << "set logscale x\n"
    << LogXRange(s) << "set xlabel 'agents N (log scale)'\n";
  // FPS over N = 3 .. 10,000 spans decades: a linear axis hides the 30/60 FPS lines and every
  // large-N point, so switch to log scale when the range exceeds 20x
  const double y_lo = std::min(fps_lo, 30.0) / 1.5, y_hi = std::max(fps_hi, 60.0) * 1.5;
  if (fps_lo > 0 && fps_hi / std::min(fps_lo, 30.0) > 20.0) {
    p << "set logscale y\nset yrange [" << y_lo << ":" << y_hi << "]\n"
      << "set ylabel 'frames per second (log scale)'\n";
  } else {
    p << "set yrange [0:*]\nset ylabel 'frames per second'\n";
  }
  p << "set grid\nset key outside right top\n"
    << "set style fill transparent solid 0.2 noborder\n"
    << "plot " << Quote(Local(dat)) << " index 0 using 1:3:4 with filledcurves lc rgb '"
    << kOldColor << "' title " << Quote(s.old_design.label + " repeat spread") << ", \\\n"
    << "  '' index 0 using 1:2 with linespoints lw 2 pt 7 lc rgb '" << kOldColor << "' title "
    << Quote(s.old_design.label) << ", \\\n"
    << "  '' index 1 using 1:3:4 with filledcurves lc rgb '" << kNewColor << "' title "
    << Quote(s.new_design.label + " repeat spread") << ", \\\n"
    << "  '' index 1 using 1:2 with linespoints lw 2 pt 5 lc rgb '" << kNewColor << "' title "
    << Quote(s.new_design.label) << ", \\\n"
    << "  30 with lines dt 2 lw 1.5 lc rgb '#555555' title '30 FPS', \\\n"
    << "  60 with lines dt 3 lw 1.5 lc rgb '#000000' title '60 FPS'\n";
  return p.str();
}

std::string BreakdownChart(const Comparison& c, const std::string& dat) {
  const Series& s = c.series.front();
  std::ostringstream data;
  data << "# design";
  for (const auto& row : c.breakdown) data << " " << row.section;
  data << "\n" << DataLabel(s.old_design.label);
  for (const auto& row : c.breakdown) data << " " << row.old_ms;
  data << "\n" << DataLabel(s.new_design.label);
  for (const auto& row : c.breakdown) data << " " << row.new_ms;
  data << "\n";
  WriteFile(dat, data.str());
  std::ostringstream p;
  p << "set title " << Quote("Frame-time breakdown at N=" + std::to_string(c.focus_n)) << "\n"
    << "set style data histograms\nset style histogram rowstacked\n"
    << "set style fill solid 0.85 border rgb '#333333'\nset boxwidth 0.55\n"
    << "set ylabel 'milliseconds per frame'\nset yrange [0:*]\nset grid ytics\n"
    << "set key outside right top invert\nset xrange [-0.6:1.6]\n"
    << "plot ";
  for (std::size_t i = 0; i < c.breakdown.size(); ++i) {
    p << (i ? ", \\\n  ''" : Quote(Local(dat))) << " using " << i + 2 << (i ? "" : ":xtic(1)")
      << " lc rgb '" << kSectionColors[i % 6] << "' title " << Quote(c.breakdown[i].section);
  }
  p << "\n";
  return p.str();
}

std::string CountersChart(const Series& s, const std::string& dat) {
  std::ostringstream data;
  bool positive = true;
  double y_lo = 0, y_hi = 0;
  for (const Design* d : {&s.old_design, &s.new_design}) {
    data << "# " << d->label << ": N gpu_queries draw_calls\n";
    for (const auto& run : d->runs) {
      data << run.n_agents << " " << run.gpu_queries << " " << run.draw_calls << "\n";
      positive = positive && run.gpu_queries > 0 && run.draw_calls > 0;
      for (double v : {run.gpu_queries, run.draw_calls}) {
        y_lo = y_lo == 0 ? v : std::min(y_lo, v);
        y_hi = std::max(y_hi, v);
      }
    }
    data << "\n\n";
  }
  WriteFile(dat, data.str());
  std::ostringstream p;
  p << "set title 'Critic queries and draw calls per frame'\n"
    << "set logscale x\n"
    << LogXRange(s);
  if (positive) {
    p << "set logscale y\nset yrange [" << y_lo / 2 << ":" << y_hi * 2 << "]\n";
  } else {
    p << "set yrange [0:*]\n";
  }
  p << "set xlabel 'agents N (log scale)'\n"
    << "set ylabel " << Quote(positive ? "per frame (log scale)" : "per frame") << "\n"
    << "set grid\nset key outside right top\n"
    << "plot " << Quote(Local(dat)) << " index 0 using 1:2 with linespoints lw 2 pt 7 lc rgb '"
    << kOldColor << "' title " << Quote(s.old_design.label + " critic queries") << ", \\\n"
    << "  '' index 0 using 1:3 with linespoints lw 2 dt 2 pt 6 lc rgb '" << kOldColor << "' title "
    << Quote(s.old_design.label + " draw calls") << ", \\\n"
    << "  '' index 1 using 1:2 with linespoints lw 2 pt 5 lc rgb '" << kNewColor << "' title "
    << Quote(s.new_design.label + " critic queries") << ", \\\n"
    << "  '' index 1 using 1:3 with linespoints lw 2 dt 2 pt 4 lc rgb '" << kNewColor << "' title "
    << Quote(s.new_design.label + " draw calls") << "\n";
  return p.str();
}

std::string AblationChart(const Comparison& c, const std::string& dat) {
  std::ostringstream data;
  data << "# mode speedup ci_low ci_high (baseline = 1)\n";
  for (const auto& row : c.ablation) {
    data << DataLabel(row.mode) << " " << row.vs_baseline.speedup.ratio << " "
         << row.vs_baseline.speedup.low << " " << row.vs_baseline.speedup.high << "\n";
  }
  WriteFile(dat, data.str());
  std::ostringstream p;
  p << "set title "
    << Quote("Ablation at N=" + std::to_string(c.ablation_n) + ": speed-up over " +
             c.options.baseline_mode)
    << "\n"
    << "set style fill solid 0.7 border rgb '#333333'\nset boxwidth 0.6\n"
    << "set ylabel 'speed-up (baseline frame time / mode frame time)'\n"
    << "set yrange [0:*]\nset grid ytics\nset xtics rotate by -20\nset key outside right top\n"
    << "set xrange [-0.6:" << static_cast<double>(c.ablation.size()) - 0.4 << "]\n"
    << "plot " << Quote(Local(dat)) << " using 0:2:xtic(1) with boxes lc rgb '" << kNewColor
    << "' title 'speed-up', \\\n"
    << "  '' using 0:2:3:4 with yerrorbars lc rgb '#000000' pt 0 title "
    << Quote(std::to_string(static_cast<int>(c.options.confidence * 100 + 0.5)) + "% bootstrap CI")
    << ", \\\n  1 with lines dt 2 lc rgb '#555555' title " << Quote(c.options.baseline_mode)
    << "\n";
  return p.str();
}

}  // namespace

std::string FindGnuplot(const std::string& gnuplot) {
  const std::string missing = "gnuplot not found; install gnuplot-nox or run make deps";
  if (gnuplot.empty()) throw ConfigError(missing);
  if (gnuplot.find('/') != std::string::npos) {
    if (!IsExecutable(gnuplot)) throw ConfigError(missing + " (no executable at " + gnuplot + ")");
    return gnuplot;
  }
  const char* path_env = std::getenv("PATH");
  std::stringstream dirs(path_env ? path_env : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    const std::string candidate = (dir.empty() ? std::string(".") : dir) + "/" + gnuplot;
    if (IsExecutable(candidate)) return candidate;
  }
  throw ConfigError(missing);
}

std::vector<ChartFiles> WriteCharts(const Comparison& comparison, const std::string& out_dir,
                                    const ChartOptions& options) {
  const std::string gnuplot = FindGnuplot(options.gnuplot);
  CALF_CHECK(!comparison.series.empty());
  std::error_code ec;
  const fs::path out = fs::absolute(out_dir, ec);
  const fs::path src = out / "gnuplot";
  core::PrepareOutputDir(src.string(), "chart directory");

  struct Spec {
    std::string name, title;
  };
  std::vector<Spec> specs = {{"fps_vs_n", "FPS versus number of agents"},
                             {"breakdown", "Frame-time breakdown per design"},
                             {"counters_vs_n", "Critic queries and draw calls per frame"}};
  if (!comparison.ablation.empty()) specs.push_back({"ablation", "Ablation: each flag alone"});

  std::vector<ChartFiles> charts;
  for (const auto& spec : specs) {
    ChartFiles files{spec.name, spec.title, (out / (spec.name + ".svg")).string(),
                     (out / (spec.name + ".png")).string()};
    const std::string dat = (src / (spec.name + ".dat")).string();
    const std::string script = (src / (spec.name + ".gp")).string();
    std::string body;
    if (spec.name == "fps_vs_n") body = FpsChart(comparison.series.front(), dat);
    if (spec.name == "breakdown") body = BreakdownChart(comparison, dat);
    if (spec.name == "counters_vs_n") body = CountersChart(comparison.series.front(), dat);
    if (spec.name == "ablation") body = AblationChart(comparison, dat);
    WriteFile(script, Header(options) + Outputs(body, files.svg, files.png, options));
    // gnuplot writes each chart to its OutputFile's temporary (calf_suffix); an error path
    // removes both
    core::OutputFile svg(files.svg, "chart"), png(files.png, "chart");
    RunGnuplot(gnuplot, src.string(), script, (src / (spec.name + ".log")).string());
    for (core::OutputFile* f : {&svg, &png}) {
      if (fs::file_size(f->temp_path(), ec) == 0 || ec) {
        throw IoError("gnuplot wrote no " + f->temp_path() + " from " + script, ExitCode::kRuntime);
      }
      f->Commit();
    }
    charts.push_back(files);
  }
  return charts;
}

}  // namespace calf::report
