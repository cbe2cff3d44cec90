#include "report/html_writer.h"

#include <fstream>
#include <sstream>

#include "core/error.h"

namespace calf::report {
namespace {

std::string ReplaceAll(std::string text, const std::string& from, const std::string& to) {
  std::size_t pos = 0;
  while ((pos = text.find(from, pos)) != std::string::npos) {
    text.replace(pos, from.size(), to);
    pos += to.size();
  }
  return text;
}

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError(path + ": cannot read (was it deleted while writing the report?)");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

constexpr const char* kStyle = R"(
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 2em auto;
       max-width: 1200px; padding: 0 1em; color: #1f2328; line-height: 1.45; }
h1 { border-bottom: 1px solid #d0d7de; padding-bottom: .3em; }
h2 { border-bottom: 1px solid #d0d7de; padding-bottom: .2em; margin-top: 1.8em; }
table { border-collapse: collapse; margin: .8em 0 1.2em; font-size: 0.9em; display: block;
        overflow-x: auto; }
th, td { border: 1px solid #d0d7de; padding: 4px 9px; }
th { background: #f6f8fa; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.caption { font-weight: 600; margin-top: 1em; }
figure { margin: 1em 0; } figure svg, figure img, figure video { max-width: 100%; height: auto; }
figcaption { color: #57606a; font-size: 0.9em; }
pre { background: #f6f8fa; padding: 1em; overflow-x: auto; font-size: 0.85em; }
)";

}  // namespace

std::string EscapeHtml(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string Base64(const std::string& bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) |
                       (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                       static_cast<unsigned char>(bytes[i + 2]);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (i < bytes.size()) {
    const bool two = i + 1 < bytes.size();
    const unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) |
                       (two ? static_cast<unsigned char>(bytes[i + 1]) << 8 : 0u);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += two ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::string InlineSvg(const std::string& svg, const std::string& prefix) {
  const std::size_t start = svg.find("<svg");
  std::string body = start == std::string::npos ? svg : svg.substr(start);
  body = ReplaceAll(body, " id=\"", " id=\"" + prefix);
  body = ReplaceAll(body, "href=\"#", "href=\"#" + prefix);
  body = ReplaceAll(body, "url(#", "url(#" + prefix);
  return body;
}

std::string RenderHtml(const std::vector<Section>& sections,
                       const std::vector<ChartFiles>& charts) {
  std::ostringstream h;
  h << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
    << "<title>calf compare report</title>\n<style>" << kStyle << "</style>\n</head>\n<body>\n"
    << "<h1>calf compare report</h1>\n";
  for (const auto& s : sections) {
    h << "<section id=\"" << EscapeHtml(s.id) << "\">\n<h2>" << EscapeHtml(s.title) << "</h2>\n";
    for (const auto& p : s.paragraphs) h << "<p>" << EscapeHtml(p) << "</p>\n";
    if (!s.bullets.empty()) {
      h << "<ul>\n";
      for (const auto& b : s.bullets) h << "<li>" << EscapeHtml(b) << "</li>\n";
      h << "</ul>\n";
    }
    for (const auto& t : s.tables) {
      if (!t.caption.empty()) h << "<div class=\"caption\">" << EscapeHtml(t.caption) << "</div>\n";
      h << "<table>\n<thead><tr>";
      for (const auto& head : t.header) h << "<th>" << EscapeHtml(head) << "</th>";
      h << "</tr></thead>\n<tbody>\n";
      for (const auto& row : t.rows) {
        h << "<tr>";
        for (std::size_t i = 0; i < row.size(); ++i) {
          const bool num = i < t.numeric.size() && t.numeric[i];
          h << (num ? "<td class=\"num\">" : "<td>") << EscapeHtml(row[i]) << "</td>";
        }
        h << "</tr>\n";
      }
      h << "</tbody>\n</table>\n";
    }
    for (const auto& name : s.charts) {
      for (const auto& chart : charts) {
        if (chart.name != name) continue;
        h << "<figure>\n"
          << InlineSvg(ReadText(chart.svg), chart.name + "-") << "\n<figcaption>"
          << EscapeHtml(chart.title) << "</figcaption>\n</figure>\n";
      }
    }
    for (const auto& image : s.images) {
      // embedded, so the report stays one self-contained file
      h << "<figure>\n";
      if (image.kind == ImageRef::Kind::kMp4) {
        h << "<video controls muted loop playsinline preload=\"auto\" title=\""
          << EscapeHtml(image.caption) << "\" src=\"data:video/mp4;base64,"
          << Base64(ReadText(image.path)) << "\"></video>\n";
      } else {
        const char* mime = image.kind == ImageRef::Kind::kWebp  ? "image/webp"
                           : image.kind == ImageRef::Kind::kGif ? "image/gif"
                                                                : "image/png";
        h << "<img alt=\"" << EscapeHtml(image.caption) << "\" src=\"data:" << mime
          << ";base64," << Base64(ReadText(image.path)) << "\">\n";
      }
      h << "<figcaption>" << EscapeHtml(image.caption) << "</figcaption>\n</figure>\n";
    }
    if (!s.code_caption.empty()) h << "<p>" << EscapeHtml(s.code_caption) << "</p>\n";
    if (!s.code.empty()) h << "<pre><code>" << EscapeHtml(s.code) << "</code></pre>\n";
    h << "</section>\n";
  }
  h << "</body>\n</html>\n";
  return h.str();
}

}  // namespace calf::report
