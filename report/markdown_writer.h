#pragma once
// GitHub-flavoured Markdown rendering of the report, fit for a CI step summary
// ($GITHUB_STEP_SUMMARY): headings, bullet lists, pipe tables, fenced code.

#include <string>
#include <vector>

#include "report/charts.h"
#include "report/sections.h"

namespace calf::report {

/// Renders `sections` as Markdown. Charts named by a section are linked as images by file name
/// (`fps_vs_n.png`, relative to the report) when `link_images` is true and the chart exists in
/// `charts`. Section images are linked by ImageRef::link. Table cells escape '|'. Pure function.
std::string RenderMarkdown(const std::vector<Section>& sections,
                           const std::vector<ChartFiles>& charts, bool link_images);

}  // namespace calf::report
