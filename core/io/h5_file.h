#pragma once
// A small RAII layer over the HDF5 C API: files, scalar attributes, extendible datasets that
// grow along dim 0, and whole-dataset / row-range readers. Every HDF5 return code is checked;
// failures throw calf::IoError naming the file and the object. HDF5's own error printing is
// switched off the first time a file is created or opened, and so is HDF5's atexit cleanup (see
// InitHdf5 below: it crashed after a failed close on a full disk).
//
// hdf5.h is not included here: identifiers are carried as H5Id (hid_t is int64_t in HDF5
// 1.10 and later, checked in h5_file.cc).

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace calf::core {

/// Called before calf's first HDF5 call (H5File does it; code calling the HDF5 C API directly
/// must too). HDF5 prints its error stack to stderr by default; calf reports errors itself.
/// And HDF5's own cleanup at exit is switched off: after a failed H5Fclose (a full disk: the
/// final flush fails) HDF5 1.10.8 keeps a half-closed file in its ID table, and
/// H5_term_library, run by atexit, crashes closing it again (SIGSEGV in H5F__close_cb, exit
/// 139 instead of calf's 3). calf closes every file it keeps explicitly (H5File::Close,
/// checked); what is left at exit is an abandoned file on an error path, whose temporary
/// OutputFile removes, and memory the kernel reclaims.
void InitHdf5();

/// An HDF5 identifier (the value of a hid_t).
using H5Id = int64_t;

/// Largest chunk calf writes, in bytes (the default HDF5 chunk cache is 1 MiB; larger
/// compressed chunks written piecewise are recompressed over and over).
inline constexpr int64_t kH5MaxChunkBytes = int64_t{1} << 20;

/// Largest string attribute calf writes or reads, in bytes with its terminating NUL (an HDF5
/// attribute stored in the object header holds at most 64 KiB).
inline constexpr size_t kH5MaxStringAttributeBytes = size_t{60} << 10;

/// Element type of a dataset as stored in the file (little-endian standard types).
enum class H5Type { kFloat32, kFloat64, kInt32, kInt64, kUInt8, kEnumUInt8 };

/// Size in bytes of one element of `type`.
int64_t H5TypeSize(H5Type type);

/// One member of an HDF5 enum whose base type is uint8.
struct H5EnumMember {
  std::string name;
  uint8_t value = 0;
};

/// Owns one HDF5 identifier and closes it (with the close call of its kind) exactly once.
/// Move-only. Closing errors in the destructor are ignored; use Close() to have them thrown.
class H5Handle {
 public:
  H5Handle() = default;
  /// Takes ownership of `id` (a negative id means "no object").
  explicit H5Handle(H5Id id) : id_(id) {}
  H5Handle(H5Handle&& other) noexcept;
  H5Handle& operator=(H5Handle&& other) noexcept;
  H5Handle(const H5Handle&) = delete;
  H5Handle& operator=(const H5Handle&) = delete;
  ~H5Handle();

  H5Id get() const { return id_; }
  bool valid() const { return id_ >= 0; }
  /// Closes the object; returns false when HDF5 reported an error. Idempotent.
  bool Close();

 private:
  H5Id id_ = -1;
};

/// Shape and storage of an existing dataset.
struct H5DatasetInfo {
  H5Type type = H5Type::kFloat32;          ///< Stored element type (integers/floats mapped to
                                           ///< the nearest H5Type; enums must have a uint8 base).
  std::vector<int64_t> dims;               ///< Current extent.
  std::vector<int64_t> max_dims;           ///< Maximum extent; -1 = unlimited.
  std::vector<int64_t> chunk_dims;         ///< Empty when the dataset is contiguous.
  bool deflate = false;                    ///< Deflate filter present.
  bool shuffle = false;                    ///< Shuffle filter present.
  std::vector<H5EnumMember> enum_members;  ///< For kEnumUInt8, in value order.
};

/// A dataset (or part of one) read into memory, row-major.
template <typename T>
struct H5Array {
  std::vector<int64_t> dims;  ///< Shape of `values`.
  std::vector<T> values;      ///< prod(dims) elements.
};

/// An open HDF5 file. Move-only; closes the file when destroyed. Not thread-safe (the
/// Debian HDF5 build is not thread-safe either: use one thread per process for HDF5).
/// Object names are absolute or relative to the root ("/" or "" = the root group).
class H5File {
 public:
  /// Creates (truncating) `path`. Throws IoError when the file cannot be created.
  static H5File Create(const std::string& path);
  /// Opens an existing file. Throws IoError when it is missing or not an HDF5 file.
  static H5File Open(const std::string& path, bool read_only);

  H5File(H5File&& other) noexcept = default;
  H5File& operator=(H5File&& other) noexcept = default;
  ~H5File() = default;

  const std::string& path() const { return path_; }
  H5Id id() const { return file_.get(); }
  bool is_open() const { return file_.valid(); }

  /// Writes all buffered data and metadata to disk (H5Fflush). After a flush a killed
  /// process leaves a file that opens with the flushed content.
  void Flush();
  /// Closes the file; throws IoError when HDF5 fails to close it. Every object opened from
  /// it (datasets of appenders) must be closed first, or the file stays open.
  void Close();

  /// True when a link `name` exists (intermediate groups must exist).
  bool HasObject(const std::string& name) const;
  /// True when `object` exists and has attribute `name`.
  bool HasAttribute(const std::string& object, const std::string& name) const;

  /// Writes (replacing) a scalar attribute on `object`. Strings are fixed-length,
  /// NUL-terminated UTF-8 (no global heap), shorter than kH5MaxStringAttributeBytes (IoError).
  void WriteAttribute(const std::string& object, const std::string& name, const std::string& value);
  void WriteAttribute(const std::string& object, const std::string& name, const char* value) {
    WriteAttribute(object, name, std::string(value));
  }
  void WriteAttribute(const std::string& object, const std::string& name, int64_t value);
  void WriteAttribute(const std::string& object, const std::string& name, uint64_t value);
  void WriteAttribute(const std::string& object, const std::string& name, double value);

  /// Read a scalar attribute. Throw IoError (exit 2) when the object or attribute is missing,
  /// of another class (string vs integer vs float), not a single value, or of a corrupt or
  /// oversized type (checked before reading); integers convert between widths. Strings may be
  /// fixed-length or, in older files, variable-length.
  std::string ReadStringAttribute(const std::string& object, const std::string& name) const;
  int64_t ReadInt64Attribute(const std::string& object, const std::string& name) const;
  uint64_t ReadUInt64Attribute(const std::string& object, const std::string& name) const;
  double ReadDoubleAttribute(const std::string& object, const std::string& name) const;

  /// Creates group `name` (its parent must exist), without modification times so identical
  /// runs give identical files. IoError (exit 3) on failure.
  void CreateGroup(const std::string& name);
  /// Writes a whole 1-D dataset `name` of `n` elements (contiguous, no modification times)
  /// from `data` in the native layout of `type` (uint8 values for kEnumUInt8, whose
  /// `enum_members` are then required). The parent group must exist. IoError (exit 3) on
  /// failure.
  void WriteVector(const std::string& name, H5Type type, const void* data, int64_t n,
                   const std::vector<H5EnumMember>& enum_members = {});

  /// Shape, type, chunking and filters of dataset `name`; IoError when missing.
  H5DatasetInfo DatasetInfo(const std::string& name) const;

  /// Reads a whole dataset. T is float, double, int32_t, int64_t or uint8_t. Floats read
  /// into float/double, integers into any integer T (HDF5 converts), enums only into
  /// uint8_t (raw values). IoError on a missing dataset or a class mismatch.
  template <typename T>
  H5Array<T> ReadDataset(const std::string& name) const;
  /// Reads rows [first, first + count) along dim 0 (all of the other dims). IoError when
  /// the range is outside the dataset.
  template <typename T>
  H5Array<T> ReadRows(const std::string& name, int64_t first, int64_t count) const;

 private:
  H5File(std::string path, H5Handle file) : path_(std::move(path)), file_(std::move(file)) {}

  std::string path_;
  H5Handle file_;
};

/// Options of an extendible dataset.
struct H5AppenderOptions {
  H5Type type = H5Type::kFloat32;
  /// Shape of one row (dims 1..): {} for a 1-D, {N} for a 2-D, {N, d} for a 3-D dataset.
  std::vector<int64_t> row_dims;
  /// Full-rank chunk shape; empty = ChooseChunkDims(row_dims, size, kH5MaxChunkBytes).
  std::vector<int64_t> chunk_dims;
  bool compress = false;                   ///< Shuffle + deflate level 4.
  std::vector<H5EnumMember> enum_members;  ///< Required for kEnumUInt8.
};

/// Picks a chunk shape of at most `max_bytes` for rows of shape `row_dims`: whole rows,
/// as many as fit (at most `max_rows`) when one row fits; otherwise one row split along
/// dim 1 (agents), then dim 2.
std::vector<int64_t> ChooseChunkDims(const std::vector<int64_t>& row_dims, int64_t element_size,
                                     int64_t max_bytes = kH5MaxChunkBytes, int64_t max_rows = 1024);

/// An extendible dataset (dim 0 unlimited) that grows by appended rows. Rows are buffered
/// and written in blocks of the chunk's extent along dim 0 (whole chunks, no read-back).
/// Move-only; not thread-safe. The dataset's chunk cache is enlarged to hold one block.
class H5Appender {
 public:
  /// Creates dataset `name` (must not exist) in `file`, with dim 0 of extent 0. The file
  /// must outlive the appender. Throws IoError on HDF5 failure.
  H5Appender(H5File& file, const std::string& name, const H5AppenderOptions& options);
  H5Appender(H5Appender&& other) noexcept;
  H5Appender& operator=(H5Appender&& other) noexcept;
  ~H5Appender();

  /// Appends `num_rows` rows of prod(row_dims) elements each, row-major. T must be the
  /// dataset's element type (uint8_t for enums), or double for a float32 dataset (rounded
  /// to nearest). A wrong T is a bug (CALF_CHECK). Throws IoError when a write fails.
  template <typename T>
  void Append(const T* rows, int64_t num_rows);
  /// Writes the buffered rows to the file (not H5Fflush; see H5File::Flush).
  void Flush();
  /// Flushes and closes the dataset. Further Append calls are bugs.
  void Close();

  const std::string& name() const { return name_; }
  const std::vector<int64_t>& chunk_dims() const { return chunk_dims_; }
  /// Rows appended so far (written or buffered).
  int64_t rows() const { return rows_written_ + rows_buffered_; }
  /// Rows already handed to HDF5.
  int64_t rows_written() const { return rows_written_; }

 private:
  void WriteBlock(const unsigned char* data, int64_t num_rows);

  const H5File* file_ = nullptr;
  std::string name_;
  H5Type type_ = H5Type::kFloat32;
  H5Handle dataset_;
  H5Handle mem_type_;  // enum type for kEnumUInt8, unused otherwise
  std::vector<int64_t> row_dims_;
  std::vector<int64_t> chunk_dims_;
  int64_t row_elements_ = 1;
  int64_t element_size_ = 4;
  int64_t rows_written_ = 0;
  int64_t rows_buffered_ = 0;
  int64_t buffer_rows_ = 1;
  std::vector<unsigned char> buffer_;
};

}  // namespace calf::core
