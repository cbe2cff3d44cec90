#include "core/io/h5_file.h"

#include <hdf5.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <type_traits>

#include "core/error.h"
#include "core/memory.h"

static_assert(std::is_same<hid_t, calf::core::H5Id>::value,
              "calf::core::H5Id must be hid_t (HDF5 >= 1.10)");

namespace calf::core {
namespace {

herr_t InnermostError(unsigned n, const H5E_error2_t* err, void* data) {
  if (n == 0 && err != nullptr && err->desc != nullptr) {
    *static_cast<std::string*>(data) = err->desc;
  }
  return 0;
}

// HDF5's low-level I/O messages dump their arguments ("file write failed: time = ...,
// filename = ..., errno = 27, error message = 'File too large', buf = 0x..., ..."): keep the
// verb and the system's words ("file write failed: File too large").
std::string Condense(const std::string& desc) {
  const std::string key = "error message = '";
  const size_t at = desc.find(key);
  if (at == std::string::npos) return desc;
  const size_t from = at + key.size();
  const size_t to = desc.find('\'', from);
  const std::string head = desc.substr(0, std::min(desc.find(':'), at));
  return head + ": " + desc.substr(from, to == std::string::npos ? std::string::npos : to - from);
}

// The most specific message on HDF5's error stack, e.g. "unable to open file: ... errno = 2".
std::string Hdf5Reason() {
  std::string desc;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, InnermostError, &desc);
  H5Eclear2(H5E_DEFAULT);
  if (desc.empty()) return "";
  return " (hdf5: " + Condense(desc) + ")";
}

// A failed write/flush/close: a runtime failure (exit 3).
[[noreturn]] void Fail(const std::string& what, const std::string& path) {
  throw IoError(what + " in '" + path + "'" + Hdf5Reason(), ExitCode::kRuntime);
}

// A file that cannot be read as expected: a bad input (exit 2).
[[noreturn]] void FailRead(const std::string& what, const std::string& path) {
  throw IoError(what + " in '" + path + "'" + Hdf5Reason(), ExitCode::kUsage);
}

const char* ObjName(const std::string& object) { return object.empty() ? "/" : object.c_str(); }

hid_t FileType(H5Type type) {
  switch (type) {
    case H5Type::kFloat32:
      return H5T_IEEE_F32LE;
    case H5Type::kFloat64:
      return H5T_IEEE_F64LE;
    case H5Type::kInt32:
      return H5T_STD_I32LE;
    case H5Type::kInt64:
      return H5T_STD_I64LE;
    case H5Type::kUInt8:
    case H5Type::kEnumUInt8:
      return H5T_STD_U8LE;
  }
  return H5T_STD_U8LE;
}

hid_t NativeType(H5Type type) {
  switch (type) {
    case H5Type::kFloat32:
      return H5T_NATIVE_FLOAT;
    case H5Type::kFloat64:
      return H5T_NATIVE_DOUBLE;
    case H5Type::kInt32:
      return H5T_NATIVE_INT32;
    case H5Type::kInt64:
      return H5T_NATIVE_INT64;
    case H5Type::kUInt8:
    case H5Type::kEnumUInt8:
      return H5T_NATIVE_UINT8;
  }
  return H5T_NATIVE_UINT8;
}

template <typename T>
constexpr H5Type TypeOf() {
  if constexpr (std::is_same<T, float>::value) return H5Type::kFloat32;
  if constexpr (std::is_same<T, double>::value) return H5Type::kFloat64;
  if constexpr (std::is_same<T, int32_t>::value) return H5Type::kInt32;
  if constexpr (std::is_same<T, int64_t>::value) return H5Type::kInt64;
  return H5Type::kUInt8;
}

H5Handle VlenStringType(H5T_cset_t cset) {
  H5Handle type(H5Tcopy(H5T_C_S1));
  if (!type.valid() || H5Tset_size(type.get(), H5T_VARIABLE) < 0 ||
      H5Tset_cset(type.get(), cset) < 0) {
    return H5Handle();
  }
  return type;
}

// A fixed-length, NUL-terminated UTF-8 string type of `size` bytes (the terminator included):
// stored inside the attribute itself, no global heap (see WriteAttribute)
H5Handle FixedStringType(size_t size) {
  H5Handle type(H5Tcopy(H5T_C_S1));
  if (!type.valid() || H5Tset_size(type.get(), size) < 0 ||
      H5Tset_strpad(type.get(), H5T_STR_NULLTERM) < 0 ||
      H5Tset_cset(type.get(), H5T_CSET_UTF8) < 0) {
    return H5Handle();
  }
  return type;
}

// The stored type of a numeric dataset is one calf can convert safely: IEEE floats of 4 or 8
// bytes, whole-byte integers of 1-8 bytes, enums over such an integer. A corrupt datatype
// message (a 4-byte float claiming 37 bits of mantissa, a 3-byte integer) is refused here,
// before HDF5's converters see it.
bool PlainNumericType(hid_t type) {
  const H5T_class_t cls = H5Tget_class(type);
  if (cls == H5T_FLOAT) {
    for (hid_t ieee : {H5T_IEEE_F32LE, H5T_IEEE_F32BE, H5T_IEEE_F64LE, H5T_IEEE_F64BE}) {
      if (H5Tequal(type, ieee) > 0) return true;
    }
    return false;
  }
  if (cls == H5T_ENUM) {
    H5Handle base(H5Tget_super(type));
    return base.valid() && H5Tget_size(type) == 1 && PlainNumericType(base.get()) &&
           H5Tget_class(base.get()) == H5T_INTEGER && H5Tget_size(base.get()) == 1;
  }
  if (cls != H5T_INTEGER) return false;
  const size_t size = H5Tget_size(type);
  return (size == 1 || size == 2 || size == 4 || size == 8) && H5Tget_precision(type) == 8 * size &&
         H5Tget_offset(type) == 0;
}

// the file type of an enum with a uint8 base; invalid on failure
H5Handle EnumType(const std::vector<H5EnumMember>& members) {
  H5Handle type(H5Tenum_create(H5T_STD_U8LE));
  if (!type.valid()) return type;
  for (const H5EnumMember& member : members) {
    if (H5Tenum_insert(type.get(), member.name.c_str(), &member.value) < 0) return H5Handle();
  }
  return type;
}

int64_t Product(const std::vector<int64_t>& dims) {
  int64_t p = 1;
  for (int64_t d : dims) p *= d;
  return p;
}

}  // namespace

void InitHdf5() {
  static const bool initialised = [] {
    H5dont_atexit();  // only effective before the library initialises itself
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    return true;
  }();
  (void)initialised;
}

int64_t H5TypeSize(H5Type type) {
  switch (type) {
    case H5Type::kFloat32:
    case H5Type::kInt32:
      return 4;
    case H5Type::kFloat64:
    case H5Type::kInt64:
      return 8;
    case H5Type::kUInt8:
    case H5Type::kEnumUInt8:
      return 1;
  }
  return 1;
}

// ---- H5Handle ----------------------------------------------------------------------------

H5Handle::H5Handle(H5Handle&& other) noexcept : id_(other.id_) { other.id_ = -1; }

H5Handle& H5Handle::operator=(H5Handle&& other) noexcept {
  if (this != &other) {
    Close();
    id_ = other.id_;
    other.id_ = -1;
  }
  return *this;
}

H5Handle::~H5Handle() { Close(); }

bool H5Handle::Close() {
  if (id_ < 0) return true;
  herr_t status = -1;
  switch (H5Iget_type(id_)) {
    case H5I_FILE:
      status = H5Fclose(id_);
      break;
    case H5I_GROUP:
      status = H5Gclose(id_);
      break;
    case H5I_DATATYPE:
      status = H5Tclose(id_);
      break;
    case H5I_DATASPACE:
      status = H5Sclose(id_);
      break;
    case H5I_DATASET:
      status = H5Dclose(id_);
      break;
    case H5I_ATTR:
      status = H5Aclose(id_);
      break;
    case H5I_GENPROP_LST:
      status = H5Pclose(id_);
      break;
    default:
      status = H5Idec_ref(id_);
      break;
  }
  id_ = -1;
  return status >= 0;
}

// ---- H5File ------------------------------------------------------------------------------

H5File H5File::Create(const std::string& path) {
  InitHdf5();
  H5Handle file(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT));
  if (!file.valid()) {
    throw IoError("cannot create hdf5 file '" + path +
                  "'; check that its directory exists and is writable" + Hdf5Reason());
  }
  return H5File(path, std::move(file));
}

H5File H5File::Open(const std::string& path, bool read_only) {
  InitHdf5();
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    throw IoError("hdf5 file '" + path + "' does not exist");
  }
  if (H5Fis_hdf5(path.c_str()) <= 0) {
    H5Eclear2(H5E_DEFAULT);
    throw IoError("'" + path + "' is not an hdf5 file");
  }
  H5Handle file(H5Fopen(path.c_str(), read_only ? H5F_ACC_RDONLY : H5F_ACC_RDWR, H5P_DEFAULT));
  if (!file.valid()) {
    throw IoError("cannot open hdf5 file '" + path + "'" + Hdf5Reason());
  }
  return H5File(path, std::move(file));
}

void H5File::Flush() {
  if (H5Fflush(file_.get(), H5F_SCOPE_GLOBAL) < 0) Fail("cannot flush hdf5 file", path_);
}

void H5File::Close() {
  if (!file_.Close()) Fail("cannot close hdf5 file", path_);
}

void H5File::CreateGroup(const std::string& name) {
  H5Handle gcpl(H5Pcreate(H5P_GROUP_CREATE));
  if (!gcpl.valid() || H5Pset_obj_track_times(gcpl.get(), 0) < 0) {
    Fail("cannot set up group '" + name + "'", path_);
  }
  H5Handle group(H5Gcreate2(file_.get(), name.c_str(), H5P_DEFAULT, gcpl.get(), H5P_DEFAULT));
  if (!group.valid()) Fail("cannot create group '" + name + "'", path_);
  if (!group.Close()) Fail("cannot close group '" + name + "'", path_);
}

void H5File::WriteVector(const std::string& name, H5Type type, const void* data, int64_t n,
                         const std::vector<H5EnumMember>& enum_members) {
  CALF_CHECK(n >= 0) << "dataset '" << name << "' of negative size";
  H5Handle enum_type;
  hid_t file_type = FileType(type), mem_type = NativeType(type);
  if (type == H5Type::kEnumUInt8) {
    CALF_CHECK(!enum_members.empty()) << "enum dataset '" << name << "' has no members";
    enum_type = EnumType(enum_members);
    if (!enum_type.valid()) Fail("cannot create the enum type of dataset '" + name + "'", path_);
    file_type = mem_type = enum_type.get();
  }
  const hsize_t dims = static_cast<hsize_t>(n);
  H5Handle space(H5Screate_simple(1, &dims, nullptr));
  H5Handle dcpl(H5Pcreate(H5P_DATASET_CREATE));
  // no modification times: identical runs give byte-identical files
  if (!space.valid() || !dcpl.valid() || H5Pset_obj_track_times(dcpl.get(), 0) < 0) {
    Fail("cannot set up dataset '" + name + "'", path_);
  }
  H5Handle dataset(H5Dcreate2(file_.get(), name.c_str(), file_type, space.get(), H5P_DEFAULT,
                              dcpl.get(), H5P_DEFAULT));
  if (!dataset.valid()) Fail("cannot create dataset '" + name + "'", path_);
  if (n > 0 && H5Dwrite(dataset.get(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0) {
    Fail("cannot write dataset '" + name + "'", path_);
  }
  if (!dataset.Close()) Fail("cannot close dataset '" + name + "'", path_);
}

bool H5File::HasObject(const std::string& name) const {
  const char* obj = ObjName(name);
  if (std::strcmp(obj, "/") == 0) return true;
  htri_t exists = H5Lexists(file_.get(), obj, H5P_DEFAULT);
  if (exists < 0) H5Eclear2(H5E_DEFAULT);  // a missing intermediate group
  if (exists <= 0) return false;
  exists = H5Oexists_by_name(file_.get(), obj, H5P_DEFAULT);
  if (exists < 0) H5Eclear2(H5E_DEFAULT);
  return exists > 0;
}

bool H5File::HasAttribute(const std::string& object, const std::string& name) const {
  if (!HasObject(object)) return false;
  htri_t exists = H5Aexists_by_name(file_.get(), ObjName(object), name.c_str(), H5P_DEFAULT);
  if (exists < 0) Fail("cannot look up attribute '" + name + "' of '" + object + "'", path_);
  return exists > 0;
}

namespace {

H5Handle OpenObject(const H5File& file, const std::string& object) {
  if (!file.HasObject(object)) {
    throw IoError("object '" + std::string(ObjName(object)) + "' not found in '" + file.path() +
                  "'");
  }
  H5Handle obj(H5Oopen(file.id(), ObjName(object), H5P_DEFAULT));
  if (!obj.valid()) FailRead("cannot open object '" + object + "'", file.path());
  return obj;
}

// Writes a scalar attribute, in place when it already exists with the same type.
void WriteScalarAttribute(const H5File& file, const std::string& object, const std::string& name,
                          hid_t file_type, hid_t mem_type, const void* value) {
  const std::string where = "attribute '" + name + "' of '" + ObjName(object) + "'";
  H5Handle obj = OpenObject(file, object);
  htri_t exists = H5Aexists(obj.get(), name.c_str());
  if (exists < 0) Fail("cannot look up " + where, file.path());
  if (exists > 0) {
    H5Handle attr(H5Aopen(obj.get(), name.c_str(), H5P_DEFAULT));
    if (!attr.valid()) Fail("cannot open " + where, file.path());
    H5Handle type(H5Aget_type(attr.get()));
    H5Handle space(H5Aget_space(attr.get()));
    if (!type.valid() || !space.valid()) Fail("cannot inspect " + where, file.path());
    if (H5Tequal(type.get(), file_type) > 0 &&
        H5Sget_simple_extent_type(space.get()) == H5S_SCALAR) {
      if (H5Awrite(attr.get(), mem_type, value) < 0) Fail("cannot write " + where, file.path());
      return;
    }
    attr.Close();
    if (H5Adelete(obj.get(), name.c_str()) < 0) Fail("cannot replace " + where, file.path());
  }
  H5Handle space(H5Screate(H5S_SCALAR));
  if (!space.valid()) Fail("cannot create dataspace for " + where, file.path());
  H5Handle attr(
      H5Acreate2(obj.get(), name.c_str(), file_type, space.get(), H5P_DEFAULT, H5P_DEFAULT));
  if (!attr.valid()) Fail("cannot create " + where, file.path());
  if (H5Awrite(attr.get(), mem_type, value) < 0) Fail("cannot write " + where, file.path());
  if (!attr.Close()) Fail("cannot close " + where, file.path());
}

// Opens a scalar attribute and checks its type class.
H5Handle OpenScalarAttribute(const H5File& file, const std::string& object, const std::string& name,
                             H5T_class_t want, const char* want_name, H5Handle* type) {
  const std::string where = "attribute '" + name + "' of '" + ObjName(object) + "'";
  H5Handle obj = OpenObject(file, object);
  htri_t exists = H5Aexists(obj.get(), name.c_str());
  if (exists < 0) FailRead("cannot look up " + where, file.path());
  if (exists == 0) {
    throw IoError(where + " is missing in '" + file.path() + "'");
  }
  H5Handle attr(H5Aopen(obj.get(), name.c_str(), H5P_DEFAULT));
  if (!attr.valid()) FailRead("cannot open " + where, file.path());
  *type = H5Handle(H5Aget_type(attr.get()));
  H5Handle space(H5Aget_space(attr.get()));
  if (!type->valid() || !space.valid()) FailRead("cannot inspect " + where, file.path());
  if (H5Tget_class(type->get()) != want) {
    throw IoError(where + " in '" + file.path() + "' is not " + want_name);
  }
  const H5S_class_t shape = H5Sget_simple_extent_type(space.get());
  if ((shape != H5S_SCALAR && shape != H5S_SIMPLE) ||
      H5Sget_simple_extent_npoints(space.get()) != 1) {
    throw IoError(where + " in '" + file.path() + "' is not a scalar");
  }
  // sizes before any read: a number of 1-8 plain bytes; a fixed string of at most
  // kH5MaxStringAttributeBytes whose bytes are all stored (a corrupt size would have HDF5
  // read past the attribute's data)
  const size_t size = H5Tget_size(type->get());
  const htri_t vlen = want == H5T_STRING ? H5Tis_variable_str(type->get()) : 0;
  if (vlen < 0) FailRead("cannot inspect " + where, file.path());
  const bool sized = want == H5T_STRING
                         ? vlen > 0 || (size >= 1 && size <= kH5MaxStringAttributeBytes &&
                                        H5Aget_storage_size(attr.get()) == size)
                         : PlainNumericType(type->get()) && H5Aget_storage_size(attr.get()) == size;
  if (!sized) {
    throw IoError(where + " in '" + file.path() + "' has a corrupt size (" + std::to_string(size) +
                  " bytes); the file is damaged");
  }
  return attr;
}

}  // namespace

void H5File::WriteAttribute(const std::string& object, const std::string& name,
                            const std::string& value) {
  // fixed length, not variable length: a variable-length string lives in the file's global
  // heap, whose parser in HDF5 1.10.8 crashes or loops on a corrupt heap address (issue 19)
  if (value.size() >= kH5MaxStringAttributeBytes) {
    throw IoError("attribute '" + name + "' of '" + ObjName(object) + "' would be " +
                  std::to_string(value.size()) + " bytes; hdf5 attributes hold at most " +
                  std::to_string(kH5MaxStringAttributeBytes - 1) + " (in '" + path_ + "')");
  }
  H5Handle type = FixedStringType(value.size() + 1);
  if (!type.valid()) Fail("cannot create string type for attribute '" + name + "'", path_);
  WriteScalarAttribute(*this, object, name, type.get(), type.get(), value.c_str());
}

void H5File::WriteAttribute(const std::string& object, const std::string& name, int64_t value) {
  WriteScalarAttribute(*this, object, name, H5T_STD_I64LE, H5T_NATIVE_INT64, &value);
}

void H5File::WriteAttribute(const std::string& object, const std::string& name, uint64_t value) {
  WriteScalarAttribute(*this, object, name, H5T_STD_U64LE, H5T_NATIVE_UINT64, &value);
}

void H5File::WriteAttribute(const std::string& object, const std::string& name, double value) {
  WriteScalarAttribute(*this, object, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &value);
}

std::string H5File::ReadStringAttribute(const std::string& object, const std::string& name) const {
  const std::string where = "attribute '" + name + "' of '" + ObjName(object) + "'";
  H5Handle type;
  H5Handle attr = OpenScalarAttribute(*this, object, name, H5T_STRING, "a string", &type);
  // files of calf before issue 19 (and h5py's) hold variable-length strings: still read, but
  // their global heap is outside what calf can check (docs/fuzzing.md)
  if (H5Tis_variable_str(type.get()) > 0) {
    H5Handle mem = VlenStringType(H5Tget_cset(type.get()));
    char* text = nullptr;
    if (!mem.valid() || H5Aread(attr.get(), mem.get(), &text) < 0) {
      FailRead("cannot read " + where, path_);
    }
    const size_t length = text != nullptr ? strnlen(text, kH5MaxStringAttributeBytes) : 0;
    std::string value(text != nullptr ? text : "", length);
    H5free_memory(text);
    if (length == kH5MaxStringAttributeBytes) {
      throw IoError(where + " in '" + path_ + "' is longer than " +
                    std::to_string(kH5MaxStringAttributeBytes) + " bytes");
    }
    return value;
  }
  // a fixed string, read as stored (no conversion), its size checked above
  const size_t size = H5Tget_size(type.get());
  std::vector<char> buffer(size + 1, '\0');
  if (H5Aread(attr.get(), type.get(), buffer.data()) < 0) FailRead("cannot read " + where, path_);
  return std::string(buffer.data(), strnlen(buffer.data(), size));
}

int64_t H5File::ReadInt64Attribute(const std::string& object, const std::string& name) const {
  H5Handle type;
  H5Handle attr = OpenScalarAttribute(*this, object, name, H5T_INTEGER, "an integer", &type);
  int64_t value = 0;
  if (H5Aread(attr.get(), H5T_NATIVE_INT64, &value) < 0) {
    FailRead("cannot read attribute '" + name + "' of '" + ObjName(object) + "'", path_);
  }
  return value;
}

uint64_t H5File::ReadUInt64Attribute(const std::string& object, const std::string& name) const {
  H5Handle type;
  H5Handle attr = OpenScalarAttribute(*this, object, name, H5T_INTEGER, "an integer", &type);
  uint64_t value = 0;
  if (H5Aread(attr.get(), H5T_NATIVE_UINT64, &value) < 0) {
    FailRead("cannot read attribute '" + name + "' of '" + ObjName(object) + "'", path_);
  }
  return value;
}

double H5File::ReadDoubleAttribute(const std::string& object, const std::string& name) const {
  H5Handle type;
  H5Handle attr = OpenScalarAttribute(*this, object, name, H5T_FLOAT, "a float", &type);
  double value = 0;
  if (H5Aread(attr.get(), H5T_NATIVE_DOUBLE, &value) < 0) {
    FailRead("cannot read attribute '" + name + "' of '" + ObjName(object) + "'", path_);
  }
  return value;
}

namespace {

H5Handle OpenDataset(const H5File& file, const std::string& name) {
  if (!file.HasObject(name)) {
    throw IoError("dataset '" + name + "' is missing in '" + file.path() + "'");
  }
  H5Handle dataset(H5Dopen2(file.id(), name.c_str(), H5P_DEFAULT));
  if (!dataset.valid()) FailRead("cannot open dataset '" + name + "'", file.path());
  return dataset;
}

// Refuses a dataset whose stored type is not a plain number or uint8 enum (PlainNumericType).
void CheckPlainType(const H5File& file, const std::string& name, hid_t type) {
  if (!PlainNumericType(type)) {
    throw IoError("dataset '" + name + "' in '" + file.path() +
                  "' has a type calf cannot read (not a plain number or uint8 enum)");
  }
}

std::vector<int64_t> Extent(const H5File& file, const std::string& name, hid_t space,
                            std::vector<int64_t>* max_dims) {
  int rank = H5Sget_simple_extent_ndims(space);
  if (rank < 0 || rank > H5S_MAX_RANK) {
    FailRead("cannot read the shape of dataset '" + name + "'", file.path());
  }
  std::vector<hsize_t> dims(rank), maxd(rank);
  if (rank > 0 && H5Sget_simple_extent_dims(space, dims.data(), maxd.data()) < 0) {
    FailRead("cannot read the shape of dataset '" + name + "'", file.path());
  }
  // every extent and their product stay below 2^58 (a corrupt dataspace may claim 2^64 rows)
  int64_t elements = 1;
  for (hsize_t d : dims) {
    if (d > hsize_t{1} << 58 ||
        (d != 0 && elements > (int64_t{1} << 58) / static_cast<int64_t>(d))) {
      throw IoError("dataset '" + name + "' in '" + file.path() +
                    "' has a corrupt shape (more than 2^58 elements); the file is damaged");
    }
    elements *= static_cast<int64_t>(d);
  }
  if (max_dims != nullptr) {
    max_dims->clear();
    for (hsize_t m : maxd) max_dims->push_back(m == H5S_UNLIMITED ? -1 : int64_t(m));
  }
  return std::vector<int64_t>(dims.begin(), dims.end());
}

}  // namespace

H5DatasetInfo H5File::DatasetInfo(const std::string& name) const {
  H5DatasetInfo info;
  H5Handle dataset = OpenDataset(*this, name);
  H5Handle space(H5Dget_space(dataset.get()));
  H5Handle type(H5Dget_type(dataset.get()));
  H5Handle dcpl(H5Dget_create_plist(dataset.get()));
  if (!space.valid() || !type.valid() || !dcpl.valid()) {
    FailRead("cannot inspect dataset '" + name + "'", path_);
  }
  CheckPlainType(*this, name, type.get());
  info.dims = Extent(*this, name, space.get(), &info.max_dims);
  const size_t size = H5Tget_size(type.get());
  switch (H5Tget_class(type.get())) {
    case H5T_FLOAT:
      info.type = size <= 4 ? H5Type::kFloat32 : H5Type::kFloat64;
      break;
    case H5T_INTEGER:
      if (size == 1 && H5Tget_sign(type.get()) == H5T_SGN_NONE) {
        info.type = H5Type::kUInt8;
      } else {
        info.type = size <= 4 ? H5Type::kInt32 : H5Type::kInt64;
      }
      break;
    case H5T_ENUM: {
      if (size != 1) {
        throw IoError("dataset '" + name + "' in '" + path_ + "' is an enum wider than uint8");
      }
      info.type = H5Type::kEnumUInt8;
      int count = H5Tget_nmembers(type.get());
      if (count < 0) FailRead("cannot read the enum of dataset '" + name + "'", path_);
      for (int i = 0; i < count; ++i) {
        char* member = H5Tget_member_name(type.get(), static_cast<unsigned>(i));
        uint8_t value = 0;
        if (member == nullptr ||
            H5Tget_member_value(type.get(), static_cast<unsigned>(i), &value) < 0) {
          H5free_memory(member);
          FailRead("cannot read the enum of dataset '" + name + "'", path_);
        }
        info.enum_members.push_back({member, value});
        H5free_memory(member);
      }
      std::sort(info.enum_members.begin(), info.enum_members.end(),
                [](const H5EnumMember& a, const H5EnumMember& b) { return a.value < b.value; });
      break;
    }
    default:
      throw IoError("dataset '" + name + "' in '" + path_ +
                    "' has a type calf cannot read (not a number or enum)");
  }
  if (H5Pget_layout(dcpl.get()) == H5D_CHUNKED) {
    std::vector<hsize_t> chunk(info.dims.size());
    if (H5Pget_chunk(dcpl.get(), static_cast<int>(chunk.size()), chunk.data()) < 0) {
      FailRead("cannot read the chunking of dataset '" + name + "'", path_);
    }
    info.chunk_dims.assign(chunk.begin(), chunk.end());
  }
  int filters = H5Pget_nfilters(dcpl.get());
  if (filters < 0) FailRead("cannot read the filters of dataset '" + name + "'", path_);
  for (int i = 0; i < filters; ++i) {
    unsigned flags = 0, config = 0;
    size_t cd_count = 0;
    H5Z_filter_t filter = H5Pget_filter2(dcpl.get(), static_cast<unsigned>(i), &flags, &cd_count,
                                         nullptr, 0, nullptr, &config);
    if (filter == H5Z_FILTER_DEFLATE) info.deflate = true;
    if (filter == H5Z_FILTER_SHUFFLE) info.shuffle = true;
  }
  return info;
}

namespace {

template <typename T>
H5Array<T> ReadRowsImpl(const H5File& file, const std::string& name, bool whole, int64_t first,
                        int64_t count) {
  H5Handle dataset = OpenDataset(file, name);
  H5Handle space(H5Dget_space(dataset.get()));
  H5Handle type(H5Dget_type(dataset.get()));
  if (!space.valid() || !type.valid())
    FailRead("cannot inspect dataset '" + name + "'", file.path());
  CheckPlainType(file, name, type.get());
  const H5T_class_t cls = H5Tget_class(type.get());
  H5Handle enum_native;
  hid_t mem_type = NativeType(TypeOf<T>());
  if (std::is_floating_point<T>::value) {
    if (cls != H5T_FLOAT) {
      throw IoError("dataset '" + name + "' in '" + file.path() + "' is not a float dataset");
    }
  } else if (cls == H5T_ENUM) {
    if (!std::is_same<T, uint8_t>::value || H5Tget_size(type.get()) != 1) {
      throw IoError("dataset '" + name + "' in '" + file.path() + "' is an enum; read it as uint8");
    }
    // same enum in native order: raw values, no conversion
    enum_native = H5Handle(H5Tget_native_type(type.get(), H5T_DIR_ASCEND));
    if (!enum_native.valid())
      FailRead("cannot read the enum of dataset '" + name + "'", file.path());
    mem_type = enum_native.get();
  } else if (cls != H5T_INTEGER) {
    throw IoError("dataset '" + name + "' in '" + file.path() + "' is not an integer dataset");
  }
  std::vector<int64_t> dims = Extent(file, name, space.get(), nullptr);
  if (dims.empty()) {
    throw IoError("dataset '" + name + "' in '" + file.path() + "' is a scalar, not an array");
  }
  if (whole) {
    first = 0;
    count = dims[0];
  } else if (first < 0 || count < 0 || first + count > dims[0]) {
    throw IoError("rows [" + std::to_string(first) + ", " + std::to_string(first + count) +
                  ") are outside dataset '" + name + "' (" + std::to_string(dims[0]) +
                  " rows) in '" + file.path() + "'");
  }
  H5Array<T> out;
  out.dims = dims;
  out.dims[0] = count;
  // bounded: a read larger than the machine's memory is a corrupt shape or a mistake, refused
  // before allocating (the allocation would be overcommitted, then the process killed)
  const int64_t bytes = Product(out.dims) * static_cast<int64_t>(sizeof(T));
  if (bytes > PhysicalMemoryBytes()) {
    throw IoError("reading " + std::to_string(count) + " rows of dataset '" + name + "' in '" +
                  file.path() + "' takes " + std::to_string(bytes >> 20) +
                  " MiB, more than this machine's memory; read fewer rows");
  }
  out.values.resize(static_cast<size_t>(Product(out.dims)));
  if (out.values.empty()) return out;
  std::vector<hsize_t> start(dims.size(), 0), extent(out.dims.begin(), out.dims.end());
  start[0] = static_cast<hsize_t>(first);
  H5Handle mem_space(H5Screate_simple(static_cast<int>(extent.size()), extent.data(), nullptr));
  if (!mem_space.valid() || H5Sselect_hyperslab(space.get(), H5S_SELECT_SET, start.data(), nullptr,
                                                extent.data(), nullptr) < 0) {
    FailRead("cannot select rows of dataset '" + name + "'", file.path());
  }
  if (H5Dread(dataset.get(), mem_type, mem_space.get(), space.get(), H5P_DEFAULT,
              out.values.data()) < 0) {
    FailRead("cannot read dataset '" + name + "'", file.path());
  }
  return out;
}

}  // namespace

template <typename T>
H5Array<T> H5File::ReadDataset(const std::string& name) const {
  return ReadRowsImpl<T>(*this, name, true, 0, 0);
}

template <typename T>
H5Array<T> H5File::ReadRows(const std::string& name, int64_t first, int64_t count) const {
  return ReadRowsImpl<T>(*this, name, false, first, count);
}

// ---- H5Appender --------------------------------------------------------------------------

std::vector<int64_t> ChooseChunkDims(const std::vector<int64_t>& row_dims, int64_t element_size,
                                     int64_t max_bytes, int64_t max_rows) {
  CALF_CHECK(element_size > 0 && max_bytes >= element_size && max_rows >= 1);
  std::vector<int64_t> chunk;
  chunk.push_back(1);
  chunk.insert(chunk.end(), row_dims.begin(), row_dims.end());
  for (int64_t& d : chunk) d = std::max<int64_t>(d, 1);
  const int64_t row_bytes = Product(chunk) * element_size;
  if (row_bytes <= max_bytes) {
    chunk[0] = std::min(max_rows, max_bytes / row_bytes);
    return chunk;
  }
  // one row does not fit: split the innermost dims last (agents first, then state dims)
  for (size_t i = 1; i < chunk.size(); ++i) {
    int64_t inner = element_size;
    for (size_t j = i + 1; j < chunk.size(); ++j) inner *= chunk[j];
    if (inner <= max_bytes) {
      chunk[i] = std::max<int64_t>(1, max_bytes / inner);
      return chunk;
    }
    chunk[i] = 1;
  }
  return chunk;
}

H5Appender::H5Appender(H5File& file, const std::string& name, const H5AppenderOptions& options)
    : file_(&file),
      name_(name),
      type_(options.type),
      row_dims_(options.row_dims),
      element_size_(H5TypeSize(options.type)) {
  CALF_CHECK(row_dims_.size() <= 2) << "dataset '" << name << "' has rank > 3";
  for (int64_t d : row_dims_) CALF_CHECK(d > 0) << "dataset '" << name << "' has an empty dim";
  row_elements_ = Product(row_dims_);
  chunk_dims_ =
      options.chunk_dims.empty() ? ChooseChunkDims(row_dims_, element_size_) : options.chunk_dims;
  CALF_CHECK(chunk_dims_.size() == row_dims_.size() + 1) << "chunk rank of '" << name << "'";
  for (int64_t d : chunk_dims_) CALF_CHECK(d > 0) << "chunk dims of '" << name << "'";
  const std::string& path = file.path();

  hid_t file_type = FileType(type_);
  if (type_ == H5Type::kEnumUInt8) {
    CALF_CHECK(!options.enum_members.empty()) << "enum dataset '" << name << "' has no members";
    mem_type_ = EnumType(options.enum_members);
    if (!mem_type_.valid()) Fail("cannot create the enum type of dataset '" + name + "'", path);
    file_type = mem_type_.get();
  }

  const int rank = static_cast<int>(chunk_dims_.size());
  std::vector<hsize_t> dims(rank, 0), max_dims(rank), chunk(chunk_dims_.begin(), chunk_dims_.end());
  max_dims[0] = H5S_UNLIMITED;
  for (int i = 1; i < rank; ++i) dims[i] = max_dims[i] = static_cast<hsize_t>(row_dims_[i - 1]);
  H5Handle space(H5Screate_simple(rank, dims.data(), max_dims.data()));
  H5Handle dcpl(H5Pcreate(H5P_DATASET_CREATE));
  H5Handle dapl(H5Pcreate(H5P_DATASET_ACCESS));
  H5Handle lcpl(H5Pcreate(H5P_LINK_CREATE));
  if (!space.valid() || !dcpl.valid() || !dapl.valid() || !lcpl.valid() ||
      H5Pset_chunk(dcpl.get(), rank, chunk.data()) < 0 ||
      H5Pset_create_intermediate_group(lcpl.get(), 1) < 0) {
    Fail("cannot set up dataset '" + name + "'", path);
  }
  if (options.compress && (H5Pset_shuffle(dcpl.get()) < 0 || H5Pset_deflate(dcpl.get(), 4) < 0)) {
    Fail("cannot enable compression of dataset '" + name + "'", path);
  }
  // the cache holds one block of rows (all chunks along the other dims) plus one spare chunk,
  // so compressed chunks are compressed once, when evicted whole
  int64_t chunks_per_block = 1;
  for (int i = 1; i < rank; ++i) {
    chunks_per_block *= (row_dims_[i - 1] + chunk_dims_[i] - 1) / chunk_dims_[i];
  }
  const int64_t chunk_bytes = Product(chunk_dims_) * element_size_;
  const int64_t cache_bytes = std::clamp<int64_t>((chunks_per_block + 1) * chunk_bytes,
                                                  kH5MaxChunkBytes, int64_t{64} << 20);
  const size_t slots = static_cast<size_t>(std::max<int64_t>(521, 10 * (chunks_per_block + 1)));
  if (H5Pset_chunk_cache(dapl.get(), slots | 1, static_cast<size_t>(cache_bytes), 1.0) < 0) {
    Fail("cannot size the chunk cache of dataset '" + name + "'", path);
  }
  dataset_ = H5Handle(H5Dcreate2(file.id(), name.c_str(), file_type, space.get(), lcpl.get(),
                                 dcpl.get(), dapl.get()));
  if (!dataset_.valid()) Fail("cannot create dataset '" + name + "'", path);
  buffer_rows_ = chunk_dims_[0];
  buffer_.resize(static_cast<size_t>(buffer_rows_ * row_elements_ * element_size_));
}

H5Appender::H5Appender(H5Appender&& other) noexcept = default;
H5Appender& H5Appender::operator=(H5Appender&& other) noexcept = default;
H5Appender::~H5Appender() = default;

template <typename T>
void H5Appender::Append(const T* rows, int64_t num_rows) {
  CALF_CHECK(dataset_.valid()) << "append to closed dataset '" << name_ << "'";
  const bool same =
      TypeOf<T>() == type_ || (type_ == H5Type::kEnumUInt8 && std::is_same<T, uint8_t>::value);
  const bool to_float = type_ == H5Type::kFloat32 && std::is_same<T, double>::value;
  CALF_CHECK(same || to_float) << "wrong element type appended to dataset '" << name_ << "'";
  CALF_CHECK(num_rows >= 0);
  const int64_t row_bytes = row_elements_ * element_size_;
  while (num_rows > 0) {
    // nothing buffered and whole blocks at hand: write straight from the caller's memory
    if (same && rows_buffered_ == 0 && num_rows >= buffer_rows_) {
      const int64_t n = num_rows / buffer_rows_ * buffer_rows_;
      WriteBlock(reinterpret_cast<const unsigned char*>(rows), n);
      rows += n * row_elements_;
      num_rows -= n;
      continue;
    }
    const int64_t n = std::min(num_rows, buffer_rows_ - rows_buffered_);
    unsigned char* dst = buffer_.data() + rows_buffered_ * row_bytes;
    if (same) {
      std::memcpy(dst, rows, static_cast<size_t>(n * row_bytes));
    } else {
      const int64_t count = n * row_elements_;
      for (int64_t i = 0; i < count; ++i) {
        const float value = static_cast<float>(rows[i]);
        std::memcpy(dst + 4 * i, &value, 4);
      }
    }
    rows_buffered_ += n;
    rows += n * row_elements_;
    num_rows -= n;
    if (rows_buffered_ == buffer_rows_) Flush();
  }
}

void H5Appender::Flush() {
  if (rows_buffered_ == 0) return;
  WriteBlock(buffer_.data(), rows_buffered_);
  rows_buffered_ = 0;
}

void H5Appender::Close() {
  if (!dataset_.valid()) return;
  Flush();
  if (!dataset_.Close()) Fail("cannot close dataset '" + name_ + "'", file_->path());
  mem_type_.Close();
}

void H5Appender::WriteBlock(const unsigned char* data, int64_t num_rows) {
  const std::string& path = file_->path();
  const int rank = static_cast<int>(chunk_dims_.size());
  std::vector<hsize_t> dims(rank), start(rank, 0), count(rank);
  dims[0] = static_cast<hsize_t>(rows_written_ + num_rows);
  start[0] = static_cast<hsize_t>(rows_written_);
  count[0] = static_cast<hsize_t>(num_rows);
  for (int i = 1; i < rank; ++i) dims[i] = count[i] = static_cast<hsize_t>(row_dims_[i - 1]);
  if (H5Dset_extent(dataset_.get(), dims.data()) < 0) {
    Fail("cannot extend dataset '" + name_ + "'", path);
  }
  H5Handle file_space(H5Dget_space(dataset_.get()));
  H5Handle mem_space(H5Screate_simple(rank, count.data(), nullptr));
  if (!file_space.valid() || !mem_space.valid() ||
      H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start.data(), nullptr, count.data(),
                          nullptr) < 0) {
    Fail("cannot select rows of dataset '" + name_ + "'", path);
  }
  const hid_t mem_type = type_ == H5Type::kEnumUInt8 ? mem_type_.get() : NativeType(type_);
  if (H5Dwrite(dataset_.get(), mem_type, mem_space.get(), file_space.get(), H5P_DEFAULT, data) <
      0) {
    Fail("cannot write rows of dataset '" + name_ + "'", path);
  }
  rows_written_ += num_rows;
}

#define CALF_H5_INSTANTIATE(T)                                                         \
  template H5Array<T> H5File::ReadDataset<T>(const std::string&) const;                \
  template H5Array<T> H5File::ReadRows<T>(const std::string&, int64_t, int64_t) const; \
  template void H5Appender::Append<T>(const T*, int64_t);
CALF_H5_INSTANTIATE(float)
CALF_H5_INSTANTIATE(double)
CALF_H5_INSTANTIATE(int32_t)
CALF_H5_INSTANTIATE(int64_t)
CALF_H5_INSTANTIATE(uint8_t)
#undef CALF_H5_INSTANTIATE

}  // namespace calf::core
