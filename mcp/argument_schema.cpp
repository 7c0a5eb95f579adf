#include "mcp/argument_schema.hpp"

namespace cua {

namespace {

std::string type_of(const nlohmann::json& value) {
  if (value.is_object()) return "an object";
  if (value.is_array()) return "an array";
  if (value.is_string()) return "a string";
  if (value.is_boolean()) return "a boolean";
  if (value.is_number_integer() || value.is_number_unsigned()) return "an integer";
  if (value.is_number()) return "a number";
  return "null";
}

std::string with_article(const std::string& type) {
  auto vowel = !type.empty() && std::string("aeiou").find(type[0]) != std::string::npos;
  return (vowel ? "an " : "a ") + type;
}

bool has_type(const nlohmann::json& value, const std::string& type) {
  if (type == "object") return value.is_object();
  if (type == "array") return value.is_array();
  if (type == "string") return value.is_string();
  if (type == "boolean") return value.is_boolean();
  if (type == "integer") return value.is_number_integer() || value.is_number_unsigned();
  if (type == "number") return value.is_number();
  if (type == "null") return value.is_null();
  return true;
}

std::optional<std::string> check(const nlohmann::json& schema, const nlohmann::json& value,
                                 const std::string& where) {
  if (auto type = schema.find("type"); type != schema.end() && type->is_string()
                                       && !has_type(value, type->get<std::string>()))
    return where + " must be " + with_article(type->get<std::string>()) + ", not " + type_of(value);
  if (auto choices = schema.find("enum"); choices != schema.end() && choices->is_array()) {
    bool found = false;
    for (const auto& c : *choices)
      found = found || c == value;
    if (!found)
      return where + " must be one of " + choices->dump();
  }
  if (value.is_string()) {
    auto length = value.get_ref<const std::string&>().size();
    if (auto min = schema.find("minLength"); min != schema.end() && length < min->get<size_t>())
      return where + " must have at least " + std::to_string(min->get<size_t>()) + " character(s)";
    if (auto max = schema.find("maxLength"); max != schema.end() && length > max->get<size_t>())
      return where + " must have at most " + std::to_string(max->get<size_t>()) + " characters";
  }
  if (value.is_number()) {
    auto number = value.get<double>();
    if (auto min = schema.find("minimum"); min != schema.end() && number < min->get<double>())
      return where + " must be at least " + min->dump();
    if (auto max = schema.find("maximum"); max != schema.end() && number > max->get<double>())
      return where + " must be at most " + max->dump();
  }
  if (value.is_array()) {
    if (auto min = schema.find("minItems"); min != schema.end() && value.size() < min->get<size_t>())
      return where + " must have at least " + std::to_string(min->get<size_t>()) + " item(s)";
    if (auto max = schema.find("maxItems"); max != schema.end() && value.size() > max->get<size_t>())
      return where + " must have at most " + std::to_string(max->get<size_t>()) + " items";
    if (auto items = schema.find("items"); items != schema.end())
      for (size_t i = 0; i < value.size(); ++i)
        if (auto problem = check(*items, value[i], where + "[" + std::to_string(i) + "]"))
          return problem;
  }
  if (value.is_object()) {
    auto properties = schema.find("properties");
    if (auto required = schema.find("required"); required != schema.end())
      for (const auto& name : *required)
        if (!value.contains(name.get<std::string>()))
          return "missing required argument \"" + name.get<std::string>() + "\"";
    for (const auto& [name, item] : value.items()) {
      if (properties != schema.end() && properties->contains(name)) {
        if (auto problem = check((*properties)[name], item, "\"" + name + "\""))
          return problem;
      } else if (auto extra = schema.find("additionalProperties");
                 extra != schema.end() && *extra == false) {
        return "unknown argument \"" + name + "\"";
      }
    }
  }
  return std::nullopt;
}

} // namespace

std::optional<std::string> check_arguments(const nlohmann::json& schema,
                                           const nlohmann::json& arguments) {
  return check(schema, arguments, "the arguments");
}

} // namespace cua
