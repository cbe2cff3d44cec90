#include "core/io/virtual_file.h"

#include <hdf5.h>

#include <algorithm>
#include <filesystem>
#include <utility>
#include <vector>

#include "core/error.h"
#include "core/io/h5_file.h"
#include "core/io/output_file.h"

namespace calf::core {
namespace {

namespace fs = std::filesystem;

// The datasets a trajectory file always has; all but `step` have the agent axis 1. A family
// with a goal adds `observations` and `goals`, one with contacts `contacts` (agent axis 1
// too): the virtual file maps every dataset its first part has.
constexpr const char* kDatasets[] = {"states",       "actions", "rewards", "q_values",
                                     "modes",        "episode", "done",    "step",
                                     "observations", "goals",   "contacts"};

// Closes an HDF5 id of any kind on scope exit.
class Id {
 public:
  explicit Id(hid_t id = H5I_INVALID_HID) : id_(id) {}
  ~Id() {
    if (id_ >= 0) H5Idec_ref(id_);
  }
  Id(const Id&) = delete;
  Id& operator=(const Id&) = delete;
  Id& operator=(Id&& other) noexcept {
    std::swap(id_, other.id_);
    return *this;
  }
  hid_t get() const { return id_; }
  bool ok() const { return id_ >= 0; }

 private:
  hid_t id_;
};

[[noreturn]] void Fail(const std::string& what, const std::string& path) {
  H5Eclear2(H5E_DEFAULT);
  throw IoError("cannot write virtual trajectory '" + path + "': " + what, ExitCode::kRuntime);
}

void Check(herr_t rc, const std::string& what, const std::string& path) {
  if (rc < 0) Fail(what, path);
}

std::vector<hsize_t> Dims(hid_t space) {
  const int rank = H5Sget_simple_extent_ndims(space);
  std::vector<hsize_t> dims(rank > 0 ? rank : 0);
  if (rank > 0) H5Sget_simple_extent_dims(space, dims.data(), nullptr);
  return dims;
}

// Copies every root attribute of `from` to `to` except `skip` (same type and shape; a
// variable-length string is read into pointers and written back).
struct AttrCopy {
  hid_t to;
  std::vector<std::string> skip;
  bool failed = false;
};

herr_t CopyAttribute(hid_t from, const char* name, const H5A_info_t*, void* data) {
  auto* copy = static_cast<AttrCopy*>(data);
  if (std::find(copy->skip.begin(), copy->skip.end(), name) != copy->skip.end()) return 0;
  Id attr(H5Aopen(from, name, H5P_DEFAULT));
  Id type(attr.ok() ? H5Aget_type(attr.get()) : H5I_INVALID_HID);
  Id space(attr.ok() ? H5Aget_space(attr.get()) : H5I_INVALID_HID);
  if (!type.ok() || !space.ok()) {
    copy->failed = true;
    return -1;
  }
  const hssize_t points = H5Sget_simple_extent_npoints(space.get());
  std::vector<unsigned char> buf(H5Tget_size(type.get()) *
                                 static_cast<size_t>(std::max<hssize_t>(points, 1)));
  if (H5Aread(attr.get(), type.get(), buf.data()) < 0) {
    copy->failed = true;
    return -1;
  }
  Id out(H5Acreate2(copy->to, name, type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT));
  const bool ok = out.ok() && H5Awrite(out.get(), type.get(), buf.data()) >= 0;
  if (H5Tdetect_class(type.get(), H5T_VLEN) > 0 || H5Tis_variable_str(type.get()) > 0) {
    H5Dvlen_reclaim(type.get(), space.get(), H5P_DEFAULT, buf.data());
  }
  if (!ok) {
    copy->failed = true;
    return -1;
  }
  return 0;
}

}  // namespace

void WriteVirtualTrajectory(const std::string& path, const std::vector<VirtualPart>& parts,
                            int64_t num_agents) {
  CALF_CHECK(!parts.empty()) << "a virtual trajectory needs at least one part";
  OutputFile out(path, "trajectory");
  const fs::path dir = fs::path(path).has_parent_path() ? fs::path(path).parent_path() : ".";
  auto full = [&](const VirtualPart& p) { return (dir / p.path).string(); };

  // the parts' completeness and rows
  bool complete = true;
  int64_t steps_recorded = -1;
  for (const VirtualPart& p : parts) {
    H5File part = H5File::Open(full(p), /*read_only=*/true);
    complete = complete && part.ReadInt64Attribute("/", "complete") != 0;
    const int64_t s = part.ReadInt64Attribute("/", "steps_recorded");
    steps_recorded = steps_recorded < 0 ? s : std::min(steps_recorded, s);
  }

  {
    InitHdf5();
    Id file(H5Fcreate(out.temp_path().c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT));
    if (!file.ok()) Fail("cannot create the file", path);
    Id first(H5Fopen(full(parts[0]).c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
    if (!first.ok()) Fail("cannot open part '" + parts[0].path + "'", path);
    Id first_root(H5Oopen(first.get(), "/", H5P_DEFAULT));
    Id root(H5Oopen(file.get(), "/", H5P_DEFAULT));
    if (!first_root.ok() || !root.ok()) Fail("cannot open the root groups", path);
    AttrCopy copy{root.get(), {"complete", "steps_recorded"}};
    hsize_t idx = 0;
    H5Aiterate2(first_root.get(), H5_INDEX_NAME, H5_ITER_INC, &idx, CopyAttribute, &copy);
    if (copy.failed) Fail("cannot copy the attributes of part '" + parts[0].path + "'", path);

    for (const char* name : kDatasets) {
      if (H5Lexists(first.get(), name, H5P_DEFAULT) <= 0) continue;  // a family's extra datasets
      const bool agent_axis = std::string(name) != "step";
      const std::vector<VirtualPart> sources =
          agent_axis ? parts : std::vector<VirtualPart>{parts[0]};
      // the rows every part has (an interrupted run's parts may differ by a flush)
      std::vector<std::vector<hsize_t>> dims;
      Id type;
      for (const VirtualPart& p : sources) {
        Id pf(H5Fopen(full(p).c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
        Id ds(pf.ok() ? H5Dopen2(pf.get(), name, H5P_DEFAULT) : H5I_INVALID_HID);
        Id space(ds.ok() ? H5Dget_space(ds.get()) : H5I_INVALID_HID);
        if (!space.ok()) Fail("part '" + p.path + "' has no dataset '" + name + "'", path);
        dims.push_back(Dims(space.get()));
        if (agent_axis &&
            (dims.back().size() < 2 || dims.back()[1] != static_cast<hsize_t>(p.num_agents))) {
          Fail("part '" + p.path + "' does not hold " + std::to_string(p.num_agents) +
                   " agents in '" + name + "'",
               path);
        }
        if (&p == &sources[0]) type = Id(H5Dget_type(ds.get()));
      }
      hsize_t rows = dims[0][0];
      for (const auto& d : dims) rows = std::min(rows, d[0]);
      std::vector<hsize_t> vdims = dims[0];
      vdims[0] = rows;
      if (agent_axis) vdims[1] = static_cast<hsize_t>(num_agents);
      const int rank = static_cast<int>(vdims.size());
      Id vspace(H5Screate_simple(rank, vdims.data(), nullptr));
      Id dcpl(H5Pcreate(H5P_DATASET_CREATE));
      if (!vspace.ok() || !dcpl.ok() || !type.ok())
        Fail("cannot describe '" + std::string(name) + "'", path);
      for (size_t k = 0; k < sources.size(); ++k) {
        std::vector<hsize_t> start(rank, 0), count = dims[k];
        count[0] = rows;
        Id src(H5Screate_simple(rank, dims[k].data(), nullptr));
        Check(H5Sselect_hyperslab(src.get(), H5S_SELECT_SET, start.data(), nullptr, count.data(),
                                  nullptr),
              "cannot select the source of '" + std::string(name) + "'", path);
        if (agent_axis) start[1] = static_cast<hsize_t>(sources[k].first_agent);
        Check(H5Sselect_hyperslab(vspace.get(), H5S_SELECT_SET, start.data(), nullptr, count.data(),
                                  nullptr),
              "cannot select the slice of '" + std::string(name) + "'", path);
        Check(H5Pset_virtual(dcpl.get(), vspace.get(), sources[k].path.c_str(), name, src.get()),
              "cannot map '" + std::string(name) + "' to part '" + sources[k].path + "'", path);
      }
      Check(H5Sselect_all(vspace.get()), "cannot reset a selection", path);
      Id ds(H5Dcreate2(file.get(), name, type.get(), vspace.get(), H5P_DEFAULT, dcpl.get(),
                       H5P_DEFAULT));
      if (!ds.ok()) Fail("cannot create the virtual dataset '" + std::string(name) + "'", path);
    }
    Check(H5Fflush(file.get(), H5F_SCOPE_LOCAL), "cannot flush", path);
  }
  {
    H5File f = H5File::Open(out.temp_path(), /*read_only=*/false);
    f.WriteAttribute("/", "complete", int64_t{complete ? 1 : 0});
    f.WriteAttribute("/", "steps_recorded", steps_recorded);
    f.Close();
  }
  out.Commit();
}

bool IsVirtualFile(const std::string& path) {
  InitHdf5();  // verify calls this first: HDF5 must not print its error stack
  Id file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
  if (!file.ok()) {
    H5Eclear2(H5E_DEFAULT);
    return false;
  }
  for (const char* name : kDatasets) {
    if (H5Lexists(file.get(), name, H5P_DEFAULT) <= 0) continue;
    Id ds(H5Dopen2(file.get(), name, H5P_DEFAULT));
    Id dcpl(ds.ok() ? H5Dget_create_plist(ds.get()) : H5I_INVALID_HID);
    if (dcpl.ok() && H5Pget_layout(dcpl.get()) == H5D_VIRTUAL) return true;
  }
  H5Eclear2(H5E_DEFAULT);
  return false;
}

std::vector<std::string> VerifyVirtualFile(const std::string& path) {
  InitHdf5();
  std::vector<std::string> problems;
  Id file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
  if (!file.ok()) {
    H5Eclear2(H5E_DEFAULT);
    return {"'" + path + "' cannot be opened as an HDF5 file"};
  }
  const fs::path dir = fs::path(path).has_parent_path() ? fs::path(path).parent_path() : ".";
  int64_t master_complete = 0;
  {
    Id attr(H5Aopen(file.get(), "complete", H5P_DEFAULT));
    if (attr.ok()) H5Aread(attr.get(), H5T_NATIVE_INT64, &master_complete);
  }
  std::vector<std::string> seen_missing;
  for (const char* name : kDatasets) {
    if (H5Lexists(file.get(), name, H5P_DEFAULT) <= 0) continue;
    Id ds(H5Dopen2(file.get(), name, H5P_DEFAULT));
    Id dcpl(ds.ok() ? H5Dget_create_plist(ds.get()) : H5I_INVALID_HID);
    if (!dcpl.ok() || H5Pget_layout(dcpl.get()) != H5D_VIRTUAL) continue;
    size_t count = 0;
    if (H5Pget_virtual_count(dcpl.get(), &count) < 0) {
      problems.push_back("'" + std::string(name) + "': cannot read its mappings");
      continue;
    }
    for (size_t i = 0; i < count; ++i) {
      const ssize_t fn = H5Pget_virtual_filename(dcpl.get(), i, nullptr, 0);
      const ssize_t dn = H5Pget_virtual_dsetname(dcpl.get(), i, nullptr, 0);
      if (fn < 0 || dn < 0) {
        problems.push_back("'" + std::string(name) + "': cannot read mapping " + std::to_string(i));
        continue;
      }
      std::string source(static_cast<size_t>(fn) + 1, '\0'),
          dset(static_cast<size_t>(dn) + 1, '\0');
      H5Pget_virtual_filename(dcpl.get(), i, source.data(), source.size());
      H5Pget_virtual_dsetname(dcpl.get(), i, dset.data(), dset.size());
      source.resize(static_cast<size_t>(fn));
      dset.resize(static_cast<size_t>(dn));
      Id src_space(H5Pget_virtual_srcspace(dcpl.get(), i));
      const int rank = src_space.ok() ? H5Sget_simple_extent_ndims(src_space.get()) : -1;
      std::vector<hsize_t> lo(rank > 0 ? rank : 0), hi(rank > 0 ? rank : 0);
      if (rank <= 0 || H5Sget_select_bounds(src_space.get(), lo.data(), hi.data()) < 0) {
        problems.push_back("'" + std::string(name) + "': mapping " + std::to_string(i) +
                           " has no source selection");
        continue;
      }
      const std::string part = (source == "." ? fs::path(path) : dir / source).string();
      std::error_code ec;
      if (!fs::exists(part, ec)) {
        if (std::find(seen_missing.begin(), seen_missing.end(), source) == seen_missing.end()) {
          problems.push_back("part '" + source + "' is missing (looked for " + part + ")");
          seen_missing.push_back(source);
        }
        continue;
      }
      try {
        H5File pf = H5File::Open(part, /*read_only=*/true);
        if (!pf.HasObject(dset)) {
          problems.push_back("part '" + source + "' has no dataset '" + dset + "'");
          continue;
        }
        const H5DatasetInfo info = pf.DatasetInfo(dset);
        for (int d = 0; d < rank; ++d) {
          if (d >= static_cast<int>(info.dims.size()) ||
              static_cast<hsize_t>(info.dims[d]) <= hi[d]) {
            problems.push_back(
                "part '" + source + "' is truncated: '" + dset + "' has " +
                std::to_string(d < static_cast<int>(info.dims.size()) ? info.dims[d] : 0) +
                " along axis " + std::to_string(d) + ", the file maps " +
                std::to_string(hi[d] + 1));
            break;
          }
        }
        if (std::string(name) == "states" && master_complete != 0 &&
            pf.ReadInt64Attribute("/", "complete") == 0) {
          problems.push_back("part '" + source + "' is incomplete (complete = 0)");
        }
      } catch (const Error& e) {
        problems.push_back("part '" + source + "' cannot be read: " + e.what());
      }
    }
  }
  H5Eclear2(H5E_DEFAULT);
  return problems;
}

}  // namespace calf::core
