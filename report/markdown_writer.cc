#include "report/markdown_writer.h"

#include <filesystem>
#include <sstream>

namespace calf::report {
namespace {

std::string Cell(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '|')
      out += "\\|";
    else if (c == '\n')
      out += ' ';
    else
      out += c;
  }
  return out;
}

void RenderTable(const Table& t, std::ostringstream& md) {
  if (!t.caption.empty()) md << "**" << Cell(t.caption) << "**\n\n";
  md << "|";
  for (const auto& h : t.header) md << " " << Cell(h) << " |";
  md << "\n|";
  for (std::size_t i = 0; i < t.header.size(); ++i) {
    md << (i < t.numeric.size() && t.numeric[i] ? " ---: |" : " :--- |");
  }
  md << "\n";
  for (const auto& row : t.rows) {
    md << "|";
    for (const auto& cell : row) md << " " << Cell(cell) << " |";
    md << "\n";
  }
  md << "\n";
}

}  // namespace

std::string RenderMarkdown(const std::vector<Section>& sections,
                           const std::vector<ChartFiles>& charts, bool link_images) {
  std::ostringstream md;
  md << "# calf compare report\n\n";
  for (const auto& s : sections) {
    md << "## " << s.title << "\n\n";
    for (const auto& p : s.paragraphs) md << p << "\n\n";
    if (!s.bullets.empty()) {
      for (const auto& b : s.bullets) md << "- " << b << "\n";
      md << "\n";
    }
    for (const auto& t : s.tables) RenderTable(t, md);
    if (link_images) {
      for (const auto& name : s.charts) {
        for (const auto& chart : charts) {
          if (chart.name != name) continue;
          md << "![" << chart.title << "](" << std::filesystem::path(chart.png).filename().string()
             << ")\n\n";
        }
      }
    }
    for (const auto& image : s.images) {
      // Markdown has no video: link it (GitHub and most viewers play a linked .mp4)
      if (image.kind == ImageRef::Kind::kMp4) {
        md << "[Video: " << image.caption << "](" << image.link << ")\n\n";
      } else {
        md << "![" << image.caption << "](" << image.link << ")\n\n";
      }
    }
    if (!s.code_caption.empty()) md << s.code_caption << "\n\n";
    if (!s.code.empty()) md << "```json\n" << s.code << "\n```\n\n";
  }
  return md.str();
}

}  // namespace calf::report
