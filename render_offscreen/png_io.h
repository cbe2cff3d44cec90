#pragma once
// PNG reading and writing with libpng (8-bit RGBA), with tEXt chunks for provenance.

#include <string>
#include <utility>
#include <vector>

#include "render_offscreen/image.h"

namespace calf::render {

/// Key/value pairs stored as PNG tEXt chunks (e.g. run, step, config_hash, calf_version).
using PngText = std::vector<std::pair<std::string, std::string>>;

/// Writes `image` to `path` atomically (temporary name, then rename). Byte-identical output
/// for identical inputs. Throws IoError (exit 2) when the path cannot be written.
void WritePng(const std::string& path, const Image& image, const PngText& text = {});

/// Reads any PNG (gray, palette, 16-bit, with or without alpha) and converts it to RGBA8.
/// Throws IoError (exit 2) naming the file when it is missing, unreadable or not a PNG.
/// `text`, when given, receives the file's text chunks.
Image ReadPng(const std::string& path, PngText* text = nullptr);

}  // namespace calf::render
