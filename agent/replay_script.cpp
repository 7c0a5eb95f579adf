#include "agent/replay_script.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "messages/errors.hpp"

namespace cua {

namespace {

caf::error bad_line(size_t number, const std::string& what) {
  return make_error(errc::model_failed,
                    "replay script line " + std::to_string(number) + ": " + what);
}

} // namespace

caf::expected<std::vector<model_turn>> parse_replay_script(const std::string& text) {
  std::vector<model_turn> turns;
  std::istringstream lines(text);
  std::string line;
  size_t number = 0;
  while (std::getline(lines, line)) {
    ++number;
    if (line.find_first_not_of(" \t\r") == std::string::npos)
      continue;
    auto turn_json = nlohmann::json::parse(line, nullptr, false);
    if (turn_json.is_discarded())
      return bad_line(number, "not valid JSON");
    if (!turn_json.is_object())
      return bad_line(number, "a turn must be a JSON object with \"text\" and \"actions\"");
    model_turn turn;
    if (auto t = turn_json.find("text"); t != turn_json.end() && !t->is_null()) {
      if (!t->is_string())
        return bad_line(number, "\"text\" must be a string");
      turn.text = t->get<std::string>();
    }
    if (auto a = turn_json.find("actions"); a != turn_json.end() && !a->is_null()) {
      if (!a->is_array())
        return bad_line(number, "\"actions\" must be an array of action objects");
      size_t index = 0;
      for (const auto& action : *a) {
        if (!action.is_object())
          return bad_line(number, "each action must be an object like {\"action\": \"screenshot\"}");
        turn.actions.push_back(model_action{
          "replay-" + std::to_string(number) + "-" + std::to_string(index++),
          action.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)});
      }
    }
    turns.push_back(std::move(turn));
  }
  if (turns.empty())
    return make_error(errc::model_failed, "the replay script has no turns");
  return turns;
}

caf::expected<std::vector<model_turn>> load_replay_script(const std::string& given) {
  // A recorded task's folder (--trajectory-dir): its steps are a script of its turns.
  std::error_code ec;
  auto path = std::filesystem::is_directory(given, ec) ? given + "/steps.jsonl" : given;
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return make_error(errc::model_failed, "cannot open the replay script \"" + path + "\"");
  in.seekg(0, std::ios::end);
  auto size = static_cast<size_t>(in.tellg());
  if (size > max_replay_script_size)
    return make_error(errc::model_failed, "the replay script \"" + path + "\" is larger than 16 MiB");
  in.seekg(0);
  std::string text(size, '\0');
  in.read(text.data(), static_cast<std::streamsize>(size));
  return parse_replay_script(text);
}

} // namespace cua
