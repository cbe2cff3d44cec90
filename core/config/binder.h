#pragma once
// calf's one config layer: a config struct lists each of its JSON keys once, in a
// `Bind(config::Binder&)` method, and the same list reads a JSON file, writes the resolved
// config back as JSON and validates the values (types and ranges). Every config error has one
// phrasing:
//
//   <source>: key '<dotted.key>' must be <expected> (got <value>); <how to fix>
//   <source>: unknown key '<dotted.key>'; known keys: <list> (see <docs page>)
//   <source>: malformed JSON (<parser's reason>)
//
// where <source> names the file (or "--config x.json", or "config" for values that came
// from flags). Values are echoed shortened (at most ~60 characters).

#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace calf::core::config {

/// The allowed interval of a numeric value (bounds inclusive unless marked open).
struct Range {
  double min = -1.0 / 0.0;
  double max = 1.0 / 0.0;
  bool min_open = false;
  bool max_open = false;

  /// Any finite number.
  static Range Any() { return {}; }
  /// v >= lo.
  static Range AtLeast(double lo) { return {lo, 1.0 / 0.0, false, false}; }
  /// v > lo.
  static Range Above(double lo) { return {lo, 1.0 / 0.0, true, false}; }
  /// lo <= v <= hi.
  static Range Closed(double lo, double hi) { return {lo, hi, false, false}; }
  /// lo < v <= hi.
  static Range OpenClosed(double lo, double hi) { return {lo, hi, true, false}; }
  /// lo < v < hi.
  static Range Open(double lo, double hi) { return {lo, hi, true, true}; }

  /// True when v lies in the range (NaN and ±inf never do).
  bool Contains(double v) const;
  /// ">= 0", "> 0", "in (0, 1]", "a finite number".
  std::string Describe() const;
};

/// Visits the keys of one config struct (see the file comment). Three kinds:
/// Reader (JSON object -> fields; only the keys present are touched), Writer (fields -> JSON
/// object) and Checker (validates the fields' current values). Not thread-safe.
class Binder {
 public:
  enum class Kind { kReader, kWriter, kChecker };

  /// Reads from `object` (must be a JSON object). `source` names it in errors.
  static Binder Reader(const nlohmann::json& object, std::string source);
  /// Collects the bound fields into json().
  static Binder Writer();
  /// Checks every bound field's value; `source` names where the values came from.
  static Binder Checker(std::string source);

  Kind kind() const { return kind_; }
  bool reading() const { return kind_ == Kind::kReader; }
  /// What the values come from, as errors name it ("x.json", "config").
  const std::string& source() const { return source_; }
  /// True when the reader's object has `key` (always false for the other kinds).
  bool Has(const std::string& key) const;

  // ---- fields (each key once; the Reader throws ConfigError for a wrong type or range) ----
  void Value(const std::string& key, double& v, Range range = Range::Any());
  void Value(const std::string& key, int64_t& v, Range range = Range::Any());
  void Value(const std::string& key, int& v, Range range = Range::Any());
  void Value(const std::string& key, uint64_t& v);
  void Value(const std::string& key, bool& v);
  /// Free text; `allow_empty` false refuses "".
  void Value(const std::string& key, std::string& v, bool allow_empty = true);
  /// One of `choices` (exact match).
  void Choice(const std::string& key, std::string& v, const std::vector<std::string>& choices);
  /// Arrays: each element in `range`; `min_size` elements at least.
  void List(const std::string& key, std::vector<int>& v, Range element, size_t min_size = 0);
  void List(const std::string& key, std::vector<int64_t>& v, Range element, size_t min_size = 0);
  void List(const std::string& key, std::vector<std::string>& v, size_t min_size = 0);
  /// An array of numbers, each in `element` (finite by every Range).
  void List(const std::string& key, std::vector<double>& v, Range element, size_t min_size = 0);
  /// An object of name -> bool whose names are in `names`.
  void BoolMap(const std::string& key, std::map<std::string, bool>& v,
               const std::vector<std::string>& names);
  /// A nested object whose keys `fields` binds (unknown keys in it are refused too).
  void Object(const std::string& key, const std::function<void(Binder&)>& fields);
  /// Marks `key` as known without binding it (read elsewhere, e.g. a preset applied first).
  void Skip(const std::string& key);

  /// Reader: throws ConfigError for every key of the object that no call bound, naming the
  /// known keys and `docs`. A no-op for the other kinds.
  void Finish(const std::string& docs);
  /// Writer: the collected object.
  const nlohmann::json& object() const { return out_; }

  /// Throws the one-phrasing range error for `key` (for cross-field checks).
  [[noreturn]] void Fail(const std::string& key, const std::string& problem) const;

 private:
  Binder(Kind kind, const nlohmann::json* in, std::string source, std::string prefix);
  const nlohmann::json* Find(const std::string& key);
  std::string Path(const std::string& key) const { return prefix_ + key; }
  void CheckRange(const std::string& key, double v, const Range& range) const;
  template <typename T>
  void IntValue(const std::string& key, T& v, Range range);
  template <typename T>
  void NumberList(const std::string& key, std::vector<T>& v, Range element, size_t min_size);

  Kind kind_;
  const nlohmann::json* in_;
  std::string source_;
  std::string prefix_;  // "calf." inside an Object
  std::vector<std::string> known_;
  nlohmann::json out_ = nlohmann::json::object();
};

/// Parses `text` as a JSON object; throws ConfigError "<source>: malformed JSON (...)" or
/// "<source>: expected a JSON object at top level".
nlohmann::json ParseObject(const std::string& text, const std::string& source);

/// A JSON value as short text for messages (long values are cut with "...").
std::string ShortDump(const nlohmann::json& value);

/// A number for messages: at most 10 significant digits (never the 300 digits of 1e300).
std::string FormatNumber(double v);

/// Largest JSON config file calf reads (16 MiB).
inline constexpr int64_t kMaxConfigBytes = int64_t{16} << 20;

/// Reads a whole config file of at most kMaxConfigBytes; throws IoError naming the path
/// (missing, a directory, too large, unreadable).
std::string ReadTextFile(const std::string& path);

/// Reads `json_text` into `config` (any struct with `void Bind(Binder&)`), refusing unknown
/// keys (naming `docs`).
template <typename Config>
void ReadJson(Config& config, const std::string& json_text, const std::string& source,
              const std::string& docs) {
  const nlohmann::json j = ParseObject(json_text, source);
  Binder b = Binder::Reader(j, source);
  config.Bind(b);
  b.Finish(docs);
}

/// The config as a JSON object (every bound key).
template <typename Config>
nlohmann::json ToJsonObject(const Config& config) {
  Config copy = config;  // Bind takes fields by reference
  Binder b = Binder::Writer();
  copy.Bind(b);
  return b.object();
}

/// Checks every bound value of `config`; errors name `source` ("config" by default).
template <typename Config>
void CheckValues(const Config& config, const std::string& source = "config") {
  Config copy = config;
  Binder b = Binder::Checker(source);
  copy.Bind(b);
}

}  // namespace calf::core::config
