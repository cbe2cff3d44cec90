// The config layer: one key list reads, writes and checks a config, with one error phrasing.

#include <catch2/catch.hpp>
#include <cmath>

#include "core/config/binder.h"
#include "core/error.h"

namespace {

using calf::ConfigError;
using namespace calf::core::config;

struct Inner {
  double gain = 1.5;
  void Bind(Binder& b) { b.Value("gain", gain, Range::Above(0.0)); }
};

struct Sample {
  double dt = 0.01;
  int64_t count = 3;
  int width = 64;
  uint64_t seed = 7;
  bool flag = false;
  std::string name = "a";
  std::string kind = "x";
  std::vector<int> sizes = {4, 4};
  std::vector<std::string> modes = {"m"};
  std::map<std::string, bool> switches;
  Inner inner;

  void Bind(Binder& b) {
    b.Value("dt", dt, Range::OpenClosed(0.0, 1.0));
    b.Value("count", count, Range::AtLeast(1));
    b.Value("width", width, Range::Closed(1, 4096));
    b.Value("seed", seed);
    b.Value("flag", flag);
    b.Value("name", name, false);
    b.Choice("kind", kind, {"x", "y", "z"});
    b.List("sizes", sizes, Range::Closed(1, 4096), 1);
    b.List("modes", modes);
    b.BoolMap("switches", switches, {"fast", "slow"});
    b.Object("inner", [this](Binder& ib) { inner.Bind(ib); });
  }
};

std::string ErrorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("The binder reads, writes and round-trips every kind of key", "[core][config]") {
  Sample s;
  ReadJson(s,
           R"({"dt": 0.5, "count": 9, "width": 32, "seed": 18446744073709551615, "flag": true,
               "name": "b", "kind": "z", "sizes": [1, 2, 3], "modes": ["p", "q"],
               "switches": {"fast": true}, "inner": {"gain": 2.5}})",
           "s.json", "docs/x.md");
  CHECK(s.dt == 0.5);
  CHECK(s.count == 9);
  CHECK(s.width == 32);
  CHECK(s.seed == 18446744073709551615ULL);
  CHECK(s.flag);
  CHECK(s.name == "b");
  CHECK(s.kind == "z");
  CHECK(s.sizes == std::vector<int>{1, 2, 3});
  CHECK(s.modes == std::vector<std::string>{"p", "q"});
  CHECK(s.switches == std::map<std::string, bool>{{"fast", true}});
  CHECK(s.inner.gain == 2.5);
  // a partial object leaves the other keys alone
  ReadJson(s, R"({"count": 4})", "t.json", "");
  CHECK(s.count == 4);
  CHECK(s.dt == 0.5);
  // the echo has every key and reads back to the same config
  const nlohmann::json echo = ToJsonObject(s);
  CHECK(echo.size() == 11);
  Sample back;
  ReadJson(back, echo.dump(), "echo", "");
  CHECK(ToJsonObject(back) == echo);
  CheckValues(back);
}

TEST_CASE("Config errors name the source, the dotted key and what is expected", "[core][config]") {
  Sample s;
  auto read = [&](const std::string& text) {
    return ErrorOf([&] { ReadJson(s, text, "cfg.json", "docs/x.md"); });
  };
  CHECK(read(R"({"dtt": 1})") ==
        "cfg.json: unknown key 'dtt'; known keys: count, dt, flag, inner, kind, modes, name, "
        "seed, sizes, switches, width (see docs/x.md)");
  CHECK(read(R"({"inner": {"gian": 1}})").find("unknown key 'inner.gian'; known keys: gain") !=
        std::string::npos);
  CHECK(read(R"({"dt": "fast"})") == "cfg.json: key 'dt' must be a number (got \"fast\")");
  CHECK(read(R"({"dt": 2})") == "cfg.json: key 'dt' = 2 is out of range; it must be in (0, 1]");
  CHECK(read(R"({"inner": {"gain": 0}})") ==
        "cfg.json: key 'inner.gain' = 0 is out of range; it must be > 0");
  CHECK(read(R"({"count": 1.5})").find("key 'count' must be an integer") != std::string::npos);
  CHECK(read(R"({"width": 99999999999})").find("key 'width' = 99999999999 is out of range") !=
        std::string::npos);
  CHECK(read(R"({"seed": -1})").find("key 'seed' must be a non-negative integer") !=
        std::string::npos);
  CHECK(read(R"({"flag": 1})").find("key 'flag' must be true or false") != std::string::npos);
  CHECK(read(R"({"name": ""})") == "cfg.json: key 'name' must not be empty");
  CHECK(read(R"({"kind": "w"})") == "cfg.json: key 'kind' = \"w\" is unknown; use x, y or z");
  CHECK(read(R"({"sizes": [0]})")
            .find("key 'sizes' must be an array of integers, each in [1, "
                  "4096] (got 0)") != std::string::npos);
  CHECK(read(R"({"sizes": []})") == "cfg.json: key 'sizes' must hold at least 1 value(s)");
  CHECK(read(R"({"switches": {"warp": true}})").find("unknown key 'switches.warp'") !=
        std::string::npos);
  CHECK(read(R"({"inner": 3})").find("key 'inner' must be an object") != std::string::npos);
  CHECK(read("{not json").find("cfg.json: malformed JSON (") == 0);
  CHECK(read(R"({"dt": 1e400})").find("cfg.json: malformed JSON (") == 0);
  CHECK(read("[1, 2]") == "cfg.json: expected a JSON object at top level");
  // a huge value is not echoed in full
  const std::string big = "\"" + std::string(100000, 'x') + "\"";
  CHECK(read(R"({"dt": )" + big + "}").size() < 150);
}

TEST_CASE("The checker validates values set outside JSON", "[core][config]") {
  Sample s;
  CheckValues(s);
  s.dt = std::nan("");
  CHECK(ErrorOf([&] { CheckValues(s); }) ==
        "config: key 'dt' = nan is out of range; it must be in "
        "(0, 1]");
  s.dt = 0.1;
  s.count = 0;
  CHECK(ErrorOf([&] { CheckValues(s, "--flags"); }) ==
        "--flags: key 'count' = 0 is out of range; it must be >= 1");
  s.count = 1;
  s.kind = "q";
  CHECK(ErrorOf([&] { CheckValues(s); }).find("key 'kind' = \"q\" is unknown") !=
        std::string::npos);
  CHECK(Range::Closed(0, 1).Describe() == "in [0, 1]");
  CHECK(Range::Any().Describe() == "a finite number");
  CHECK_FALSE(Range::Any().Contains(INFINITY));
}
