#include "app/config_file.hpp"

#include <algorithm>
#include <charconv>
#include <set>
#include <tuple>

#include <nlohmann/json.hpp>
#include <toml++/toml.h>

namespace cua {

namespace {

// Wraps `text` into comment lines of at most about 100 columns.
std::string comment_lines(const std::string& text) {
  std::string out;
  std::string line = "#";
  std::istringstream words(text);
  std::string word;
  while (words >> word) {
    if (line.size() + 1 + word.size() > 100 && line.size() > 1) {
      out += line + "\n";
      line = "#";
    }
    line += " " + word;
  }
  return out + line + "\n";
}

// A TOML literal for an option's value: bare when TOML reads it as a number and the option takes
// one, else a basic string (JSON's escapes are TOML's, but for DEL, which TOML wants escaped).
std::string literal(const std::string& text, bool numeric) {
  if (numeric) {
    try {
      auto probe = toml::parse("v = " + text);
      if (probe["v"].is_number())
        return text;
    } catch (const toml::parse_error&) {
      // not a TOML number: quoted below
    }
  }
  auto quoted = nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::string out;
  for (char c : quoted)
    out += c == '\x7f' ? std::string{"\\u007f"} : std::string(1, c);
  return out;
}

// The text CLI11 is given for one TOML value, or nothing for a value no flag takes.
std::optional<std::string> flag_text(const toml::node& value) {
  if (auto text = value.value_exact<std::string>())
    return *text;
  if (auto integer = value.value_exact<int64_t>())
    return std::to_string(*integer);
  if (auto boolean = value.value_exact<bool>())
    return *boolean ? "true" : "false";
  if (auto real = value.value_exact<double>()) {
    char buffer[64];
    auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, *real);
    if (ec == std::errc{})
      return std::string(buffer, end);
  }
  return std::nullopt;
}

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j)
    row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

} // namespace

bool is_command_key(const std::string& key) {
  static const std::set<std::string> commands{"help", "version", "config", "print-config"};
  return commands.count(key) > 0;
}

std::string nearest_key(const std::string& key, const std::vector<std::string>& keys) {
  std::string best;
  size_t best_distance = std::max<size_t>(2, key.size() / 4) + 1;
  for (const auto& candidate : keys) {
    auto distance = edit_distance(key, candidate);
    if (distance < best_distance) {
      best = candidate;
      best_distance = distance;
    }
  }
  return best;
}

config_file_format::config_file_format(config_key_check check) : check_(std::move(check)) {
}

std::string config_file_format::to_config(const CLI::App* app, bool, bool write_description,
                                          std::string) const {
  std::string out;
  for (const CLI::Option* option : app->get_options()) {
    if (option->get_lnames().empty() || is_command_key(option->get_lnames().front()))
      continue;
    const auto& key = option->get_lnames().front();
    if (write_description)
      out += "\n" + comment_lines(option->get_description());
    if (option->get_expected_max() == 0) { // a flag: on or off
      bool on = option->count() > 0 && option->results().back() == option->get_flag_value(key, "true");
      out += key + " = " + (on ? "true" : "false") + "\n";
      continue;
    }
    std::vector<std::string> values = option->results();
    if (values.empty() && !option->get_default_str().empty())
      values.push_back(option->get_default_str());
    // The type name may go on with its check's description: "INT:INT in [1 - 1000]".
    const auto type = option->get_type_name();
    bool numeric = false;
    for (const char* kind : {"INT", "UINT", "FLOAT", "NUMBER"})
      numeric = numeric || type.rfind(kind, 0) == 0;
    bool list = option->get_items_expected_max() > 1;
    if (values.empty()) {
      out += "# " + key + " = " + (list ? "[...]" : "...") + "  (not set)\n";
      continue;
    }
    std::string rendered;
    for (const auto& value : values)
      rendered += (rendered.empty() ? "" : ", ") + literal(value, numeric);
    out += key + " = " + (list ? "[" + rendered + "]" : rendered) + "\n";
  }
  return out;
}

std::vector<CLI::ConfigItem> config_file_format::from_config(std::istream& input) const {
  auto at_line = [](const toml::source_region& where) {
    return "line " + std::to_string(where.begin.line) + ": ";
  };
  toml::table table;
  try {
    table = toml::parse(input);
  } catch (const toml::parse_error& e) {
    throw CLI::ConfigError(at_line(e.source()) + std::string{e.description()} + " (the file is TOML)");
  }
  // In the file's order, so that the first problem named is the first one in it.
  std::vector<std::tuple<toml::source_index, std::string, const toml::node*>> entries;
  for (const auto& [key, node] : table)
    entries.emplace_back(key.source().begin.line, std::string{key.str()}, &node);
  std::sort(entries.begin(), entries.end(),
            [](const auto& a, const auto& b) { return std::get<0>(a) < std::get<0>(b); });
  std::vector<CLI::ConfigItem> items;
  for (const auto& [line, key, node] : entries) {
    auto where = "line " + std::to_string(line) + ": " + key + ": ";
    if (node->is_table())
      throw CLI::ConfigError(where + "sections are not used; every key stands at the top level, "
                                     "named as its flag without the dashes");
    std::vector<std::string> values;
    auto take = [&](const toml::node& value) {
      auto text = flag_text(value);
      if (!text)
        throw CLI::ConfigError(where + "the value must be a string, a number, true or false, or a "
                                       "list of them");
      values.push_back(std::move(*text));
    };
    if (const auto* array = node->as_array()) {
      if (array->empty())
        throw CLI::ConfigError(where + "an empty list (leave the key out to keep the default)");
      for (const auto& element : *array)
        take(element);
    } else {
      take(*node);
    }
    auto verdict = check_(key, values);
    if (!verdict.error.empty())
      throw CLI::ConfigError("line " + std::to_string(line) + ": " + verdict.error);
    if (verdict.env_wins)
      continue;
    CLI::ConfigItem item;
    item.name = key;
    item.inputs = std::move(values);
    items.push_back(std::move(item));
  }
  return items;
}

} // namespace cua
