#include "report/comparison.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <optional>

#include "core/error.h"

namespace calf::report {
namespace {

std::string Join(const std::vector<std::string>& items, const std::string& sep) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) out += (i ? sep : "") + items[i];
  return out;
}

std::vector<int> CommonN(const Profile& a, const std::string& mode_a, const Profile& b,
                         const std::string& mode_b) {
  std::vector<int> na = a.AgentCounts(mode_a), nb = b.AgentCounts(mode_b), out;
  std::set_intersection(na.begin(), na.end(), nb.begin(), nb.end(), std::back_inserter(out));
  return out;
}

// One value of a differing field for a message: short scalars and arrays as JSON, "absent" when
// one side lacks the field, "..." for long values.
std::string ValueText(const nlohmann::json* v) {
  if (v == nullptr) return "absent";
  std::string text = v->dump();
  if (text.size() > 40) text = text.substr(0, 37) + "...";
  return text;
}

const nlohmann::json* Lookup(const nlohmann::json& root, const std::string& dotted) {
  const nlohmann::json* node = &root;
  std::size_t start = 0;
  while (start <= dotted.size()) {
    const std::size_t dot = std::min(dotted.find('.', start), dotted.size());
    const std::string key = dotted.substr(start, dot - start);
    if (!node->is_object() || !node->contains(key)) return nullptr;
    node = &node->at(key);
    start = dot + 1;
  }
  return node;
}

// "config.threads (1 vs 2)": a mismatch with both values, so the fix is obvious.
std::string DescribeMismatch(const Profile& a, const Profile& b, const std::string& field) {
  if (field == "system") return "system (\"" + a.system + "\" vs \"" + b.system + "\")";
  const std::string prefix = "config.";
  if (field.rfind(prefix, 0) != 0) return field;
  const std::string path = field.substr(prefix.size());
  return field + " (" + ValueText(Lookup(a.config, path)) + " vs " +
         ValueText(Lookup(b.config, path)) + ")";
}

std::string DescribeMachine(const Profile& a, const Profile& b, const std::string& field) {
  if (field == "machine.cpu_model") {
    return field + " (\"" + a.machine.cpu_model + "\" vs \"" + b.machine.cpu_model + "\")";
  }
  if (field == "machine.cores") {
    return field + " (" + std::to_string(a.machine.cores) + " vs " +
           std::to_string(b.machine.cores) + ")";
  }
  if (field == "machine.hostname") {
    return field + " (\"" + a.machine.hostname + "\" vs \"" + b.machine.hostname + "\")";
  }
  return field;
}

// Checks that `a` and `b` describe the same experiment (and, when the options require it, the
// same machine); records what differs into `cmp`, suffixed with `tag` (empty or " (ablation)").
void CheckComparable(const Profile& a, const Profile& b, const CompareOptions& options,
                     const std::string& tag, Comparison* cmp) {
  const auto mismatches = ProfileMismatches(a, b, options.ignored_config_keys);
  if (!mismatches.empty() && !options.allow_mismatch) {
    std::vector<std::string> described;
    for (const auto& m : mismatches) described.push_back(DescribeMismatch(a, b, m));
    throw ConfigError(a.path + " and " + b.path + " differ in " + Join(described, ", ") +
                      "; compare like with like or pass --allow-mismatch");
  }
  for (const auto& m : mismatches) cmp->mismatches.push_back(m + tag);
  const auto machine = MachineDifferences(a, b);
  if (!machine.empty() && options.require_same_machine && !options.allow_mismatch) {
    std::vector<std::string> described;
    for (const auto& m : machine) described.push_back(DescribeMachine(a, b, m));
    throw ConfigError(a.path + " and " + b.path + " ran on different machines (" +
                      Join(described, ", ") +
                      "); a regression gate across machines measures the machines, not the code: "
                      "profile both on one machine or pass --allow-mismatch");
  }
  for (const auto& m : machine) cmp->machine_differences.push_back(m + tag);
}

void SortSummaries(Profile* p) {
  std::stable_sort(p->summaries.begin(), p->summaries.end(),
                   [](const Summary& a, const Summary& b) {
                     return a.mode != b.mode ? a.mode < b.mode : a.n_agents < b.n_agents;
                   });
}

Summary Lite(const Summary& s) {
  Summary lite = s;
  lite.frame_times_ms.clear();
  lite.frame_times_ms.shrink_to_fit();
  return lite;
}

// Builds a series from (profile, mode) pairs over `ns`; each row's bootstrap is seeded by
// PairSeed, so rows are independent yet reproducible.
Series BuildSeries(const std::string& title, const Profile& old_p, const std::string& old_mode,
                   const std::string& old_label, const Profile& new_p, const std::string& new_mode,
                   const std::string& new_label, const std::vector<int>& ns,
                   const CompareOptions& options) {
  Series series;
  series.title = title;
  series.old_design.label = old_label;
  series.old_design.mode = old_mode;
  series.new_design.label = new_label;
  series.new_design.mode = new_mode;
  for (const Summary& s : old_p.summaries) {
    if (s.mode == old_mode) series.old_design.runs.push_back(Lite(s));
  }
  for (const Summary& s : new_p.summaries) {
    if (s.mode == new_mode) series.new_design.runs.push_back(Lite(s));
  }
  for (int n : ns) {
    const Summary* o = old_p.Find(old_mode, n);
    const Summary* w = new_p.Find(new_mode, n);
    NRow row;
    row.n_agents = n;
    row.old_fps_avg = o->fps_avg;
    row.new_fps_avg = w->fps_avg;
    row.old_fps_min = o->fps_min;
    row.new_fps_min = w->fps_min;
    row.old_ft_avg_ms = o->frame_time_avg_ms;
    row.new_ft_avg_ms = w->frame_time_avg_ms;
    row.old_ft_p95_ms = o->frame_time_p95_ms;
    row.new_ft_p95_ms = w->frame_time_p95_ms;
    CompareOptions row_options = options;
    row_options.seed = PairSeed(options.seed, n, old_mode, new_mode);
    row.change = CompareSamples(o->frame_times_ms, w->frame_times_ms, o->repeats, w->repeats,
                                row_options, title + " at N=" + std::to_string(n));
    series.rows.push_back(row);
  }
  return series;
}

int ClosestN(const std::vector<NRow>& rows, int wanted) {
  int best = rows.front().n_agents;
  for (const auto& row : rows) {
    // ties go to the smaller N (rows ascend)
    if (std::abs(row.n_agents - wanted) < std::abs(best - wanted)) best = row.n_agents;
  }
  return best;
}

std::pair<std::string, double> Dominant(const Summary& s) {
  std::string best;
  double best_pct = -1;
  for (const auto& name : SectionNames()) {
    const auto it = s.breakdown.find(name);
    if (it != s.breakdown.end() && it->second.percent > best_pct) {
      best = name;
      best_pct = it->second.percent;
    }
  }
  return {best, best_pct};
}

}  // namespace

const Summary* Design::Find(int n_agents) const {
  for (const auto& s : runs) {
    if (s.n_agents == n_agents) return &s;
  }
  return nullptr;
}

std::string Regression::Describe() const {
  char buf[256];
  char p[32];
  // tiny p-values print as 0 or 1e-40 with %g; neither helps a reader
  if (p_value < 0.001) {
    std::snprintf(p, sizeof p, "p<0.001");
  } else {
    std::snprintf(p, sizeof p, "p=%.3f", p_value);
  }
  std::snprintf(buf, sizeof buf, "%s at N=%d: frame time %+.1f%% (%s) [%s]", mode.c_str(), n_agents,
                100.0 * change, p, series.c_str());
  return buf;
}

Change CompareSamples(const std::vector<double>& old_ms, const std::vector<double>& new_ms,
                      int old_repeats, int new_repeats, const CompareOptions& options,
                      const std::string& what) {
  Change c;
  c.old_mean_ms = Mean(old_ms);
  c.new_mean_ms = Mean(new_ms);
  c.change = (c.new_mean_ms - c.old_mean_ms) / std::fabs(c.old_mean_ms);
  std::function<void(int64_t, int64_t)> progress;
  if (options.progress) {
    progress = [&](int64_t done, int64_t total) { options.progress(what, done, total); };
  }
  c.speedup = BootstrapRatioCi(old_ms, new_ms, options.bootstrap_resamples, options.confidence,
                               options.seed, progress);
  c.test = MannWhitneyU(old_ms, new_ms);
  c.significant = c.test.p_value < options.alpha;
  c.reliable = std::min(old_repeats, new_repeats) >= options.min_reliable_repeats;
  if (c.significant) {
    c.verdict = c.new_mean_ms < c.old_mean_ms ? Verdict::kFaster : Verdict::kSlower;
  }
  return c;
}

std::uint64_t PairSeed(std::uint64_t seed, int n_agents, const std::string& old_mode,
                       const std::string& new_mode) {
  // FNV-1a over the pair, then mixed into the user's seed: cheap, stable across platforms
  std::uint64_t h = 1469598103934665603ULL;
  auto mix = [&h](const std::string& bytes) {
    for (unsigned char c : bytes) {
      h ^= c;
      h *= 1099511628211ULL;
    }
    h ^= 0xff;  // separator, so ("ab", "c") and ("a", "bc") differ
    h *= 1099511628211ULL;
  };
  mix(std::to_string(n_agents));
  mix(old_mode);
  mix(new_mode);
  return seed ^ (h + 0x9e3779b97f4a7c15ULL + (seed << 6) + (seed >> 2));
}

Capacity CapacityAt(const Design& design, double fps_threshold) {
  // a design that misses the rate at some N does not "hold" any larger N, even if a larger N
  // happens to measure faster (noise, caching effects): walk N upwards and stop at the first miss
  std::vector<const Summary*> runs;
  for (const auto& s : design.runs) runs.push_back(&s);
  std::sort(runs.begin(), runs.end(),
            [](const Summary* a, const Summary* b) { return a->n_agents < b->n_agents; });
  Capacity cap;
  for (const Summary* s : runs) {
    if (s->fps_avg < fps_threshold) {
      cap.first_miss_n = s->n_agents;
      break;
    }
    cap.max_n = s->n_agents;
  }
  cap.holds_all = cap.max_n.has_value() && !cap.first_miss_n.has_value();
  return cap;
}

Comparison Compare(const std::vector<Profile>& profiles, const CompareOptions& options,
                   const Profile* ablation) {
  if (profiles.size() != 1 && profiles.size() != 2) {
    throw ConfigError("compare: give one sweep directory or two profiles, got " +
                      std::to_string(profiles.size()));
  }
  Comparison cmp;
  cmp.options = options;
  cmp.requested_focus_n = options.focus_n;
  cmp.two_profiles = profiles.size() == 2;
  for (const auto& p : profiles) {
    Profile meta = p;
    meta.summaries.clear();
    cmp.sources.push_back(std::move(meta));
  }

  if (cmp.two_profiles) CheckComparable(profiles[0], profiles[1], options, "", &cmp);

  // a separate ablation profile: its runs first, the newest input's runs fill in the rest (the
  // baseline, usually); checked like the inputs before any statistics are computed
  std::optional<Profile> merged_ablation;
  if (ablation != nullptr) {
    CheckComparable(profiles.back(), *ablation, options, " (ablation)", &cmp);
    merged_ablation = *ablation;
    for (auto it = profiles.rbegin(); it != profiles.rend(); ++it) {
      for (const Summary& s : it->summaries) {
        if (merged_ablation->Find(s.mode, s.n_agents) == nullptr) {
          merged_ablation->summaries.push_back(s);
        }
      }
    }
    SortSummaries(&*merged_ablation);
    Profile meta = *ablation;
    meta.summaries.clear();
    cmp.sources.push_back(std::move(meta));
    cmp.has_ablation_profile = true;
  }

  const Profile* ablation_profile = nullptr;
  if (!cmp.two_profiles) {
    const Profile& p = profiles[0];
    const auto modes = p.Modes();
    for (const auto* mode : {&options.baseline_mode, &options.candidate_mode}) {
      if (std::find(modes.begin(), modes.end(), *mode) == modes.end()) {
        throw ConfigError(p.path + ": no \"" + *mode +
                          "\" runs to compare (modes present: " + Join(modes, ", ") + ")");
      }
    }
    const auto ns = CommonN(p, options.baseline_mode, p, options.candidate_mode);
    if (ns.empty()) {
      throw ConfigError(p.path + ": \"" + options.baseline_mode + "\" and \"" +
                        options.candidate_mode + "\" share no n_agents; nothing to compare");
    }
    cmp.series.push_back(BuildSeries(options.baseline_mode + " vs " + options.candidate_mode, p,
                                     options.baseline_mode, options.baseline_mode, p,
                                     options.candidate_mode, options.candidate_mode, ns, options));
    ablation_profile = &p;
  } else {
    const Profile& a = profiles[0];
    const Profile& b = profiles[1];
    std::string old_label = a.label, new_label = b.label;
    if (old_label == new_label || old_label.empty() || new_label.empty()) {
      old_label = "old";
      new_label = "new";
    }
    if (!a.is_sweep && !b.is_sweep) {
      // two single summaries: pair them directly, whatever their modes
      const Summary& sa = a.summaries.front();
      const Summary& sb = b.summaries.front();
      if (sa.n_agents != sb.n_agents) {
        throw ConfigError(a.path + " and " + b.path + " differ in n_agents (" +
                          std::to_string(sa.n_agents) + " vs " + std::to_string(sb.n_agents) +
                          "); compare summaries of the same N");
      }
      cmp.series.push_back(BuildSeries(old_label + " vs " + new_label, a, sa.mode, old_label, b,
                                       sb.mode, new_label, {sa.n_agents}, options));
    } else {
      if (a.is_sweep != b.is_sweep) {
        throw ConfigError("compare: " + a.path + " and " + b.path +
                          " must both be sweep directories or both summary files");
      }
      // every mode both sweeps measured; the candidate mode (optimized) leads
      std::vector<std::string> modes;
      for (const auto& m : b.Modes()) {
        const auto am = a.Modes();
        if (std::find(am.begin(), am.end(), m) != am.end()) modes.push_back(m);
      }
      auto lead = std::find(modes.begin(), modes.end(), options.candidate_mode);
      if (lead != modes.end()) std::rotate(modes.begin(), lead, lead + 1);
      for (const auto& mode : modes) {
        const auto ns = CommonN(a, mode, b, mode);
        if (ns.empty()) continue;
        cmp.series.push_back(BuildSeries(mode + ": " + old_label + " vs " + new_label, a, mode,
                                         old_label, b, mode, new_label, ns, options));
      }
      if (cmp.series.empty()) {
        throw ConfigError(a.path + " and " + b.path +
                          " share no (mode, n_agents) run; nothing to compare");
      }
      ablation_profile = &b;
    }
  }

  if (merged_ablation) ablation_profile = &*merged_ablation;

  const Series& primary = cmp.series.front();
  cmp.focus_n = ClosestN(primary.rows, options.focus_n);
  for (const auto& row : primary.rows) {
    if (row.n_agents == cmp.focus_n) cmp.headline = row.change;
  }
  cmp.old_capacity_30 = CapacityAt(primary.old_design, 30.0);
  cmp.old_capacity_60 = CapacityAt(primary.old_design, 60.0);
  cmp.new_capacity_30 = CapacityAt(primary.new_design, 30.0);
  cmp.new_capacity_60 = CapacityAt(primary.new_design, 60.0);

  const Summary* old_focus = primary.old_design.Find(cmp.focus_n);
  const Summary* new_focus = primary.new_design.Find(cmp.focus_n);
  for (const auto& name : SectionNames()) {
    BreakdownRow row;
    row.section = name;
    row.old_ms = old_focus->breakdown.at(name).avg_ms;
    row.old_percent = old_focus->breakdown.at(name).percent;
    row.new_ms = new_focus->breakdown.at(name).avg_ms;
    row.new_percent = new_focus->breakdown.at(name).percent;
    cmp.breakdown.push_back(row);
  }
  for (const auto& nrow : primary.rows) {
    const Summary* o = primary.old_design.Find(nrow.n_agents);
    const Summary* w = primary.new_design.Find(nrow.n_agents);
    cmp.counters.push_back({nrow.n_agents, o->gpu_queries, w->gpu_queries, o->draw_calls,
                            w->draw_calls, o->mesh_updates, w->mesh_updates, o->bytes_uploaded,
                            w->bytes_uploaded});
    const auto od = Dominant(*o), nd = Dominant(*w);
    cmp.bottlenecks.push_back({nrow.n_agents, od.first, nd.first, od.second, nd.second});
  }

  // ablation: every other mode of the (new or ablation) sweep against its baseline, at the N
  // closest to the focus where the baseline and at least one other mode were measured
  if (ablation_profile != nullptr) {
    const Profile& p = *ablation_profile;
    const auto is_other = [&](const std::string& m) {
      return m != options.baseline_mode && m != options.candidate_mode;
    };
    std::vector<int> ns;
    for (int n : p.AgentCounts(options.baseline_mode)) {
      for (const auto& m : p.Modes()) {
        if (is_other(m) && p.Find(m, n) != nullptr) {
          ns.push_back(n);
          break;
        }
      }
    }
    if (ns.empty() && ablation != nullptr) {
      std::vector<std::string> others;
      for (const auto& m : ablation->Modes()) {
        if (is_other(m)) others.push_back(m);
      }
      if (others.empty()) {
        throw ConfigError("--ablation " + ablation->path + ": holds no mode other than \"" +
                          options.baseline_mode + "\" and \"" + options.candidate_mode +
                          "\"; profile it with --mode ablation");
      }
      std::vector<std::string> where;
      for (int n : ablation->AgentCounts(others.front())) where.push_back(std::to_string(n));
      throw ConfigError("--ablation " + ablation->path + ": no \"" + options.baseline_mode +
                        "\" runs at N=" + Join(where, ",") + " in it or in " +
                        profiles.back().path + "; profile the ablation at an N of the sweep");
    }
    if (!ns.empty()) {
      // closest to the focus; ties go to the smaller N (ns ascend)
      int n = ns.front();
      for (int candidate : ns) {
        if (std::abs(candidate - options.focus_n) < std::abs(n - options.focus_n)) n = candidate;
      }
      cmp.ablation_n = n;
      cmp.ablation_source = ablation != nullptr ? ablation->label : p.label;
      cmp.ablation_baseline_source = cmp.ablation_source;
      if (ablation != nullptr && ablation->Find(options.baseline_mode, n) == nullptr) {
        // the merge took it from the newest input that has it
        for (auto it = profiles.rbegin(); it != profiles.rend(); ++it) {
          if (it->Find(options.baseline_mode, n) != nullptr) {
            cmp.ablation_baseline_source = it->label;
            break;
          }
        }
      }
      const Summary* base = p.Find(options.baseline_mode, n);
      for (const auto& m : p.Modes()) {
        if (m == options.baseline_mode) continue;
        const Summary* s = p.Find(m, n);
        if (s == nullptr) continue;
        AblationRow row;
        row.mode = m;
        for (const auto& flag : FlagNames()) {
          if (FlagValue(s->flags, flag)) row.flags_on.push_back(flag);
        }
        row.fps_avg = s->fps_avg;
        row.ft_avg_ms = s->frame_time_avg_ms;
        CompareOptions row_options = options;
        row_options.seed = PairSeed(options.seed, n, options.baseline_mode, m);
        row.vs_baseline =
            CompareSamples(base->frame_times_ms, s->frame_times_ms, base->repeats, s->repeats,
                           row_options, m + " vs " + options.baseline_mode + " at N=" +
                                            std::to_string(n));
        cmp.ablation.push_back(row);
      }
    }
  }
  return cmp;
}

std::vector<Regression> CheckRegressions(const Comparison& comparison, double threshold) {
  std::vector<Regression> out;
  for (const auto& series : comparison.series) {
    for (const auto& row : series.rows) {
      const Change& c = row.change;
      if (c.significant && c.verdict == Verdict::kSlower && c.change > threshold) {
        out.push_back(
            {series.title, series.new_design.mode, row.n_agents, c.change, c.test.p_value});
      }
    }
  }
  return out;
}

double ParseThreshold(const std::string& text) {
  std::string t = text;
  while (!t.empty() && std::isspace(static_cast<unsigned char>(t.back()))) t.pop_back();
  if (!t.empty() && t.back() == '%') t.pop_back();
  char* end = nullptr;
  const double value = std::strtod(t.c_str(), &end);
  if (t.empty() || end != t.c_str() + t.size() || !std::isfinite(value) || value < 0) {
    throw ConfigError("--fail-on-regression: \"" + text +
                      "\" is not a non-negative percentage; use e.g. 5%");
  }
  return value / 100.0;
}

}  // namespace calf::report
