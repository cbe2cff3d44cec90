#include "render_offscreen/png_io.h"

#include <png.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csetjmp>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/io/output_file.h"

namespace calf::render {
namespace {

// libpng reports errors through a callback that must not return. We copy the message into
// this buffer and longjmp back to the setjmp in the function that made the libpng calls.
// The functions doing setjmp hold no C++ objects with destructors, so the jump skips none.
struct PngErrorState {
  char message[256] = "unknown libpng error";
};

void OnPngError(png_structp png, png_const_charp message) {
  auto* state = static_cast<PngErrorState*>(png_get_error_ptr(png));
  if (state != nullptr) {
    std::snprintf(state->message, sizeof(state->message), "%s", message);
  }
  png_longjmp(png, 1);
}

// warnings (e.g. a known-incorrect sRGB profile) do not affect the pixels we read
void OnPngWarning(png_structp, png_const_charp) {}

// Closes a FILE* on scope exit; used outside the setjmp regions only.
class File {
 public:
  File(const std::string& path, const char* mode) : file_(std::fopen(path.c_str(), mode)) {}
  ~File() {
    if (file_ != nullptr) std::fclose(file_);
  }
  File(const File&) = delete;
  File& operator=(const File&) = delete;
  FILE* get() const { return file_; }
  // Closes now and reports whether every buffered byte reached the file.
  bool Close() {
    FILE* f = file_;
    file_ = nullptr;
    return f != nullptr && std::fclose(f) == 0;
  }

 private:
  FILE* file_;
};

// All libpng write calls. Returns false (message in `state`) on a libpng error.
bool WritePngStream(png_structp png, png_infop info, FILE* file, const Image& image,
                    png_bytep* rows, png_text* text, int text_count) {
  if (setjmp(png_jmpbuf(png))) return false;
  png_init_io(png, file);
  // fixed settings so identical images give identical bytes (no time chunk is written)
  png_set_compression_level(png, 6);
  png_set_IHDR(png, info, static_cast<png_uint_32>(image.width),
               static_cast<png_uint_32>(image.height), 8, PNG_COLOR_TYPE_RGBA, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  if (text_count > 0) png_set_text(png, info, text, text_count);
  png_write_info(png, info);
  png_write_image(png, rows);
  png_write_end(png, info);
  return true;
}

// Largest image ReadPng accepts (1 GiB of RGBA8), so a hostile header cannot exhaust memory.
constexpr uint64_t kMaxPixels = uint64_t{1} << 28;

// Header fields read by ReadPngStream.
struct PngHeader {
  png_uint_32 width = 0;
  png_uint_32 height = 0;
};

// All libpng read calls: header, transforms to RGBA8, pixels, trailing chunks.
// `pixels` is resized here; it lives in the caller so the longjmp destroys nothing.
bool ReadPngStream(png_structp png, png_infop info, FILE* file, PngHeader* header,
                   std::vector<uint8_t>* pixels, std::vector<png_bytep>* rows,
                   PngErrorState* state) {
  if (setjmp(png_jmpbuf(png))) return false;
  png_init_io(png, file);
  png_set_sig_bytes(png, 8);
  png_read_info(png, info);

  int bit_depth = 0;
  int color_type = 0;
  int interlace = 0;
  if (png_get_IHDR(png, info, &header->width, &header->height, &bit_depth, &color_type, &interlace,
                   nullptr, nullptr) == 0) {
    std::snprintf(state->message, sizeof(state->message), "missing IHDR chunk");
    return false;
  }
  if (static_cast<uint64_t>(header->width) * header->height > kMaxPixels) {
    std::snprintf(state->message, sizeof(state->message),
                  "%ux%u pixels is more than calf reads (%llu)", header->width, header->height,
                  static_cast<unsigned long long>(kMaxPixels));
    return false;
  }
  // palette -> RGB, gray < 8 bit -> 8 bit, tRNS -> alpha channel
  png_set_expand(png);
  if (bit_depth == 16) png_set_scale_16(png);
  if ((color_type & PNG_COLOR_MASK_COLOR) == 0) png_set_gray_to_rgb(png);
  const bool has_alpha =
      (color_type & PNG_COLOR_MASK_ALPHA) != 0 || png_get_valid(png, info, PNG_INFO_tRNS) != 0;
  if (!has_alpha) png_set_filler(png, 0xff, PNG_FILLER_AFTER);
  png_set_interlace_handling(png);
  png_read_update_info(png, info);

  const size_t row_bytes = png_get_rowbytes(png, info);
  if (row_bytes != static_cast<size_t>(header->width) * 4) {
    std::snprintf(state->message, sizeof(state->message),
                  "unexpected row size %zu after conversion to rgba8", row_bytes);
    return false;
  }
  pixels->resize(row_bytes * header->height);
  rows->resize(header->height);
  for (png_uint_32 y = 0; y < header->height; ++y) {
    (*rows)[y] = pixels->data() + row_bytes * y;
  }
  png_read_image(png, rows->data());
  // text chunks after the image data land in `info` too
  png_read_end(png, info);
  return true;
}

}  // namespace

void WritePng(const std::string& path, const Image& image, const PngText& text) {
  CALF_CHECK(image.pixels.size() == static_cast<size_t>(image.width) * image.height * 4)
      << "image buffer does not match " << image.width << "x" << image.height;
  if (image.width <= 0 || image.height <= 0) {
    throw IoError("cannot write '" + path + "': png images need a width and height > 0, got " +
                  std::to_string(image.width) + "x" + std::to_string(image.height));
  }
  for (const auto& [key, value] : text) {
    if (key.empty() || key.size() > 79) {
      throw IoError("cannot write '" + path + "': png text key '" + key +
                    "' must have 1 to 79 characters");
    }
  }

  core::OutputFile out(path, "png image");
  File file(out.temp_path(), "wb");
  if (file.get() == nullptr) {
    throw IoError("cannot write '" + path + "': " + std::strerror(errno));
  }

  PngErrorState state;
  png_structp png =
      png_create_write_struct(PNG_LIBPNG_VER_STRING, &state, OnPngError, OnPngWarning);
  png_infop info = png != nullptr ? png_create_info_struct(png) : nullptr;
  if (png == nullptr || info == nullptr) {
    png_destroy_write_struct(&png, &info);
    throw IoError("cannot write '" + path + "': libpng could not allocate its state");
  }

  std::vector<png_bytep> rows(image.height);
  for (int y = 0; y < image.height; ++y) {
    // libpng's API takes non-const rows but only reads them when writing
    rows[y] = const_cast<png_bytep>(image.at(0, y));
  }
  std::vector<png_text> chunks(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    chunks[i].compression = PNG_TEXT_COMPRESSION_NONE;
    chunks[i].key = const_cast<png_charp>(text[i].first.c_str());
    chunks[i].text = const_cast<png_charp>(text[i].second.c_str());
    chunks[i].text_length = text[i].second.size();
  }

  const bool ok = WritePngStream(png, info, file.get(), image, rows.data(), chunks.data(),
                                 static_cast<int>(chunks.size()));
  const int write_errno = errno;
  png_destroy_write_struct(&png, &info);
  if (!ok) {
    // libpng says only "Write Error"; the system says why (e.g. "No space left on device")
    const std::string why = std::ferror(file.get()) != 0 ? std::string(state.message) + " (" +
                                                               std::strerror(write_errno) + ")"
                                                         : std::string(state.message);
    throw IoError("cannot write '" + path + "': " + why, ExitCode::kRuntime);
  }
  // flush and sync before the rename so a crash leaves either the old file or the new one
  const bool flushed = std::fflush(file.get()) == 0 && fsync(fileno(file.get())) == 0;
  const int flush_errno = errno;
  if (!file.Close() || !flushed) {
    throw IoError("cannot write '" + path + "': " + std::strerror(flush_errno), ExitCode::kRuntime);
  }
  out.Commit();  // an exception above leaves `out` uncommitted: it removes the temporary
}

namespace {

// Walks the chunk headers before libpng sees the file: a chunk that declares more bytes than
// the file holds is refused here. libpng would first allocate (and zero) what the length
// says — a 100-byte file declaring an 889 MB tEXt chunk costs ~1 GB and seconds (found by
// png_read_fuzz) before its clean error. Leaves the file positioned after the signature.
void CheckChunkLengths(std::FILE* f, const std::string& path) {
  if (std::fseek(f, 0, SEEK_END) != 0) return;  // not seekable: libpng's own checks apply
  const long size = std::ftell(f);
  long pos = 8;
  while (size >= 0 && pos + 8 <= size) {
    unsigned char head[8];
    if (std::fseek(f, pos, SEEK_SET) != 0 || std::fread(head, 1, 8, f) != 8) break;
    const uint32_t length = (uint32_t{head[0]} << 24) | (uint32_t{head[1]} << 16) |
                            (uint32_t{head[2]} << 8) | uint32_t{head[3]};
    const std::string type(reinterpret_cast<const char*>(head + 4), 4);
    if (length > 0x7fffffffU || static_cast<long>(length) > size - pos - 12) {
      throw IoError("cannot read png '" + path + "': chunk " + std::to_string(pos) + " declares " +
                    std::to_string(length) + " bytes but the file has " +
                    std::to_string(std::max(0L, size - pos - 12)) +
                    " after it (truncated or corrupt)");
    }
    if (type == "IEND") break;
    pos += 12 + static_cast<long>(length);
  }
  std::fseek(f, 8, SEEK_SET);
}

}  // namespace

Image ReadPng(const std::string& path, PngText* text) {
  File file(path, "rb");
  if (file.get() == nullptr) {
    throw IoError("cannot read '" + path + "': " + std::strerror(errno));
  }
  png_byte signature[8] = {};
  const size_t got = std::fread(signature, 1, sizeof(signature), file.get());
  if (std::ferror(file.get()) != 0) {
    throw IoError("cannot read '" + path + "': " + std::strerror(errno));
  }
  if (got != sizeof(signature) || png_sig_cmp(signature, 0, sizeof(signature)) != 0) {
    throw IoError("'" + path + "' is not a png file (bad signature)");
  }
  CheckChunkLengths(file.get(), path);

  PngErrorState state;
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &state, OnPngError, OnPngWarning);
  png_infop info = png != nullptr ? png_create_info_struct(png) : nullptr;
  if (png == nullptr || info == nullptr) {
    png_destroy_read_struct(&png, &info, nullptr);
    throw IoError("cannot read '" + path + "': libpng could not allocate its state");
  }

  PngHeader header;
  Image image;
  std::vector<png_bytep> rows;
  const bool ok = ReadPngStream(png, info, file.get(), &header, &image.pixels, &rows, &state);
  if (ok && text != nullptr) {
    text->clear();
    png_textp chunks = nullptr;
    const int count = png_get_text(png, info, &chunks, nullptr);
    for (int i = 0; i < count; ++i) {
      text->emplace_back(chunks[i].key, std::string(chunks[i].text != nullptr ? chunks[i].text : "",
                                                    chunks[i].text_length));
    }
  }
  png_destroy_read_struct(&png, &info, nullptr);
  if (!ok) {
    throw IoError("cannot read png '" + path + "': " + state.message);
  }
  image.width = static_cast<int>(header.width);
  image.height = static_cast<int>(header.height);
  return image;
}

}  // namespace calf::render
