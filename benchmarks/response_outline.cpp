#include "benchmarks/response_outline.hpp"

#include <nlohmann/json.hpp>

namespace cua::bench {

namespace {

using nlohmann::json;

// Follows the nesting only as deep as the fields it looks for: top-level id, method, error,
// and result.isError.
class outline_reader final : public nlohmann::json_sax<json> {
public:
  response_outline out;

  bool null() override { return true; }
  bool boolean(bool value) override {
    if (depth_ == 2 && key1_ == "result" && key2_ == "isError" && value)
      out.failed = true;
    return true;
  }
  bool number_integer(number_integer_t value) override { return id_value(value); }
  bool number_unsigned(number_unsigned_t value) override {
    return id_value(static_cast<long>(value));
  }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override {
    if (depth_ == 0)
      out.valid = true;
    ++depth_;
    return true;
  }
  bool end_object() override {
    --depth_;
    return true;
  }
  bool start_array(std::size_t) override {
    ++depth_;
    return true;
  }
  bool end_array() override {
    --depth_;
    return true;
  }
  bool key(string_t& name) override {
    if (depth_ == 1) {
      key1_ = name;
      if (name == "method")
        out.has_method = true;
      else if (name == "error")
        out.failed = true;
    } else if (depth_ == 2) {
      key2_ = name;
    }
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
    out.valid = false;
    return false;
  }

private:
  bool id_value(long value) {
    if (depth_ == 1 && key1_ == "id")
      out.id = value;
    return true;
  }

  int depth_ = 0;
  std::string key1_;
  std::string key2_;
};

} // namespace

response_outline outline_of(const std::string& line) {
  outline_reader reader;
  if (!json::sax_parse(line, &reader))
    return {};
  return reader.out;
}

} // namespace cua::bench
