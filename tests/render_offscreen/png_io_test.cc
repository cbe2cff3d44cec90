#include "render_offscreen/png_io.h"

#include <png.h>

#include <catch2/catch.hpp>
#include <csetjmp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "core/error.h"

namespace fs = std::filesystem;
using calf::render::Image;
using calf::render::PngText;
using calf::render::ReadPng;
using calf::render::WritePng;

namespace {

// A fresh directory per test case (ctest runs cases as parallel processes).
std::string TempDir(const std::string& name) {
  const fs::path dir = fs::path(CALF_BINARY_DIR) / "test_tmp" / "png_io" / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir.string();
}

std::string ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Raw input for WriteRawPng: one libpng colour type and bit depth, rows already packed.
struct RawPng {
  int width = 0;
  int height = 0;
  int bit_depth = 8;
  int color_type = PNG_COLOR_TYPE_RGB;
  std::vector<std::vector<uint8_t>> rows;
  std::vector<png_color> palette;
  std::vector<uint8_t> palette_alpha;  // tRNS for palette images
};

// Writes `raw` with libpng directly, bypassing calf's writer; false on a libpng error.
bool WriteRawPngStream(png_structp png, png_infop info, FILE* file, RawPng* raw, png_bytep* rows) {
  if (setjmp(png_jmpbuf(png))) return false;
  png_init_io(png, file);
  png_set_IHDR(png, info, raw->width, raw->height, raw->bit_depth, raw->color_type,
               PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  if (!raw->palette.empty()) {
    png_set_PLTE(png, info, raw->palette.data(), static_cast<int>(raw->palette.size()));
  }
  if (!raw->palette_alpha.empty()) {
    png_set_tRNS(png, info, raw->palette_alpha.data(), static_cast<int>(raw->palette_alpha.size()),
                 nullptr);
  }
  png_write_info(png, info);
  png_write_image(png, rows);
  png_write_end(png, info);
  return true;
}

void WriteRawPng(const std::string& path, RawPng raw) {
  FILE* file = std::fopen(path.c_str(), "wb");
  REQUIRE(file != nullptr);
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  REQUIRE(png != nullptr);
  png_infop info = png_create_info_struct(png);
  REQUIRE(info != nullptr);
  std::vector<png_bytep> rows;
  for (auto& row : raw.rows) rows.push_back(row.data());
  const bool ok = WriteRawPngStream(png, info, file, &raw, rows.data());
  png_destroy_write_struct(&png, &info);
  REQUIRE(std::fclose(file) == 0);
  REQUIRE(ok);
}

// Big-endian 16-bit sample.
void Push16(std::vector<uint8_t>* row, int value) {
  row->push_back(static_cast<uint8_t>(value >> 8));
  row->push_back(static_cast<uint8_t>(value & 0xff));
}

void CheckPixel(const Image& image, int x, int y, int r, int g, int b, int a) {
  INFO("pixel (" << x << ", " << y << ")");
  const uint8_t* p = image.at(x, y);
  CHECK(int{p[0]} == r);
  CHECK(int{p[1]} == g);
  CHECK(int{p[2]} == b);
  CHECK(int{p[3]} == a);
}

Image Gradient(int width, int height) {
  Image image(width, height);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      uint8_t* p = image.at(x, y);
      p[0] = static_cast<uint8_t>(x * 7 + y);
      p[1] = static_cast<uint8_t>(y * 13);
      p[2] = static_cast<uint8_t>(x ^ y);
      p[3] = static_cast<uint8_t>(255 - x * 3);
    }
  }
  return image;
}

}  // namespace

TEST_CASE("RGBA images and text chunks survive a write and read", "[render][png]") {
  const std::string dir = TempDir("roundtrip");
  const Image image = Gradient(37, 21);
  const PngText text = {{"run", "demo"}, {"step", "120"}, {"calf_version", "0.1.0"}};
  WritePng(dir + "/a.png", image, text);

  PngText read_text;
  const Image back = ReadPng(dir + "/a.png", &read_text);
  CHECK(back.width == 37);
  CHECK(back.height == 21);
  CHECK(back.pixels == image.pixels);
  CHECK(read_text == text);
  // nothing but the target is left in the directory (the temporary was renamed)
  CHECK(std::distance(fs::directory_iterator(dir), fs::directory_iterator()) == 1);
}

TEST_CASE("Writing the same image twice gives identical bytes", "[render][png]") {
  const std::string dir = TempDir("deterministic");
  const Image image = Gradient(64, 48);
  WritePng(dir + "/a.png", image, {{"k", "v"}});
  WritePng(dir + "/b.png", image, {{"k", "v"}});
  const std::string a = ReadBytes(dir + "/a.png");
  CHECK(a.size() > 8);
  CHECK(a == ReadBytes(dir + "/b.png"));
  // overwriting an existing file works and gives the same bytes again
  WritePng(dir + "/a.png", image, {{"k", "v"}});
  CHECK(ReadBytes(dir + "/a.png") == a);
}

TEST_CASE("Gray PNGs are read as opaque RGBA", "[render][png]") {
  const std::string dir = TempDir("gray");
  RawPng raw;
  raw.width = 3;
  raw.height = 1;
  raw.color_type = PNG_COLOR_TYPE_GRAY;
  raw.rows = {{0, 77, 255}};
  WriteRawPng(dir + "/g.png", raw);
  const Image image = ReadPng(dir + "/g.png");
  REQUIRE(image.width == 3);
  CheckPixel(image, 0, 0, 0, 0, 0, 255);
  CheckPixel(image, 1, 0, 77, 77, 77, 255);
  CheckPixel(image, 2, 0, 255, 255, 255, 255);
}

TEST_CASE("1-bit gray PNGs expand to black and white", "[render][png]") {
  const std::string dir = TempDir("gray1");
  RawPng raw;
  raw.width = 8;
  raw.height = 1;
  raw.bit_depth = 1;
  raw.color_type = PNG_COLOR_TYPE_GRAY;
  raw.rows = {{0b10100000}};
  WriteRawPng(dir + "/g.png", raw);
  const Image image = ReadPng(dir + "/g.png");
  REQUIRE(image.width == 8);
  CheckPixel(image, 0, 0, 255, 255, 255, 255);
  CheckPixel(image, 1, 0, 0, 0, 0, 255);
  CheckPixel(image, 2, 0, 255, 255, 255, 255);
  CheckPixel(image, 7, 0, 0, 0, 0, 255);
}

TEST_CASE("Gray+alpha PNGs keep their alpha", "[render][png]") {
  const std::string dir = TempDir("gray_alpha");
  RawPng raw;
  raw.width = 2;
  raw.height = 1;
  raw.color_type = PNG_COLOR_TYPE_GRAY_ALPHA;
  raw.rows = {{10, 20, 200, 0}};
  WriteRawPng(dir + "/ga.png", raw);
  const Image image = ReadPng(dir + "/ga.png");
  CheckPixel(image, 0, 0, 10, 10, 10, 20);
  CheckPixel(image, 1, 0, 200, 200, 200, 0);
}

TEST_CASE("Palette PNGs with transparency expand to RGBA", "[render][png]") {
  const std::string dir = TempDir("palette");
  RawPng raw;
  raw.width = 3;
  raw.height = 2;
  raw.color_type = PNG_COLOR_TYPE_PALETTE;
  raw.palette = {{255, 0, 0}, {0, 128, 0}, {1, 2, 3}};
  raw.palette_alpha = {255, 64};  // third entry has no tRNS value: opaque
  raw.rows = {{0, 1, 2}, {2, 2, 0}};
  WriteRawPng(dir + "/p.png", raw);
  const Image image = ReadPng(dir + "/p.png");
  REQUIRE(image.width == 3);
  REQUIRE(image.height == 2);
  CheckPixel(image, 0, 0, 255, 0, 0, 255);
  CheckPixel(image, 1, 0, 0, 128, 0, 64);
  CheckPixel(image, 2, 0, 1, 2, 3, 255);
  CheckPixel(image, 0, 1, 1, 2, 3, 255);
  CheckPixel(image, 2, 1, 255, 0, 0, 255);
}

TEST_CASE("16-bit PNGs are scaled to 8 bits", "[render][png]") {
  const std::string dir = TempDir("deep");
  // multiples of 257 map exactly to v / 257 in 8 bits
  RawPng rgb;
  rgb.width = 2;
  rgb.height = 1;
  rgb.bit_depth = 16;
  rgb.color_type = PNG_COLOR_TYPE_RGB;
  rgb.rows.resize(1);
  for (int v : {0, 128 * 257, 65535, 17 * 257, 200 * 257, 3 * 257}) Push16(&rgb.rows[0], v);
  WriteRawPng(dir + "/rgb16.png", rgb);
  const Image a = ReadPng(dir + "/rgb16.png");
  CheckPixel(a, 0, 0, 0, 128, 255, 255);
  CheckPixel(a, 1, 0, 17, 200, 3, 255);

  RawPng rgba;
  rgba.width = 1;
  rgba.height = 1;
  rgba.bit_depth = 16;
  rgba.color_type = PNG_COLOR_TYPE_RGB_ALPHA;
  rgba.rows.resize(1);
  for (int v : {9 * 257, 90 * 257, 250 * 257, 100 * 257}) Push16(&rgba.rows[0], v);
  WriteRawPng(dir + "/rgba16.png", rgba);
  CheckPixel(ReadPng(dir + "/rgba16.png"), 0, 0, 9, 90, 250, 100);

  RawPng gray;
  gray.width = 1;
  gray.height = 1;
  gray.bit_depth = 16;
  gray.color_type = PNG_COLOR_TYPE_GRAY_ALPHA;
  gray.rows.resize(1);
  for (int v : {42 * 257, 65535}) Push16(&gray.rows[0], v);
  WriteRawPng(dir + "/ga16.png", gray);
  CheckPixel(ReadPng(dir + "/ga16.png"), 0, 0, 42, 42, 42, 255);
}

TEST_CASE("RGB PNGs without alpha are read as opaque", "[render][png]") {
  const std::string dir = TempDir("rgb");
  RawPng raw;
  raw.width = 2;
  raw.height = 1;
  raw.color_type = PNG_COLOR_TYPE_RGB;
  raw.rows = {{1, 2, 3, 250, 251, 252}};
  WriteRawPng(dir + "/rgb.png", raw);
  const Image image = ReadPng(dir + "/rgb.png");
  CheckPixel(image, 0, 0, 1, 2, 3, 255);
  CheckPixel(image, 1, 0, 250, 251, 252, 255);
}

TEST_CASE("Reading a missing file throws an IoError naming it", "[render][png]") {
  const std::string path = TempDir("missing") + "/nope.png";
  try {
    ReadPng(path);
    FAIL("no exception");
  } catch (const calf::IoError& e) {
    CHECK_THAT(e.what(), Catch::Contains(path));
    CHECK(e.code() == calf::ExitCode::kUsage);
  }
}

TEST_CASE("Reading a non-PNG file throws an IoError naming it", "[render][png]") {
  const std::string dir = TempDir("not_png");
  for (const std::string content : {"hello, this is text and not a png", "", "\x89PNG"}) {
    const std::string path = dir + "/x.png";
    std::ofstream(path, std::ios::binary) << content;
    try {
      ReadPng(path);
      FAIL("no exception for content '" << content << "'");
    } catch (const calf::IoError& e) {
      CHECK_THAT(e.what(), Catch::Contains(path) && Catch::Contains("not a png"));
    }
  }
}

TEST_CASE("Reading a truncated PNG throws an IoError naming it", "[render][png]") {
  const std::string dir = TempDir("truncated");
  WritePng(dir + "/full.png", Gradient(50, 50));
  const std::string bytes = ReadBytes(dir + "/full.png");
  const std::string path = dir + "/cut.png";
  std::ofstream(path, std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  CHECK_THROWS_MATCHES(ReadPng(path), calf::IoError,
                       Catch::Matchers::Predicate<calf::IoError>(
                           [&](const calf::IoError& e) {
                             return std::string(e.what()).find(path) != std::string::npos;
                           },
                           "message names the file"));
}

TEST_CASE("Writing into a missing directory throws an IoError naming the file", "[render][png]") {
  const std::string path = TempDir("unwritable") + "/no/such/dir/a.png";
  try {
    WritePng(path, Image(2, 2));
    FAIL("no exception");
  } catch (const calf::IoError& e) {
    CHECK_THAT(e.what(), Catch::Contains(path));
  }
  CHECK_THROWS_AS(WritePng(TempDir("empty") + "/e.png", Image()), calf::IoError);
}

TEST_CASE("A chunk that declares more bytes than the file holds is refused before libpng",
          "[render][png]") {
  // a valid PNG cut after a tEXt chunk header that declares 1.7 GB (png_read_fuzz found
  // that libpng allocates and zeroes what such a header says before failing)
  const std::string dir = TempDir("huge_chunk");
  const std::string good = dir + "/good.png";
  Image image;
  image.width = 2;
  image.height = 2;
  image.pixels.assign(16, 200);
  calf::render::WritePng(good, image, {});
  std::ifstream in(good, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t ihdr_end = 8 + 12 + 13;  // signature, IHDR chunk
  std::string bad = bytes.substr(0, ihdr_end);
  bad += std::string("\x69\x00\x00\x06tEXt", 8) + "key";
  const std::string path = dir + "/huge.png";
  std::ofstream(path, std::ios::binary) << bad;
  CHECK_THROWS_WITH(calf::render::ReadPng(path),
                    Catch::Contains("declares 1761607686 bytes") && Catch::Contains("huge.png"));
  CHECK_NOTHROW(calf::render::ReadPng(good));  // the scan leaves good files alone
}
