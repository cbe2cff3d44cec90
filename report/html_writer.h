#pragma once
// Self-contained HTML rendering of the report: one file, inline CSS, charts inlined as SVG
// (no scripts, no external assets).

#include <string>
#include <vector>

#include "report/charts.h"
#include "report/sections.h"

namespace calf::report {

/// Renders `sections` as one HTML document, inlining each named chart's SVG file (XML prolog
/// removed, element ids prefixed per chart so several SVGs can share the page).
/// Throws calf::IoError when a chart's SVG file cannot be read.
std::string RenderHtml(const std::vector<Section>& sections, const std::vector<ChartFiles>& charts);

/// Escapes &, <, >, " for HTML text and attributes.
std::string EscapeHtml(const std::string& text);

/// Makes a gnuplot SVG embeddable: drops everything before "<svg", prefixes every id="…",
/// href="#…" and url(#…) with `prefix`. Pure function.
std::string InlineSvg(const std::string& svg, const std::string& prefix);

}  // namespace calf::report
