#pragma once
// Self-contained HTML rendering of the report: one file, inline CSS, charts inlined as SVG
// (no scripts, no external assets).

#include <string>
#include <vector>

#include "report/charts.h"
#include "report/sections.h"

namespace calf::report {

/// Renders `sections` as one HTML document, inlining each named chart's SVG file (XML prolog
/// removed, element ids prefixed per chart so several SVGs can share the page) and each
/// section image as a base64 data: URI. Throws calf::IoError when a file cannot be read.
std::string RenderHtml(const std::vector<Section>& sections, const std::vector<ChartFiles>& charts);

/// Standard base64 (RFC 4648, with '=' padding) of `bytes`, for data: URIs. Pure function.
std::string Base64(const std::string& bytes);

/// Escapes &, <, >, " for HTML text and attributes.
std::string EscapeHtml(const std::string& text);

/// Makes a gnuplot SVG embeddable: drops everything before "<svg", prefixes every id="…",
/// href="#…" and url(#…) with `prefix`. Pure function.
std::string InlineSvg(const std::string& svg, const std::string& prefix);

}  // namespace calf::report
