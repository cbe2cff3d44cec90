#include "report/sections.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "core/version.h"

namespace calf::report {
namespace {

std::string VerdictText(const Change& c) {
  // too few repeats are explained once, in the summary, not tagged on every row
  return c.verdict == Verdict::kFaster   ? "faster"
         : c.verdict == Verdict::kSlower ? "slower"
                                         : "no significant change";
}

std::string Join(const std::vector<std::string>& items, const std::string& sep) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) out += (i ? sep : "") + items[i];
  return out;
}

std::string Headline(const Comparison& c) {
  const Series& s = c.series.front();
  const Change& h = c.headline;
  std::string text = "Headline at N=" + std::to_string(c.focus_n) + ": ";
  if (c.focus_n != c.requested_focus_n) {
    text = "Headline at N=" + std::to_string(c.focus_n) +
           " (N=" + std::to_string(c.requested_focus_n) + " was not measured; closest N shown): ";
  }
  text += s.new_design.label + " runs at " + FormatSpeedup(h.speedup) + " the speed of " +
          s.old_design.label + " (mean frame time " + FormatFixed(h.old_mean_ms, 2) + " -> " +
          FormatFixed(h.new_mean_ms, 2) + " ms, " + FormatChange(h.change) + ", p " +
          (h.test.p_value < 0.001 ? "< 0.001" : "= " + FormatP(h.test.p_value)) + "): ";
  text += VerdictText(h) + ".";
  return text;
}

// the render size of a --render on sweep, "1280x720" (empty when the config lacks it)
std::string RenderSize(const Comparison& render) {
  if (render.sources.empty()) return "";
  const nlohmann::json& config = render.sources.front().config;
  if (!config.contains("width") || !config.contains("height")) return "";
  return std::to_string(config["width"].get<long long>()) + "x" +
         std::to_string(config["height"].get<long long>());
}

// "With drawing (--render on, 1280x720): optimized runs at 2.1x [..] the speed of baseline at
// N=20 (FPS 126.0 -> 157.0) and at 2.9x [..] at N=1000 (FPS 12.0 -> 35.0)."
std::string RenderHeadline(const Comparison& render) {
  const Series& s = render.series.front();
  const std::string size = RenderSize(render);
  std::string text = "With drawing (--render on" + (size.empty() ? "" : ", " + size) +
                     ", what a person sees): " + s.new_design.label + " runs at ";
  for (std::size_t i = 0; i < s.rows.size(); ++i) {
    const NRow& r = s.rows[i];
    text += (i == 0                   ? ""
             : i + 1 == s.rows.size() ? " and at "
                                      : ", at ") +
            FormatSpeedup(r.change.speedup) +
            (i == 0 ? " the speed of " + s.old_design.label : "") +
            " at N=" + std::to_string(r.n_agents) + " (FPS " + FormatFixed(r.old_fps_avg, 1) +
            " -> " + FormatFixed(r.new_fps_avg, 1) + ", " + VerdictText(r.change) + ")";
  }
  return text + ".";
}

Table RenderTable(const Comparison& render, const CompareOptions& o) {
  const Series& s = render.series.front();
  const std::string size = RenderSize(render);
  Table t;
  t.caption = "Drawing included (--render on" + (size.empty() ? "" : ", " + size) + ")";
  t.header = {"N",
              "FPS " + s.old_design.label,
              "FPS " + s.new_design.label,
              "Frame ms " + s.old_design.label,
              "Frame ms " + s.new_design.label,
              "Speed-up [" + std::to_string(static_cast<int>(o.confidence * 100 + 0.5)) + "% CI]",
              "p",
              "Verdict"};
  t.numeric = {true, true, true, true, true, true, true, false};
  for (const auto& r : s.rows) {
    t.rows.push_back({std::to_string(r.n_agents), FormatFixed(r.old_fps_avg, 1),
                      FormatFixed(r.new_fps_avg, 1), FormatFixed(r.old_ft_avg_ms, 2),
                      FormatFixed(r.new_ft_avg_ms, 2), FormatSpeedup(r.change.speedup),
                      FormatP(r.change.test.p_value), VerdictText(r.change)});
  }
  return t;
}

Table CapacityTable(const Comparison& c) {
  const Series& s = c.series.front();
  Table t;
  t.header = {"Design", "Largest N holding 30 FPS", "Largest N holding 60 FPS"};
  t.numeric = {false, true, true};
  t.rows.push_back(
      {s.old_design.label, FormatCapacity(c.old_capacity_30), FormatCapacity(c.old_capacity_60)});
  t.rows.push_back(
      {s.new_design.label, FormatCapacity(c.new_capacity_30), FormatCapacity(c.new_capacity_60)});
  return t;
}

Table PerNTable(const Series& s, const CompareOptions& o) {
  const std::string a = " (" + s.old_design.label + ")", b = " (" + s.new_design.label + ")";
  Table t;
  t.caption = s.title;
  t.header = {"N",
              "FPS avg" + a,
              "FPS avg" + b,
              "FPS min" + a,
              "FPS min" + b,
              "Frame avg ms" + a,
              "Frame avg ms" + b,
              "Frame p95 ms" + a,
              "Frame p95 ms" + b,
              "Change",
              "Speed-up [" + std::to_string(static_cast<int>(o.confidence * 100 + 0.5)) + "% CI]",
              "p",
              "Verdict"};
  t.numeric = {true, true, true, true, true, true, true, true, true, true, true, true, false};
  for (const auto& r : s.rows) {
    t.rows.push_back({std::to_string(r.n_agents), FormatFixed(r.old_fps_avg, 1),
                      FormatFixed(r.new_fps_avg, 1), FormatFixed(r.old_fps_min, 1),
                      FormatFixed(r.new_fps_min, 1), FormatFixed(r.old_ft_avg_ms, 2),
                      FormatFixed(r.new_ft_avg_ms, 2), FormatFixed(r.old_ft_p95_ms, 2),
                      FormatFixed(r.new_ft_p95_ms, 2), FormatChange(r.change.change),
                      FormatSpeedup(r.change.speedup), FormatP(r.change.test.p_value),
                      VerdictText(r.change)});
  }
  return t;
}

// One note on too few repeats: which rows it concerns (all, or the N listed) and why it matters.
std::string RepeatsNote(const Comparison& c) {
  const int threshold = c.options.min_reliable_repeats;
  int fewest = 0;
  for (const auto& s : c.series) {
    for (const Design* d : {&s.old_design, &s.new_design}) {
      for (const auto& run : d->runs)
        fewest = fewest == 0 ? run.repeats : std::min(fewest, run.repeats);
    }
  }
  std::vector<std::string> where;
  std::size_t rows = 0;
  for (const auto& s : c.series) {
    for (const auto& r : s.rows) {
      ++rows;
      if (!r.change.reliable) {
        where.push_back("N=" + std::to_string(r.n_agents) +
                        (c.series.size() > 1 ? " (" + s.new_design.mode + ")" : ""));
      }
    }
  }
  for (const auto& a : c.ablation) {
    ++rows;
    if (!a.vs_baseline.reliable) where.push_back(a.mode + " at N=" + std::to_string(c.ablation_n));
  }
  if (where.empty()) return "";
  const std::string scope =
      where.size() == rows ? "every comparison" : "the comparisons at " + Join(where, ", ");
  return "Fewer than " + std::to_string(threshold) + " repeats per run (as few as " +
         std::to_string(fewest) + " here) in " + scope +
         ": verdicts are indicative, not conclusive. Frames within a repeat are correlated, so "
         "p-values from many frames are optimistic; only repeats add independent evidence "
         "(profile with --repeats " +
         std::to_string(threshold) + " or more; --min-repeats sets this threshold).";
}

// What the measured frame time includes: render off and sections that never ran (a heat map
// whose update fell outside the measured frames) make FPS look better than the visualiser's.
std::string MeasuredNote(const Comparison& c) {
  const Series& s = c.series.front();
  std::vector<std::string> render_off;
  for (const Design* d : {&s.old_design, &s.new_design}) {
    const Summary* run = d->Find(c.focus_n);
    if (run != nullptr && !run->render) render_off.push_back(d->label);
  }
  std::vector<std::string> measured, idle;
  for (const auto& row : c.breakdown) {
    const bool ran = row.old_ms > 0 || row.new_ms > 0;
    (ran ? measured : idle).push_back(row.section);
  }
  std::string text = "Measured at N=" + std::to_string(c.focus_n) + ": " +
                     (measured.empty() ? std::string("no section") : Join(measured, ", ")) + ".";
  if (!render_off.empty()) {
    text += std::string(" Render off") +
            (render_off.size() == 2 ? "" : " for " + render_off.front()) +
            ": FPS and frame times exclude drawing (profile with --render on to include it).";
  }
  for (const auto& section : idle) {
    if (section == "heatmap") {
      text +=
          " Heatmap 0 ms: no heat-map update fell inside the measured frames, so FPS excludes "
          "its cost (profile more frames or a smaller heatmap_update_freq).";
    } else if (section != "render" || render_off.empty()) {
      text += " " + section + ": 0 ms in every measured frame.";
    }
  }
  return text;
}

std::string Counter(double v) {
  // counts per frame are usually integral; keep one decimal when they are not
  return std::fabs(v - std::round(v)) < 1e-9 ? FormatFixed(v, 0) : FormatFixed(v, 1);
}

// Findings read off the measurements: where the new design's time goes, what each flag bought,
// whether draw calls still scale with N, where the new design is slower or misses 60 FPS.
Section RecommendationsSection(const Comparison& c) {
  const Series& primary = c.series.front();
  const std::string& new_label = primary.new_design.label;
  Section r;
  r.id = "recommendations";
  r.title = "Recommendations";
  r.paragraphs.push_back("Read off the measurements above; each point names its evidence.");
  for (const auto& b : c.bottlenecks) {
    if (b.n_agents != c.focus_n) continue;
    r.bullets.push_back("Next target: " + b.new_section + ", which takes " +
                        FormatFixed(b.new_percent, 1) + "% of " + new_label +
                        "'s frame at N=" + std::to_string(b.n_agents) + ".");
  }
  if (!c.bottlenecks.empty()) {
    const BottleneckRow& last = c.bottlenecks.back();
    std::string focus_section;
    for (const auto& b : c.bottlenecks) {
      if (b.n_agents == c.focus_n) focus_section = b.new_section;
    }
    if (last.n_agents != c.focus_n && last.new_section != focus_section) {
      r.bullets.push_back("At the largest N (" + std::to_string(last.n_agents) + ") " +
                          last.new_section + " dominates instead (" +
                          FormatFixed(last.new_percent, 1) + "% of the frame).");
    }
  }
  if (!c.ablation.empty()) {
    const AblationRow* best = nullptr;
    std::vector<std::string> idle;
    for (const auto& a : c.ablation) {
      if (a.mode == c.options.candidate_mode) continue;
      if (a.vs_baseline.verdict == Verdict::kFaster &&
          (best == nullptr || a.vs_baseline.speedup.ratio > best->vs_baseline.speedup.ratio)) {
        best = &a;
      }
      if (a.vs_baseline.verdict != Verdict::kFaster) idle.push_back(a.mode);
    }
    if (best != nullptr) {
      r.bullets.push_back("Largest single gain at N=" + std::to_string(c.ablation_n) + ": " +
                          best->mode + " (" + FormatSpeedup(best->vs_baseline.speedup) + ").");
    }
    if (!idle.empty()) {
      r.bullets.push_back("No significant gain alone at N=" + std::to_string(c.ablation_n) + ": " +
                          Join(idle, ", ") +
                          " (their value, if any, is at other N or in combination).");
    }
  }
  if (c.counters.size() >= 2) {
    const CounterRow& lo = c.counters.front();
    const CounterRow& hi = c.counters.back();
    const bool grows = hi.new_draw_calls > 2.0 * std::max(lo.new_draw_calls, 1.0);
    r.bullets.push_back(std::string("Draw calls of ") + new_label + " " +
                        (grows ? "still grow with N" : "stay flat in N") + ": " +
                        Counter(lo.new_draw_calls) + " at N=" + std::to_string(lo.n_agents) + ", " +
                        Counter(hi.new_draw_calls) + " at N=" + std::to_string(hi.n_agents) + ".");
  }
  std::vector<std::string> slower;
  for (const auto& s : c.series) {
    for (const auto& row : s.rows) {
      if (row.change.verdict == Verdict::kSlower) {
        slower.push_back(s.new_design.mode + " at N=" + std::to_string(row.n_agents) + " (" +
                         FormatChange(row.change.change) + ")");
      }
    }
  }
  if (!slower.empty()) {
    r.bullets.push_back("Significantly slower: " + Join(slower, ", ") +
                        "; investigate before merging.");
  }
  if (!c.new_capacity_60.max_n || *c.new_capacity_60.max_n < c.focus_n) {
    r.bullets.push_back(new_label + " does not hold 60 FPS at N=" + std::to_string(c.focus_n) +
                        " (largest N at 60 FPS: " + FormatCapacity(c.new_capacity_60) + ").");
  }
  return r;
}

}  // namespace

std::string FormatFixed(double value, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  return buf;
}

std::string FormatChange(double fraction) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%+.1f%%", 100.0 * fraction);
  return buf;
}

std::string FormatP(double p) { return p < 0.001 ? "<0.001" : FormatFixed(p, 3); }

std::string FormatSpeedup(const RatioInterval& r) {
  char buf[96];
  std::snprintf(buf, sizeof buf, "%.2fx [%.2f, %.2f]", r.ratio, r.low, r.high);
  return buf;
}

std::string FormatCapacity(const Capacity& c) {
  if (!c.max_n) return c.first_miss_n ? "below " + std::to_string(*c.first_miss_n) : "none";
  if (c.first_miss_n) {
    return "between " + std::to_string(*c.max_n) + " and " + std::to_string(*c.first_miss_n);
  }
  return (c.holds_all ? ">= " : "") + std::to_string(*c.max_n);
}

std::vector<Section> BuildSections(const Comparison& c, const std::optional<GateOutcome>& gate,
                                   const std::vector<ImageRef>& screenshots,
                                   const Comparison* render) {
  const Series& primary = c.series.front();
  const std::string old_label = primary.old_design.label;
  const std::string new_label = primary.new_design.label;
  std::vector<Section> sections;

  Section summary;
  summary.id = "summary";
  summary.title = "Executive summary";
  if (render != nullptr) {
    summary.bullets.push_back(RenderHeadline(*render));
    summary.bullets.push_back("Without drawing (--render off: the frame pipeline alone). " +
                              Headline(c));
    summary.tables.push_back(RenderTable(*render, c.options));
  } else {
    summary.bullets.push_back(Headline(c));
  }
  summary.bullets.push_back(
      std::string(render != nullptr ? "Render off: largest" : "Largest") +
      " N holding 30 FPS: " + old_label + " " + FormatCapacity(c.old_capacity_30) + ", " +
      new_label + " " + FormatCapacity(c.new_capacity_30) + "; holding 60 FPS: " + old_label + " " +
      FormatCapacity(c.old_capacity_60) + ", " + new_label + " " +
      FormatCapacity(c.new_capacity_60) +
      " (every measured N up to it holds; \"between a and b\": N=a holds, N=b misses, the limit "
      "lies in between; \">=\": even the largest measured N holds).");
  summary.bullets.push_back(MeasuredNote(c));
  const std::string repeats_note = RepeatsNote(c);
  if (!repeats_note.empty()) summary.bullets.push_back(repeats_note);
  if (!c.machine_differences.empty()) {
    summary.bullets.push_back("The profiles ran on different machines (" +
                              Join(c.machine_differences, ", ") +
                              "): absolute numbers are not comparable.");
  }
  if (gate) {
    summary.bullets.push_back(
        "Regression gate (" + FormatFixed(100.0 * gate->threshold, 1) + "%): " +
        (gate->regressions.empty()
             ? "PASS"
             : "FAIL at " + std::to_string(gate->regressions.size()) + " point(s)") +
        ".");
  }
  summary.tables.push_back(CapacityTable(c));
  summary.charts.push_back("fps_vs_n");
  sections.push_back(summary);

  if (gate) {
    Section g;
    g.id = "gate";
    g.title = "Regression gate";
    g.paragraphs.push_back(
        "Fails when the newer design is significantly slower (Mann-Whitney p < " +
        FormatFixed(c.options.alpha, 2) + ") and its mean frame time grew by more than " +
        FormatFixed(100.0 * gate->threshold, 1) + "% at any N.");
    if (gate->regressions.empty()) {
      g.paragraphs.push_back("PASS: no significant slowdown beyond the threshold.");
    } else {
      g.paragraphs.push_back("FAIL:");
      for (const auto& r : gate->regressions) g.bullets.push_back(r.Describe());
    }
    sections.push_back(g);
  }

  Section per_n;
  per_n.id = "per-n";
  per_n.title = "Results per N";
  per_n.paragraphs.push_back(
      "Change is (new - old) / |old| of the mean frame time (negative = faster); speed-up is "
      "old mean frame time / new mean frame time. A verdict other than \"no significant "
      "change\" needs p < " +
      FormatFixed(c.options.alpha, 2) + ".");
  for (const auto& s : c.series) per_n.tables.push_back(PerNTable(s, c.options));
  sections.push_back(per_n);

  Section breakdown;
  breakdown.id = "breakdown";
  breakdown.title = "Frame-time breakdown at N=" + std::to_string(c.focus_n);
  {
    Table t;
    t.header = {"Section",         old_label + " ms", old_label + " %",
                new_label + " ms", new_label + " %",  "Delta ms"};
    t.numeric = {false, true, true, true, true, true};
    double old_total = 0, new_total = 0;
    for (const auto& r : c.breakdown) {
      t.rows.push_back({r.section, FormatFixed(r.old_ms, 2), FormatFixed(r.old_percent, 1),
                        FormatFixed(r.new_ms, 2), FormatFixed(r.new_percent, 1),
                        FormatFixed(r.new_ms - r.old_ms, 2)});
      old_total += r.old_ms;
      new_total += r.new_ms;
    }
    t.rows.push_back({"total (sections)", FormatFixed(old_total, 2), "", FormatFixed(new_total, 2),
                      "", FormatFixed(new_total - old_total, 2)});
    breakdown.tables.push_back(t);
  }
  breakdown.charts.push_back("breakdown");
  sections.push_back(breakdown);

  Section counters;
  counters.id = "counters";
  counters.title = "Critic queries and draw calls per frame";
  {
    Table t;
    t.header = {"N",
                "Critic queries (" + old_label + ")",
                "Critic queries (" + new_label + ")",
                "Draw calls (" + old_label + ")",
                "Draw calls (" + new_label + ")",
                "Mesh updates (" + old_label + ")",
                "Mesh updates (" + new_label + ")",
                "KiB uploaded (" + old_label + ")",
                "KiB uploaded (" + new_label + ")"};
    t.numeric = std::vector<bool>(9, true);
    for (const auto& r : c.counters) {
      t.rows.push_back({std::to_string(r.n_agents), Counter(r.old_gpu_queries),
                        Counter(r.new_gpu_queries), Counter(r.old_draw_calls),
                        Counter(r.new_draw_calls), Counter(r.old_mesh_updates),
                        Counter(r.new_mesh_updates), FormatFixed(r.old_bytes_uploaded / 1024.0, 1),
                        FormatFixed(r.new_bytes_uploaded / 1024.0, 1)});
    }
    counters.tables.push_back(t);
  }
  counters.charts.push_back("counters_vs_n");
  sections.push_back(counters);

  Section ablation;
  ablation.id = "ablation";
  ablation.title = "Ablation";
  if (c.ablation.empty()) {
    ablation.paragraphs.push_back("No ablation runs (modes other than " + c.options.baseline_mode +
                                  " and " + c.options.candidate_mode + ") in this comparison.");
  } else {
    ablation.title = "Ablation at N=" + std::to_string(c.ablation_n);
    std::string from = "Each mode of " + c.ablation_source + " against " + c.options.baseline_mode +
                       " at the same N";
    if (!c.ablation_baseline_source.empty() && c.ablation_baseline_source != c.ablation_source) {
      from += " (" + c.options.baseline_mode + " and modes it did not measure taken from " +
              c.ablation_baseline_source + ")";
    }
    ablation.paragraphs.push_back(from + ".");
    Table t;
    t.header = {"Mode",   "Flags on", "FPS avg", "Frame avg ms", "Speed-up vs baseline",
                "Change", "p",        "Verdict"};
    t.numeric = {false, false, true, true, true, true, true, false};
    const Change& any = c.ablation.front().vs_baseline;
    t.rows.push_back({c.options.baseline_mode, "(none)", FormatFixed(1000.0 / any.old_mean_ms, 1),
                      FormatFixed(any.old_mean_ms, 2), "1.00x", "", "", "reference"});
    for (const auto& r : c.ablation) {
      t.rows.push_back({r.mode, r.flags_on.empty() ? "(none)" : Join(r.flags_on, ", "),
                        FormatFixed(r.fps_avg, 1), FormatFixed(r.ft_avg_ms, 2),
                        FormatSpeedup(r.vs_baseline.speedup), FormatChange(r.vs_baseline.change),
                        FormatP(r.vs_baseline.test.p_value), VerdictText(r.vs_baseline)});
    }
    ablation.tables.push_back(t);
    ablation.charts.push_back("ablation");
  }
  sections.push_back(ablation);

  Section bottleneck;
  bottleneck.id = "bottlenecks";
  bottleneck.title = "Bottleneck analysis";
  {
    for (const auto& r : c.bottlenecks) {
      if (r.n_agents != c.focus_n) continue;
      bottleneck.paragraphs.push_back(
          "At N=" + std::to_string(r.n_agents) + " " + old_label + " spends the largest share of " +
          "its frame in " + r.old_section + " (" + FormatFixed(r.old_percent, 1) + "%); " +
          new_label + " in " + r.new_section + " (" + FormatFixed(r.new_percent, 1) + "%).");
    }
    Table t;
    t.header = {"N", "Dominant section (" + old_label + ")", "Share (" + old_label + ")",
                "Dominant section (" + new_label + ")", "Share (" + new_label + ")"};
    t.numeric = {true, false, true, false, true};
    for (const auto& r : c.bottlenecks) {
      t.rows.push_back({std::to_string(r.n_agents), r.old_section,
                        FormatFixed(r.old_percent, 1) + "%", r.new_section,
                        FormatFixed(r.new_percent, 1) + "%"});
    }
    bottleneck.tables.push_back(t);
  }
  sections.push_back(bottleneck);
  sections.push_back(RecommendationsSection(c));

  if (!screenshots.empty()) {
    Section shots;
    shots.id = "screenshots";
    shots.title = "Screenshots";
    shots.paragraphs.push_back(
        "Offscreen renders of the scene (agents, trails and the critic surface), from `calf "
        "screenshot` (videos from `calf screenshot --video`).");
    shots.images = screenshots;
    sections.push_back(shots);
  }

  Section method;
  method.id = "method";
  method.title = "Method";
  method.paragraphs.push_back(
      "Per-frame frame times of all repeats are compared with a two-sided Mann-Whitney U test "
      "(normal approximation with tie and continuity correction; exact distribution for small "
      "samples without ties). The speed-up interval is a " +
      std::to_string(static_cast<int>(c.options.confidence * 100 + 0.5)) +
      "% percentile bootstrap of mean(old) / mean(new) with " +
      std::to_string(c.options.bootstrap_resamples) + " resamples (seed " +
      std::to_string(c.options.seed) +
      ", mixed with N and the two mode names, so the same pair gets the same interval everywhere "
      "in the report). Fewer than " +
      std::to_string(c.options.min_reliable_repeats) +
      " repeats per run weaken every verdict (the summary notes it). Consecutive frames are "
      "correlated, so "
      "p-values are optimistic; prefer more repeats over more frames.");
  sections.push_back(method);

  Section machine;
  machine.id = "machine";
  machine.title = "Machine and config";
  {
    Table t;
    t.header = {"Field"};
    t.numeric = {false};
    for (const auto& p : c.sources) {
      t.header.push_back(c.sources.size() > 1 ? p.label : "Value");
      t.numeric.push_back(false);
    }
    auto row = [&](const std::string& name, auto get) {
      std::vector<std::string> r = {name};
      for (const auto& p : c.sources) r.push_back(get(p));
      t.rows.push_back(r);
    };
    if (c.has_ablation_profile) {
      std::vector<std::string> roles = {"role"};
      for (std::size_t i = 0; i < c.sources.size(); ++i) {
        roles.push_back(i + 1 == c.sources.size() ? "ablation"
                        : c.two_profiles          ? (i == 0 ? "old" : "new")
                                                  : "sweep");
      }
      t.rows.push_back(roles);
    }
    row("path", [](const Profile& p) { return p.path; });
    row("kind", [](const Profile& p) { return std::string(p.is_sweep ? "sweep" : "summary"); });
    row("created", [](const Profile& p) { return p.created; });
    row("calf version",
        [](const Profile& p) { return p.calf_version.empty() ? "-" : p.calf_version; });
    row("git revision",
        [](const Profile& p) { return p.git_revision.empty() ? "-" : p.git_revision; });
    row("system", [](const Profile& p) { return p.system; });
    row("cpu model", [](const Profile& p) { return p.machine.cpu_model; });
    row("cores", [](const Profile& p) { return std::to_string(p.machine.cores); });
    row("hostname", [](const Profile& p) { return p.machine.hostname; });
    machine.tables.push_back(t);
    if (!c.mismatches.empty()) {
      machine.paragraphs.push_back("Compared despite differing fields (--allow-mismatch): " +
                                   Join(c.mismatches, ", ") + ".");
    }
    if (!c.machine_differences.empty()) {
      machine.paragraphs.push_back("The profiles ran on different machines (" +
                                   Join(c.machine_differences, ", ") +
                                   "); absolute numbers are not comparable.");
    }
    machine.paragraphs.push_back(std::string("Report written by calf ") + kVersion + " (" +
                                 kGitRevision + ").");
    machine.code_caption = "Resolved profile config of " + c.sources.front().label + ":";
    machine.code = c.sources.front().config.dump(2);
  }
  sections.push_back(machine);
  return sections;
}

}  // namespace calf::report
