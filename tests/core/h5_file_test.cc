#include "core/io/h5_file.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <functional>
#include <iterator>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

#include "core/error.h"
#include "tests/core/temp_dir.h"

using calf::IoError;
using calf::core::ChooseChunkDims;
using calf::core::H5Appender;
using calf::core::H5AppenderOptions;
using calf::core::H5File;
using calf::core::H5Type;
using calf::testing::TempDir;

namespace {

template <typename T>
std::vector<T> Iota(int64_t count, T start, T step) {
  std::vector<T> values(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) values[i] = static_cast<T>(start + step * static_cast<T>(i));
  return values;
}

std::string ErrorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const IoError& e) {
    return e.what();
  }
  return "<no error>";
}

}  // namespace

TEST_CASE("Scalar attributes round-trip on the root and on datasets", "[core][io][h5]") {
  TempDir dir;
  const std::string path = dir.File("attrs.h5");
  {
    H5File file = H5File::Create(path);
    file.WriteAttribute("/", "text", std::string("héllo {\"a\": 1}"));
    file.WriteAttribute("/", "empty", std::string());
    file.WriteAttribute("/", "neg", int64_t{-1234567890123});
    file.WriteAttribute("/", "big", std::numeric_limits<uint64_t>::max());
    file.WriteAttribute("/", "pi", 3.141592653589793);
    H5AppenderOptions options;
    options.row_dims = {3};
    H5Appender data(file, "group/data", options);
    data.Close();
    file.WriteAttribute("group/data", "units", "m");
    // overwrite with the same type, then with another type
    file.WriteAttribute("/", "neg", int64_t{-7});
    file.WriteAttribute("/", "pi", "three");
    file.Close();
  }
  H5File file = H5File::Open(path, /*read_only=*/true);
  CHECK(file.ReadStringAttribute("/", "text") == "héllo {\"a\": 1}");
  CHECK(file.ReadStringAttribute("", "empty").empty());
  CHECK(file.ReadInt64Attribute("/", "neg") == -7);
  CHECK(file.ReadUInt64Attribute("/", "big") == std::numeric_limits<uint64_t>::max());
  CHECK(file.ReadStringAttribute("/", "pi") == "three");
  CHECK(file.ReadStringAttribute("group/data", "units") == "m");
  CHECK(file.HasAttribute("/", "text"));
  CHECK_FALSE(file.HasAttribute("/", "nope"));
  CHECK_FALSE(file.HasAttribute("missing/object", "text"));
  CHECK(file.HasObject("group"));
  CHECK_FALSE(file.HasObject("missing/object"));
}

TEST_CASE("Reading a missing or mistyped attribute names the attribute and file",
          "[core][io][h5]") {
  TempDir dir;
  const std::string path = dir.File("a.h5");
  H5File file = H5File::Create(path);
  file.WriteAttribute("/", "x", 2.5);
  CHECK(file.ReadDoubleAttribute("/", "x") == 2.5);
  const std::string missing = ErrorOf([&] { file.ReadInt64Attribute("/", "steps"); });
  CHECK_THAT(missing, Catch::Contains("attribute 'steps'") && Catch::Contains(path) &&
                          Catch::Contains("missing"));
  const std::string wrong = ErrorOf([&] { file.ReadStringAttribute("/", "x"); });
  CHECK_THAT(wrong, Catch::Contains("attribute 'x'") && Catch::Contains("not a string"));
  const std::string no_object = ErrorOf([&] { file.ReadInt64Attribute("states", "x"); });
  CHECK_THAT(no_object, Catch::Contains("'states'") && Catch::Contains("not found"));
}

TEST_CASE("String attributes are fixed-length: any length up to the limit, a longer one refused",
          "[core][io][h5]") {
  TempDir dir;
  const std::string path = dir.File("s.h5");
  const std::string longest(calf::core::kH5MaxStringAttributeBytes - 1, 'x');
  {
    H5File file = H5File::Create(path);
    file.WriteAttribute("/", "longest", longest);
    file.WriteAttribute("/", "short", "ab");
    file.WriteAttribute("/", "short", "a much longer value than before");  // a new size
    const std::string too_long = ErrorOf([&] { file.WriteAttribute("/", "x", longest + "y"); });
    CHECK_THAT(too_long, Catch::Contains("attribute 'x'") && Catch::Contains("at most"));
    file.Close();
  }
  // no global heap in the file: HDF5 names a collection "GCOL"
  std::ifstream in(path, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(bytes.find("GCOL") == std::string::npos);
  H5File file = H5File::Open(path, /*read_only=*/true);
  CHECK(file.ReadStringAttribute("/", "longest") == longest);
  CHECK(file.ReadStringAttribute("/", "short") == "a much longer value than before");
}

TEST_CASE("Opening a missing or non-HDF5 file throws IoError naming it", "[core][io][h5]") {
  TempDir dir;
  const std::string missing = dir.File("none.h5");
  CHECK_THAT(ErrorOf([&] { H5File::Open(missing, true); }),
             Catch::Contains(missing) && Catch::Contains("does not exist"));
  const std::string text = dir.File("text.h5");
  std::ofstream(text) << "not hdf5 at all\n";
  CHECK_THAT(ErrorOf([&] { H5File::Open(text, true); }),
             Catch::Contains(text) && Catch::Contains("not an hdf5 file"));
  CHECK_THAT(ErrorOf([&] { H5File::Create(dir.File("no/such/dir.h5")); }),
             Catch::Contains("no/such/dir.h5"));
  try {
    H5File::Open(missing, true);
  } catch (const IoError& e) {
    CHECK(e.code() == calf::ExitCode::kUsage);
  }
}

TEST_CASE("Appended rows of every type read back equal, whole and by row range", "[core][io][h5]") {
  TempDir dir;
  const std::string path = dir.File("rows.h5");
  const int64_t rows = 37;
  const auto f32 = Iota<float>(rows * 5 * 3, -1.5f, 0.37f);
  const auto f64 = Iota<double>(rows * 4, 1e-300, 1.1e-3);
  const auto i32 = Iota<int32_t>(rows * 4, -1000, 7);
  const auto i64 = Iota<int64_t>(rows, int64_t{1} << 40, 3);
  const auto u8 = Iota<uint8_t>(rows * 2, 0, 1);
  {
    H5File file = H5File::Create(path);
    auto make = [&](const char* name, H5Type type, std::vector<int64_t> row_dims,
                    std::vector<int64_t> chunk) {
      H5AppenderOptions o;
      o.type = type;
      o.row_dims = std::move(row_dims);
      o.chunk_dims = std::move(chunk);
      if (type == H5Type::kEnumUInt8) o.enum_members = {{"zero", 0}, {"one", 1}};
      return H5Appender(file, name, o);
    };
    // chunk extents that do not divide the appended pieces
    H5Appender a = make("f32", H5Type::kFloat32, {5, 3}, {4, 2, 3});
    H5Appender b = make("f64", H5Type::kFloat64, {4}, {});
    H5Appender c = make("i32", H5Type::kInt32, {4}, {3, 4});
    H5Appender e = make("i64", H5Type::kInt64, {}, {5});
    H5Appender u = make("u8", H5Type::kUInt8, {2}, {8, 2});
    int64_t done = 0;
    for (int64_t piece : {1, 2, 7, 1, 10, 16}) {
      a.Append(f32.data() + done * 15, piece);
      b.Append(f64.data() + done * 4, piece);
      c.Append(i32.data() + done * 4, piece);
      e.Append(i64.data() + done, piece);
      u.Append(u8.data() + done * 2, piece);
      done += piece;
      CHECK(a.rows() == done);
    }
    REQUIRE(done == rows);
    CHECK(a.rows_written() == 36);  // 9 whole blocks of 4; one row still buffered
    for (H5Appender* x : {&a, &b, &c, &e, &u}) x->Close();
    file.Close();
  }
  H5File file = H5File::Open(path, true);
  const auto ra = file.ReadDataset<float>("f32");
  CHECK(ra.dims == std::vector<int64_t>{rows, 5, 3});
  CHECK(ra.values == f32);
  CHECK(file.ReadDataset<double>("f64").values == f64);
  CHECK(file.ReadDataset<int32_t>("i32").values == i32);
  CHECK(file.ReadDataset<int64_t>("i64").values == i64);
  CHECK(file.ReadDataset<uint8_t>("u8").values == u8);
  const auto part = file.ReadRows<float>("f32", 10, 3);
  CHECK(part.dims == std::vector<int64_t>{3, 5, 3});
  CHECK(part.values == std::vector<float>(f32.begin() + 150, f32.begin() + 195));
  CHECK(file.ReadRows<int64_t>("i64", rows - 1, 1).values == std::vector<int64_t>{i64.back()});
  CHECK(file.ReadRows<float>("f32", rows, 0).values.empty());
  const auto info = file.DatasetInfo("f32");
  CHECK(info.type == H5Type::kFloat32);
  CHECK(info.max_dims == std::vector<int64_t>{-1, 5, 3});
  CHECK(info.chunk_dims == std::vector<int64_t>{4, 2, 3});
  CHECK_FALSE(info.deflate);
  // integers convert between widths; classes do not mix
  CHECK(file.ReadDataset<int64_t>("i32").values == std::vector<int64_t>(i32.begin(), i32.end()));
  CHECK_THAT(ErrorOf([&] { file.ReadDataset<float>("i32"); }),
             Catch::Contains("'i32'") && Catch::Contains("not a float"));
  CHECK_THAT(ErrorOf([&] { file.ReadRows<float>("f32", 30, 8); }),
             Catch::Contains("rows [30, 38)") && Catch::Contains("37 rows"));
  CHECK_THAT(ErrorOf([&] { file.ReadDataset<float>("nope"); }),
             Catch::Contains("dataset 'nope'") && Catch::Contains(path));
}

TEST_CASE("Doubles appended to a float32 dataset are rounded to nearest", "[core][io][h5]") {
  TempDir dir;
  H5File file = H5File::Create(dir.File("round.h5"));
  H5AppenderOptions o;
  o.row_dims = {3};
  H5Appender a(file, "x", o);
  const std::vector<double> values = {0.1, -1.0 / 3.0, 1e39};
  a.Append(values.data(), 1);
  a.Close();
  const auto back = file.ReadDataset<float>("x").values;
  REQUIRE(back.size() == 3);
  CHECK(back[0] == static_cast<float>(0.1));
  CHECK(back[1] == static_cast<float>(-1.0 / 3.0));
  CHECK(std::isinf(back[2]));
}

TEST_CASE("Enum datasets keep their member names and raw values", "[core][io][h5]") {
  TempDir dir;
  H5File file = H5File::Create(dir.File("enum.h5"));
  H5AppenderOptions o;
  o.type = H5Type::kEnumUInt8;
  o.row_dims = {4};
  o.enum_members = {{"none", 0}, {"goal", 1}, {"out_of_bounds", 2}, {"time_limit", 3}};
  H5Appender a(file, "done", o);
  const std::vector<uint8_t> values = {0, 1, 2, 3, 3, 2, 1, 0};
  a.Append(values.data(), 2);
  a.Close();
  CHECK(file.ReadDataset<uint8_t>("done").values == values);
  const auto info = file.DatasetInfo("done");
  CHECK(info.type == H5Type::kEnumUInt8);
  REQUIRE(info.enum_members.size() == 4);
  CHECK(info.enum_members[2].name == "out_of_bounds");
  CHECK(info.enum_members[2].value == 2);
  CHECK_THAT(ErrorOf([&] { file.ReadDataset<int32_t>("done"); }), Catch::Contains("enum"));
}

TEST_CASE("Compressed and uncompressed datasets hold equal data", "[core][io][h5]") {
  TempDir dir;
  const auto values = Iota<float>(200 * 64, 0.0f, 0.001f);
  for (bool compress : {false, true}) {
    H5File file = H5File::Create(dir.File(compress ? "z.h5" : "raw.h5"));
    H5AppenderOptions o;
    o.row_dims = {64};
    o.compress = compress;
    H5Appender a(file, "x", o);
    for (int i = 0; i < 200; ++i) a.Append(values.data() + i * 64, 1);
    a.Close();
    CHECK(file.ReadDataset<float>("x").values == values);
    const auto info = file.DatasetInfo("x");
    CHECK(info.deflate == compress);
    CHECK(info.shuffle == compress);
  }
}

TEST_CASE("Chunks stay within 1 MiB and split agents only when one row is larger",
          "[core][io][h5]") {
  auto bytes = [](const std::vector<int64_t>& chunk, int64_t size) {
    return std::accumulate(chunk.begin(), chunk.end(), size, std::multiplies<int64_t>());
  };
  // small rows: whole rows, capped at 1024 of them
  CHECK(ChooseChunkDims({100, 2}, 4) == std::vector<int64_t>{1024, 100, 2});
  CHECK(ChooseChunkDims({}, 8) == std::vector<int64_t>{1024});
  // 100000 agents x 2 floats = 800 kB per row: one row per chunk
  CHECK(ChooseChunkDims({100000, 2}, 4) == std::vector<int64_t>{1, 100000, 2});
  CHECK(ChooseChunkDims({100000}, 4) == std::vector<int64_t>{2, 100000});
  // 1e6 agents: split along agents
  const auto split = ChooseChunkDims({1000000, 2}, 4);
  CHECK(split == std::vector<int64_t>{1, 131072, 2});
  CHECK(bytes(split, 4) <= calf::core::kH5MaxChunkBytes);
  // absurd state dims split the last dim too
  const auto both = ChooseChunkDims({10, 1 << 20}, 8);
  CHECK(both[0] == 1);
  CHECK(both[1] == 1);
  CHECK(bytes(both, 8) <= calf::core::kH5MaxChunkBytes);
}
