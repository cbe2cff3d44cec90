#include "core/config/binder.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <type_traits>

#include "core/config/text_file.h"
#include "core/error.h"

namespace calf::core::config {
namespace {

using nlohmann::json;

std::string Num(double v) { return FormatNumber(v); }

std::string JoinKeys(const std::vector<std::string>& keys) {
  std::string out;
  for (const std::string& k : keys) out += (out.empty() ? "" : ", ") + k;
  return out;
}

}  // namespace

bool Range::Contains(double v) const {
  if (!std::isfinite(v)) return false;
  const bool lo = min_open ? v > min : v >= min;
  const bool hi = max_open ? v < max : v <= max;
  return lo && hi;
}

std::string FormatNumber(double v) {
  // %g without the 300 digits of a huge bound
  char text[32];
  std::snprintf(text, sizeof text, "%.10g", v);
  return text;
}

std::string Range::Describe() const {
  const bool has_min = std::isfinite(min), has_max = std::isfinite(max);
  if (!has_min && !has_max) return "a finite number";
  if (has_min && !has_max) return (min_open ? "> " : ">= ") + Num(min);
  if (!has_min) return (max_open ? "< " : "<= ") + Num(max);
  return std::string("in ") + (min_open ? "(" : "[") + Num(min) + ", " + Num(max) +
         (max_open ? ")" : "]");
}

std::string ShortDump(const json& value) {
  std::string text = value.dump();
  constexpr size_t kMax = 60;
  if (text.size() > kMax) text = text.substr(0, kMax - 3) + "...";
  return text;
}

json ParseObject(const std::string& text, const std::string& source) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {
    // parse errors and out-of-range numbers (1e400) alike: the file is at fault
    std::string why = e.what();
    if (why.size() > 200) why = why.substr(0, 197) + "...";
    throw ConfigError(source + ": malformed JSON (" + why + ")");
  }
  if (!j.is_object()) throw ConfigError(source + ": expected a JSON object at top level");
  return j;
}

std::string ReadTextFile(const std::string& path) {
  return ReadTextFile(path, kMaxConfigBytes, "a JSON config file");
}

Binder::Binder(Kind kind, const json* in, std::string source, std::string prefix)
    : kind_(kind), in_(in), source_(std::move(source)), prefix_(std::move(prefix)) {}

Binder Binder::Reader(const json& object, std::string source) {
  return Binder(Kind::kReader, &object, std::move(source), "");
}

Binder Binder::Writer() { return Binder(Kind::kWriter, nullptr, "", ""); }

Binder Binder::Checker(std::string source) {
  return Binder(Kind::kChecker, nullptr, std::move(source), "");
}

bool Binder::Has(const std::string& key) const {
  return kind_ == Kind::kReader && in_->contains(key);
}

const json* Binder::Find(const std::string& key) {
  known_.push_back(key);
  if (kind_ != Kind::kReader) return nullptr;
  const auto it = in_->find(key);
  return it == in_->end() ? nullptr : &*it;
}

void Binder::Fail(const std::string& key, const std::string& problem) const {
  throw ConfigError(source_ + ": key '" + Path(key) + "' " + problem);
}

void Binder::CheckRange(const std::string& key, double v, const Range& range) const {
  if (!range.Contains(v)) {
    Fail(key, "= " + Num(v) + " is out of range; it must be " + range.Describe());
  }
}

void Binder::Value(const std::string& key, double& v, Range range) {
  if (const json* j = Find(key)) {
    if (!j->is_number()) Fail(key, "must be a number (got " + ShortDump(*j) + ")");
    v = j->get<double>();
    CheckRange(key, v, range);
  }
  if (kind_ == Kind::kWriter) out_[key] = v;
  if (kind_ == Kind::kChecker) CheckRange(key, v, range);
}

template <typename T>
void Binder::IntValue(const std::string& key, T& v, Range range) {
  if (const json* j = Find(key)) {
    if (!j->is_number_integer()) Fail(key, "must be an integer (got " + ShortDump(*j) + ")");
    // out of the type's range reads as a range error below, not as a wrapped value
    const double d = j->get<double>();
    if (d < static_cast<double>(std::numeric_limits<T>::min()) ||
        d > static_cast<double>(std::numeric_limits<T>::max())) {
      Fail(key, "= " + ShortDump(*j) + " is out of range; it must be " + range.Describe());
    }
    v = j->get<T>();
    CheckRange(key, static_cast<double>(v), range);
  }
  if (kind_ == Kind::kWriter) out_[key] = v;
  if (kind_ == Kind::kChecker) CheckRange(key, static_cast<double>(v), range);
}

void Binder::Value(const std::string& key, int64_t& v, Range range) { IntValue(key, v, range); }

void Binder::Value(const std::string& key, int& v, Range range) { IntValue(key, v, range); }

void Binder::Value(const std::string& key, uint64_t& v) {
  if (const json* j = Find(key)) {
    if (!j->is_number_unsigned() && !(j->is_number_integer() && j->get<int64_t>() >= 0)) {
      Fail(key, "must be a non-negative integer (got " + ShortDump(*j) + ")");
    }
    v = j->get<uint64_t>();
  }
  if (kind_ == Kind::kWriter) out_[key] = v;
}

void Binder::Value(const std::string& key, bool& v) {
  if (const json* j = Find(key)) {
    if (!j->is_boolean()) Fail(key, "must be true or false (got " + ShortDump(*j) + ")");
    v = j->get<bool>();
  }
  if (kind_ == Kind::kWriter) out_[key] = v;
}

void Binder::Value(const std::string& key, std::string& v, bool allow_empty) {
  if (const json* j = Find(key)) {
    if (!j->is_string()) Fail(key, "must be a string (got " + ShortDump(*j) + ")");
    v = j->get<std::string>();
    if (!allow_empty && v.empty()) Fail(key, "must not be empty");
  }
  if (kind_ == Kind::kWriter) out_[key] = v;
  if (kind_ == Kind::kChecker && !allow_empty && v.empty()) Fail(key, "must not be empty");
}

void Binder::Choice(const std::string& key, std::string& v,
                    const std::vector<std::string>& choices) {
  const bool present = Has(key);
  Value(key, v);
  if (kind_ == Kind::kWriter || (kind_ == Kind::kReader && !present)) return;
  if (std::find(choices.begin(), choices.end(), v) == choices.end()) {
    std::string list;
    for (size_t i = 0; i < choices.size(); ++i) {
      list += (i == 0 ? "" : i + 1 == choices.size() ? " or " : ", ") + choices[i];
    }
    Fail(key, "= " + ShortDump(json(v)) + " is unknown; use " + list);
  }
}

// a list of integers (T integral: JSON integers only) or of numbers (T = double)
template <typename T>
void Binder::NumberList(const std::string& key, std::vector<T>& v, Range element,
                        size_t min_size) {
  constexpr bool kIntegers = std::is_integral_v<T>;
  const json* j = Find(key);
  if (j != nullptr) {
    const std::string expected = std::string("must be an array of ") +
                                 (kIntegers ? "integers" : "numbers") + ", each " +
                                 element.Describe();
    if (!j->is_array()) Fail(key, expected + " (got " + ShortDump(*j) + ")");
    std::vector<T> read;
    for (const json& e : *j) {
      const bool type_ok = kIntegers ? e.is_number_integer() : e.is_number();
      if (!type_ok || !element.Contains(e.get<double>())) {
        Fail(key, expected + " (got " + ShortDump(e) + ")");
      }
      read.push_back(e.get<T>());
    }
    v = std::move(read);
  }
  if (kind_ == Kind::kWriter) {
    out_[key] = v;
    return;
  }
  if (kind_ == Kind::kReader && j == nullptr) return;
  if (v.size() < min_size) {
    Fail(key, "must hold at least " + std::to_string(min_size) + " value(s)");
  }
  for (T e : v) CheckRange(key, static_cast<double>(e), element);
}

void Binder::List(const std::string& key, std::vector<int>& v, Range element, size_t min_size) {
  NumberList(key, v, element, min_size);
}

void Binder::List(const std::string& key, std::vector<int64_t>& v, Range element, size_t min_size) {
  NumberList(key, v, element, min_size);
}

void Binder::List(const std::string& key, std::vector<double>& v, Range element, size_t min_size) {
  NumberList(key, v, element, min_size);
}

void Binder::List(const std::string& key, std::vector<std::string>& v, size_t min_size) {
  const json* j = Find(key);
  if (j != nullptr) {
    if (!j->is_array()) Fail(key, "must be an array of strings (got " + ShortDump(*j) + ")");
    std::vector<std::string> read;
    for (const json& e : *j) {
      if (!e.is_string()) Fail(key, "must be an array of strings (got " + ShortDump(e) + ")");
      read.push_back(e.get<std::string>());
    }
    v = std::move(read);
  }
  if (kind_ == Kind::kWriter) {
    out_[key] = v;
    return;
  }
  if (kind_ == Kind::kReader && j == nullptr) return;
  if (v.size() < min_size) {
    Fail(key, "must hold at least " + std::to_string(min_size) + " value(s)");
  }
}

void Binder::BoolMap(const std::string& key, std::map<std::string, bool>& v,
                     const std::vector<std::string>& names) {
  if (const json* j = Find(key)) {
    if (!j->is_object()) {
      Fail(key, "must be an object of name -> true/false (got " + ShortDump(*j) + ")");
    }
    std::map<std::string, bool> read;
    for (auto it = j->begin(); it != j->end(); ++it) {
      if (std::find(names.begin(), names.end(), it.key()) == names.end()) {
        throw ConfigError(source_ + ": unknown key '" + Path(key) + "." + it.key() +
                          "'; known keys: " + JoinKeys(names));
      }
      if (!it->is_boolean()) {
        throw ConfigError(source_ + ": key '" + Path(key) + "." + it.key() +
                          "' must be true or false (got " + ShortDump(*it) + ")");
      }
      read[it.key()] = it->get<bool>();
    }
    v = std::move(read);
  }
  if (kind_ == Kind::kWriter) {
    json o = json::object();
    for (const auto& [name, value] : v) o[name] = value;
    out_[key] = o;
  }
}

void Binder::Object(const std::string& key, const std::function<void(Binder&)>& fields) {
  const json* j = Find(key);
  if (j != nullptr && !j->is_object()) {
    Fail(key, "must be an object (got " + ShortDump(*j) + ")");
  }
  if (kind_ == Kind::kReader && j == nullptr) return;  // nothing to read
  Binder inner(kind_, j, source_, prefix_ + key + ".");
  fields(inner);
  if (kind_ == Kind::kReader) inner.Finish("");
  if (kind_ == Kind::kWriter) out_[key] = inner.out_;
}

void Binder::Skip(const std::string& key) { known_.push_back(key); }

void Binder::Finish(const std::string& docs) {
  if (kind_ != Kind::kReader) return;
  for (auto it = in_->begin(); it != in_->end(); ++it) {
    if (std::find(known_.begin(), known_.end(), it.key()) != known_.end()) continue;
    std::vector<std::string> sorted = known_;
    std::sort(sorted.begin(), sorted.end());
    throw ConfigError(source_ + ": unknown key '" + Path(it.key()) + "'; known keys: " +
                      JoinKeys(sorted) + (docs.empty() ? "" : " (see " + docs + ")"));
  }
}

}  // namespace calf::core::config
